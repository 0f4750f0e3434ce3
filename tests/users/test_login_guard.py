"""Growing login delays per account and per address, shared through the cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from hub.audit.models import AuditLog
from hub.users import login_guard
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(login_guard, "now", fake)
    return fake


def login(username: str, password: str, address: str) -> Any:
    return APIClient().post(
        "/api/auth/login/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def test_failures_from_many_addresses_delay_the_account(
    owner: Any, clock: Clock, settings: Any
) -> None:
    for n in range(12):
        clock.advance(settings.LOGIN_MAX_DELAY_SECONDS)  # past any wait: each one is evaluated
        err(login("owner", "nope", f"198.51.100.{n + 1}"), 401, "password")
    response = login("owner", RIGHT, "203.0.113.50")
    errors = err(response, 429, "username")
    wait = 2 ** (12 - settings.LOGIN_FAILURE_LIMIT)
    assert int(response["Retry-After"]) == errors["retry_after"] == wait
    assert "try again in" in errors["username"][0]
    clock.advance(wait - 1)
    err(login("owner", RIGHT, "203.0.113.50"), 429, "username")
    clock.advance(1)
    assert ok(login("owner", RIGHT, "203.0.113.50"))["user"]["username"] == "owner"


def test_success_resets_the_account_counter(owner: Any, clock: Clock, settings: Any) -> None:
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        err(login("owner", "nope", f"198.51.100.{n + 1}"), 401, "password")
    clock.advance(1)
    ok(login("owner", RIGHT, "203.0.113.50"))
    err(login("owner", "nope", "203.0.113.51"), 401, "password")
    err(login("owner", "nope", "203.0.113.52"), 401, "password")


def test_delay_grows_and_is_capped(settings: Any) -> None:
    limit, cap = settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_MAX_DELAY_SECONDS
    delays = [login_guard.delay_for(n, limit) for n in range(limit + 40)]
    assert delays[:limit] == [0] * limit
    assert delays[limit : limit + 4] == [1, 2, 4, 8]
    assert max(delays) == cap and delays[-1] == cap


def test_attempts_during_the_delay_neither_count_nor_check_the_password(
    owner: Any, clock: Clock, settings: Any
) -> None:
    for n in range(settings.LOGIN_FAILURE_LIMIT + 1):
        clock.advance(settings.LOGIN_MAX_DELAY_SECONDS)
        err(login("owner", "nope", f"198.51.100.{n + 1}"), 401, "password")
    for _ in range(20):
        err(login("owner", "nope", "203.0.113.9"), 429, "username")
    clock.advance(2)  # 2 ** 1: the refused attempts did not make the wait longer
    ok(login("owner", RIGHT, "203.0.113.9"))


def test_many_usernames_from_one_address_delay_that_address(
    owner: Any, clock: Clock, settings: Any
) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    for n in range(10):
        err(login(f"guess{n}", "nope", "192.0.2.77"), 401, "password")
    errors = err(login("owner", RIGHT, "192.0.2.77"), 429, "username")
    assert errors["retry_after"] == 1
    assert ok(login("owner", RIGHT, "192.0.2.78"))["user"]["username"] == "owner"


def test_failures_and_the_delay_they_start_are_audited(
    owner: Any, clock: Clock, settings: Any
) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login("owner", "nope", "198.51.100.1")
    rows = AuditLog.objects.filter(action="login_failed", username="owner").order_by("id")
    assert [r.detail["account_failures"] for r in rows] == list(
        range(1, settings.LOGIN_FAILURE_LIMIT + 1)
    )
    assert rows.last().detail["delay_seconds"] == 1  # type: ignore[union-attr]
    assert {r.ip for r in rows} == {"198.51.100.1"}


def test_username_case_does_not_split_the_account_counter(
    owner: Any, clock: Clock, settings: Any
) -> None:
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        login("OWNER" if n % 2 else "owner", "nope", f"198.51.100.{n + 1}")
    err(login("Owner", RIGHT, "203.0.113.50"), 429, "username")


def test_django_admin_login_shares_the_delay(admin: Any, clock: Clock, settings: Any) -> None:
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        login("root-admin", "nope", f"198.51.100.{n + 1}")
    form = {"username": "root-admin", "password": RIGHT, "next": "/admin/"}
    refused = Client(REMOTE_ADDR="203.0.113.50").post("/admin/login/", form)
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    clock.advance(1)
    allowed = Client(REMOTE_ADDR="203.0.113.50").post("/admin/login/", form)
    assert allowed.status_code == 302 and allowed.client.session["_auth_user_id"]


def test_failed_admin_logins_count_too(owner: Any, clock: Clock, settings: Any) -> None:
    form = {"username": "owner", "password": "nope", "next": "/admin/"}
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post("/admin/login/", form)
    err(login("owner", RIGHT, "203.0.113.50"), 429, "username")
    assert AuditLog.objects.filter(action="login_failed", username="owner").count() == (
        settings.LOGIN_FAILURE_LIMIT
    )
