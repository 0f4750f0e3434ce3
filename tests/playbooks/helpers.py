"""Helpers for the hub.ops collection tests: projects, playbook runs, stream watching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tests.support.sshd import SshdFleet

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "playbooks"
COLLECTION = PLAYBOOKS / "ansible_collections" / "hub" / "ops"
VENV_BIN = Path(sys.executable).parent
CALLBACKS = Path(__file__).parent / "callback_plugins"


def ansible_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "HUB_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
        ANSIBLE_COLLECTIONS_PATH=str(PLAYBOOKS),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED="record_results,hub.ops.gate",
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="False",
    )
    env.update(extra)
    return env


@dataclass
class PlaybookRun:
    """A running ansible-playbook; ``wait()`` returns when it ends."""

    proc: subprocess.Popen[str]
    results_path: Path
    started: float
    ended: float | None = None
    output: str = ""

    def wait(self, timeout: float = 60) -> PlaybookRun:
        self.output, _ = self.proc.communicate(timeout=timeout)
        self.ended = time.monotonic()
        return self

    @property
    def rc(self) -> int:
        assert self.proc.returncode is not None
        return self.proc.returncode

    @property
    def elapsed(self) -> float:
        assert self.ended is not None
        return self.ended - self.started

    def results(self) -> list[dict[str, Any]]:
        if not self.results_path.exists():
            return []
        return [json.loads(line) for line in self.results_path.read_text().splitlines()]

    def result(self, host: str, task: str) -> dict[str, Any]:
        found = [r for r in self.results() if r["host"] == host and r["task"] == task]
        assert found, f"no result for {host}/{task}:\n{self.output}"
        return found[-1]


@dataclass
class Project:
    """A private_data_dir-like folder: inventory, scripts, playbooks, and the stream keys."""

    root: Path
    fleet: SshdFleet
    redis_url: str
    stream: str = field(default_factory=lambda: f"exec:{uuid.uuid4().hex[:12]}")

    @property
    def seq_key(self) -> str:
        return f"{self.stream}:seq"

    @property
    def control_key(self) -> str:
        return f"{self.stream}:control"

    def script(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text)
        return path

    def start(
        self, playbook: str, extra_hosts: list[dict[str, Any]] | None = None, **env: str
    ) -> PlaybookRun:
        uid = uuid.uuid4().hex[:8]
        inventory = self.root / f"inventory-{uid}.json"
        inventory.write_text(json.dumps(self.fleet.inventory(extra_hosts)))
        book = self.root / f"playbook-{uid}.yml"
        book.write_text(playbook)
        results = self.root / f"results-{uid}.jsonl"
        hub_env = {
            "HUB_REDIS_URL": self.redis_url,
            "HUB_EVENT_STREAM": self.stream,
            "HUB_EVENT_SEQ": self.seq_key,
            "HUB_CONTROL_KEY": self.control_key,
            "HUB_TEST_RESULTS": str(results),
        }
        environ = ansible_env(**{**hub_env, **env})
        proc = subprocess.Popen(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(book)],
            cwd=self.root,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return PlaybookRun(proc=proc, results_path=results, started=time.monotonic())

    def run(self, playbook: str, timeout: float = 60, **kwargs: Any) -> PlaybookRun:
        return self.start(playbook, **kwargs).wait(timeout)


class StreamWatcher:
    """Reads a Redis Stream from a thread and notes when each entry was first seen."""

    def __init__(self, url: str, stream: str) -> None:
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.stream = stream
        self.entries: list[tuple[float, str, dict[str, str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        last = "0-0"
        while not self._stop.is_set():
            reply = self.client.xread({self.stream: last}, block=50, count=1000)
            now = time.monotonic()
            for _, items in reply or []:
                for entry_id, fields in items:
                    self.entries.append((now, entry_id, fields))
                    last = entry_id

    def wait_for(self, predicate: Any, timeout: float = 15) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, _, fields in list(self.entries):
                if predicate(fields):
                    return fields
            time.sleep(0.02)
        raise AssertionError(f"no matching stream entry in {timeout} s: {self.entries}")

    def __enter__(self) -> StreamWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.client.close()


def play(tasks: str, hosts: str = "fleet", vars_: str = "") -> str:
    """A one-play playbook text around ``tasks`` (YAML, already indented by 4)."""
    return f"- name: Test play\n  hosts: {hosts}\n  gather_facts: false\n{vars_}  tasks:\n{tasks}"
