"""WebSocket /ws/executions/{id}/?since=N: live events of one execution."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from hub.core.permissions import user_can
from hub.executions.choices import EventKind
from hub.executions.models import Execution
from hub.executions.realtime.feed import HEARTBEAT, event_feed


@database_sync_to_async
def _can_view(user: Any, execution_id: int) -> bool | None:
    execution = Execution.objects.filter(pk=execution_id).first()
    if execution is None:
        return None
    return user_can(user, execution, "view")


def _since(scope: dict[str, Any]) -> int:
    query = parse_qs(scope.get("query_string", b"").decode())
    value = (query.get("since") or query.get("last_event_id") or ["0"])[0]
    return int(value) if value.isdigit() else 0


class ExecutionConsumer(AsyncJsonWebsocketConsumer):
    heartbeat_seconds = 15.0

    async def connect(self) -> None:
        self.feed_task: asyncio.Task | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        execution_id = int(self.scope["url_route"]["kwargs"]["execution_id"])
        allowed = await _can_view(user, execution_id)
        if not allowed:
            await self.close(code=4404 if allowed is None else 4403)
            return
        await self.accept()
        self.feed_task = asyncio.create_task(self._pump(execution_id, _since(self.scope)))

    async def _pump(self, execution_id: int, since: int) -> None:
        async for event in event_feed(
            execution_id, since, heartbeat_seconds=self.heartbeat_seconds
        ):
            if event is HEARTBEAT:
                await self.send_json(HEARTBEAT)
            elif event.get("kind") == EventKind.END:
                await self.send_json({"type": "event", "event": event})
                await self.send_json(
                    {
                        "type": "end",
                        "status": event.get("status"),
                        "summary": event.get("summary", {}),
                    }
                )
            else:
                await self.send_json({"type": "event", "event": event})
        await self.close(code=1000)

    async def disconnect(self, code: int) -> None:
        if self.feed_task is not None:
            self.feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.feed_task

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
