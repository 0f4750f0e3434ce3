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
Every failure to reach Redis is reported once per process and otherwise ignored: a Redis
outage must never fail or stall the automation itself.
"""

from __future__ import annotations

import os
import time
import typing as t

LUA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "append_event.lua")
DEFAULT_MAXLEN = "10000"

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
        """Append one event; returns its seq, or None when not publishing or Redis failed."""
        if not self.stream:
            return None
        argv: list[t.Any] = [self.maxlen]
        for name, value in fields.items():
            argv += [name, "" if value is None else str(value)]
        try:
            if self._script is None:
                with open(LUA_PATH, encoding="utf-8") as handle:
                    lua = handle.read()
                self._script = _redis_client(self.redis_url).register_script(lua)
            return int(self._script(keys=[self.stream, self.seq_key], args=argv))
        except Exception as exc:  # any Redis/IO failure must not stop the run
            self._failed("publish events", exc)
            return None

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
