"""Reads of executions: visibility, per-step host results, grouped results, log pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, QuerySet, TextField, Value, When, Window
from django.db.models.functions import RowNumber

from hub.core.permissions import objects_for
from hub.executions.models import Execution, HostResult


def execution_list_for(user: Any) -> QuerySet[Execution]:
    return objects_for(user, Execution, "view").select_related("created_by")


def result_groups(execution: Execution, limit_hosts: int = 50) -> list[dict[str, Any]]:
    """Hosts grouped by identical (step, status, rc, output), largest group first.

    One query: each group's size and its first host names come from window functions, and
    the output (the same for every member: the digest covers it) from its first host only.
    """
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for step, status, rc, digest, host_name, size, output in _group_members(
        execution, max(limit_hosts, 1)
    ):
        group = groups.setdefault(
            (step, status, rc, digest),
            {"step": step, "status": status, "rc": rc, "count": size, "output": "", "hosts": []},
        )
        group["output"] = group["output"] or output
        if len(group["hosts"]) < limit_hosts:
            group["hosts"].append(host_name)
    ordered = sorted(groups.items(), key=lambda item: (-item[1]["count"], _key_order(item[0])))
    return [group for _key, group in ordered]


def _key_order(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Ties between equal-sized groups: by step, status, rc (none first), digest."""
    step, status, rc, digest = key
    return (step, status, rc is not None, rc or 0, digest)


def _group_members(execution: Execution, per_group: int) -> list[tuple[Any, ...]]:
    """(step, status, rc, digest, host_name, group size, output) of each group's first
    `per_group` hosts by name, first hosts first; output is set on first hosts' rows only."""
    group_by = [F("step__index"), F("status"), F("rc"), F("output_digest")]
    position = Window(RowNumber(), partition_by=group_by, order_by=F("host_name").asc())
    return list(
        HostResult.objects.filter(execution=execution)
        .annotate(position=position, size=Window(Count("id"), partition_by=group_by))
        .annotate(
            output=Case(
                When(position=1, then=F("output_tail")),
                default=Value(""),
                output_field=TextField(),
            ),
        )
        .filter(position__lte=per_group)
        .order_by("position")  # each group's hosts in the database's name order
        .values_list("step__index", "status", "rc", "output_digest", "host_name", "size", "output")
    )
