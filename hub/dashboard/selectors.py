"""Dashboard figures: aggregate queries only (GROUP BY in the database; Python only folds
the grouped rows, at most days x statuses of them, never execution rows).

Every figure is computed within a `Scope`: every row for administrators, else only the
rows the user may view (the rule of the list endpoints), so no count, trend point or host
name tells a user about objects they cannot open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import BigIntegerField, Count, Q, QuerySet
from django.db.models.functions import Cast, TruncDate
from guardian.models import GroupObjectPermission, UserObjectPermission

from hub.audit.models import AuditLog
from hub.core.permissions import codename, full_codename, object_permissions_enabled
from hub.executions.choices import FINISHED_STATUSES, ExecutionStatus, HostStatus
from hub.executions.models import Execution, HostResult
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
FAILED_HOST = (HostStatus.FAILED, HostStatus.UNREACHABLE, HostStatus.TIMEOUT, HostStatus.LOST)
TOP = 5
_M = TypeVar("_M", bound=models.Model)
_Q = TypeVar("_Q", bound=QuerySet[Any])


@dataclass(frozen=True)
class Scope:
    """The rows one user's dashboard counts.

    `everything` (administrators, and every user while `feature.object_permissions` is
    off): every row, with the unfiltered queries whose figures the cache shares. Otherwise
    per model the objects the user may view, so a figure over executions counts the
    executions the user may view, and a host name needs both a viewable execution and a
    viewable host.
    """

    user: Any
    everything: bool

    @classmethod
    def of(cls, user: Any) -> Scope:
        everything = bool(getattr(user, "is_superuser", False)) or not object_permissions_enabled()
        return cls(user=user, everything=everything)

    def rows(self, model: type[_M]) -> QuerySet[_M]:
        queryset = model._default_manager.all()
        if self.everything or self.user.has_perm(full_codename(model, "view")):
            return queryset
        return queryset.filter(self._granted("pk", model))

    def narrow(self, queryset: _Q, field: str, model: type[models.Model]) -> _Q:
        """queryset without the rows whose `field` points at an object the user may not view
        (a null `field` is not viewable)."""
        if self.everything or self.user.has_perm(full_codename(model, "view")):
            return queryset
        return queryset.filter(self._granted(f"{field}_id", model))

    def _granted(self, field: str, model: type[models.Model]) -> Q:
        """`field` is the pk of an object the user, or a group of theirs, was granted view on.

        objects_for's rule (a model-level view permission is checked by the callers above)
        as one UNION subquery over guardian's rows of this one permission, casting their
        text object_pk to the integer key: guardian's own filter casts every pk of the model
        to text, which scans the whole table for every figure (a user with no grants waited
        400-700 ms on the 100k executions of bench/dashboard_bench.py, 55-65 ms this way).
        tests/dashboard/test_permissions.py checks both rules agree.
        """
        kind = {
            "content_type": ContentType.objects.get_for_model(model),
            "permission__codename": codename(model, "view"),
        }
        as_pk = Cast("object_pk", BigIntegerField())
        mine = UserObjectPermission.objects.filter(user=self.user, **kind)
        teams = GroupObjectPermission.objects.filter(group__user=self.user, **kind)
        return Q(**{f"{field}__in": mine.values_list(as_pk).union(teams.values_list(as_pk))})


ALL = Scope(user=None, everything=True)  # what the shared cache and its refresh task compute


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


def object_counts(scope: Scope) -> dict[str, Any]:
    hosts = _by(scope.rows(Host), "status")
    schedules = scope.rows(Schedule).aggregate(
        total=Count("pk"), enabled=Count("pk", filter=Q(enabled=True))
    )
    return {
        "hosts": {"total": sum(hosts.values()), "by_status": hosts},
        "scripts": scope.rows(ScriptTemplate).count(),
        "templates": scope.rows(JobTemplate).count(),
        "plans": scope.rows(ExecutionPlan).count(),
        "schedules": schedules,
    }


def _day_status_counts(scope: Scope, start: date, end: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """One GROUP BY (day, status) over the range: at most days x statuses rows."""
    low, high = day_bounds(start, end, tz)
    rows: Any = (
        scope.rows(Execution)
        .filter(created_at__gte=low, created_at__lt=high)
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


def execution_trend(scope: Scope, start: date, end: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    return _trend(_day_status_counts(scope, start, end, tz), start, end)


def failing_hosts(scope: Scope, low: datetime, high: datetime) -> QuerySet[HostResult]:
    """Failed host results of the range; outside `everything`, only those of executions and
    hosts the user may view (a result whose host left the inventory names no viewable host)."""
    if scope.everything:  # read from the (status, execution, host_name) index alone
        return HostResult.objects.filter(
            execution__created_at__gte=low, execution__created_at__lt=high, status__in=FAILED_HOST
        )
    executions = scope.rows(Execution).filter(created_at__gte=low, created_at__lt=high)
    results = HostResult.objects.filter(status__in=FAILED_HOST, execution__in=executions)
    return scope.narrow(results, "host", Host)


def top_failing(
    scope: Scope, start: date, end: date, tz: ZoneInfo
) -> dict[str, list[dict[str, Any]]]:
    low, high = day_bounds(start, end, tz)
    failed = scope.rows(Execution).filter(
        created_at__gte=low, created_at__lt=high, status__in=FAILED_EXECUTION
    )

    def top(field: str, model: type[models.Model]) -> list[dict[str, Any]]:
        id_field, name_field = f"{field}_id", f"{field}__name"
        rows = (
            scope.narrow(failed.exclude(**{id_field: None}), field, model)
            .values(id_field, name_field)
            .annotate(failures=Count("pk"))
            .order_by("-failures", name_field)[:TOP]
        )
        return [{"id": r[id_field], "name": r[name_field], "failures": r["failures"]} for r in rows]

    hosts = (
        failing_hosts(scope, low, high)
        .values("host_name")
        .annotate(failures=Count("pk"))
        .order_by("-failures", "host_name")[:TOP]
    )
    return {
        "templates": top("template", JobTemplate),
        "scripts": top("script", ScriptTemplate),
        "plans": top("plan", ExecutionPlan),
        "hosts": [{"host_name": r["host_name"], "failures": r["failures"]} for r in hosts],
    }


def dashboard_figures(scope: Scope, start: date, end: date, tz: ZoneInfo) -> dict[str, Any]:
    """Counts, totals, trend and top failures of a range, as the scope sees them."""
    rows = _day_status_counts(scope, start, end, tz)
    return {
        "counts": object_counts(scope),
        "executions": _status_counts(rows),
        "trend": _trend(rows, start, end),
        "top_failing": top_failing(scope, start, end, tz),
    }


def audit_events_for(user: Any) -> QuerySet[AuditLog]:
    """Administrators read every audit event; anyone else reads the events they did.

    The same rule as /api/permissions/audit-logs/: a dashboard must not show more than the
    audit page. Being allowed to view an object is not being allowed to read who else did
    what to it (an event names its actor, the address it came from and the changed
    fields), and an event outlives the permission on its object, so "events on objects I
    may view" would both show others' doings and need a guardian lookup per object type.
    """
    events = AuditLog.objects.order_by("-created_at", "-id")
    if getattr(user, "is_superuser", False):
        return events
    if not getattr(user, "is_authenticated", False):
        return events.none()
    return events.filter(actor=user)


def recent_for(scope: Scope, limit: int = 10) -> dict[str, Any]:
    """The latest executions the user may view and audit events the user may read."""
    executions = list(
        scope.rows(Execution)
        .order_by("-created_at", "-id")
        .values(
            "id", "name", "kind", "status", "created_at", "finished_at", "created_by__username"
        )[:limit]
    )
    events = list(
        audit_events_for(scope.user).values(
            "id", "username", "action", "object_type", "object_id", "object_repr", "created_at"
        )[:limit]
    )
    return {"executions": executions, "audit_events": events}
