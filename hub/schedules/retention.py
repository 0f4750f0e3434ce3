"""Retention: executions older than `logs.retention_days` go, with everything they own.

Deleting an execution cascades to its steps, host results, events and archived logs; the
per-host log files and fetched files under EXECUTION_LOGS_DIR/<id>/ and the object
permissions of the rows are removed too. Running executions are never pruned.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.executions.choices import FINISHED_STATUSES
from hub.executions.logfiles import log_dir
from hub.executions.models import Execution
from hub.schedules.models import NotificationDelivery, ScheduleRun
from hub.system.services import get_setting


def _delete_batch(ids: list[int]) -> None:
    content_type = ContentType.objects.get_for_model(Execution)
    keys = [str(i) for i in ids]
    with transaction.atomic():
        for model in (UserObjectPermission, GroupObjectPermission):
            model.objects.filter(content_type=content_type, object_pk__in=keys).delete()
        Execution.objects.filter(pk__in=ids).delete()
    for execution_id in ids:
        shutil.rmtree(log_dir(execution_id), ignore_errors=True)


def prune_history(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Deletes what is older than the retention setting (read now, so a change applies to
    the next run); returns what was removed."""
    days = int(get_setting("logs.retention_days"))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Execution.objects.filter(created_at__lt=cutoff, status__in=FINISHED_STATUSES)
    executions = 0
    while ids := list(old.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        _delete_batch(ids)
        executions += len(ids)
    with transaction.atomic():
        runs, _ = ScheduleRun.objects.filter(created_at__lt=cutoff, execution__isnull=True).delete()
        deliveries, _ = NotificationDelivery.objects.filter(created_at__lt=cutoff).delete()
        result = {
            "executions": executions,
            "schedule_runs": runs,
            "notification_deliveries": deliveries,
            "retention_days": days,
        }
        if executions or runs or deliveries:
            record_audit_event(
                actor=None,
                action=AuditAction.DELETE,
                object_type="executions.execution",
                username="system",
                object_repr=f"retention: older than {days} days",
                detail=result,
            )
    return result
