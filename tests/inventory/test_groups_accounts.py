"""Host groups (nesting, tree, protection) and execution accounts (secrets) via the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from hub.audit.models import AuditLog
from hub.inventory.models import Account, HostGroup
from tests.factories import AccountFactory, HostFactory, HostGroupFactory, ed25519_key
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

GROUPS = "/api/hosts/groups/"
ACCOUNTS = "/api/hosts/accounts/"


# Groups ---------------------------------------------------------------------------------


def test_group_crud_nesting_and_host_count(api: Any, owner: Any) -> None:
    root = ok(api.post(GROUPS, {"name": "生产环境", "description": "prod"}), 201)
    child = ok(api.post(GROUPS, {"name": "prod-db 🐘", "parent": root["id"]}), 201)
    assert child["parent"] == root["id"] and child["perms"] == [
        "view",
        "change",
        "delete",
        "execute",
    ]
    host = HostFactory(created_by=owner)
    host.groups.add(HostGroup.objects.get(pk=child["id"]))
    assert ok(api.get(f"{GROUPS}{child['id']}/"))["host_count"] == 1
    roots = ok(api.get(GROUPS, {"root": "true"}))
    assert [g["name"] for g in roots["results"]] == ["生产环境"]
    assert ok(api.get(GROUPS, {"parent": root["id"]}))["count"] == 1
    renamed = ok(api.patch(f"{GROUPS}{child['id']}/", {"name": "db"}))
    assert renamed["name"] == "db"


def test_group_tree(api: Any, owner: Any) -> None:
    root = HostGroupFactory(name="a-root", created_by=owner)
    mid = HostGroupFactory(name="b-mid", parent=root, created_by=owner)
    HostGroupFactory(name="c-leaf", parent=mid, created_by=owner)
    HostGroupFactory(name="d-alone", created_by=owner)
    tree = ok(api.get(GROUPS + "tree/"))
    assert [n["name"] for n in tree] == ["a-root", "d-alone"]
    assert tree[0]["children"][0]["name"] == "b-mid"
    assert tree[0]["children"][0]["children"][0]["name"] == "c-leaf"


def test_group_cycles_are_refused(api: Any, owner: Any) -> None:
    root = HostGroupFactory(created_by=owner)
    mid = HostGroupFactory(parent=root, created_by=owner)
    leaf = HostGroupFactory(parent=mid, created_by=owner)
    err(api.patch(f"{GROUPS}{root.pk}/", {"parent": leaf.pk}), 400, "parent")
    err(api.patch(f"{GROUPS}{root.pk}/", {"parent": root.pk}), 400, "parent")
    root.refresh_from_db()
    assert root.parent is None


def test_deleting_a_group_with_children_is_a_clear_4xx(api: Any, owner: Any) -> None:
    root = HostGroupFactory(created_by=owner)
    HostGroupFactory(name="the-child", parent=root, created_by=owner)
    response = api.delete(f"{GROUPS}{root.pk}/")
    err(response, 409, "detail")
    assert "the-child" in response.json()["message"]
    assert HostGroup.objects.filter(pk=root.pk).exists()
    assert not AuditLog.objects.filter(action="delete", object_id=str(root.pk)).exists()


def test_deleting_a_group_keeps_its_hosts(api: Any, owner: Any) -> None:
    group = HostGroupFactory(created_by=owner)
    host = HostFactory(created_by=owner)
    host.groups.add(group)
    assert api.delete(f"{GROUPS}{group.pk}/").status_code == 204
    assert list(host.groups.all()) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": 12}, "name"),
        ({"name": "x" * 1_000_000}, "name"),
        ({"name": "g", "parent": 999999}, "parent"),
        ({"name": "g", "parent": "top"}, "parent"),
        ({"name": "g", "description": "x" * 1_000_000}, "description"),
    ],
)
def test_group_bad_input(api: Any, payload: dict[str, Any], field: str) -> None:
    err(api.post(GROUPS, payload), 400, field)
    assert HostGroup.objects.count() == 0


def test_group_duplicate_name(api: Any, owner: Any) -> None:
    HostGroupFactory(name="same", created_by=owner)
    err(api.post(GROUPS, {"name": "same"}), 400, "name")


def test_group_list_query_count(api: Any, owner: Any, django_assert_max_num_queries: Any) -> None:
    parent = HostGroupFactory(created_by=owner)
    for _ in range(30):
        HostGroupFactory(created_by=owner, parent=parent)
    with django_assert_max_num_queries(10):
        assert ok(api.get(GROUPS, {"page_size": 50}))["count"] == 31
    with django_assert_max_num_queries(10):
        assert len(ok(api.get(GROUPS + "tree/"))) == 1


# Accounts -------------------------------------------------------------------------------

SECRET = "Sup3r-S3cret-Pa55"


def _raw_columns(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password, private_key, passphrase, become_password "
            "FROM inventory_account WHERE id = %s",
            [account_id],
        )
        return json.dumps(cursor.fetchone())


def _no_secret_in(body: Any, *secrets: str) -> None:
    text = json.dumps(body)
    for secret in secrets:
        assert secret not in text


def test_password_account_secrets_are_write_only_and_encrypted(api: Any) -> None:
    created = ok(
        api.post(
            ACCOUNTS,
            {
                "name": "deploy",
                "username": "deploy",
                "password": SECRET,
                "become": True,
                "become_password": SECRET + "-sudo",
            },
        ),
        201,
    )
    assert created["has_password"] and created["has_become_password"]
    assert not created["has_private_key"]
    for field in ("password", "private_key", "passphrase", "become_password"):
        assert field not in created
    detail = ok(api.get(f"{ACCOUNTS}{created['id']}/"))
    listing = ok(api.get(ACCOUNTS))
    _no_secret_in([created, detail, listing], SECRET)
    raw = _raw_columns(created["id"])
    assert SECRET not in raw and raw.count("gAAAA") == 2  # Fernet tokens
    account = Account.objects.get(pk=created["id"])
    assert account.password == SECRET and account.become_password == SECRET + "-sudo"
    audit = list(
        AuditLog.objects.filter(object_type="inventory.account").values("changes", "detail")
    )
    assert audit and audit[0]["changes"]["password"]["after"] == "******"
    _no_secret_in(audit, SECRET)


def test_update_without_secret_keeps_it_and_new_secret_replaces_it(api: Any) -> None:
    created = ok(api.post(ACCOUNTS, {"name": "a", "username": "u", "password": SECRET}), 201)
    ok(api.patch(f"{ACCOUNTS}{created['id']}/", {"description": "x", "password": ""}))
    assert Account.objects.get(pk=created["id"]).password == SECRET
    ok(api.patch(f"{ACCOUNTS}{created['id']}/", {"password": "another-one"}))
    assert Account.objects.get(pk=created["id"]).password == "another-one"
    log = AuditLog.objects.filter(object_type="inventory.account", action="update").first()
    assert log.changes["password"] == {"before": "******", "after": "******"}
    _no_secret_in(list(AuditLog.objects.values("changes")), SECRET, "another-one")


def test_key_account_without_passphrase(api: Any) -> None:
    key = ed25519_key()
    created = ok(
        api.post(
            ACCOUNTS, {"name": "k", "username": "root", "auth_type": "key", "private_key": key}
        ),
        201,
    )
    assert created["has_private_key"] and not created["has_passphrase"]
    _no_secret_in([created, ok(api.get(ACCOUNTS))], key.splitlines()[1])
    assert "PRIVATE KEY" not in _raw_columns(created["id"])
    assert Account.objects.get(pk=created["id"]).private_key == key


def test_pem_key_with_passphrase_and_wrong_passphrase(api: Any) -> None:
    key = ed25519_key("open sesame", openssh=False)
    err(
        api.post(
            ACCOUNTS,
            {
                "name": "k",
                "username": "root",
                "auth_type": "key",
                "private_key": key,
                "passphrase": "wrong",
            },
        ),
        400,
        "passphrase",
    )
    err(
        api.post(
            ACCOUNTS, {"name": "k", "username": "root", "auth_type": "key", "private_key": key}
        ),
        400,
        "passphrase",
    )
    created = ok(
        api.post(
            ACCOUNTS,
            {
                "name": "k",
                "username": "root",
                "auth_type": "key",
                "private_key": key,
                "passphrase": "open sesame",
            },
        ),
        201,
    )
    assert created["has_passphrase"]
    _no_secret_in([created, ok(api.get(f"{ACCOUNTS}{created['id']}/"))], "open sesame")
    assert "open sesame" not in _raw_columns(created["id"])


def test_openssh_key_with_passphrase_from_ssh_keygen(api: Any) -> None:
    key = ed25519_key("open sesame")
    err(
        api.post(
            ACCOUNTS,
            {
                "name": "k",
                "username": "root",
                "auth_type": "key",
                "private_key": key,
                "passphrase": "wrong",
            },
        ),
        400,
        "passphrase",
    )
    ok(
        api.post(
            ACCOUNTS,
            {
                "name": "k",
                "username": "root",
                "auth_type": "key",
                "private_key": key,
                "passphrase": "open sesame",
            },
        ),
        201,
    )


def test_passphrase_openssh_key_is_never_a_500(api: Any) -> None:
    response = api.post(
        ACCOUNTS,
        {
            "name": "k",
            "username": "root",
            "auth_type": "key",
            "private_key": ed25519_key("pw"),
            "passphrase": "pw",
        },
    )
    assert response.status_code in (201, 400)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "u", "password": "p"}, "name"),
        ({"name": "a", "password": "p"}, "username"),
        ({"name": "a", "username": "u"}, "password"),
        ({"name": "a", "username": "u", "auth_type": "key"}, "private_key"),
        (
            {"name": "a", "username": "u", "auth_type": "key", "private_key": "not a key"},
            "private_key",
        ),
        ({"name": "a", "username": "u", "auth_type": "token", "password": "p"}, "auth_type"),
        ({"name": "a", "username": "u", "password": 12345}, "password"),
        ({"name": 1, "username": "u", "password": "p"}, "name"),
        ({"name": "a", "username": ["u"], "password": "p"}, "username"),
        ({"name": "a", "username": "u", "password": "p" * 1_000_000}, "password"),
        ({"name": "a", "username": "u", "password": "p", "become_method": "doas"}, "become_method"),
        ({"name": "a", "username": "u", "password": "p", "become": "maybe"}, "become"),
    ],
)
def test_account_bad_input(api: Any, payload: dict[str, Any], field: str) -> None:
    err(api.post(ACCOUNTS, payload), 400, field)
    assert Account.objects.count() == 0


def test_account_duplicate_name(api: Any, owner: Any) -> None:
    AccountFactory(name="same", created_by=owner)
    err(api.post(ACCOUNTS, {"name": "same", "username": "u", "password": "p"}), 400, "name")


def test_deleting_an_account_in_use_is_a_clear_4xx(api: Any, owner: Any) -> None:
    account = AccountFactory(created_by=owner)
    HostFactory(name="uses-it", created_by=owner, account=account)
    response = api.delete(f"{ACCOUNTS}{account.pk}/")
    err(response, 409, "detail")
    assert "host 'uses-it'" in response.json()["message"]
    assert Account.objects.filter(pk=account.pk).exists()


def test_account_list_query_count(api: Any, owner: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(30):
        AccountFactory(created_by=owner)
    with django_assert_max_num_queries(10):
        content = ok(api.get(ACCOUNTS, {"page_size": 50}))
    assert content["count"] == 30
    _no_secret_in(content, "s3cret-Pa55")
