"""Health of the parts the dashboard shows: database, Redis, Celery workers and beat.

Beat proves itself with a tick: the periodic task `dashboard.beat_tick` (every 30 s in
CELERY_BEAT_SCHEDULE) stamps the time in Redis; beat is healthy while the stamp is fresher
than `dashboard.beat_stale_seconds`.

Details are for administrators. Anyone else gets the overall verdict and each part's ok,
with a fixed "unavailable" for a failing part: the parts' details name internals (Celery
worker host names, the database vendor, the Redis version, beat's tick age, timings) and
a failing check's error can carry an address or a path, none of which a user needs to
know the hub is unwell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from hub.core.views import CHECKS
from hub.system.services import get_setting

BEAT_TICK_KEY = "beat:last_tick"
UNAVAILABLE = "unavailable"


def stamp_beat_tick(*, now: float | None = None) -> float:
    stamp = now if now is not None else time.time()
    cache.set(BEAT_TICK_KEY, stamp, timeout=None)
    return stamp


def _check_beat() -> dict[str, Any]:
    stamp = cache.get(BEAT_TICK_KEY)
    if stamp is None:
        raise RuntimeError("beat has never ticked (is celery beat running?)")
    age = time.time() - float(stamp)
    if age > get_setting("dashboard.beat_stale_seconds"):
        raise RuntimeError(f"beat's last tick was {int(age)} s ago")
    return {"last_tick_age_seconds": round(age, 1)}


def _run(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = {"ok": True, **check()}
    except Exception as exc:
        result = {"ok": False, "error": str(exc)[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _verdict_only(part: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True} if part["ok"] else {"ok": False, "error": UNAVAILABLE}


def system_health(*, details: bool) -> dict[str, Any]:
    checks = {**CHECKS, "beat": _check_beat}
    parts = {name: _run(check) for name, check in checks.items()}
    healthy = all(p["ok"] for p in parts.values())
    if not details:
        parts = {name: _verdict_only(part) for name, part in parts.items()}
    return {"healthy": healthy, "parts": parts}
