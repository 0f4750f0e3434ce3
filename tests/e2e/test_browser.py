"""End-to-end: the whole product started as `hub up` starts it, driven by Playwright in
Debian's Chromium (frontend/ `npm run e2e`), against real sshd test hosts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.http import free_port, request_json
from tests.support.sshd import SshdFleet

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ADMIN_PASSWORD = "e2e-admin-Pa55"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`hub up` on a free port with its own data dir (SQLite + bundled Redis)."""
    if not (FRONTEND / "dist" / "index.html").exists():
        pytest.fail("frontend/dist is missing: `make test` builds it (npm ci && npm run build)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    data_dir = tmp_path_factory.mktemp("stack")
    port = free_port()
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
        HUB_WORKER_CONCURRENCY="2",
    )
    log = (data_dir / "hub.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "hub"), "up"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"hub up exited: {(data_dir / 'hub.log').read_text()[-3000:]}")
            try:
                if request_json(f"{base}/health/")["success"]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"hub up not healthy: {(data_dir / 'hub.log').read_text()[-3000:]}")
            time.sleep(1)
        token = request_json(
            f"{base}/api/auth/login/", {"username": "admin", "password": ADMIN_PASSWORD}
        )["content"]
        request_json(
            f"{base}/api/system/execution.python_interpreter/",
            {"value": "/usr/bin/python3"},
            token["access"],
            method="PATCH",
        )
        request_json(  # the specs' webhook and cloud endpoints are stubs on loopback
            f"{base}/api/system/security.outbound_allow_networks/",
            {"value": "127.0.0.0/8"},
            token["access"],
            method="PATCH",
        )
        yield {"base": base, "data_dir": data_dir}
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_browser_workflows(stack: dict[str, Any], tmp_path: Path) -> None:
    with SshdFleet(1, tmp_path / "sshd") as fleet:
        host = fleet.hosts[0]
        env = {
            **os.environ,
            "BASE_URL": stack["base"],
            "E2E_USER": "admin",
            "E2E_PASSWORD": ADMIN_PASSWORD,
            "E2E_SSH_HOST": host["ip"],
            "E2E_SSH_PORT": str(host["port"]),
            "E2E_SSH_USER": fleet.user,
            "E2E_SSH_KEY_FILE": str(fleet.client_key_path),
            "CHROMIUM_PATH": CHROMIUM,
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
            "E2E_ARTIFACTS": str(ROOT / "test-artifacts" / "e2e"),
        }
        result = subprocess.run(
            ["npm", "run", "--silent", "e2e"],
            cwd=FRONTEND,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
