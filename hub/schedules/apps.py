from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "hub.schedules"
    label = "schedules"
    default_auto_field = "django.db.models.BigAutoField"
