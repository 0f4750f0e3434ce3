"""The dashboard's figures by kind: what the views serve and the refresh task redoes.

Only figures of the `ALL` scope go through the cache (one entry per range, shared by every
user who sees everything, refreshed behind a stale answer). A scoped user's figures are
computed for each request and never cached: nothing a cache holds depends on who asked,
so it cannot hand one user's figures to another, and a revoked permission counts at once
(grants and group changes do not bump the cache version).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from hub.dashboard import selectors
from hub.dashboard.cache import Cached, cached, refresh
from hub.dashboard.selectors import ALL, Scope

KINDS: dict[str, Callable[[Scope, date, date, ZoneInfo], Any]] = {
    "stats": selectors.dashboard_figures,
    "trend": selectors.execution_trend,
}


def _name(kind: str, start: date, end: date, tz: ZoneInfo) -> str:
    return f"{kind}:{start}:{end}:{tz.key}"


def figures(kind: str, start: date, end: date, tz: ZoneInfo, *, scope: Scope) -> Cached:
    """The figures of one kind for a range as the scope sees them: through the shared cache
    for `everything` (stale ones refresh behind), computed directly otherwise."""
    from hub.dashboard.tasks import refresh_figures_task

    if not scope.everything:
        value = KINDS[kind](scope, start, end, tz)
        return Cached(value, hit=False, stale=False, computed_at=timezone.now().isoformat())

    def enqueue() -> None:
        refresh_figures_task.delay(kind, start.isoformat(), end.isoformat(), tz.key)

    return cached(
        _name(kind, start, end, tz),
        lambda: KINDS[kind](ALL, start, end, tz),
        enqueue_refresh=enqueue,
    )


def refresh_figures(kind: str, start: date, end: date, tz: ZoneInfo) -> None:
    refresh(_name(kind, start, end, tz), lambda: KINDS[kind](ALL, start, end, tz))
