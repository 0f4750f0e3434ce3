"""`hub up`: the whole product on one machine, in the foreground.

Starts a bundled Redis (when REDIS_URL is unset), migrates, creates the admin user if
absent, then runs a Celery worker, Celery beat and daphne under a supervisor
(hub/core/supervise.py) that restarts any of them that exits. Ctrl-C or SIGTERM stops them
all (exit 0); a failed start stops whatever had started and exits 1 with the reason.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType

from hub.core.supervise import Supervisor, log

BIN = Path(sys.executable).parent


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()


def _ensure_admin() -> None:
    from django.contrib.auth import get_user_model

    username = os.environ.get("HUB_ADMIN_USER", "admin")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        print(f"[hub] admin user {username!r} exists")
        return
    password = os.environ.get("HUB_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    User.objects.create_superuser(username=username, email="", password=password)
    shown = "(from HUB_ADMIN_PASSWORD)" if os.environ.get("HUB_ADMIN_PASSWORD") else password
    print(f"[hub] created admin user {username!r} with password {shown}", flush=True)


def _prepare(env: dict[str, str]) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _ensure_admin()


def _children(bind: str, env: dict[str, str], concurrency: int) -> list[tuple[str, list[str]]]:
    host, _, port = bind.rpartition(":")
    return [
        (
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "hub",
                "worker",
                "-l",
                "info",
                "-c",
                str(concurrency),
                "-n",
                "hub-worker@%h",
                "-Q",
                "celery,executions",
                "--without-gossip",  # one worker: nothing to gossip with, and a broker
                "--without-mingle",  # restart makes gossip log a traceback each time
            ],
        ),
        ("beat", [str(BIN / "celery"), "-A", "hub", "beat", "-l", "info"]),
        (
            "web",
            [
                str(BIN / "daphne"),
                "-b",
                host or "127.0.0.1",
                "-p",
                port or "8000",
                "hub.asgi:application",
            ],
        ),
    ]


class _Stopped(Exception):
    """Ctrl-C or SIGTERM arrived while `hub up` was still starting."""


class _StopSignals:
    """SIGINT/SIGTERM handlers: while starting they abort the start (but never in the middle
    of launching a child, which would leave it unrecorded), later they only set a flag."""

    def __init__(self) -> None:
        self.requested = False
        self.running = False
        self.launching = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if not self.running and not self.launching:
            raise _Stopped

    @contextmanager
    def launching_child(self) -> Iterator[None]:
        self.launching = True
        try:
            yield
        finally:
            self.launching = False
        if self.requested:
            raise _Stopped


def _check_bind_free(bind: str) -> None:
    host, _, port = bind.rpartition(":")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host or "127.0.0.1", int(port or "8000")))
        except OSError as exc:
            raise RuntimeError(f"cannot listen on {bind}: {exc.strerror}") from exc


def _spawn(command: list[str], env: dict[str, str]) -> Callable[[], subprocess.Popen]:
    return lambda: subprocess.Popen(command, env=env, start_new_session=True)


def _start(
    args: argparse.Namespace, env: dict[str, str], supervisor: Supervisor, signals: _StopSignals
) -> None:
    from django.conf import settings

    from hub.core.redis_server import is_alive, start_redis

    _check_bind_free(args.bind)
    endpoint = settings.BUNDLED_REDIS
    if endpoint is not None and is_alive(endpoint):
        log(f"bundled Redis already running on {endpoint.host}:{endpoint.port}; not supervised")
    elif endpoint is not None:
        starter = partial(start_redis, endpoint, persistent=True, new_session=True)
        with signals.launching_child():
            supervisor.start("redis", starter, stop_last=True)
        log(f"bundled Redis on {endpoint.host}:{endpoint.port} (password in HUB_DATA_DIR)")
    _prepare(env)
    for name, command in _children(args.bind, env, args.concurrency):
        with signals.launching_child():
            supervisor.start(name, _spawn(command, env))


def up(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    os.environ["PATH"] = env["PATH"]
    signals = _StopSignals()
    supervisor: Supervisor | None = None
    try:
        _setup_django()
        from django.conf import settings

        supervisor = Supervisor(Path(settings.HUB_DATA_DIR) / "supervisor.json")
        _start(args, env, supervisor, signals)
        signals.running = True
    except _Stopped:
        log("stopping before the start finished...")
        if supervisor is not None:
            supervisor.stop()
        return 0
    except Exception as exc:
        reason = str(exc).strip() or type(exc).__name__
        log(f"start failed: {type(exc).__name__}: {reason}")
        if supervisor is not None:
            supervisor.stop()
        log("stopped what had started")
        return 1
    log(f"OPS Job is up: http://{args.bind}/  (Ctrl-C stops everything)")
    if not signals.requested:
        supervisor.run(lambda: signals.requested)
    log("stopping...")
    supervisor.stop()
    log("stopped")
    return 0


def debug_run(args: argparse.Namespace) -> int:
    """Writes a past execution as an ansible-runner private data dir (secrets blank)."""
    _setup_django()
    from hub.core.exceptions import DomainError
    from hub.executions.debug_run import write_debug_run

    target = Path(args.dir or f"debug-run-{args.execution_id}")
    try:
        blanks = write_debug_run(args.execution_id, target)
    except DomainError as exc:
        print(f"hub debug-run: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {target}/ (project/, inventory/, env/)")
    for item in blanks:
        print(f"  fill in: {item}")
    print(f"then: ansible-runner run {target} -p playbook.yml")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub", description="OPS Job hub")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the whole product in the foreground")
    start.add_argument("--bind", default=os.environ.get("HUB_BIND", "127.0.0.1:8000"))
    start.add_argument(
        "--concurrency", type=int, default=int(os.environ.get("HUB_WORKER_CONCURRENCY", "4"))
    )
    start.set_defaults(func=up)
    debug = commands.add_parser(
        "debug-run", help="write a past execution as an ansible-runner private data dir"
    )
    debug.add_argument("execution_id", type=int)
    debug.add_argument("--dir", help="where to write it (default: ./debug-run-<id>)")
    debug.set_defaults(func=debug_run)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
