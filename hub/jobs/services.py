"""Job template and plan workflows: nested saves, versioning, plan sync, file uploads."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from rest_framework import serializers

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between
from hub.core.crypto import MASK
from hub.core.exceptions import DomainError
from hub.core.paths import UnsafePath, check_segment
from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.jobs.choices import VariableType
from hub.jobs.models import (
    ExecutionPlan,
    JobStep,
    JobTemplate,
    PlanStep,
    StoredFile,
    TemplateVariable,
)
from hub.jobs.snapshot import compare, template_fingerprint
from hub.scripts.choices import ParameterType
from hub.scripts.models import ScriptTemplate
from hub.scripts.parameters import NAME
from hub.scripts.safety import enforce_rules

STEP_M2M = ("target_hosts", "target_groups")


def split_step_parameters(
    script: ScriptTemplate | None, number: int | None, values: Any, instance: JobStep | None
) -> tuple[dict[str, Any], str]:
    """Step parameter values split into plain ones and an encrypted-at-rest JSON of secrets."""
    if not isinstance(values, dict):
        raise serializers.ValidationError({"parameters": ["Must be an object."]})
    declared: dict[str, dict[str, Any]] = {}
    if script is not None:
        version = (
            script.versions.filter(number=number).first() if number else script.current_version
        )
        declared = {p["name"]: p for p in (version.parameters if version else [])}
        if unknown := set(values) - set(declared):
            raise serializers.ValidationError(
                {"parameters": [f"Unknown parameter(s): {sorted(unknown)}."]}
            )
    old_secret = instance.secret_parameter_values if instance else {}
    plain, secret = {}, {}
    for name, value in values.items():
        if not NAME.match(str(name)):
            raise serializers.ValidationError({"parameters": [f"{name!r} is not an identifier."]})
        if declared.get(name, {}).get("type") == ParameterType.SECRET:
            if value == MASK:  # the mask sent back means "keep what is stored"
                if name in old_secret:
                    secret[name] = old_secret[name]
            elif value not in (None, ""):
                secret[name] = str(value)
        elif isinstance(value, str | int | float | list) and not isinstance(value, bool):
            plain[name] = value
        else:
            raise serializers.ValidationError(
                {"parameters": [f"{name}: must be a string, a number or a list."]}
            )
    return plain, json.dumps(secret) if secret else ""


def _save_variables(template: JobTemplate, variables: list[dict[str, Any]]) -> None:
    old = {v.name: v for v in template.variables.all()}
    template.variables.exclude(name__in=[v["name"] for v in variables]).delete()
    for item in variables:
        var = old.get(item["name"]) or TemplateVariable(template=template, name=item["name"])
        var.var_type = item.get("var_type", VariableType.STRING)
        var.description = item.get("description", "")
        var.required = item.get("required", False)
        value = item.get("value")
        if var.var_type == VariableType.SECRET:
            if value != MASK:
                var.secret_value = "" if value is None else str(value)
            var.value = None
        else:
            var.value, var.secret_value = value, ""
        var.save()


def _save_steps(template: JobTemplate, steps: list[dict[str, Any]]) -> None:
    existing = {s.pk: s for s in template.steps.all()}
    keep_ids = {s["id"] for s in steps if s.get("id") in existing}
    unknown = [s["id"] for s in steps if s.get("id") and s["id"] not in existing]
    if unknown:
        raise DomainError(f"Step id(s) {unknown} do not belong to this template.", field="steps")
    template.steps.exclude(pk__in=keep_ids).delete()
    for data in steps:
        data = dict(data)
        m2m = {name: data.pop(name, []) for name in STEP_M2M}
        step = existing.get(data.pop("id", None)) or JobStep(template=template)
        for field, value in data.items():
            setattr(step, field, value)
        if step.script_content and step.script is None:
            enforce_rules(step.script_content, step.script_type, field="steps")
        step.save()
        for name, value in m2m.items():
            getattr(step, name).set(value)


def template_snapshot_for_audit(template: JobTemplate) -> dict[str, Any]:
    fingerprint = template_fingerprint(template)
    return {
        "name": template.name,
        "description": template.description,
        "account": template.account_id,
        "target_hosts": sorted(h.pk for h in template.target_hosts.all()),
        "target_groups": sorted(g.pk for g in template.target_groups.all()),
        "steps": fingerprint["steps"],
        "variables": fingerprint["variables"],
    }


def save_template(
    *, actor: Any, data: dict[str, Any], template: JobTemplate | None = None
) -> JobTemplate:
    """Creates or updates a template with its steps and variables as whole lists."""
    data = dict(data)
    steps, variables = data.pop("steps", None), data.pop("variables", None)
    m2m = {name: data.pop(name) for name in STEP_M2M if name in data}
    with transaction.atomic():
        is_new = template is None
        if template is None:
            template = JobTemplate.objects.create(created_by=actor, **data)
            before: dict[str, Any] = {}
        else:
            template = JobTemplate.objects.select_for_update().get(pk=template.pk)
            before = template_snapshot_for_audit(template)
            for field, value in data.items():
                setattr(template, field, value)
        for name, value in m2m.items():
            getattr(template, name).set(value)
        if variables is not None:
            _save_variables(template, variables)
        if steps is not None:
            _save_steps(template, steps)
        after = template_snapshot_for_audit(template)
        changes = changes_between(before, after)
        if not is_new and changes:
            template.version += 1
        template.save()
        if is_new:
            grant(actor, template, OBJECT_ACTIONS)
        if is_new or changes:
            record_audit_event(
                actor=actor,
                action=AuditAction.CREATE if is_new else AuditAction.UPDATE,
                obj=template,
                changes=changes,
            )
    return template


def delete_template(*, actor: Any, template: JobTemplate) -> None:
    with transaction.atomic():
        record_audit_event(
            actor=actor,
            action=AuditAction.DELETE,
            obj=template,
            changes=changes_between(template_snapshot_for_audit(template), {}),
        )
        template.delete()


def _save_plan_steps(plan: ExecutionPlan, steps: list[dict[str, Any]]) -> None:
    plan.steps.all().delete()
    for order, item in enumerate(steps, start=1):
        plan_step = PlanStep.objects.create(
            plan=plan,
            step=item["step"],
            step_name=item["step"].name,
            order=order,
            override_targets=item.get("override_targets", False),
        )
        plan_step.target_hosts.set(item.get("target_hosts", []))
        plan_step.target_groups.set(item.get("target_groups", []))


def plan_snapshot_for_audit(plan: ExecutionPlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "description": plan.description,
        "variable_values": plan.variable_values,
        "secret_values": MASK if plan.secret_values else "",
        "steps": [[s.step_id, s.order, s.override_targets] for s in plan.steps.all()],
    }


def save_plan(
    *, actor: Any, data: dict[str, Any], plan: ExecutionPlan | None = None
) -> ExecutionPlan:
    """Creates or updates a plan; a new plan selects every template step unless told."""
    data = dict(data)
    steps = data.pop("steps", None)
    with transaction.atomic():
        is_new = plan is None
        if plan is None:
            template = data["template"]
            plan = ExecutionPlan.objects.create(
                created_by=actor,
                synced_version=template.version,
                template_snapshot=template_fingerprint(template),
                **data,
            )
            before: dict[str, Any] = {}
            if steps is None:
                steps = [{"step": s} for s in template.steps.all()]
        else:
            before = plan_snapshot_for_audit(plan)
            for field, value in data.items():
                setattr(plan, field, value)
            plan.save()
        if steps is not None:
            _save_plan_steps(plan, steps)
        if is_new:
            grant(actor, plan, OBJECT_ACTIONS)
        changes = changes_between(before, plan_snapshot_for_audit(plan))
        record_audit_event(
            actor=actor,
            action=AuditAction.CREATE if is_new else AuditAction.UPDATE,
            obj=plan,
            changes=changes,
        )
    return plan


def plan_sync_preview(plan: ExecutionPlan) -> dict[str, Any]:
    current = template_fingerprint(plan.template)
    return {
        "needs_sync": plan.needs_sync,
        "from_version": plan.synced_version,
        "to_version": plan.template.version,
        **compare(plan.template_snapshot, current),
    }


def sync_plan(*, actor: Any, plan: ExecutionPlan) -> dict[str, Any]:
    """Brings the plan to the template's current version.

    Removed steps and variables leave the plan; new steps are listed in the preview and
    stay unselected until the user adds them, so a sync never widens what a plan runs.
    """
    with transaction.atomic():
        plan = ExecutionPlan.objects.select_for_update().get(pk=plan.pk)
        preview = plan_sync_preview(plan)
        plan.steps.filter(step__isnull=True).delete()
        for order, plan_step in enumerate(plan.steps.order_by("order"), start=1):
            assert plan_step.step is not None  # the steps without one were deleted just above
            plan_step.order, plan_step.step_name = order, plan_step.step.name
            plan_step.save(update_fields=["order", "step_name"])
        names = set(plan.template.variables.values_list("name", flat=True))
        plan.variable_values = {k: v for k, v in plan.variable_values.items() if k in names}
        secrets_ = {k: v for k, v in plan.secret_value_map.items() if k in names}
        plan.secret_values = json.dumps(secrets_) if secrets_ else ""
        plan.synced_version = plan.template.version
        plan.template_snapshot = template_fingerprint(plan.template)
        plan.save()
        record_audit_event(actor=actor, action=AuditAction.SYNC, obj=plan, detail=preview)
    return preview


def delete_plan(*, actor: Any, plan: ExecutionPlan) -> None:
    with transaction.atomic():
        record_audit_event(
            actor=actor,
            action=AuditAction.DELETE,
            obj=plan,
            changes=changes_between(plan_snapshot_for_audit(plan), {}),
        )
        plan.delete()


def stored_file_path(file_id: uuid.UUID | str) -> Path:
    return Path(settings.MEDIA_ROOT) / "files" / str(file_id)


def _upload_name(raw: str) -> str:
    """The uploaded file's own name (it becomes a path segment on targets and in exports):
    its last component, or "file" when that is empty, `.`, `..` or holds NUL."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1][:255]
    try:
        return check_segment(name)
    except UnsafePath:
        return "file"


def store_file(*, actor: Any, upload: UploadedFile) -> StoredFile:
    file_id = uuid.uuid4()
    path = stored_file_path(file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    name = _upload_name(upload.name or "")
    return StoredFile.objects.create(
        id=file_id, name=name, size=size, sha256=digest.hexdigest(), created_by=actor
    )
