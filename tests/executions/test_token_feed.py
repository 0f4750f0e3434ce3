"""The live feed (WebSocket and SSE) accepts personal API tokens like JWTs."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient
from django.utils import timezone

from hub.asgi import application
from hub.users import token_services
from hub.users.models import ApiToken
from tests.executions.test_feed import finished_run, sse_frames, ws_messages

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads in another thread


def read_token(user: Any) -> str:
    return token_services.create_api_token(actor=user, name="watch", scope="read")[1]


def test_websocket_with_a_read_token_gets_the_run(owner: Any) -> None:
    execution, last = finished_run(owner, stream_kept=True)
    path = f"/ws/executions/{execution.pk}/?token={read_token(owner)}&since={last}"
    messages = async_to_sync(ws_messages)(path)
    assert messages[-1]["type"] == "end" and messages[-1]["status"] == "success"


def test_websocket_with_a_revoked_token_is_closed_4401(owner: Any) -> None:
    execution, _last = finished_run(owner, stream_kept=True)
    secret = read_token(owner)
    ApiToken.objects.update(revoked_at=timezone.now())

    async def connect() -> Any:
        communicator = WebsocketCommunicator(
            application, f"/ws/executions/{execution.pk}/?token={secret}"
        )
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(connect)() == (False, 4401)


def test_sse_with_a_token_header(owner: Any, monkeypatch: Any) -> None:
    execution, last = finished_run(owner, stream_kept=True)
    secret = read_token(owner)

    async def frames() -> Any:
        return await sse_frames(execution.pk, "", last)

    # sse_frames sends "Bearer <token>"; the Token keyword must work the same way.
    original = AsyncClient.get

    def with_token(self: Any, path: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Token {secret}"}
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(AsyncClient, "get", with_token)
    events = async_to_sync(frames)()
    assert [(e["kind"], e["seq"]) for e in events] == [("end", last)]
    ApiToken.objects.update(revoked_at=timezone.now())

    async def refused() -> int:
        response = await original(
            AsyncClient(),
            f"/api/realtime/sse/logs/{execution.pk}/",
            headers={"Authorization": f"Token {secret}"},
        )
        return int(response.status_code)

    assert async_to_sync(refused)() == 401


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_websocket_takes_the_credential_from_the_authorization_header(
    owner: Any, keyword: str
) -> None:
    from rest_framework_simplejwt.tokens import RefreshToken

    execution, last = finished_run(owner, stream_kept=True)
    secret = (
        read_token(owner) if keyword == "Token" else str(RefreshToken.for_user(owner).access_token)
    )

    async def messages(header: str) -> list[Any]:
        communicator = WebsocketCommunicator(
            application,
            f"/ws/executions/{execution.pk}/?since={last}",
            headers=[(b"authorization", header.encode())],
        )
        connected, code = await communicator.connect()
        if not connected:
            return [code]
        got = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
        await communicator.disconnect()
        return got

    got = async_to_sync(messages)(f"{keyword} {secret}")
    assert got[-1]["type"] == "end" and got[-1]["status"] == "success"
    assert async_to_sync(messages)(f"{keyword} wrong") == [4401]
