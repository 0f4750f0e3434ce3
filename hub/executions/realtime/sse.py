"""Server-Sent Events twin of the WebSocket: /api/realtime/sse/logs/{id}/."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from hub.core.envelope import envelope
from hub.core.permissions import user_can
from hub.executions.choices import EventKind
from hub.executions.models import Execution
from hub.executions.realtime.feed import HEARTBEAT, event_feed


@sync_to_async
def _user_from_jwt(token: str) -> Any:
    from django.contrib.auth import get_user_model

    from hub.users.tokens import looks_like_token, user_for_secret

    if looks_like_token(token):  # a personal API token: reading a log needs any scope
        return user_for_secret(token)
    try:
        user_id = AccessToken(token)["user_id"]  # type: ignore[arg-type]
    except (TokenError, KeyError):
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


@sync_to_async
def _can_view(user: Any, execution_id: int) -> bool | None:
    execution = Execution.objects.filter(pk=execution_id).first()
    return None if execution is None else user_can(user, execution, "view")


def _error(code: int, message: str) -> JsonResponse:
    return JsonResponse(
        envelope({"errors": {"detail": [message]}}, code=code, message=message), status=code
    )


async def _frames(execution_id: int, since: int) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    async for event in event_feed(execution_id, since):
        if event is HEARTBEAT:
            yield ": heartbeat\n\n"
            continue
        kind = "end" if event.get("kind") == EventKind.END else "message"
        yield f"id: {event['seq']}\nevent: {kind}\ndata: {json.dumps(event)}\n\n"


async def sse_logs(request: HttpRequest, execution_id: int) -> HttpResponseBase:
    header = request.headers.get("Authorization", "")
    keyword, _, credential = header.partition(" ")
    token = (
        credential.strip()
        if keyword in ("Bearer", "Token") and credential.strip()
        else request.GET.get("token", "")
    )
    user = await _user_from_jwt(token) if token else await request.auser()
    if user is None or not user.is_authenticated:
        return _error(401, "Authentication credentials were not provided.")
    allowed = await _can_view(user, execution_id)
    if not allowed:
        return _error(
            404 if allowed is None else 403,
            "Not found." if allowed is None else "You may not view this execution.",
        )
    raw = request.headers.get("Last-Event-ID") or request.GET.get("since") or "0"
    since = int(raw) if raw.isdigit() else 0
    response = StreamingHttpResponse(_frames(execution_id, since), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
