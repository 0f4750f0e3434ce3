"""/health/ checks the database, Redis and Celery workers for real."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _admin_client() -> Client:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="health-admin", is_superuser=True, is_staff=True))
    return client


def test_health_details_are_for_superusers_only() -> None:
    anonymous = Client().get("/health/").json()["content"]
    assert set(anonymous) == {"database", "redis", "celery"}
    assert all(set(part) == {"ok"} for part in anonymous.values()), anonymous
    assert anonymous["database"]["ok"] is True
    from tests.factories import UserFactory

    member = Client()
    member.force_login(UserFactory(username="health-member"))
    assert "vendor" not in member.get("/health/").json()["content"]["database"]
    assert _admin_client().get("/health/").json()["content"]["database"]["vendor"]
    from rest_framework_simplejwt.tokens import RefreshToken

    admin = UserFactory(username="health-jwt", is_superuser=True)
    bearer = f"Bearer {RefreshToken.for_user(admin).access_token}"
    with_token = Client().get("/health/", HTTP_AUTHORIZATION=bearer).json()["content"]
    assert with_token["redis"]["version"]
    garbage = Client().get("/health/", HTTP_AUTHORIZATION="Bearer nonsense").json()["content"]
    assert set(garbage["redis"]) == {"ok"}


def test_health_reports_each_dependency() -> None:
    response = _admin_client().get("/health/")
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
    response = _admin_client().get("/health/")
    assert response.status_code == 503
    content = response.json()["content"]
    assert content["redis"]["ok"] is False and content["redis"]["error"]
    assert content["database"]["ok"] is True


def test_docs_and_admin_login_pages() -> None:
    assert Client().get("/api/docs/").status_code == 200
    assert Client().get("/admin/login/").status_code == 200
