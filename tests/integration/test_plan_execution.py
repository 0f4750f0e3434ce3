"""Plans on real hosts: ignore_errors, timeouts, stop, pause/resume, concurrent runs."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from hub.executions.models import Execution, ExecutionEvent, HostResult
from tests.helpers import ok
from tests.integration.conftest import (
    execute_plan,
    make_plan,
    remote_processes,
    wait_finished,
    wait_for,
)

pytestmark = pytest.mark.integration


def statuses(execution_id: int, step: int) -> set[str]:
    return set(
        HostResult.objects.filter(execution_id=execution_id, step__index=step).values_list(
            "status", flat=True
        )
    )


def test_two_step_plan_with_ignore_errors_and_variables(hub: Any) -> None:
    plan = make_plan(
        hub,
        [
            {
                "name": "fails but ignored",
                "script_content": "echo step1 $ENV_NAME; exit 3",
                "ignore_errors": True,
            },
            {"name": "second", "script_content": 'echo "second $ENV_NAME $TOKEN"'},
        ],
        variables=[
            {"name": "ENV_NAME", "var_type": "string", "value": "prod"},
            {"name": "TOKEN", "var_type": "secret", "value": "tok-s3cret-value"},
        ],
    )
    execution = wait_finished(execute_plan(hub, plan["id"], variables={"ENV_NAME": "staging"}))
    assert execution.status == "success", execution.error
    assert statuses(execution.pk, 1) == {"failed"}
    assert set(
        HostResult.objects.filter(execution=execution, step__index=1).values_list("rc", flat=True)
    ) == {3}
    assert statuses(execution.pk, 2) == {"success"}
    texts = "".join(
        ExecutionEvent.objects.filter(execution=execution, kind="output").values_list(
            "text", flat=True
        )
    )
    assert "step1 staging" in texts and "second staging ******" in texts
    assert "tok-s3cret-value" not in texts
    assert execution.parameters["TOKEN"] == "******"


def test_failing_step_without_ignore_stops_the_host(hub: Any) -> None:
    plan = make_plan(
        hub,
        [
            {"name": "boom", "script_content": "exit 7"},
            {"name": "never", "script_content": "echo never"},
        ],
        name="stops",
    )
    execution = wait_finished(execute_plan(hub, plan["id"]))
    assert execution.status == "failed"
    assert statuses(execution.pk, 1) == {"failed"}
    assert statuses(execution.pk, 2) == {"skipped"}


def test_step_timeout_kills_the_remote_process(hub: Any) -> None:
    marker = f"hubtimeout{uuid.uuid4().hex[:8]}"
    plan = make_plan(
        hub,
        [{"name": "slow", "script_content": f"sh -c 'sleep 30; true {marker}'\n", "timeout": 2}],
        name="timeout",
    )
    started = time.monotonic()
    execution_id = execute_plan(hub, plan["id"])
    wait_for(lambda: len(remote_processes(marker)) >= 2, timeout=30)
    execution = wait_finished(execution_id)
    assert execution.status == "timeout"
    assert time.monotonic() - started < 25
    assert statuses(execution.pk, 1) == {"timeout"}
    assert remote_processes(marker) == []


def test_stop_terminates_run_and_remote_processes(hub: Any) -> None:
    marker = f"hubstop{uuid.uuid4().hex[:8]}"
    reply = ok(
        hub.post(
            "/api/quick/execute_script/",
            {
                "script_content": f"echo started; sh -c 'sleep 300; true {marker}'\n",
                "target_host_ids": hub.good[:2],
                "account_id": hub.account_id,
            },
            format="json",
        ),
        201,
    )
    execution_id = reply["execution_id"]
    wait_for(lambda: len(remote_processes(marker)) >= 2, timeout=30)
    ok(hub.post(f"/api/executor/execution-records/{execution_id}/stop/"))
    execution = wait_finished(execution_id, timeout=30)
    assert execution.status == "stopped"
    assert statuses(execution_id, 1) == {"stopped"}
    assert wait_for(lambda: remote_processes(marker) == [], timeout=10) is True


def test_pause_holds_next_step_until_resume(hub: Any) -> None:
    plan = make_plan(
        hub,
        [
            {"name": "first", "script_content": "sleep 2; echo first"},
            {"name": "second", "script_content": "echo second"},
        ],
        name="pause",
    )
    execution_id = execute_plan(hub, plan["id"])
    ok(hub.post(f"/api/executor/execution-records/{execution_id}/pause/"))
    wait_for(lambda: Execution.objects.get(pk=execution_id).status == "paused", timeout=30)
    time.sleep(2)
    assert not HostResult.objects.filter(
        execution_id=execution_id, step__index=2, started_at__isnull=False
    ).exists()
    ok(hub.post(f"/api/executor/execution-records/{execution_id}/resume/"))
    execution = wait_finished(execution_id)
    assert execution.status == "success"
    assert statuses(execution_id, 2) == {"success"}


def test_two_executions_at_once_do_not_mix(hub: Any) -> None:
    ids = [
        ok(
            hub.post(
                "/api/quick/execute_script/",
                {
                    "script_content": f"for i in 1 2 3; do echo run{n}-$i; sleep 0.3; done",
                    "target_host_ids": hub.good[:2],
                    "account_id": hub.account_id,
                },
                format="json",
            ),
            201,
        )["execution_id"]
        for n in (1, 2)
    ]
    for n, execution_id in enumerate(ids, start=1):
        execution = wait_finished(execution_id)
        assert execution.status == "success"
        text = "".join(
            ExecutionEvent.objects.filter(execution=execution, kind="output").values_list(
                "text", flat=True
            )
        )
        assert text.count(f"run{n}-") == 6 and f"run{3 - n}-" not in text


def test_retry_failed_runs_only_failed_hosts(hub: Any) -> None:
    reply = ok(
        hub.post(
            "/api/quick/execute_script/",
            {
                "script_content": "true",
                "target_host_ids": [hub.good[0], hub.unreachable],
                "account_id": hub.account_id,
            },
            format="json",
        ),
        201,
    )
    first = wait_finished(reply["execution_id"])
    assert first.status == "partial"
    retry = ok(hub.post(f"/api/executor/execution-records/{first.pk}/retry_failed/"), 201)
    second = wait_finished(retry["execution_id"])
    assert [t["id"] for t in second.targets] == [hub.unreachable]
    assert second.retry_of_id == first.pk and second.status == "unreachable"
