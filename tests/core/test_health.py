"""/health/ checks the database, Redis and Celery workers for real."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_reports_each_dependency() -> None:
    response = Client().get("/health/")
    body = response.json()
    content = body["content"]
    assert content["database"]["ok"] is True and content["database"]["vendor"]
    assert content["redis"]["ok"] is True and content["redis"]["version"]
    if content["celery"]["ok"]:
        assert response.status_code == 200 and body["success"] is True
    else:
        assert response.status_code == 503 and body["message"] == "unhealthy"
        assert (
            "celery" in content["celery"]["error"].lower()
            or "worker" in content["celery"]["error"].lower()
        )


def test_health_is_503_naming_redis_when_redis_is_down(settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/health/")
    assert response.status_code == 503
    content = response.json()["content"]
    assert content["redis"]["ok"] is False and content["redis"]["error"]
    assert content["database"]["ok"] is True


def test_docs_and_admin_login_pages() -> None:
    assert Client().get("/api/docs/").status_code == 200
    assert Client().get("/admin/login/").status_code == 200
