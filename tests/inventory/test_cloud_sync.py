"""Cloud sync through the API against real provider endpoints (stub servers and moto).

The sync task runs synchronously in most tests (the enqueued task function is called
directly after the request committed); test_sync_end_to_end_with_wait goes through a real
Celery worker and ``?wait=``.
"""

# ruff: noqa: F811 - test arguments are fixtures imported from cloud_fixtures by name
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask

from hub.audit.models import AuditLog
from hub.core.permissions import grant
from hub.inventory.models import CloudAccount, CloudSync, Host
from hub.inventory.tasks import sync_cloud_account_task, sync_cloud_hosts_task
from hub.system.services import update_setting
from tests.factories import AccountFactory, HostFactory, HostGroupFactory
from tests.helpers import err, ok
from tests.inventory.cloud_fixtures import (  # noqa: F401 - the fixtures are used by name
    FLEET,
    SECRET,
    Cloud,
    aliyun_cloud,
    aws_cloud,
    cloud,
    cloud_celery_worker,
    free_port,
    moto_auth_url,
    moto_url,
    tencent_cloud,
)

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/hosts/cloud-accounts/"
SYNCS = "/api/hosts/cloud-syncs/"
SYNC = "/api/hosts/sync_cloud_hosts/"


@pytest.fixture(autouse=True)
def _local_endpoints_allowed(db: Any) -> None:
    """The provider stubs and moto listen on 127.0.0.1: the outbound guard refuses that
    unless the administrators allow it (hub.core.outbound)."""
    update_setting(actor=None, key="security.outbound_allow_networks", value="127.0.0.0/8")


@pytest.fixture
def run_sync(django_capture_on_commit_callbacks: Any) -> Callable[..., dict[str, Any]]:
    """POST the sync request, then run the task it enqueued; the finished record."""

    def run(api: Any, payload: dict[str, Any]) -> dict[str, Any]:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            started = ok(api.post(SYNC, payload, format="json"), 201)
        assert started["status"] == "pending" and len(callbacks) == 1
        sync_cloud_hosts_task(started["id"])
        return ok(api.get(f"{SYNCS}{started['id']}/"))

    return run


def make_account(api: Any, cloud: Cloud, **extra: Any) -> dict[str, Any]:
    return ok(api.post(ACCOUNTS, cloud.account_payload(**extra), format="json"), 201)


def synced_hosts(provider: str) -> dict[str, Host]:
    return {h.cloud_instance_id: h for h in Host.objects.filter(source=provider)}


def test_sync_imports_fleet_and_second_run_is_idempotent(
    api: Any, owner: Any, cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    group: Any = HostGroupFactory(created_by=owner)
    account: Any = AccountFactory(created_by=owner)
    HostFactory(name="web-01", created_by=owner)  # a manual host already has this name
    cloud_account = make_account(api, cloud)
    payload = {
        "cloud_account_id": cloud_account["id"],
        "account_id": account.pk,
        "group_id": group.pk,
    }
    first = run_sync(api, payload)
    assert first["status"] == "success", first
    assert first["summary"]["created"] == len(FLEET) and first["summary"]["errors"] == []
    assert first["summary"]["regions"] == list(cloud.regions)
    assert first["request"]["regions"] == list(cloud.regions) and first["started_at"]
    hosts = synced_hosts(cloud.provider)
    assert set(hosts) == set(cloud.ids.values())
    by_box = {box.name: hosts[cloud.ids[box.name]] for box in FLEET}
    assert by_box["web-01"].name == f"web-01-{cloud.ids['web-01']}"  # unique-ified
    assert by_box["web-02"].name == "web-02"
    windows = by_box["web-10"]
    assert windows.os_type == "windows" and windows.port == 5985
    web2 = by_box["web-02"]
    assert web2.os_type == "linux" and web2.port == 22 and web2.ip_address
    assert web2.labels["env"] == "dev" and web2.labels["role"] == "web"
    assert (
        web2.cloud_region == cloud.regions[0] and by_box["web-12"].cloud_region == cloud.regions[1]
    )
    assert web2.account_id == account.pk and list(web2.groups.all()) == [group]
    assert ok(api.get(f"/api/hosts/{web2.pk}/"))["perms"] == ["view", "change", "delete", "execute"]
    second = run_sync(api, payload)
    assert second["status"] == "success"
    assert {
        k: second["summary"][k] for k in ("created", "updated", "marked_missing", "unchanged")
    } == {"created": 0, "updated": 0, "marked_missing": 0, "unchanged": len(FLEET)}
    assert Host.objects.filter(source=cloud.provider).count() == len(FLEET)


def test_vanished_instance_is_marked_missing_then_unmarked(
    api: Any, cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    cloud_account = make_account(api, cloud)
    payload = {"cloud_account_id": cloud_account["id"]}
    assert run_sync(api, payload)["summary"]["created"] == len(FLEET)
    cloud.vanish("web-03")
    summary = run_sync(api, payload)["summary"]
    assert summary["marked_missing"] == 1 and summary["created"] == 0
    gone = Host.objects.get(source=cloud.provider, cloud_instance_id=cloud.ids["web-03"])
    assert gone.cloud_missing is True  # kept, not deleted
    assert Host.objects.filter(source=cloud.provider, cloud_missing=True).count() == 1
    listed = ok(api.get("/api/hosts/", {"search": gone.name}))["results"]
    assert listed[0]["cloud_missing"] is True
    # a third run does not mark it again; a host changed by a user keeps its user labels
    gone.cloud_missing = False
    gone.labels = {**gone.labels, "owner": "team-a"}
    gone.save()
    again = run_sync(api, payload)["summary"]
    assert again["marked_missing"] == 1
    gone.refresh_from_db()
    assert gone.labels["owner"] == "team-a" and gone.cloud_missing is True


def test_returning_instance_is_unmarked(
    api: Any, aliyun_cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    cloud_account = make_account(api, aliyun_cloud)
    payload = {"cloud_account_id": cloud_account["id"]}
    run_sync(api, payload)
    host = Host.objects.get(cloud_instance_id=aliyun_cloud.ids["web-04"])
    host.cloud_missing = True
    host.save()
    summary = run_sync(api, payload)["summary"]
    assert summary["updated"] == 1 and summary["unchanged"] == len(FLEET) - 1
    host.refresh_from_db()
    assert host.cloud_missing is False


def test_filters_and_region_scope(
    api: Any, tencent_cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    cloud_account = make_account(api, tencent_cloud)
    base = {"cloud_account_id": cloud_account["id"]}
    running_prod = run_sync(
        api, {**base, "filters": {"status": "running", "tags": {"env": "prod"}}}
    )
    prod = [b for b in FLEET if b.running and b.tags["env"] == "prod"]
    assert running_prod["summary"]["created"] == len(prod)
    assert running_prod["request"]["filters"] == {"status": "running", "tags": {"env": "prod"}}
    everything = run_sync(api, base)["summary"]
    assert everything["created"] == len(FLEET) - len(prod)
    # a sync of one region with a filter leaves hosts outside its region and filter alone
    dev_only = run_sync(
        api, {**base, "regions": [tencent_cloud.regions[0]], "filters": {"tags": {"env": "dev"}}}
    )["summary"]
    assert dev_only["marked_missing"] == 0 and dev_only["regions"] == [tencent_cloud.regions[0]]
    tencent_cloud.vanish("web-12")  # region B
    tencent_cloud.vanish("web-02")  # region A, env=dev
    tencent_cloud.vanish("web-01")  # region A, env=prod: outside the filter
    summary = run_sync(
        api, {**base, "regions": [tencent_cloud.regions[0]], "filters": {"tags": {"env": "dev"}}}
    )["summary"]
    assert summary["marked_missing"] == 1
    missing = Host.objects.filter(source="tencent", cloud_missing=True)
    assert [h.cloud_instance_id for h in missing] == [tencent_cloud.ids["web-02"]]


def test_bad_credentials_fail_with_a_clear_error(
    api: Any, cloud: Cloud, moto_auth_url: str, run_sync: Callable[..., dict[str, Any]]
) -> None:
    extra = (
        {"endpoint": moto_auth_url, "access_key_id": "AKIAWRONG"}
        if cloud.provider == "aws"
        else {"secret": "not-the-secret"}
    )
    cloud_account = make_account(api, cloud, **extra)
    failed = run_sync(api, {"cloud_account_id": cloud_account["id"]})
    assert failed["status"] == "failed" and failed["finished_at"]
    assert failed["error_kind"] == "auth" and failed["error_code"]
    assert failed["error"].startswith("Authentication failed:")
    assert "authentication failed" in failed["error"].lower()
    assert failed["summary"]["created"] == 0 and failed["summary"]["errors"]
    assert not Host.objects.filter(source=cloud.provider).exists()
    check = ok(api.post(f"{ACCOUNTS}{cloud_account['id']}/test/"))
    assert check["ok"] is False and check["error_kind"] == "auth"


def test_unreachable_endpoint_fails_with_a_clear_error(
    api: Any, cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    cloud_account = make_account(api, cloud, endpoint=dead)
    failed = run_sync(api, {"cloud_account_id": cloud_account["id"]})
    assert failed["status"] == "failed" and failed["error_kind"] == "endpoint", failed
    assert failed["error"].startswith("Endpoint unreachable:") and "127.0.0.1" in failed["error"]


def test_check_lists_regions(api: Any, cloud: Cloud) -> None:
    cloud_account = make_account(api, cloud, regions=["all"])
    check = ok(api.post(f"{ACCOUNTS}{cloud_account['id']}/test/"))
    assert check["ok"] is True and set(cloud.regions) <= set(check["regions"]), check


def test_all_regions_are_resolved_by_the_plugin(
    api: Any, aliyun_cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    cloud_account = make_account(api, aliyun_cloud, regions=["all"])
    done = run_sync(api, {"cloud_account_id": cloud_account["id"]})
    assert done["request"]["regions"] == ["all"]
    assert set(done["summary"]["regions"]) == {*aliyun_cloud.regions, "extra-region-1"}
    assert done["summary"]["created"] == len(FLEET)


def test_secret_is_never_returned_or_logged(
    api: Any, aliyun_cloud: Cloud, run_sync: Callable[..., dict[str, Any]]
) -> None:
    bodies = []
    created = api.post(ACCOUNTS, aliyun_cloud.account_payload(), format="json")
    bodies.append(created.content)
    account_id = created.json()["content"]["id"]
    assert created.json()["content"]["has_secret"] is True
    assert "secret" not in created.json()["content"]
    for response in (
        api.get(ACCOUNTS),
        api.get(f"{ACCOUNTS}{account_id}/"),
        api.patch(f"{ACCOUNTS}{account_id}/", {"description": "x"}, format="json"),
        api.post(f"{ACCOUNTS}{account_id}/test/"),
    ):
        assert response.status_code == 200, response.content
        bodies.append(response.content)
    run_sync(api, {"cloud_account_id": account_id})
    bodies += [
        api.get(SYNCS).content,
        api.get("/api/hosts/").content,
        api.get("/api/permissions/audit-logs/").content,
    ]
    assert all(SECRET.encode() not in body for body in bodies)
    audit = json.dumps(list(AuditLog.objects.values("changes", "detail")))
    assert SECRET not in audit
    assert CloudAccount.objects.get().secret == SECRET  # stored (encrypted), usable
    # an update without a secret keeps it; a new one replaces it
    api.patch(f"{ACCOUNTS}{account_id}/", {"secret": ""}, format="json")
    assert CloudAccount.objects.get().secret == SECRET
    api.patch(f"{ACCOUNTS}{account_id}/", {"secret": "rotated"}, format="json")
    assert CloudAccount.objects.get().secret == "rotated"


def test_periodic_sync_follows_the_interval(
    api: Any, owner: Any, aliyun_cloud: Cloud, django_capture_on_commit_callbacks: Any
) -> None:
    created = make_account(api, aliyun_cloud, sync_interval=15)
    task = PeriodicTask.objects.get(name=f"cloud-sync:{created['id']}")
    assert task.enabled and task.interval.every == 15 and task.interval.period == "minutes"
    assert task.task == "inventory.sync_cloud_account" and json.loads(task.args) == [created["id"]]
    ok(api.patch(f"{ACCOUNTS}{created['id']}/", {"sync_interval": 60}, format="json"))
    task.refresh_from_db()
    assert task.interval.every == 60
    # the beat's task: a scheduled sync as the account's owner
    with django_capture_on_commit_callbacks(execute=False):
        sync_id = sync_cloud_account_task(created["id"])
    assert sync_cloud_account_task(created["id"]) is None  # one pending at a time
    sync_cloud_hosts_task(sync_id)
    sync = CloudSync.objects.get(pk=sync_id)
    assert sync.trigger == "schedule" and sync.status == "success" and sync.created_by == owner
    assert sync.summary["created"] == len(FLEET)
    ok(api.patch(f"{ACCOUNTS}{created['id']}/", {"sync_interval": 0}, format="json"))
    assert not PeriodicTask.objects.filter(name=f"cloud-sync:{created['id']}").exists()
    ok(api.patch(f"{ACCOUNTS}{created['id']}/", {"sync_interval": 5}, format="json"))
    assert api.delete(f"{ACCOUNTS}{created['id']}/").status_code == 204
    assert not PeriodicTask.objects.filter(task="inventory.sync_cloud_account").exists()


def test_syncs_a_lost_worker_left_behind_are_failed_and_fresh_ones_kept(
    api: Any, aliyun_cloud: Cloud, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from hub.inventory.tasks import recover_cloud_syncs_task

    created = make_account(api, aliyun_cloud)
    with django_capture_on_commit_callbacks(execute=False):  # no worker takes them
        ids = [
            ok(api.post(SYNC, {"cloud_account_id": created["id"]}, format="json"), 201)["id"]
            for _ in range(4)
        ]
    now = timezone.now()
    long_ago = now - timedelta(hours=2)
    CloudSync.objects.filter(pk=ids[0]).update(status="running", started_at=long_ago)
    CloudSync.objects.filter(pk=ids[1]).update(status="running", started_at=now)
    CloudSync.objects.filter(pk=ids[2]).update(created_at=long_ago)  # still pending
    assert sorted(recover_cloud_syncs_task()) == [ids[0], ids[2]]
    rows = {s.pk: s for s in CloudSync.objects.filter(pk__in=ids)}
    assert rows[ids[0]].status == "failed" and "worker was lost" in rows[ids[0]].error
    assert rows[ids[2]].status == "failed" and "no worker picked it up" in rows[ids[2]].error
    assert rows[ids[0]].finished_at is not None and rows[ids[0]].error_kind == "internal"
    assert rows[ids[1]].status == "running" and rows[ids[3]].status == "pending"
    assert recover_cloud_syncs_task() == []  # finished rows are left alone


def test_permissions(
    client_for: Callable[[Any], Any],
    owner: Any,
    member: Any,
    outsider: Any,
    aliyun_cloud: Cloud,
    run_sync: Callable[..., dict[str, Any]],
) -> None:
    api = client_for(owner)
    created = make_account(api, aliyun_cloud)
    assert created["perms"] == ["view", "change", "delete", "execute"]
    done = run_sync(api, {"cloud_account_id": created["id"]})
    stranger = client_for(outsider)
    err(stranger.get(f"{ACCOUNTS}{created['id']}/"), 404)
    assert ok(stranger.get(ACCOUNTS))["count"] == 0
    err(
        stranger.post(SYNC, {"cloud_account_id": created["id"]}, format="json"),
        400,
        "cloud_account_id",
    )
    err(stranger.get(f"{SYNCS}{done['id']}/"), 404)
    assert ok(stranger.get(SYNCS))["count"] == 0
    err(stranger.post(SYNC, {"provider": "aliyun"}, format="json"), 403, "cloud_account_id")
    viewer = client_for(member)
    grant(member, CloudAccount.objects.get(), ["view"])
    assert ok(viewer.get(f"{SYNCS}{done['id']}/"))["id"] == done["id"]
    err(
        viewer.post(SYNC, {"cloud_account_id": created["id"]}, format="json"),
        403,
        "cloud_account_id",
    )
    err(viewer.post(f"{ACCOUNTS}{created['id']}/test/"), 403)
    err(viewer.patch(f"{ACCOUNTS}{created['id']}/", {"name": "x"}, format="json"), 403)
    assert CloudSync.objects.count() == 1


@pytest.mark.parametrize(
    ("query", "payload", "field"),
    [
        ("", {}, "cloud_account_id"),
        ("", {"provider": "gcp"}, "provider"),
        ("", {"cloud_account_id": 999999}, "cloud_account_id"),
        ("", {"cloud_account_id": "ACCOUNT", "provider": "aws"}, "provider"),
        ("", {"cloud_account_id": "ACCOUNT", "regions": "cn-hangzhou"}, "regions"),
        ("", {"cloud_account_id": "ACCOUNT", "regions": []}, "regions"),
        ("", {"cloud_account_id": "ACCOUNT", "filters": {"colour": "red"}}, "filters"),
        ("", {"cloud_account_id": "ACCOUNT", "filters": ["running"]}, "filters"),
        ("", {"cloud_account_id": "ACCOUNT", "account_id": 999999}, "account_id"),
        ("", {"cloud_account_id": "ACCOUNT", "group_id": 999999}, "group_id"),
        ("?wait=soon", {"cloud_account_id": "ACCOUNT"}, "wait"),
        ("?wait=9999", {"cloud_account_id": "ACCOUNT"}, "wait"),
    ],
)
def test_bad_sync_input_names_the_field(
    api: Any, aliyun_cloud: Cloud, query: str, payload: dict[str, Any], field: str
) -> None:
    created = make_account(api, aliyun_cloud)
    body = {k: created["id"] if v == "ACCOUNT" else v for k, v in payload.items()}
    err(api.post(SYNC + query, body, format="json"), 400, field)
    assert not CloudSync.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"secret": ""}, "secret"),
        ({"provider": "gcp"}, "provider"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"regions": "all"}, "regions"),
        ({"filters": {"status": "running", "zone": "a"}}, "filters"),
        ({"sync_interval": -5}, "sync_interval"),
        ({"account": 999999}, "account"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_cloud_account_input_names_the_field(
    api: Any, aliyun_cloud: Cloud, payload: dict[str, Any], field: str
) -> None:
    err(api.post(ACCOUNTS, aliyun_cloud.account_payload(**payload), format="json"), 400, field)


def test_provider_of_an_account_cannot_change(api: Any, aliyun_cloud: Cloud) -> None:
    created = make_account(api, aliyun_cloud)
    err(
        api.patch(f"{ACCOUNTS}{created['id']}/", {"provider": "aws"}, format="json"),
        400,
        "provider",
    )


def test_env_credentials_for_administrators(
    client_for: Callable[[Any], Any],
    admin: Any,
    aliyun_cloud: Cloud,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    run_sync: Callable[..., dict[str, Any]],
) -> None:
    api = client_for(admin)
    settings.CLOUD_ALIYUN_ACCESS_KEY = ""
    err(api.post(SYNC, {"provider": "aliyun"}, format="json"), 400, "cloud_account_id")
    settings.CLOUD_ALIYUN_ACCESS_KEY = aliyun_cloud.key_id
    settings.CLOUD_ALIYUN_SECRET_KEY = SECRET
    monkeypatch.setenv("CLOUD_ALIYUN_ENDPOINT", aliyun_cloud.endpoint)
    done = run_sync(api, {"provider": "aliyun", "regions": [aliyun_cloud.regions[1]]})
    assert done["status"] == "success", done
    assert done["summary"]["created"] == 2 and done["cloud_account"] is None
    assert done["request"] == {
        "provider": "aliyun",
        "cloud_account_id": None,
        "regions": [aliyun_cloud.regions[1]],
        "filters": {},
        "account_id": None,
        "group_id": None,
    }


@pytest.mark.django_db(transaction=True)
def test_sync_end_to_end_with_wait(
    client_for: Callable[[Any], Any], owner: Any, aws_cloud: Cloud, cloud_celery_worker: Any
) -> None:
    api = client_for(owner)
    created = make_account(api, aws_cloud, filters={"status": "running"})
    done = ok(api.post(f"{SYNC}?wait=60", {"cloud_account_id": created["id"]}, format="json"), 201)
    assert done["status"] == "success", done
    assert done["task_id"] and done["trigger"] == "manual" and done["created_by"] == "owner"
    running = [b for b in FLEET if b.running]
    assert done["summary"]["created"] == len(running)
    again = ok(api.post(f"{SYNC}?wait=60", {"cloud_account_id": created["id"]}, format="json"), 201)
    assert again["summary"]["created"] == 0 and again["summary"]["unchanged"] == len(running)
    listed = ok(api.get(SYNCS, {"cloud_account": created["id"]}))
    assert [s["id"] for s in listed["results"]] == [again["id"], done["id"]]
    account = ok(api.get(f"{ACCOUNTS}{created['id']}/"))
    assert account["last_sync_id"] == again["id"] and account["last_sync_status"] == "success"
