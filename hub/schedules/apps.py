from typing import Any

from django.apps import AppConfig


def _follow_up(sender: Any, *, execution_id: int, **kwargs: Any) -> None:
    from hub.schedules.services import on_execution_finished

    on_execution_finished(execution_id)  # schedule runs, retries, notifications; never raises


class SchedulesConfig(AppConfig):
    name = "hub.schedules"
    label = "schedules"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub.executions.signals import execution_finished

        execution_finished.connect(_follow_up, dispatch_uid="schedules-follow-up")
