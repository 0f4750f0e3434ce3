"""Login, logout and token issue, with growing login delays, captcha and audit."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser, User
from django.http import HttpRequest
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core.middleware import client_ip
from hub.system.services import get_setting
from hub.users import login_guard
from hub.users.captcha import check_captcha
from hub.users.exceptions import DirectoryUnavailable, LockedOut, LoginFailed
from hub.users.ldap_login import directory_failure


def login_user(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    captcha_key: str = "",
    captcha_value: str = "",
) -> tuple[User, dict[str, str]]:
    """Checks credentials (and captcha when enabled); returns the user and a JWT pair.

    While the account or the client address is delayed, the attempt is refused (429)
    before the captcha or the password is looked at.
    """
    address = client_ip(request)
    wait = login_guard.seconds_until_allowed(username=username, address=address)
    if wait:
        raise LockedOut(
            f"Too many failed logins for this account or address: try again in {wait} s.",
            retry_after=wait,
        )
    if get_setting("feature.captcha") and not check_captcha(captcha_key, captcha_value):
        raise LoginFailed("The captcha answer is wrong or expired.", field="captcha_value")
    # hub.users.backends.GuardedModelBackend counts the failure or clears the account.
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        if reason := directory_failure():
            raise DirectoryUnavailable(reason)  # still counted as a failure above
        raise LoginFailed("Wrong username or password.", field="password")
    record_audit_event(actor=user, action=AuditAction.LOGIN, obj=user)
    return user, issue_tokens(user)


def record_failed_login(*, username: str, address: str | None) -> None:
    """Counts a failed login against the account and address, and audits it with its delay."""
    failure = login_guard.record_login_failure(username=username, address=address)
    record_audit_event(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        username=username[:150],
        object_type="auth.user",
        object_repr=username[:255],
        detail={
            "account_failures": failure.account_failures,
            "address_failures": failure.address_failures,
            "delay_seconds": failure.delay_seconds,
        },
    )


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
