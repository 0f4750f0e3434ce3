"""Request context (client IP, user agent) for audit records written deep inside services."""

from __future__ import annotations

import contextvars
import functools
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "hub_request_context",
    default=RequestContext(),  # noqa: B039 - frozen, never mutated
)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless that peer is a trusted proxy.

    Behind trusted proxies (HUB_TRUSTED_PROXIES) we walk X-Forwarded-For from the right and
    take the first hop that is not itself trusted; anything left of it is client-supplied
    and forgeable. This is the only place the client address is computed (audit, login
    delays, login throttle).
    """
    address = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    trusted = _networks(tuple(settings.HUB_TRUSTED_PROXIES))
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    while address is not None and hops and any(address in net for net in trusted):
        hop = _parse_ip(hops.pop())
        if hop is None:  # a garbled hop: the trusted proxy that relayed it is all we know
            break
        address = hop
    return str(address) if address is not None else None


def _parse_ip(value: str) -> IPAddress | None:
    try:
        parsed = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def current_request_context() -> RequestContext:
    return _current.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(
            RequestContext(client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:255])
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
