"""Dashboard cache: figures cached in Redis under a version that writes bump.

Any write that changes the figures (executions, hosts, library, schedules) bumps the
version key, so the next read misses; `dashboard.cache_seconds` bounds staleness for the
writes that bypass model signals (queryset.update in the engine). If Redis is down the
dashboard computes without the cache rather than failing.

On a busy hub every finished run bumps the version, so most reads would miss. When the
last computation of a figure took longer than SLOW_MS (a large history), a miss answers
with those last figures at once, marked stale with the time they were computed, and a
Celery task recomputes them (one at a time per figure); small histories are recomputed
inline and are always fresh.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils import timezone

from hub.system.services import get_setting

logger = logging.getLogger(__name__)
VERSION_KEY = "dashboard:version"
SLOW_MS = 150.0
REFRESH_LOCK_SECONDS = 120
LAST_SECONDS = 86400
T = TypeVar("T")


@dataclass(frozen=True)
class Cached:
    value: Any
    hit: bool  # served from the cache (fresh or stale)
    stale: bool  # computed before the latest write; a refresh is under way
    computed_at: str  # ISO time the figures were computed


def dashboard_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return int(version)


def bump_dashboard_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 1, timeout=None)
    except Exception:
        logger.warning("dashboard cache version could not be bumped", exc_info=True)


def _fresh_key(version: int, name: str) -> str:
    return f"dashboard:v{version}:{name}"


def _last_key(name: str) -> str:
    """The latest figures whatever their version (served stale while a refresh runs)."""
    return f"dashboard:last:{name}"


def _refresh_lock(name: str) -> str:
    return f"dashboard:refreshing:{name}"


def store(name: str, compute: Callable[[], Any], version: int | None = None) -> Cached:
    """Computes and caches a figure under the version current when the computation began
    (a write during it leaves the result stale, never wrongly fresh)."""
    started = time.perf_counter()
    value = compute()
    elapsed_ms = (time.perf_counter() - started) * 1000
    computed_at = timezone.now().isoformat()
    entry = {"value": value, "computed_at": computed_at, "ms": elapsed_ms}
    try:
        version = dashboard_version() if version is None else version
        cache.set(_fresh_key(version, name), entry, timeout=get_setting("dashboard.cache_seconds"))
        cache.set(_last_key(name), entry, timeout=LAST_SECONDS)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
    return Cached(value, hit=False, stale=False, computed_at=computed_at)


def refresh(name: str, compute: Callable[[], Any]) -> None:
    """The background recomputation (Celery task body); releases the figure's lock."""
    try:
        store(name, compute)
    finally:
        cache.delete(_refresh_lock(name))


def cached(
    name: str, compute: Callable[[], Any], enqueue_refresh: Callable[[], None] | None = None
) -> Cached:
    """compute() through the cache when feature.cache is on."""
    if not get_setting("feature.cache"):
        return Cached(compute(), hit=False, stale=False, computed_at=timezone.now().isoformat())
    try:
        version = dashboard_version()
        entry: Any = cache.get(_fresh_key(version, name))
        if entry is not None:
            return Cached(entry["value"], hit=True, stale=False, computed_at=entry["computed_at"])
        last: Any = cache.get(_last_key(name))
        if enqueue_refresh is not None and last is not None and last["ms"] > SLOW_MS:
            if cache.add(_refresh_lock(name), 1, timeout=REFRESH_LOCK_SECONDS):
                enqueue_refresh()
            return Cached(last["value"], hit=True, stale=True, computed_at=last["computed_at"])
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        version = None
    return store(name, compute, version)
