"""Celery entry points of the dashboard."""

from __future__ import annotations

from celery import shared_task

from hub.dashboard.health import stamp_beat_tick


@shared_task(name="dashboard.beat_tick")
def beat_tick_task() -> float:
    return stamp_beat_tick()
