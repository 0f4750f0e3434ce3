"""Generic audited writes for plain CRUD: one transaction, owner permissions, an audit row.

Domain services with real workflows (versions, plan sync, launches) live in their apps;
this is the shared path every viewset's create/update/destroy goes through.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from rest_framework.serializers import BaseSerializer

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.audit import changes_between, snapshot
from hub.core.permissions import OBJECT_ACTIONS, grant


def create_object(*, actor: Any, serializer: BaseSerializer, **extra: Any) -> models.Model:
    with transaction.atomic():
        # BaseSerializer declares no Meta; every caller passes a ModelSerializer.
        model = serializer.Meta.model  # type: ignore[attr-defined]
        if any(f.name == "created_by" for f in model._meta.fields):
            extra.setdefault("created_by", actor)
        obj = serializer.save(**extra)
        if actor is not None and getattr(actor, "is_authenticated", False):
            grant(actor, obj, _actions_for(obj))
        record_audit_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=obj,
            changes=changes_between({}, snapshot(obj)),
        )
    return obj


def update_object(*, actor: Any, serializer: BaseSerializer) -> models.Model:
    with transaction.atomic():
        instance = serializer.instance
        assert instance is not None, "update_object needs a serializer bound to an instance"
        model = type(instance)
        locked = model._default_manager.select_for_update().get(pk=instance.pk)
        before = snapshot(locked)
        obj = serializer.save()
        changes = changes_between(before, snapshot(obj))
        if changes:
            record_audit_event(actor=actor, action=AuditAction.UPDATE, obj=obj, changes=changes)
    return obj


def delete_object(*, actor: Any, obj: models.Model) -> None:
    with transaction.atomic():
        before = snapshot(obj)
        object_id, text = str(obj.pk), str(obj)
        record_audit_event(
            actor=actor,
            action=AuditAction.DELETE,
            obj=obj,
            object_id=object_id,
            object_repr=text,
            changes=changes_between(before, {}),
        )
        obj.delete()


def _actions_for(obj: models.Model) -> tuple[str, ...]:
    codenames = {p.codename for p in _permissions_of(type(obj))}
    return tuple(a for a in OBJECT_ACTIONS if f"{a}_{obj._meta.model_name}" in codenames)


def _permissions_of(model: type[models.Model]) -> Any:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    return Permission.objects.filter(content_type=ContentType.objects.get_for_model(model))
