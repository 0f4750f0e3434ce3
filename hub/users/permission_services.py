"""Granting and revoking object permissions (admins and the object's creator only)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.exceptions import DomainError, NotAllowed
from hub.core.permissions import grant, holders_of, revoke, user_can

# Short names accepted by /api/permissions/ for each permissioned model.
OBJECT_TYPES = {
    "host": "inventory.Host",
    "group": "inventory.HostGroup",
    "account": "inventory.Account",
    "script": "scripts.ScriptTemplate",
    "template": "jobs.JobTemplate",
    "plan": "jobs.ExecutionPlan",
}


def resolve_object(*, actor: Any, object_type: str, object_id: int) -> models.Model:
    label = OBJECT_TYPES.get(object_type) or next(
        (v for v in OBJECT_TYPES.values() if v.lower() == object_type.lower()), None
    )
    if label is None:
        raise DomainError(
            f"Unknown object type. Use one of: {', '.join(OBJECT_TYPES)}.", field="object_type"
        )
    model = apps.get_model(label)
    obj = model._default_manager.filter(pk=object_id).first()
    if obj is None or not user_can(actor, obj, "view"):
        raise DomainError("No such object.", field="object_id")
    return obj


def _ensure_manager(actor: Any, obj: models.Model) -> None:
    if not (actor.is_superuser or getattr(obj, "created_by_id", None) == actor.pk):
        raise NotAllowed("Only administrators and the object's owner manage its permissions.")


def _holder(user_id: int | None, group_id: int | None) -> Any:
    if user_id:
        holder = get_user_model().objects.filter(pk=user_id).first()
        if holder is None:
            raise DomainError("No such user.", field="user_id")
        return holder
    group = Group.objects.filter(pk=group_id).first() if group_id is not None else None
    if group is None:
        raise DomainError("No such group.", field="group_id")
    return group


def change_object_permissions(
    *,
    actor: Any,
    granting: bool,
    object_type: str,
    object_id: int,
    actions: list[str],
    user_id: int | None = None,
    group_id: int | None = None,
) -> dict[str, Any]:
    obj = resolve_object(actor=actor, object_type=object_type, object_id=object_id)
    _ensure_manager(actor, obj)
    holder = _holder(user_id, group_id)
    with transaction.atomic():
        (grant if granting else revoke)(holder, obj, actions)
        record_audit_event(
            actor=actor,
            action=AuditAction.GRANT if granting else AuditAction.REVOKE,
            obj=obj,
            detail={
                "holder": str(holder),
                "holder_type": "user" if user_id else "group",
                "actions": sorted(actions),
            },
        )
    return holders_of(obj)
