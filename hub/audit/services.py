"""Writing audit records. Every state-changing service calls record_audit_event."""

from __future__ import annotations

from typing import Any

from django.db import models

from hub.audit.models import AuditLog
from hub.core.middleware import current_request_context
from hub.users.tokens import current_api_token


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record_audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditLog:
    context = current_request_context()
    token = current_api_token()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditLog.objects.create(
        actor=actor if is_user else None,
        username=username or (actor.get_username() if is_user else ""),
        action=action,
        object_type=object_type or (object_type_of(obj) if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:255],
        changes=changes or {},
        detail=detail or {},
        ip=context.ip,
        user_agent=context.user_agent,
        api_token=token,
        token_label=token.label if token is not None else "",
    )
