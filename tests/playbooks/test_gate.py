"""hub.ops.gate holds plays and tasks while the control key says pause."""

from __future__ import annotations

import time

import redis

from tests.playbooks.helpers import Project, StreamWatcher, play


def test_pause_holds_the_next_task_until_resumed(
    ops_project: Project, stream_watch: StreamWatcher, rds: redis.Redis, tmp_path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    ops_project.script("first.sh", f'echo first; touch {marks}/first-"$1"; sleep 1\n')
    ops_project.script("second.sh", f'echo second; touch {marks}/second-"$1"\n')
    tasks = "".join(
        f"    - name: {name}\n"
        "      hub.ops.live_script:\n"
        f"        script: {name}.sh\n"
        "        argv: ['{{ inventory_hostname }}']\n"
        for name in ("first", "second")
    )
    rds.set(ops_project.control_key, "pause")
    run = ops_project.start(play(tasks, vars_="  vars:\n    hub_step: deploy\n"))
    try:
        paused = stream_watch.wait_for(lambda f: f.get("kind") == "paused")
        time.sleep(1.0)
        assert paused["step"] == "deploy"
        assert list(marks.iterdir()) == []  # held at play start: nothing ran

        rds.set(ops_project.control_key, "resume")
        stream_watch.wait_for(lambda f: f.get("kind") == "resumed")
        stream_watch.wait_for(lambda f: f.get("kind") == "output" and "first" in f.get("text", ""))
        rds.set(ops_project.control_key, "pause")  # while the first task still runs
        stream_watch.wait_for(lambda f: f.get("kind") == "paused" and f["seq"] != paused["seq"])
        time.sleep(1.0)
        names = sorted(p.name for p in marks.iterdir())
        assert names == ["first-host001", "first-host002", "first-host003"]
        assert run.proc.poll() is None

        rds.delete(ops_project.control_key)
        run.wait(30)
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert run.rc == 0, run.output
    assert len(list(marks.glob("second-*"))) == 3
    kinds = [e[1]["kind"] for e in rds.xrange(ops_project.stream)]
    assert kinds.count("paused") == 2 and kinds.count("resumed") == 2


def test_gate_does_nothing_without_a_control_key(ops_project: Project) -> None:
    ops_project.script("one.sh", "echo one\n")
    run = ops_project.run(
        play("    - name: One\n      hub.ops.live_script:\n        script: one.sh\n"),
        HUB_CONTROL_KEY="",
        HUB_EVENT_STREAM="",
    )
    assert run.rc == 0, run.output
    assert run.result("host001", "One")["result"]["hub_streamed"] is False
