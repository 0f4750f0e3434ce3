from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "hub.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
