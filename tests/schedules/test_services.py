"""Firing policies (missed, duplicate, overlap, retry), follow-up, notifications, retention."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from hub.executions.models import Execution
from hub.schedules import services, tasks
from hub.schedules.models import (
    NotificationDelivery,
    NotificationRule,
    Schedule,
    ScheduleRun,
)
from hub.schedules.notifications import deliver_notification
from hub.schedules.retention import prune_history
from hub.system.services import update_setting

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(owner: Any, host: Any) -> Schedule:
    return services.create_schedule(
        actor=owner,
        data={
            "name": "every5",
            "cron_expression": "*/5 * * * *",
            "timezone": "UTC",
            "target_kind": "script",
            "script_content": "echo hi\n",
            "target_hosts": [host],
        },
    )


def finish(run: ScheduleRun, status: str) -> Execution:
    Execution.objects.filter(pk=run.execution_id).update(status=status, finished_at=timezone.now())
    assert services.follow_up_execution(execution_id=run.execution_id)
    return Execution.objects.get(pk=run.execution_id)


def fire(schedule: Schedule, at: datetime, **kwargs: Any) -> ScheduleRun | None:
    return services.fire_schedule(schedule_id=schedule.pk, now=at, **kwargs)


def test_cron_fire_launches_a_schedule_execution(schedule: Schedule) -> None:
    at = timezone.now().replace(second=3, microsecond=0)
    run = fire(schedule, at)
    assert run is not None and run.status == "running" and run.trigger == "cron"
    assert run.scheduled_for == at.replace(minute=at.minute - at.minute % 5, second=0)
    assert run.execution.kind == "schedule" and run.execution.created_by == schedule.created_by
    assert fire(schedule, at + timedelta(seconds=20)) is None  # the same slot fired twice
    assert ScheduleRun.objects.count() == 1


def test_missed_run_is_recorded_not_caught_up(schedule: Schedule) -> None:
    """Beat was down: its catch-up fire, hours after the slot, does not run."""
    schedule.cron_expression = "0 3 * * *"
    schedule.save()
    at = datetime(2030, 1, 1, 9, 0, 2, tzinfo=UTC)
    run = fire(schedule, at)
    assert run is not None and run.status == "missed" and run.execution is None
    assert run.scheduled_for == datetime(2030, 1, 1, 3, 0, tzinfo=UTC)
    assert "not caught up" in run.message
    assert fire(schedule, at + timedelta(minutes=1)) is None  # that slot is done
    nxt = fire(schedule, datetime(2030, 1, 2, 3, 0, 4, tzinfo=UTC))
    assert nxt is not None and nxt.status == "running"
    update_setting(actor=None, key="schedules.misfire_grace_seconds", value=86400)
    late = fire(schedule, datetime(2030, 1, 3, 9, 0, tzinfo=UTC))
    assert late is not None and late.status == "skipped"  # in grace now; day 2 still runs


def test_disabled_schedule_does_not_fire_but_runs_now(owner: Any, schedule: Schedule) -> None:
    services.set_schedule_enabled(actor=owner, schedule=schedule, enabled=False)
    assert fire(schedule, timezone.now()) is None
    run = services.run_schedule_now(actor=owner, schedule=schedule)
    assert run.status == "running" and run.triggered_by == owner


def test_overlap_skip_and_queue(
    owner: Any, schedule: Schedule, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = services.run_schedule_now(actor=owner, schedule=schedule)
    skipped = services.run_schedule_now(actor=owner, schedule=schedule)
    assert skipped.status == "skipped" and skipped.execution is None
    schedule.overlap_policy = "queue"
    schedule.save()
    queued = services.run_schedule_now(actor=owner, schedule=schedule)
    extra = services.run_schedule_now(actor=owner, schedule=schedule)
    assert queued.status == "queued" and extra.status == "skipped"
    assert services.start_queued_run(run_id=queued.pk) is None  # first still running
    started: list[int] = []
    monkeypatch.setattr(tasks.start_queued_run_task, "delay", started.append)
    with django_capture_on_commit_callbacks(execute=True):
        finish(first, "success")
    assert started == [queued.pk]
    launched = services.start_queued_run(run_id=queued.pk)
    assert launched is not None and launched.status == "running" and launched.execution


def test_retry_after_failure_then_notify(
    owner: Any, schedule: Schedule, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    schedule.retry_count, schedule.retry_delay_seconds = 1, 42
    schedule.save()
    NotificationRule.objects.create(
        name="r",
        schedule=schedule,
        channel="email",
        email_to=["ops@example.test"],
        notify_on="failure",
    )
    retries: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.fire_schedule_task, "apply_async", lambda **kw: retries.append(kw))
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.deliver_notification_task, "delay", lambda *a: sent.append(a))
    first = services.run_schedule_now(actor=owner, schedule=schedule)
    with django_capture_on_commit_callbacks(execute=True):
        finish(first, "failed")
    assert first.__class__.objects.get(pk=first.pk).status == "failed"
    assert retries == [
        {
            "kwargs": {
                "schedule_id": schedule.pk,
                "trigger": "retry",
                "attempt": 2,
                "retry_of_id": first.pk,
            },
            "countdown": 42,
        }
    ]
    assert sent == []  # a retry follows: no failure notification yet
    retry = tasks.fire_schedule_task.run(**retries[0]["kwargs"])
    assert retry == "running"
    second = ScheduleRun.objects.get(trigger="retry")
    assert second.attempt == 2 and second.retry_of == first
    with django_capture_on_commit_callbacks(execute=True):
        finish(second, "failed")
    assert len(retries) == 1  # retries used up
    assert len(sent) == 1 and sent[0][1] == "failure" and sent[0][3] == second.pk
    assert tasks.deliver_notification_task.run(*sent[0]) == "sent"
    assert len(mail.outbox) == 1 and "every5" in mail.outbox[0].subject
    assert not services.follow_up_execution(execution_id=second.execution_id)  # idempotent


def test_launch_error_is_a_failed_run(owner: Any, schedule: Schedule, host: Any) -> None:
    host.account = None
    host.save()
    run = services.run_schedule_now(actor=owner, schedule=schedule)
    assert run.status == "error" and "No execution account" in run.message


def test_settings_change_applies_to_the_next_run(owner: Any, schedule: Schedule) -> None:
    first = services.run_schedule_now(actor=owner, schedule=schedule)
    assert first.execution.forks == 20 and first.execution.timeout == 3600
    finish(first, "success")
    update_setting(actor=None, key="execution.default_forks", value=7)
    update_setting(actor=None, key="execution.default_timeout", value=120)
    second = services.run_schedule_now(actor=owner, schedule=schedule)
    assert second.execution.forks == 7 and second.execution.timeout == 120


def test_reconcile_follows_up_what_the_hook_missed(owner: Any, schedule: Schedule) -> None:
    run = services.run_schedule_now(actor=owner, schedule=schedule)
    Execution.objects.filter(pk=run.execution_id).update(
        status="stopped", finished_at=timezone.now()
    )
    assert services.reconcile_schedule_runs() == [run.execution_id]
    assert ScheduleRun.objects.get(pk=run.pk).status == "stopped"
    assert services.reconcile_schedule_runs() == []


def test_webhook_is_signed(owner: Any, schedule: Schedule, webhook: Any) -> None:
    rule = NotificationRule.objects.create(
        name="hook",
        schedule=schedule,
        channel="webhook",
        webhook_url=webhook.url,
        webhook_secret="k3y",
        notify_on="always",
    )
    run = services.run_schedule_now(actor=owner, schedule=schedule)
    execution = finish(run, "success")
    delivery = deliver_notification(
        rule=rule, event="success", execution=execution, run=ScheduleRun.objects.get(pk=run.pk)
    )
    assert delivery.status == "sent" and delivery.response_code == 200
    headers, body, data = webhook.calls[0]
    expected = "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert headers["x-opsjob-signature"] == expected
    assert data["event"] == "success" and data["execution"]["id"] == execution.pk
    assert data["schedule"] == {"id": schedule.pk, "name": "every5"}
    webhook.status = 500
    failed = deliver_notification(rule=rule, event="test", is_test=True)
    assert failed.status == "failed" and failed.response_code == 500
    assert NotificationDelivery.objects.count() == 2


def test_prune_history(owner: Any, schedule: Schedule, tmp_path: Any, settings: Any) -> None:
    from hub.executions.logfiles import log_dir

    settings.EXECUTION_LOGS_DIR = tmp_path
    old = services.run_schedule_now(actor=owner, schedule=schedule)
    finish(old, "success")
    Execution.objects.filter(pk=old.execution_id).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    log_dir(old.execution_id).mkdir(parents=True)
    (log_dir(old.execution_id) / "h.log").write_text("x")
    running = Execution.objects.create(name="r", kind="plan", status="running")
    Execution.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert prune_history()["executions"] == 0  # 90 days by default
    update_setting(actor=None, key="logs.retention_days", value=30)
    result = prune_history()
    assert result["executions"] == 1 and result["schedule_runs"] == 0
    assert not Execution.objects.filter(pk=old.execution_id).exists()
    assert not log_dir(old.execution_id).exists()
    assert Execution.objects.filter(pk=running.pk).exists()
    assert ScheduleRun.objects.get(pk=old.pk).execution is None
