"""The CLI's pieces without a hub: tokens on the wire, saved logins, SSE frames, lines."""

from __future__ import annotations

import io
import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from opsjob_cli.client import (
    CliError,
    Credentials,
    Hub,
    _sse_data,
    authorization,
    load_credentials,
    normalize_url,
    save_credentials,
)
from opsjob_cli.follow import LinePrinter

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJlLXBhcnQ"


def test_jwt_is_bearer_and_anything_else_a_token() -> None:
    assert authorization(JWT) == f"Bearer {JWT}"
    assert authorization("opsj_abc-DEF_123") == "Token opsj_abc-DEF_123"
    assert authorization("a.b") == "Token a.b"
    assert authorization("a.b.c.d") == "Token a.b.c.d"


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://hub:8000/", "http://hub:8000"),
        ("https://ops.example.com/api/", "https://ops.example.com"),
        ("https://example.com/opsjob", "https://example.com/opsjob"),
    ],
)
def test_urls_are_normalised(given: str, base: str) -> None:
    assert normalize_url(given) == base


def test_bad_url_is_a_usage_error() -> None:
    with pytest.raises(CliError) as caught:
        normalize_url("hub.example.com")
    assert caught.value.exit_code == 2


def test_saved_login_is_0600_and_options_beat_env_beat_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("OPSJOB_URL", raising=False)
    monkeypatch.delenv("OPSJOB_TOKEN", raising=False)
    path = tmp_path / "opsjob" / "config.json"
    path.parent.mkdir()
    path.write_text("{}")
    path.chmod(0o644)
    assert save_credentials(Credentials("http://saved", "file-token")) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_credentials() == Credentials("http://saved", "file-token")
    monkeypatch.setenv("OPSJOB_TOKEN", "env-token")
    assert load_credentials().token == "env-token"
    assert load_credentials(url="http://flag", token="flag-token") == Credentials(
        "http://flag", "flag-token"
    )
    path.unlink()
    monkeypatch.delenv("OPSJOB_TOKEN")
    with pytest.raises(CliError) as caught:
        load_credentials()
    assert caught.value.exit_code == 3 and "opsjob login" in caught.value.message


def test_sse_frames_give_their_data_and_skip_heartbeats() -> None:
    stream = io.BytesIO(
        b"retry: 2000\n\n: heartbeat\n\n"
        b'id: 1\nevent: message\ndata: {"seq": 1, "kind": "output"}\n\n'
        b'id: 2\r\nevent: end\r\ndata: {"seq": 2,\r\ndata: "kind": "end"}\r\n\r\n'
    )
    assert [json.loads(d) for d in _sse_data(stream)] == [
        {"seq": 1, "kind": "output"},
        {"seq": 2, "kind": "end"},
    ]


def test_chunks_become_whole_lines_per_host_and_stream() -> None:
    shown: list[tuple[str, bool]] = []
    printer = LinePrinter(lambda line, err: shown.append((line, err)))
    printer.feed("web1", "one\ntw")
    printer.feed("web2", "alpha")
    printer.feed("web1", "oops\n", "stderr")
    printer.feed("web1", "o\nthree")
    printer.flush("web1")
    printer.flush()
    assert shown == [
        ("web1 | one", False),
        ("web1 | oops", True),
        ("web1 | two", False),
        ("web1 | three", False),
        ("web2 | alpha", False),
    ]


class _DroppingFeed(BaseHTTPRequestHandler):
    """An SSE feed that drops the first connection after one event, as a proxy might."""

    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Last-Event-ID", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        since = int(self.headers.get("Last-Event-ID") or 0)
        events = [
            {"seq": 1, "kind": "output", "host": "h", "text": "first\n"},
            {"seq": 2, "kind": "output", "host": "h", "text": "second\n"},
            {"seq": 3, "kind": "end", "status": "success"},
        ]
        for event in events[since : 1 if since == 0 else None]:
            self.wfile.write(f"id: {event['seq']}\ndata: {json.dumps(event)}\n\n".encode())
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def dropping_feed() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DroppingFeed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_live_feed_resumes_after_a_dropped_connection(dropping_feed: str) -> None:
    _DroppingFeed.seen = []
    events = list(Hub(Credentials(dropping_feed, "opsj_x")).live_events(5, transport="sse"))
    assert [e["seq"] for e in events] == [1, 2, 3]  # nothing lost, nothing twice
    assert _DroppingFeed.seen == ["0", "1"]


def test_websocket_feed_resumes_after_a_dropped_connection_with_the_token_in_a_header() -> None:
    from urllib.parse import parse_qs, urlsplit

    from websockets.sync.server import ServerConnection, serve

    seen: list[tuple[str, int, str | None]] = []
    events = [
        {"seq": 1, "kind": "output", "host": "h", "text": "first\n"},
        {"seq": 2, "kind": "output", "host": "h", "text": "second\n"},
        {"seq": 3, "kind": "end", "status": "success"},
    ]

    def handler(socket: ServerConnection) -> None:
        request = socket.request
        assert request is not None
        url = urlsplit(request.path)
        since = int(parse_qs(url.query)["since"][0])
        seen.append((url.path, since, request.headers.get("Authorization")))
        socket.send(json.dumps({"type": "heartbeat"}))
        for event in events[since : 1 if since == 0 else None]:  # the first connection drops
            socket.send(json.dumps({"type": "event", "event": event}))

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        got = list(Hub(Credentials(f"http://127.0.0.1:{port}", "opsj_x")).live_events(5))
        server.shutdown()
    assert [e["seq"] for e in got] == [1, 2, 3]  # nothing lost, nothing twice
    path = "/ws/executions/5/"
    assert seen == [(path, 0, "Token opsj_x"), (path, 1, "Token opsj_x")]
