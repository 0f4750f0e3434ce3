"""The compiler is pure: same input, same files; user text never becomes Jinja; every
compiled project passes ansible-playbook --syntax-check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hub.jobs.compiler import (
    ConnectionSpec,
    CopyFrom,
    FileSpec,
    HostSpec,
    ProjectSpec,
    SecretArg,
    StepSpec,
    compile_project,
    secret_names,
)

BIN = Path(sys.executable).parent
PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!unsafe", lambda loader, node: ("UNSAFE", loader.construct_scalar(node)))


def load(text: str) -> object:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - our SafeLoader subclass


def sample() -> ProjectSpec:
    return ProjectSpec(
        name="demo",
        hosts=(
            HostSpec("web-1", "10.0.0.1", 22, "linux", "acct_1", key="11"),
            HostSpec("数据库-01", "10.0.0.2", 2222, "linux", "acct_2", key="12"),
            HostSpec("win-1", "10.0.0.3", 5985, "windows", "acct_2", key="13"),
        ),
        connections=(
            ConnectionSpec("acct_1", "deploy", "key", "/run/keys/acct_1"),
            ConnectionSpec(
                "acct_2",
                "admin",
                "password",
                has_password=True,
                become=True,
                has_become_password=True,
            ),
        ),
        steps=(
            StepSpec(
                1,
                "install {{ lookup('pipe', 'id') }}",
                "script",
                ("web-1", "数据库-01"),
                content="echo $1\n",
                env={"A": "{{ evil }}", "N": "3"},
                secret_env=("TOKEN",),
                required_secrets=("TOKEN",),
                argv=("a b", "$(id)", SecretArg("TOKEN")),
                timeout=30,
                ignore_errors=True,
                batch="50%",
            ),
            StepSpec(
                2,
                "windows",
                "script",
                ("win-1",),
                script_type="powershell",
                content="Write-Output hi",
            ),
            StepSpec(
                3,
                "push",
                "file_push",
                ("web-1",),
                files=(FileSpec("a.txt", "/srv/a"),),
                destination="/etc/app",
                timeout=60,
            ),
            StepSpec(4, "fetch", "file_fetch", ("web-1",), fetch_path="/var/log/app.log"),
        ),
        forks=7,
    )


SECRETS = {"acct_2_password": "pw-1", "acct_2_become_password": "pw-2", "step_1_secret_1": "tok-3"}


def test_same_input_same_files() -> None:
    assert compile_project(sample(), secrets=SECRETS) == compile_project(sample(), secrets=SECRETS)


def test_one_play_per_step_with_targets_serial_and_ignore_errors() -> None:
    plays = load(compile_project(sample(), secrets=SECRETS)["playbook.yml"])
    assert [p["hosts"] for p in plays] == ["step_1", "step_2", "step_3", "step_4"]
    first = plays[0]
    assert first["serial"] == "50%" and first["max_fail_percentage"] == 0
    assert first["gather_facts"] is False
    task = first["tasks"][0]
    assert task["hub.ops.live_script"]["timeout"] == 30 and task["ignore_errors"] is True
    assert "{{" not in first["name"] and "lookup" in first["name"]  # braces stripped
    windows = plays[1]["tasks"][0]
    assert "ansible.builtin.script" in windows and windows["when"] == "hub_os == 'windows'"
    assert plays[2]["tasks"][0]["ansible.builtin.copy"]["dest"] == "{{ item.dest }}"
    assert plays[2]["tasks"][0]["timeout"] == 60
    assert plays[3]["tasks"][0]["ansible.builtin.fetch"]["flat"] is True


def test_user_values_are_unsafe_and_secrets_stay_in_secrets_file() -> None:
    files = compile_project(sample(), secrets=SECRETS)
    step_vars = load(files["vars/step_1.yml"])
    assert step_vars["step_1_env"]["A"] == ("UNSAFE", "{{ evil }}")
    assert step_vars["step_1_argv"] == [
        ("UNSAFE", "a b"),
        ("UNSAFE", "$(id)"),
        "{{ step_1_secret_1 }}",  # a secret argument refers to the secrets file
    ]
    assert step_vars["step_1_secret_env"] == {"TOKEN": "{{ step_1_secret_1 }}"}
    secret_file = load(files["vars/secrets.yml"])
    assert secret_file["step_1_secret_1"] == ("UNSAFE", "tok-3")
    live = load(files["playbook.yml"])[0]["tasks"][0]
    assert "environment" not in live  # the plugin gets env and secrets as options, over stdin
    assert live["hub.ops.live_script"]["env"] == "{{ step_1_env }}"
    assert live["hub.ops.live_script"]["secret_env"] == "{{ step_1_secret_env }}"
    for name, text in files.items():
        if name != "vars/secrets.yml":
            assert not any(v in text for v in SECRETS.values()), name
    inventory = load(files["inventory/hosts.yml"])["all"]
    assert inventory["hosts"]["数据库-01"]["ansible_password"] == "{{ acct_2_password }}"
    assert inventory["hosts"]["win-1"]["ansible_connection"] == "winrm"
    assert set(inventory["children"]["step_1"]["hosts"]) == {"web-1", "数据库-01"}


def test_export_mode_uses_builtin_script_and_blank_secrets() -> None:
    files = compile_project(sample(), mode="export", secrets=SECRETS)
    plays = load(files["playbook.yml"])
    task = plays[0]["tasks"][1]
    assert "ansible.builtin.script" in task and task["timeout"] == 30
    assert "map('quote')" in task["ansible.builtin.script"]["cmd"]
    secrets = load(files["vars/secrets.yml"])
    assert secret_names(sample(), "export") == [
        "acct_2_password",
        "acct_2_become_password",
        "secret_token",
    ]
    # blanks are plain '' (an empty !unsafe reaches scripts as "None" in ansible-core 2.19)
    assert {secrets[n] for n in secret_names(sample(), "export")} == {""}
    assert "hub_mask" not in secrets
    step_vars = load(files["vars/step_1.yml"])
    assert step_vars["step_1_argv"][2] == "{{ secret_token }}"
    assert step_vars["step_1_secret_env"] == {"TOKEN": "{{ secret_token }}"}
    check = plays[0]["tasks"][0]["ansible.builtin.assert"]
    assert check["that"] == ["secret_token | string | length > 0"]
    assert "secret_token is required" in check["fail_msg"]
    assert isinstance(files["files/step_3/a.txt"], CopyFrom)


@pytest.mark.parametrize("mode", ["run", "export"])
def test_compiled_project_passes_syntax_check(mode: str, tmp_path: Path) -> None:
    files = compile_project(sample(), mode=mode, secrets=SECRETS)  # type: ignore[arg-type]
    for relative, content in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("copied file\n" if isinstance(content, CopyFrom) else content)
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "ANSIBLE_COLLECTIONS_PATH": str(PLAYBOOKS),
    }
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "playbook.yml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


GOLDEN = Path(__file__).resolve().parent / "golden"


def _linux_only() -> ProjectSpec:
    return ProjectSpec(
        name="plain",
        hosts=(HostSpec("web-1", "127.0.0.2", 22, "linux", "acct_1"),),
        connections=(ConnectionSpec("acct_1", "deploy", "key", "/run/keys/acct_1"),),
        steps=(StepSpec(1, "uptime", "script", ("web-1",), content="uptime\n"),),
        forks=5,
    )


@pytest.mark.parametrize(
    ("case", "mode"), [("sample", "run"), ("sample", "export"), ("linux_only", "run")]
)
def test_compiled_files_match_golden_files(case: str, mode: str) -> None:
    """Byte-for-byte against tests/jobs/golden/<case>-<mode>/; HUB_UPDATE_GOLDEN=1 rewrites
    them (review the diff: it is the change every user's generated playbook sees)."""
    spec = sample() if case == "sample" else _linux_only()
    files = compile_project(spec, mode=mode, secrets=SECRETS)  # type: ignore[arg-type]
    folder = GOLDEN / f"{case}-{mode}"
    rendered = {
        name: (f"COPY FROM {content}\n" if isinstance(content, CopyFrom) else content)
        for name, content in files.items()
    }
    if os.environ.get("HUB_UPDATE_GOLDEN") == "1":
        for name, text in rendered.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    on_disk = {
        str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()
    }
    assert sorted(on_disk) == sorted(rendered)
    for name, text in rendered.items():
        assert text == on_disk[name], f"{folder.name}/{name} differs from the golden file"


def test_plain_step_is_not_templated_per_host() -> None:
    """No environment or OS guard when there is nothing to set and no Windows host: each
    costs a Jinja round per host per task."""
    task = load(compile_project(_linux_only())["playbook.yml"])[0]["tasks"][0]
    assert "environment" not in task and "when" not in task
    assert set(task["hub.ops.live_script"]) == {"script", "executable", "argv", "timeout"}
    full = load(compile_project(sample(), secrets=SECRETS)["playbook.yml"])[0]["tasks"][0]
    assert {"env", "secret_env"} <= set(full["hub.ops.live_script"])


def test_secret_names_are_shared_by_steps_in_an_export() -> None:
    base = sample()
    twice = ProjectSpec(
        name="two",
        hosts=base.hosts,
        connections=(),
        steps=(
            StepSpec(
                1, "a", "script", ("web-1",), secret_env=("TOKEN",), argv=(SecretArg("TOKEN"),)
            ),
            StepSpec(2, "b", "script", ("web-1",), secret_env=("TOKEN", "PW")),
        ),
    )
    assert secret_names(twice, "export") == ["secret_token", "secret_pw"]
    clash = ProjectSpec(
        name="clash",
        hosts=base.hosts,
        connections=(),
        steps=(StepSpec(1, "a", "script", ("web-1",), secret_env=("Token", "TOKEN")),),
    )
    assert secret_names(clash, "export") == ["secret_token", "secret_token_2"]
    assert secret_names(twice, "run") == ["step_1_secret_1", "step_2_secret_1", "step_2_secret_2"]
    files = compile_project(twice, mode="export")
    assert "ansible.builtin.assert" not in files["playbook.yml"]  # none is required


def test_fetched_files_land_under_host_keys_never_host_names() -> None:
    evil = ProjectSpec(
        name="evil",
        hosts=(
            HostSpec("../../../../tmp/x", "10.0.0.9", key="42"),
            HostSpec("../y", "10.0.0.8", key="../z"),  # an unsafe key falls back to a position
        ),
        connections=(),
        steps=(StepSpec(1, "f", "file_fetch", ("../../../../tmp/x", "../y"), fetch_path="/a"),),
        fetch_dir="/srv/fetched",
    )
    files = compile_project(evil)
    fetch = load(files["playbook.yml"])[0]["tasks"][0]["ansible.builtin.fetch"]
    assert fetch["dest"] == "{{ hub_fetch_dir }}/{{ hub_host_key }}/"
    hosts = load(files["inventory/hosts.yml"])["all"]["hosts"]
    assert hosts["../../../../tmp/x"]["hub_host_key"] == "42"
    assert hosts["../y"]["hub_host_key"] == "host2"
