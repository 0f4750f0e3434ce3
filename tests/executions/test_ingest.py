"""Nothing recorded is lost: events wait in the Redis stream until the database has them."""

from __future__ import annotations

from typing import Any

import pytest

from hub.executions import stream
from hub.executions.engine import recover_lost_executions
from hub.executions.ingest import StreamIngester
from hub.executions.models import Execution, ExecutionEvent, ExecutionStep, HostResult
from hub.executions.project import run_root

pytestmark = pytest.mark.django_db


def running_execution(owner: Any) -> Execution:
    execution = Execution.objects.create(
        name="x",
        kind="quick_script",
        status="running",
        created_by=owner,
        targets=[{"id": None, "name": "h1"}],
        spec={"steps": [{"index": 1, "host_ids": []}]},
    )
    step = ExecutionStep.objects.create(execution=execution, index=1, name="s", step_type="script")
    HostResult.objects.create(execution=execution, step=step, host_name="h1")
    stream.client().delete(stream.stream_key(execution.pk), stream.seq_key(execution.pk))
    stream.mark_active(execution.pk)
    return execution


def emit_run(execution_id: int, lines: int) -> None:
    stream.append_event(execution_id, {"kind": "step_start", "step": 1})
    stream.append_event(execution_id, {"kind": "host_start", "step": 1, "host": "h1"})
    for i in range(lines):
        stream.append_event(
            execution_id,
            {"kind": "output", "step": 1, "host": "h1", "stream": "stdout", "text": f"line {i}\n"},
        )


def pending(execution_id: int) -> int:
    return stream.client().xpending(stream.stream_key(execution_id), stream.DB_GROUP)["pending"]


@pytest.mark.django_db(transaction=True)  # the writer closes its broken connection
def test_a_failed_database_write_is_retried_not_lost(owner: Any, monkeypatch: Any) -> None:
    execution = running_execution(owner)
    emit_run(execution.pk, 50)
    ingester = StreamIngester(execution.pk)
    original = ExecutionEvent.objects.bulk_create
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(ExecutionEvent.objects, "bulk_create", flaky)
    assert ingester.step(block_ms=10) == -1
    assert ExecutionEvent.objects.filter(execution=execution).count() == 0
    assert pending(execution.pk) == 52  # read, not acknowledged
    assert ingester.step(block_ms=10) == 52
    assert pending(execution.pk) == 0
    seqs = list(ExecutionEvent.objects.filter(execution=execution).values_list("seq", flat=True))
    assert seqs == list(range(1, 53))


def test_a_lost_worker_is_recovered_with_its_events(owner: Any) -> None:
    execution = running_execution(owner)
    emit_run(execution.pk, 10)
    stream.append_event(
        execution.pk, {"kind": "host_result", "step": 1, "host": "h1", "status": "success", "rc": 0}
    )
    stream.client().delete(stream.alive_key(execution.pk))  # the worker stopped beating
    left = run_root() / str(execution.pk) / "project"  # what a dead worker leaves behind
    (left / "keys").mkdir(parents=True)
    (left / "keys" / "acct_1").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (left / "vars").mkdir()
    (left / "vars" / "secrets.yml").write_text("step_1_secret_1: s3cret\n")
    assert recover_lost_executions() == [execution.pk]
    assert not left.parent.exists()  # decrypted key and secrets removed with the run dir
    execution.refresh_from_db()
    assert execution.status == "failed" and "worker" in execution.error
    kinds = list(ExecutionEvent.objects.filter(execution=execution).values_list("kind", flat=True))
    assert kinds.count("output") == 10 and kinds[-1] == "end"
    assert HostResult.objects.get(execution=execution).status == "success"
    assert execution.pk not in stream.active_executions()


def test_a_live_worker_is_left_alone(owner: Any) -> None:
    execution = running_execution(owner)
    emit_run(execution.pk, 1)
    assert recover_lost_executions() == []
    execution.refresh_from_db()
    assert execution.status == "running"
    stream.retire(execution.pk)
