"""The dashboard's cached figures by kind: what the views serve and the refresh task redoes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from hub.dashboard import selectors
from hub.dashboard.cache import Cached, cached, refresh

KINDS: dict[str, Callable[[date, date, ZoneInfo], Any]] = {
    "stats": selectors.dashboard_figures,
    "trend": selectors.execution_trend,
}


def _name(kind: str, start: date, end: date, tz: ZoneInfo) -> str:
    return f"{kind}:{start}:{end}:{tz.key}"


def figures(kind: str, start: date, end: date, tz: ZoneInfo) -> Cached:
    """The figures of one kind for a range, through the cache (stale ones refresh behind)."""
    from hub.dashboard.tasks import refresh_figures_task

    def enqueue() -> None:
        refresh_figures_task.delay(kind, start.isoformat(), end.isoformat(), tz.key)

    return cached(
        _name(kind, start, end, tz), lambda: KINDS[kind](start, end, tz), enqueue_refresh=enqueue
    )


def refresh_figures(kind: str, start: date, end: date, tz: ZoneInfo) -> None:
    refresh(_name(kind, start, end, tz), lambda: KINDS[kind](start, end, tz))
