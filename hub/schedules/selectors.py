"""Reads of schedules: visibility and run history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hub.core.permissions import objects_for
from hub.schedules.models import NotificationDelivery, NotificationRule, Schedule, ScheduleRun


def schedule_list_for(user: Any) -> QuerySet[Schedule]:
    return (
        objects_for(user, Schedule, "view")
        .select_related("plan", "script", "created_by")
        .prefetch_related("target_hosts", "target_groups")
    )


def runs_of(schedule: Schedule) -> QuerySet[ScheduleRun]:
    return (
        ScheduleRun.objects.filter(schedule=schedule)
        .select_related("execution", "triggered_by")
        .order_by("-created_at", "-id")
    )


def deliveries_of(rule: NotificationRule) -> QuerySet[NotificationDelivery]:
    return NotificationDelivery.objects.filter(rule=rule).order_by("-created_at", "-id")
