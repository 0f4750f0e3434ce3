"""Cache invalidation only: writes to what the dashboard counts bump its cache version,
and so does a finished execution (its final state is written with .update(), no save)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from hub.dashboard.cache import bump_dashboard_version


def _bump(sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(bump_dashboard_version)


def _execution_finished(sender: Any, **kwargs: Any) -> None:
    bump_dashboard_version()


def connect() -> None:
    from hub.executions.models import Execution
    from hub.executions.signals import execution_finished
    from hub.inventory.models import Host
    from hub.jobs.models import ExecutionPlan, JobTemplate
    from hub.schedules.models import Schedule
    from hub.scripts.models import ScriptTemplate

    for model in (Execution, Host, ScriptTemplate, JobTemplate, ExecutionPlan, Schedule):
        post_save.connect(_bump, sender=model, dispatch_uid=f"dashboard-{model.__name__}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"dashboard-{model.__name__}-delete")
    execution_finished.connect(_execution_finished, dispatch_uid="dashboard-execution-finished")
