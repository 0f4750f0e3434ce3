"""Dashboard figures against known seeded data; cache and invalidation; health; bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hub.dashboard.health import stamp_beat_tick
from hub.executions.models import Execution, ExecutionStep, HostResult
from hub.system.services import update_setting
from tests.factories import HostFactory
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db
URL = "/api/dashboard/stats/"


def execution(day: datetime, status: str, **links: Any) -> Execution:
    created = Execution.objects.create(
        name=f"e-{status}", kind="quick_script", status=status, **links
    )
    Execution.objects.filter(pk=created.pk).update(created_at=day)
    return created


@pytest.fixture
def seeded(owner: Any) -> dict[str, Any]:
    today = timezone.now().astimezone(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    HostFactory(created_by=owner, status="reachable")
    HostFactory(created_by=owner, status="reachable")
    HostFactory(created_by=owner, status="unreachable")
    for status in ("success", "success", "success", "failed"):
        execution(today, status)
    bad = execution(yesterday, "failed")
    execution(yesterday, "running")
    execution(today - timedelta(days=30), "failed")  # outside a 7-day range
    step = ExecutionStep.objects.create(execution=bad, index=1, name="s", step_type="script")
    HostResult.objects.bulk_create(
        [
            HostResult(execution=bad, step=step, host_name=f"web{i}", status=s)
            for i, s in enumerate(["failed", "unreachable", "success"])
        ]
    )
    return {"today": today.date(), "yesterday": yesterday.date()}


def test_stats_match_seeded_data(client_for: Any, admin: Any, seeded: dict[str, Any]) -> None:
    stats = ok(client_for(admin).get(URL, {"days": 7, "tz": "UTC"}))
    assert stats["counts"]["hosts"] == {"total": 3, "by_status": {"reachable": 2, "unreachable": 1}}
    assert stats["executions"]["total"] == 6
    assert stats["executions"]["by_status"] == {"success": 3, "failed": 2, "running": 1}
    assert stats["executions"]["success_rate"] == 60.0
    trend = {p["date"]: p for p in stats["trend"]}
    assert len(stats["trend"]) == 7
    today, yesterday = trend[seeded["today"].isoformat()], trend[seeded["yesterday"].isoformat()]
    assert (today["total"], today["success"], today["failed"], today["success_rate"]) == (
        4,
        3,
        1,
        75.0,
    )
    assert (yesterday["total"], yesterday["finished"], yesterday["success_rate"]) == (2, 1, 0.0)
    assert sum(p["total"] for p in stats["trend"]) == 6
    assert stats["top_failing"]["hosts"] == [
        {"host_name": "web0", "failures": 1},
        {"host_name": "web1", "failures": 1},
    ]
    assert len(stats["recent"]["executions"]) == 7


def test_explicit_range(client_for: Any, admin: Any, seeded: dict[str, Any]) -> None:
    day = seeded["yesterday"].isoformat()
    stats = ok(client_for(admin).get(URL, {"start": day, "end": day, "tz": "UTC"}))
    assert stats["executions"]["total"] == 2 and len(stats["trend"]) == 1
    trend = ok(
        client_for(admin).get("/api/dashboard/trend/", {"start": day, "end": day, "tz": "UTC"})
    )
    assert trend[0]["total"] == 2


def test_cached_and_invalidated_on_writes(
    client_for: Any,
    admin: Any,
    owner: Any,
    seeded: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(admin)
    first = ok(client.get(URL, {"days": 7}))
    second = ok(client.get(URL, {"days": 7}))
    assert first["cached"] is False and second["cached"] is True
    with django_capture_on_commit_callbacks(execute=True):
        HostFactory(created_by=owner, status="reachable")
    third = ok(client.get(URL, {"days": 7}))
    assert third["cached"] is False and third["counts"]["hosts"]["total"] == 4
    update_setting(actor=admin, key="feature.cache", value=False)
    assert ok(client.get(URL, {"days": 7}))["cached"] is False
    assert ok(client.get(URL, {"days": 7}))["cached"] is False


def test_slow_figures_are_served_stale_while_a_task_recomputes_them(
    client_for: Any,
    admin: Any,
    owner: Any,
    seeded: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hub.dashboard import cache as dashboard_cache
    from hub.dashboard import tasks

    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.refresh_figures_task, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr(dashboard_cache, "SLOW_MS", -1.0)  # every computation counts as slow
    client = client_for(admin)
    first = ok(client.get(URL, {"days": 7}))
    assert first["cached"] is False and first["stale"] is False and queued == []
    with django_capture_on_commit_callbacks(execute=True):
        HostFactory(created_by=owner, status="reachable")
    stale = ok(client.get(URL, {"days": 7}))
    assert stale["stale"] is True and stale["cached"] is True
    assert stale["counts"]["hosts"]["total"] == 3  # the figures from before the write
    assert stale["computed_at"] == first["computed_at"]
    assert len(queued) == 1 and queued[0][0] == "stats"
    assert ok(client.get(URL, {"days": 7}))["stale"] is True and len(queued) == 1  # one refresh
    tasks.refresh_figures_task(*queued[0])  # what the worker runs
    fresh = ok(client.get(URL, {"days": 7}))
    assert fresh["stale"] is False and fresh["cached"] is True
    assert fresh["counts"]["hosts"]["total"] == 4
    with django_capture_on_commit_callbacks(execute=True):  # the refresh released its lock
        HostFactory(created_by=owner, status="reachable")
    assert ok(client.get(URL, {"days": 7}))["stale"] is True and len(queued) == 2


def test_recent_items_follow_permissions(
    client_for: Any, outsider: Any, seeded: dict[str, Any]
) -> None:
    stats = ok(client_for(outsider).get(URL))
    assert stats["recent"] == {"executions": [], "audit_events": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 1000}, "days"),
        ({"days": "x"}, "days"),
        ({"start": "2025-01-01"}, "end"),
        ({"end": "2025-01-01"}, "start"),
        ({"start": "2025-02-01", "end": "2025-01-01"}, "start"),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "end"),
        ({"start": "nope", "end": "2025-01-01"}, "start"),
        ({"start": "2025-01-01", "end": "2025-01-02", "days": 3}, "days"),
        ({"tz": "Nowhere/City"}, "tz"),
    ],
)
def test_bad_range_names_the_field(api: Any, query: dict[str, Any], field: str) -> None:
    err(api.get(URL, query), 400, field)
    err(api.get("/api/dashboard/trend/", query), 400, field)


def test_anonymous_is_refused(client_for: Any) -> None:
    for path in (URL, "/api/dashboard/trend/", "/api/dashboard/health/"):
        err(client_for(None).get(path), 401)


def test_health_reports_beat_by_its_tick(client_for: Any, admin: Any) -> None:
    api = client_for(admin)  # the details (beat's tick age) are for administrators
    health = ok(api.get("/api/dashboard/health/"))
    assert health["parts"]["database"]["ok"] and health["parts"]["redis"]["ok"]
    assert health["parts"]["beat"]["ok"] is False
    stamp_beat_tick()
    assert ok(api.get("/api/dashboard/health/"))["parts"]["beat"]["ok"] is True
    stamp_beat_tick(now=timezone.now().timestamp() - 3600)
    beat = ok(api.get("/api/dashboard/health/"))["parts"]["beat"]
    assert beat["ok"] is False and "ago" in beat["error"]
