"""The client address: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from hub.audit.models import AuditLog
from hub.core.middleware import client_ip

pytestmark = pytest.mark.django_db


def failed_login_ip(**meta: str) -> str | None:
    APIClient().post("/api/auth/login/", {"username": "x", "password": "nope"}, **meta)
    return AuditLog.objects.filter(action="login_failed").latest("id").ip


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings: Any) -> None:
    settings.HUB_TRUSTED_PROXIES = []
    ip = failed_login_ip(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert ip == "203.0.113.9"


def test_forwarded_for_from_a_trusted_proxy_gives_the_right_most_untrusted_hop(
    settings: Any,
) -> None:
    settings.HUB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    ip = failed_login_ip(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.4, 10.0.0.3"
    )
    assert ip == "198.51.100.4"


def test_spoofed_forwarded_for_does_not_dodge_the_address_delay(settings: Any) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):
        APIClient().post(
            "/api/auth/login/",
            {"username": f"u{n}", "password": "nope"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = APIClient().post(
        "/api/auth/login/",
        {"username": "u9", "password": "nope"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "198.51.100.4", "198.51.100.4"),
        ("10.0.0.2", "10.0.0.5, 10.0.0.4", "10.0.0.5"),
        ("10.0.0.2", "not-an-ip, 10.0.0.4", "10.0.0.4"),
        ("10.0.0.2", "198.51.100.4, ", "10.0.0.2"),
        ("::ffff:10.0.0.2", "2001:db8::7", "2001:db8::7"),
        ("", "198.51.100.4", None),
    ],
)
def test_client_ip_rules(settings: Any, remote: str, forwarded: str, expected: str | None) -> None:
    settings.HUB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
