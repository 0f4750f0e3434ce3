"""`hub up`: the whole product on one machine, in the foreground.

Starts a bundled Redis (when REDIS_URL is unset), migrates, creates the admin user if
absent, then runs a Celery worker, Celery beat and daphne; Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

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


def _stop_all(processes: dict[str, subprocess.Popen], timeout: float = 15) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes.values():
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def up(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    os.environ["PATH"] = env["PATH"]
    from hub.core.redis_server import is_alive, start_redis, stop_redis

    redis_process = None
    _setup_django()
    from django.conf import settings

    if not os.environ.get("REDIS_URL"):
        socket_path = Path(settings.BUNDLED_REDIS_SOCKET)
        if is_alive(socket_path):
            print(f"[hub] bundled Redis already running on {socket_path}")
        else:
            redis_process = start_redis(socket_path, persistent=True)
            print(f"[hub] bundled Redis on unix://{socket_path}", flush=True)
    _prepare(env)
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    for name, command in _children(args.bind, env, args.concurrency):
        processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
    print(f"[hub] OPS Job is up: http://{args.bind}/  (Ctrl-C stops everything)", flush=True)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"[hub] {name} exited with {process.returncode}; stopping", flush=True)
                stopping, exit_code = True, 1
        time.sleep(0.5)
    print("[hub] stopping...", flush=True)
    _stop_all(processes)
    if redis_process is not None:
        stop_redis(redis_process)
    print("[hub] stopped", flush=True)
    return exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub", description="OPS Job hub")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the whole product in the foreground")
    start.add_argument("--bind", default=os.environ.get("HUB_BIND", "127.0.0.1:8000"))
    start.add_argument(
        "--concurrency", type=int, default=int(os.environ.get("HUB_WORKER_CONCURRENCY", "4"))
    )
    start.set_defaults(func=up)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
