"""Ops endpoints (health), JSON error pages for the API, and the single-page UI."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse

from hub.core.envelope import envelope


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _check_redis() -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    client.ping()
    return {"version": client.info("server").get("redis_version")}


def _check_celery() -> dict[str, Any]:
    from hub.celery import app

    replies = app.control.ping(timeout=1.0) or []
    if not replies:
        raise RuntimeError("no Celery worker answered a ping within 1 s")
    return {"workers": sorted(name for reply in replies for name in reply)}


def _check_supervisor() -> dict[str, Any]:
    """What `hub up`'s supervisor last wrote (each child's pid, restarts, last exit); not ok
    while a child waits for its restart. Its "ok" overrides the caller's default True."""
    from hub.core.supervise import read_status

    status = read_status(settings.HUB_DATA_DIR / "supervisor.json")
    if status is None:
        return {"stale": True}  # left by a `hub up` that is gone
    down = sorted(name for name, child in status["children"].items() if not child["running"])
    return {**status, "ok": not down, "restarting": down}


CHECKS = {"database": _check_database, "redis": _check_redis, "celery": _check_celery}


def _shows_details(request: HttpRequest) -> bool:
    """Superusers (session or JWT) see what each check found; everyone else only each
    part's verdict: worker host names, versions and error texts are internals."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        from rest_framework.exceptions import AuthenticationFailed
        from rest_framework_simplejwt.authentication import JWTAuthentication
        from rest_framework_simplejwt.exceptions import InvalidToken

        try:
            found = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]
        except (AuthenticationFailed, InvalidToken):
            found = None
        user = found[0] if found else None
    return bool(getattr(user, "is_superuser", False))


def health(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis and at least one Celery worker answer (and, under
    `hub up`, every supervised child is running), else 503."""
    results: dict[str, Any] = {}
    checks = dict(CHECKS)
    if (settings.HUB_DATA_DIR / "supervisor.json").exists():
        checks["supervisor"] = _check_supervisor
    for name, check in checks.items():
        started = time.monotonic()
        try:
            detail = check()
            results[name] = {"ok": True, **detail}
        except Exception as exc:
            results[name] = {"ok": False, "error": str(exc)[:300]}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    healthy = all(r["ok"] for r in results.values())
    if not _shows_details(request):
        results = {name: {"ok": r["ok"]} for name, r in results.items()}
    code = 200 if healthy else 503
    return JsonResponse(
        envelope(results, code=code, message="healthy" if healthy else "unhealthy"), status=code
    )


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        envelope({"errors": {"detail": ["Not found."]}}, code=404, message="Not found."), status=404
    )


def api_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        envelope(
            {"errors": {"detail": ["Internal server error."]}},
            code=500,
            message="Internal server error.",
        ),
        status=500,
    )


def spa(request: HttpRequest, path: str = "") -> HttpResponse | FileResponse:
    """The built UI's index.html for every client-side route (history mode)."""
    if path.startswith("assets/"):  # a missing bundle file is a 404, not the SPA's page
        return HttpResponse("Not found", status=404, content_type="text/plain")
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(
            "<h1>OPS Job</h1><p>The web UI is not built. Run <code>make up</code>, which "
            "builds it, or use the API at <a href='/api/docs/'>/api/docs/</a>.</p>",
            status=200,
        )
    return FileResponse(index.open("rb"), content_type="text/html")
