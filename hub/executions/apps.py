from django.apps import AppConfig


class ExecutionsConfig(AppConfig):
    name = "hub.executions"
    label = "executions"
    default_auto_field = "django.db.models.BigAutoField"
