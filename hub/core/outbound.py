"""The one guard for every connection the hub opens to an address a user gave.

Users aim the hub at webhook URLs, git repositories and cloud API endpoints. Unchecked, a
user could make the hub talk to its own Redis or admin pages on loopback, the cloud
metadata service (169.254.169.254) or the private network behind it, and read which ports
answer from the error text. `check_url` parses a URL, resolves its host once and refuses it
when ANY address is loopback, link-local, unspecified, multicast, CGNAT, private or
otherwise not public (IPv4-mapped and other embedded IPv4 forms included), unless the
administrators' allow-list `security.outbound_allow_networks` opens that network.

`send_http` is the HTTP client of notifications: it connects to the checked address (no
second lookup, so no DNS rebinding), sends Host and SNI for the name, follows no redirect by
itself and re-checks each hop (at most MAX_REDIRECTS). `git_config_args` gives `git clone`
the same policy: redirects off and, for http(s), curl pinned to the checked address.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from hub.core.exceptions import DomainError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

WEBHOOK = "webhook"
GIT = "git"
CLOUD = "cloud"
SCHEMES = {
    WEBHOOK: frozenset({"http", "https"}),
    CLOUD: frozenset({"http", "https"}),
    GIT: frozenset({"http", "https", "ssh", "git"}),
}
DEFAULT_PORTS = {"http": 80, "https": 443, "ssh": 22, "git": 9418}
ALLOW_SETTING = "security.outbound_allow_networks"
MAX_REDIRECTS = 3
MAX_BODY = 64 * 1024  # bytes of a reply read (and thrown away) before the connection closes
REDIRECTS = frozenset({301, 302, 303, 307, 308})

# What a refusal says: the category of the address, never what (if anything) answered there.
REASONS = {
    "scheme": "this URL scheme is not allowed",
    "url": "the URL is malformed",
    "unresolved": "the host name does not resolve",
    "unspecified": "the host resolves to an unspecified address (0.0.0.0 or ::)",
    "multicast": "the host resolves to a multicast address",
    "loopback": "the host resolves to a loopback address",
    "link-local": "the host resolves to a link-local or metadata address",
    "shared": "the host resolves to a carrier-grade NAT address (100.64.0.0/10)",
    "private": "the host resolves to a private-network address",
    "reserved": "the host resolves to a reserved or non-public address",
}
PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
SHARED = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SCP_LIKE = re.compile(r"^(?:[\w.+-]+@)?(\[[0-9a-fA-F:.]+\]|[\w.-]+):(?!//)")
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class OutboundRefused(DomainError):
    """The policy said no to a destination; `category` is a key of REASONS."""

    def __init__(self, category: str, *, field: str = "url") -> None:
        super().__init__(f"Refused by policy: {REASONS[category]}.", field=field)
        self.category = category


class OutboundFailed(Exception):
    """The request went out and got no usable answer. `detail` (which error, which
    address) is for the logs only: shown to users it would be a port-scan oracle."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A checked destination: the name as given, and every address it resolved to."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or address literal, without brackets
    port: int
    addresses: tuple[IPAddress, ...]  # all checked; connect to these, never re-resolve
    path: str  # path and query for the request line


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The administrators' allow-list; an entry that is not a network is logged and ignored."""
    from hub.system.services import get_setting

    networks = []
    for item in re.split(r"[\s,]+", str(get_setting(ALLOW_SETTING) or "").strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            logger.warning("%s: ignoring %r, not a network", ALLOW_SETTING, item)
    return tuple(networks)


def refusal(address: IPAddress, allowed: tuple[IPNetwork, ...] = ()) -> str | None:
    """The REASONS key refusing this address, or None when the hub may connect to it."""
    ip = _embedded_ipv4(address) or address
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if any(ip in network for network in allowed):
        return None
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip in SHARED:
        return "shared"
    if any(ip in network for network in PRIVATE):
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), judged in its place."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_url(url: str, *, purpose: str, field: str = "url") -> Target:
    """The parsed, resolved and checked target of url, or OutboundRefused naming field."""
    if not isinstance(url, str) or _BAD_CHARS.search(url):
        raise OutboundRefused("url", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused("url", field=field) from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES[purpose]:
        raise OutboundRefused("scheme", field=field)
    if not parts.hostname or (purpose == WEBHOOK and (parts.username or parts.password)):
        raise OutboundRefused("url", field=field)
    port = port or DEFAULT_PORTS[scheme]
    host = _ascii_host(parts.hostname, field)
    addresses = resolve(host, port, field=field)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, scheme, host, port, addresses, path)


def _ascii_host(host: str, field: str) -> str:
    try:
        return host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise OutboundRefused("url", field=field) from exc


def _literal(host: str) -> IPAddress | None:
    """An address written as such, in any form the C resolver accepts (2130706433,
    0177.0.0.1, 0x7f.1): judged as the address it is, not passed on as a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and re.match(r"\d", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def resolve(host: str, port: int, *, field: str = "url") -> tuple[IPAddress, ...]:
    """Every address of host (looked up once), refusing when any of them is not allowed."""
    literal = _literal(host)
    if literal is not None:
        found: tuple[IPAddress, ...] = (literal,)
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise OutboundRefused("unresolved", field=field) from exc
        addresses = (ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
        found = tuple(dict.fromkeys(addresses))
    if not found:
        raise OutboundRefused("unresolved", field=field)
    allowed = allowed_networks()
    for address in found:
        if (category := refusal(address, allowed)) is not None:
            raise OutboundRefused(category, field=field)
    return found


def check_endpoint(value: str, *, field: str = "endpoint") -> Target:
    """A cloud API endpoint override: an http(s) URL or a bare host[:port] (https)."""
    url = value if value.startswith(("http://", "https://")) else f"https://{value}"
    return check_url(url, purpose=CLOUD, field=field)


# ---------------------------------------------------------------------------------------------
# git
# ---------------------------------------------------------------------------------------------
def check_git_url(url: str, *, field: str = "playbook_url") -> Target | None:
    """The checked target of a git URL (scp-like `user@host:path` included); None for
    file:// (the hub's own disk, no network: playbook steps are administrators' only)."""
    if url.startswith("file://"):
        return None
    if (scp := _SCP_LIKE.match(url)) is not None:
        host = scp.group(1).strip("[]")
        return check_url(f"ssh://{host}/", purpose=GIT, field=field)
    return check_url(url, purpose=GIT, field=field)


def git_config_args(url: str) -> list[str]:
    """`git -c ...` options that apply the policy to one clone: the URL is checked, git
    follows no redirect (a hop could not be re-checked), and curl connects to the checked
    address instead of resolving the name again. ssh:// and git:// are checked here but
    the ssh client / git resolve the name themselves (see README, Outbound requests)."""
    target = check_git_url(url)
    args = ["-c", "http.followRedirects=false"]
    if target is not None and target.scheme in ("http", "https"):
        pinned = ",".join(_bracketed(a) for a in target.addresses)
        args += ["-c", f"http.curloptResolve={target.host}:{target.port}:{pinned}"]
    return args


def _bracketed(address: IPAddress) -> str:
    return f"[{address}]" if address.version == 6 else str(address)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HttpReply:
    status: int
    url: str  # of the hop that answered


def send_http(
    url: str,
    *,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float,
    purpose: str = WEBHOOK,
) -> HttpReply:
    """One request under the policy; redirects are followed by hand, each hop re-checked.
    Raises OutboundRefused (a hop not allowed) or OutboundFailed (no answer in time)."""
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(url, purpose=purpose)
        status, location = _exchange(target, method, body, headers, deadline)
        if status not in REDIRECTS or not location:
            return HttpReply(status, url)
        url = urljoin(url, location)
        if status == 303 or (status in (301, 302) and method != "GET"):
            method, body = "GET", None
    raise OutboundFailed(f"more than {MAX_REDIRECTS} redirects")


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise OutboundFailed("timed out")
    return left


def _exchange(
    target: Target, method: str, body: bytes | None, headers: dict[str, str], deadline: float
) -> tuple[int, str]:
    connection = _connect(target, deadline)
    try:
        connection.request(method, target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_BODY)
        return response.status, response.getheader("Location") or ""
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundFailed(f"{target.host}: {type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()


def _connect(target: Target, deadline: float) -> http.client.HTTPConnection:
    """A connection to the first checked address that accepts one (the request itself is
    sent once: a POST is never repeated on another address)."""
    errors = []
    for address in target.addresses:
        connection = _PinnedConnection.for_target(target, address, _remaining(deadline))
        try:
            connection.connect()
        except OSError as exc:
            connection.close()
            errors.append(f"{address}: {type(exc).__name__}: {exc}")
            continue
        return connection
    raise OutboundFailed(f"{target.host}: " + "; ".join(errors))


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to a fixed address; `host` (the name) only fills the Host header."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    @staticmethod
    def for_target(target: Target, address: IPAddress, timeout: float) -> _PinnedConnection:
        kind = _PinnedTLSConnection if target.scheme == "https" else _PinnedConnection
        return kind(target.host, target.port, address=address, timeout=timeout)

    def _open_socket(self) -> socket.socket:
        # Not socket.create_connection: it would call getaddrinfo again.
        family = socket.AF_INET6 if self.address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect((str(self.address), self.port))
        except OSError:
            sock.close()
            raise
        return sock

    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedTLSConnection(_PinnedConnection):
    """HTTPS to a fixed address; the certificate is verified for the name (SNI sent)."""

    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open_socket(), server_hostname=self.host)
