"""The one envelope for successes and errors, and JSON errors everywhere under /api/."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.audit import changes_between, snapshot
from hub.core.crypto import MASK, decrypt, encrypt
from tests.factories import AccountFactory
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db


def test_success_envelope(api: Any) -> None:
    body = api.get("/api/hosts/").json()
    assert body == {
        "code": 200,
        "message": "ok",
        "success": True,
        "content": {"count": 0, "next": None, "previous": None, "results": []},
    }


def test_unknown_api_path_is_a_json_404(api: Any) -> None:
    response = api.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json()["success"] is False and response.json()["code"] == 404


def test_unknown_object_is_404_envelope(api: Any) -> None:
    errors = err(api.get("/api/hosts/999999/"), 404, "detail")
    assert errors["detail"]


def test_wrong_method_is_405_envelope(api: Any) -> None:
    err(api.put("/api/hosts/"), 405)


@pytest.mark.parametrize(
    "url",
    [
        "/api/hosts/",
        "/api/hosts/groups/",
        "/api/hosts/accounts/",
        "/api/script-templates/",
        "/api/templates/",
        "/api/templates/plans/",
        "/api/permissions/grant/",
    ],
)
def test_malformed_and_non_object_json_everywhere(api: Any, url: str) -> None:
    err(api.post(url, data="{oops", content_type="application/json"), 400, "body")
    response = api.post(url, data='"just a string"', content_type="application/json")
    assert response.status_code == 400 and response.json()["success"] is False
    response = api.post(url, data="null", content_type="application/json")
    assert response.status_code == 400 and response.json()["success"] is False


def test_unsupported_media_type(api: Any) -> None:
    err(api.post("/api/hosts/", data="name=x", content_type="text/plain"), 415)


def test_message_names_the_nested_field(api: Any) -> None:
    body = api.post("/api/hosts/", {"name": "h", "ip_address": "10.0.0.1", "port": 0}).json()
    assert body["message"].startswith("port: ")


def test_crypto_round_trip_and_ciphertext_differs() -> None:
    token = encrypt("secret")
    assert token != encrypt("secret") and decrypt(token) == "secret"
    with pytest.raises(ValueError, match="SECRET_KEY"):
        decrypt("not-a-token")


def test_snapshot_masks_secrets_and_changes_show_only_differences(owner: Any) -> None:
    account = AccountFactory(created_by=owner, password="first")
    before = snapshot(account)
    assert "first" not in str(before)
    account.password, account.description = "second", "new"
    changes = changes_between(before, snapshot(account))
    assert changes == {
        "password": {"before": MASK, "after": MASK},
        "description": {"before": "", "after": "new"},
    }
    assert changes_between(snapshot(account), snapshot(account)) == {}


def test_request_context_reaches_audit_rows(api: Any, settings: Any) -> None:
    from hub.audit.models import AuditLog

    settings.HUB_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]  # the test peer and its proxy

    ok(
        api.post(
            "/api/hosts/groups/",
            {"name": "g"},
            HTTP_X_FORWARDED_FOR="198.51.100.4, 10.0.0.1",
            HTTP_USER_AGENT="cli/1.0",
        ),
        201,
    )
    row = AuditLog.objects.get()
    assert row.ip == "198.51.100.4" and row.user_agent == "cli/1.0"


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        (
            "/api/hosts/",
            {"name": "h", "ip_address": "10.0.0.1", "labels": {"a": "x\u0000"}},
            "labels",
        ),
        ("/api/hosts/", {"name": "h\u0000", "ip_address": "10.0.0.1"}, "name"),
        ("/api/hosts/groups/", {"name": "g", "description": "\u0000"}, "description"),
        ("/api/script-templates/", {"name": "s", "content": "echo", "tags": ["a\u0000"]}, "tags"),
        (
            "/api/script-templates/",
            {
                "name": "s",
                "content": "echo",
                "parameters": [{"name": "a", "description": "x\u0000"}],
            },
            "parameters",
        ),
        (
            "/api/templates/",
            {"name": "t", "variables": [{"name": "a", "value": "x\u0000"}]},
            "variables",
        ),
        (
            "/api/templates/",
            {"name": "t", "steps": [{"name": "s", "script_content": "x\u0000"}]},
            "steps",
        ),
    ],
)
def test_nul_characters_are_a_400_on_every_database(
    api: Any, url: str, payload: dict[str, Any], field: str
) -> None:
    """PostgreSQL cannot store NUL in text or jsonb: refused up front, not a 500."""
    err(api.post(url, payload), 400, field)
