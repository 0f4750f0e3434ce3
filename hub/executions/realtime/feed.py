"""One live feed of an execution's events for WebSocket and SSE clients.

Replays from the client's last seq (the database holds what Redis trimmed or expired),
then tails the Redis stream; idle periods yield heartbeats; the feed ends after the
`end` event. seq is gapless, so a client that resumes misses nothing and sees nothing
twice. A client already at or past the `end` event gets that event again and the feed
ends at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async

from hub.executions import stream
from hub.executions.choices import FINISHED_STATUSES, EventKind
from hub.executions.models import Execution, ExecutionEvent
from hub.system.services import get_setting

INT_FIELDS = ("seq", "step", "rc", "changed", "ignored")
HEARTBEAT = {"type": "heartbeat"}


def _from_stream(fields: dict[str, str]) -> dict[str, Any]:
    event: dict[str, Any] = {k: v for k, v in fields.items() if k != "_id"}
    for key in INT_FIELDS:
        if event.get(key) not in (None, ""):
            try:
                event[key] = int(event[key])
            except ValueError:
                event[key] = None
    if "ts" in event:
        event["ts"] = float(event["ts"])
    if "summary" in event:
        event["summary"] = json.loads(event["summary"])
    return event


def _from_row(row: ExecutionEvent) -> dict[str, Any]:
    event: dict[str, Any] = {"seq": row.seq, "kind": row.kind, "ts": row.ts}
    for key in ("step", "host", "stream", "text"):
        value = getattr(row, key)
        if value not in (None, ""):
            event[key] = value
    for key, value in row.data.items():
        event[key] = value
    return _from_stream(
        {
            k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict) else str(v)
            for k, v in event.items()
        }
    )


def stored_events(
    execution_id: int, after: int, before: int | None = None, limit: int = 2000
) -> list[dict[str, Any]]:
    """Events the database holds after seq `after` (and before `before`), oldest first."""
    rows = ExecutionEvent.objects.filter(execution_id=execution_id, seq__gt=after)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    return [_from_row(r) for r in rows.order_by("seq")[:limit]]


_archived = sync_to_async(stored_events)


@sync_to_async
def _status(execution_id: int) -> str | None:
    return Execution.objects.filter(pk=execution_id).values_list("status", flat=True).first()


@sync_to_async
def _stored_end(execution_id: int) -> dict[str, Any] | None:
    row = ExecutionEvent.objects.filter(execution_id=execution_id, kind=EventKind.END).order_by(
        "-seq"
    )
    first = row.first()
    return _from_row(first) if first is not None else None


async def _end_reached(
    redis_async: Any, execution_id: int, last: int, *, database: bool
) -> dict[str, Any] | None:
    """The run's `end` event when the client is already at or past it (None otherwise).

    Such a client gets nothing new from the stream, so without this it would wait forever.
    The stream's tail is cheap to look at every idle round; the database (where the event
    is once Redis retired the stream) only when asked.
    """
    tail = await stream.last_entry(redis_async, execution_id)
    end = _from_stream(tail) if tail is not None else None
    if (end is None or end.get("kind") != EventKind.END) and database:
        finished = (await _status(execution_id)) in FINISHED_STATUSES
        end = await _stored_end(execution_id) if finished else None
    if end is None or end.get("kind") != EventKind.END or end["seq"] > last:
        return None
    return end


@sync_to_async
def _live_limit() -> int:
    return int(get_setting("execution.live_output_limit"))


class _Cap:
    """Stops live output of a host past the live limit, with one visible marker."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent: dict[str, int] = {}

    def apply(self, event: dict[str, Any]) -> dict[str, Any] | None:
        if event.get("kind") != EventKind.OUTPUT:
            return event
        host = event.get("host", "")
        used = self.sent.get(host, 0)
        if used > self.limit:
            return {**event, "kind": EventKind.OUTPUT_SKIPPED, "text": ""}
        text = event.get("text", "")
        self.sent[host] = used + len(text)
        if used + len(text) <= self.limit:
            return event
        self.sent[host] = self.limit + 1
        return {
            **event,
            "text": text[: max(self.limit - used, 0)]
            + "\n[... live output truncated here; the full log is kept: download it ...]\n",
        }


async def event_feed(
    execution_id: int, since: int = 0, *, heartbeat_seconds: float = 15.0, block_ms: int = 1000
) -> AsyncIterator[dict[str, Any]]:
    """Events after `since` as dicts, HEARTBEAT when idle, ending after the `end` event."""
    redis_async = stream.async_client()
    cap, last, idle = _Cap(await _live_limit()), since, 0.0
    try:
        if since and (end := await _end_reached(redis_async, execution_id, since, database=True)):
            yield end
            return
        while True:
            first = await stream.first_seq(redis_async, execution_id)
            if first is None or first > last + 1:
                backlog = await _archived(execution_id, last, first)
                for event in backlog:
                    last = event["seq"]
                    if (shown := cap.apply(event)) is not None:
                        yield shown
                    if event["kind"] == EventKind.END:
                        return
                if backlog:
                    continue
                if first is None and (await _status(execution_id)) in FINISHED_STATUSES:
                    # archived, stream expired, and nothing after `last`
                    if end := await _end_reached(redis_async, execution_id, last, database=True):
                        yield end
                    return
            entries = await stream.read_after(redis_async, execution_id, last, block_ms=block_ms)
            if not entries:
                if end := await _end_reached(redis_async, execution_id, last, database=False):
                    yield end
                    return
                idle += block_ms / 1000
                if idle >= heartbeat_seconds:
                    idle = 0.0
                    yield HEARTBEAT
                continue
            idle = 0.0
            for fields in entries:
                event = _from_stream(fields)
                if event["seq"] != last + 1:
                    await asyncio.sleep(0.05)  # a gap: fill it from the database next round
                    break
                last = event["seq"]
                if (shown := cap.apply(event)) is not None:
                    yield shown
                if event["kind"] == EventKind.END:
                    return
    finally:
        await redis_async.aclose()
