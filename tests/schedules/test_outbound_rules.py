"""Notification rules under the outbound policy: refused at save, refused again at send, and
a test send that tells a rule's owner nothing about what answered."""

# ruff: noqa: F811 - test arguments are fixtures imported from tests.core.test_outbound by name

from __future__ import annotations

from typing import Any

import pytest

from hub.audit.models import AuditLog
from hub.core import outbound
from hub.schedules.models import NotificationRule
from hub.schedules.notifications import FAILED
from tests.core.test_outbound import Stub, allow, closed_port, resolver, stub  # noqa: F401
from tests.helpers import err, ok

RULES = "/api/scheduler/notifications/"


@pytest.fixture
def schedule(api: Any, host: Any) -> dict[str, Any]:
    body = {"name": "s", "cron_expression": "0 3 * * *", "script_content": "true\n"}
    return ok(api.post("/api/scheduler/", {**body, "target_hosts": [host.pk]}), 201)


def hook(schedule: dict[str, Any], url: str) -> dict[str, Any]:
    return {"name": "h", "schedule": schedule["id"], "channel": "webhook", "webhook_url": url}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost:8000/admin/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://internal.test/",
    ],
)
def test_rule_with_a_refused_url_is_a_field_error(
    api: Any, resolver: list[str], schedule: dict[str, Any], url: str
) -> None:
    errors = err(api.post(RULES, hook(schedule, url)), 400, "webhook_url")
    # Django's URLValidator already refuses 2130706433 and 0177.0.0.1 (the guard does too,
    # see tests/core/test_outbound.py).
    assert errors["webhook_url"][0].startswith(("Refused by policy: ", "Enter a valid URL."))
    assert not NotificationRule.objects.exists()


def test_rule_is_saved_once_the_network_is_allowed(api: Any, schedule: dict[str, Any]) -> None:
    allow("127.0.0.0/8")
    ok(api.post(RULES, hook(schedule, "http://127.0.0.1:6379/")), 201)


def test_send_time_check_refuses_what_was_allowed_at_save(
    api: Any, schedule: dict[str, Any], stub: Stub
) -> None:
    allow("127.0.0.1/32")
    rule = ok(api.post(RULES, hook(schedule, f"{stub.url}/hook")), 201)
    allow("")
    delivery = ok(api.post(f"{RULES}{rule['id']}/test/"), 201)
    assert delivery["status"] == "failed" and delivery["response_code"] is None
    assert delivery["error"] == "Refused by policy: the host resolves to a loopback address."
    assert stub.requests == []


def test_redirect_to_a_refused_address_is_refused_at_the_hop(
    api: Any, schedule: dict[str, Any], stub: Stub
) -> None:
    allow("127.0.0.1/32")
    stub.routes["/hook"] = (307, {"Location": "http://127.0.0.2:6379/"})
    rule = ok(api.post(RULES, hook(schedule, f"{stub.url}/hook")), 201)
    delivery = ok(api.post(f"{RULES}{rule['id']}/test/"), 201)
    assert delivery["status"] == "failed" and "Refused by policy" in delivery["error"]


def test_test_action_says_the_same_for_a_closed_port_and_a_403(
    api: Any, client_for: Any, admin: Any, schedule: dict[str, Any], stub: Stub, closed_port: int
) -> None:
    allow("127.0.0.1/32")
    stub.routes["/hook"] = (403, {})
    answers = []
    for url in (f"http://127.0.0.1:{closed_port}/hook", f"{stub.url}/hook"):
        rule = ok(api.post(RULES, hook(schedule, url)), 201)
        delivery = ok(api.post(f"{RULES}{rule['id']}/test/"), 201)
        answers.append((delivery["status"], delivery["error"], delivery["response_code"]))
    assert answers == [("failed", FAILED, None), ("failed", FAILED, None)]
    assert "403" not in str(list(AuditLog.objects.values_list("detail", flat=True)))
    # Administrators see the reply code of the stub (the network error is in the log only).
    deliveries = ok(client_for(admin).get(f"{RULES}{rule['id']}/deliveries/"))["results"]
    assert deliveries[0]["response_code"] == 403 and deliveries[0]["error"] == FAILED


def test_sent_delivery_goes_to_the_checked_address(
    api: Any, resolver: list[str], schedule: dict[str, Any], stub: Stub
) -> None:
    allow("127.0.0.1/32")
    rule = ok(api.post(RULES, hook(schedule, f"http://hook.test:{stub.port}/in")), 201)
    resolver.clear()
    delivery = ok(api.post(f"{RULES}{rule['id']}/test/"), 201)
    assert delivery["status"] == "sent" and delivery["response_code"] == 200
    assert resolver == ["hook.test"]
    assert stub.requests == [("POST", "/in", f"hook.test:{stub.port}")]


@pytest.mark.parametrize(
    "address", ["ops@[127.0.0.1]", '"ops,evil@example.com"@example.com', "a@b.test\nBcc: x@y.z"]
)
def test_email_recipients_are_plain_addresses(
    api: Any, schedule: dict[str, Any], address: str
) -> None:
    body = {"name": "m", "schedule": schedule["id"], "channel": "email", "email_to": [address]}
    err(api.post(RULES, body, format="json"), 400, "email_to")


def test_the_setting_is_registered() -> None:
    from hub.system.registry import SPECS

    assert SPECS[outbound.ALLOW_SETTING].default == ""
