"""Login, logout and token issue, with lockout (django-axes), captcha and audit."""

from __future__ import annotations

from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser, User
from django.http import HttpRequest, JsonResponse
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.envelope import envelope
from hub.system.services import get_setting
from hub.users.captcha import check_captcha
from hub.users.exceptions import LockedOut, LoginFailed

LOCKED_MESSAGE = "Too many failed logins: this account is locked for a while. Try again later."


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(
        envelope(
            {"errors": {"username": [LOCKED_MESSAGE]}},
            code=429,
            message=f"username: {LOCKED_MESSAGE}",
        ),
        status=429,
    )


def login_user(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    captcha_key: str = "",
    captcha_value: str = "",
) -> tuple[User, dict[str, str]]:
    """Checks credentials (and captcha when enabled); returns the user and a JWT pair."""
    if get_setting("feature.captcha") and not check_captcha(captcha_key, captcha_value):
        raise LoginFailed("The captcha answer is wrong or expired.", field="captcha_value")
    try:
        user = authenticate(request=request, username=username, password=password)
    except AxesBackendPermissionDenied as exc:
        raise LockedOut(LOCKED_MESSAGE, field="username") from exc
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(LOCKED_MESSAGE, field="username")
    if user is None:
        record_audit_event(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            username=username[:150],
            object_type="auth.user",
            object_repr=username[:255],
        )
        raise LoginFailed("Wrong username or password.", field="password")
    record_audit_event(actor=user, action=AuditAction.LOGIN, obj=user)
    return user, issue_tokens(user)


def issue_tokens(user: AbstractBaseUser) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def logout_user(*, actor: Any, refresh: str) -> None:
    """Blacklists the refresh token so it can no longer mint access tokens."""
    if refresh:
        try:
            # simplejwt annotates `token: Token | None`, but it takes the encoded string.
            RefreshToken(refresh).blacklist()  # type: ignore[arg-type]
        except TokenError as exc:
            raise LoginFailed("Refresh token is invalid or expired.", field="refresh") from exc
    record_audit_event(actor=actor, action=AuditAction.LOGOUT, obj=actor)


def lockout_settings() -> dict[str, Any]:
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
