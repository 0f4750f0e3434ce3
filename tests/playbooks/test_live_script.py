"""hub.ops.live_script against real sshd hosts, with a real Redis and real ansible-playbook."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid

import pytest
import redis

from tests.helpers import command_lines
from tests.playbooks.helpers import Project, StreamWatcher, play


def live_task(script: str, extra: str = "", task_extra: str = "") -> str:
    return (
        "    - name: Live\n"
        "      register: live\n"
        f"{task_extra}"
        "      hub.ops.live_script:\n"
        f"        script: {script}\n"
        f"{extra}"
    )


def pgrep(pattern: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return found.stdout.split()


def test_output_reaches_the_stream_while_the_script_runs(
    ops_project: Project, stream_watch: StreamWatcher, rds: redis.Redis
) -> None:
    ops_project.script("five.sh", "for i in 1 2 3 4 5; do echo line$i; sleep 1; done\n")
    run = ops_project.start(play(live_task("five.sh"), hosts="host001"))

    first = stream_watch.wait_for(lambda f: f.get("kind") == "output" and "line1" in f["text"])
    first_seen = time.monotonic()
    run.wait()

    assert run.rc == 0, run.output
    assert first["host"] == "host001" and first["stream"] == "stdout"
    assert run.ended is not None and run.ended - first_seen >= 2.5
    entries = rds.xrange(ops_project.stream)
    assert [e[0] for e in entries] == [f"{n}-0" for n in range(1, len(entries) + 1)]
    assert [e[1]["seq"] for e in entries] == [str(n) for n in range(1, len(entries) + 1)]
    assert entries[0][1]["kind"] == "remote_start"  # published before the script starts
    assert re.fullmatch(r"hub-ls\.[0-9a-f]{16}", entries[0][1]["dir"])
    streamed = "".join(e[1]["text"] for e in entries if e[1]["kind"] == "output")
    assert streamed == "line1\nline2\nline3\nline4\nline5\n"
    result = run.result("host001", "Live")["result"]
    assert result["stdout_lines"] == [f"line{i}" for i in range(1, 6)]
    assert result["rc"] == 0 and result["hub_streamed"] is True


def test_arguments_arrive_verbatim_and_environment_applies(ops_project: Project, tmp_path) -> None:
    pwned = tmp_path / "pwned"
    ops_project.script(
        "args.sh", 'for a in "$@"; do printf "<%s>\\n" "$a"; done; echo "env=$GREETING"\n'
    )
    ops_project.script("hello.py", "import sys\nprint('py', sys.argv[1:])\n")
    tasks = live_task(
        "args.sh",
        f'        argv: ["a b", "$(touch {pwned})", ";rm -rf x", "`touch {pwned}`", "it\'s"]\n',
        task_extra="      environment:\n        GREETING: hello world\n",
    ) + (
        "    - name: Python\n"
        "      hub.ops.live_script:\n"
        "        script: hello.py\n"
        "        executable: python3\n"
        "        argv: [x]\n"
        "        chdir: /tmp\n"
    )
    run = ops_project.run(play(tasks))

    assert run.rc == 0, run.output
    for host in ("host001", "host002", "host003"):
        out = run.result(host, "Live")["result"]["stdout_lines"]
        assert out == [
            "<a b>",
            f"<$(touch {pwned})>",
            "<;rm -rf x>",
            f"<`touch {pwned}`>",
            "<it's>",
            "env=hello world",
        ]
        assert run.result(host, "Python")["result"]["stdout"] == "py ['x']\n"
    assert not pwned.exists()


def test_masked_secret_never_leaves_the_task(ops_project: Project, rds: redis.Redis) -> None:
    secret = "S3cr3t-" + uuid.uuid4().hex
    # the secret is printed in two halves with a flush and a pause between them, so it is
    # split across two polls; it is also printed whole, on stdout and stderr
    script = (
        f"echo 'token={secret}'\n"
        f"printf '%s' '{secret[:9]}'; sleep 0.6; echo '{secret[9:]} end'\n"
        f'echo "$1" >&2\n'
    )
    ops_project.script("secret.sh", script)
    tasks = live_task("secret.sh", f"        argv: ['{secret}']\n        poll_interval: 0.1\n")
    run = ops_project.run(
        play(tasks, hosts="host001", vars_=f"  vars:\n    hub_mask: ['{secret}']\n")
    )

    assert run.rc == 0, run.output
    entries = rds.xrange(ops_project.stream)
    texts = [e[1].get("text", "") for e in entries]
    assert len([t for t in texts if t]) >= 2
    assert secret not in "".join(texts)
    assert not any(secret[:9] in t for t in texts)
    result = run.result("host001", "Live")["result"]
    assert result["stdout"] == "token=******\n****** end\n"
    assert result["stderr"] == "******\n"
    assert secret not in run.results_path.read_text()


def test_stop_kills_the_remote_process_group(
    ops_project: Project, stream_watch: StreamWatcher, rds: redis.Redis
) -> None:
    marker = f"hubstop{uuid.uuid4().hex[:10]}"
    nap = f"300.{int(time.time() * 1000) % 10**9}"
    ops_project.script("sleepy.sh", f"echo started\nsleep {nap}\necho never\n")
    run = ops_project.start(
        play(live_task("sleepy.sh", f"        argv: [{marker}]\n"), hosts="host001")
    )
    try:
        stream_watch.wait_for(lambda f: f.get("kind") == "output" and "started" in f["text"])
        assert pgrep(f"sleep {nap}")
        assert pgrep(marker) == []  # arguments reach the script without any command line
        stopped_at = time.monotonic()
        rds.set(ops_project.control_key, "stop")
        run.wait(30)
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert run.ended is not None and run.ended - stopped_at < 10
    result = run.result("host001", "Live")
    assert result["status"] == "failed"
    assert result["result"]["hub_stopped"] is True
    assert result["result"]["msg"] == "stopped by user"
    assert result["result"]["rc"] in (-15, -9)
    assert result["result"]["stdout"] == "started\n"
    assert pgrep(marker) == [] and pgrep(f"sleep {nap}") == []


def test_timeout_kills_the_script(ops_project: Project) -> None:
    nap = f"30.{int(time.time() * 1000) % 10**9}"
    ops_project.script("slow.sh", f"sleep {nap}\n")
    run = ops_project.run(play(live_task("slow.sh", "        timeout: 2\n"), hosts="host001"))

    result = run.result("host001", "Live")
    assert result["status"] == "failed"
    assert result["result"]["hub_timeout"] is True
    assert result["result"]["rc"] == 124
    assert result["result"]["msg"] == "timed out after 2 s"
    assert run.elapsed < 10
    assert pgrep(f"sleep {nap}") == []


@pytest.mark.skipif(not shutil.which("su"), reason="needs su")
def test_become_without_stdin_sends_the_script_inside_commands(ops_project: Project) -> None:
    # su cannot pipeline, so the script rides inside the commands (in pieces when large)
    # and the output is read through a pty: line endings and tabs must come back unchanged
    big = "# " + "x" * 40_000 + "\n"
    ops_project.script(
        "who.sh", big + 'id -un; printf "a\\tb\\n"; echo err >&2; sleep 1; echo "$1"\n'
    )
    become = (
        "      become: true\n      become_method: su\n      become_user: nobody\n"
        "      become_flags: '-s /bin/sh'\n"
    )
    run = ops_project.run(
        play(live_task("who.sh", "        argv: ['x y']\n", become), hosts="host001")
    )

    assert run.rc == 0, run.output
    result = run.result("host001", "Live")["result"]
    assert result["stdout"] == "nobody\na\tb\nx y\n"
    assert result["stderr"] == "err\n"


def test_nonzero_rc_fails_and_bad_hosts_are_unreachable(ops_project: Project) -> None:
    ops_project.script("three.sh", "echo partial; echo oops >&2; exit 3\n")
    bad = [ops_project.fleet.unreachable_host(), ops_project.fleet.start_wrong_key_host()]
    run = ops_project.run(play(live_task("three.sh"), hosts="all"), extra_hosts=bad)

    assert run.rc != 0
    for host in ("host001", "host002", "host003"):
        result = run.result(host, "Live")
        assert result["status"] == "failed"
        assert result["result"]["rc"] == 3
        assert result["result"]["stdout"] == "partial\n"
        assert result["result"]["stderr"] == "oops\n"
    for host in bad:
        assert run.result(host["name"], "Live")["status"] == "unreachable"


def test_large_output_is_capped_and_multibyte_text_survives_chunking(
    ops_project: Project, rds: redis.Redis
) -> None:
    # 2.4 MB of two-byte characters after one ASCII byte: chunk borders split characters
    ops_project.script("big.py", "import sys\nsys.stdout.write('x' + '\\u00e9' * 1200000)\n")
    run = ops_project.run(
        play(live_task("big.py", "        executable: python3\n"), hosts="host001")
    )

    assert run.rc == 0, run.output
    stdout = run.result("host001", "Live")["result"]["stdout"]
    head, _, body = stdout.partition("\n")
    assert head == f"[... {2400001 - 1024 * 1024} bytes truncated ...]"
    assert set(body) == {"\u00e9"} and len(body.encode()) == 1024 * 1024
    texts = [e[1]["text"] for e in rds.xrange(ops_project.stream) if e[1]["kind"] == "output"]
    assert len(texts) >= 3
    assert "".join(texts) == "x" + "\u00e9" * 1200000


def _launch_files_holding(secret: str) -> list[str]:
    import glob

    hits = []
    for path in glob.glob("/tmp/hub-ls.*/*"):
        if path.rsplit("/", 1)[-1] in ("out", "err"):  # what the script itself printed
            continue
        try:
            with open(path, "rb") as handle:
                if secret.encode() in handle.read():
                    hits.append(path)
        except OSError:
            continue
    return hits


@pytest.mark.parametrize(
    ("executable", "name", "body"),
    [
        ("bash", "s.sh", 'echo "arg=$1 n=$# env=$TOKEN"; touch "$MARK"; sleep 2\n'),
        ("", "s.sh", '#!/bin/sh\necho "arg=$1 n=$# env=$TOKEN"; touch "$MARK"; sleep 2\n'),
        (
            "python3",
            "s.py",
            "import os, sys, time\nprint('arg=%s n=%d env=%s' % (sys.argv[1], len(sys.argv) - 1,"
            " os.environ['TOKEN']), flush=True)\nopen(os.environ['MARK'], 'w').close()\n"
            "time.sleep(2)\n",
        ),
        (
            "perl",
            "s.pl",
            'print "arg=$ARGV[0] n=" . scalar(@ARGV) . " env=$ENV{TOKEN}\\n";\n'
            '$| = 1; open(my $f, ">", $ENV{MARK}); close $f; sleep 2;\n',
        ),
    ],
)
def test_secret_arguments_and_environment_never_on_a_command_line(
    ops_project: Project, tmp_path, executable: str, name: str, body: str
) -> None:
    secret = "S3cr3t-" + uuid.uuid4().hex
    mark = tmp_path / "started"
    ops_project.script(name, body)
    extra = (
        (f"        executable: {executable}\n" if executable else "")
        + f"        argv: ['{secret}']\n"
        + f"        env: {{MARK: '{mark}'}}\n"
        + f"        secret_env: {{TOKEN: '{secret}'}}\n"
    )
    run = ops_project.start(
        play(
            live_task(name, extra), hosts="host001", vars_=f"  vars:\n    hub_mask: ['{secret}']\n"
        )
    )
    try:
        deadline = time.monotonic() + 30
        while not mark.exists() and time.monotonic() < deadline:
            assert secret not in command_lines()
            time.sleep(0.05)
        assert mark.exists(), "the script never started"
        assert secret not in command_lines()
        assert _launch_files_holding(secret) == []  # read and removed before the script runs
        run.wait(30)
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert run.rc == 0, run.output
    result = run.result("host001", "Live")["result"]
    assert result["stdout"] == "arg=****** n=1 env=******\n"


def test_unset_values_reach_the_script_as_empty_strings(ops_project: Project) -> None:
    ops_project.script("e.sh", 'echo "[$1][$2][$OPT][$SEC]"\n')
    extra = (
        "        argv: ['', null]\n"
        "        env: {OPT: !unsafe ''}\n"
        "        secret_env: {SEC: null}\n"
    )
    run = ops_project.run(play(live_task("e.sh", extra), hosts="host001"))
    assert run.rc == 0, run.output
    assert run.result("host001", "Live")["result"]["stdout"] == "[][][][]\n"
