"""Talking to a hub started as a process (`hub up`): a free loopback port and JSON calls."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request_json(
    url: str,
    data: dict[str, Any] | None = None,
    token: str = "",
    method: str | None = None,
    timeout: float = 15,
) -> Any:
    """The JSON envelope of a call; an HTTP error's envelope too (a 503 unhealthy carries
    one). A connection that fails raises OSError."""
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())
