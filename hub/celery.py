"""The Celery app: configured from Django settings (CELERY_*), tasks found in hub apps."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _fresh_content_types(**kwargs: object) -> None:
    """Content type ids are cached per process; a long-lived worker must not keep ids that a
    migration (or a test database reset) has since replaced, or its permission grants fail."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
