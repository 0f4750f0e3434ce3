"""The outbound guard: what it refuses, what the allow-list opens, redirects, one lookup.

No test sends traffic beyond 127.0.0.0/8: refusals are checked before any connection,
names are answered by a fake resolver, and the HTTP stubs listen on 127.0.0.1/127.0.0.2.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hub.core import outbound
from hub.core.exceptions import DomainError
from hub.executions import project
from hub.inventory.cloud.services import check_cloud_account
from hub.inventory.models import CloudAccount
from hub.system.services import update_setting
from tests.helpers import err

PUBLIC = "93.184.216.34"
NAMES = {
    "localhost": ["127.0.0.1", "::1"],
    "internal.test": ["127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": [PUBLIC, "10.1.2.3"],
    "public.test": [PUBLIC],
    "hook.test": ["127.0.0.1"],
}


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """socket.getaddrinfo answering NAMES only (no real DNS); returns the names asked."""
    asked: list[str] = []

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(str(host))
        if host not in NAMES:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in NAMES[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def allow(networks: str) -> None:
    update_setting(actor=None, key=outbound.ALLOW_SETTING, value=networks)


class Stub:
    """A local HTTP server answering each path with (status, headers); records requests."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.routes: dict[str, tuple[int, dict[str, str]]] = {}
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Host header)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                stub.requests.append((self.command, self.path, self.headers.get("Host", "")))
                status, headers = stub.routes.get(self.path, (200, {}))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://{address}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str) -> outbound.HttpReply:
    return outbound.send_http(url, method="POST", body=b"{}", headers={}, timeout=5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "category"),
    [
        ("http://127.0.0.1:6379/", "loopback"),
        ("http://localhost/admin/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://10.0.0.5/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://100.64.0.1/", "shared"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://192.0.2.1/", "reserved"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://[64:ff9b::a00:1]/", "private"),
        ("http://2130706433/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://internal.test/", "loopback"),
        ("http://metadata.test/", "link-local"),
        ("http://mixed.test/", "private"),  # ANY refused address refuses the name
        ("http://nowhere.test/", "unresolved"),
        ("ftp://public.test/", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("http://user:pw@public.test/", "url"),
        ("http://public.test\\@127.0.0.1/", "url"),
        ("http://public.test:99999/", "url"),
    ],
)
def test_refused(resolver: list[str], url: str, category: str) -> None:
    with pytest.raises(outbound.OutboundRefused) as caught:
        outbound.check_url(url, purpose=outbound.WEBHOOK, field="webhook_url")
    assert caught.value.category == category
    assert isinstance(caught.value, DomainError) and caught.value.field == "webhook_url"
    assert caught.value.message.startswith("Refused by policy: ")


@pytest.mark.django_db
def test_public_name_is_allowed_with_every_address(resolver: list[str]) -> None:
    target = outbound.check_url("https://Public.Test/hook?x=1", purpose=outbound.WEBHOOK)
    assert (target.host, target.port, target.path) == ("public.test", 443, "/hook?x=1")
    assert [str(a) for a in target.addresses] == [PUBLIC]


@pytest.mark.django_db
def test_allow_list_opens_chosen_networks_only(resolver: list[str]) -> None:
    allow("127.0.0.0/8, 10.1.0.0/16, 12.34.56")  # the last: ignored, logged
    assert outbound.check_url("http://127.0.0.1:6379/", purpose=outbound.WEBHOOK).port == 6379
    assert outbound.check_url("http://internal.test/", purpose=outbound.WEBHOOK)
    assert outbound.check_url("http://mixed.test/", purpose=outbound.WEBHOOK)
    for url in ("http://10.2.0.1/", "http://169.254.169.254/", "http://[::1]/"):
        with pytest.raises(outbound.OutboundRefused):
            outbound.check_url(url, purpose=outbound.WEBHOOK)
    allow("0.0.0.0/0")  # the unspecified address is never a destination
    with pytest.raises(outbound.OutboundRefused, match="unspecified"):
        outbound.check_url("http://0.0.0.0/", purpose=outbound.WEBHOOK)


@pytest.mark.django_db
def test_bad_allow_list_is_refused_by_the_settings_api(client_for: Any, admin: Any) -> None:
    api = client_for(admin)
    err(
        api.patch(f"/api/system/{outbound.ALLOW_SETTING}/", {"value": "1.2.3.4; rm"}),
        400,
    )


@pytest.mark.django_db
def test_redirect_hop_is_checked_again(stub: Stub) -> None:
    other = Stub("127.0.0.2")
    try:
        allow("127.0.0.1/32")
        stub.routes["/hook"] = (302, {"Location": "/moved"})
        stub.routes["/moved"] = (307, {"Location": f"{other.url}/inside"})
        with pytest.raises(outbound.OutboundRefused, match="loopback"):
            post(f"{stub.url}/hook")
        assert [r[:2] for r in stub.requests] == [("POST", "/hook"), ("GET", "/moved")]
        assert other.requests == []  # refused before connecting
    finally:
        other.stop()


@pytest.mark.django_db
def test_redirects_are_limited(stub: Stub) -> None:
    allow("127.0.0.1/32")
    stub.routes["/loop"] = (307, {"Location": "/loop"})
    with pytest.raises(outbound.OutboundFailed, match="redirects"):
        post(f"{stub.url}/loop")
    assert len(stub.requests) == outbound.MAX_REDIRECTS + 1


@pytest.mark.django_db
def test_dns_is_answered_once_and_the_checked_address_is_used(
    resolver: list[str], stub: Stub
) -> None:
    allow("127.0.0.1/32")
    reply = post(f"http://hook.test:{stub.port}/in")
    assert reply.status == 200
    assert resolver == ["hook.test"]  # no second lookup at connect time
    assert stub.requests == [("POST", "/in", f"hook.test:{stub.port}")]


@pytest.mark.django_db
def test_connection_failure_is_outbound_failed(closed_port: int) -> None:
    allow("127.0.0.1/32")
    with pytest.raises(outbound.OutboundFailed):
        post(f"http://127.0.0.1:{closed_port}/")


@pytest.mark.django_db
def test_git_urls(resolver: list[str]) -> None:
    assert outbound.check_git_url("file:///srv/repo") is None
    for url in ("git@internal.test:ops/repo.git", "ssh://git@127.0.0.1/r", "git://10.0.0.5/r"):
        with pytest.raises(outbound.OutboundRefused) as caught:
            outbound.check_git_url(url)
        assert caught.value.field == "playbook_url"
    assert outbound.git_config_args("https://public.test/ops/repo.git") == [
        "-c",
        "http.followRedirects=false",
        "-c",
        f"http.curloptResolve=public.test:443:{PUBLIC}",
    ]
    assert outbound.git_config_args("git@public.test:ops/repo.git") == [
        "-c",
        "http.followRedirects=false",
    ]


@pytest.mark.django_db
def test_clone_refuses_before_running_git(
    resolver: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr(project.subprocess, "run", lambda args, **kw: ran.append(args))
    with pytest.raises(outbound.OutboundRefused):
        project._clone("https://internal.test/repo.git", "", tmp_path / "repo")
    assert ran == []


def _cloud_account(owner: Any, endpoint: str) -> CloudAccount:
    return CloudAccount.objects.create(
        name="c", provider="aws", access_key_id="AKIA", secret="S3cret-value", endpoint=endpoint
    )


@pytest.mark.django_db
def test_cloud_endpoint_is_refused_at_save_and_at_use(api: Any, owner: Any) -> None:
    body = {"name": "c", "provider": "aws", "access_key_id": "AKIA", "secret": "S3cret-value"}
    for endpoint in ("http://169.254.169.254/", "127.0.0.1:4566", "http://[::1]:4566"):
        err(api.post("/api/hosts/cloud-accounts/", {**body, "endpoint": endpoint}), 400, "endpoint")
    stored = _cloud_account(owner, "http://127.0.0.1:4566")  # saved before the policy
    result = check_cloud_account(cloud_account=stored)
    assert result["ok"] is False and result["error_kind"] == "config"
    assert "Refused by policy" in result["message"]
