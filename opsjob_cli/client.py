"""Talking to a hub: where it is and with which token, JSON calls, and the live feed (SSE).

Only the standard library: the CLI runs wherever the hub's Python environment does, and a
CI job can copy this package alone. The live feed is the hub's Server-Sent Events endpoint
(`/api/realtime/sse/logs/{id}/`): the same feed as the WebSocket (replay from a seq, then
tail, heartbeats, a final `end` event), over plain HTTP.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect as ws_connect

EXIT_OK = 0
EXIT_RUN_FAILED = 1  # the run ended failed, partial, stopped, timed out or unreachable
EXIT_USAGE = 2  # bad arguments, or the hub refused the request as invalid
EXIT_CONNECTION = 3  # the hub cannot be reached, or refused the credentials

# header.payload.signature, each base64url: a JWT from /api/auth/login/
_JWT = re.compile(r"[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}")
USER_AGENT = "opsjob-cli/0.1"


class CliError(Exception):
    """A failure to report on stderr and exit with `exit_code`."""

    def __init__(self, message: str, exit_code: int, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.status = status


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "opsjob" / "config.json"


def normalize_url(url: str) -> str:
    """The hub's base URL (scheme and host, optional path prefix), without /api or '/'."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CliError(f"{url!r} is not an http(s) URL such as https://opsjob.example.com", 2)
    path = parsed.path.rstrip("/").removesuffix("/api")
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))


def save_credentials(credentials: Credentials) -> Path:
    """Writes url and token to the config file, readable by its owner only (0600)."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have had wider permissions
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": credentials.url, "token": credentials.token}, handle, indent=2)
    return path


def load_credentials(url: str | None = None, token: str | None = None) -> Credentials:
    """Options first, then OPSJOB_URL / OPSJOB_TOKEN, then the config file."""
    stored: dict[str, Any] = {}
    path = config_path()
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot read {path}: {exc}", EXIT_CONNECTION) from exc
    url = url or os.environ.get("OPSJOB_URL") or stored.get("url") or ""
    token = token or os.environ.get("OPSJOB_TOKEN") or stored.get("token") or ""
    if not url or not token:
        raise CliError(
            "not logged in: run `opsjob login --url URL --token TOKEN` "
            "(or set OPSJOB_URL and OPSJOB_TOKEN)",
            EXIT_CONNECTION,
        )
    return Credentials(normalize_url(url), token)


def authorization(token: str) -> str:
    """`Bearer` for a JWT (three base64url parts), else `Token` (a personal API token)."""
    return f"Bearer {token}" if _JWT.fullmatch(token) else f"Token {token}"


def _exit_code_for(status: int) -> int:
    if status in (401, 403) or status >= 500:
        return EXIT_CONNECTION
    return EXIT_USAGE


def _message_of(status: int, body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return f"HTTP {status}"
    if isinstance(data, dict) and data.get("message"):
        return f"HTTP {status}: {data['message']}"
    return f"HTTP {status}"


class Hub:
    """The hub's REST API at `credentials.url`, unwrapping the response envelope."""

    def __init__(self, credentials: Credentials, timeout: float = 30.0) -> None:
        self.base = credentials.url
        self.timeout = timeout
        self._headers = {
            "Authorization": authorization(credentials.token),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        with self._open(method, path, body=body, params=params) as response:
            raw = response.read()
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise CliError(
                f"{self.base} did not answer with JSON: is it an OPS Job hub?", 3
            ) from exc
        return data.get("content") if isinstance(data, dict) and "content" in data else data

    def pages(self, path: str, *, limit: int, **params: Any) -> list[dict[str, Any]]:
        """Up to `limit` results of a paginated list, following `next` page by page."""
        results: list[dict[str, Any]] = []
        page = 1
        while len(results) < limit:
            content = self.get(path, page=page, page_size=min(limit, 500), **params)
            if isinstance(content, list):  # an unpaginated list
                return content[:limit]
            results.extend(content.get("results", []))
            if not content.get("next"):
                break
            page += 1
        return results[:limit]

    def _open(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> http.client.HTTPResponse:
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        url = self.base + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only
        for name, value in {**self._headers, **(headers or {})}.items():
            request.add_header(name, value)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            response: http.client.HTTPResponse = urllib.request.urlopen(  # noqa: S310
                request, timeout=timeout or self.timeout
            )
        except urllib.error.HTTPError as exc:
            raise CliError(
                _message_of(exc.code, exc.read()), _exit_code_for(exc.code), exc.code
            ) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(f"cannot reach {self.base}: {reason}", EXIT_CONNECTION) from exc
        return response

    def live_events(
        self, execution_id: int, since: int = 0, transport: str = "ws"
    ) -> Iterator[dict[str, Any]]:
        """The execution's events after `since` until its `end` event, over the hub's
        WebSocket (`ws`, the default) or its Server-Sent Events twin (`sse`: the same feed,
        for proxies that do not pass WebSockets).

        Reconnects (resuming after the last seq seen, so nothing is lost or repeated) when the
        connection drops; gives up after 6 failed attempts in a row.
        """
        feed = self._ws if transport == "ws" else self._sse
        last, failures = since, 0
        while True:
            try:
                for event in feed(execution_id, last):
                    failures = 0
                    last = int(event.get("seq") or last)
                    yield event
                    if event.get("kind") == "end":
                        return
            except CliError as exc:
                if exc.status is not None:  # the hub answered: 401, 403, 404 ...
                    raise
                error = exc.message
            except (OSError, http.client.HTTPException, WebSocketException) as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                error = "the live feed closed before the end of the run"
            failures += 1
            if failures > 5:
                raise CliError(f"lost the live feed of execution {execution_id}: {error}", 3)
            time.sleep(min(0.5 * 2**failures, 8.0))

    def _ws(self, execution_id: int, since: int) -> Iterator[dict[str, Any]]:
        """Events from /ws/executions/{id}/?since=N; the token goes in the Authorization
        header (never in the URL); heartbeats are skipped."""
        url = urllib.parse.urlsplit(self.base)
        scheme = "wss" if url.scheme == "https" else "ws"
        target = f"{scheme}://{url.netloc}{url.path.rstrip('/')}/ws/executions/{execution_id}/"
        headers = {"Authorization": self._headers["Authorization"], "User-Agent": USER_AGENT}
        try:
            socket = ws_connect(f"{target}?since={since}", additional_headers=headers)
        except InvalidStatus as exc:
            status = exc.response.status_code
            message = f"HTTP {status}: the live feed refused"
            raise CliError(message, _exit_code_for(status), status) from exc
        with socket:
            while True:
                try:
                    message = json.loads(socket.recv(timeout=60.0))  # heartbeats every 15 s
                except TimeoutError as exc:
                    raise OSError("no message from the live feed for 60 s") from exc
                if message.get("type") == "event" and isinstance(message.get("event"), dict):
                    yield message["event"]

    def _sse(self, execution_id: int, since: int) -> Iterator[dict[str, Any]]:
        response = self._open(
            "GET",
            f"/api/realtime/sse/logs/{execution_id}/",
            headers={"Accept": "text/event-stream", "Last-Event-ID": str(since)},
            timeout=60.0,  # the hub sends a heartbeat every 15 s while a run is quiet
        )
        with response:
            for data in _sse_data(response):
                event = json.loads(data)
                if isinstance(event, dict):
                    yield event


def _sse_data(lines: Iterator[bytes]) -> Iterator[str]:
    """The `data` of each Server-Sent Event (comments and heartbeats skipped)."""
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
