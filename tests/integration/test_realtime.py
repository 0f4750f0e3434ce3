"""Live delivery: output arrives while the script runs; WebSocket and SSE clients that
reconnect mid-run resume from their last seq with nothing lost and nothing twice."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient
from rest_framework_simplejwt.tokens import RefreshToken

from hub.asgi import application
from hub.executions.models import Execution
from tests.helpers import ok
from tests.integration.conftest import wait_finished

pytestmark = pytest.mark.integration

SCRIPT = "for i in 1 2 3 4 5 6 7 8; do echo line$i; sleep 0.4; done\n"


def launch(hub: Any, hosts: list[int]) -> int:
    return ok(
        hub.post(
            "/api/quick/execute_script/",
            {"script_content": SCRIPT, "target_host_ids": hosts, "account_id": hub.account_id},
            format="json",
        ),
        201,
    )["execution_id"]


async def ws_events(
    path: str, *, stop_after: int | None = None, timeout: float = 60
) -> list[tuple[float, dict[str, Any]]]:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    received: list[tuple[float, dict[str, Any]]] = []
    try:
        while stop_after is None or len(received) < stop_after:
            message = await communicator.receive_json_from(timeout=timeout)
            if message["type"] == "event":
                received.append((time.time(), message["event"]))
            elif message["type"] == "end":
                break
    finally:
        await communicator.disconnect()
    return received


def test_websocket_live_and_resume_without_loss_or_duplicate(hub: Any, owner: Any) -> None:
    token = str(RefreshToken.for_user(owner).access_token)
    execution_id = launch(hub, hub.good[:2])
    base = f"/ws/executions/{execution_id}/?token={token}"
    first = async_to_sync(ws_events)(base, stop_after=6)
    last = first[-1][1]["seq"]
    rest = async_to_sync(ws_events)(f"{base}&since={last}")
    seqs = [e["seq"] for _, e in first + rest]
    assert seqs == list(range(1, len(seqs) + 1)), seqs  # gapless, no duplicates
    events = [e for _, e in first + rest]
    assert events[-1]["kind"] == "end" and events[-1]["status"] == "success"
    outputs = [e for e in events if e["kind"] == "output"]
    text = {
        host: "".join(e["text"] for e in outputs if e["host"] == host)
        for host in {e["host"] for e in outputs}
    }
    assert len(text) == 2
    for host_text in text.values():
        assert host_text.split() == [f"line{i}" for i in range(1, 9)]
    execution = Execution.objects.get(pk=execution_id)
    first_line_at = next(at for at, e in first + rest if e["kind"] == "output")
    assert execution.finished_at.timestamp() - first_line_at > 2.0  # live, not at task end


def test_websocket_requires_auth_and_permission(hub: Any, outsider: Any) -> None:
    execution_id = launch(hub, hub.good[:1])

    async def attempt(path: str) -> tuple[bool, Any]:
        communicator = WebsocketCommunicator(application, path)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(attempt)(f"/ws/executions/{execution_id}/") == (False, 4401)
    token = str(RefreshToken.for_user(outsider).access_token)
    assert async_to_sync(attempt)(f"/ws/executions/{execution_id}/?token={token}") == (False, 4403)
    wait_finished(execution_id)


async def sse_events(
    execution_id: int, token: str, *, last_event_id: int = 0, stop_after: int | None = None
) -> list[dict[str, Any]]:
    client = AsyncClient()
    response = await client.get(
        f"/api/realtime/sse/logs/{execution_id}/",
        headers={"Authorization": f"Bearer {token}", "Last-Event-ID": str(last_event_id)},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    events: list[dict[str, Any]] = []
    buffer = ""
    async for chunk in response.streaming_content:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            frame, buffer = buffer.split("\n\n", 1)
            data = [line[6:] for line in frame.splitlines() if line.startswith("data: ")]
            if data:
                events.append(json.loads(data[0]))
            if events and (
                events[-1]["kind"] == "end"
                or (stop_after is not None and len(events) >= stop_after)
            ):
                await response.aclose() if hasattr(response, "aclose") else None
                return events
    return events


def test_sse_resume_with_last_event_id(hub: Any, owner: Any) -> None:
    token = str(RefreshToken.for_user(owner).access_token)
    execution_id = launch(hub, hub.good[:1])
    first = async_to_sync(sse_events)(execution_id, token, stop_after=5)
    rest = async_to_sync(sse_events)(execution_id, token, last_event_id=first[-1]["seq"])
    seqs = [e["seq"] for e in first + rest]
    assert seqs == list(range(1, len(seqs) + 1))
    assert rest[-1]["kind"] == "end"
    text = "".join(e.get("text", "") for e in first + rest if e["kind"] == "output")
    assert text.split() == [f"line{i}" for i in range(1, 9)]
    # After the run, a late client replays everything from the archive or the stream.
    replay = async_to_sync(sse_events)(execution_id, token)
    assert [e["seq"] for e in replay] == seqs


def test_huge_output_is_capped_live_but_kept_whole_on_disk(hub: Any, owner: Any) -> None:
    from hub.system.services import update_setting

    update_setting(actor=None, key="execution.live_output_limit", value=20_000)
    execution_id = ok(
        hub.post(
            "/api/quick/execute_script/",
            {
                "script_content": "head -c 300000 /dev/zero | tr '\\0' x; echo; echo tail-marker\n",
                "target_host_ids": hub.good[:1],
                "account_id": hub.account_id,
            },
            format="json",
        ),
        201,
    )["execution_id"]
    token = str(RefreshToken.for_user(owner).access_token)
    events = [
        e for _, e in async_to_sync(ws_events)(f"/ws/executions/{execution_id}/?token={token}")
    ]
    live = "".join(e.get("text", "") for e in events if e["kind"] == "output")
    assert "live output truncated" in live and len(live) < 25_000
    assert "tail-marker" not in live
    host = Execution.objects.get(pk=execution_id).targets[0]["name"]
    response = hub.get(f"/api/executor/execution-records/{execution_id}/download/", {"host": host})
    assert response.status_code == 200
    full = b"".join(response.streaming_content).decode()
    assert full.count("x") == 300_000 and "tail-marker" in full
    page = ok(
        hub.get(
            f"/api/executor/execution-records/{execution_id}/logs/",
            {"host": host, "offset": 299_000, "limit": 5000},
        )
    )
    assert "tail-marker" in page["text"] and page["complete"] is True
