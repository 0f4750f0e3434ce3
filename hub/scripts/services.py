"""Script library workflows: versions on every change, rollback, status, diff."""

from __future__ import annotations

import difflib
from typing import Any

from django.db import transaction
from django.db.models import Max

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between, snapshot
from hub.core.exceptions import DomainError
from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.scripts.models import ScriptTemplate, ScriptVersion
from hub.scripts.safety import enforce_rules

META_FIELDS = ("name", "script_type", "category", "tags", "description")


def _add_version(
    *,
    actor: Any,
    script: ScriptTemplate,
    content: str,
    parameters: list[dict[str, Any]],
    comment: str,
) -> ScriptVersion:
    last = script.versions.aggregate(n=Max("number"))["n"] or 0
    version = ScriptVersion.objects.create(
        script=script,
        number=last + 1,
        content=content,
        parameters=parameters,
        comment=comment[:255],
        created_by=actor if actor and actor.is_authenticated else None,
    )
    script.current_version = version
    script.save(update_fields=["current_version", "updated_at"])
    return version


def create_script(*, actor: Any, data: dict[str, Any]) -> tuple[ScriptTemplate, list]:
    warnings = enforce_rules(data["content"], data.get("script_type", "shell"))
    with transaction.atomic():
        script = ScriptTemplate.objects.create(
            created_by=actor, **{k: data[k] for k in META_FIELDS if k in data}
        )
        _add_version(
            actor=actor,
            script=script,
            content=data["content"],
            parameters=data.get("parameters", []),
            comment=data.get("comment") or "Initial version",
        )
        grant(actor, script, OBJECT_ACTIONS)
        record_audit_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=script,
            changes=changes_between({}, snapshot(script)),
        )
    return script, warnings


def update_script(
    *, actor: Any, script: ScriptTemplate, data: dict[str, Any]
) -> tuple[ScriptTemplate, list]:
    """Metadata changes in place; content/parameter changes add a new current version."""
    current = script.current_version
    content = data.get("content", current.content if current else "")
    parameters = data.get("parameters", current.parameters if current else [])
    warnings = enforce_rules(content, data.get("script_type", script.script_type))
    with transaction.atomic():
        script = ScriptTemplate.objects.select_for_update().get(pk=script.pk)
        before = snapshot(script)
        for field in META_FIELDS:
            if field in data:
                setattr(script, field, data[field])
        script.save()
        if current is None or content != current.content or parameters != current.parameters:
            _add_version(
                actor=actor,
                script=script,
                content=content,
                parameters=parameters,
                comment=data.get("comment", ""),
            )
        changes = changes_between(before, snapshot(script))
        if changes:
            record_audit_event(actor=actor, action=AuditAction.UPDATE, obj=script, changes=changes)
    return script, warnings


def get_version(script: ScriptTemplate, number: int) -> ScriptVersion:
    version = script.versions.filter(number=number).first()
    if version is None:
        raise DomainError(f"Script has no version {number}.", field="version")
    return version


def rollback_script(*, actor: Any, script: ScriptTemplate, number: int) -> ScriptVersion:
    """A new version equal to an old one: history stays immutable."""
    old = get_version(script, number)
    with transaction.atomic():
        version = _add_version(
            actor=actor,
            script=script,
            content=old.content,
            parameters=old.parameters,
            comment=f"Rollback to v{number}",
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=script,
            detail={"rollback_to": number, "new_version": version.number},
        )
    return version


def set_version_status(
    *, actor: Any, script: ScriptTemplate, number: int, status: str
) -> ScriptVersion:
    version = get_version(script, number)
    with transaction.atomic():
        before = version.status
        version.status = status
        version.save(update_fields=["status"])
        record_audit_event(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=script,
            changes={f"versions[{number}].status": {"before": before, "after": status}},
        )
    return version


def diff_versions(script: ScriptTemplate, a: int, b: int) -> dict[str, Any]:
    old, new = get_version(script, a), get_version(script, b)
    diff = difflib.unified_diff(
        old.content.splitlines(keepends=True),
        new.content.splitlines(keepends=True),
        fromfile=f"{script.name} v{a}",
        tofile=f"{script.name} v{b}",
    )
    return {
        "from_version": a,
        "to_version": b,
        "diff": "".join(diff),
        "from_content": old.content,
        "to_content": new.content,
        "parameters_changed": old.parameters != new.parameters,
    }


def delete_script(*, actor: Any, script: ScriptTemplate) -> None:
    with transaction.atomic():
        record_audit_event(
            actor=actor,
            action=AuditAction.DELETE,
            obj=script,
            changes=changes_between(snapshot(script), {}),
        )
        script.current_version = None
        script.save(update_fields=["current_version"])
        script.delete()
