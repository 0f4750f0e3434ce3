"""Creating, listing and revoking personal API tokens; every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.exceptions import DomainError
from hub.users import tokens
from hub.users.models import ApiToken


def api_token_list_for(user: Any) -> QuerySet[ApiToken]:
    """Superusers see every token (to revoke a leaked one); everyone else their own."""
    queryset = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return queryset if user.is_superuser else queryset.filter(user=user)


def create_api_token(
    *, actor: Any, name: str, scope: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token of `actor`; returns it with its secret, which is never available again."""
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("The expiry must be in the future.", field="expires_at")
    secret = tokens.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            scope=scope,
            prefix=secret[: tokens.PREFIX_LENGTH],
            digest=tokens.digest_of(secret),
            expires_at=expires_at,
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=token,
            detail={"scope": scope, "expires_at": expires_at.isoformat() if expires_at else None},
        )
    return token, secret


def revoke_api_token(*, actor: Any, token: ApiToken) -> ApiToken:
    """Voids the token at once; the row stays so the audit log can still name it."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            record_audit_event(
                actor=actor,
                action=AuditAction.REVOKE,
                obj=locked,
                detail={"owner": locked.user.get_username(), "scope": locked.scope},
            )
    return locked
