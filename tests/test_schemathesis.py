"""Schemathesis over the whole OpenAPI schema against a live hub (daphne, SQLite, bundled
Redis on a unix socket): no operation answers 5xx, and every answer matches the schema.

Everything runs inside a fresh network namespace (`unshare -n`, loopback only), so the
webhook, cloud and git URLs schemathesis makes the hub call can never leave the machine.
The test runs this file as a script (`_drive`), which starts the server and schemathesis.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Each operation gets a few examples per phase; the whole run must stay well under 5 min.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3")
MAX_TIME = os.environ.get("SCHEMATHESIS_MAX_TIME", "120")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20260101")
FUZZ_ADMIN_PK = 7_340_033
pytestmark = pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux unshare")


def test_schemathesis_finds_no_server_error_and_no_schema_lie(tmp_path: Path) -> None:
    driver = f"ip link set lo up && exec {sys.executable} {Path(__file__)} {tmp_path}"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "HUB_DATA_DIR")
    }
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", driver],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    report = result.stdout[-20000:] + result.stderr[-5000:]
    server_log = tmp_path / "server.log"
    if result.returncode != 0 and server_log.exists():
        report += "\n--- server log (tail) ---\n" + server_log.read_text()[-8000:]
    assert result.returncode == 0, report


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the hub server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the hub server did not answer {url}")


def _admin_token() -> str:
    """A token for the fuzzing admin, (re)made an active superuser first: schemathesis'
    stateful phase finds it in /api/auth/users/ and demotes or deletes it, as it may."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import RefreshToken

    user, _ = get_user_model().objects.update_or_create(
        pk=FUZZ_ADMIN_PK,
        defaults={"username": f"fuzz-admin-{FUZZ_ADMIN_PK}", "is_active": True},
    )
    if not (user.is_superuser and user.is_staff):
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    return str(RefreshToken.for_user(user).access_token)


def _register_auth() -> None:
    """Loaded by schemathesis (SCHEMATHESIS_HOOKS): every case gets a working admin token."""
    import django
    import schemathesis

    django.setup()

    @schemathesis.auth(refresh_interval=2)
    class AdminToken:
        def get(self, case: Any, context: Any) -> str:
            return _admin_token()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


if os.environ.get("SCHEMATHESIS_HOOKS") == __name__:
    _register_auth()


def _drive(data_dir: Path) -> int:
    """Inside the namespace: Redis + migrated SQLite + daphne, then schemathesis."""
    os.environ.update(HUB_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="hub.settings")
    import django

    django.setup()
    from django.conf import settings

    from hub.core.redis_server import start_redis, stop_redis

    redis = start_redis(settings.BUNDLED_REDIS, persistent=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with (data_dir / "server.log").open("w") as log:
        server = subprocess.Popen(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hub.asgi:application"],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_up(f"{base}/api/schema/?format=json", server)
            return _schemathesis(base, data_dir)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            stop_redis(redis)


def _schemathesis(base: str, data_dir: Path) -> int:
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/api/schema/?format=json",
        "--url",
        base,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_TIME,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--report-dir",
        str(data_dir / "report"),
        *os.environ.get("SCHEMATHESIS_EXTRA_ARGS", "").split(),
    ]
    print("$ SCHEMATHESIS_HOOKS=tests.test_schemathesis", " ".join(command), flush=True)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.test_schemathesis", "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=data_dir, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(_drive(Path(sys.argv[1])))
