"""Personal API tokens on the wire: `Authorization: Token opsj_…`, scopes, and who acted.

A token is `opsj_` + 43 URL-safe characters (256 random bits). The database keeps its
SHA-256 digest and a short prefix; a presented token is looked up by prefix and its digest
compared in constant time. Scope rules are enforced here, for every DRF view at once:

- `read`: safe methods only (GET, HEAD, OPTIONS);
- `execute`: read, plus the routes in EXECUTE_ROUTES (launching and controlling runs);
- `admin`: everything the token's user may do.

Token management (TOKEN_ROUTES) needs `admin`, so a leaked read token cannot mint more.
The token that authenticated the current request is kept for the audit log
(`current_api_token`), per request (ApiTokenContextMiddleware).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from hub.users.choices import SCOPE_RANK, TokenScope
from hub.users.models import ApiToken

TOKEN_PREFIX = "opsj_"  # noqa: S105 - the public marker of our tokens, not a secret
KEYWORD = "Token"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes (URL names) an `execute` token may write to: launching and controlling runs.
EXECUTE_ROUTES = frozenset(
    {
        "quick-execute-script",
        "quick-transfer-file",
        "plan-execute",
        "schedule-run-now",
        "host-test-connection",
        "execution-stop",
        "execution-pause",
        "execution-resume",
        "execution-retry-failed",
    }
)
# Token management: only an `admin` token (or a login) reaches these, even to read.
TOKEN_ROUTES = frozenset({"api-token-list", "api-token-detail", "api-token-revoke"})
# last_used_at is written at most this often per token (a busy CI must not write per call).
TOUCH_EVERY = timedelta(seconds=60)


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def looks_like_token(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX)


def token_for_secret(raw: str) -> ApiToken:
    """The live token `raw` stands for; AuthenticationFailed (401) when it is no such thing,
    revoked, expired, or its user is inactive."""
    wanted = digest_of(raw)
    candidates = ApiToken.objects.select_related("user").filter(prefix=raw[:PREFIX_LENGTH])
    found = next((t for t in candidates if hmac.compare_digest(t.digest, wanted)), None)
    if found is None or found.revoked_at is not None:
        raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
    if not found.is_active:
        raise exceptions.AuthenticationFailed("This API token has expired.")
    if not found.user.is_active:
        raise exceptions.AuthenticationFailed("The user of this API token is inactive.")
    _touch(found)
    return found


def user_for_secret(raw: str) -> Any:
    """The user of a live token, or None (for WebSocket and SSE, which answer 4401/401)."""
    try:
        return token_for_secret(raw).user
    except exceptions.AuthenticationFailed:
        return None


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)


def required_scope(method: str, route: str | None) -> TokenScope:
    if route in TOKEN_ROUTES:
        return TokenScope.ADMIN
    if method in SAFE_METHODS:
        return TokenScope.READ
    return TokenScope.EXECUTE if route in EXECUTE_ROUTES else TokenScope.ADMIN


def check_scope(token: ApiToken, method: str, route: str | None) -> None:
    needed = required_scope(method, route)
    if SCOPE_RANK[TokenScope(token.scope)] < SCOPE_RANK[needed]:
        raise exceptions.PermissionDenied(
            {
                "scope": [
                    f"This API token has scope '{token.scope}'; this request needs "
                    f"scope '{needed}'."
                ]
            }
        )


class ApiTokenAuthentication(BaseAuthentication):
    """DRF authentication for `Authorization: Token <token>`, with the scope rules."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Give the header as 'Token <token>'.")
        token = token_for_secret(parts[1].decode(errors="replace"))
        match = request._request.resolver_match
        check_scope(token, request.method or "GET", match.url_name if match else None)
        _remember(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


@dataclass
class _Acting:
    token: ApiToken | None = None


_acting: contextvars.ContextVar[_Acting | None] = contextvars.ContextVar(
    "hub_api_token", default=None
)


def _remember(token: ApiToken) -> None:
    holder = _acting.get()
    if holder is not None:
        holder.token = token


def current_api_token() -> ApiToken | None:
    """The API token that authenticated the request being served, if one did."""
    holder = _acting.get()
    return holder.token if holder is not None else None


class ApiTokenContextMiddleware:
    """Gives each request its own slot for the acting token, so none outlives its request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = _acting.set(_Acting())
        try:
            return self.get_response(request)
        finally:
            _acting.reset(reset)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the scheme in OpenAPI (loaded with this module, before any schema is built)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token: `Token opsj_…` (scopes read, execute, admin).",
        }
