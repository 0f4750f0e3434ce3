"""`opsjob` against a live hub: login, lists, runs followed live, exit codes, --json."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Live

pytestmark = pytest.mark.integration
COUNTING = 'for i in 1 2 3 4 5; do echo "line-$i on $(hostname -s)"; sleep 0.3; done'


def as_user(live: Live, token: str | None = None) -> dict[str, str]:
    return {"OPSJOB_URL": live.hub.base, "OPSJOB_TOKEN": token or live.api_token}


def lines_of(output: str, host: str) -> list[str]:
    return [
        line.split(" | ", 1)[1] for line in output.splitlines() if line.startswith(f"{host} | ")
    ]


def test_help_lists_every_command(opsjob: Any) -> None:
    shown = opsjob("--help")
    assert shown.returncode == 0, shown.stderr
    for command in ("login", "hosts", "plans", "executions", "run"):
        assert command in shown.stdout
    assert "Exit codes" in shown.stdout
    assert opsjob("run", "script", "--help").returncode == 0


def test_login_checks_the_token_and_saves_it_for_the_owner_only(live: Live, opsjob: Any) -> None:
    refused = opsjob("login", "--url", live.hub.base, "--token", "opsj_not-a-real-token")
    assert refused.returncode == 3 and "401" in refused.stderr
    done = opsjob("login", "--url", live.hub.base + "/", "--token", live.api_token, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["username"] == "admin"
    config = opsjob.home / ".config" / "opsjob" / "config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads(config.read_text()) == {"url": live.hub.base, "token": live.api_token}
    listed = opsjob("hosts", "list", "--json")  # from the saved login, no variables
    assert listed.returncode == 0, listed.stderr
    assert {h["name"] for h in json.loads(listed.stdout)} == set(live.hosts)
    table = opsjob("hosts", "list")
    assert table.stdout.splitlines()[0].split()[:3] == ["ID", "NAME", "ADDRESS"]


def test_run_script_follows_each_hosts_lines_in_order_and_exits_0(live: Live, opsjob: Any) -> None:
    names = sorted(live.hosts)
    done = opsjob(
        "run", "script", "--hosts", ",".join(names), "--content", COUNTING, env=as_user(live)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in names:
        assert [line.split(" on ")[0] for line in lines_of(done.stdout, name)] == [
            f"line-{i}" for i in range(1, 6)
        ]
    assert "finished: success" in done.stderr


def test_failing_script_exits_1_after_its_output(live: Live, opsjob: Any) -> None:
    host = sorted(live.hosts)[0]
    done = opsjob(
        "run",
        "script",
        "--hosts",
        host,
        "--content",
        "echo before-failing; echo to-stderr >&2; exit 7",
        env=as_user(live),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines_of(done.stdout, host) == ["before-failing"]
    assert f"{host} | to-stderr" in done.stderr  # the script's stderr stays stderr
    assert f"{host}: failed (rc 7)" in done.stderr and "finished: failed" in done.stderr


def test_json_follow_is_one_event_per_line_and_show_agrees(
    live: Live, opsjob: Any, tmp_path: Path
) -> None:
    script = tmp_path / "hello.sh"
    script.write_text('echo "hello from a file"\n')
    host_id = str(live.hosts[sorted(live.hosts)[1]])
    jwt = live.hub.admin_token  # a JWT is sent as Bearer, an API token as Token
    done = opsjob(
        "--json", "run", "script", "--hosts", host_id, "--file", str(script), env=as_user(live, jwt)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[0]["kind"] == "launched" and events[-1]["kind"] == "end"
    assert events[-1]["status"] == "success"
    assert "hello from a file" in "".join(
        e.get("text", "") for e in events if e["kind"] == "output"
    )
    seqs = [e["seq"] for e in events[1:]]
    assert seqs == sorted(set(seqs))  # nothing twice, in order
    shown = opsjob(
        "executions", "show", str(events[0]["execution_id"]), "--json", env=as_user(live)
    )
    detail = json.loads(shown.stdout)
    assert detail["status"] == "success" and detail["steps"][0]["hosts"][0]["rc"] == 0
    listed = json.loads(opsjob("executions", "list", "--json", env=as_user(live)).stdout)
    assert events[0]["execution_id"] in [e["id"] for e in listed]


def test_run_plan_with_a_variable(live: Live, opsjob: Any) -> None:
    template = live.hub.api(
        "/api/templates/",
        {
            "name": "cli-template",
            "target_hosts": list(live.hosts.values()),
            "variables": [{"name": "GREETING", "var_type": "string", "value": "hi"}],
            "steps": [
                {
                    "step_type": "script",
                    "script_type": "shell",
                    "name": "greet",
                    "script_content": 'echo "greeting=$GREETING"',
                }
            ],
        },
    )
    plan = live.hub.api("/api/templates/plans/", {"template": template["id"], "name": "cli-plan"})
    plans = json.loads(opsjob("plans", "list", "--json", env=as_user(live)).stdout)
    assert plan["id"] in [p["id"] for p in plans]
    done = opsjob("run", "plan", str(plan["id"]), "--var", "GREETING=hello-cli", env=as_user(live))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in live.hosts:
        assert lines_of(done.stdout, name) == ["greeting=hello-cli"]
    queued = opsjob("run", "plan", str(plan["id"]), "--no-follow", "--json", env=as_user(live))
    assert json.loads(queued.stdout)["execution_id"] > 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["run", "script", "--hosts", "x"], 2),  # no --file / --content
        (["run", "script", "--content", "true"], 2),  # no targets
        (["run", "script", "--hosts", "no-such-host", "--content", "true"], 2),
        (["run", "plan", "abc"], 2),
        (["run", "plan", "1", "--var", "novalue"], 2),
        (["executions", "show", "999999"], 2),  # 404
    ],
)
def test_usage_errors_exit_2(live: Live, opsjob: Any, args: list[str], code: int) -> None:
    done = opsjob(*args, env=as_user(live))
    assert done.returncode == code, done.stdout + done.stderr


def test_connection_and_auth_errors_exit_3(live: Live, opsjob: Any) -> None:
    assert opsjob("hosts", "list").returncode == 3  # not logged in
    wrong = opsjob("hosts", "list", "--json", env=as_user(live, "opsj_wrong"))
    assert wrong.returncode == 3 and json.loads(wrong.stderr)["exit_code"] == 3
    gone = opsjob("--url", "http://127.0.0.1:9", "--token", "t", "hosts", "list")
    assert gone.returncode == 3 and "cannot reach" in gone.stderr
