"""Placeholder replaced by the live consumer in the execution-engine work."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class ExecutionConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.close(code=4404)
