"""The `opsjob_` series computed at each scrape: executions, hosts, queues, workers, streams.

Each part is read on its own; a part that fails (Redis away, no broker) leaves its series
out and says so in `opsjob_collector_up{part}`, so one outage never empties the scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

import redis
from django.conf import settings
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.executions import stream
from hub.executions.choices import ExecutionKind, ExecutionStatus, HostStatus
from hub.executions.models import Execution, HostResult

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's messages in the list named like the queue, and
# those sent with a priority in lists named `<queue>\x06\x16<step>`.
KOMBU_SEPARATOR = "\x06\x16"
KOMBU_PRIORITY_STEPS = (3, 6, 9)


def _gauge(name: str, documentation: str, labels: Iterable[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def execution_metrics() -> Iterator[Metric]:
    """One grouped query: every status x kind pair (zeros included), running and waiting."""
    counts = {
        (row["status"], row["kind"]): row["n"]
        for row in Execution.objects.order_by().values("status", "kind").annotate(n=Count("id"))
    }
    family = _gauge(
        "opsjob_executions", "Execution records by status and kind.", ["status", "kind"]
    )
    for status in ExecutionStatus.values:
        for kind in ExecutionKind.values:
            family.add_metric([status, kind], counts.get((status, kind), 0))
    by_status = {s: sum(n for (st, _k), n in counts.items() if st == s) for s in ExecutionStatus}
    running = _gauge("opsjob_executions_running", "Executions running now (paused included).")
    running.add_metric([], by_status[ExecutionStatus.RUNNING] + by_status[ExecutionStatus.PAUSED])
    waiting = _gauge("opsjob_executions_waiting", "Executions queued, waiting for a worker.")
    waiting.add_metric([], by_status[ExecutionStatus.PENDING])
    yield from (family, running, waiting)


def host_result_metrics() -> Iterator[Metric]:
    rows = HostResult.objects.order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    family = _gauge("opsjob_host_results", "Per-host step results by status.", ["status"])
    for status in HostStatus.values:
        family.add_metric([status], counts.get(status, 0))
    yield family


def queue_names() -> list[str]:
    """Every queue Celery's configuration names: the default one and each route's."""
    from hub.celery import app

    names = {app.conf.task_default_queue or "celery"}
    for route in (app.conf.task_routes or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(str(route["queue"]))
    for queue in app.conf.task_queues or ():
        names.add(str(getattr(queue, "name", queue)))
    return sorted(names)


def _broker() -> redis.Redis | None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("redis+socket://"):
        url = "unix://" + url.removeprefix("redis+socket://")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def queue_metrics() -> Iterator[Metric]:
    """LLEN of each Celery queue's lists in the broker (messages not yet taken by a worker)."""
    broker = _broker()
    if broker is None:
        return
    names = queue_names()
    pipe = broker.pipeline(transaction=False)
    for name in names:
        for key in (name, *(f"{name}{KOMBU_SEPARATOR}{p}" for p in KOMBU_PRIORITY_STEPS)):
            pipe.llen(key)
    lengths = pipe.execute()
    family = _gauge("opsjob_celery_queue_length", "Messages waiting in a Celery queue.", ["queue"])
    per_queue = 1 + len(KOMBU_PRIORITY_STEPS)
    for index, name in enumerate(names):
        family.add_metric([name], sum(lengths[index * per_queue : (index + 1) * per_queue]))
    yield family


def health_metrics() -> Iterator[Metric]:
    """Live workers and each part's verdict, from the dashboard's health checks."""
    from hub.dashboard.health import system_health

    parts = system_health(details=True)["parts"]
    workers = _gauge("opsjob_celery_workers", "Celery workers that answered a ping.")
    workers.add_metric([], len(parts.get("celery", {}).get("workers", [])))
    up = _gauge("opsjob_health_up", "1 when a part of the hub passes its health check.", ["part"])
    for name, part in sorted(parts.items()):
        up.add_metric([name], 1 if part["ok"] else 0)
    yield from (workers, up)


def stream_metrics() -> Iterator[Metric]:
    """Ingest lag (events in Redis not yet in the database) and stream lengths of active
    executions: the stream's last seq against Execution.last_seq."""
    active = stream.active_executions()
    pipe = stream.client().pipeline(transaction=False)
    for execution_id in active:
        pipe.get(stream.seq_key(execution_id))
        pipe.xlen(stream.stream_key(execution_id))
    replies = pipe.execute() if active else []
    stored = dict(Execution.objects.filter(pk__in=active).values_list("pk", "last_seq"))
    lag = entries = 0
    for index, execution_id in enumerate(active):
        seq, length = int(replies[2 * index] or 0), int(replies[2 * index + 1] or 0)
        lag += max(0, seq - stored.get(execution_id, seq))
        entries += length
    yield _value("opsjob_event_streams_active", "Executions with a live event stream.", len(active))
    yield _value("opsjob_event_ingest_lag_events", "Events in Redis not yet in the database.", lag)
    yield _value("opsjob_event_stream_entries", "Entries held in active event streams.", entries)


def _value(name: str, documentation: str, value: float) -> Metric:
    family = _gauge(name, documentation)
    family.add_metric([], value)
    return family


PARTS: dict[str, Callable[[], Iterator[Metric]]] = {
    "executions": execution_metrics,
    "host_results": host_result_metrics,
    "queues": queue_metrics,
    "health": health_metrics,
    "streams": stream_metrics,
}


class HubCollector(Collector):
    """Registered once; prometheus-client calls collect() on every scrape."""

    def collect(self) -> Iterator[Metric]:
        up = _gauge("opsjob_collector_up", "1 when a part of the scrape was read.", ["part"])
        for name, part in PARTS.items():
            try:
                metrics = list(part())
            except Exception:
                logger.warning("metrics: reading %s failed", name, exc_info=True)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from metrics
        yield up

    def describe(self) -> Iterator[Metric]:
        return iter(())  # computed at scrape time only; nothing to describe up front
