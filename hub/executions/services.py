"""Launching and controlling executions: quick scripts, file transfers, plans, retries.

Each launch freezes what will run into Execution.spec (secrets masked) and
Execution.secret_spec (encrypted), creates the step and host rows, audits, and enqueues
the run after commit. Control (stop / pause / resume) goes through Redis so the running
worker and its plugins see it at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.crypto import MASK
from hub.core.exceptions import Conflict, DomainError, NotAllowed
from hub.core.permissions import OBJECT_ACTIONS, grant, user_can
from hub.executions import stream
from hub.executions.choices import (
    FINISHED_STATUSES,
    Control,
    EventKind,
    ExecutionKind,
    ExecutionStatus,
    HostStatus,
)
from hub.executions.models import Execution, ExecutionStep, HostResult
from hub.executions.targets import check_account, require_accounts, resolve_hosts
from hub.inventory.models import Account, Host
from hub.jobs.choices import StepType, VariableType
from hub.jobs.models import ExecutionPlan, JobStep, StoredFile
from hub.scripts.choices import EntryType, ParameterType, ScriptType, VersionStatus
from hub.scripts.entries import playbook_variables
from hub.scripts.models import ScriptTemplate, ScriptVersion
from hub.scripts.parameters import resolve_values
from hub.scripts.safety import enforce_rules
from hub.system.services import get_setting


def _env_value(value: Any) -> str:
    """A parameter value as a script sees it: a list joined with commas (host lists),
    booleans as true/false, a mapping as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_env_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _arguments(declared: list[dict[str, Any]], values: dict[str, Any]) -> list[Any]:
    """A library script's positional arguments; a secret one is frozen as a reference
    ({"secret": NAME}) so its value lives only in the encrypted secret_spec."""
    return [
        {"secret": p["name"]}
        if p["type"] == ParameterType.SECRET
        else _env_value(values[p["name"]])
        for p in declared
    ]


def _required_secrets(declared: list[dict[str, Any]]) -> list[str]:
    return [p["name"] for p in declared if p["type"] == ParameterType.SECRET and p.get("required")]


def _script_version(script: ScriptTemplate, number: int | None, field: str) -> ScriptVersion:
    version = script.versions.filter(number=number).first() if number else script.current_version
    if version is None:
        raise DomainError(f"Script {script.name!r} has no version {number}.", field=field)
    if version.status != VersionStatus.ONLINE:
        raise DomainError(f"Version {version.number} of {script.name!r} is offline.", field=field)
    return version


def _script_step(
    *,
    index: int,
    name: str,
    script_type: str,
    content: str,
    params: dict[str, Any],
    secret_names: set[str],
    argv: Sequence[Any],
    hosts: Sequence[Host],
    account: Account | None,
    timeout: int,
    ignore_errors: bool = False,
    batch: str = "",
    policy: str = "stop",
    required_secrets: Sequence[str] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    env = {k: _env_value(v) for k, v in params.items() if k not in secret_names}
    secrets = {k: _env_value(v) for k, v in params.items() if k in secret_names}
    step = {
        "index": index,
        "name": name,
        "kind": StepType.SCRIPT,
        "script_type": script_type,
        "content": content,
        "env": env,
        "secret_env": sorted(secrets),
        "required_secrets": sorted(set(required_secrets) & set(secrets)),
        "argv": list(argv),
        "timeout": timeout,
        "ignore_errors": ignore_errors,
        "batch": batch,
        "failure_policy": policy,
        "host_ids": [h.pk for h in hosts],
        "account_id": account.pk if account else None,
    }
    return step, secrets


def _playbook_entry_step(
    *,
    index: int,
    name: str,
    version: ScriptVersion,
    values: dict[str, Any],
    secret_names: set[str],
    given: dict[str, Any] | None,
    hosts: Sequence[Host],
    account: Account | None,
    timeout: int,
    ignore_errors: bool = False,
    batch: str = "",
    policy: str = "stop",
) -> tuple[dict[str, Any], dict[str, str]]:
    """A library playbook entry (an imported role) as a playbook step: the version is
    referenced (its playbook and files are read when the run is built), its parameters are
    typed play variables, its secrets go to the encrypted secret_spec."""
    secrets = {k: _env_value(v) for k, v in values.items() if k in secret_names and v != ""}
    step = {
        "index": index,
        "name": name,
        "kind": StepType.PLAYBOOK,
        "playbook_entry": {"version_id": version.pk},
        "variables": playbook_variables(version.parameters, values, given),
        "secret_env": sorted(secrets),
        "required_secrets": sorted(set(_required_secrets(version.parameters)) & set(secrets)),
        "timeout": timeout,
        "ignore_errors": ignore_errors,
        "batch": batch,
        "failure_policy": policy,
        "host_ids": [h.pk for h in hosts],
        "account_id": account.pk if account else None,
    }
    return step, secrets


def _masked(values: dict[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    names = set(secret_names)
    return {k: (MASK if k in names else v) for k, v in values.items()}


def _create_execution(
    *,
    actor: Any,
    name: str,
    kind: str,
    steps: list[dict[str, Any]],
    secret_spec: dict[str, dict[str, str]],
    hosts_by_step: list[list[Host]],
    forks: int,
    timeout: int,
    parameters: dict[str, Any],
    **links: Any,
) -> Execution:
    """Writes the record, its steps and pending host rows, audits, and enqueues the run."""
    all_hosts = {h.pk: h for hosts in hosts_by_step for h in hosts}
    execution = Execution.objects.create(
        name=name[:255],
        kind=kind,
        created_by=actor,
        forks=forks,
        timeout=timeout,
        spec={"steps": steps, "forks": forks},
        parameters=parameters,
        secret_spec=json.dumps(secret_spec) if any(secret_spec.values()) else "",
        targets=[
            {"id": h.pk, "name": h.name, "ip_address": h.ip_address}
            for h in sorted(all_hosts.values(), key=lambda h: h.name)
        ],
        **links,
    )
    for step, hosts in zip(steps, hosts_by_step, strict=True):
        row = ExecutionStep.objects.create(
            execution=execution,
            index=step["index"],
            name=step["name"][:255],
            step_type=step["kind"],
        )
        HostResult.objects.bulk_create(
            [
                HostResult(
                    execution=execution, step=row, host=h, host_name=h.name, ip_address=h.ip_address
                )
                for h in hosts
            ]
        )
    grant(actor, execution, OBJECT_ACTIONS)
    record_audit_event(
        actor=actor,
        action=AuditAction.EXECUTE,
        obj=execution,
        detail={
            "kind": kind,
            "targets": len(all_hosts),
            "parameters": parameters,
            **{k: getattr(v, "pk", v) for k, v in links.items()},
        },
    )
    _enqueue(execution)
    return execution


def _enqueue(execution: Execution) -> None:
    """Queues the run once the launch committed; its Celery task id is recorded first, so
    an operator can follow or revoke the task (`celery inspect`, flower) from the record."""
    from hub.executions.tasks import run_execution_task

    execution.task_id = uuid.uuid4().hex
    Execution.objects.filter(pk=execution.pk).update(task_id=execution.task_id)
    task_id = execution.task_id
    transaction.on_commit(lambda: run_execution_task.apply_async((execution.pk,), task_id=task_id))


def _forks(concurrency: int | None) -> int:
    return int(concurrency or get_setting("execution.default_forks"))


def _timeout(timeout: int | None) -> int:
    return int(timeout or get_setting("execution.default_timeout"))


def launch_quick_script(
    *, actor: Any, data: dict[str, Any], kind: str = ExecutionKind.QUICK_SCRIPT
) -> Execution:
    """Runs inline content or a library entry's version (a script, or a playbook entry) on
    hosts/groups now."""
    hosts = resolve_hosts(
        actor=actor,
        host_ids=data.get("target_host_ids", []),
        group_ids=data.get("target_group_ids", []),
    )
    account = data.get("account")
    check_account(actor, account)
    require_accounts(hosts, account, "account_id")
    script: ScriptTemplate | None = data.get("script_template")
    version: ScriptVersion | None = None
    name = data.get("name") or (script.name if script else "Quick script")
    common: dict[str, Any] = {
        "index": 1,
        "name": name,
        "hosts": hosts,
        "account": account,
        "timeout": _timeout(data.get("timeout")),
    }
    if script is not None:
        if not user_can(actor, script, "execute"):
            raise NotAllowed(f"You may not run script {script.name!r}.", field="script_template")
        version = _script_version(script, data.get("script_version"), "script_version")
        params, secret_names = resolve_values(version.parameters, data.get("parameters"))
    else:
        params, secret_names = dict(data.get("parameters") or {}), set()
    if script is not None and version is not None and script.entry_type == EntryType.PLAYBOOK:
        step, secrets = _playbook_entry_step(
            version=version,
            values=params,
            secret_names=secret_names,
            given=data.get("parameters"),
            **common,
        )
    else:
        step, secrets = _quick_script_step(data, script, version, params, secret_names, common)
    with transaction.atomic():
        return _create_execution(
            actor=actor,
            name=name,
            kind=kind,
            steps=[step],
            secret_spec={"1": secrets},
            hosts_by_step=[hosts],
            forks=_forks(data.get("concurrency")),
            timeout=step["timeout"],
            parameters=_masked(params, secret_names),
            script=script,
            script_version=version.number if version is not None else None,
        )


def _quick_script_step(
    data: dict[str, Any],
    script: ScriptTemplate | None,
    version: ScriptVersion | None,
    params: dict[str, Any],
    secret_names: set[str],
    common: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The script step of a quick run: a library script's version, or inline content."""
    if script is not None and version is not None:
        content, script_type = version.content, script.script_type
        argv = _arguments(version.parameters, params)
        required = _required_secrets(version.parameters)
    else:
        content, script_type = data["script_content"], data.get("script_type", ScriptType.SHELL)
        argv = [str(a) for a in data.get("script_args", [])]
        required = []
    enforce_rules(content, script_type, field="script_content")
    return _script_step(
        script_type=script_type,
        content=content,
        params=params,
        secret_names=secret_names,
        argv=argv,
        required_secrets=required,
        **common,
    )


def launch_file_transfer(*, actor: Any, data: dict[str, Any]) -> Execution:
    """Pushes uploaded files to hosts, or fetches a path from hosts into the artifacts."""
    hosts = resolve_hosts(
        actor=actor,
        host_ids=data.get("target_host_ids", []),
        group_ids=data.get("target_group_ids", []),
    )
    account = data.get("account")
    check_account(actor, account)
    require_accounts(hosts, account, "account_id")
    mode = data["mode"]
    files: list[StoredFile] = data.get("stored_files", [])
    name = data.get("name") or ("Push files" if mode == "push" else "Fetch files")
    step = {
        "index": 1,
        "name": name,
        "kind": StepType.FILE_PUSH if mode == "push" else StepType.FILE_FETCH,
        "host_ids": [h.pk for h in hosts],
        "account_id": account.pk if account else None,
        "timeout": _timeout(data.get("timeout")),
        "ignore_errors": False,
        "batch": "",
        "failure_policy": "stop",
        "destination": data.get("destination", ""),
        "fetch_path": data.get("path", ""),
        "files": [{"id": str(f.pk), "name": f.name, "sha256": f.sha256} for f in files],
    }
    with transaction.atomic():
        return _create_execution(
            actor=actor,
            name=name,
            kind=ExecutionKind.QUICK_FILE,
            steps=[step],
            secret_spec={},
            hosts_by_step=[hosts],
            forks=_forks(data.get("concurrency")),
            timeout=step["timeout"],
            parameters={
                "mode": mode,
                "destination": step["destination"],
                "path": step["fetch_path"],
                "files": [f.name for f in files],
            },
        )


def _plan_variables(
    plan: ExecutionPlan, overrides: dict[str, Any] | None
) -> tuple[dict[str, Any], set[str]]:
    """Template defaults < plan values < launch overrides; required ones must be set."""
    declared = {v.name: v for v in plan.template.variables.all()}
    overrides = dict(overrides or {})
    if unknown := set(overrides) - set(declared):
        raise DomainError(f"Unknown variable(s): {sorted(unknown)}.", field="variables")
    values: dict[str, Any] = {}
    secret_names = {n for n, v in declared.items() if v.var_type == VariableType.SECRET}
    plan_values = {**plan.variable_values, **plan.secret_value_map}
    for name, var in declared.items():
        value = overrides.get(name)
        if value in (None, MASK):
            value = plan_values.get(name, var.effective_value)
        if value in (None, "") and var.required:
            raise DomainError(f"Variable {name!r} is required.", field="variables")
        values[name] = "" if value is None else value
    return values, secret_names


def _plan_playbook_step(
    index: int, step: JobStep, hosts: list[Host], account: Account | None
) -> dict[str, Any]:
    """A plan's playbook step (uploaded, or from git), frozen for the run."""
    source = (
        {"file_id": str(step.playbook_file)}
        if step.playbook_file
        else {
            "url": step.playbook_url,
            "ref": step.playbook_ref,
            "path": step.playbook_path or "playbook.yml",
        }
    )
    return {
        "index": index,
        "name": step.name,
        "kind": StepType.PLAYBOOK,
        "playbook": source,
        "host_ids": [h.pk for h in hosts],
        "account_id": account.pk if account else None,
        "timeout": _timeout(step.timeout),
        "ignore_errors": step.ignore_errors,
        "batch": "",
        "failure_policy": step.batch_failure_policy,
    }


def _plan_file_step(
    index: int, step: JobStep, hosts: list[Host], account: Account | None, field: str
) -> dict[str, Any]:
    """A plan's file push or fetch step, its stored files checked."""
    files = list(StoredFile.objects.filter(pk__in=step.source_files))
    if step.step_type == StepType.FILE_PUSH and len(files) != len(step.source_files):
        raise DomainError(f"Step {step.name!r} refers to files that no longer exist.", field=field)
    return {
        "index": index,
        "name": step.name,
        "kind": step.step_type,
        "host_ids": [h.pk for h in hosts],
        "account_id": account.pk if account else None,
        "timeout": _timeout(step.timeout),
        "ignore_errors": step.ignore_errors,
        "batch": step.batch_size,
        "failure_policy": step.batch_failure_policy,
        "destination": step.destination,
        "fetch_path": step.fetch_path,
        "files": [{"id": str(f.pk), "name": f.name, "sha256": f.sha256} for f in files],
    }


def _plan_step_spec(
    *,
    actor: Any,
    index: int,
    step: JobStep,
    hosts: list[Host],
    account: Account | None,
    variables: dict[str, Any],
    var_secrets: set[str],
    var_required: set[str],
    action: str = "execute",
) -> tuple[dict[str, Any], dict[str, str]]:
    field = f"steps[{index}]"
    if step.step_type == StepType.PLAYBOOK:
        return _plan_playbook_step(index, step, hosts, account), {}
    if step.step_type != StepType.SCRIPT:
        return _plan_file_step(index, step, hosts, account, field), {}
    common: dict[str, Any] = {
        "index": index,
        "name": step.name,
        "hosts": hosts,
        "account": account,
        "timeout": _timeout(step.timeout),
        "ignore_errors": step.ignore_errors,
        "batch": step.batch_size,
        "policy": step.batch_failure_policy,
    }
    params: dict[str, Any] = dict(variables)
    secret_names = set(var_secrets)
    argv: list[Any] = []
    required = sorted(var_required & var_secrets)
    if step.script is not None:
        if not user_can(actor, step.script, action):
            raise NotAllowed(f"You may not run script {step.script.name!r}.", field=field)
        version = _script_version(step.script, step.script_version, field)
        given = {**step.parameters, **step.secret_parameter_values}
        declared, declared_secrets = resolve_values(version.parameters, given, field)
        if step.script.entry_type == EntryType.PLAYBOOK:
            return _playbook_entry_step(
                version=version, values=declared, secret_names=declared_secrets, given=given,
                **common,
            )  # fmt: skip
        params.update(declared)
        secret_names |= declared_secrets
        argv = _arguments(version.parameters, declared)
        required += _required_secrets(version.parameters)
        content, script_type = version.content, step.script.script_type
    else:
        params.update(step.parameters)
        params.update(step.secret_parameter_values)
        secret_names |= set(step.secret_parameter_values)
        content, script_type = step.script_content, step.script_type
    enforce_rules(content, script_type, field=field)
    return _script_step(
        script_type=script_type, content=content, params=params, secret_names=secret_names,
        argv=argv, required_secrets=required, **common,
    )  # fmt: skip


def plan_run_spec(
    *,
    actor: Any,
    template: Any,
    selection: list[tuple[JobStep, Any]],
    variables: dict[str, Any],
    var_secrets: set[str],
    action: str = "execute",
) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]], list[list[Host]]]:
    """Frozen steps of a template selection (step, plan step or None), in order."""
    steps, secrets, hosts_by_step = [], {}, []
    var_required = {v.name for v in template.variables.all() if v.required}
    for index, (step, plan_step) in enumerate(selection, start=1):
        if plan_step is not None and plan_step.override_targets:
            source: Any = plan_step
        elif not step.use_template_targets:
            source = step
        else:
            source = template
        hosts = resolve_hosts(
            actor=actor,
            host_ids=[h.pk for h in source.target_hosts.all()],
            group_ids=[g.pk for g in source.target_groups.all()],
            field=f"steps[{index}]",
            action=action,
        )
        account = step.account or template.account
        if action == "execute":
            check_account(actor, account, f"steps[{index}]")
            require_accounts(hosts, account, f"steps[{index}]")
        spec, step_secrets = _plan_step_spec(
            actor=actor,
            index=index,
            step=step,
            hosts=hosts,
            account=account,
            variables=variables,
            var_secrets=var_secrets,
            var_required=var_required,
            action=action,
        )
        steps.append(spec)
        secrets[str(index)] = step_secrets
        hosts_by_step.append(hosts)
    return steps, secrets, hosts_by_step


def plan_selection(plan: ExecutionPlan) -> list[tuple[JobStep, Any]]:
    plan_steps = list(
        plan.steps.select_related("step__script", "step__account")
        .prefetch_related("target_hosts", "target_groups")
        .order_by("order")
    )
    if not plan_steps:
        raise DomainError("The plan selects no steps.", field="steps")
    if any(ps.step is None for ps in plan_steps):
        raise Conflict(
            "A step of this plan was removed from the template: sync the plan first.", field="steps"
        )
    return [(ps.step, ps) for ps in plan_steps if ps.step is not None]


def launch_plan(
    *,
    actor: Any,
    plan: ExecutionPlan,
    variables: dict[str, Any] | None = None,
    concurrency: int | None = None,
    kind: str = ExecutionKind.PLAN,
    **links: Any,
) -> Execution:
    if not user_can(actor, plan, "execute"):
        raise NotAllowed("You may not run this plan.")
    values, var_secrets = _plan_variables(plan, variables)
    steps, secrets, hosts_by_step = plan_run_spec(
        actor=actor,
        template=plan.template,
        selection=plan_selection(plan),
        variables=values,
        var_secrets=var_secrets,
    )
    with transaction.atomic():
        return _create_execution(
            actor=actor,
            name=plan.name,
            kind=kind,
            steps=steps,
            secret_spec=secrets,
            hosts_by_step=hosts_by_step,
            forks=_forks(concurrency),
            timeout=max(s["timeout"] for s in steps),
            parameters=_masked(values, var_secrets),
            plan=plan,
            template=plan.template,
            **links,
        )


def retry_failed(*, actor: Any, execution: Execution) -> Execution:
    """A new execution of the same steps on the hosts that did not succeed."""
    if execution.status not in FINISHED_STATUSES:
        raise Conflict("The execution is still running.", field="status")
    bad = set(
        HostResult.objects.filter(execution=execution)
        .exclude(status__in=[HostStatus.SUCCESS, HostStatus.SKIPPED])
        .values_list("host_id", flat=True)
    )
    bad.discard(None)
    if not bad:
        raise DomainError("No failed hosts to retry.", field="hosts")
    hosts = {h.pk: h for h in Host.objects.filter(pk__in=bad)}
    for host in hosts.values():
        if not user_can(actor, host, "execute"):
            raise NotAllowed(f"You may not run jobs on {host.name}.")
    steps: list[dict[str, Any]] = []
    hosts_by_step: list[list[Host]] = []
    for step in execution.spec.get("steps", []):
        chosen = [hosts[i] for i in step["host_ids"] if i in hosts]
        if chosen:
            steps.append({**step, "index": len(steps) + 1, "host_ids": [h.pk for h in chosen]})
            hosts_by_step.append(chosen)
    old_secrets = json.loads(execution.secret_spec) if execution.secret_spec else {}
    index_map = {
        str(s["index"]): str(n)
        for n, s in enumerate(
            [s for s in execution.spec.get("steps", []) if any(i in hosts for i in s["host_ids"])],
            start=1,
        )
    }
    secrets = {index_map[k]: v for k, v in old_secrets.items() if k in index_map}
    with transaction.atomic():
        return _create_execution(
            actor=actor,
            name=f"{execution.name} (retry failed)",
            kind=execution.kind,
            steps=steps,
            secret_spec=secrets,
            hosts_by_step=hosts_by_step,
            forks=execution.forks,
            timeout=execution.timeout,
            parameters=execution.parameters,
            retry_of=execution,
            plan=execution.plan,
            template=execution.template,
            script=execution.script,
            script_version=execution.script_version,
        )


def control_execution(*, actor: Any, execution: Execution, action: str) -> Execution:
    """stop: end the run and its remote processes; pause: start nothing new; resume."""
    if execution.status in FINISHED_STATUSES:
        raise Conflict(f"The execution already ended ({execution.status}).", field="status")
    with transaction.atomic():
        execution = Execution.objects.select_for_update().get(pk=execution.pk)
        if action == "stop":
            execution.control = Control.STOP
            if execution.status == ExecutionStatus.PENDING:
                execution.status = ExecutionStatus.STOPPED
                execution.finished_at = timezone.now()
        elif action == "pause":
            execution.control = Control.PAUSE
        else:
            if execution.control != Control.PAUSE and execution.status != ExecutionStatus.PAUSED:
                raise Conflict("The execution is not paused.", field="status")
            execution.control = Control.NONE
        execution.save(update_fields=["control", "status", "finished_at"])
        record_audit_event(
            actor=actor, action=AuditAction.CONTROL, obj=execution, detail={"action": action}
        )
    stream.set_control(execution.pk, "resume" if action == "resume" else action)
    if execution.started_at is not None:  # a queued run's stream starts when it starts
        stream.append_event(
            execution.pk, {"kind": EventKind.CONTROL, "text": action, "status": execution.status}
        )
    return execution


def test_host_connections(*, actor: Any, hosts: list[Host]) -> Execution:
    """Really connects to each host (a raw command, no Python needed on the target)."""
    for host in hosts:
        if not user_can(actor, host, "execute"):
            raise NotAllowed(f"You may not connect to {host.name}.", field="host_ids")
    require_accounts(hosts, None, "host_ids")
    step = {
        "index": 1,
        "name": "Test connection",
        "kind": "ping",
        "host_ids": [h.pk for h in hosts],
        "account_id": None,
        "timeout": 30,
        "ignore_errors": False,
        "batch": "",
        "failure_policy": "continue",
    }
    with transaction.atomic():
        return _create_execution(
            actor=actor,
            name="Connection test",
            kind=ExecutionKind.CONNECTION_TEST,
            steps=[step],
            secret_spec={},
            hosts_by_step=[hosts],
            forks=_forks(None),
            timeout=30,
            parameters={},
        )
