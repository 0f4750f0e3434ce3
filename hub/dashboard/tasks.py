"""Celery entry points of the dashboard."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from celery import shared_task

from hub.dashboard import services
from hub.dashboard.health import stamp_beat_tick


@shared_task(name="dashboard.beat_tick")
def beat_tick_task() -> float:
    return stamp_beat_tick()


@shared_task(name="dashboard.refresh", ignore_result=True)
def refresh_figures_task(kind: str, start: str, end: str, tz: str) -> None:
    services.refresh_figures(kind, date.fromisoformat(start), date.fromisoformat(end), ZoneInfo(tz))
