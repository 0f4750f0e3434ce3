"""WebSocket client for the latency part of bench/run_bench.py (runs in its own process).

Connects to /ws/executions/{id}/?token=JWT&since=0, prints READY once the socket is open,
then records for every {"type": "event"} message: seq, kind, the event's ts (set when the
runner's event handler or the hub.ops plugin appended it to the Redis stream) and the wall
clock time it was received here. Stops after {"type": "end"} (or the timeout) and writes
the records as JSON to the output file.

A separate process keeps the receive timestamps free of the bench process's own work
(ansible-runner's event loop and the database writer run in the bench process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import websockets
from websockets.typing import Origin


async def main(url: str, origin: str, out: str, timeout: float) -> int:
    records: list[list[float]] = []
    ended, closed_code = False, None
    async with websockets.connect(
        url, origin=Origin(origin), max_size=None, open_timeout=30, ping_interval=None
    ) as ws:
        print("READY", flush=True)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    raw = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
                except TimeoutError:
                    break
                received = time.time()
                message = json.loads(raw)
                if message.get("type") == "event":
                    event = message["event"]
                    records.append(
                        [
                            int(event.get("seq") or 0),
                            float(event.get("ts") or 0),
                            received,
                            event.get("kind", ""),
                        ]
                    )
                elif message.get("type") == "end":
                    ended = True
                    break
        except websockets.ConnectionClosed as exc:
            closed_code = exc.rcvd.code if exc.rcvd else None
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"records": records, "ended": ended, "closed_code": closed_code}, handle)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("origin")
    parser.add_argument("out")
    parser.add_argument("--timeout", type=float, default=600)
    ns = parser.parse_args()
    sys.exit(asyncio.run(main(ns.url, ns.origin, ns.out, ns.timeout)))
