"""hub.ops.live_script_stop: what a live_script left when its controller died, against real
sshd hosts, a real Redis and real ansible-playbook processes killed with SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import redis

from tests.playbooks.helpers import PlaybookRun, Project, StreamWatcher, play
from tests.playbooks.test_live_script import live_task, pgrep


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant: a controller that dies at once."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    for child in found.split():
        kill_tree(int(child))
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def left_behind(rds: redis.Redis, project: Project, host: str) -> dict[str, str | int]:
    """The options live_script_stop needs, from what live_script published."""
    entries = [f for _, f in rds.xrange(project.stream) if f.get("host") == host]
    start = next(f for f in entries if f["kind"] == "remote_start")
    offsets = {"stdout": 0, "stderr": 0}
    for f in entries:
        if f["kind"] == "output":
            offsets[f["stream"]] = int(f["offset"])
    return {
        "dir": start["dir"],
        "stdout_offset": offsets["stdout"],
        "stderr_offset": offsets["stderr"],
    }


def stop_play(options: dict[str, str | int], mask: str = "") -> str:
    lines = "".join(f"        {k}: {v}\n" for k, v in options.items())
    task = f"    - name: Stop\n      hub.ops.live_script_stop:\n{lines}"
    vars_ = f"  vars:\n    hub_step: 1\n    hub_mask: ['{mask}']\n" if mask else ""
    return play(task, hosts="host001", vars_=vars_)


def published(rds: redis.Redis, project: Project, stream: str = "stdout") -> str:
    entries = [f for _, f in rds.xrange(project.stream)]
    return "".join(f["text"] for f in entries if f["kind"] == "output" and f["stream"] == stream)


def controller_killed_after(run: PlaybookRun, watch: StreamWatcher, text: str) -> None:
    watch.wait_for(lambda f: f.get("kind") == "output" and text in f["text"])
    kill_tree(run.proc.pid)
    run.proc.wait(10)


def test_a_script_that_finished_unwatched_keeps_every_byte_and_its_exit_code(
    ops_project: Project, stream_watch: StreamWatcher, rds: redis.Redis
) -> None:
    secret = "Pw-" + uuid.uuid4().hex
    script = (
        "echo line1\n"
        "sleep 1\n"
        "for i in 2 3 4 5 6; do echo line$i; sleep 0.3; done\n"
        f"printf 'héllo {secret[:6]}'; sleep 0.2; printf '{secret[6:]} ✓\\n'\n"
        "echo oops >&2\n"
        "exit 3\n"
    )
    ops_project.script("unwatched.sh", script)
    vars_ = f"  vars:\n    hub_step: 1\n    hub_mask: ['{secret}']\n"
    run = ops_project.start(play(live_task("unwatched.sh"), hosts="host001", vars_=vars_))
    controller_killed_after(run, stream_watch, "line1")
    options = left_behind(rds, ops_project, "host001")
    time.sleep(3)  # the script ends while no controller watches it
    assert not pgrep(str(options["dir"]))
    assert (Path("/tmp") / str(options["dir"]) / "rc").read_text() == "3\n"

    stop = ops_project.run(stop_play(options, mask=secret))

    result = stop.result("host001", "Stop")
    assert result["status"] == "failed", stop.output  # rc 3 is a failure, as live_script says
    assert result["result"]["hub_recovered"] == "finished" and result["result"]["rc"] == 3
    expected = "".join(f"line{i}\n" for i in range(1, 7)) + "héllo ****** ✓\n"
    assert published(rds, ops_project) == expected  # each byte once, the secret masked
    assert published(rds, ops_project, "stderr") == "oops\n"
    assert secret not in str(rds.xrange(ops_project.stream))
    assert not (Path("/tmp") / str(options["dir"])).exists()
    seqs = [int(f["seq"]) for _, f in rds.xrange(ops_project.stream)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_script_still_running_is_stopped_and_what_it_printed_since_is_kept(
    ops_project: Project, stream_watch: StreamWatcher, rds: redis.Redis
) -> None:
    nap = f"300.{int(time.time() * 1000) % 10**9}"
    ops_project.script("long.sh", f"echo started\nsleep 1\necho meanwhile\nsleep {nap}\necho no\n")
    run = ops_project.start(play(live_task("long.sh"), hosts="host001"))
    controller_killed_after(run, stream_watch, "started")
    options = left_behind(rds, ops_project, "host001")
    time.sleep(2)
    assert pgrep(f"sleep {nap}")

    stop = ops_project.run(stop_play(options))

    result = stop.result("host001", "Stop")["result"]
    assert result["hub_recovered"] == "stopped" and result["rc"] in (-15, -9)
    assert published(rds, ops_project) == "started\nmeanwhile\n"
    assert pgrep(f"sleep {nap}") == []
    assert not (Path("/tmp") / str(options["dir"])).exists()


def test_a_process_group_that_is_not_the_scripts_is_never_signalled(
    ops_project: Project, tmp_path: Path
) -> None:
    nap = f"300.{int(time.time() * 1000) % 10**9}"
    other = subprocess.Popen(["sleep", nap], start_new_session=True)  # pgid == its pid
    fake = Path(f"/tmp/hub-ls.{uuid.uuid4().hex[:10]}")
    fake.mkdir(mode=0o700)
    (fake / "pid").write_text(f"{other.pid}\n")
    (fake / "out").write_text("left\n")
    (fake / "err").write_text("")
    try:
        options = {"pid": other.pid, "dir": str(fake), "stdout_offset": 0}
        stop = ops_project.run(stop_play(options))
        result = stop.result("host001", "Stop")["result"]
        assert other.poll() is None  # alive: its cmdline is not the script's wrapper
        assert result["hub_recovered"] == "stopped" and "without an exit code" in result["msg"]
        assert result["stdout"] == "left\n"
        assert not fake.exists()
    finally:
        other.kill()
        other.wait()


def test_a_dir_that_is_gone_tells_so_and_a_bad_dir_is_refused(ops_project: Project) -> None:
    gone = ops_project.run(stop_play({"dir": f"hub-ls.{uuid.uuid4().hex}"}))
    result = gone.result("host001", "Stop")["result"]
    assert result["hub_recovered"] == "gone" and result["rc"] == -1

    for bad_dir in ("/etc", "hub-ls.x/../../etc", "../hub-ls.abcdefgh", "hub-ls.$(id)x"):
        bad = ops_project.run(stop_play({"dir": f"'{bad_dir}'"}))
        assert "not a live_script directory" in bad.result("host001", "Stop")["result"]["msg"]


def test_a_controller_killed_during_the_start_leaves_nothing_behind(
    ops_project: Project, stream_watch: StreamWatcher, rds: redis.Redis
) -> None:
    """The dir is announced before the start command: killed right then, it is found."""
    ops_project.script("quick.sh", "echo hi\n")
    run = ops_project.start(play(live_task("quick.sh"), hosts="host001"))
    stream_watch.wait_for(lambda f: f.get("kind") == "remote_start")
    kill_tree(run.proc.pid)
    run.proc.wait(10)
    options = left_behind(rds, ops_project, "host001")
    time.sleep(1)

    stop = ops_project.run(stop_play(options))

    result = stop.result("host001", "Stop")["result"]
    assert result["hub_recovered"] in ("finished", "stopped", "gone")
    if result["hub_recovered"] == "finished":
        assert published(rds, ops_project) == "hi\n"
    assert not (Path("/tmp") / str(options["dir"])).exists()
