"""Dashboard cache: figures cached in Redis under a version that writes bump.

Any write that changes the figures (executions, hosts, library, schedules) bumps the
version key, so the next read misses; `dashboard.cache_seconds` bounds staleness for the
writes that bypass model signals (queryset.update in the engine). If Redis is down the
dashboard computes without the cache rather than failing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

from hub.system.services import get_setting

logger = logging.getLogger(__name__)
VERSION_KEY = "dashboard:version"
T = TypeVar("T")


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


def cached(name: str, compute: Callable[[], T]) -> tuple[T, bool]:
    """compute() through the cache when feature.cache is on; returns (value, was_hit)."""
    if not get_setting("feature.cache"):
        return compute(), False
    try:
        key = f"dashboard:v{dashboard_version()}:{name}"
        hit: Any = cache.get(key)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        return compute(), False
    if hit is not None:
        return hit, True
    value = compute()
    try:
        cache.set(key, value, timeout=get_setting("dashboard.cache_seconds"))
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
    return value, False
