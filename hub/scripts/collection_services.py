"""The script library to and from ansible-galaxy collections: export and import, audited.

The collection version is `1.<library revision>.0`. The revision is the id of the latest
create/update/delete audit record of a script template: every library change writes one
(new version, metadata edit, rollback, online/offline, deletion), ids only grow, and the
same library state always gives the same number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max, QuerySet

from hub.audit.choices import AuditAction
from hub.audit.models import AuditLog
from hub.audit.services import object_type_of, record_audit_event
from hub.core.crypto import MASK
from hub.core.exceptions import DomainError
from hub.core.permissions import objects_for, user_can
from hub.scripts import galaxy
from hub.scripts.api.serializers import ScriptTemplateSerializer
from hub.scripts.choices import EntryType, ParameterType, VersionStatus
from hub.scripts.models import ScriptTemplate, ScriptVersion
from hub.scripts.services import create_script, update_script

LIBRARY_CHANGES = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE)
HUB_COLLECTION = ("hub", "ops")
_BUILT: dict[str, bytes] = {}  # content hash of the hub.ops source -> its artifact


def library_revision() -> int:
    return (
        AuditLog.objects.filter(
            object_type=object_type_of(ScriptTemplate),
            action__in=LIBRARY_CHANGES,
        ).aggregate(n=Max("pk"))["n"]
        or 0
    )


def collection_version() -> str:
    return f"1.{library_revision()}.0"


def _online_version(script: ScriptTemplate) -> ScriptVersion | None:
    current = script.current_version
    if current is not None and current.status == VersionStatus.ONLINE:
        return current
    return script.versions.filter(status=VersionStatus.ONLINE).order_by("-number").first()


def exportable_scripts(
    *, actor: Any, category: str = "", tag: str = "", ids: list[int] | None = None
) -> QuerySet[ScriptTemplate]:
    scripts = objects_for(actor, ScriptTemplate, "view").select_related(
        "current_version", "created_by"
    )
    if category:
        scripts = scripts.filter(category=category)
    if tag:  # tags are a JSON list; containment is not on SQLite, so match the quoted item
        scripts = scripts.filter(tags__icontains=f'"{tag}"')
    if ids:
        scripts = scripts.filter(pk__in=ids)
    return scripts.order_by("name")


def _spec(script: ScriptTemplate, version: ScriptVersion) -> galaxy.ScriptSpec:
    return galaxy.ScriptSpec(
        name=script.name,
        script_type=script.script_type,
        content=version.content,
        parameters=version.parameters,
        description=script.description,
        category=script.category,
        tags=tuple(script.tags or ()),
        author=script.created_by.get_username() if script.created_by else "",
    )


def export_collection(
    *,
    actor: Any,
    namespace: str,
    name: str,
    category: str = "",
    tag: str = "",
    ids: list[int] | None = None,
) -> tuple[str, bytes]:
    """(file name, tarball) of the scripts `actor` may view, at their online versions."""
    specs = []
    for script in exportable_scripts(actor=actor, category=category, tag=tag, ids=ids):
        if script.entry_type != EntryType.SCRIPT:
            continue  # a playbook entry is a role already: it stays in its own collection
        if (version := _online_version(script)) is not None:
            specs.append(_spec(script, version))
    spec = galaxy.CollectionSpec(namespace=namespace, name=name, version=collection_version())
    data = galaxy.build_collection(spec, specs)
    record_audit_event(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=object_type_of(ScriptTemplate),
        object_repr=spec.filename,
        detail={
            "collection": f"{namespace}.{name}",
            "version": spec.version,
            "scripts": [s.name for s in specs],
        },
    )
    return spec.filename, data


def hub_collection() -> tuple[str, bytes, str]:
    """(file name, artifact, content hash) of the hub.ops collection the hub ships.

    Read from playbooks/ on every call, built only when its content hash is new."""
    namespace, name = HUB_COLLECTION
    root = Path(settings.PLAYBOOKS_DIR) / "ansible_collections" / namespace / name
    source = galaxy.read_source(root)
    data = _BUILT.get(source.digest)
    if data is None:
        data = galaxy.build_artifact(source.galaxy, source.files, source.executable)
        _BUILT.clear()
        _BUILT[source.digest] = data
    return source.filename, data, source.digest


def _first_error(errors: Any, path: str = "") -> str:
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(errors, list) and errors:
        return _first_error(errors[0], path)
    if not path or str(errors).startswith(f"{path}."):  # the message names the field itself
        return str(errors)
    return f"{path}: {errors}"


def _keep_secrets(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Secrets never travel in a collection: keep the stored default of an existing script."""
    return [{**p, "default": MASK} if p["type"] == ParameterType.SECRET else p for p in parameters]


def _unchanged(script: ScriptTemplate, data: dict[str, Any]) -> bool:
    current = script.current_version
    return current is not None and all(
        (
            data["entry_type"] == script.entry_type,
            data["content"] == current.content,
            data["parameters"] == current.parameters,
            data["files"] == current.files,
            *(
                data[f] == getattr(script, f)
                for f in ("script_type", "category", "tags", "description")
            ),
        )
    )


def _import_role(actor: Any, role: galaxy.ImportedRole, source: str) -> tuple[str, dict[str, Any]]:
    """("imported" | "updated" | "skipped", report row) for one role."""
    payload = {**role.script, "comment": f"Imported from {source} (role {role.role})"[:255]}
    existing = (
        ScriptTemplate.objects.select_related("current_version")
        .filter(name=payload["name"])
        .first()
    )
    if existing is not None and not user_can(actor, existing, "change"):
        return "skipped", {
            "role": role.role,
            "reason": f"A script named {existing.name!r} exists and you may not change it.",
        }
    if existing is not None:
        payload["parameters"] = _keep_secrets(payload["parameters"])
    serializer = ScriptTemplateSerializer(existing, data=payload)
    if not serializer.is_valid():
        return "skipped", {"role": role.role, "reason": _first_error(serializer.errors)}
    data = {**serializer.validated_data, "entry_type": role.entry_type, "files": role.files}
    if existing is not None and _unchanged(existing, data):
        return "skipped", {
            "role": role.role,
            "reason": "Unchanged: same content and parameters as the current version.",
        }
    try:
        if existing is None:
            script, _ = create_script(actor=actor, data=data)
        else:
            script, _ = update_script(actor=actor, script=existing, data=data)
    except DomainError as exc:
        return "skipped", {"role": role.role, "reason": exc.message}
    script.refresh_from_db()
    number = script.current_version.number if script.current_version else None
    row = {
        "role": role.role,
        "id": script.pk,
        "name": script.name,
        "entry_type": script.entry_type,
        "version": number,
    }
    return ("imported" if existing is None else "updated"), row


def import_collection(*, actor: Any, data: bytes, filename: str) -> dict[str, list]:
    """Scripts from a collection or roles archive: new ones created, changed ones versioned."""
    try:
        roles = galaxy.parse_archive(data)
    except galaxy.ArchiveError as exc:
        raise DomainError(str(exc), field="file") from exc
    report: dict[str, list] = {"imported": [], "updated": [], "skipped": []}
    for role in roles:
        if role.skipped:
            report["skipped"].append({"role": role.role, "reason": role.skipped})
            continue
        outcome, row = _import_role(actor, role, filename)
        report[outcome].append(row)
    record_audit_event(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type=object_type_of(ScriptTemplate),
        object_repr=filename[:255],
        detail={k: [r.get("name", r["role"]) for r in v] for k, v in report.items()},
    )
    return report
