"""Inventory workflows beyond plain CRUD: bulk import, bulk edit, bulk delete."""

from __future__ import annotations

import csv
import io
from typing import Any

import yaml
from django.db import transaction
from rest_framework.request import Request

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between, snapshot
from hub.core.exceptions import DomainError
from hub.core.permissions import OBJECT_ACTIONS, grant, objects_for, user_can
from hub.inventory.models import Host, HostGroup

IMPORT_COLUMNS = (
    "name",
    "ip_address",
    "port",
    "os_type",
    "groups",
    "labels",
    "description",
    "account",
)
MAX_IMPORT_ROWS = 5000


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"label {part!r} is not key=value")
        labels[key.strip()] = value.strip()
    return labels


def parse_import_rows(fmt: str, text: str) -> list[dict[str, Any]]:
    """Rows of the pasted CSV (header line first) or YAML (a list of mappings)."""
    if fmt == "yaml":
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DomainError(f"Not valid YAML: {exc}", field="text") from exc
        if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
            raise DomainError("YAML must be a list of host mappings.", field="text")
        return loaded
    reader = csv.DictReader(io.StringIO(text.strip()))
    unknown = set(reader.fieldnames or []) - set(IMPORT_COLUMNS)
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise DomainError(
            f"CSV needs a header line with: {', '.join(IMPORT_COLUMNS)}.", field="text"
        )
    if unknown:
        raise DomainError(f"Unknown CSV columns: {', '.join(sorted(unknown))}.", field="text")
    rows: list[dict[str, Any]] = []
    for row in reader:
        item: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k}
        item["groups"] = [g.strip() for g in item.get("groups", "").split(";") if g.strip()]
        try:
            item["labels"] = _parse_labels(item.get("labels", ""))
        except ValueError as exc:
            item["labels"] = {"__error__": str(exc)}
        if not item.get("port"):
            item.pop("port", None)
        rows.append(item)
    return rows


def _resolve_names(actor: Any, row: dict[str, Any], errors: dict[str, list[str]]) -> None:
    from hub.inventory.models import Account

    groups = row.get("groups") or []
    if not isinstance(groups, list):
        errors["groups"] = ["Must be a list of group names."]
        return
    visible = {g.name: g.pk for g in objects_for(actor, HostGroup).filter(name__in=groups)}
    missing = [g for g in groups if g not in visible]
    if missing:
        errors["groups"] = [f"Unknown group(s): {', '.join(map(str, missing))}."]
    row["groups"] = [visible[g] for g in groups if g in visible]
    account = row.pop("account", "")
    if account:
        found = objects_for(actor, Account).filter(name=account).first()
        if found is None:
            errors["account"] = [f"Unknown account {account!r}."]
        else:
            row["account"] = found.pk


def import_hosts(*, actor: Any, request: Request, fmt: str, text: str) -> dict[str, Any]:
    """Validates every row first; imports all of them or none (errors listed per line)."""
    from hub.inventory.api.serializers import HostSerializer

    rows = parse_import_rows(fmt, text)
    if len(rows) > MAX_IMPORT_ROWS:
        raise DomainError(f"At most {MAX_IMPORT_ROWS} hosts per import.", field="text")
    prepared, errors = [], []
    existing = {h.name: h for h in Host.objects.filter(name__in=[r.get("name") for r in rows])}
    for line, row in enumerate(rows, start=2 if fmt == "csv" else 1):
        row_errors: dict[str, list[str]] = {}
        if isinstance(row.get("labels"), dict) and "__error__" in row["labels"]:
            row_errors["labels"] = [row["labels"]["__error__"]]
        _resolve_names(actor, row, row_errors)
        instance = existing.get(str(row.get("name")))
        if instance is not None and not user_can(actor, instance, "change"):
            row_errors["name"] = ["A host with this name exists and you may not change it."]
        serializer = HostSerializer(
            instance, data=row, context={"request": request}, partial=instance is not None
        )
        if not serializer.is_valid():
            row_errors.update(serializer.errors)
        if row_errors:
            errors.append({"line": line, "name": row.get("name"), "errors": row_errors})
        prepared.append(serializer)
    if errors:
        raise DomainError(
            "Some rows are invalid; nothing was imported.", field="text", extra={"rows": errors}
        )
    return _save_import(actor, prepared)


def _save_import(actor: Any, prepared: list[Any]) -> dict[str, Any]:
    created = updated = 0
    with transaction.atomic():
        for serializer in prepared:
            before = snapshot(serializer.instance) if serializer.instance else {}
            is_new = serializer.instance is None
            host = serializer.save(created_by=actor) if is_new else serializer.save()
            if is_new:
                grant(actor, host, OBJECT_ACTIONS)
            created, updated = created + is_new, updated + (not is_new)
            record_audit_event(
                actor=actor,
                action=AuditAction.IMPORT,
                obj=host,
                changes=changes_between(before, snapshot(host)),
            )
    return {"created": created, "updated": updated, "errors": []}


def _hosts_for(actor: Any, ids: list[int], action: str) -> list[Host]:
    """All the hosts named by ids, each one the actor may `action`, or a 400 naming ids."""
    hosts = list(objects_for(actor, Host).filter(pk__in=ids))
    found = {h.pk for h in hosts}
    if missing := sorted({i for i in ids if i not in found}):
        raise DomainError(f"Unknown host id(s): {missing[:20]}.", field="ids")
    if denied := [h.pk for h in hosts if not user_can(actor, h, action)]:
        raise DomainError(f"You may not {action} host(s): {denied[:20]}.", field="ids")
    return hosts


def bulk_update_hosts(*, actor: Any, ids: list[int], changes: dict[str, Any]) -> int:
    hosts = _hosts_for(actor, ids, "change")
    add_groups = changes.pop("add_groups", [])
    remove_groups = changes.pop("remove_groups", [])
    labels = changes.pop("labels", None)
    with transaction.atomic():
        for host in hosts:
            before = snapshot(host)
            for field, value in changes.items():
                setattr(host, field, value)
            if labels is not None:
                host.labels = {**host.labels, **labels}
            host.save()
            host.groups.add(*add_groups)
            host.groups.remove(*remove_groups)
            record_audit_event(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=host,
                changes=changes_between(before, snapshot(host)),
            )
    return len(hosts)


def bulk_delete_hosts(*, actor: Any, ids: list[int]) -> int:
    hosts = _hosts_for(actor, ids, "delete")
    with transaction.atomic():
        for host in hosts:
            record_audit_event(
                actor=actor,
                action=AuditAction.DELETE,
                obj=host,
                changes=changes_between(snapshot(host), {}),
            )
            host.delete()
    return len(hosts)
