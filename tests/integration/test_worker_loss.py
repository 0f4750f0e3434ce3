"""A worker that dies mid-run: its ansible-playbook dies with it, the hosts that finished keep
their result, the others are `lost`, and what they left running on the hosts is stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hub.executions import stream
from hub.executions.models import Execution, ExecutionEvent, HostResult
from hub.executions.project import run_root
from hub.executions.tasks import recover_lost_executions_task
from tests.helpers import ok
from tests.integration.conftest import FINISHED, _database_url, remote_processes, wait_for

pytestmark = pytest.mark.integration


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def pool_child_running_ansible(worker_pid: int) -> tuple[int, int] | None:
    """(pool child, its ansible-playbook) of the worker, once the run started it."""
    for child in children(worker_pid):
        for grandchild in children(child):
            if "ansible-playbook" in cmdline(grandchild):
                return child, grandchild
    return None


def alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


LATE = "".join(f"late{i}\n" for i in range(1, 6))


def launch_sleepers(hub: Any, marker: str) -> int:
    """A run on 3 hosts: the first finishes at once, the second sleeps with the marker, the
    third prints numbered lines until ~7 s after the start: after the worker is killed."""
    ips = [hub.get(f"/api/hosts/{h}/").json()["content"]["ip_address"] for h in hub.good[:3]]
    script = (
        "ip=$(echo $SSH_CONNECTION | cut -d' ' -f3)\n"
        "echo started $ip\n"
        f'[ "$ip" = "{ips[0]}" ] && exit 0\n'
        f'if [ "$ip" = "{ips[2]}" ]; then\n'
        "  sleep 5; for i in 1 2 3 4 5; do echo late$i; sleep 0.4; done; exit 0\n"
        "fi\n"
        f"sh -c 'sleep 600; true {marker}'\n"
    )
    body = {"script_content": script, "target_host_ids": hub.good[:3], "account_id": hub.account_id}
    return ok(hub.post("/api/quick/execute_script/", body, format="json"), 201)["execution_id"]


def remote_dirs_once_running(execution_id: int, marker: str) -> list[str]:
    wait_for(lambda: len(remote_processes(marker)) >= 1, timeout=60)

    def recorded() -> list[dict[str, str]] | None:
        entries = [f for _, f in stream.client().xrange(stream.stream_key(execution_id))]
        kinds = [f.get("kind") for f in entries]
        return entries if kinds.count("remote_start") == 3 and "host_result" in kinds else None

    starts = wait_for(recorded, timeout=30)
    names = [f["dir"] for f in starts if f.get("kind") == "remote_start" and f.get("dir")]
    return [f"/tmp/{name}" for name in names]  # the loopback hosts' TMPDIR


def recovered(execution_id: int, killed_at: float) -> tuple[Execution, float]:
    def ended() -> Execution | None:
        recover_lost_executions_task.delay()  # what beat does every 15 s
        execution = Execution.objects.get(pk=execution_id)
        return execution if execution.status in FINISHED else None

    execution = wait_for(ended, timeout=60, interval=2)
    return execution, time.monotonic() - killed_at


def assert_recovered_truthfully(
    hub: Any, execution: Execution, marker: str, dirs: list[str]
) -> None:
    assert execution.status == "failed" and "worker" in execution.error
    statuses = dict(HostResult.objects.filter(execution=execution).values_list("host_id", "status"))
    assert statuses[hub.good[0]] == "success"  # finished before the loss
    assert statuses[hub.good[2]] == "success"  # finished after it, while nobody watched
    assert statuses[hub.good[1]] == "lost"  # stopped by the recovery
    lost = HostResult.objects.get(execution=execution, host_id=hub.good[1])
    assert "worker" in lost.message
    assert execution.summary["lost"] == 1 and execution.summary["success"] == 2
    outputs = ExecutionEvent.objects.filter(execution=execution, kind="output").order_by("seq")
    late = "".join(outputs.filter(host=host_name(hub, 2)).values_list("text", flat=True))
    assert late.endswith(LATE) and late.count("late1") == 1  # every line, each once
    assert late.startswith("started ")
    assert wait_for(lambda: not remote_processes(marker), timeout=10)
    assert len(dirs) >= 2 and not [d for d in dirs if Path(d).exists()]
    assert not (run_root() / str(execution.pk)).exists()
    kinds = list(ExecutionEvent.objects.filter(execution=execution).values_list("kind", flat=True))
    assert kinds.count("end") == 1 and kinds[-1] == "end"
    time.sleep(3)  # later recovery rounds change nothing
    assert ExecutionEvent.objects.filter(execution=execution, kind="end").count() == 1


def host_name(hub: Any, index: int) -> str:
    return str(hub.get(f"/api/hosts/{hub.good[index]}/").json()["content"]["name"])


def test_killed_pool_child_is_recovered_truthfully(hub: Any, celery_worker: Any) -> None:
    marker = f"hubloss{uuid.uuid4().hex[:10]}"
    execution_id = launch_sleepers(hub, marker)
    dirs = remote_dirs_once_running(execution_id, marker)
    pool_child, playbook = wait_for(lambda: pool_child_running_ansible(celery_worker.pid), 10)

    os.kill(pool_child, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_for(lambda: not alive(playbook), timeout=10)  # it died with its parent
    playbook_gone = time.monotonic() - killed_at
    execution, took = recovered(execution_id, killed_at)
    print(f"\nansible-playbook gone {playbook_gone:.1f} s, run ended {took:.1f} s after the kill")
    assert_recovered_truthfully(hub, execution, marker, dirs)


@pytest.fixture
def own_worker(celery_worker: Any, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A second worker that alone takes runs (the shared one stops consuming them)."""
    from hub.celery import app

    shared = celery_worker.node_name
    app.control.cancel_consumer("executions", destination=[shared], reply=True, timeout=5)
    name = f"loss-{os.getpid()}@{socket.gethostname()}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    env.update(HUB_DATA_DIR=str(settings.HUB_DATA_DIR), DJANGO_SETTINGS_MODULE="hub.settings")
    env["EXECUTION_LOGS_DIR"] = str(settings.EXECUTION_LOGS_DIR)
    env["RECOVERY_REDIS_GRACE_SECONDS"] = "0"
    command = [str(Path(sys.executable).parent / "celery"), "-A", "hub", "worker", "-Q"]
    command += ["executions", "-c", "1", "-n", name, "--without-gossip", "--without-mingle"]
    with (tmp_path / "worker.log").open("w") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: app.control.ping(destination=[name], timeout=0.5), timeout=60)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        app.control.add_consumer("executions", destination=[shared], reply=True, timeout=5)


def test_killed_worker_main_process_takes_its_playbook_along(
    hub: Any, own_worker: subprocess.Popen
) -> None:
    marker = f"hubloss{uuid.uuid4().hex[:10]}"
    execution_id = launch_sleepers(hub, marker)
    dirs = remote_dirs_once_running(execution_id, marker)
    pool_child, playbook = wait_for(lambda: pool_child_running_ansible(own_worker.pid), 10)

    os.kill(own_worker.pid, signal.SIGKILL)  # the main process only
    killed_at = time.monotonic()
    wait_for(lambda: not alive(pool_child) and not alive(playbook), timeout=10)
    playbook_gone = time.monotonic() - killed_at
    execution, took = recovered(execution_id, killed_at)
    print(f"\nansible-playbook gone {playbook_gone:.1f} s, run ended {took:.1f} s after the kill")
    assert_recovered_truthfully(hub, execution, marker, dirs)
