"""A schedule firing through the real Celery worker onto sshd hosts; retry; signed webhook."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from hub.executions.models import HostResult
from hub.schedules import tasks
from hub.schedules.models import ScheduleRun
from hub.schedules.services import on_execution_finished
from tests.helpers import ok
from tests.integration.conftest import wait_finished, wait_for

pytestmark = pytest.mark.integration
URL = "/api/scheduler/"


def create(hub: Any, **extra: Any) -> dict[str, Any]:
    return ok(
        hub.post(
            URL,
            {
                "cron_expression": "* * * * *",
                "timezone": "UTC",
                "target_hosts": [hub.good[0]],
                "account": hub.account_id,
                **extra,
            },
            format="json",
        ),
        201,
    )


def test_beat_fire_runs_on_an_sshd_host(hub: Any) -> None:
    schedule = create(hub, name="probe", script_content="echo scheduled-run $(whoami)\n")
    # What beat sends, called in-process: the worker's ContentType cache is stale after the
    # transactional flush between tests (see the report), the execution runs on the worker.
    assert tasks.fire_schedule_task(schedule["id"]) == "running"
    run = wait_for(
        lambda: ScheduleRun.objects.filter(
            schedule_id=schedule["id"], execution__isnull=False
        ).first()
    )
    assert run.trigger == "cron" and run.scheduled_for is not None
    execution = wait_finished(run.execution_id)
    assert execution.status == "success" and execution.kind == "schedule", execution.error
    result = HostResult.objects.get(execution=execution)
    assert "scheduled-run" in result.output_tail and result.rc == 0
    on_execution_finished(execution.pk)  # the engine hook
    history = ok(hub.get(f"{URL}{schedule['id']}/history/"))
    assert history["results"][0]["status"] == "success"
    assert history["results"][0]["execution"]["id"] == execution.pk


def test_failed_run_retries_then_webhook_is_signed(hub: Any, webhook: Any) -> None:
    schedule = create(
        hub,
        name="flaky",
        script_content="echo failing; exit 3\n",
        retry_count=1,
        retry_delay_seconds=1,
    )
    ok(
        hub.post(
            "/api/scheduler/notifications/",
            {
                "name": "hook",
                "schedule": schedule["id"],
                "channel": "webhook",
                "webhook_url": webhook.url,
                "webhook_secret": "s1gn",
                "notify_on": "failure",
            },
            format="json",
        ),
        201,
    )
    first = ok(hub.post(f"{URL}{schedule['id']}/run_now/"), 201)
    assert wait_finished(first["execution"]["id"]).status == "failed"
    # The worker's engine hook schedules the retry (countdown 1 s) and the worker runs it.
    retry = wait_for(
        lambda: ScheduleRun.objects.filter(
            schedule_id=schedule["id"], trigger="retry", execution__isnull=False
        ).first(),
        timeout=60,
    )
    assert retry.attempt == 2 and retry.retry_of_id == first["id"]
    assert wait_finished(retry.execution_id).status == "failed"
    wait_for(lambda: webhook.calls, timeout=30)
    assert len(webhook.calls) == 1  # the first failure was retried, not notified
    headers, body, data = webhook.calls[0]
    assert (
        headers["x-opsjob-signature"]
        == "sha256=" + hmac.new(b"s1gn", body, hashlib.sha256).hexdigest()
    )
    assert data["event"] == "failure" and data["run"]["attempt"] == 2
    assert data["execution"]["id"] == retry.execution_id
    assert data["execution"]["status"] == "failed"
    assert ScheduleRun.objects.filter(schedule_id=schedule["id"]).count() == 2
