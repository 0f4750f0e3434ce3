"""GET /metrics: Prometheus text format, for staff credentials or allow-listed addresses.

Who may read: a client whose address (hub's `client_ip`, so HUB_TRUSTED_PROXIES decides
about X-Forwarded-For) is in the runtime setting `metrics.allow_networks`, or a request
authenticated as a staff user: an API token (`Authorization: Token opsj_…`, any scope),
a JWT (`Bearer`) or a session. Anyone else gets 401 (no or bad credentials) or 403
(a non-staff user), in plain text as scrapers expect.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client.exposition import choose_encoder
from rest_framework.exceptions import APIException

from hub.core.middleware import IPNetwork, client_ip
from hub.metrics import REGISTRY
from hub.metrics.collector import HubCollector
from hub.users import tokens

logger = logging.getLogger(__name__)
ALLOW_SETTING = "metrics.allow_networks"
REGISTRY.register(HubCollector())


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def allowed_networks() -> tuple[IPNetwork, ...]:
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


def _from_allowed_network(request: HttpRequest) -> bool:
    address = client_ip(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in allowed_networks())


def _user_of(request: HttpRequest) -> Any:
    """The user the credentials stand for, None without any; Refused(401) when bad."""
    keyword, _, credential = request.headers.get("Authorization", "").partition(" ")
    try:
        if keyword.lower() == tokens.KEYWORD.lower():
            token = tokens.token_for_secret(credential.strip())
            tokens.check_scope(token, "GET", "metrics")
            return token.user
        if keyword.lower() == "bearer":
            from rest_framework_simplejwt.authentication import JWTAuthentication

            found = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]
            return found[0] if found else None
    except APIException as exc:
        raise Refused(401, "Invalid, expired or revoked credentials.") from exc
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _check_access(request: HttpRequest) -> None:
    if _from_allowed_network(request):
        return
    user = _user_of(request)
    if user is None:
        raise Refused(401, "Authentication required: Authorization: Token <API token>.")
    if not user.is_staff:
        raise Refused(403, "Only staff users may read the metrics.")


def _text(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain")
    if status == 401:
        response["WWW-Authenticate"] = tokens.KEYWORD
    return response


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    try:
        _check_access(request)
    except Refused as refused:
        return _text(refused.status, str(refused))
    # Prometheus says what it parses (text 0.0.4, OpenMetrics) in Accept; honour it.
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(REGISTRY), content_type=content_type)
