"""OPS Job hub: the Django project. Importing it loads the Celery app."""

from hub.celery import app as celery_app

__all__ = ["celery_app"]
