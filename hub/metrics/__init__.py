"""Prometheus metrics at /metrics: series computed at scrape time, plus HTTP request metrics.

Metrics live in the memory of the web process that serves /metrics (one daphne process
under `hub up` and `hub web`). Behind several web processes each keeps its own HTTP
series, so scrape each process (or sum them in Prometheus); the `opsjob_` series computed
at scrape time (database, Redis, Celery) are the same whichever process answers.
"""

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)
