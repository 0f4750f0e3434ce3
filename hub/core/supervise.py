"""The process supervisor behind `hub up`: restart whatever exits, stop everything cleanly.

A small typed loop rather than supervisord or circus, for three reasons: the bundled Redis
gets its configuration (password included) on stdin, which neither can feed a child, so
they would need a config file with the password in it; either one is another daemon with
its own control socket and config files to keep in step with `hub up`'s command lines;
and what `hub up` needs is small: start in order, restart with backoff, stop in order,
and clean up after a failed start, all in one foreground process that Ctrl-C stops.

Each child runs in its own session (process group). A child that exits is restarted after
a delay that starts at 1 s and doubles to 30 s, reset once a child ran 60 s; its group is
killed first so orphans of a killed leader (Celery pool processes) don't linger. Stopping
sends SIGTERM to each leader, then SIGKILL to each group after a grace period; children
marked stop_last (the broker) are stopped after the others. The state of every child is
kept in a JSON status file, which /health/ shows to superusers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
GOOD_RUN_SECONDS = 60.0

Starter = Callable[[], subprocess.Popen]


def log(message: str) -> None:
    print(f"[hub] {message}", flush=True)


@dataclass
class Child:
    """One supervised program: how to start it, its current process and restart record."""

    name: str
    start: Starter
    stop_last: bool = False
    process: subprocess.Popen | None = None
    restarts: int = 0
    delay: float = FIRST_DELAY
    started_at: float = 0.0
    restart_at: float | None = None
    last_exit: int | None = None
    last_restart: str | None = None

    def status(self) -> dict[str, Any]:
        running = self.process is not None and self.process.poll() is None
        return {
            "pid": self.process.pid if self.process is not None else None,
            "running": running,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "last_restart": self.last_restart,
        }


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class Supervisor:
    """Starts children, restarts those that exit, stops them all; see the module docstring."""

    def __init__(self, status_path: Path) -> None:
        self.status_path = status_path
        self.children: list[Child] = []

    def start(self, name: str, starter: Starter, *, stop_last: bool = False) -> None:
        """Starts a child now; a starter that raises fails the start (nothing is kept)."""
        child = Child(name=name, start=starter, stop_last=stop_last)
        self._launch(child)
        self.children.append(child)
        self._write_status()

    def _launch(self, child: Child) -> None:
        child.process = child.start()
        child.started_at = time.monotonic()
        child.restart_at = None
        log(f"{child.name} running (pid {child.process.pid})")

    def check(self) -> None:
        """One pass: notice exits, start the children whose restart delay is over."""
        now = time.monotonic()
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                self._on_exit(child, now)
            elif child.restart_at is not None and now >= child.restart_at:
                self._restart(child)

    def _on_exit(self, child: Child, now: float) -> None:
        assert child.process is not None
        child.last_exit = child.process.returncode
        _kill_group(child.process.pid, signal.SIGKILL)
        child.process = None
        if now - child.started_at >= GOOD_RUN_SECONDS:
            child.delay = FIRST_DELAY
        child.restarts += 1
        child.restart_at = now + child.delay
        log(
            f"{child.name} exited with {child.last_exit}; "
            f"restarting in {child.delay:g} s (restart {child.restarts})"
        )
        child.delay = min(child.delay * 2, MAX_DELAY)
        self._write_status()

    def _restart(self, child: Child) -> None:
        child.last_restart = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            self._launch(child)
        except Exception as exc:
            child.restart_at = time.monotonic() + child.delay
            log(f"{child.name} failed to start ({exc}); retrying in {child.delay:g} s")
            child.delay = min(child.delay * 2, MAX_DELAY)
        self._write_status()

    def run(self, should_stop: Callable[[], bool], interval: float = 0.5) -> None:
        while not should_stop():
            self.check()
            time.sleep(interval)

    def stop(self, grace: float = 15) -> None:
        """SIGTERM each leader, SIGKILL each group after grace; stop_last children last."""
        self._stop([c for c in self.children if not c.stop_last], grace)
        self._stop([c for c in self.children if c.stop_last], grace)
        self.status_path.unlink(missing_ok=True)

    def _stop(self, children: list[Child], grace: float) -> None:
        running = [c.process for c in children if c.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log(f"pid {process.pid} ignored SIGTERM for {grace:g} s; killing it")
            _kill_group(process.pid, signal.SIGKILL)
            process.wait()
        for child in children:
            child.process, child.restart_at = None, None

    def _write_status(self) -> None:
        data = {
            "hub_pid": os.getpid(),
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
            "children": {child.name: child.status() for child in self.children},
        }
        temp = self.status_path.with_name(f".{self.status_path.name}.tmp")
        temp.write_text(json.dumps(data, indent=2))
        os.replace(temp, self.status_path)


def read_status(path: Path) -> dict[str, Any] | None:
    """The status file of a live `hub up`, or None (no file, or its hub process is gone)."""
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        pid = int(data["hub_pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's
        pass
    return data
