"""Login, refresh, logout and me through the API (delays and captcha: their own files)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from hub.audit.models import AuditLog
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db


def login(client: APIClient, username: str, password: str) -> Any:
    return client.post(
        "/api/auth/login/", {"username": username, "password": password}, format="json"
    )


def test_login_returns_tokens_user_and_audits(owner: Any) -> None:
    client = APIClient()
    content = ok(login(client, "owner", "correct horse battery"))
    assert content["user"]["username"] == "owner"
    assert content["access"] and content["refresh"]
    me = ok(client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {content['access']}"))
    assert me["username"] == "owner" and isinstance(me["permissions"], list)
    assert AuditLog.objects.filter(action="login", username="owner").exists()


def test_wrong_password_is_401_naming_password_and_audited(owner: Any) -> None:
    errors = err(login(APIClient(), "owner", "nope"), 401, "password")
    assert "Wrong username or password" in errors["password"][0]
    assert AuditLog.objects.filter(action="login_failed", username="owner").exists()


def test_delay_after_repeated_failures(owner: Any, settings: Any) -> None:
    client = APIClient()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "owner", "nope")
    response = login(client, "owner", "correct horse battery")
    err(response, 429, "username")
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "owner"},
        {"username": 5, "password": "x"},
        {"username": ["a"], "password": "x"},
        {"username": "a" * 1_000_000, "password": "x"},
    ],
)
def test_bad_login_input_is_400(payload: dict[str, Any], owner: Any) -> None:
    response = APIClient().post("/api/auth/login/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_malformed_json_is_400_naming_body() -> None:
    response = APIClient().post("/api/auth/login/", data="{bad", content_type="application/json")
    err(response, 400, "body")


def test_refresh_and_logout_blacklists(owner: Any) -> None:
    client = APIClient()
    tokens = ok(login(client, "owner", "correct horse battery"))
    fresh = ok(client.post("/api/auth/refresh/", {"refresh": tokens["refresh"]}, format="json"))
    assert fresh["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh['access']}")
    ok(client.post("/api/auth/logout/", {"refresh": fresh["refresh"]}, format="json"))
    again = APIClient().post("/api/auth/refresh/", {"refresh": fresh["refresh"]}, format="json")
    err(again, 401, "refresh")


def test_me_requires_auth() -> None:
    assert APIClient().get("/api/auth/me/").status_code == 401


def test_users_endpoint_is_admin_only(owner: Any, admin: Any, client_for: Any) -> None:
    assert client_for(owner).get("/api/auth/users/").status_code == 403
    created = ok(
        client_for(admin).post(
            "/api/auth/users/",
            {"username": "newbie", "password": "long enough pw", "email": "n@example.test"},
            format="json",
        ),
        201,
    )
    assert "password" not in created
    log = AuditLog.objects.get(
        action="create", object_type="auth.user", object_id=str(created["id"])
    )
    assert log.changes["password"]["after"] == "******"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "u1"}, "password"),
        ({"username": "u1", "password": "short"}, "password"),
        ({"username": "bad name!", "password": "long enough pw"}, "username"),
        ({"username": "u1", "password": "long enough pw", "email": "nope"}, "email"),
        ({"username": "u1", "password": "long enough pw", "groups": [99999]}, "groups"),
        ({"username": "u" * 1_000_000, "password": "long enough pw"}, "username"),
        ({"username": "owner", "password": "long enough pw"}, "username"),
    ],
)
def test_user_create_bad_input(
    payload: dict[str, Any], field: str, owner: Any, admin: Any, client_for: Any
) -> None:
    from django.contrib.auth import get_user_model

    before = get_user_model().objects.count()
    err(client_for(admin).post("/api/auth/users/", payload, format="json"), 400, field)
    assert get_user_model().objects.count() == before


def test_user_update_and_delete_are_audited_and_never_show_the_password(
    admin: Any, client_for: Any
) -> None:
    boss = client_for(admin)
    user = ok(
        boss.post(
            "/api/auth/users/", {"username": "temp", "password": "long enough pw"}, format="json"
        ),
        201,
    )
    updated = ok(
        boss.patch(
            f"/api/auth/users/{user['id']}/",
            {"password": "another long pw", "first_name": "T"},
            format="json",
        )
    )
    assert "password" not in updated and updated["first_name"] == "T"
    assert ok(login(APIClient(), "temp", "another long pw"))["user"]["username"] == "temp"
    assert boss.delete(f"/api/auth/users/{user['id']}/").status_code == 204
    actions = set(
        AuditLog.objects.filter(object_type="auth.user", object_id=str(user["id"])).values_list(
            "action", flat=True
        )
    )
    assert {"create", "update", "delete"} <= actions
    import json

    dump = json.dumps(list(AuditLog.objects.values("changes")))
    assert "long enough pw" not in dump and "another long pw" not in dump
    assert "pbkdf2" not in dump and "md5$" not in dump


def test_session_login_works_for_the_browser(owner: Any) -> None:
    client = APIClient()
    ok(login(client, "owner", "correct horse battery"))
    assert ok(client.get("/api/auth/me/"))["username"] == "owner"
    ok(client.post("/api/auth/logout/", {}, format="json"))
    assert client.get("/api/auth/me/").status_code in (401, 403)


def test_user_groups_admin_only_writes(owner: Any, admin: Any, client_for: Any) -> None:
    err(client_for(owner).post("/api/auth/groups/", {"name": "ops"}, format="json"), 403)
    group = ok(client_for(admin).post("/api/auth/groups/", {"name": "ops"}, format="json"), 201)
    assert ok(client_for(owner).get("/api/auth/groups/"))["results"] == [group]
    assert AuditLog.objects.filter(
        action="create", object_type="auth.group", object_id=str(group["id"])
    ).exists()
