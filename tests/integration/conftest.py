"""Real parts for integration tests: sshd hosts on 127.0.0.x, a Celery worker process,
the test database shared with it (transactional tests), and hosts/accounts in the hub."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.support.sshd import SshdFleet

pytestmark = pytest.mark.integration
FINISHED = {"success", "failed", "partial", "stopped", "timeout", "unreachable"}


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdFleet]:
    with SshdFleet(4, tmp_path_factory.mktemp("sshd")) as hosts:
        hosts.wrong_key = hosts.start_wrong_key_host()  # type: ignore[attr-defined]
        hosts.unreachable = hosts.unreachable_host()  # type: ignore[attr-defined]
        yield hosts


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user, host, port = db.get("USER") or "", db.get("HOST") or "", db.get("PORT") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{host}{':' + str(port) if port else ''}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: Any,
    django_db_blocker: Any,
    redis_server: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[subprocess.Popen]:
    """A real Celery worker process on the test database and the test Redis."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "HUB_DATA_DIR": str(settings.HUB_DATA_DIR),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "EXECUTION_LOGS_DIR": str(settings.EXECUTION_LOGS_DIR),
        "RECOVERY_REDIS_GRACE_SECONDS": "0",
    }
    bin_dir = Path(sys.executable).parent
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "hub",
                "worker",
                "-Q",
                "celery,executions",
                "-c",
                "4",
                "-l",
                "info",
                "-n",
                f"test-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    from hub.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited: {log.read_text()[-3000:]}")
        if app.control.ping(timeout=0.5):
            break
    else:
        raise RuntimeError(f"celery worker did not answer: {log.read_text()[-3000:]}")
    process.log_path = log  # type: ignore[attr-defined]
    process.node_name = f"test-{os.getpid()}@{socket.gethostname()}"  # type: ignore[attr-defined]
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def hub(
    transactional_db: Any,
    celery_worker: subprocess.Popen,
    fleet: SshdFleet,
    owner: Any,
    client_for: Callable[[Any], Any],
) -> Iterator[Any]:
    """The owner's API client with an account (the fleet key) and hosts for every sshd host."""
    from hub.system.services import update_setting

    update_setting(actor=None, key="execution.python_interpreter", value="/usr/bin/python3")
    client = client_for(owner)
    account = client.post(
        "/api/hosts/accounts/",
        {
            "name": "fleet-root",
            "username": fleet.user,
            "auth_type": "key",
            "private_key": fleet.client_key_text,
        },
        format="json",
    ).json()["content"]
    hosts = {}
    for entry in [*fleet.hosts, fleet.wrong_key, fleet.unreachable]:  # type: ignore[attr-defined]
        created = client.post(
            "/api/hosts/",
            {
                "name": entry["name"],
                "ip_address": entry["ip"],
                "port": entry["port"],
                "account": account["id"],
            },
            format="json",
        ).json()["content"]
        hosts[entry["name"]] = created["id"]
    client.account_id = account["id"]
    client.host_ids = hosts
    client.good = [hosts[h["name"]] for h in fleet.hosts]
    client.wrong_key = hosts[fleet.wrong_key["name"]]  # type: ignore[attr-defined]
    client.unreachable = hosts[fleet.unreachable["name"]]  # type: ignore[attr-defined]
    yield client
    wait_worker_idle(celery_worker.node_name)  # type: ignore[attr-defined]


def wait_worker_idle(node_name: str, timeout: float = 60) -> None:
    """A run's status is final before its worker is done (logs, hooks): the database is
    reset between tests only once the worker has no task left, or the reset deadlocks."""
    from hub.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.inspect(destination=[node_name], timeout=1.0).active() or {}
        reserved = app.control.inspect(destination=[node_name], timeout=1.0).reserved() or {}
        if not replies.get(node_name) and not reserved.get(node_name):
            return
        time.sleep(0.2)


def wait_finished(execution_id: int, timeout: float = 90) -> Any:
    from hub.executions.models import Execution

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = Execution.objects.get(pk=execution_id)
        if execution.status in FINISHED:
            return execution
        time.sleep(0.2)
    raise AssertionError(f"execution {execution_id} still {execution.status} after {timeout}s")


def wait_for(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def remote_processes(marker: str) -> list[str]:
    """Processes on the loopback 'hosts' (all are this machine) whose command has marker."""
    result = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True, check=False)
    return [line for line in result.stdout.splitlines() if "pgrep" not in line]


def make_plan(
    hub: Any,
    steps: list[dict[str, Any]],
    *,
    variables: list[dict[str, Any]] | None = None,
    name: str = "plan",
) -> dict[str, Any]:
    """A template with these steps (inline scripts unless given) targeting the good hosts,
    and a plan selecting all of them; returns the plan."""
    template = hub.post(
        "/api/templates/",
        {
            "name": f"{name}-template",
            "target_hosts": hub.good[:2],
            "account": hub.account_id,
            "variables": variables or [],
            "steps": [{"step_type": "script", "script_type": "shell", **s} for s in steps],
        },
        format="json",
    ).json()
    assert template["success"], template
    plan = hub.post(
        "/api/templates/plans/",
        {"template": template["content"]["id"], "name": name},
        format="json",
    ).json()
    assert plan["success"], plan
    return plan["content"]


def execute_plan(hub: Any, plan_id: int, **body: Any) -> int:
    reply = hub.post(f"/api/templates/plans/{plan_id}/execute/", body, format="json").json()
    assert reply["success"], reply
    return reply["content"]["execution_id"]
