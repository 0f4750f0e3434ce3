"""Schedules: saving them (kept in sync with django-celery-beat), firing runs, follow-up.

Firing (`fire_schedule`) is what beat's `schedules.fire` task, run-now and retries call.
Policies, all recorded as ScheduleRun rows so the history shows every decision:
- Missed runs: no catch-up. When beat was down, django-celery-beat fires an overdue
  crontab once when it comes back; a cron fire later than `schedules.misfire_grace_seconds`
  after its slot is recorded as `missed` and does not run. The next slot runs normally.
- Overlap: `skip` records a skipped run while an earlier run's execution is still going;
  `queue` records one queued run (further fires while one is queued are skipped) that is
  launched when the running one ends.
- Retry: a run that fails (or cannot launch) is fired again `retry_delay_seconds` later
  (Celery countdown) until `retry_count` retries were made; notifications about a failure
  go out once no retry follows.
- A cron slot fired twice (beat restarts, DST fall-back) runs once.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from rest_framework.exceptions import ValidationError

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between, snapshot
from hub.core.crypto import MASK
from hub.core.exceptions import DomainError, NotAllowed
from hub.core.permissions import OBJECT_ACTIONS, grant, user_can
from hub.executions.choices import FINISHED_STATUSES, ExecutionKind, ExecutionStatus
from hub.executions.models import Execution
from hub.schedules import cron
from hub.schedules.choices import OverlapPolicy, RunStatus, RunTrigger, TargetKind
from hub.schedules.models import ExecutionFollowUp, Schedule, ScheduleRun
from hub.system.services import get_setting

logger = logging.getLogger(__name__)

FIRE_TASK = "schedules.fire"
ACTIVE_EXECUTION = (ExecutionStatus.PENDING, ExecutionStatus.RUNNING, ExecutionStatus.PAUSED)
M2M_FIELDS = ("target_hosts", "target_groups")
TARGET_FIELDS = frozenset(
    {
        "target_kind",
        "plan",
        "variables",
        "script",
        "script_version",
        "script_content",
        "script_type",
        "parameters",
        "target_hosts",
        "target_groups",
        "account",
    }
)


def periodic_task_name(schedule: Schedule) -> str:
    return f"opsjob-schedule-{schedule.pk}"


def _sync_periodic_task(schedule: Schedule) -> None:
    """The schedule's beat entry: a CrontabSchedule in its zone and a PeriodicTask."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        timezone=cron.zone(schedule.timezone), **cron.celery_fields(schedule.cron_expression)
    )
    task, _ = PeriodicTask.objects.update_or_create(
        name=periodic_task_name(schedule),
        defaults={
            "task": FIRE_TASK,
            "crontab": crontab,
            "interval": None,
            "args": json.dumps([schedule.pk]),
            "kwargs": "{}",
            "enabled": schedule.enabled,
            "description": f"OPS Job schedule {schedule.name}"[:200],
        },
    )
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        Schedule.objects.filter(pk=schedule.pk).update(periodic_task=task)


def _secret_names(schedule: Schedule) -> set[str]:
    """Names of the plan's secret variables, or the script's secret parameters."""
    if schedule.target_kind == TargetKind.PLAN and schedule.plan is not None:
        return set(
            schedule.plan.template.variables.filter(var_type="secret").values_list(
                "name", flat=True
            )
        )
    if schedule.script is not None:
        version = (
            schedule.script.versions.filter(number=schedule.script_version).first()
            if schedule.script_version
            else schedule.script.current_version
        )
        params = version.parameters if version else []
        return {p["name"] for p in params if p.get("type") == "secret"}
    return set()


def _store_values(schedule: Schedule, values: dict[str, Any], field: str) -> None:
    """Plain values into `field`; secret ones only encrypted (the mask keeps the old one)."""
    secrets = _secret_names(schedule)
    old = schedule.secret_value_map
    kept = {k: (old.get(k, "") if v == MASK else v) for k, v in values.items() if k in secrets}
    setattr(schedule, field, {k: v for k, v in values.items() if k not in secrets})
    schedule.secret_values = json.dumps(kept) if kept else ""


def _check_runnable(actor: Any, schedule: Schedule, hosts: list[Any], groups: list[Any]) -> None:
    """The saving user must be allowed to run what the schedule will run as them."""
    from hub.executions.targets import check_account, resolve_hosts

    if schedule.target_kind == TargetKind.PLAN:
        if schedule.plan is None or not user_can(actor, schedule.plan, "execute"):
            raise NotAllowed("You may not run this plan.", field="plan")
        return
    if schedule.script is not None and not user_can(actor, schedule.script, "execute"):
        raise NotAllowed(f"You may not run script {schedule.script.name!r}.", field="script")
    resolve_hosts(
        actor=actor,
        host_ids=[h.pk for h in hosts],
        group_ids=[g.pk for g in groups],
        field="target_hosts",
    )
    check_account(actor, schedule.account, "account")


def _apply(schedule: Schedule, actor: Any, data: dict[str, Any]) -> None:
    values = dict(data)
    related = {name: values.pop(name) for name in M2M_FIELDS if name in values}
    variables, parameters = values.pop("variables", None), values.pop("parameters", None)
    for key, value in values.items():
        setattr(schedule, key, value)
    if schedule.target_kind == TargetKind.PLAN:
        schedule.script, schedule.script_content, schedule.parameters = None, "", {}
        related = {"target_hosts": [], "target_groups": []}
        parameters = None
    else:
        schedule.plan, schedule.variables = None, {}
        variables = None
    if variables is not None:
        _store_values(schedule, variables, "variables")
    if parameters is not None:
        _store_values(schedule, parameters, "parameters")
    hosts = related.get("target_hosts", list(schedule.target_hosts.all()) if schedule.pk else [])
    groups = related.get("target_groups", list(schedule.target_groups.all()) if schedule.pk else [])
    if schedule.pk is None or TARGET_FIELDS & set(data):
        _check_runnable(actor, schedule, hosts, groups)
    schedule.created_by = schedule.created_by or actor
    schedule.save()
    for name, items in related.items():
        getattr(schedule, name).set(items)


def create_schedule(*, actor: Any, data: dict[str, Any]) -> Schedule:
    with transaction.atomic():
        schedule = Schedule()
        _apply(schedule, actor, data)
        _sync_periodic_task(schedule)
        grant(actor, schedule, OBJECT_ACTIONS)
        record_audit_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=schedule,
            changes=changes_between({}, snapshot(schedule)),
        )
    return schedule


def update_schedule(*, actor: Any, schedule: Schedule, data: dict[str, Any]) -> Schedule:
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        before = snapshot(schedule)
        _apply(schedule, actor, data)
        _sync_periodic_task(schedule)
        if changes := changes_between(before, snapshot(schedule)):
            record_audit_event(
                actor=actor, action=AuditAction.UPDATE, obj=schedule, changes=changes
            )
    return schedule


def set_schedule_enabled(*, actor: Any, schedule: Schedule, enabled: bool) -> Schedule:
    return update_schedule(actor=actor, schedule=schedule, data={"enabled": enabled})


def delete_schedule(*, actor: Any, schedule: Schedule) -> None:
    with transaction.atomic():
        before = snapshot(schedule)
        record_audit_event(
            actor=actor,
            action=AuditAction.DELETE,
            obj=schedule,
            changes=changes_between(before, {}),
        )
        PeriodicTask.objects.filter(name=periodic_task_name(schedule)).delete()
        schedule.delete()


def run_schedule_now(*, actor: Any, schedule: Schedule) -> ScheduleRun:
    """Fires the schedule at once (also when disabled), under its overlap policy."""
    with transaction.atomic():
        run = fire_schedule(schedule_id=schedule.pk, trigger=RunTrigger.MANUAL, actor=actor)
        assert run is not None  # manual fires always record a run
        record_audit_event(
            actor=actor,
            action=AuditAction.EXECUTE,
            obj=schedule,
            detail={"run": run.pk, "status": run.status, "execution": run.execution_id},
        )
    return run


def fire_schedule(
    *,
    schedule_id: int,
    trigger: str = RunTrigger.CRON,
    attempt: int = 1,
    retry_of_id: int | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> ScheduleRun | None:
    """One firing: decides (missed / skipped / queued / launch) and records the run.

    None when nothing is recorded: the schedule is gone or disabled, or the cron slot
    already ran (a duplicate fire) or is the repeated hour of a DST fall-back night.
    """
    now = now or timezone.now()
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().filter(pk=schedule_id).first()
        if schedule is None or (trigger != RunTrigger.MANUAL and not schedule.enabled):
            return None
        run = ScheduleRun(
            schedule=schedule,
            trigger=trigger,
            attempt=attempt,
            retry_of_id=retry_of_id,
            triggered_by=actor if trigger == RunTrigger.MANUAL else None,
        )
        if trigger == RunTrigger.CRON:
            slot = cron.due_slot(schedule.cron_expression, schedule.timezone, now)
            if (
                slot is None
                or ScheduleRun.objects.filter(
                    schedule=schedule, trigger=RunTrigger.CRON, scheduled_for=slot
                ).exists()
            ):
                return None
            run.scheduled_for = slot
            late = (now - slot).total_seconds()
            if late > get_setting("schedules.misfire_grace_seconds"):
                return _close(
                    run,
                    RunStatus.MISSED,
                    f"Fired {int(late)} s after its time "
                    f"{slot.isoformat()} (scheduler down?): not caught up.",
                    now,
                )
        if blocker := _active_run(schedule):
            return _overlap(run, blocker, now)
        _launch(run, now)
    return run


def _close(run: ScheduleRun, status: str, message: str, now: datetime) -> ScheduleRun:
    run.status, run.message, run.finished_at = status, message, now
    run.save()
    return run


def _active_run(schedule: Schedule) -> ScheduleRun | None:
    return (
        ScheduleRun.objects.filter(schedule=schedule, execution__status__in=ACTIVE_EXECUTION)
        .order_by("created_at")
        .first()
    )


def _overlap(run: ScheduleRun, blocker: ScheduleRun, now: datetime) -> ScheduleRun:
    busy = f"run #{blocker.pk} (execution #{blocker.execution_id}) is still running"
    if run.schedule.overlap_policy == OverlapPolicy.SKIP:
        return _close(run, RunStatus.SKIPPED, f"Skipped: {busy}.", now)
    if ScheduleRun.objects.filter(schedule=run.schedule, status=RunStatus.QUEUED).exists():
        return _close(run, RunStatus.SKIPPED, f"Skipped: {busy} and another run is queued.", now)
    run.status, run.message = RunStatus.QUEUED, f"Queued: {busy}."
    run.save()
    return run


def _launch_execution(schedule: Schedule, actor: Any) -> Execution:
    from hub.executions.services import launch_plan, launch_quick_script

    secrets = schedule.secret_value_map
    if schedule.target_kind == TargetKind.PLAN:
        if schedule.plan is None:
            raise DomainError("The schedule has no plan.", field="plan")
        return launch_plan(
            actor=actor,
            plan=schedule.plan,
            concurrency=schedule.concurrency,
            variables={**schedule.variables, **secrets},
            kind=ExecutionKind.SCHEDULE,
        )
    return launch_quick_script(
        actor=actor,
        kind=ExecutionKind.SCHEDULE,
        data={
            "script_content": schedule.script_content,
            "script_template": schedule.script,
            "script_version": schedule.script_version,
            "script_type": schedule.script_type,
            "parameters": {**schedule.parameters, **secrets},
            "account": schedule.account,
            "target_host_ids": list(schedule.target_hosts.values_list("pk", flat=True)),
            "target_group_ids": list(schedule.target_groups.values_list("pk", flat=True)),
            "timeout": schedule.timeout,
            "concurrency": schedule.concurrency,
            "name": schedule.name,
        },
    )


def _launch(run: ScheduleRun, now: datetime) -> None:
    """Launches the run's execution as the schedule's creator; a refusal ends the run."""
    schedule = run.schedule
    actor = schedule.created_by
    error = ""
    if actor is None or not actor.is_active:
        error = "The schedule's owner no longer exists or is inactive."
    else:
        try:
            with transaction.atomic():
                run.execution = _launch_execution(schedule, actor)
        except DomainError as exc:
            error = exc.message
        except ValidationError as exc:
            error = json.dumps(exc.detail, default=str)[:2000]
    run.status = RunStatus.ERROR if error else RunStatus.RUNNING
    run.message = f"Could not launch: {error}" if error else ""
    run.finished_at = now if error else None
    run.save()
    Schedule.objects.filter(pk=schedule.pk).update(last_run_at=now)
    if error:
        _after_run_ended(run, None)


def start_queued_run(*, run_id: int) -> ScheduleRun | None:
    """Launches a queued run once nothing of its schedule is running any more."""
    with transaction.atomic():
        run = (
            ScheduleRun.objects.select_for_update()
            .select_related("schedule")
            .filter(pk=run_id, status=RunStatus.QUEUED)
            .first()
        )
        if run is None or _active_run(run.schedule) is not None:
            return None
        _launch(run, timezone.now())
    return run


def _after_run_ended(run: ScheduleRun, execution: Execution | None) -> None:
    """Retry when attempts remain, start a queued run, and notify (inside a transaction)."""
    from hub.schedules import tasks
    from hub.schedules.notifications import queue_notifications

    schedule = run.schedule
    retry = (
        run.status != RunStatus.SUCCESS and schedule.enabled and run.attempt <= schedule.retry_count
    )
    if retry:
        kwargs = {
            "schedule_id": schedule.pk,
            "trigger": RunTrigger.RETRY,
            "attempt": run.attempt + 1,
            "retry_of_id": run.pk,
        }
        transaction.on_commit(
            lambda: tasks.fire_schedule_task.apply_async(
                kwargs=kwargs, countdown=schedule.retry_delay_seconds
            )
        )
    queued = (
        ScheduleRun.objects.filter(schedule=schedule, status=RunStatus.QUEUED)
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )
    if queued is not None:
        transaction.on_commit(lambda: tasks.start_queued_run_task.delay(queued))
    if not retry:
        queue_notifications(execution=execution, run=run)


def follow_up_execution(*, execution_id: int) -> bool:
    """After an execution ended: its schedule run's status, retry, queue, notifications.

    Idempotent (an ExecutionFollowUp row marks it done); False when nothing was done.
    """
    from hub.schedules.notifications import queue_notifications

    with transaction.atomic():
        execution = Execution.objects.select_related("plan").filter(pk=execution_id).first()
        if execution is None or execution.status not in FINISHED_STATUSES:
            return False
        _, created = ExecutionFollowUp.objects.get_or_create(execution=execution)
        if not created:
            return False
        run = (
            ScheduleRun.objects.select_for_update()
            .select_related("schedule")
            .filter(execution=execution)
            .first()
        )
        if run is None:
            queue_notifications(execution=execution, run=None)
            return True
        run.status = execution.status
        run.finished_at = execution.finished_at or timezone.now()
        run.save(update_fields=["status", "finished_at"])
        _after_run_ended(run, execution)
    return True


def on_execution_finished(execution_id: int) -> None:
    """Receiver of executions' `execution_finished` (connected in SchedulesConfig.ready);
    never raises."""
    try:
        follow_up_execution(execution_id=execution_id)
    except Exception:
        logger.exception(
            "follow-up of execution %s failed (the reconcile task retries)", execution_id
        )


def reconcile_schedule_runs(*, now: datetime | None = None) -> list[int]:
    """Follow-up for ended executions the hook missed (e.g. stopped while pending), and
    queued runs whose blocker is gone. Returns the execution ids followed up."""
    from datetime import timedelta

    now = now or timezone.now()
    ended = list(
        Execution.objects.filter(
            status__in=FINISHED_STATUSES,
            follow_up__isnull=True,
            created_at__gte=now - timedelta(days=2),
        )
        .filter(schedule_run__isnull=False)
        .values_list("pk", flat=True)[:500]
    )
    ended += list(
        Execution.objects.filter(
            status__in=FINISHED_STATUSES,
            follow_up__isnull=True,
            finished_at__gte=now - timedelta(hours=1),
            plan__notification_rules__enabled=True,
            schedule_run__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()[:500]
    )
    done = [pk for pk in ended if follow_up_execution(execution_id=pk)]
    for run_id in ScheduleRun.objects.filter(status=RunStatus.QUEUED).values_list("pk", flat=True):
        start_queued_run(run_id=run_id)
    return done


def schedule_summary(schedule: Schedule, *, count: int = 5) -> dict[str, Any]:
    """Human description and the next run times (ISO, in the schedule's zone)."""
    return preview_cron(
        expression=schedule.cron_expression, timezone_name=schedule.timezone, count=count
    )


def preview_cron(*, expression: str, timezone_name: str, count: int = 5) -> dict[str, Any]:
    runs = cron.next_runs(expression, timezone_name, count=count)
    return {
        "cron_expression": expression,
        "timezone": timezone_name,
        "description": cron.describe(expression),
        "next_runs": [r.isoformat() for r in runs],
    }
