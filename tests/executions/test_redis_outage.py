"""A Redis outage during a run: the worker keeps its events in order and appends them once
Redis answers again; the cancel callback neither raises nor stops the run meanwhile."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from hub.executions import engine, stream
from hub.executions.engine import RunMonitor

pytestmark = pytest.mark.django_db

EXECUTION = 987_654


class Outage:
    """Makes the stream calls fail like a Redis that went away, until `end()`."""

    def __init__(self, monkeypatch: Any) -> None:
        self.down = True
        for name in ("append_event", "keep_alive", "get_control"):
            real = getattr(stream, name)
            monkeypatch.setattr(stream, name, self._wrap(real))

    def _wrap(self, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise redis.ConnectionError(
                    "Error 111 connecting to 127.0.0.1:1. Connection refused."
                )
            return real(*args, **kwargs)

        return call

    def end(self) -> None:
        self.down = False


@pytest.fixture
def clean_stream() -> Any:
    stream.client().delete(stream.stream_key(EXECUTION), stream.seq_key(EXECUTION))
    yield
    stream.client().delete(stream.stream_key(EXECUTION), stream.seq_key(EXECUTION))


def test_events_wait_for_redis_in_order_and_get_one_gapless_seq(
    monkeypatch: Any, clean_stream: Any
) -> None:
    monitor = RunMonitor(EXECUTION)
    records = [{"kind": "output", "step": 1, "host": "h1", "text": f"line {i}\n"} for i in range(5)]
    outage = Outage(monkeypatch)
    for record in records[:3]:
        monitor._pending.append(record)
        monitor._drain()
    assert len(monitor._pending) == 3  # nothing lost, nothing raised
    assert monitor.should_cancel() is False  # control and liveness unreadable: keep going
    outage.end()
    monkeypatch.setattr(engine, "REDIS_RETRY_SECONDS", 0.01)
    monitor._retry_at = 0.0
    for record in records[3:]:
        monitor._pending.append(record)
    assert monitor.flush(timeout=5) is True
    entries = stream.client().xrange(stream.stream_key(EXECUTION))
    assert [e[0] for e in entries] == [f"{n}-0" for n in range(1, 6)]
    assert [e[1]["text"] for e in entries] == [f"line {i}\n" for i in range(5)]


def test_a_stop_asked_before_the_outage_still_ends_the_run(monkeypatch: Any) -> None:
    monitor = RunMonitor(EXECUTION)
    monitor.stop_requested_at = 0.0  # long ago: the grace is over
    Outage(monkeypatch)
    assert monitor.should_cancel() is True


def test_flush_gives_up_after_its_timeout_when_redis_stays_away(monkeypatch: Any) -> None:
    monitor = RunMonitor(EXECUTION)
    monkeypatch.setattr(engine, "REDIS_RETRY_SECONDS", 0.01)
    Outage(monkeypatch)
    monitor._pending.append({"kind": "output", "step": 1, "host": "h1", "text": "x"})
    assert monitor.flush(timeout=0.1) is False
