"""Script library workflows: versions on every change, rollback, status, diff."""

from __future__ import annotations

import difflib
from typing import Any

from django.db import transaction
from django.db.models import Max

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between, snapshot
from hub.core.exceptions import DomainError, NotAllowed
from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.scripts.choices import EntryType
from hub.scripts.models import ScriptTemplate, ScriptVersion
from hub.scripts.safety import enforce_rules

META_FIELDS = ("name", "script_type", "category", "tags", "description")


def _check_entry(
    actor: Any, entry_type: str, script_type: str, content: str, files: dict[str, str]
) -> list:
    """Dangerous-command rules over everything an entry runs; a playbook entry runs any
    Ansible on the hub's workers, so only administrators may write one (as playbook steps)."""
    if entry_type != EntryType.PLAYBOOK:
        return enforce_rules(content, script_type)
    if not getattr(actor, "is_staff", False):
        raise NotAllowed("Only administrators may write playbook entries.", field="content")
    warnings = enforce_rules(content, script_type)
    for path, text in sorted(files.items()):
        warnings += enforce_rules(text, script_type, field=f"files.{path}")
    return warnings


def _add_version(
    *,
    actor: Any,
    script: ScriptTemplate,
    content: str,
    parameters: list[dict[str, Any]],
    comment: str,
    files: dict[str, str] | None = None,
) -> ScriptVersion:
    last = script.versions.aggregate(n=Max("number"))["n"] or 0
    version = ScriptVersion.objects.create(
        script=script,
        number=last + 1,
        content=content,
        parameters=parameters,
        files=files or {},
        comment=comment[:255],
        created_by=actor if actor and actor.is_authenticated else None,
    )
    script.current_version = version
    script.save(update_fields=["current_version", "updated_at"])
    return version


def create_script(*, actor: Any, data: dict[str, Any]) -> tuple[ScriptTemplate, list]:
    """A new entry at v1; `entry_type` and `files` come from a role import only."""
    entry_type = data.get("entry_type", EntryType.SCRIPT)
    files = data.get("files") or {}
    warnings = _check_entry(
        actor, entry_type, data.get("script_type", "shell"), data["content"], files
    )
    with transaction.atomic():
        script = ScriptTemplate.objects.create(
            created_by=actor,
            entry_type=entry_type,
            **{k: data[k] for k in META_FIELDS if k in data},
        )
        _add_version(
            actor=actor,
            script=script,
            content=data["content"],
            parameters=data.get("parameters", []),
            comment=data.get("comment") or "Initial version",
            files=files,
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
    files = data.get("files", current.files if current else {})
    entry_type = data.get("entry_type", script.entry_type)
    changed = current is None or (content, parameters, files) != (
        current.content,
        current.parameters,
        current.files,
    )
    script_type = data.get("script_type", script.script_type)
    if changed or entry_type != script.entry_type:
        warnings = _check_entry(actor, entry_type, script_type, content, files)
    else:
        warnings = enforce_rules(content, script_type)
    with transaction.atomic():
        script = ScriptTemplate.objects.select_for_update().get(pk=script.pk)
        before = snapshot(script)
        for field in META_FIELDS:
            if field in data:
                setattr(script, field, data[field])
        script.entry_type = entry_type
        script.save()
        if changed:
            _add_version(
                actor=actor,
                script=script,
                content=content,
                parameters=parameters,
                comment=data.get("comment", ""),
                files=files,
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
            files=old.files,
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
