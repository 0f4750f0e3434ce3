# Copyright: (c) 2025, OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side link between the hub.ops plugins and the hub's Redis.

Both plugins run inside ansible-playbook on the hub's worker. The hub passes, in the
environment of that process:

- ``HUB_REDIS_URL``: Redis to talk to;
- ``HUB_EVENT_STREAM`` / ``HUB_EVENT_SEQ``: the execution's stream key and its sequence key;
- ``HUB_EVENT_MAXLEN``: approximate bound of the stream (default 10000);
- ``HUB_CONTROL_KEY``: key holding ``pause``, ``resume``, ``stop`` or nothing.

Events are appended with ``append_event.lua`` (next to this file), the same script the hub's
Python side uses, so entry ids are ``<seq>-0`` with one gapless sequence for all writers.
A Redis outage must never fail or stall the automation itself: an event that cannot be
appended is kept, in order, and appended before the next one once Redis answers again (one
attempt per RETRY_SECONDS while it is away); :meth:`HubEvents.flush` waits a bounded time
for the rest at the end of a task. Failures are reported once per process.
"""

from __future__ import annotations

import os
import time
import typing as t

LUA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "append_event.lua")
DEFAULT_MAXLEN = "10000"
RETRY_SECONDS = 0.5  # at most one reconnect attempt this often while Redis is away
QUEUED = 0  # what publish() returns for an event kept for later (a seq is at least 1)

_clients: dict[tuple[int, str], t.Any] = {}


def _redis_client(url: str) -> t.Any:
    """One client per (process, url): ansible forks workers, sockets must not be shared."""
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        import redis  # the worker's venv has redis-py; imported lazily so docs load without it

        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        _clients[key] = client
    return client


class HubEvents:
    """Publishes events and reads the control key; build it with :meth:`from_env`."""

    def __init__(
        self,
        *,
        redis_url: str,
        stream: str | None,
        seq_key: str | None,
        maxlen: str = DEFAULT_MAXLEN,
        control_key: str | None = None,
        warn: t.Callable[[str], None] | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.stream = stream
        self.seq_key = seq_key or (f"{stream}:seq" if stream else None)
        self.maxlen = maxlen
        self.control_key = control_key
        self._warn = warn
        self._warned = False
        self._script: t.Any = None
        self._pending: list[list[t.Any]] = []  # argv of events not appended yet, in order
        self._retry_at = 0.0

    @classmethod
    def from_env(
        cls,
        warn: t.Callable[[str], None] | None = None,
        environ: t.Mapping[str, str] | None = None,
    ) -> HubEvents | None:
        """None when the hub asked for neither events nor control (plain ansible-playbook)."""
        env = os.environ if environ is None else environ
        stream = env.get("HUB_EVENT_STREAM") or None
        control = env.get("HUB_CONTROL_KEY") or None
        if not stream and not control:
            return None
        return cls(
            redis_url=env.get("HUB_REDIS_URL") or "redis://127.0.0.1:6379/0",
            stream=stream,
            seq_key=env.get("HUB_EVENT_SEQ") or None,
            maxlen=env.get("HUB_EVENT_MAXLEN") or DEFAULT_MAXLEN,
            control_key=control,
            warn=warn,
        )

    @property
    def publishes(self) -> bool:
        return bool(self.stream)

    def _failed(self, what: str, exc: BaseException) -> None:
        if self._warn is not None and not self._warned:
            self._warned = True
            self._warn(f"hub.ops: cannot {what} at {self.redis_url}: {exc}; continuing without")

    def publish(self, **fields: t.Any) -> int | None:
        """Append one event; returns its seq, QUEUED (0) when Redis is away and the event
        waits for it, or None when not publishing."""
        if not self.stream:
            return None
        argv: list[t.Any] = [self.maxlen]
        for name, value in fields.items():
            argv += [name, "" if value is None else str(value)]
        self._pending.append(argv)
        return self._drain()

    def _drain(self) -> int:
        """Appends the waiting events in order; the last seq, or QUEUED when some wait."""
        if time.monotonic() < self._retry_at:
            return QUEUED
        seq = QUEUED
        try:
            if self._script is None:
                with open(LUA_PATH, encoding="utf-8") as handle:
                    lua = handle.read()
                self._script = _redis_client(self.redis_url).register_script(lua)
            while self._pending:
                seq = int(self._script(keys=[self.stream, self.seq_key], args=self._pending[0]))
                self._pending.pop(0)
        except Exception as exc:  # any Redis/IO failure must not stop the run
            self._failed("publish events", exc)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return QUEUED
        return seq

    @property
    def waiting(self) -> int:
        """How many events wait for Redis."""
        return len(self._pending)

    def flush(self, timeout: float = 60.0) -> bool:
        """Waits up to timeout seconds for Redis to take the waiting events; True when none
        is left (the rest is dropped, with a warning, so the task can end)."""
        deadline = time.monotonic() + timeout
        while self._pending:
            self._drain()
            if not self._pending:
                break
            if time.monotonic() >= deadline:
                if self._warn is not None:
                    self._warn(f"hub.ops: {len(self._pending)} events could not be published")
                self._pending.clear()
                return False
            time.sleep(RETRY_SECONDS)
        return True

    def control(self) -> str:
        """Current control value ('' when unset, unreadable or not configured)."""
        if not self.control_key:
            return ""
        try:
            value = _redis_client(self.redis_url).get(self.control_key)
        except Exception as exc:  # see publish()
            self._failed("read the control key", exc)
            return ""
        if value is None:
            return ""
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return value.strip().lower()

    def request_pause(self) -> bool:
        """Sets the control key to ``pause`` unless a pause or stop is already asked for."""
        if not self.control_key:
            return False
        try:
            client = _redis_client(self.redis_url)
            current = client.get(self.control_key)
            if current and current.decode("utf-8", "replace").strip().lower() in ("pause", "stop"):
                return False
            client.set(self.control_key, "pause")
            return True
        except Exception as exc:  # see publish()
            self._failed("set the control key", exc)
            return False


def now() -> str:
    """Event timestamp: seconds since the epoch as a string, like the hub writes it."""
    return repr(time.time())
