"""Hosts through the API: CRUD, filters, pagination, bulk import / update / delete."""

from __future__ import annotations

from typing import Any

import pytest

from hub.audit.models import AuditLog
from hub.inventory.models import Host
from tests.factories import AccountFactory, HostFactory, HostGroupFactory
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

URL = "/api/hosts/"


def names(content: dict[str, Any]) -> list[str]:
    return [h["name"] for h in content["results"]]


def test_create_read_update_delete(api: Any, owner: Any) -> None:
    group = HostGroupFactory(created_by=owner)
    account = AccountFactory(created_by=owner)
    created = ok(
        api.post(
            URL,
            {
                "name": "web-01",
                "ip_address": "10.0.0.1",
                "port": 2222,
                "labels": {"env": "prod"},
                "groups": [group.pk],
                "account": account.pk,
                "description": "front",
            },
        ),
        201,
    )
    assert created["port"] == 2222 and created["groups"] == [group.pk]
    assert created["account_name"] == account.name and created["status"] == "unknown"
    assert created["perms"] == ["view", "change", "delete", "execute"]
    detail = ok(api.get(f"{URL}{created['id']}/"))
    assert detail["labels"] == {"env": "prod"}
    patched = ok(api.patch(f"{URL}{created['id']}/", {"description": "new", "groups": []}))
    assert patched["description"] == "new" and patched["groups"] == []
    ok(api.delete(f"{URL}{created['id']}/"), 204) if False else None
    response = api.delete(f"{URL}{created['id']}/")
    assert response.status_code == 204
    assert not Host.objects.filter(pk=created["id"]).exists()
    actions = list(
        AuditLog.objects.filter(object_type="inventory.host", object_id=str(created["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_windows_host_defaults_to_winrm_port(api: Any) -> None:
    created = ok(
        api.post(URL, {"name": "win", "ip_address": "10.0.0.9", "os_type": "windows"}), 201
    )
    assert created["port"] == 5985


def test_unicode_names_and_hostnames(api: Any) -> None:
    for name in ("数据库服务器-01", "web 🚀 01"):
        assert (
            ok(api.post(URL, {"name": name, "ip_address": "db.example.com"}), 201)["name"] == name
        )
    assert ok(api.get(URL, {"search": "数据库"}))["count"] == 1


@pytest.mark.parametrize(
    "name",
    [
        "../../../../tmp/x",
        "a/b",
        "..",
        ".hidden",
        "-x",
        "a\\b",
        "{{ x }}",
        "a:b",
        "a\tb",
        "a\u202eb",
    ],
)
def test_host_names_keep_their_character_set(api: Any, name: str) -> None:
    reply = api.post(URL, {"name": name, "ip_address": "10.0.0.1"}).json()
    assert reply["code"] == 400 and "name" in reply["content"]["errors"], reply


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ip_address": "10.0.0.1"}, "name"),
        ({"name": "h"}, "ip_address"),
        ({"name": 5, "ip_address": "10.0.0.1"}, "name"),
        ({"name": ["h"], "ip_address": "10.0.0.1"}, "name"),
        ({"name": "h", "ip_address": "not an address!"}, "ip_address"),
        ({"name": "h", "ip_address": "10.0.0.1", "port": -1}, "port"),
        ({"name": "h", "ip_address": "10.0.0.1", "port": 0}, "port"),
        ({"name": "h", "ip_address": "10.0.0.1", "port": 70000}, "port"),
        ({"name": "h", "ip_address": "10.0.0.1", "port": "ssh"}, "port"),
        ({"name": "h", "ip_address": "10.0.0.1", "os_type": "beos"}, "os_type"),
        ({"name": "h", "ip_address": "10.0.0.1", "labels": ["a"]}, "labels"),
        ({"name": "h", "ip_address": "10.0.0.1", "labels": {"a": 1}}, "labels"),
        ({"name": "h", "ip_address": "10.0.0.1", "groups": "1"}, "groups"),
        ({"name": "h", "ip_address": "10.0.0.1", "groups": [999999]}, "groups"),
        ({"name": "h", "ip_address": "10.0.0.1", "account": 999999}, "account"),
        ({"name": "h", "ip_address": "10.0.0.1", "account": "x"}, "account"),
        ({"name": "x" * 1_000_000, "ip_address": "10.0.0.1"}, "name"),
        ({"name": "h", "ip_address": "10.0.0.1", "description": "d" * 1_000_000}, "description"),
        ({"name": "h", "ip_address": "a" * 1_000_000}, "ip_address"),
    ],
)
def test_bad_input_is_400_naming_the_field(api: Any, payload: dict[str, Any], field: str) -> None:
    before = Host.objects.count()
    err(api.post(URL, payload), 400, field)
    assert Host.objects.count() == before


def test_duplicate_name_is_400_naming_name(api: Any, owner: Any) -> None:
    HostFactory(name="dup", created_by=owner)
    err(api.post(URL, {"name": "dup", "ip_address": "10.0.0.1"}), 400, "name")
    assert Host.objects.filter(name="dup").count() == 1


def test_malformed_json_and_non_object_body(api: Any) -> None:
    err(api.post(URL, data="{nope", content_type="application/json"), 400, "body")
    err(api.post(URL, data="[1, 2]", content_type="application/json"), 400)
    assert Host.objects.count() == 0


def test_account_and_groups_of_others_read_as_unknown(api: Any, member: Any) -> None:
    hidden_group = HostGroupFactory(created_by=member)
    hidden_account = AccountFactory(created_by=member)
    err(
        api.post(URL, {"name": "h", "ip_address": "10.0.0.1", "groups": [hidden_group.pk]}),
        400,
        "groups",
    )
    err(
        api.post(URL, {"name": "h", "ip_address": "10.0.0.1", "account": hidden_account.pk}),
        400,
        "account",
    )


def test_filters_search_and_ordering(api: Any, owner: Any) -> None:
    root = HostGroupFactory(name="prod", created_by=owner)
    child = HostGroupFactory(name="prod-db", parent=root, created_by=owner)
    other = HostGroupFactory(name="dev", created_by=owner)
    in_root = HostFactory(name="a-web", created_by=owner, labels={"role": "web"})
    in_root.groups.add(root)
    in_child = HostFactory(
        name="b-db",
        created_by=owner,
        status="reachable",
        labels={"role": "db"},
        ip_address="192.168.7.7",
    )
    in_child.groups.add(child)
    win = HostFactory(
        name="c-win",
        created_by=owner,
        os_type="windows",
        status="unreachable",
        description="domain controller",
    )
    win.groups.add(other)
    assert names(ok(api.get(URL, {"group": root.pk}))) == ["a-web", "b-db"]
    assert names(ok(api.get(URL, {"group": child.pk}))) == ["b-db"]
    assert names(ok(api.get(URL, {"status": "reachable"}))) == ["b-db"]
    assert names(ok(api.get(URL + "?status=reachable&status=unreachable"))) == ["b-db", "c-win"]
    assert names(ok(api.get(URL, {"os_type": "windows"}))) == ["c-win"]
    assert names(ok(api.get(URL, {"label": "role=db"}))) == ["b-db"]
    assert names(ok(api.get(URL, {"label": "role"}))) == ["a-web", "b-db"]
    assert names(ok(api.get(URL, {"search": "192.168.7"}))) == ["b-db"]
    assert names(ok(api.get(URL, {"search": "controller"}))) == ["c-win"]
    assert names(ok(api.get(URL, {"ordering": "-name"}))) == ["c-win", "b-db", "a-web"]
    err(api.get(URL, {"status": "sleepy"}), 400, "status")
    err(api.get(URL, {"os_type": "beos"}), 400, "os_type")
    err(api.get(URL, {"group": "abc"}), 400, "group")


def test_pagination_envelope(api: Any, owner: Any) -> None:
    for index in range(5):
        HostFactory(name=f"p{index}", created_by=owner)
    page = ok(api.get(URL, {"page_size": 2}))
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 5 and len(page["results"]) == 2 and page["previous"] is None
    assert "page=2" in page["next"]
    last = ok(api.get(URL, {"page_size": 2, "page": 3}))
    assert names(last) == ["p4"] and last["next"] is None
    err(api.get(URL, {"page": 99}), 404)


def test_list_query_count_is_bounded(
    api: Any, owner: Any, django_assert_max_num_queries: Any
) -> None:
    groups = [HostGroupFactory(created_by=owner) for _ in range(3)]
    account = AccountFactory(created_by=owner)
    for _ in range(30):
        host = HostFactory(created_by=owner, account=account)
        host.groups.set(groups)
    with django_assert_max_num_queries(12):
        content = ok(api.get(URL, {"page_size": 50}))
    assert content["count"] == 30
    assert all(h["perms"] == ["view", "change", "delete", "execute"] for h in content["results"])


# Bulk import ---------------------------------------------------------------------------

CSV = """name,ip_address,port,os_type,groups,labels,description,account
csv-1,10.1.0.1,22,linux,web,env=prod;tier=1,first,deploy
csv-2,10.1.0.2,,windows,web;db,,second,
"""


def test_bulk_import_csv_creates_hosts_and_audits(api: Any, owner: Any) -> None:
    web = HostGroupFactory(name="web", created_by=owner)
    db = HostGroupFactory(name="db", created_by=owner)
    account = AccountFactory(name="deploy", created_by=owner)
    result = ok(api.post(URL + "bulk_import/", {"format": "csv", "text": CSV}), 201)
    assert result == {"created": 2, "updated": 0, "errors": []}
    first = Host.objects.get(name="csv-1")
    assert first.labels == {"env": "prod", "tier": "1"} and first.account == account
    second = Host.objects.get(name="csv-2")
    assert second.port == 5985 and set(second.groups.all()) == {web, db}
    assert AuditLog.objects.filter(action="import", object_type="inventory.host").count() == 2
    detail = ok(api.get(f"{URL}{second.pk}/"))
    assert detail["perms"] == ["view", "change", "delete", "execute"]


def test_bulk_import_yaml_updates_existing(api: Any, owner: Any) -> None:
    HostFactory(name="y-1", ip_address="10.2.0.1", created_by=owner)
    text = (
        "- name: y-1\n  ip_address: 10.2.0.99\n- name: y-2\n  ip_address: 10.2.0.2\n"
        "  port: 2200\n  labels: {env: dev}\n"
    )
    result = ok(api.post(URL + "bulk_import/", {"format": "yaml", "text": text}), 201)
    assert result["created"] == 1 and result["updated"] == 1
    assert Host.objects.get(name="y-1").ip_address == "10.2.0.99"
    assert Host.objects.get(name="y-2").labels == {"env": "dev"}


def test_bulk_import_is_all_or_nothing_with_line_errors(api: Any, owner: Any) -> None:
    text = (
        "name,ip_address,port,groups\nok-1,10.3.0.1,22,\nbad-port,10.3.0.2,99999,\n"
        "bad-ip,###,22,\nbad-group,10.3.0.4,22,nosuch\n"
    )
    errors = err(api.post(URL + "bulk_import/", {"format": "csv", "text": text}), 400, "text")
    lines = {row["line"]: row for row in errors["rows"]}
    assert set(lines) == {3, 4, 5}
    assert "port" in lines[3]["errors"] and "ip_address" in lines[4]["errors"]
    assert "groups" in lines[5]["errors"] and lines[5]["name"] == "bad-group"
    assert Host.objects.count() == 0


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("yaml", "a: [unclosed"),
        ("yaml", "just a string"),
        ("yaml", "- 1\n- 2\n"),
        ("csv", "hostname,ip\nx,1.2.3.4\n"),
        ("csv", "name,ip_address,color\nx,1.2.3.4,red\n"),
        ("csv", ""),
        ("csv", "name,ip_address,labels\nx,1.2.3.4,novalue\n"),
    ],
)
def test_bulk_import_bad_text_is_400(api: Any, fmt: str, text: str) -> None:
    response = api.post(URL + "bulk_import/", {"format": fmt, "text": text})
    assert response.status_code == 400, response.json()
    assert response.json()["success"] is False
    assert Host.objects.count() == 0


def test_bulk_import_bad_format_and_types(api: Any) -> None:
    err(api.post(URL + "bulk_import/", {"format": "xml", "text": "x"}), 400, "format")
    err(api.post(URL + "bulk_import/", {"format": "csv", "text": 5}), 400, "text")
    err(api.post(URL + "bulk_import/", {"format": "csv"}), 400, "text")


def test_bulk_import_yaml_wrong_value_types_are_row_errors(api: Any) -> None:
    text = (
        "- name: [x]\n  ip_address: 10.0.0.1\n- name: ok\n  ip_address: 10.0.0.2\n  groups: web\n"
    )
    errors = err(api.post(URL + "bulk_import/", {"format": "yaml", "text": text}), 400, "text")
    assert {row["line"] for row in errors["rows"]} == {1, 2}
    assert Host.objects.count() == 0


def test_bulk_import_cannot_overwrite_hosts_it_cannot_change(api: Any, member: Any) -> None:
    HostFactory(name="theirs", ip_address="10.0.0.1", created_by=member)
    text = "name,ip_address\ntheirs,10.9.9.9\n"
    errors = err(api.post(URL + "bulk_import/", {"format": "csv", "text": text}), 400, "text")
    assert "name" in errors["rows"][0]["errors"]
    assert Host.objects.get(name="theirs").ip_address == "10.0.0.1"


# Bulk update / delete -------------------------------------------------------------------


def test_bulk_update_sets_fields_merges_labels_and_groups(api: Any, owner: Any) -> None:
    old, new = (HostGroupFactory(created_by=owner) for _ in range(2))
    account = AccountFactory(created_by=owner)
    hosts = [HostFactory(created_by=owner, labels={"keep": "1"}) for _ in range(3)]
    for host in hosts:
        host.groups.add(old)
    result = ok(
        api.post(
            URL + "bulk_update/",
            {
                "ids": [h.pk for h in hosts[:2]],
                "account": account.pk,
                "port": 2022,
                "labels": {"env": "prod"},
                "add_groups": [new.pk],
                "remove_groups": [old.pk],
            },
        )
    )
    assert result == {"updated": 2}
    for host in hosts[:2]:
        host.refresh_from_db()
        assert host.port == 2022 and host.account == account
        assert host.labels == {"keep": "1", "env": "prod"}
        assert list(host.groups.all()) == [new]
    hosts[2].refresh_from_db()
    assert hosts[2].port == 22 and list(hosts[2].groups.all()) == [old]
    assert AuditLog.objects.filter(action="update", object_type="inventory.host").count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ids": []}, "ids"),
        ({"ids": "1"}, "ids"),
        ({"ids": ["x"]}, "ids"),
        ({"ids": [999999], "port": 22}, "ids"),
        ({"port": 22}, "ids"),
        ({"ids": [1], "port": 0}, "port"),
        ({"ids": [1], "labels": "a=b"}, "labels"),
        ({"ids": [1], "add_groups": [999999]}, "add_groups"),
    ],
)
def test_bulk_update_bad_input(api: Any, owner: Any, payload: dict[str, Any], field: str) -> None:
    HostFactory(created_by=owner)
    err(api.post(URL + "bulk_update/", payload), 400, field)


def test_bulk_update_refuses_hosts_only_viewable(
    api: Any, owner: Any, member: Any, client_for: Any
) -> None:
    mine = HostFactory(created_by=owner)
    ok(
        api.post(
            "/api/permissions/grant/",
            {
                "object_type": "host",
                "object_id": mine.pk,
                "user_id": member.pk,
                "actions": ["view"],
            },
        )
    )
    theirs = HostFactory(created_by=member, port=22)
    response = client_for(member).post(
        URL + "bulk_update/", {"ids": [mine.pk, theirs.pk], "port": 2200}
    )
    assert response.status_code in (400, 403)
    assert response.json()["success"] is False
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.port == 22 and mine.port == 22


def test_bulk_delete(api: Any, owner: Any, member: Any, client_for: Any) -> None:
    hosts = [HostFactory(created_by=owner) for _ in range(3)]
    assert ok(api.post(URL + "bulk_delete/", {"ids": [h.pk for h in hosts[:2]]})) == {"deleted": 2}
    assert list(Host.objects.all()) == [hosts[2]]
    assert AuditLog.objects.filter(action="delete", object_type="inventory.host").count() == 2
    ok(
        api.post(
            "/api/permissions/grant/",
            {
                "object_type": "host",
                "object_id": hosts[2].pk,
                "user_id": member.pk,
                "actions": ["view"],
            },
        )
    )
    response = client_for(member).post(URL + "bulk_delete/", {"ids": [hosts[2].pk]})
    assert response.status_code in (400, 403)
    assert Host.objects.filter(pk=hosts[2].pk).exists()
    err(api.post(URL + "bulk_delete/", {"ids": []}), 400, "ids")


def test_bulk_delete_unknown_ids_are_named(api: Any, owner: Any) -> None:
    host = HostFactory(created_by=owner)
    err(api.post(URL + "bulk_delete/", {"ids": [host.pk, 999999]}), 400, "ids")
    assert Host.objects.filter(pk=host.pk).exists()


def test_anonymous_is_401(client_for: Any) -> None:
    err(client_for(None).get(URL), 401)
