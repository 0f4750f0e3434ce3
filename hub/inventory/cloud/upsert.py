"""Writing a sync's instances as hosts: upsert by (source=provider, cloud_instance_id), mark
the vanished ones (same cloud account, region scope and filters) missing, never delete."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import serializers

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between, snapshot
from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.inventory.choices import OsType
from hub.inventory.models import Account, CloudHost, CloudSync, Host, HostGroup
from hub.inventory.validators import host_name_from, validate_address

GONE_STATES = frozenset({"terminated", "terminating"})
MAX_ERRORS = 200
# The normalised host vars worth keeping on CloudHost.record (the rest is provider-specific).
RECORD_KEYS = (
    "cloud_instance_name",
    "cloud_hostname",
    "cloud_region",
    "cloud_zone",
    "cloud_instance_type",
    "cloud_status",
    "cloud_state",
    "cloud_os_name",
    "cloud_os_type",
    "cloud_private_ip",
    "cloud_public_ip",
    "cloud_vpc_id",
    "cloud_tags",
    "ansible_host",
)


@dataclass
class SyncContext:
    """What every host of one sync shares: who owns new ones, where they go."""

    sync: CloudSync
    actor: Any
    account: Account | None
    group: HostGroup | None
    taken_names: set[str]
    summary: dict[str, Any] = field(
        default_factory=lambda: {
            "created": 0,
            "updated": 0,
            "marked_missing": 0,
            "unchanged": 0,
            "errors": [],
        }
    )

    def count(self, key: str) -> None:
        self.summary[key] += 1

    def error(self, record: dict[str, Any], message: str) -> None:
        if len(self.summary["errors"]) < MAX_ERRORS:
            self.summary["errors"].append(
                {
                    "instance_id": record.get("cloud_instance_id"),
                    "name": record.get("cloud_instance_name"),
                    "error": message,
                }
            )


def labels_from_tags(tags: dict[str, Any] | None) -> dict[str, str]:
    """Cloud tags as host labels (keys 1-63 characters, values at most 255)."""
    return {
        str(k)[:63]: ("" if v is None else str(v))[:255] for k, v in (tags or {}).items() if str(k)
    }


def address_of(record: dict[str, Any]) -> str:
    for candidate in (
        record.get("ansible_host"),
        record.get("cloud_private_ip"),
        record.get("cloud_public_ip"),
        record.get("cloud_hostname"),
    ):
        if candidate:
            try:
                return validate_address(str(candidate))
            except serializers.ValidationError:
                continue
    raise ValueError("the instance has no usable IP address or hostname")


def _unique_name(base: str, instance_id: str, taken: set[str]) -> str:
    candidates = [base[:255], f"{base[:200]}-{instance_id}"[:255]]
    candidates += [f"{candidates[1][:240]}-{n}" for n in range(2, 1000)]
    name = next(c for c in candidates if c not in taken)
    taken.add(name)
    return name


def _host_values(
    record: dict[str, Any], old_tags: dict[str, Any], host: Host | None
) -> dict[str, Any]:
    os_type = OsType.WINDOWS if record.get("cloud_os_type") == "windows" else OsType.LINUX
    user_labels = {k: v for k, v in (host.labels if host else {}).items() if k not in old_tags}
    return {
        "ip_address": address_of(record),
        "os_type": os_type,
        "labels": {**user_labels, **labels_from_tags(record.get("cloud_tags"))},
        "cloud_region": record.get("cloud_region") or "",
        "cloud_missing": False,
    }


def _save_link(ctx: SyncContext, host: Host, record: dict[str, Any]) -> None:
    CloudHost.objects.update_or_create(
        host=host,
        defaults={
            "cloud_account": ctx.sync.cloud_account,
            "last_sync": ctx.sync,
            "seen_at": timezone.now(),
            "record": {k: record.get(k) for k in RECORD_KEYS},
        },
    )


def _create_host(ctx: SyncContext, record: dict[str, Any]) -> None:
    values = _host_values(record, {}, None)
    instance_id = str(record["cloud_instance_id"])
    base = str(record.get("cloud_instance_name") or record.get("cloud_hostname") or instance_id)
    base = host_name_from(base, host_name_from(instance_id, "cloud-host"))
    host = Host.objects.create(
        name=_unique_name(base, instance_id, ctx.taken_names),
        source=ctx.sync.provider,
        cloud_instance_id=instance_id,
        account=ctx.account,
        created_by=ctx.actor,
        port=5985 if values["os_type"] == OsType.WINDOWS else 22,
        **values,
    )
    if ctx.group is not None:
        host.groups.add(ctx.group)
    if ctx.actor is not None:
        grant(ctx.actor, host, OBJECT_ACTIONS)
    _save_link(ctx, host, record)
    record_audit_event(
        actor=ctx.actor,
        action=AuditAction.SYNC,
        obj=host,
        changes=changes_between({}, snapshot(host)),
        detail={"cloud_sync": ctx.sync.pk},
    )
    ctx.count("created")


def _update_host(ctx: SyncContext, host: Host, record: dict[str, Any]) -> None:
    old_tags = _last_record(host).get("cloud_tags") or {}
    values = _host_values(record, old_tags, host)
    if host.account_id is None and ctx.account is not None:
        values["account"] = ctx.account
    changed = {k: v for k, v in values.items() if getattr(host, k) != v}
    joins_group = ctx.group is not None and ctx.group.pk not in {g.pk for g in host.groups.all()}
    if changed or joins_group:
        before = snapshot(host)
        for name, value in changed.items():
            setattr(host, name, value)
        host.save()
        if joins_group and ctx.group is not None:
            host.groups.add(ctx.group)
        record_audit_event(
            actor=ctx.actor,
            action=AuditAction.SYNC,
            obj=host,
            changes=changes_between(before, snapshot(host)),
            detail={"cloud_sync": ctx.sync.pk},
        )
    _save_link(ctx, host, record)
    ctx.count("updated" if changed or joins_group else "unchanged")


def _mark_missing(ctx: SyncContext, hosts: Iterable[Host]) -> None:
    for host in hosts:
        before = snapshot(host)
        host.cloud_missing = True
        host.save(update_fields=["cloud_missing", "updated_at"])
        record_audit_event(
            actor=ctx.actor,
            action=AuditAction.SYNC,
            obj=host,
            changes=changes_between(before, snapshot(host)),
            detail={"cloud_sync": ctx.sync.pk, "reason": "instance vanished"},
        )
        ctx.count("marked_missing")


def _vanished(
    ctx: SyncContext, seen: set[str], regions: list[str], in_scope: Callable[[dict[str, Any]], bool]
) -> list[Host]:
    """Hosts of this provider, cloud account and regions that the sync did not see but
    whose last record still matches the request's filters (so a filtered sync leaves
    hosts outside its filters alone)."""
    candidates = (
        Host.objects.filter(source=ctx.sync.provider, cloud_region__in=regions, cloud_missing=False)
        .exclude(cloud_instance_id="")
        .exclude(cloud_instance_id__in=seen)
        .filter(cloud_host__cloud_account=ctx.sync.cloud_account)
        .select_related("cloud_host")
    )
    return [h for h in candidates if in_scope(_last_record(h))]


def _last_record(host: Host) -> dict[str, Any]:
    link = getattr(host, "cloud_host", None)
    return link.record if link is not None else {}


def _apply(ctx: SyncContext, record: dict[str, Any], existing: dict[str, Host]) -> None:
    host = existing.get(str(record["cloud_instance_id"]))
    try:
        with transaction.atomic():
            if host is None:
                _create_host(ctx, record)
            else:
                _update_host(ctx, host, record)
    except (ValueError, IntegrityError) as exc:
        ctx.error(record, str(exc))


def upsert_cloud_hosts(
    *,
    ctx: SyncContext,
    records: list[dict[str, Any]],
    regions: list[str],
    in_scope: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """Creates, updates and marks hosts for the instances one sync fetched; returns the
    summary. Terminated instances count as vanished."""
    live = [
        r for r in records if r.get("cloud_instance_id") and r.get("cloud_state") not in GONE_STATES
    ]
    seen = {str(r["cloud_instance_id"]) for r in live}
    with transaction.atomic():
        existing = {
            h.cloud_instance_id: h
            for h in Host.objects.filter(source=ctx.sync.provider, cloud_instance_id__in=seen)
            .select_related("cloud_host")
            .prefetch_related("groups")
        }
        ctx.taken_names.update(Host.objects.values_list("name", flat=True))
        for record in live:
            _apply(ctx, record, existing)
        _mark_missing(ctx, _vanished(ctx, seen, regions, in_scope))
    return ctx.summary
