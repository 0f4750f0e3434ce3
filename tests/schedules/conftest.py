"""Schedules fixtures: a runnable host (with an account) owned by `owner`, a local webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hub.system.services import update_setting
from tests.factories import AccountFactory, HostFactory
from tests.integration.conftest import celery_worker, fleet, hub  # noqa: F401 - fixtures


@pytest.fixture
def host(owner: Any) -> Any:
    return HostFactory(created_by=owner, account=AccountFactory(created_by=owner))


class Receiver:
    """What a local webhook endpoint received: (headers lower-cased, raw body, JSON) per call."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes, Any]] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def allow_loopback(db: Any) -> None:
    """The local webhook stubs listen on 127.0.0.1, which the outbound guard refuses unless
    the administrators allow it (transactional tests: the worker reads the same row)."""
    update_setting(actor=None, key="security.outbound_allow_networks", value="127.0.0.0/8")


@pytest.fixture
def webhook(allow_loopback: None) -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.calls.append(
                ({k.lower(): v for k, v in self.headers.items()}, body, json.loads(body))
            )
            self.send_response(receiver.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)
