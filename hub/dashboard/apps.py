from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "hub.dashboard"
    label = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub.dashboard import signals

        signals.connect()
