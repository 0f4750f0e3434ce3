"""The live feed of a finished run always ends, even for a client already at its last seq."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient
from rest_framework_simplejwt.tokens import RefreshToken

from hub.asgi import application
from hub.core.permissions import grant
from hub.executions import stream
from hub.executions.engine import finalize_execution
from hub.executions.models import Execution
from tests.executions.test_ingest import emit_run, running_execution

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads in another thread


def finished_run(owner: Any, *, stream_kept: bool) -> tuple[Execution, int]:
    execution = running_execution(owner)
    emit_run(execution.pk, 3)
    stream.append_event(
        execution.pk, {"kind": "host_result", "step": 1, "host": "h1", "status": "success", "rc": 0}
    )
    grant(owner, execution, ["view"])
    finalize_execution(execution.pk)
    if not stream_kept:  # Redis retired the stream: only the database has the events
        stream.client().delete(stream.stream_key(execution.pk), stream.seq_key(execution.pk))
    execution.refresh_from_db()
    return execution, execution.last_seq


async def ws_messages(path: str) -> list[dict[str, Any]]:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    messages: list[dict[str, Any]] = []
    try:
        while not messages or messages[-1]["type"] != "end":
            messages.append(await communicator.receive_json_from(timeout=5))
    finally:
        await communicator.disconnect()
    return messages


async def sse_frames(execution_id: int, token: str, since: int) -> list[dict[str, Any]]:
    response = await AsyncClient().get(
        f"/api/realtime/sse/logs/{execution_id}/",
        headers={"Authorization": f"Bearer {token}", "Last-Event-ID": str(since)},
    )
    assert response.status_code == 200
    events: list[dict[str, Any]] = []

    async def read() -> None:
        async for chunk in response.streaming_content:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            for frame in text.split("\n\n"):
                data = [line[6:] for line in frame.splitlines() if line.startswith("data: ")]
                if data:
                    events.append(json.loads(data[0]))

    await asyncio.wait_for(read(), timeout=5)  # the feed ends: the response closes
    return events


@pytest.mark.parametrize("stream_kept", [True, False])
@pytest.mark.parametrize("past", [0, 5])
def test_websocket_at_or_past_the_last_seq_of_a_finished_run_gets_end(
    owner: Any, stream_kept: bool, past: int
) -> None:
    execution, last = finished_run(owner, stream_kept=stream_kept)
    token = str(RefreshToken.for_user(owner).access_token)
    path = f"/ws/executions/{execution.pk}/?token={token}&since={last + past}"
    messages = async_to_sync(ws_messages)(path)
    assert messages[-1] == {"type": "end", "status": "success", "summary": execution.summary}
    assert [m["event"]["kind"] for m in messages if m["type"] == "event"] == ["end"]


@pytest.mark.parametrize("stream_kept", [True, False])
def test_sse_at_the_last_seq_of_a_finished_run_gets_end(owner: Any, stream_kept: bool) -> None:
    execution, last = finished_run(owner, stream_kept=stream_kept)
    token = str(RefreshToken.for_user(owner).access_token)
    events = async_to_sync(sse_frames)(execution.pk, token, last)
    assert [(e["kind"], e["seq"], e["status"]) for e in events] == [("end", last, "success")]


def test_a_full_replay_still_ends_once(owner: Any) -> None:
    execution, last = finished_run(owner, stream_kept=False)
    token = str(RefreshToken.for_user(owner).access_token)
    events = async_to_sync(sse_frames)(execution.pk, token, 0)
    assert [e["seq"] for e in events] == list(range(1, last + 1))
    assert [e["kind"] for e in events].count("end") == 1
