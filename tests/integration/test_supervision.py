"""`hub up` supervises: killed children come back, SIGTERM stops all, a failed start leaves
nothing behind, and the bundled Redis's password is on no command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.http import free_port, request_json

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "sup-admin-Pa55"


def _hub_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        HUB_DATA_DIR=str(data_dir),
        HUB_BIND=f"127.0.0.1:{port}",
        HUB_ADMIN_USER="admin",
        HUB_ADMIN_PASSWORD=ADMIN_PASSWORD,
        HUB_WORKER_CONCURRENCY="1",
        **extra,
    )
    return env


def _owned_by(data_dir: Path) -> set[int]:
    """Pids of live processes of the hub on data_dir: HUB_DATA_DIR in their environment
    (hub up, worker, beat, daphne), or its redis-server (whose title hides its environ)."""
    marker = f"HUB_DATA_DIR={data_dir}".encode()
    port_file = data_dir / "redis_port"
    redis_title = (
        f"redis-server 127.0.0.1:{port_file.read_text().strip()}" if port_file.exists() else ""
    )
    found = set()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ours = marker in environ or (redis_title and redis_title in cmdline)
            if ours and not _zombie(entry):
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def _zombie(entry: Path) -> bool:
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def _alive(pid: int) -> bool:
    try:
        return not _zombie(Path(f"/proc/{pid}"))
    except OSError:
        return False


class Hub:
    """A `hub up` process on a free port with its own data dir (SQLite + bundled Redis)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "hub.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "hub"), "up"],
                cwd=ROOT,
                env=_hub_env(data_dir, self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text()[-4000:]

    def wait_healthy(self, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                pytest.fail(f"hub up exited with {self.process.returncode}: {self.log()}")
            try:
                if request_json(f"{self.base}/health/")["success"]:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.5)
        pytest.fail(f"hub up not healthy within {timeout} s: {self.log()}")

    def status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.data_dir / "supervisor.json").read_text())
        return data

    def child_pid(self, name: str) -> int:
        """The child's current pid, 0 while it waits for its restart."""
        return int(self.status()["children"][name]["pid"] or 0)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in _owned_by(self.data_dir):  # whatever a failing test left behind
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    running = Hub(tmp_path_factory.mktemp("supervised"))
    try:
        running.wait_healthy(120)
        yield running
    finally:
        running.close()


def _admin_health(hub: Hub) -> dict[str, Any]:
    token = request_json(
        f"{hub.base}/api/auth/login/", {"username": "admin", "password": ADMIN_PASSWORD}
    )
    content: dict[str, Any] = request_json(f"{hub.base}/health/", token=token["content"]["access"])[
        "content"
    ]
    return content


def _kill_and_wait(hub: Hub, name: str) -> tuple[int, float]:
    """SIGKILLs the child, waits for its new pid and a healthy hub; seconds since the kill."""
    before = hub.child_pid(name)
    killed = time.monotonic()
    os.kill(before, signal.SIGKILL)
    deadline = killed + 60
    while hub.child_pid(name) in (before, 0) or not _alive(hub.child_pid(name)):
        assert time.monotonic() < deadline, f"{name} not restarted: {hub.log()}"
        time.sleep(0.2)
    hub.wait_healthy(60)
    return before, time.monotonic() - killed


def test_killed_redis_is_restarted_and_the_hub_is_healthy_again(supervised: Hub) -> None:
    worker = supervised.child_pid("worker")
    before, seconds = _kill_and_wait(supervised, "redis")
    print(f"healthy {seconds:.1f} s after SIGKILL of redis-server")
    assert supervised.process.poll() is None
    assert "redis exited with -9; restarting in" in supervised.log()
    health = _admin_health(supervised)
    assert health["celery"]["ok"] and health["celery"]["workers"], health
    children = health["supervisor"]["children"]
    assert children["redis"]["restarts"] >= 1 and children["redis"]["last_exit"] == -9
    assert children["redis"]["pid"] != before
    assert children["worker"]["pid"] == worker or children["worker"]["restarts"] >= 1


def test_killed_worker_is_restarted_and_the_hub_is_healthy_again(supervised: Hub) -> None:
    before, seconds = _kill_and_wait(supervised, "worker")
    print(f"healthy {seconds:.1f} s after SIGKILL of the worker")
    assert supervised.process.poll() is None
    assert "worker exited with -9; restarting in" in supervised.log()
    assert not any(_alive(pid) for pid in _group(before)), "pool processes of the dead worker"
    assert _admin_health(supervised)["celery"]["ok"]


def _group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def test_redis_password_is_on_no_command_line(supervised: Hub) -> None:
    password = (supervised.data_dir / "redis_password").read_text().strip()
    assert (
        len(password) >= 32 and (supervised.data_dir / "redis_password").stat().st_mode & 0o077 == 0
    )
    assert int((supervised.data_dir / "redis_port").read_text()) != 6379
    assert supervised.child_pid("redis") in _owned_by(supervised.data_dir)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert password.encode() not in cmdline.read_bytes(), cmdline
        except OSError:
            continue


def test_sigterm_stops_every_child_and_exits_0(tmp_path: Path) -> None:
    stack = Hub(tmp_path)
    try:
        stack.wait_healthy(120)
        pids = [int(c["pid"]) for c in stack.status()["children"].values()]
        assert len(pids) == 4
        stack.process.send_signal(signal.SIGTERM)
        assert stack.process.wait(40) == 0, stack.log()
        assert not [pid for pid in pids if _alive(pid)], stack.log()
        assert not _owned_by(tmp_path)
    finally:
        stack.close()


def test_failed_start_exits_non_zero_and_leaves_nothing_running(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), "up"],
        cwd=ROOT,
        env=_hub_env(tmp_path, free_port(), DATABASE_URL="postgres://x@127.0.0.1:1/x"),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    output = result.stdout + result.stderr
    try:
        assert result.returncode != 0, output
        assert "start failed" in output and "127.0.0.1" in output, output
        started = [int(pid) for pid in re.findall(r"running \(pid (\d+)\)", output)]
        assert started, output  # the bundled Redis had started before migrate failed
        assert not [pid for pid in started if _alive(pid)], output
        assert not _owned_by(tmp_path), output
    finally:
        for pid in _owned_by(tmp_path):
            os.kill(pid, signal.SIGKILL)


_tokens: dict[str, str] = {}


def _api(hub: Hub, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """The admin's API call; one login per hub (logins are rate-limited per address)."""
    if hub.base not in _tokens:
        _tokens[hub.base] = request_json(
            f"{hub.base}/api/auth/login/", {"username": "admin", "password": ADMIN_PASSWORD}
        )["content"]["access"]
    token = _tokens[hub.base]
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(f"{hub.base}{path}", data=body, **kw)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["content"]


@pytest.mark.parametrize("outage", [3, 30])
def test_a_run_across_a_redis_outage_ends_as_it_would_have_with_every_line_once(
    supervised: Hub, tmp_path: Path, outage: int
) -> None:
    """SIGKILL of the bundled Redis; `hub up` is held (SIGSTOP) so that Redis stays away for
    `outage` seconds before it is restarted: the run goes on, nothing is lost or doubled."""
    from tests.support.sshd import SshdFleet

    _api(supervised, "/api/system/execution.python_interpreter/",
         {"value": "/usr/bin/python3"}, method="PATCH")  # fmt: skip
    with SshdFleet(3, tmp_path / "sshd") as fleet:
        account = _api(
            supervised,
            "/api/hosts/accounts/",
            {"name": f"across{outage}", "username": fleet.user, "auth_type": "key",
             "private_key": fleet.client_key_text},
        )["id"]  # fmt: skip
        hosts = [
            _api(supervised, "/api/hosts/",
                 {"name": f"across{outage}-{h['name']}", "ip_address": h["ip"],
                  "port": h["port"]})["id"]
            for h in fleet.hosts
        ]  # fmt: skip
        lines = int((outage + 8) / 0.2)  # printing before, during and after the outage
        script = f'for i in $(seq 1 {lines}); do echo "across $i"; sleep 0.2; done\n'
        execution = _api(
            supervised,
            "/api/quick/execute_script/",
            {"script_content": script, "target_host_ids": hosts, "account_id": account},
        )["execution_id"]
        time.sleep(2.5)  # the scripts are printing
        os.kill(supervised.process.pid, signal.SIGSTOP)  # no restart of Redis meanwhile
        try:
            os.kill(supervised.child_pid("redis"), signal.SIGKILL)
            time.sleep(outage)
        finally:
            os.kill(supervised.process.pid, signal.SIGCONT)
        deadline = time.monotonic() + 120
        while True:
            try:
                record = _api(supervised, f"/api/executor/execution-records/{execution}/")
                if record["status"] not in ("pending", "running"):
                    break
            except OSError:
                pass  # the API waits on Redis for a moment too
            assert time.monotonic() < deadline, supervised.log()
            time.sleep(1)
        assert record["status"] == "success", record
        for target in record["targets"]:
            log = _api(
                supervised,
                f"/api/executor/execution-records/{execution}/logs/?host={target['name']}",
            )
            printed = [line for line in log["text"].splitlines() if line.startswith("across ")]
            expected = [f"across {i}" for i in range(1, lines + 1)]
            assert printed == expected, (target, log["text"][-500:])
    assert not (supervised.data_dir / "runs" / str(execution)).exists()  # key, secrets.yml
    supervised.wait_healthy(60)


def test_killed_daphne_is_restarted_and_serves_again(supervised: Hub) -> None:
    before, seconds = _kill_and_wait(supervised, "web")
    print(f"healthy {seconds:.1f} s after SIGKILL of daphne")
    assert supervised.process.poll() is None and supervised.child_pid("web") != before
