"""Dashboard figures: aggregate queries only (GROUP BY in the database; Python only folds
the grouped rows, at most days x statuses of them, never execution rows)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from hub.audit.models import AuditLog
from hub.executions.choices import FINISHED_STATUSES, ExecutionStatus, HostStatus
from hub.executions.models import Execution, HostResult
from hub.executions.selectors import execution_list_for
from hub.inventory.models import Host
from hub.jobs.models import ExecutionPlan, JobTemplate
from hub.schedules.models import Schedule
from hub.scripts.models import ScriptTemplate

FAILED_EXECUTION = (
    ExecutionStatus.FAILED,
    ExecutionStatus.PARTIAL,
    ExecutionStatus.TIMEOUT,
    ExecutionStatus.UNREACHABLE,
)
FAILED_HOST = (HostStatus.FAILED, HostStatus.UNREACHABLE, HostStatus.TIMEOUT)
TOP = 5


def day_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the zone."""
    return (
        datetime.combine(start, time.min, tz),
        datetime.combine(end + timedelta(days=1), time.min, tz),
    )


def _by(queryset: Any, field: str) -> dict[str, int]:
    return {
        row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk")).order_by()
    }


def object_counts() -> dict[str, Any]:
    hosts = _by(Host.objects.all(), "status")
    schedules = Schedule.objects.aggregate(
        total=Count("pk"), enabled=Count("pk", filter=Q(enabled=True))
    )
    return {
        "hosts": {"total": sum(hosts.values()), "by_status": hosts},
        "scripts": ScriptTemplate.objects.count(),
        "templates": JobTemplate.objects.count(),
        "plans": ExecutionPlan.objects.count(),
        "schedules": schedules,
    }


def _day_status_counts(start: date, end: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """One GROUP BY (day, status) over the range: at most days x statuses rows."""
    low, high = day_bounds(start, end, tz)
    rows: Any = (
        Execution.objects.filter(created_at__gte=low, created_at__lt=high)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return list(rows)


def _trend(rows: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    """Per day: executions, successes, failures and the success rate of finished ones."""
    found: dict[date, dict[str, int]] = {}
    for row in rows:
        day = found.setdefault(row["day"], {"total": 0, "success": 0, "failed": 0, "finished": 0})
        day["total"] += row["n"]
        day["success"] += row["n"] if row["status"] == ExecutionStatus.SUCCESS else 0
        day["failed"] += row["n"] if row["status"] in FAILED_EXECUTION else 0
        day["finished"] += row["n"] if row["status"] in FINISHED_STATUSES else 0
    days = []
    for offset in range((end - start).days + 1):
        date_ = start + timedelta(days=offset)
        day = found.get(date_, {"total": 0, "success": 0, "failed": 0, "finished": 0})
        rate = round(100 * day["success"] / day["finished"], 1) if day["finished"] else None
        days.append({"date": date_.isoformat(), **day, "success_rate": rate})
    return days


def _status_counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
    finished = sum(n for status, n in counts.items() if status in FINISHED_STATUSES)
    success = counts.get(ExecutionStatus.SUCCESS, 0)
    return {
        "total": sum(counts.values()),
        "by_status": counts,
        "success_rate": round(100 * success / finished, 1) if finished else None,
    }


def execution_trend(start: date, end: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    return _trend(_day_status_counts(start, end, tz), start, end)


def top_failing(start: date, end: date, tz: ZoneInfo) -> dict[str, list[dict[str, Any]]]:
    low, high = day_bounds(start, end, tz)
    failed = Execution.objects.filter(
        created_at__gte=low, created_at__lt=high, status__in=FAILED_EXECUTION
    )

    def top(id_field: str, name_field: str) -> list[dict[str, Any]]:
        rows = (
            failed.exclude(**{id_field: None})
            .values(id_field, name_field)
            .annotate(failures=Count("pk"))
            .order_by("-failures", name_field)[:TOP]
        )
        return [{"id": r[id_field], "name": r[name_field], "failures": r["failures"]} for r in rows]

    hosts = (
        HostResult.objects.filter(
            execution__created_at__gte=low, execution__created_at__lt=high, status__in=FAILED_HOST
        )
        .values("host_name")
        .annotate(failures=Count("pk"))
        .order_by("-failures", "host_name")[:TOP]
    )
    return {
        "templates": top("template_id", "template__name"),
        "scripts": top("script_id", "script__name"),
        "plans": top("plan_id", "plan__name"),
        "hosts": [{"host_name": r["host_name"], "failures": r["failures"]} for r in hosts],
    }


def dashboard_figures(start: date, end: date, tz: ZoneInfo) -> dict[str, Any]:
    """Everything shared by all users for a range (what the cache holds)."""
    rows = _day_status_counts(start, end, tz)
    return {
        "counts": object_counts(),
        "executions": _status_counts(rows),
        "trend": _trend(rows, start, end),
        "top_failing": top_failing(start, end, tz),
    }


def recent_for(user: Any, limit: int = 10) -> dict[str, Any]:
    """The latest executions the user may view and audit events the user may read."""
    executions = list(
        execution_list_for(user)
        .order_by("-created_at", "-id")
        .values(
            "id", "name", "kind", "status", "created_at", "finished_at", "created_by__username"
        )[:limit]
    )
    audit = AuditLog.objects.order_by("-created_at", "-id")
    if not user.is_superuser:
        audit = audit.filter(actor=user)
    events = list(
        audit.values(
            "id", "username", "action", "object_type", "object_id", "object_repr", "created_at"
        )[:limit]
    )
    return {"executions": executions, "audit_events": events}
