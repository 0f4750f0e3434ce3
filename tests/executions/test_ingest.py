"""Nothing recorded is lost: events wait in the Redis stream until the database has them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from hub.executions import stream
from hub.executions.engine import _leftovers, finalize_execution, recover_lost_executions
from hub.executions.ingest import StreamIngester
from hub.executions.models import Execution, ExecutionEvent, ExecutionStep, HostResult
from hub.executions.project import run_root
from hub.jobs.compiler import (
    ConnectionSpec,
    HostSpec,
    Leftover,
    ProjectSpec,
    StepSpec,
    compile_cleanup,
)

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


class _Loader(yaml.SafeLoader):
    """Reads the compiled YAML (Ansible's !unsafe tag: a plain string here)."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def result(execution_id: int, host: str, status: str = "success") -> None:
    stream.append_event(
        execution_id, {"kind": "host_result", "step": 1, "host": host, "status": status, "rc": 0}
    )


def two_host_run(owner: Any) -> Execution:
    execution = running_execution(owner)
    HostResult.objects.create(execution=execution, step=execution.steps.get(), host_name="h2")
    emit_run(execution.pk, 2)
    stream.append_event(execution.pk, {"kind": "host_start", "step": 1, "host": "h2"})
    for host in ("h1", "h2"):
        start = {"kind": "remote_start", "step": 1, "host": host, "dir": f"hub-ls.{host}0000"}
        stream.append_event(execution.pk, start)
    result(execution.pk, "h1", "failed")  # still in Redis only: recovery must write it first
    stream.client().delete(stream.alive_key(execution.pk))
    return execution


def test_recovery_keeps_recorded_results_and_marks_only_the_unfinished_lost(owner: Any) -> None:
    execution = two_host_run(owner)
    assert recover_lost_executions() == [execution.pk]
    execution.refresh_from_db()
    assert execution.status == "failed" and "worker" in execution.error
    hosts = {r.host_name: r for r in HostResult.objects.filter(execution=execution)}
    assert hosts["h1"].status == "failed"  # its real result, recorded before the loss
    assert hosts["h2"].status == "lost" and "worker running this execution was lost" in (
        hosts["h2"].message
    )
    assert execution.summary["lost"] == 1 and execution.summary["failed"] == 1
    assert ExecutionStep.objects.get(execution=execution).status == "failed"
    ends = ExecutionEvent.objects.filter(execution=execution, kind="end")
    assert ends.count() == 1 and ends.get().data["status"] == "failed"
    assert recover_lost_executions() == []  # a later beat finds nothing to do
    assert ExecutionEvent.objects.filter(execution=execution, kind="end").count() == 1


def test_only_unfinished_hosts_remote_processes_are_targeted(owner: Any) -> None:
    from hub.executions.ingest import drain_execution

    execution = two_host_run(owner)
    for text, offset in (("ab", 2), ("cdé", 6)):  # offsets count bytes of the remote file
        output = {"kind": "output", "step": 1, "host": "h2", "stream": "stdout", "text": text}
        stream.append_event(execution.pk, {**output, "offset": offset})
    stream.append_event(
        execution.pk,
        {"kind": "output", "step": 1, "host": "h2", "stream": "stderr", "text": "e", "offset": 1},
    )
    drain_execution(execution.pk)
    assert _leftovers(execution.pk) == {1: {"h2": Leftover("hub-ls.h20000", 6, 1)}}
    stream.retire(execution.pk)


def test_no_recovery_right_after_redis_started(owner: Any, settings: Any) -> None:
    execution = two_host_run(owner)
    settings.RECOVERY_REDIS_GRACE_SECONDS = 10**9  # Redis "just" started: keys may have expired
    assert recover_lost_executions() == []
    execution.refresh_from_db()
    assert execution.status == "running"
    settings.RECOVERY_REDIS_GRACE_SECONDS = 0
    assert recover_lost_executions() == [execution.pk]


def test_cleanup_project_stops_each_script_from_its_offsets_with_the_step_account() -> None:
    spec = ProjectSpec(
        name="x",
        hosts=(HostSpec("h1", "10.0.0.1", connection="acct_1"), HostSpec("h2", "10.0.0.2")),
        connections=(
            ConnectionSpec(key="acct_1", user="ops", key_file="/k/acct_1"),
            ConnectionSpec(key="acct_2", user="app", has_password=True, become=True),
        ),
        steps=(StepSpec(1, "s", "script", ("h1", "h2"), connection="acct_2"),),
    )
    leftovers = {
        1: {"h2": Leftover("hub-ls.ab12cd", 10, 3), "h9": Leftover("hub-ls.x")},
        2: {"h1": Leftover("hub-ls.y")},
    }
    files = compile_cleanup(spec, leftovers, secrets={"acct_2_password": "pw"})
    (play,) = yaml.load(files["playbook.yml"], Loader=_Loader)  # noqa: S506 - a safe loader
    assert play["hosts"] == "step_1" and play["vars"]["ansible_user"] == "app"
    assert play["vars"]["ansible_become"] is True and play["vars"]["hub_step"] == 1
    assert play["vars"]["hub_cleanup"] == {
        "h2": {"dir": "hub-ls.ab12cd", "stdout_offset": 10, "stderr_offset": 3}
    }  # h9 is not a host of the step; step 2 is not in the spec
    task = play["tasks"][0]["hub.ops.live_script_stop"]
    assert task["dir"] == "{{ hub_cleanup[inventory_hostname].dir }}"
    assert set(task) == {"dir", "stdout_offset", "stderr_offset"}
    assert play["vars_files"] == ["vars/secrets.yml"]  # hub_mask: the output is masked
    inventory = yaml.load(files["inventory/hosts.yml"], Loader=_Loader)  # noqa: S506
    inventory = inventory["all"]["hosts"]
    assert inventory["h1"]["ansible_ssh_private_key_file"] == "/k/acct_1"
    assert "pw" in files["vars/secrets.yml"] and "hub_mask" in files["vars/secrets.yml"]


def test_overlapping_recoveries_finalize_once(owner: Any) -> None:
    execution = two_host_run(owner)
    assert stream.claim_recovery(execution.pk)  # another recovery task is at work
    assert recover_lost_executions() == []
    execution.refresh_from_db()
    assert execution.status == "running"
    stream.release_recovery(execution.pk)
    assert recover_lost_executions() == [execution.pk]


def test_end_is_stored_even_when_redis_lost_the_stream(owner: Any) -> None:
    from hub.executions.ingest import drain_execution

    execution = running_execution(owner)
    emit_run(execution.pk, 3)
    result(execution.pk, "h1")
    drain_execution(execution.pk)
    # Redis restarted without persistence: stream, seq counter and group are gone.
    stream.client().delete(stream.stream_key(execution.pk), stream.seq_key(execution.pk))
    assert finalize_execution(execution.pk) == "success"
    seqs = list(ExecutionEvent.objects.filter(execution=execution).values_list("seq", "kind"))
    assert seqs[-1] == (7, "end") and [s for s, _ in seqs] == list(range(1, 8))


def test_a_finished_run_left_active_is_drained_before_it_is_retired(owner: Any) -> None:
    execution = running_execution(owner)
    emit_run(execution.pk, 4)
    Execution.objects.filter(pk=execution.pk).update(status="success")  # finalize died
    stream.client().delete(stream.alive_key(execution.pk))
    assert recover_lost_executions() == []
    kinds = list(ExecutionEvent.objects.filter(execution=execution).values_list("kind", flat=True))
    assert kinds.count("output") == 4 and kinds[-1] == "end"
    assert execution.pk not in stream.active_executions()
