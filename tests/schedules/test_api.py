"""Schedules and notification rules through the API: CRUD, beat sync, perms, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask

from hub.audit.models import AuditLog
from hub.core.crypto import MASK
from hub.core.permissions import grant
from hub.executions.models import Execution
from hub.schedules.models import NotificationRule, Schedule
from tests.factories import make_script
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db
URL = "/api/scheduler/"
RULES = "/api/scheduler/notifications/"


def payload(host: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "nightly",
        "cron_expression": "30 2 * * *",
        "timezone": "Europe/Berlin",
        "script_content": "echo hi\n",
        "target_hosts": [host.pk],
        **extra,
    }


@pytest.fixture
def schedule(api: Any, host: Any) -> dict[str, Any]:
    return ok(api.post(URL, payload(host)), 201)


def test_create_syncs_beat_and_describes(schedule: dict[str, Any]) -> None:
    assert schedule["target_kind"] == "script" and schedule["enabled"] is True
    assert schedule["cron_description"] == "At 02:30"
    assert len(schedule["next_runs"]) == 5 and schedule["next_runs"][0].endswith(
        ("+01:00", "+02:00")
    )
    assert schedule["perms"] == ["view", "change", "delete", "execute"]
    task = PeriodicTask.objects.get(name=f"opsjob-schedule-{schedule['id']}")
    assert task.task == "schedules.fire" and task.args == f"[{schedule['id']}]"
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == (
        "30",
        "2",
        "Europe/Berlin",
    )
    assert AuditLog.objects.filter(object_type="schedules.schedule", action="create").exists()


def test_edit_disable_enable_delete(api: Any, schedule: dict[str, Any]) -> None:
    url = f"{URL}{schedule['id']}/"
    edited = ok(api.patch(url, {"cron_expression": "*/10 * * * *", "timezone": "UTC"}))
    assert edited["cron_description"] == "Every 10 minutes"
    task = PeriodicTask.objects.get(name=f"opsjob-schedule-{schedule['id']}")
    assert task.crontab.minute == "*/10" and str(task.crontab.timezone) == "UTC"
    assert ok(api.post(f"{url}disable/"))["enabled"] is False
    assert PeriodicTask.objects.get(pk=task.pk).enabled is False
    assert ok(api.post(f"{url}enable/"))["enabled"] is True
    assert PeriodicTask.objects.get(pk=task.pk).enabled is True
    assert api.delete(url).status_code == 204
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()


def test_preview(api: Any) -> None:
    body = ok(
        api.post(
            f"{URL}preview/", {"cron_expression": "0 9 * * mon-fri", "timezone": "America/New_York"}
        )
    )
    assert body["description"] == "At 09:00, Monday through Friday"
    assert len(body["next_runs"]) == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cron_expression": "99 * * * *"}, "cron_expression"),
        ({"cron_expression": "* * *"}, "cron_expression"),
        ({"cron_expression": 5}, "cron_expression"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"count": 500}, "count"),
        ({}, "cron_expression"),
    ],
)
def test_preview_bad_input(api: Any, body: dict[str, Any], field: str) -> None:
    err(
        api.post(f"{URL}preview/", {"cron_expression": "* * * * *", **body} if body else {}),
        400,
        field,
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"cron_expression": "0 0 31 2 * *"}, "cron_expression"),
        ({"cron_expression": "every day"}, "cron_expression"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"script_content": ""}, "script_content"),
        ({"target_hosts": []}, "target_hosts"),
        ({"target_hosts": [999999]}, "target_hosts"),
        ({"retry_count": 11}, "retry_count"),
        ({"retry_delay_seconds": 0}, "retry_delay_seconds"),
        ({"overlap_policy": "both"}, "overlap_policy"),
        ({"variables": "x"}, "variables"),
        ({"parameters": {"a": True}}, "parameters"),
        ({"target_kind": "plan"}, "plan"),
        ({"plan": 999999}, "plan"),
        ({"script": 999999}, "script"),
    ],
)
def test_create_bad_input_names_the_field(
    api: Any, host: Any, extra: dict[str, Any], field: str
) -> None:
    err(api.post(URL, payload(host, **extra)), 400, field)
    assert not Schedule.objects.exists()


def test_unknown_version_and_duplicate_name(
    api: Any, owner: Any, host: Any, schedule: dict[str, Any]
) -> None:
    err(api.post(URL, payload(host)), 400, "name")
    script = make_script(owner, name="lib")
    err(
        api.post(
            URL, payload(host, name="other", script_content="", script=script.pk, script_version=7)
        ),
        400,
        "script_version",
    )


def test_library_script_secret_parameters_are_masked(api: Any, owner: Any, host: Any) -> None:
    script = make_script(
        owner,
        name="lib",
        content='echo "$msg"\n',
        parameters=[
            {"name": "msg", "type": "string", "default": "hi"},
            {"name": "token", "type": "secret"},
        ],
    )
    created = ok(
        api.post(
            URL,
            payload(
                host,
                script_content="",
                script=script.pk,
                parameters={"msg": "m", "token": "t0p-s3cret"},
            ),
        ),
        201,
    )
    assert created["parameters"] == {"msg": "m", "token": MASK}
    stored = Schedule.objects.get(pk=created["id"])
    assert stored.parameters == {"msg": "m"} and stored.secret_value_map == {"token": "t0p-s3cret"}
    ok(api.patch(f"{URL}{created['id']}/", {"parameters": {"msg": "n", "token": MASK}}))
    stored.refresh_from_db()
    assert stored.secret_value_map == {"token": "t0p-s3cret"}
    assert "t0p-s3cret" not in str(list(AuditLog.objects.values_list("changes", flat=True)))


def test_permissions(
    client_for: Any, member: Any, outsider: Any, host: Any, schedule: dict[str, Any]
) -> None:
    url = f"{URL}{schedule['id']}/"
    stranger = client_for(outsider)
    assert ok(stranger.get(URL))["count"] == 0
    err(stranger.get(url), 404)
    err(stranger.post(f"{url}run_now/"), 404)
    err(stranger.get(f"{url}history/"), 404)
    err(client_for(None).get(URL), 401)
    err(client_for(None).post(f"{URL}preview/", {"cron_expression": "* * * * *"}), 401)
    viewer = client_for(member)
    grant(member, Schedule.objects.get(pk=schedule["id"]), ["view"])
    assert ok(viewer.get(url))["perms"] == ["view"]
    err(viewer.patch(url, {"name": "x"}), 403)
    err(viewer.post(f"{url}disable/"), 403)
    err(viewer.post(f"{url}run_now/"), 403)
    err(viewer.delete(url), 403)
    assert ok(viewer.get(f"{url}history/"))["count"] == 0
    err(viewer.post(URL, payload(host, name="mine")), 400, "target_hosts")


def test_cannot_schedule_what_you_may_not_run(client_for: Any, member: Any, host: Any) -> None:
    grant(member, host, ["view"])
    err(client_for(member).post(URL, payload(host)), 403, "target_hosts")


def test_run_now_and_history(api: Any, schedule: dict[str, Any]) -> None:
    url = f"{URL}{schedule['id']}/"
    run = ok(api.post(f"{url}run_now/"), 201)
    assert run["trigger"] == "manual" and run["status"] == "running"
    execution = Execution.objects.get(pk=run["execution"]["id"])
    assert execution.kind == "schedule" and execution.name == "nightly"
    history = ok(api.get(f"{url}history/"))
    assert history["count"] == 1 and history["results"][0]["execution_status"] == "pending"
    second = ok(api.post(f"{url}run_now/"), 201)
    assert second["status"] == "skipped" and "still running" in second["message"]
    assert ok(api.get(f"{url}history/", {"status": "skipped"}))["count"] == 1


@pytest.mark.usefixtures("allow_loopback")
def test_notification_rules(
    api: Any, client_for: Any, outsider: Any, schedule: dict[str, Any]
) -> None:
    rule = ok(
        api.post(
            RULES,
            {
                "name": "ops hook",
                "schedule": schedule["id"],
                "channel": "webhook",
                "notify_on": "failure",
                "webhook_url": "http://127.0.0.1:9/hook",
                "webhook_secret": "hook-s3cret",
            },
        ),
        201,
    )
    assert "webhook_secret" not in rule and rule["has_webhook_secret"] is True
    stored = NotificationRule.objects.get(pk=rule["id"])
    assert stored.webhook_secret == "hook-s3cret"
    ok(api.patch(f"{RULES}{rule['id']}/", {"name": "renamed", "webhook_secret": MASK}))
    stored.refresh_from_db()
    assert stored.webhook_secret == "hook-s3cret" and stored.name == "renamed"
    delivery = ok(api.post(f"{RULES}{rule['id']}/test/"), 201)
    assert delivery["status"] == "failed" and delivery["is_test"] is True
    assert ok(api.get(f"{RULES}{rule['id']}/deliveries/"))["count"] == 1
    err(client_for(outsider).post(f"{RULES}{rule['id']}/test/"), 404)
    assert "hook-s3cret" not in str(list(AuditLog.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "webhook"}, "webhook_url"),
        ({"channel": "webhook", "webhook_url": "ftp://x/"}, "webhook_url"),
        ({"channel": "email"}, "email_to"),
        ({"channel": "email", "email_to": ["not-an-address"]}, "email_to"),
        ({"channel": "sms"}, "channel"),
        ({"channel": "email", "email_to": ["a@b.test"], "notify_on": "never"}, "notify_on"),
        ({"channel": "email", "email_to": ["a@b.test"], "schedule": None}, "schedule"),
    ],
)
def test_rule_bad_input(
    api: Any, schedule: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    err(api.post(RULES, {"name": "r", "schedule": schedule["id"], **body}), 400, field)


def test_rule_needs_change_on_its_target(
    client_for: Any, member: Any, schedule: dict[str, Any]
) -> None:
    grant(member, Schedule.objects.get(pk=schedule["id"]), ["view"])
    err(
        client_for(member).post(
            RULES,
            {"name": "r", "schedule": schedule["id"], "channel": "email", "email_to": ["a@b.test"]},
        ),
        400,
        "schedule",
    )
