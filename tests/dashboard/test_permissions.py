"""The dashboard shows each user only what they may view: counts, trend, top failures,
recent items and health details; the shared cache never hands a user someone else's."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.dashboard.health import stamp_beat_tick
from hub.executions.models import Execution, ExecutionStep, HostResult
from hub.system.services import update_setting
from tests.factories import (
    HostFactory,
    JobTemplateFactory,
    ScheduleFactory,
    make_script,
)
from tests.helpers import ok
from tests.querycount import pin_settings_cache

pytestmark = pytest.mark.django_db
STATS = "/api/dashboard/stats/"
TREND = "/api/dashboard/trend/"
HEALTH = "/api/dashboard/health/"
RANGE = {"days": 7, "tz": "UTC"}


def owned_execution(owner: Any, status: str, **links: Any) -> Execution:
    created = Execution.objects.create(
        name=f"e-{status}", kind="quick_script", status=status, created_by=owner, **links
    )
    grant(owner, created, OBJECT_ACTIONS)
    return created


def failed_on(execution: Execution, *hosts: Any) -> None:
    step = ExecutionStep.objects.create(execution=execution, index=1, name="s", step_type="script")
    HostResult.objects.bulk_create(
        [
            HostResult(execution=execution, step=step, host=h, host_name=h.name, status="failed")
            for h in hosts
        ]
    )


@pytest.fixture
def world(owner: Any) -> dict[str, Any]:
    """The owner's hub: 3 hosts, a script, a template, a plan, a schedule, 4 executions;
    `shared_host` failed in two executions, `secret_host` in one."""
    shared_host = HostFactory(created_by=owner, name="shared-web", status="reachable")
    secret_host = HostFactory(created_by=owner, name="secret-db", status="unreachable")
    HostFactory(created_by=owner, name="secret-cache", status="reachable")
    make_script(owner, name="owners-script")
    template = JobTemplateFactory(created_by=owner, name="owners-template")
    ScheduleFactory(created_by=owner)  # with its plan
    owned_execution(owner, "success")
    owned_execution(owner, "success")
    granted = owned_execution(owner, "failed", template=template)
    other = owned_execution(owner, "failed", template=template)
    failed_on(granted, shared_host, secret_host)
    failed_on(other, shared_host)
    return {"shared_host": shared_host, "granted": granted, "other": other}


def today(stats_or_trend: Any) -> dict[str, Any]:
    trend = stats_or_trend if isinstance(stats_or_trend, list) else stats_or_trend["trend"]
    day = timezone.now().astimezone(UTC).date().isoformat()
    return next(p for p in trend if p["date"] == day)


def assert_sees_nothing(stats: dict[str, Any]) -> None:
    assert stats["counts"] == {
        "hosts": {"total": 0, "by_status": {}},
        "scripts": 0,
        "templates": 0,
        "plans": 0,
        "schedules": {"total": 0, "enabled": 0},
    }
    assert stats["executions"] == {"total": 0, "by_status": {}, "success_rate": None}
    assert all(p["total"] == 0 and p["success_rate"] is None for p in stats["trend"])
    assert stats["top_failing"] == {"templates": [], "scripts": [], "plans": [], "hosts": []}
    assert stats["recent"] == {"executions": [], "audit_events": []}


def test_outsider_sees_no_counts_trend_failures_or_recent_items(
    client_for: Any, outsider: Any, world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(outsider)
    with django_assert_max_num_queries(20):
        stats = ok(client.get(STATS, RANGE))
    assert_sees_nothing(stats)
    assert stats["cached"] is False and stats["stale"] is False
    assert all(p["total"] == 0 for p in ok(client.get(TREND, RANGE)))


def test_member_sees_exactly_the_host_and_execution_granted(
    client_for: Any, member: Any, world: dict[str, Any]
) -> None:
    grant(member, world["shared_host"], ["view"])
    grant(member, world["granted"], ["view"])
    client = client_for(member)
    stats = ok(client.get(STATS, RANGE))
    assert stats["counts"]["hosts"] == {"total": 1, "by_status": {"reachable": 1}}
    assert (stats["counts"]["templates"], stats["counts"]["plans"]) == (0, 0)
    assert (stats["counts"]["scripts"], stats["counts"]["schedules"]["total"]) == (0, 0)
    assert stats["executions"] == {"total": 1, "by_status": {"failed": 1}, "success_rate": 0.0}
    assert (today(stats)["total"], today(stats)["failed"], today(stats)["success_rate"]) == (
        1,
        1,
        0.0,
    )
    # one failure of shared-web: the other execution's is not theirs, secret-db is not theirs
    assert stats["top_failing"]["hosts"] == [{"host_name": "shared-web", "failures": 1}]
    assert stats["top_failing"]["templates"] == []  # the template itself is not theirs
    assert [e["id"] for e in stats["recent"]["executions"]] == [world["granted"].pk]
    assert stats["recent"]["audit_events"] == []
    assert today(ok(client.get(TREND, RANGE)))["total"] == 1


def test_host_names_need_a_viewable_execution_and_a_viewable_host(
    client_for: Any, member: Any, world: dict[str, Any]
) -> None:
    grant(member, world["granted"], ["view"])  # the execution, none of its hosts
    stats = ok(client_for(member).get(STATS, RANGE))
    assert stats["top_failing"]["hosts"] == []
    assert stats["executions"]["total"] == 1


def test_owner_sees_their_own_hub(client_for: Any, owner: Any, world: dict[str, Any]) -> None:
    stats = ok(client_for(owner).get(STATS, RANGE))
    assert stats["counts"]["hosts"]["total"] == 3
    assert stats["counts"]["templates"] == 2 and stats["counts"]["plans"] == 1  # the plan's own
    assert stats["counts"]["scripts"] == 1 and stats["counts"]["schedules"]["total"] == 1
    assert stats["executions"]["total"] == 4 and stats["executions"]["success_rate"] == 50.0
    assert stats["top_failing"]["hosts"][0] == {"host_name": "shared-web", "failures": 2}
    assert stats["top_failing"]["templates"][0]["name"] == "owners-template"
    assert {e["action"] for e in stats["recent"]["audit_events"]} >= {"create"}


def test_admin_sees_everything(client_for: Any, admin: Any, world: dict[str, Any]) -> None:
    stats = ok(client_for(admin).get(STATS, RANGE))
    assert stats["counts"]["hosts"] == {
        "total": 3,
        "by_status": {"reachable": 2, "unreachable": 1},
    }
    assert stats["executions"]["total"] == 4 and today(stats)["total"] == 4
    assert stats["top_failing"]["hosts"] == [
        {"host_name": "shared-web", "failures": 2},
        {"host_name": "secret-db", "failures": 1},
    ]
    assert len(stats["recent"]["executions"]) == 4
    assert stats["recent"]["audit_events"]  # the owner's, read by an administrator


def test_a_warm_admin_cache_does_not_leak_to_others(
    client_for: Any, admin: Any, outsider: Any, member: Any, world: dict[str, Any]
) -> None:
    grant(member, world["granted"], ["view"])
    admin_client = client_for(admin)
    assert ok(admin_client.get(STATS, RANGE))["cached"] is False
    assert ok(admin_client.get(STATS, RANGE))["cached"] is True  # warm
    assert today(ok(admin_client.get(TREND, RANGE)))["total"] == 4  # warm trend too
    assert_sees_nothing(ok(client_for(outsider).get(STATS, RANGE)))
    assert ok(client_for(member).get(STATS, RANGE))["executions"]["total"] == 1
    assert today(ok(client_for(outsider).get(TREND, RANGE)))["total"] == 0
    assert ok(admin_client.get(STATS, RANGE))["executions"]["total"] == 4  # still the admin's


def test_stale_admin_figures_are_never_served_to_others(
    client_for: Any,
    admin: Any,
    outsider: Any,
    owner: Any,
    world: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hub.dashboard import cache as dashboard_cache
    from hub.dashboard import tasks

    monkeypatch.setattr(tasks.refresh_figures_task, "delay", lambda *args: None)
    monkeypatch.setattr(dashboard_cache, "SLOW_MS", -1.0)  # every computation counts as slow
    ok(client_for(admin).get(STATS, RANGE))
    with django_capture_on_commit_callbacks(execute=True):
        HostFactory(created_by=owner)
    assert ok(client_for(admin).get(STATS, RANGE))["stale"] is True
    stats = ok(client_for(outsider).get(STATS, RANGE))
    assert stats["stale"] is False
    assert_sees_nothing(stats)


def test_revoking_a_grant_counts_at_once(
    client_for: Any, member: Any, world: dict[str, Any]
) -> None:
    from hub.core.permissions import revoke

    grant(member, world["granted"], ["view"])
    client = client_for(member)
    assert ok(client.get(STATS, RANGE))["executions"]["total"] == 1
    revoke(member, world["granted"], ["view"])
    assert ok(client.get(STATS, RANGE))["executions"]["total"] == 0


def test_a_group_grant_counts(client_for: Any, member: Any, world: dict[str, Any]) -> None:
    from django.contrib.auth.models import Group

    team = Group.objects.create(name="team")
    member.groups.add(team)
    grant(team, world["shared_host"], ["view"])
    grant(team, world["other"], ["view"])
    stats = ok(client_for(member).get(STATS, RANGE))
    assert stats["counts"]["hosts"]["total"] == 1
    assert stats["top_failing"]["hosts"] == [{"host_name": "shared-web", "failures": 1}]


def test_without_object_permissions_everybody_shares_the_full_figures(
    client_for: Any, admin: Any, outsider: Any, world: dict[str, Any]
) -> None:
    update_setting(actor=admin, key="feature.object_permissions", value=False)
    client = client_for(outsider)
    assert ok(client.get(STATS, RANGE))["executions"]["total"] == 4
    assert ok(client.get(STATS, RANGE))["cached"] is True


def test_scoped_query_count_does_not_grow_with_the_data(
    client_for: Any, member: Any, owner: Any, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    grant(member, world["granted"], ["view"])
    client = client_for(member)
    # Settings loaded once and kept: their 2-second cache must not run out between the two
    # measured requests on a slow machine (it did: 13 vs 12 queries).
    pin_settings_cache(monkeypatch)
    ok(client.get(STATS, RANGE))  # content types and permissions cached, as on a running hub
    with CaptureQueriesContext(connection) as few:
        ok(client.get(STATS, RANGE))
    for _ in range(5):
        execution = owned_execution(owner, "failed")
        grant(member, execution, ["view"])
        failed_on(execution, HostFactory(created_by=owner))
    with CaptureQueriesContext(connection) as more:
        stats = ok(client.get(STATS, RANGE))
    assert stats["executions"]["total"] == 6
    assert len(more.captured_queries) == len(few.captured_queries) <= 16


def test_health_details_are_for_administrators(client_for: Any, admin: Any, outsider: Any) -> None:
    stamp_beat_tick(now=timezone.now().timestamp() - 3600)  # beat fails with its tick age
    detailed = ok(client_for(admin).get(HEALTH))
    assert "vendor" in detailed["parts"]["database"] and "ago" in detailed["parts"]["beat"]["error"]
    plain = ok(client_for(outsider).get(HEALTH))
    assert plain["healthy"] is False and plain["healthy"] == detailed["healthy"]
    assert plain["parts"]["database"] == {"ok": True}
    assert plain["parts"]["beat"] == {"ok": False, "error": "unavailable"}
    assert set(plain["parts"]) == set(detailed["parts"])
    assert all(set(p) <= {"ok", "error"} for p in plain["parts"].values())


def test_scope_sees_what_objects_for_sees(
    member: Any, outsider: Any, owner: Any, world: dict[str, Any]
) -> None:
    """The dashboard's own visibility subqueries agree with hub.core.permissions.objects_for
    for direct grants, group grants and a model-level permission."""
    from django.contrib.auth.models import Group, Permission

    from hub.core.permissions import objects_for
    from hub.dashboard.selectors import Scope
    from hub.inventory.models import Host
    from hub.jobs.models import ExecutionPlan, JobTemplate

    team = Group.objects.create(name="team")
    member.groups.add(team)
    grant(member, world["granted"], ["view", "change"])
    grant(member, world["other"], ["change"])  # not view
    grant(team, world["shared_host"], ["view"])
    member.user_permissions.add(Permission.objects.get(codename="view_jobtemplate"))
    for user in (member, outsider, owner):
        user = type(user).objects.get(pk=user.pk)  # fresh permission caches
        scope = Scope.of(user)
        for model in (Execution, Host, JobTemplate, ExecutionPlan):
            expected = set(objects_for(user, model).values_list("pk", flat=True))
            assert set(scope.rows(model).values_list("pk", flat=True)) == expected, (user, model)
    scope = Scope.of(type(member).objects.get(pk=member.pk))
    assert set(scope.rows(Execution)) == {world["granted"]}
    assert scope.rows(JobTemplate).count() == 2  # model-level: all of them
