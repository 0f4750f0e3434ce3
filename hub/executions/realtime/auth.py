"""WebSocket authentication: a JWT or a personal API token (`opsj_…`) in the Authorization
header (`Bearer <JWT>` or `Token <token>`: API clients, the CLI) or in ?token= (the SPA:
browsers cannot set headers on a WebSocket), or the session cookie."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken


@database_sync_to_async
def _user_from_token(token: str) -> Any:
    from hub.users.tokens import looks_like_token, user_for_secret

    if looks_like_token(token):  # watching a run is reading: every scope may
        return user_for_secret(token)
    try:
        user_id = AccessToken(token)["user_id"]  # type: ignore[arg-type]
    except (TokenError, KeyError):
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _header_token(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            keyword, _, credential = value.decode("latin-1").partition(" ")
            if keyword in ("Bearer", "Token"):
                return credential.strip()
    return ""


class _JwtMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode())
        token = _header_token(scope) or (query.get("token") or [""])[0]
        if token:
            user = await _user_from_token(token)
            scope["user"] = user or AnonymousUser()
        return await self.inner(scope, receive, send)


def JwtOrSessionAuthMiddleware(inner: Any) -> Any:
    return AuthMiddlewareStack(_JwtMiddleware(inner))
