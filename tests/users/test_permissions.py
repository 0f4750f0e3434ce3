"""Object permissions end to end: owner, second user, grant/revoke, groups, perms field."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from hub.audit.models import AuditLog
from tests.factories import AccountFactory, HostFactory, HostGroupFactory, make_script
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

GRANT = "/api/permissions/grant/"
REVOKE = "/api/permissions/revoke/"


def _objects(owner: Any, api: Any) -> dict[str, tuple[str, int]]:
    """One object of every permissioned type, made by owner through the API."""
    group = HostGroupFactory(created_by=owner)
    host = HostFactory(created_by=owner)
    account = AccountFactory(created_by=owner)
    script = make_script(owner)
    template = ok(
        api.post(
            "/api/templates/", {"name": "tpl", "steps": [{"name": "s", "script_content": "echo 1"}]}
        ),
        201,
    )
    plan = ok(api.post("/api/templates/plans/", {"template": template["id"], "name": "p"}), 201)
    return {
        "host": ("/api/hosts/", host.pk),
        "group": ("/api/hosts/groups/", group.pk),
        "account": ("/api/hosts/accounts/", account.pk),
        "script": ("/api/script-templates/", script.pk),
        "template": ("/api/templates/", template["id"]),
        "plan": ("/api/templates/plans/", plan["id"]),
    }


def test_second_user_sees_nothing_until_granted_view(
    api: Any, owner: Any, member: Any, client_for: Any
) -> None:
    objects = _objects(owner, api)
    other = client_for(member)
    for kind, (url, pk) in objects.items():
        assert ok(other.get(url))["count"] == 0, kind
        err(other.get(f"{url}{pk}/"), 404)
        err(other.patch(f"{url}{pk}/", {"description": "x"}), 404)
        err(other.delete(f"{url}{pk}/"), 404)
        owner_view = ok(api.get(f"{url}{pk}/"))
        assert owner_view["perms"] == ["view", "change", "delete", "execute"], kind

        holders = ok(
            api.post(
                GRANT,
                {"object_type": kind, "object_id": pk, "user_id": member.pk, "actions": ["view"]},
            )
        )
        assert {"id": member.pk, "username": "member", "actions": ["view"]} in holders["users"]
        assert ok(other.get(url))["count"] == 1, kind
        detail = ok(other.get(f"{url}{pk}/"))
        assert detail["perms"] == ["view"], kind
        err(other.patch(f"{url}{pk}/", {"description": "x"}), 403)
        err(other.delete(f"{url}{pk}/"), 403)

        ok(
            api.post(
                REVOKE,
                {"object_type": kind, "object_id": pk, "user_id": member.pk, "actions": ["view"]},
            )
        )
        assert ok(other.get(url))["count"] == 0, kind
        err(other.get(f"{url}{pk}/"), 404)


def test_change_grant_allows_patch_but_not_delete(
    api: Any, owner: Any, member: Any, client_for: Any
) -> None:
    host = HostFactory(created_by=owner)
    ok(
        api.post(
            GRANT,
            {
                "object_type": "host",
                "object_id": host.pk,
                "user_id": member.pk,
                "actions": ["view", "change"],
            },
        )
    )
    other = client_for(member)
    assert ok(other.patch(f"/api/hosts/{host.pk}/", {"description": "by member"}))["perms"] == [
        "view",
        "change",
    ]
    err(other.delete(f"/api/hosts/{host.pk}/"), 403)


def test_group_grants(api: Any, owner: Any, member: Any, client_for: Any) -> None:
    team = Group.objects.create(name="sre")
    member.groups.add(team)
    host = HostFactory(created_by=owner)
    holders = ok(
        api.post(
            GRANT,
            {
                "object_type": "host",
                "object_id": host.pk,
                "group_id": team.pk,
                "actions": ["view", "execute"],
            },
        )
    )
    assert holders["groups"] == [{"id": team.pk, "name": "sre", "actions": ["execute", "view"]}]
    other = client_for(member)
    assert ok(other.get(f"/api/hosts/{host.pk}/"))["perms"] == ["view", "execute"]
    ok(
        api.post(
            REVOKE,
            {
                "object_type": "host",
                "object_id": host.pk,
                "group_id": team.pk,
                "actions": ["view", "execute"],
            },
        )
    )
    err(other.get(f"/api/hosts/{host.pk}/"), 404)


def test_holders_listing(api: Any, owner: Any, member: Any, client_for: Any) -> None:
    host = HostFactory(created_by=owner)
    holders = ok(api.get("/api/permissions/", {"object_type": "host", "object_id": host.pk}))
    assert holders["users"] == [
        {"id": owner.pk, "username": "owner", "actions": ["change", "delete", "execute", "view"]}
    ]
    assert holders["groups"] == []
    err(
        client_for(member).get("/api/permissions/", {"object_type": "host", "object_id": host.pk}),
        400,
        "object_id",
    )


def test_only_owner_or_admin_may_grant(
    api: Any, owner: Any, member: Any, outsider: Any, admin: Any, client_for: Any
) -> None:
    host = HostFactory(created_by=owner)
    ok(
        api.post(
            GRANT,
            {
                "object_type": "host",
                "object_id": host.pk,
                "user_id": member.pk,
                "actions": ["view", "change"],
            },
        )
    )
    before = AuditLog.objects.filter(action="grant").count()
    err(
        client_for(member).post(
            GRANT,
            {
                "object_type": "host",
                "object_id": host.pk,
                "user_id": outsider.pk,
                "actions": ["view"],
            },
        ),
        403,
    )
    assert AuditLog.objects.filter(action="grant").count() == before
    err(client_for(outsider).get(f"/api/hosts/{host.pk}/"), 404)
    ok(
        client_for(admin).post(
            GRANT,
            {
                "object_type": "host",
                "object_id": host.pk,
                "user_id": outsider.pk,
                "actions": ["view"],
            },
        )
    )
    ok(client_for(outsider).get(f"/api/hosts/{host.pk}/"))
    log = AuditLog.objects.filter(action="grant").first()
    assert log.username == "root-admin" and log.detail["actions"] == ["view"]


def test_a_user_without_view_cannot_grant_themselves(
    owner: Any, outsider: Any, client_for: Any
) -> None:
    host = HostFactory(created_by=owner)
    err(
        client_for(outsider).post(
            GRANT,
            {
                "object_type": "host",
                "object_id": host.pk,
                "user_id": outsider.pk,
                "actions": ["view"],
            },
        ),
        400,
        "object_id",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"object_type": "spaceship", "object_id": 1, "user_id": 1, "actions": ["view"]},
            "object_type",
        ),
        (
            {"object_type": "host", "object_id": 999999, "user_id": 1, "actions": ["view"]},
            "object_id",
        ),
        ({"object_type": "host", "object_id": "x", "user_id": 1, "actions": ["view"]}, "object_id"),
        ({"object_type": "host", "object_id": 0, "actions": ["view"]}, "object_id"),
        ({"object_type": "host", "object_id": 1, "actions": ["view"]}, "user_id"),
        (
            {
                "object_type": "host",
                "object_id": 1,
                "user_id": 1,
                "group_id": 1,
                "actions": ["view"],
            },
            "user_id",
        ),
        ({"object_type": "host", "object_id": 1, "user_id": 1, "actions": ["fly"]}, "actions"),
        ({"object_type": "host", "object_id": 1, "user_id": 1, "actions": []}, "actions"),
        ({"object_type": "host", "object_id": 1, "user_id": 1, "actions": "view"}, "actions"),
        (
            {"object_type": "host", "object_id": 1, "user_id": 999999, "actions": ["view"]},
            "user_id",
        ),
        (
            {"object_type": "host", "object_id": 1, "group_id": 999999, "actions": ["view"]},
            "group_id",
        ),
    ],
)
def test_grant_bad_input(admin: Any, client_for: Any, payload: dict[str, Any], field: str) -> None:
    HostFactory(created_by=admin, pk=1)
    err(client_for(admin).post(GRANT, payload), 400, field)


def test_holders_bad_query(api: Any) -> None:
    err(api.get("/api/permissions/"), 400, "object_type")
    err(api.get("/api/permissions/", {"object_type": "host", "object_id": "x"}), 400, "object_id")


def test_object_permissions_off_lets_everyone_see_everything(
    api: Any, owner: Any, member: Any, admin: Any, client_for: Any
) -> None:
    host = HostFactory(created_by=owner)
    other = client_for(member)
    err(other.get(f"/api/hosts/{host.pk}/"), 404)
    err(other.patch("/api/system/feature.object_permissions/", {"value": False}), 403)
    ok(client_for(admin).patch("/api/system/feature.object_permissions/", {"value": False}))
    assert ok(other.get("/api/hosts/"))["count"] == 1
    assert ok(other.get(f"/api/hosts/{host.pk}/"))["perms"] == [
        "view",
        "change",
        "delete",
        "execute",
    ]
    ok(other.patch(f"/api/hosts/{host.pk}/", {"description": "open"}))


def test_model_level_permission_counts_as_global(
    api: Any, owner: Any, member: Any, client_for: Any
) -> None:
    from django.contrib.auth.models import Permission

    host = HostFactory(created_by=owner)
    member.user_permissions.add(Permission.objects.get(codename="view_host"))
    other = client_for(member)
    assert ok(other.get("/api/hosts/"))["count"] == 1
    assert ok(other.get(f"/api/hosts/{host.pk}/"))["perms"] == ["view"]


def test_perms_query_count_for_second_user(
    api: Any, owner: Any, member: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        host = HostFactory(created_by=owner)
        ok(
            api.post(
                GRANT,
                {
                    "object_type": "host",
                    "object_id": host.pk,
                    "user_id": member.pk,
                    "actions": ["view"],
                },
            )
        )
    other = client_for(member)
    with django_assert_max_num_queries(14):
        content = ok(other.get("/api/hosts/", {"page_size": 50}))
    assert content["count"] == 30 and {tuple(h["perms"]) for h in content["results"]} == {("view",)}
