"""Celery entry points of schedules (thin: load, call one service)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from hub.schedules import notifications, retention, services
from hub.schedules.choices import RunTrigger


@shared_task(name="schedules.fire")
def fire_schedule_task(
    schedule_id: int,
    trigger: str = RunTrigger.CRON,
    attempt: int = 1,
    retry_of_id: int | None = None,
) -> str | None:
    run = services.fire_schedule(
        schedule_id=schedule_id, trigger=trigger, attempt=attempt, retry_of_id=retry_of_id
    )
    return run.status if run else None


@shared_task(name="schedules.start_queued")
def start_queued_run_task(run_id: int) -> str | None:
    run = services.start_queued_run(run_id=run_id)
    return run.status if run else None


@shared_task(name="schedules.reconcile")
def reconcile_schedule_runs_task() -> list[int]:
    return services.reconcile_schedule_runs()


@shared_task(name="schedules.notify")
def deliver_notification_task(
    rule_id: int, event: str, execution_id: int | None, run_id: int | None
) -> str | None:
    from hub.executions.models import Execution
    from hub.schedules.models import NotificationRule, ScheduleRun

    rule = NotificationRule.objects.filter(pk=rule_id).first()
    if rule is None:
        return None
    execution = Execution.objects.filter(pk=execution_id).first() if execution_id else None
    run = ScheduleRun.objects.filter(pk=run_id).first() if run_id else None
    return notifications.deliver_notification(
        rule=rule, event=event, execution=execution, run=run
    ).status


@shared_task(name="schedules.prune_history")
def prune_history_task() -> dict[str, Any]:
    return retention.prune_history()
