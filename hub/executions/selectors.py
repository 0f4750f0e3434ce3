"""Reads of executions: visibility, per-step host results, grouped results, log pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from hub.core.permissions import objects_for
from hub.executions.models import Execution, HostResult


def execution_list_for(user: Any) -> QuerySet[Execution]:
    return objects_for(user, Execution, "view").select_related("created_by")


def result_groups(execution: Execution, limit_hosts: int = 50) -> list[dict[str, Any]]:
    """Hosts grouped by identical (step, status, rc, output), largest group first."""
    rows = (
        HostResult.objects.filter(execution=execution)
        .values("step__index", "status", "rc", "output_digest")
        .annotate(count=Count("id"))
        .order_by("-count")
    )
    groups = []
    for row in rows:
        members = HostResult.objects.filter(
            execution=execution,
            step__index=row["step__index"],
            status=row["status"],
            rc=row["rc"],
            output_digest=row["output_digest"],
        ).order_by("host_name")
        first = members.first()
        groups.append(
            {
                "step": row["step__index"],
                "status": row["status"],
                "rc": row["rc"],
                "count": row["count"],
                "output": first.output_tail if first else "",
                "hosts": list(members.values_list("host_name", flat=True)[:limit_hosts]),
            }
        )
    return groups
