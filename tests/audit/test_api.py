"""The audit log: every write and login recorded with who, where, what, before/after."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from hub.audit.models import AuditLog
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

URL = "/api/permissions/audit-logs/"
SECRETS = (
    "Acc0unt-Pa55word",
    "Bec0me-Pa55word",
    "Scr1pt-Default",
    "Var1able-Secret",
    "Step-Param-Secret",
    "Plan-Secret",
)


def _walk_the_product(client: APIClient) -> None:
    """One of each write through the API, with every kind of secret."""
    account = ok(
        client.post(
            "/api/hosts/accounts/",
            {
                "name": "acc",
                "username": "root",
                "password": SECRETS[0],
                "become": True,
                "become_password": SECRETS[1],
            },
        ),
        201,
    )
    group = ok(client.post("/api/hosts/groups/", {"name": "g"}), 201)
    host = ok(
        client.post(
            "/api/hosts/",
            {
                "name": "h",
                "ip_address": "10.0.0.1",
                "account": account["id"],
                "groups": [group["id"]],
            },
        ),
        201,
    )
    ok(client.patch(f"/api/hosts/{host['id']}/", {"port": 2222}))
    ok(client.patch(f"/api/hosts/accounts/{account['id']}/", {"password": SECRETS[0] + "2"}))
    script = ok(
        client.post(
            "/api/script-templates/",
            {
                "name": "s",
                "content": "echo 1",
                "parameters": [{"name": "pw", "type": "secret", "default": SECRETS[2]}],
            },
        ),
        201,
    )
    ok(client.patch(f"/api/script-templates/{script['id']}/", {"content": "echo 2"}))
    template = ok(
        client.post(
            "/api/templates/",
            {
                "name": "t",
                "variables": [{"name": "v", "var_type": "secret", "value": SECRETS[3]}],
                "steps": [{"name": "a", "script": script["id"], "parameters": {"pw": SECRETS[4]}}],
            },
        ),
        201,
    )
    plan = ok(
        client.post(
            "/api/templates/plans/",
            {"template": template["id"], "name": "p", "variable_values": {"v": SECRETS[5]}},
        ),
        201,
    )
    assert client.delete(f"/api/templates/plans/{plan['id']}/").status_code == 204
    assert client.delete(f"/api/hosts/{host['id']}/").status_code == 204


def test_every_write_and_login_is_recorded_with_secrets_masked(owner: Any) -> None:
    client = APIClient()
    tokens = ok(
        client.post(
            "/api/auth/login/",
            {"username": "owner", "password": "correct horse battery"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_USER_AGENT="pytest-agent",
        )
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    _walk_the_product(client)
    rows = list(AuditLog.objects.values())
    dump = json.dumps(rows, default=str)
    for secret in SECRETS:
        assert secret not in dump, secret
    seen = {(r["action"], r["object_type"]) for r in rows}
    assert {
        ("login", "auth.user"),
        ("create", "inventory.account"),
        ("update", "inventory.account"),
        ("create", "inventory.hostgroup"),
        ("create", "inventory.host"),
        ("update", "inventory.host"),
        ("delete", "inventory.host"),
        ("create", "scripts.scripttemplate"),
        ("update", "scripts.scripttemplate"),
        ("create", "jobs.jobtemplate"),
        ("create", "jobs.executionplan"),
        ("delete", "jobs.executionplan"),
    } <= seen
    login = AuditLog.objects.get(action="login")
    assert login.ip == "203.0.113.7" and login.user_agent == "pytest-agent"
    assert all(r["username"] == "owner" and r["actor_id"] == owner.pk for r in rows)
    account_create = AuditLog.objects.get(action="create", object_type="inventory.account")
    assert account_create.changes["password"] == {"before": None, "after": "******"}
    assert account_create.changes["username"] == {"before": None, "after": "root"}
    host_update = AuditLog.objects.get(action="update", object_type="inventory.host")
    assert host_update.changes == {"port": {"before": 22, "after": 2222}}
    assert host_update.object_repr == "h"
    host_delete = AuditLog.objects.get(action="delete", object_type="inventory.host")
    assert host_delete.changes["name"] == {"before": "h", "after": None}
    # The API shows the same, masked.
    listing = ok(client.get(URL, {"page_size": 100}))
    assert listing["count"] == len(rows)
    for secret in SECRETS:
        assert secret not in json.dumps(listing)


def test_filters(owner: Any, admin: Any, client_for: Any) -> None:
    _walk_the_product(client_for(owner))
    boss = client_for(admin)
    hosts = ok(boss.get(URL, {"object_type": "inventory.host"}))
    assert {r["action"] for r in hosts["results"]} == {"create", "update", "delete"}
    creates = ok(boss.get(URL, {"action": "create", "object_type": "inventory.host"}))
    assert creates["count"] == 1
    object_id = creates["results"][0]["object_id"]
    assert (
        ok(boss.get(URL, {"object_type": "inventory.host", "object_id": object_id}))["count"] == 3
    )
    assert ok(boss.get(URL, {"username": "OWNER"}))["count"] == AuditLog.objects.count()
    assert ok(boss.get(URL, {"actor": owner.pk}))["count"] == AuditLog.objects.count()
    assert ok(boss.get(URL, {"created_after": "2999-01-01T00:00:00Z"}))["count"] == 0
    assert ok(boss.get(URL, {"search": "acc"}))["count"] >= 2
    err(boss.get(URL, {"action": "explode"}), 400, "action")
    err(boss.get(URL, {"created_after": "yesterday"}), 400, "created_after")
    err(boss.get(URL, {"actor": "x"}), 400, "actor")


def test_non_admins_see_only_their_own_rows(
    owner: Any, member: Any, admin: Any, client_for: Any
) -> None:
    ok(client_for(owner).post("/api/hosts/groups/", {"name": "mine"}), 201)
    ok(client_for(member).post("/api/hosts/groups/", {"name": "theirs"}), 201)
    own = ok(client_for(member).get(URL))
    assert [r["object_repr"] for r in own["results"]] == ["theirs"]
    other_row = AuditLog.objects.get(object_repr="mine")
    err(client_for(member).get(f"{URL}{other_row.pk}/"), 404)
    assert ok(client_for(admin).get(URL))["count"] == 2
    assert ok(client_for(admin).get(f"{URL}{other_row.pk}/"))["actor_name"] == "owner"


def test_read_only_and_authenticated(owner: Any, admin: Any, client_for: Any) -> None:
    err(client_for(None).get(URL), 401)
    boss = client_for(admin)
    assert boss.post(URL, {"action": "create"}).status_code == 405
    ok(client_for(owner).post("/api/hosts/groups/", {"name": "g"}), 201)
    row = AuditLog.objects.get()
    assert boss.delete(f"{URL}{row.pk}/").status_code == 405
    assert boss.patch(f"{URL}{row.pk}/", {"action": "x"}).status_code == 405
    assert AuditLog.objects.count() == 1


def test_failed_writes_leave_no_audit_row(api: Any) -> None:
    err(api.post("/api/hosts/", {"name": "h", "ip_address": "10.0.0.1", "port": 0}), 400, "port")
    err(api.post("/api/script-templates/", {"name": "s", "content": "rm -rf /"}), 400, "content")
    assert AuditLog.objects.count() == 0


def test_list_query_count(api: Any, owner: Any, django_assert_max_num_queries: Any) -> None:
    for index in range(30):
        ok(api.post("/api/hosts/groups/", {"name": f"g{index}"}), 201)
    with django_assert_max_num_queries(6):
        assert ok(api.get(URL, {"page_size": 50}))["count"] == 30
