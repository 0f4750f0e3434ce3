"""ASGI entry: HTTP (API, SSE, UI) and WebSockets (live execution events)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hub.core.limits import leave_bodies_to_django  # noqa: E402
from hub.executions.realtime.auth import JwtOrSessionAuthMiddleware  # noqa: E402
from hub.executions.realtime.routing import websocket_urlpatterns  # noqa: E402

leave_bodies_to_django()
application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        "websocket": AllowedHostsOriginValidator(
            JwtOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
