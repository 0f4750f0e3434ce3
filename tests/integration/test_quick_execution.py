"""Quick scripts on real sshd hosts through a real Celery worker and Redis."""

from __future__ import annotations

from typing import Any

import pytest

from hub.executions.models import Execution, HostResult
from tests.helpers import ok
from tests.integration.conftest import wait_finished

pytestmark = pytest.mark.integration


def launch(hub: Any, **payload: Any) -> int:
    body = {"account_id": hub.account_id, **payload}
    return ok(hub.post("/api/quick/execute_script/", body, format="json"), 201)["execution_id"]


def test_quick_script_on_three_hosts(hub: Any) -> None:
    execution_id = launch(
        hub,
        script_content="echo hello from $(hostname) $GREETING\nexit 0\n",
        parameters={"GREETING": "wörld"},
        target_host_ids=hub.good[:3],
    )
    execution = wait_finished(execution_id)
    assert execution.status == "success", execution.error
    results = list(HostResult.objects.filter(execution=execution))
    assert len(results) == 3 and {r.status for r in results} == {"success"}
    assert {r.rc for r in results} == {0}
    detail = ok(hub.get(f"/api/executor/execution-records/{execution_id}/"))
    assert detail["summary"]["total"] == 3 and detail["success_rate"] == 100.0
    assert len(detail["result_groups"]) == 1 and detail["result_groups"][0]["count"] == 3
    host = results[0].host_name
    log = ok(hub.get(f"/api/executor/execution-records/{execution_id}/logs/", {"host": host}))
    assert "hello from" in log["text"] and "wörld" in log["text"]


def test_unreachable_and_wrong_key_hosts(hub: Any) -> None:
    execution_id = launch(
        hub, script_content="true\n", target_host_ids=[hub.good[0], hub.unreachable, hub.wrong_key]
    )
    execution = wait_finished(execution_id)
    assert execution.status == "partial"
    statuses = dict(HostResult.objects.filter(execution=execution).values_list("host_id", "status"))
    assert statuses[hub.good[0]] == "success"
    assert statuses[hub.unreachable] == "unreachable"
    assert statuses[hub.wrong_key] == "unreachable"
    wrong = HostResult.objects.get(execution=execution, host_id=hub.wrong_key)
    assert "Permission denied" in wrong.message
    assert Execution.objects.get(pk=execution_id).summary["unreachable"] == 2
