"""A whole hub started as `hub up` starts it (daphne, a Celery worker, beat, bundled Redis,
SQLite) on a free loopback port with its own data dir, for tests of clients such as the CLI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.http import free_port, request_json
from tests.support.sshd import SshdFleet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class LiveHub:
    """`hub up` in its own process group; `admin_token` is a JWT of its administrator."""

    admin_user = "admin"
    admin_password = "live-admin-Pa55"

    def __init__(self, data_dir: Path, *, workers: int = 2, start_timeout: float = 120) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "hub.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        }
        env.update(
            HUB_DATA_DIR=str(data_dir),
            HUB_BIND=f"127.0.0.1:{self.port}",
            HUB_ADMIN_USER=self.admin_user,
            HUB_ADMIN_PASSWORD=self.admin_password,
            HUB_WORKER_CONCURRENCY=str(workers),
        )
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "hub"), "up"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_healthy(start_timeout)
            self.admin_token = self.api(
                "/api/auth/login/",
                {"username": self.admin_user, "password": self.admin_password},
                token="",
            )["access"]
        except BaseException:
            self.close()
            raise

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub up exited with {self.process.returncode}: {self.log()}")
            try:
                if request_json(f"{self.base}/health/")["success"]:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"hub up not healthy within {timeout} s: {self.log()}")

    def api(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        method: str | None = None,
    ) -> Any:
        """The content of a successful call (as the administrator unless `token` is given)."""
        reply = request_json(
            self.base + path,
            data,
            token=self.admin_token if token is None else token,
            method=method,
        )
        assert reply.get("success"), (path, reply)
        return reply["content"]

    def add_fleet(self, fleet: SshdFleet) -> dict[str, int]:
        """An execution account with the fleet's key and one host per sshd host: name -> id.

        Also points file steps at the machine's python3, as the other live tests do.
        """
        self.api(
            "/api/system/execution.python_interpreter/",
            {"value": "/usr/bin/python3"},
            method="PATCH",
        )
        account = self.api(
            "/api/hosts/accounts/",
            {
                "name": "fleet-root",
                "username": fleet.user,
                "auth_type": "key",
                "private_key": fleet.client_key_text,
            },
        )
        return {
            entry["name"]: self.api(
                "/api/hosts/",
                {
                    "name": entry["name"],
                    "ip_address": entry["ip"],
                    "port": entry["port"],
                    "account": account["id"],
                },
            )["id"]
            for entry in fleet.hosts
        }

    def close(self) -> None:
        """SIGTERM to the process group (hub up stops its children), SIGKILL if it hangs."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> LiveHub:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
