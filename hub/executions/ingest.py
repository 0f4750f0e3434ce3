"""Moving events from the Redis stream into the database, in batches, losing nothing.

The run's writer reads its stream through the consumer group `db`, bulk-inserts the
events (idempotent on (execution, seq)), updates step and host rows, appends output to
the per-host log files, and acknowledges only after the transaction committed. Entries
of a writer that died stay pending and are claimed by the recovery task.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.db import close_old_connections, transaction
from django.db.models import Sum
from django.db.models.functions import Length

from hub.executions import logfiles, stream
from hub.executions.choices import EventKind, ExecutionStatus, HostStatus
from hub.executions.models import Execution, ExecutionEvent, ExecutionStep, HostResult
from hub.system.services import get_setting

logger = logging.getLogger(__name__)

# While events trickle in, one database round per this many seconds (a full batch goes at
# once): each round costs ~5 ms of CPU whatever its size, and the live view reads
# the Redis stream, not the database.
MIN_ROUND_SECONDS = 0.5
FINAL_HOST = {
    HostStatus.SUCCESS,
    HostStatus.FAILED,
    HostStatus.UNREACHABLE,
    HostStatus.TIMEOUT,
    HostStatus.STOPPED,
}
EVENT_FIELDS = {"_id", "seq", "kind", "step", "host", "stream", "text", "ts"}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _when(ts: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError):
        return datetime.now(tz=UTC)


class EventWriter:
    """Persists batches of stream entries for one execution (one instance per writer)."""

    def __init__(self, execution_id: int) -> None:
        self.execution_id = execution_id
        self.limit = int(get_setting("execution.live_output_limit"))
        self.db_bytes: dict[str, int] | None = None
        self.step_names: dict[int, str] = {}

    def _load_counters(self) -> dict[str, int]:
        if self.db_bytes is None:
            rows = (
                ExecutionEvent.objects.filter(execution_id=self.execution_id, kind=EventKind.OUTPUT)
                .values("host")
                .annotate(n=Sum(Length("text")))
            )
            self.db_bytes = {r["host"]: r["n"] or 0 for r in rows}
            self.step_names = dict(
                ExecutionStep.objects.filter(execution_id=self.execution_id).values_list(
                    "index", "name"
                )
            )
        return self.db_bytes

    def _event(self, entry: dict[str, str], log: dict[str, list[str]]) -> ExecutionEvent:
        counters = self._load_counters()
        kind, host, text = entry.get("kind", ""), entry.get("host", ""), entry.get("text", "")
        data = {k: v for k, v in entry.items() if k not in EVENT_FIELDS}
        if kind == EventKind.OUTPUT:
            log[host].append(text)
            used = counters.get(host, 0)
            if used + len(text) > self.limit:
                keep = max(self.limit - used, 0)
                data.update(truncated="1", bytes=str(len(text)))
                text = text[:keep]
            counters[host] = used + len(text)
        elif kind == EventKind.HOST_START and host:
            step = _int(entry.get("step"))
            log[host].append(f"\n[step {step}] {self.step_names.get(step or 0, '')}\n")
        elif kind == EventKind.HOST_RESULT and host:
            if text:
                log[host].append(text + "\n")
            if entry.get("msg"):
                log[host].append(f"[{entry.get('status')}] {entry['msg']}\n")
        return ExecutionEvent(
            execution_id=self.execution_id,
            seq=int(entry["seq"]),
            kind=kind,
            step=_int(entry.get("step")),
            host=host,
            stream=entry.get("stream", ""),
            text=text,
            data=data,
            ts=float(entry.get("ts") or 0),
        )

    def persist(self, entries: list[dict[str, str]]) -> None:
        if not entries:
            return
        log: dict[str, list[str]] = defaultdict(list)
        events = [self._event(e, log) for e in entries]
        with transaction.atomic():
            ExecutionEvent.objects.bulk_create(events, ignore_conflicts=True, batch_size=1000)
            self._apply_state(entries)
            Execution.objects.filter(pk=self.execution_id, last_seq__lt=events[-1].seq).update(
                last_seq=max(e.seq for e in events)
            )
        logfiles.append_texts(self.execution_id, log)

    def _apply_state(self, entries: list[dict[str, str]]) -> None:
        steps = {s.index: s for s in ExecutionStep.objects.filter(execution_id=self.execution_id)}
        touched_hosts: dict[tuple[int, str], dict[str, str]] = {}
        for entry in entries:
            kind, step = entry.get("kind"), _int(entry.get("step"))
            if kind == EventKind.STEP_START and step in steps and steps[step].started_at is None:
                steps[step].started_at = _when(entry.get("ts"))
                steps[step].status = ExecutionStatus.RUNNING
                steps[step].save(update_fields=["started_at", "status"])
            elif kind in (EventKind.HOST_START, EventKind.HOST_RESULT) and step in steps:
                touched_hosts.setdefault((step, entry.get("host", "")), {}).update(
                    {f"{kind}:{k}": v for k, v in entry.items()}
                )
            elif kind in (EventKind.PAUSED, EventKind.RESUMED):
                status = (
                    ExecutionStatus.PAUSED if kind == EventKind.PAUSED else ExecutionStatus.RUNNING
                )
                Execution.objects.filter(
                    pk=self.execution_id,
                    status__in=[ExecutionStatus.RUNNING, ExecutionStatus.PAUSED],
                ).update(status=status)
        if touched_hosts:
            self._apply_hosts(steps, touched_hosts)

    def _apply_hosts(
        self, steps: dict[int, ExecutionStep], touched: dict[tuple[int, str], dict[str, str]]
    ) -> None:
        rows = HostResult.objects.filter(
            execution_id=self.execution_id,
            step__index__in={s for s, _ in touched},
            host_name__in={h for _, h in touched},
        ).select_related("step")
        changed = []
        for row in rows:
            entry = touched.get((row.step.index, row.host_name))
            if entry is None:
                continue
            if "host_start:ts" in entry and row.started_at is None:
                row.started_at = _when(entry["host_start:ts"])
                if row.status not in FINAL_HOST:
                    row.status = HostStatus.RUNNING
            status = entry.get("host_result:status")
            if status and (status != HostStatus.SKIPPED or row.status not in FINAL_HOST):
                row.status = status
                row.rc = _int(entry.get("host_result:rc"))
                row.finished_at = _when(entry.get("host_result:ts"))
                row.started_at = row.started_at or row.finished_at
                row.message = entry.get("host_result:msg", "")[:2000]
            changed.append(row)
        HostResult.objects.bulk_update(
            changed, ["status", "rc", "started_at", "finished_at", "message"], batch_size=500
        )


class StreamIngester(threading.Thread):
    """The run's database writer: a thread beside ansible-runner in the worker process."""

    def __init__(self, execution_id: int) -> None:
        super().__init__(name=f"ingest-{execution_id}", daemon=True)
        self.execution_id = execution_id
        self.consumer = f"runner-{execution_id}-{threading.get_native_id()}"
        self.writer = EventWriter(execution_id)
        self._stop_requested = threading.Event()
        self.errors = 0

    def run(self) -> None:
        try:
            while True:
                started = time.monotonic()
                drained = self.step(block_ms=200)
                if self._stop_requested.is_set() and drained == 0:
                    return
                if 0 < drained < stream.DB_BATCH:  # a partial batch: let more gather first
                    self._stop_requested.wait(MIN_ROUND_SECONDS - (time.monotonic() - started))
        finally:
            close_old_connections()

    def step(self, *, block_ms: int) -> int:
        """One read-write-ack round; returns how many entries were written."""
        try:
            entries = stream.read_for_db(self.execution_id, self.consumer, pending=True)
            if not entries:
                entries = stream.read_for_db(self.execution_id, self.consumer, block_ms=block_ms)
            self.writer.persist(entries)
            stream.ack(self.execution_id, [e["_id"] for e in entries])
            return len(entries)
        except Exception:
            self.errors += 1
            logger.exception("event ingest for execution %s failed; retrying", self.execution_id)
            close_old_connections()
            self._stop_requested.wait(0.5)
            return -1 if self.errors < 20 else 0

    def finish(self, timeout: float = 60) -> None:
        self._stop_requested.set()
        self.join(timeout)


def drain_execution(execution_id: int, consumer: str = "recovery") -> int:
    """Writes every event still in the stream and unacknowledged (used after a crash)."""
    writer = EventWriter(execution_id)
    total = 0
    stream.ensure_db_group(execution_id)
    while batch := stream.claim_stale(execution_id, consumer, idle_ms=0):
        writer.persist(batch)
        stream.ack(execution_id, [e["_id"] for e in batch])
        total += len(batch)
    while entries := stream.read_for_db(execution_id, consumer, block_ms=1):
        writer.persist(entries)
        stream.ack(execution_id, [e["_id"] for e in entries])
        total += len(entries)
    return total
