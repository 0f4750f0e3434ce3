from django.apps import AppConfig


class ScriptsConfig(AppConfig):
    name = "hub.scripts"
    label = "scripts"
    default_auto_field = "django.db.models.BigAutoField"
