"""Personal API tokens: create once, hashed at rest, scopes, revoke, expiry, audit."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone
from rest_framework.test import APIClient

from hub.audit.models import AuditLog
from hub.users import token_services
from hub.users.models import ApiToken
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db


def make_token(user: Any, scope: str = "read", **extra: Any) -> str:
    _token, secret = token_services.create_api_token(
        actor=user, name=f"{scope}-token", scope=scope, **extra
    )
    return secret


def with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_create_answers_the_token_once_and_keeps_only_its_hash(owner: Any, api: Any) -> None:
    created = ok(api.post("/api/auth/tokens/", {"name": "ci", "scope": "read"}), 201)
    secret = created["token"]
    assert secret.startswith("opsj_") and len(secret) > 40
    assert created["prefix"] == secret[:13] and created["scope"] == "read"

    row = ApiToken.objects.get(pk=created["id"])
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (row.digest, row.prefix)

    listed = ok(api.get("/api/auth/tokens/"))["results"]
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0] and secret not in str(listed)
    assert "token" not in ok(api.get(f"/api/auth/tokens/{created['id']}/"))


def test_token_authenticates_as_its_user(owner: Any) -> None:
    me = ok(with_token(make_token(owner)).get("/api/auth/me/"))
    assert me["username"] == "owner"
    assert ApiToken.objects.get().last_used_at is not None


def test_read_token_cannot_write_and_the_answer_names_the_scope(owner: Any) -> None:
    client = with_token(make_token(owner, "read"))
    response = client.post("/api/hosts/", {"name": "web-1", "ip_address": "10.0.0.1"})
    errors = err(response, 403, "scope")
    assert "read" in errors["scope"][0]
    assert not AuditLog.objects.filter(action="create", object_type="inventory.host").exists()
    for method in (client.delete, client.patch, client.put):
        assert method("/api/hosts/1/", {}).status_code == 403


def test_execute_token_may_launch_but_not_edit(owner: Any) -> None:
    client = with_token(make_token(owner, "execute"))
    # Past the scope check: the input is what is wrong (no script, no targets), not the scope.
    launch = client.post("/api/quick/execute_script/", {})
    assert launch.status_code == 400, launch.json()
    assert "scope" not in launch.json()["content"]["errors"]
    err(client.post("/api/hosts/", {"name": "web-1", "ip_address": "10.0.0.1"}), 403, "scope")
    err(client.post("/api/auth/tokens/", {"name": "more", "scope": "admin"}), 403, "scope")


def test_token_management_needs_an_admin_token(owner: Any) -> None:
    for scope in ("read", "execute"):
        client = with_token(make_token(owner, scope))
        err(client.get("/api/auth/tokens/"), 403, "scope")
        err(client.post("/api/auth/tokens/", {"name": "more", "scope": "read"}), 403, "scope")
    admin_client = with_token(make_token(owner, "admin"))
    created = ok(admin_client.post("/api/auth/tokens/", {"name": "more", "scope": "read"}), 201)
    assert created["token"].startswith("opsj_")


def test_admin_scope_never_grants_more_than_the_user_has(owner: Any) -> None:
    client = with_token(make_token(owner, "admin"))
    assert client.get("/api/auth/users/").status_code == 403
    assert client.post("/api/system/", {}).status_code in (403, 405)


def test_revoked_token_is_401_at_once(owner: Any, api: Any) -> None:
    secret = make_token(owner)
    client = with_token(secret)
    assert client.get("/api/auth/me/").status_code == 200
    token = ApiToken.objects.get()
    assert api.delete(f"/api/auth/tokens/{token.pk}/").status_code == 204
    err(client.get("/api/auth/me/"), 401)
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_active
    assert AuditLog.objects.filter(action="revoke", object_type="users.apitoken").exists()


def test_post_revoke_answers_the_revoked_token(owner: Any, api: Any) -> None:
    secret = make_token(owner)
    token = ApiToken.objects.get()
    revoked = ok(api.post(f"/api/auth/tokens/{token.pk}/revoke/"))
    assert revoked["is_active"] is False and revoked["revoked_at"]
    err(with_token(secret).get("/api/auth/me/"), 401)


def test_expired_token_is_401(owner: Any) -> None:
    secret = make_token(owner, expires_at=timezone.now() + timedelta(hours=1))
    client = with_token(secret)
    assert client.get("/api/auth/me/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    errors = err(client.get("/api/auth/me/"), 401)
    assert "expired" in str(errors)


def test_expiry_in_the_past_is_refused(api: Any) -> None:
    past = (timezone.now() - timedelta(days=1)).isoformat()
    err(api.post("/api/auth/tokens/", {"name": "old", "expires_at": past}), 400, "expires_at")


def test_inactive_users_token_is_401(owner: Any) -> None:
    client = with_token(make_token(owner, "admin"))
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    err(client.get("/api/auth/me/"), 401)


@pytest.mark.parametrize("secret", ["opsj_not-a-real-token", "garbage", "opsj_"])
def test_unknown_token_is_401(secret: str, owner: Any) -> None:
    make_token(owner)
    err(with_token(secret).get("/api/auth/me/"), 401)


def test_users_see_their_own_tokens_and_superusers_all(
    owner: Any, member: Any, admin: Any, client_for: Any
) -> None:
    make_token(owner)
    make_token(member)
    mine = ok(client_for(owner).get("/api/auth/tokens/"))["results"]
    assert {t["username"] for t in mine} == {"owner"}
    every = ok(client_for(admin).get("/api/auth/tokens/"))["results"]
    assert {t["username"] for t in every} == {"owner", "member"}
    members = ApiToken.objects.get(user=member)
    assert client_for(owner).delete(f"/api/auth/tokens/{members.pk}/").status_code == 404
    assert client_for(admin).delete(f"/api/auth/tokens/{members.pk}/").status_code == 204


def test_audit_log_names_the_token_that_acted(admin: Any, client_for: Any) -> None:
    client = with_token(make_token(admin, "admin"))
    created = ok(client.post("/api/hosts/groups/", {"name": "by-ci"}), 201)
    token = ApiToken.objects.get(user=admin)
    record = AuditLog.objects.get(action="create", object_type="inventory.hostgroup")
    assert record.object_id == str(created["id"])
    assert record.api_token_id == token.pk and token.prefix in record.token_label

    shown = ok(client_for(admin).get("/api/permissions/audit-logs/", {"api_token": token.pk}))
    assert [r["token_label"] for r in shown["results"]] == [token.label]
    # A login session acting next records no token: the slot does not outlive its request.
    ok(client_for(admin).post("/api/hosts/groups/", {"name": "by-hand"}), 201)
    by_hand = AuditLog.objects.get(action="create", object_repr__contains="by-hand")
    assert by_hand.api_token_id is None and by_hand.token_label == ""


@pytest.mark.django_db(transaction=True)  # database_sync_to_async closes the connection
def test_websocket_auth_accepts_a_token(owner: Any) -> None:
    from hub.executions.realtime.auth import _user_from_token

    secret = make_token(owner)
    assert async_to_sync(_user_from_token)(secret) == owner
    ApiToken.objects.update(revoked_at=timezone.now())
    assert async_to_sync(_user_from_token)(secret) is None


def test_every_route_the_scopes_name_exists() -> None:
    from django.urls import NoReverseMatch, reverse

    from hub.users.tokens import EXECUTE_ROUTES, TOKEN_ROUTES

    for name in EXECUTE_ROUTES | TOKEN_ROUTES:
        for kwargs in ({}, {"pk": 1}):
            try:
                reverse(name, kwargs=kwargs)
                break
            except NoReverseMatch:
                continue
        else:
            pytest.fail(f"{name} is not a route any more")
