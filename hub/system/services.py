"""Reading and changing runtime settings (cached per process for a couple of seconds)."""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core import crypto
from hub.core.exceptions import DomainError
from hub.system.models import SystemSetting
from hub.system.registry import SPECS, SettingSpec, validate_value

_CACHE_SECONDS = 2.0
_cache: dict[str, Any] = {}
_cache_loaded_at = 0.0


def _stored() -> dict[str, Any]:
    global _cache_loaded_at
    now = time.monotonic()
    if now - _cache_loaded_at > _CACHE_SECONDS:
        _cache.clear()
        _cache.update(dict(SystemSetting.objects.values_list("key", "value")))
        _cache_loaded_at = now
    return _cache


def invalidate_settings_cache() -> None:
    global _cache_loaded_at
    _cache_loaded_at = 0.0


def get_setting(key: str) -> Any:
    spec = SPECS[key]
    value = _stored().get(key, spec.default)
    # "secret" settings are stored encrypted; only the services ever see them in clear.
    return crypto.decrypt(value) if spec.type == "secret" and value else value


def _shown(spec: SettingSpec, value: Any) -> Any:
    """What the API and the audit log show: a secret only as set (the mask) or unset ("")."""
    if spec.type == "secret":
        return crypto.MASK if value else ""
    return value


def all_settings() -> list[dict[str, Any]]:
    stored = _stored()
    return [
        {
            "key": s.key,
            "value": _shown(s, stored.get(s.key, s.default)),
            "type": s.type,
            "default": s.default,
            "description": s.description,
            "minimum": s.minimum,
            "maximum": s.maximum,
            "choices": list(s.choices),
        }
        for s in SPECS.values()
    ]


def update_setting(*, actor: Any, key: str, value: Any) -> Any:
    if key not in SPECS:
        raise DomainError(f"Unknown setting {key!r}.", field="key")
    spec = SPECS[key]
    if spec.type == "secret" and value == crypto.MASK:
        return value  # the form sent back what it was shown: the stored secret stays
    try:
        clean = validate_value(spec, value)
    except ValueError as exc:
        raise DomainError(str(exc), field="value") from exc
    stored = crypto.encrypt(clean) if spec.type == "secret" and clean else clean
    with transaction.atomic():
        before = _shown(spec, get_setting(key))
        SystemSetting.objects.update_or_create(
            key=key, defaults={"value": stored, "updated_by": actor}
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="system.setting",
            object_id=key,
            object_repr=key,
            changes={key: {"before": before, "after": _shown(spec, clean)}},
        )
    transaction.on_commit(invalidate_settings_cache)
    invalidate_settings_cache()
    return _shown(spec, clean)
