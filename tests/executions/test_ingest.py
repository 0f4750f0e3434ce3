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
from hub.jobs.compiler import ConnectionSpec, HostSpec, ProjectSpec, StepSpec, compile_cleanup

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
    for host, pid in (("h1", "4101"), ("h2", "4102")):
        stream.append_event(
            execution.pk,
            {
                "kind": "remote_start",
                "step": 1,
                "host": host,
                "pid": pid,
                "dir": f"/tmp/hub-ls.{host}",
            },
        )
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
    drain_execution(execution.pk)
    assert _leftovers(execution.pk) == {1: {"h2": (4102, "/tmp/hub-ls.h2")}}
    stream.retire(execution.pk)


def test_cleanup_project_kills_the_group_and_removes_the_dir_with_the_step_account() -> None:
    spec = ProjectSpec(
        name="x",
        hosts=(HostSpec("h1", "10.0.0.1", connection="acct_1"), HostSpec("h2", "10.0.0.2")),
        connections=(
            ConnectionSpec(key="acct_1", user="ops", key_file="/k/acct_1"),
            ConnectionSpec(key="acct_2", user="app", has_password=True, become=True),
        ),
        steps=(StepSpec(1, "s", "script", ("h1", "h2"), connection="acct_2"),),
    )
    leftovers = {1: {"h2": (4102, "/tmp/hub-ls.ab"), "h1": (1, "/etc")}, 2: {"h1": (7, "")}}
    files = compile_cleanup(spec, leftovers, secrets={"acct_2_password": "pw"})
    (play,) = yaml.load(files["playbook.yml"], Loader=_Loader)  # noqa: S506 - a safe loader
    assert play["hosts"] == "step_1" and play["vars"]["ansible_user"] == "app"
    assert play["vars"]["ansible_become"] is True
    assert play["vars"]["hub_cleanup"] == {
        "h2": "kill -TERM -4102 2>/dev/null; sleep 1; kill -KILL -4102 2>/dev/null; "
        "rm -rf /tmp/hub-ls.ab; true"
    }  # pgid 1 (or a dir not made by live_script) is never a target
    assert play["tasks"][0]["ansible.builtin.raw"] == "{{ hub_cleanup[inventory_hostname] }}"
    inventory = yaml.load(files["inventory/hosts.yml"], Loader=_Loader)  # noqa: S506
    inventory = inventory["all"]["hosts"]
    assert inventory["h1"]["ansible_ssh_private_key_file"] == "/k/acct_1"
    assert "pw" in files["vars/secrets.yml"]


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
