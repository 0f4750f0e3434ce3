"""Snapshots of model instances for audit before/after records, secrets masked."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from hub.core.crypto import MASK

# Per-process salt: before/after tags of one secret differ exactly when it changed, and
# nothing stable about the secret ever reaches the audit log (tags are replaced by MASK).
_SALT = secrets.token_bytes(16)


# Fields that hold secrets without being EncryptedTextFields (Django's password hash).
SECRET_FIELD_NAMES = frozenset({"password"})


def _secret_tag(value: str) -> str:
    return MASK + "#" + hmac.new(_SALT, value.encode(), hashlib.sha256).hexdigest()[:16]


def _public(value: Any) -> Any:
    return MASK if isinstance(value, str) and value.startswith(MASK + "#") else value


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values of obj (M2M as sorted ids); secrets appear only as a mask."""
    if hasattr(obj, "audit_snapshot"):
        return _plain(obj.audit_snapshot())
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if getattr(field, "secret", False) or field.name in SECRET_FIELD_NAMES:
            value = _secret_tag(value) if value else ""
        data[field.name] = value
    if obj.pk:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    for name in ("created_at", "updated_at"):
        data.pop(name, None)
    return _plain(data)


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    keys = sorted(set(before) | set(after))
    return {
        key: {"before": _public(before.get(key)), "after": _public(after.get(key))}
        for key in keys
        if before.get(key) != after.get(key)
    }
