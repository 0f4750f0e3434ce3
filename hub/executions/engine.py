"""Running an execution end to end inside a Celery worker, and recovering lost runs.

run_execution: pending -> running; compile into a private dir; ansible-runner with an
event handler that only reduces and appends to the Redis stream; a writer thread moves
the stream into the database; at the end: final statuses, archived logs, an `end` event.

recover_lost_executions (beat): a run whose worker died is drained from its stream, the
remote processes of its unfinished hosts are stopped over SSH, and it is finalized with
each host's recorded result (`lost` where none was recorded).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hub.executions import logfiles, stream
from hub.executions.choices import (
    FINISHED_STATUSES,
    Control,
    EventKind,
    ExecutionKind,
    ExecutionStatus,
    HostStatus,
)
from hub.executions.events import ReducerState, is_auth_failure, reduce_event
from hub.executions.ingest import StreamIngester, drain_execution
from hub.executions.models import Execution, ExecutionEvent, ExecutionStep, HostLog, HostResult
from hub.executions.project import build_project, compile_for_run, run_root, write_runner_dir
from hub.executions.runner import run_project
from hub.executions.signals import publish_finished
from hub.jobs.compiler import Leftover, compile_cleanup

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 8.0
TAIL_CHARS = 4000
BAD_HOST = {
    HostStatus.FAILED,
    HostStatus.UNREACHABLE,
    HostStatus.TIMEOUT,
    HostStatus.STOPPED,
    HostStatus.LOST,
}
LOST_ERROR = "The worker running this execution was lost; events recorded until then were kept."
LOST_HOST = "the worker running this execution was lost before this host's result was recorded"
CLEANUP_TIMEOUT_SECONDS = 30
LIVE_DIR = re.compile(r"hub-ls\.[A-Za-z0-9_-]{6,64}")  # what live_script names its remote dir
REDIS_RETRY_SECONDS = 0.5
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, OSError)


class RunMonitor:
    """Event handler and cancel callback for one run: cheap, never touches the database.

    Redis may go away mid-run (a restart, a blip): events are then kept here in order and
    appended, with one gapless seq, once it answers again (one attempt per
    REDIS_RETRY_SECONDS while it is away); a control or liveness read that fails changes
    nothing. The run goes on as it would have; `flush` waits for the rest at the end.
    """

    def __init__(self, execution_id: int) -> None:
        self.execution_id = execution_id
        self.state = ReducerState()
        self.stop_requested_at: float | None = None
        self._last_alive = 0.0
        self.messages: list[str] = []
        self._pending: deque[dict[str, Any]] = deque()
        self._retry_at = 0.0

    def on_event(self, event: dict[str, Any]) -> bool:
        record = reduce_event(event, self.state)
        if record is not None:
            if record["kind"] == EventKind.LOG:
                self.messages = [*self.messages[-19:], record["text"]]
            self._pending.append(record)
            self._drain()
        return False  # the stream is the record; no job_events files on disk

    def _drain(self) -> bool:
        """Appends the waiting events in order; False while Redis is away."""
        now = time.monotonic()
        if now < self._retry_at:
            return False
        try:
            while self._pending:
                stream.append_event(self.execution_id, self._pending[0])
                self._pending.popleft()
        except REDIS_DOWN as exc:
            if not self._retry_at:
                logger.warning(
                    "execution %s: Redis is away (%s); keeping events", self.execution_id, exc
                )
            self._retry_at = now + REDIS_RETRY_SECONDS
            return False
        if self._retry_at:
            logger.warning("execution %s: Redis is back; events appended", self.execution_id)
            self._retry_at, self._last_alive = 0.0, 0.0  # refresh the liveness key now
        return True

    def flush(self, timeout: float = 60.0) -> bool:
        """Waits up to timeout seconds for Redis to take the waiting events."""
        deadline = time.monotonic() + timeout
        while not self._drain():
            if time.monotonic() >= deadline:
                logger.error(
                    "execution %s: %d events never reached Redis",
                    self.execution_id,
                    len(self._pending),
                )
                return False
            time.sleep(REDIS_RETRY_SECONDS)
        return True

    def should_cancel(self) -> bool:
        now = time.monotonic()
        if self._pending and not self._drain():
            return self._stopping(now)  # Redis is away: neither liveness nor control now
        try:
            if now - self._last_alive > stream.ALIVE_REFRESH:
                stream.keep_alive(self.execution_id)
                self._last_alive = now
            if self.stop_requested_at is None and stream.get_control(self.execution_id) == "stop":
                self.stop_requested_at = now
        except REDIS_DOWN:
            self._retry_at = now + REDIS_RETRY_SECONDS
        return self._stopping(now)

    def _stopping(self, now: float) -> bool:
        if self.stop_requested_at is None:
            return False
        # Let the live_script plugins kill their remote processes first, then end the run.
        return not self.state.running or now - self.stop_requested_at > STOP_GRACE_SECONDS


def ansible_env(private_dir: Path) -> dict[str, str]:
    """What ansible-playbook needs in a run dir; no secret (it goes to env/envvars)."""
    # ansible-playbook must be on PATH for ansible-runner: the venv's bin comes first.
    path = os.pathsep.join(
        filter(None, [str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    return {
        "PATH": path,
        "ANSIBLE_COLLECTIONS_PATH": str(settings.PLAYBOOKS_DIR),
        "ANSIBLE_CALLBACKS_ENABLED": "hub.ops.gate",
        "ANSIBLE_LOCAL_TEMP": str(private_dir / "tmp"),
        "ANSIBLE_HOME": str(private_dir / "ansible-home"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
    }


def _run_dir_env(execution: Execution, private_dir: Path) -> dict[str, str]:
    """env/envvars of a live run: ansible's environment and its ssh control dir."""
    return {
        **ansible_env(private_dir),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(_control_dir(execution.pk)),
    }


def _runner_env(execution: Execution, private_dir: Path) -> dict[str, str]:
    """Everything the run's ansible-playbook gets: the run dir's env and, in memory only,
    the plugins' Redis keys (the URL holds Redis' password)."""
    return {**_run_dir_env(execution, private_dir), **stream.plugin_environment(execution.pk)}


def control_dir_prefix() -> str:
    """The start of this hub's ssh control dir paths (hub-cp-<tag>- in /tmp).

    Socket paths must stay short (108 bytes), so not under the run's private dir; the tag
    of this hub's data dir and database keeps two hubs (or two test databases) on one
    machine from sharing, or closing, each other's masters for the same execution id.
    """
    db = settings.DATABASES["default"]
    origin = f"{settings.HUB_DATA_DIR}|{db.get('HOST', '')}|{db.get('PORT', '')}|{db['NAME']}"
    tag = hashlib.sha256(origin.encode()).hexdigest()[:10]
    return f"/tmp/hub-cp-{tag}-"  # noqa: S108 - short socket paths


def _control_dir(execution_id: int) -> Path:
    """Where ssh keeps this run's master sockets."""
    return Path(f"{control_dir_prefix()}{execution_id}")


def _close_ssh_masters(execution_id: int) -> None:
    control_dir = _control_dir(execution_id)
    if not control_dir.exists():
        return
    # One `ssh -O exit` per master, all at once: sequentially this is ~5 ms per host.
    closers = [
        subprocess.Popen(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "hub"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for socket in control_dir.iterdir()
    ]
    for closer in closers:
        try:
            closer.wait(10)
        except subprocess.TimeoutExpired:
            closer.kill()
            closer.wait()
    shutil.rmtree(control_dir, ignore_errors=True)


def _remove_run_files(execution_id: int) -> None:
    """The run's private dir (decrypted keys, secrets.yml) and its ssh control sockets."""
    shutil.rmtree(run_root() / str(int(execution_id)), ignore_errors=True)
    _close_ssh_masters(execution_id)


def _start(execution_id: int) -> Execution | None:
    with transaction.atomic():
        execution = Execution.objects.select_for_update().get(pk=execution_id)
        if execution.status != ExecutionStatus.PENDING:
            return None  # delivered twice, or stopped while queued
        execution.status = ExecutionStatus.RUNNING
        execution.started_at = timezone.now()
        execution.save(update_fields=["status", "started_at"])
    # Ids can repeat after a database reset: never append to an older run's files.
    shutil.rmtree(logfiles.log_dir(execution_id), ignore_errors=True)
    stream.reset(execution_id)
    if execution.control == Control.PAUSE:
        stream.set_control(execution_id, "pause")
    stream.mark_active(execution_id)
    stream.append_event(execution_id, {"kind": EventKind.STATUS, "status": ExecutionStatus.RUNNING})
    return execution


def run_execution(execution_id: int) -> str:
    """Runs the execution; returns its final status."""
    execution = _start(execution_id)
    if execution is None:
        return Execution.objects.values_list("status", flat=True).get(pk=execution_id)
    private_dir = run_root() / str(execution_id)
    fetch_dir = logfiles.fetch_dir(execution_id)
    monitor = RunMonitor(execution_id)
    ingester = StreamIngester(execution_id)
    ingester.start()
    error, outcome = "", None
    try:
        compile_for_run(execution, private_dir, fetch_dir, _run_dir_env(execution, private_dir))
        outcome = run_project(
            private_data_dir=private_dir,
            ident="run",
            envvars=_runner_env(execution, private_dir),
            forks=execution.forks,
            event_handler=monitor.on_event,
            cancel_callback=monitor.should_cancel,
        )
        if outcome.status == "error" or (outcome.status == "failed" and monitor.state.step == 0):
            error = "\n".join(monitor.messages)[-3000:] or (
                f"ansible-playbook ended with {outcome.status} (rc {outcome.rc}) before any step"
            )
    except Exception as exc:
        logger.exception("execution %s could not run", execution_id)
        error = f"{type(exc).__name__}: {exc}"
    finally:
        _remove_run_files(execution_id)
        monitor.flush()  # events kept while Redis was away, before the writer's last read
        ingester.finish()
    return finalize_execution(
        execution_id, error=error, stopped=monitor.stop_requested_at is not None
    )


def _host_outputs(execution_id: int) -> dict[tuple[int, str], list[str]]:
    outputs: dict[tuple[int, str], list[str]] = defaultdict(list)
    events = (
        ExecutionEvent.objects.filter(execution_id=execution_id, kind__in=["output", "host_result"])
        .exclude(host="")
        .order_by("seq")
        .values_list("step", "host", "kind", "text", "data")
    )
    for step, host, kind, text, data in events:
        outputs[(step or 0, host)].append(
            text
            if kind == EventKind.OUTPUT
            else (text + "\n" if text else "") + data.get("msg", "")
        )
    return outputs


def _finalize_hosts(execution: Execution, *, stopped: bool, error: str, lost: bool) -> None:
    outputs = _host_outputs(execution.pk)
    leftover = (
        HostStatus.STOPPED if stopped else (HostStatus.FAILED if error else HostStatus.SKIPPED)
    )
    rows = list(HostResult.objects.filter(execution=execution).select_related("step"))
    for row in rows:
        if row.status in (HostStatus.PENDING, HostStatus.RUNNING) and lost and not stopped:
            # Nothing says how this host ended: a truthful "lost", not a guessed failure.
            row.status, row.message = HostStatus.LOST, row.message or LOST_HOST
        elif row.status in (HostStatus.PENDING, HostStatus.RUNNING):
            row.status = (
                leftover
                if row.status == HostStatus.RUNNING or error or stopped
                else HostStatus.SKIPPED
            )
            row.message = row.message or (error[:500] if error else "")
        text = "".join(outputs.get((row.step.index, row.host_name), []))
        row.output_tail = text[-TAIL_CHARS:]
        row.output_digest = hashlib.sha256(f"{row.status}\0{row.rc}\0{text}".encode()).hexdigest()
    HostResult.objects.bulk_update(
        rows, ["status", "message", "output_tail", "output_digest"], batch_size=500
    )


def _ignored_steps(execution: Execution) -> set[int]:
    return {s["index"] for s in execution.spec.get("steps", []) if s.get("ignore_errors")}


def _host_outcomes(execution: Execution) -> dict[str, str]:
    """Each host's overall outcome: its worst result, not counting ignored failures."""
    ignored = _ignored_steps(execution)
    outcome: dict[str, str] = {}
    rank = {
        HostStatus.LOST: 6,
        HostStatus.STOPPED: 5,
        HostStatus.UNREACHABLE: 4,
        HostStatus.TIMEOUT: 3,
        HostStatus.FAILED: 2,
        HostStatus.SUCCESS: 1,
        HostStatus.SKIPPED: 0,
        HostStatus.PENDING: 0,
    }
    for step_index, host, status in HostResult.objects.filter(execution=execution).values_list(
        "step__index", "host_name", "status"
    ):
        if step_index in ignored and status == HostStatus.FAILED:
            status = HostStatus.SUCCESS
        if rank.get(HostStatus(status), 0) >= rank.get(
            HostStatus(outcome.get(host, HostStatus.SKIPPED)), 0
        ):
            outcome[host] = status
    return outcome


def _summary(outcomes: dict[str, str]) -> dict[str, int]:
    counts = {"total": len(outcomes)}
    for status in ("success", "failed", "unreachable", "timeout", "stopped", "skipped", "lost"):
        counts[status] = sum(1 for s in outcomes.values() if s == status)
    return counts


def _overall_status(outcomes: dict[str, str], *, stopped: bool, error: str) -> str:
    if stopped:
        return ExecutionStatus.STOPPED
    if error:
        return ExecutionStatus.FAILED
    bad = {h: s for h, s in outcomes.items() if s in BAD_HOST}
    if not bad:
        return ExecutionStatus.SUCCESS
    if len(bad) < len(outcomes):
        return ExecutionStatus.PARTIAL
    kinds = set(bad.values())
    for only in (HostStatus.UNREACHABLE, HostStatus.TIMEOUT):
        if kinds == {only}:
            return only
    return ExecutionStatus.FAILED


def _finalize_steps(execution: Execution) -> None:
    ignored = _ignored_steps(execution)
    for step in ExecutionStep.objects.filter(execution=execution).prefetch_related("hosts"):
        statuses = {h.status for h in step.hosts.all()}
        finished = [h.finished_at for h in step.hosts.all() if h.finished_at]
        bad = statuses & BAD_HOST
        if step.index in ignored:
            bad -= {HostStatus.FAILED}
        if statuses <= {HostStatus.SKIPPED, HostStatus.PENDING}:
            step.status = ExecutionStatus.STOPPED if HostStatus.STOPPED in statuses else "pending"
        elif not bad:
            step.status = ExecutionStatus.SUCCESS
        elif bad == statuses - {HostStatus.SKIPPED}:
            step.status = ExecutionStatus.FAILED
        else:
            step.status = ExecutionStatus.PARTIAL
        if statuses & {HostStatus.STOPPED}:
            step.status = ExecutionStatus.STOPPED
        step.finished_at = max(finished) if finished else None
        step.save(update_fields=["status", "finished_at"])


def _archive_logs(execution: Execution) -> None:
    limit = 1024 * 1024
    HostLog.objects.filter(execution=execution).delete()
    logs = []
    for host in sorted({r.host_name for r in HostResult.objects.filter(execution=execution)}):
        path = logfiles.log_path(execution.pk, host)
        text, _next, size = logfiles.read_slice(execution.pk, host, 0, limit)
        truncated = size > limit
        if truncated:
            text += f"\n[... {size - limit} more bytes: download the full log ...]\n"
        logs.append(
            HostLog(
                execution=execution,
                host_name=host,
                text=text,
                size=size,
                truncated=truncated,
                file_path=str(path) if path.exists() else "",
            )
        )
    HostLog.objects.bulk_create(logs)


def _update_connection_status(execution: Execution) -> None:
    from hub.inventory.choices import HostStatus as Reachability
    from hub.inventory.models import Host

    now = timezone.now()
    for result in HostResult.objects.filter(execution=execution, host__isnull=False):
        if result.status == HostStatus.SUCCESS:
            status = Reachability.REACHABLE
        elif is_auth_failure(result.message):
            status = Reachability.AUTH_FAILED
        else:
            status = Reachability.UNREACHABLE
        if result.host_id is None:
            continue
        Host.objects.filter(pk=result.host_id).update(
            status=status, status_message=result.message[:1000], last_checked_at=now
        )


def _store_end(execution_id: int, fields: dict[str, Any]) -> None:
    """Appends the `end` event, moves the stream into the database and retires it.

    The database must hold `end` whatever Redis does (restarted, unreachable): if the
    stream could not deliver it, it is written directly after the last stored seq.
    """
    stored = ExecutionEvent.objects.filter(execution_id=execution_id).order_by("-seq").first()
    try:
        stream.prepare_final_append(execution_id, stored.seq if stored else 0)
        stream.append_event(execution_id, fields)
        drain_execution(execution_id, consumer="finalize")
    except Exception:
        logger.exception("the end event of execution %s did not go through Redis", execution_id)
    if not ExecutionEvent.objects.filter(execution_id=execution_id, kind=EventKind.END).exists():
        last = ExecutionEvent.objects.filter(execution_id=execution_id).order_by("-seq").first()
        seq = (last.seq if last else 0) + 1
        data = {k: v for k, v in fields.items() if k not in ("kind", "text")}
        ExecutionEvent.objects.create(
            execution_id=execution_id,
            seq=seq,
            kind=EventKind.END,
            text=fields.get("text", ""),
            data=data,
            ts=time.time(),
        )
        Execution.objects.filter(pk=execution_id, last_seq__lt=seq).update(last_seq=seq)
    try:
        stream.retire(execution_id)
    except Exception:
        logger.exception("the stream of execution %s could not be retired", execution_id)


def finalize_execution(
    execution_id: int, *, error: str = "", stopped: bool = False, lost: bool = False
) -> str:
    """Final host, step and execution statuses; archived logs; the `end` event.

    `lost`: the worker died; hosts without a recorded result become `lost`.
    """
    execution = Execution.objects.get(pk=execution_id)
    stopped = stopped or execution.control == Control.STOP
    with transaction.atomic():
        _finalize_hosts(execution, stopped=stopped, error=error, lost=lost)
        _finalize_steps(execution)
        outcomes = _host_outcomes(execution)
        status = _overall_status(outcomes, stopped=stopped, error=error)
        summary = _summary(outcomes)
        Execution.objects.filter(pk=execution_id).update(
            status=status,
            summary=summary,
            finished_at=timezone.now(),
            error=error[:5000],
            control=Control.NONE,
        )
        if execution.kind == ExecutionKind.CONNECTION_TEST:
            _update_connection_status(execution)
    _archive_logs(execution)
    _store_end(
        execution_id,
        {
            "kind": EventKind.END,
            "status": status,
            "text": error[:2000],
            "summary": json.dumps(summary),
        },
    )
    publish_finished(execution_id, status)  # schedules, notifications, dashboard listen
    return status


def _leftovers(execution_id: int) -> dict[int, dict[str, Leftover]]:
    """step -> host -> what the live script of a host that never finished left behind."""
    unfinished = set(
        HostResult.objects.filter(
            execution_id=execution_id, status__in=[HostStatus.PENDING, HostStatus.RUNNING]
        ).values_list("step__index", "host_name")
    )
    dirs: dict[tuple[int, str], str] = {}
    events = ExecutionEvent.objects.filter(
        execution_id=execution_id, kind=EventKind.REMOTE_START, host__in={h for _, h in unfinished}
    )
    for step, host, data in events.order_by("seq").values_list("step", "host", "data"):
        name = str((data or {}).get("dir", ""))
        if step is not None and (step, host) in unfinished and LIVE_DIR.fullmatch(name):
            dirs[(step, host)] = name
    offsets = _published_offsets(execution_id, set(dirs))
    found: dict[int, dict[str, Leftover]] = defaultdict(dict)
    for (step, host), name in dirs.items():
        out, err = offsets.get((step, host, "stdout"), 0), offsets.get((step, host, "stderr"), 0)
        found[step][host] = Leftover(name, out, err)
    return dict(found)


def _published_offsets(
    execution_id: int, keys: set[tuple[int, str]]
) -> dict[tuple[int, str, str], int]:
    """(step, host, stream) -> the byte offset the stored output of that remote file reached."""
    offsets: dict[tuple[int, str, str], int] = {}
    if not keys:
        return offsets
    outputs = ExecutionEvent.objects.filter(
        execution_id=execution_id, kind=EventKind.OUTPUT, host__in={h for _, h in keys}
    ).order_by("seq")
    for step, host, name, data in outputs.values_list("step", "host", "stream", "data"):
        value = str((data or {}).get("offset", ""))
        if step is not None and (step, host) in keys and value.isdigit():
            offsets[(step, host, name)] = int(value)
    return offsets


def _cleanup_env(execution: Execution, private_dir: Path) -> dict[str, str]:
    """The run's environment without the gate callback: the stop tasks publish output only."""
    env = _runner_env(execution, private_dir)
    env.pop("ANSIBLE_CALLBACKS_ENABLED")
    env.pop("HUB_CONTROL_KEY")
    return env


class _StopResults:
    """Event handler of the cleanup run: (step, host) -> the live_script_stop result."""

    def __init__(self) -> None:
        self.step = 0
        self.results: dict[tuple[int, str], dict[str, Any]] = {}

    def on_event(self, event: dict[str, Any]) -> bool:
        data = event.get("event_data") or {}
        if event.get("event") == "playbook_on_play_start":
            self.step = int(str(data.get("play", "")).rpartition(" ")[2] or 0)
        elif event.get("event") in ("runner_on_ok", "runner_on_failed"):
            self.results[(self.step, str(data.get("host", "")))] = data.get("res") or {}
        return False


def stop_remote_leftovers(execution: Execution) -> dict[tuple[int, str], dict[str, Any]]:
    """Finishes what a lost run left on its hosts; (step, host) -> how each script ended.

    One hub.ops.live_script_stop per unfinished host over the run's own connections, at most
    CLEANUP_TIMEOUT_SECONDS: it stops the script if it still runs, publishes to the run's
    stream the output written since what the database holds, and removes its dir. Never
    raises (a host that cannot be reached keeps its process, the run is finalized anyway).
    """
    leftovers = _leftovers(execution.pk)
    if not leftovers:
        return {}
    private_dir = run_root() / str(execution.pk)
    shutil.rmtree(private_dir, ignore_errors=True)  # the dead run's files
    scoped = copy.copy(execution)  # only the script steps with leftovers: nothing to clone
    scoped.spec = {
        **execution.spec,
        "steps": [
            s
            for s in execution.spec.get("steps", [])
            if s["index"] in leftovers and s.get("kind", "script") == "script"
        ],
    }
    results = _StopResults()
    try:
        built = build_project(scoped, private_dir=private_dir)
        files = compile_cleanup(built.spec, leftovers, secrets=built.secrets)
        write_runner_dir(private_dir, files, built.keys, _run_dir_env(execution, private_dir))
        outcome = run_project(
            private_data_dir=private_dir,
            ident="cleanup",
            envvars=_cleanup_env(execution, private_dir),
            forks=min(max(execution.forks, 1), 50),
            event_handler=results.on_event,
            cancel_callback=lambda: False,
            timeout=CLEANUP_TIMEOUT_SECONDS,
        )
        logger.info("cleanup of lost execution %s: %s", execution.pk, outcome.status)
    except Exception:
        logger.exception("remote cleanup of lost execution %s failed", execution.pk)
    return results.results


def _record_finished_scripts(
    execution_id: int, results: dict[tuple[int, str], dict[str, Any]]
) -> None:
    """Hosts whose script ended on its own after the worker died keep that real end."""
    for (step, host), res in sorted(results.items()):
        if res.get("hub_recovered") != "finished" or not isinstance(res.get("rc"), int):
            continue
        record: dict[str, Any] = {
            "kind": EventKind.HOST_RESULT,
            "step": step,
            "host": host,
            "status": HostStatus.SUCCESS if res["rc"] == 0 else HostStatus.FAILED,
            "rc": res["rc"],
            "changed": 1,
            "text": "",
            "msg": "" if res["rc"] == 0 else "non-zero return code",
        }
        stream.append_event(execution_id, record)


def _recover(execution_id: int) -> bool:
    """Recovers one execution of the active set; True when it was running and is now ended."""
    execution = Execution.objects.filter(pk=execution_id).first()
    if execution is None:
        stream.retire(execution_id)
        return False
    drain_execution(execution_id)  # everything the stream holds, before anything else
    execution.refresh_from_db()
    if execution.status in FINISHED_STATUSES:  # its finalize died half-way
        if not ExecutionEvent.objects.filter(
            execution_id=execution_id, kind=EventKind.END
        ).exists():
            summary = json.dumps(execution.summary or {})
            end = {
                "kind": EventKind.END,
                "status": execution.status,
                "text": "",
                "summary": summary,
            }
            _store_end(execution_id, end)
        stream.retire(execution_id)
        return False
    stream.prepare_final_append(execution_id, execution.last_seq)  # Redis may have restarted
    _record_finished_scripts(execution_id, stop_remote_leftovers(execution))
    drain_execution(execution_id)  # the output and ends the stop tasks published
    _remove_run_files(execution_id)  # a dead worker left its decrypted key and secrets
    finalize_execution(execution_id, error=LOST_ERROR, lost=True)
    return True


def recover_lost_executions() -> list[int]:
    """Executions whose worker died: write what their stream still holds, stop what they
    left running on their hosts, then finalize with each host's real state."""
    recovered: list[int] = []
    if stream.restarted_within(settings.RECOVERY_REDIS_GRACE_SECONDS):
        return recovered  # liveness keys expired while Redis was down: let workers renew them
    for execution_id in stream.active_executions():
        if stream.is_alive(execution_id) or not stream.claim_recovery(execution_id):
            continue
        try:
            if _recover(execution_id):
                recovered.append(execution_id)
        except Exception:
            logger.exception("recovery of execution %s failed; retried later", execution_id)
            stream.release_recovery(execution_id)
    return recovered
