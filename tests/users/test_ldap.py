"""Directory login against a real slapd: users, mapped groups, failures, the secret setting."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from hub.audit.models import AuditLog
from hub.core import crypto
from hub.system.models import SystemSetting
from hub.system.services import get_setting, update_setting
from tests.helpers import err, ok
from tests.support.slapd import Slapd

pytestmark = pytest.mark.django_db

BASE = "dc=example,dc=org"
OPS = f"cn=ops,ou=groups,{BASE}"
DEVS = f"cn=devs,ou=groups,{BASE}"
STAFF = f"cn=hub-staff,ou=groups,{BASE}"
SERVICE_DN = f"cn=hub,ou=services,{BASE}"
SERVICE_PASSWORD = "service-bind-Secret-4242"


def _person(uid: str, given: str, sn: str, password: str) -> str:
    return f"""dn: uid={uid},ou=people,{BASE}
objectClass: inetOrgPerson
uid: {uid}
cn: {given} {sn}
givenName: {given}
sn: {sn}
mail: {uid}@example.org
userPassword: {password}
"""


def _group(cn: str, *members: str) -> str:
    lines = "".join(f"member: uid={m},ou=people,{BASE}\n" for m in members)
    return f"dn: cn={cn},ou=groups,{BASE}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}"


SEED = "\n".join(
    [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n",
        *(
            f"dn: ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: {ou}\n"
            for ou in ("people", "groups", "services")
        ),
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: hub\nuserPassword: {SERVICE_PASSWORD}\n",
        _person("alice", "Alice", "Liddell", "alice-pass-1"),
        _person("bob", "Bob", "Builder", "bob-pass-1"),
        _group("ops", "alice"),
        _group("devs", "alice", "bob"),
        _group("hub-staff", "alice"),
    ]
)


@pytest.fixture
def slapd() -> Iterator[Slapd]:
    with Slapd(SEED, suffix=BASE) as server:
        yield server


def configure(**values: Any) -> None:
    for key, value in values.items():
        update_setting(actor=None, key=f"ldap.{key}", value=value)


def switch_on(slapd: Slapd, **overrides: Any) -> None:
    """Directory login set up the way an administrator would (ldap.* settings)."""
    values = {
        "server_uri": slapd.uri,
        "bind_dn": SERVICE_DN,
        "bind_password": SERVICE_PASSWORD,
        "user_search_base": f"ou=people,{BASE}",
        "user_search_filter": "(uid=%(user)s)",
        "group_search_base": f"ou=groups,{BASE}",
        "group_type": "groupOfNames",
        "group_mapping": json.dumps({OPS: ["operators", "oncall"], DEVS: "developers"}),
        "staff_group": STAFF,
        **overrides,
    }
    configure(**values, enabled=True)


@pytest.fixture
def directory(slapd: Slapd) -> Slapd:
    switch_on(slapd)
    return slapd


def login(username: str, password: str) -> Any:
    return APIClient().post(
        "/api/auth/login/", {"username": username, "password": password}, format="json"
    )


def groups_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_directory_user_is_created_with_attributes_and_mapped_groups(directory: Slapd) -> None:
    content = ok(login("alice", "alice-pass-1"))
    assert content["access"] and content["user"]["username"] == "alice"
    alice = User.objects.get(username="alice")
    assert (alice.first_name, alice.last_name, alice.email) == (
        "Alice",
        "Liddell",
        "alice@example.org",
    )
    assert alice.is_staff and not alice.is_superuser
    assert not alice.has_usable_password()  # the directory holds the password
    assert groups_of("alice") == {"operators", "oncall", "developers"}
    sync = AuditLog.objects.get(action="sync", object_id=str(alice.pk))
    assert sync.changes["groups"]["added"] == ["developers", "oncall", "operators"]
    me = APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {content['access']}")
    assert ok(me)["username"] == "alice"


def test_group_left_in_directory_is_left_in_hub_at_next_login(directory: Slapd) -> None:
    ok(login("alice", "alice-pass-1"))
    alice = User.objects.get(username="alice")
    alice.groups.add(Group.objects.create(name="hand-made"))  # not in the mapping
    directory.modify(
        f"dn: {OPS}\nchangetype: modify\nreplace: member\nmember: uid=bob,ou=people,{BASE}\n\n"
        f"dn: {STAFF}\nchangetype: modify\nadd: member\nmember: uid=bob,ou=people,{BASE}\n"
        f"-\ndelete: member\nmember: uid=alice,ou=people,{BASE}\n"
    )
    ok(login("alice", "alice-pass-1"))
    assert groups_of("alice") == {"developers", "hand-made"}
    assert not User.objects.get(username="alice").is_staff
    ok(login("bob", "bob-pass-1"))
    assert groups_of("bob") == {"operators", "oncall", "developers"}
    assert User.objects.get(username="bob").is_staff


def test_wrong_password_and_unknown_user_are_401_and_throttled(
    directory: Slapd, settings: Any
) -> None:
    errors = err(login("alice", "not-her-password"), 401, "password")
    assert "Wrong username or password" in errors["password"][0]
    err(login("nobody-here", "whatever"), 401, "password")
    assert not User.objects.filter(username__in=["alice", "nobody-here"]).exists()
    assert AuditLog.objects.filter(action="login_failed", username="alice").exists()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        login("alice", "not-her-password")
    response = login("alice", "alice-pass-1")
    err(response, 429, "username")
    assert int(response["Retry-After"]) >= 1


def test_directory_down_is_a_clear_error_and_local_admin_still_signs_in(
    directory: Slapd, admin: Any
) -> None:
    ok(login("alice", "alice-pass-1"))
    directory.stop_server()
    response = login("alice", "alice-pass-1")
    errors = err(response, 503)
    assert "cannot be reached" in response.json()["message"]
    assert "local accounts can" in errors["non_field_errors"][0]
    assert ok(login("root-admin", "correct horse battery"))["user"]["is_superuser"]
    assert AuditLog.objects.filter(action="login_failed", username="alice").exists()
    directory.start_again()
    ok(login("alice", "alice-pass-1"))


def test_a_directory_that_does_not_answer_is_given_up_after_the_timeout(
    directory: Slapd,
) -> None:
    configure(server_uri="ldap://192.0.2.1:389", timeout_seconds=1)  # TEST-NET-1: no answer
    started = time.monotonic()
    response = login("alice", "alice-pass-1")
    err(response, 503)
    assert time.monotonic() - started < 5
    assert "cannot be reached" in response.json()["message"]


def test_wrong_service_password_names_the_settings_not_the_value(directory: Slapd) -> None:
    configure(bind_password="wrong-service-password")
    response = login("alice", "alice-pass-1")
    err(response, 503)
    message = response.json()["message"]
    assert "ldap.bind_password" in message and "wrong-service-password" not in message


def test_switched_on_without_a_server_says_what_to_set(db: Any, admin: Any) -> None:
    configure(enabled=True)
    response = login("someone", "pass")
    err(response, 503)
    assert "ldap.server_uri" in response.json()["message"]
    ok(login("root-admin", "correct horse battery"))


def test_local_account_is_never_signed_in_by_the_directory(directory: Slapd) -> None:
    local = User.objects.create_user("bob", password="bobs-local-password", is_superuser=True)
    err(login("bob", "bob-pass-1"), 401, "password")  # bob's directory password
    ok(login("bob", "bobs-local-password"))
    local.refresh_from_db()
    assert local.is_superuser and local.has_usable_password() and not local.groups.exists()


def test_user_deactivated_in_the_hub_stays_out(directory: Slapd) -> None:
    ok(login("alice", "alice-pass-1"))
    User.objects.filter(username="alice").update(is_active=False)
    err(login("alice", "alice-pass-1"), 401, "password")


def test_off_by_default_and_when_switched_off(slapd: Slapd) -> None:
    assert get_setting("ldap.enabled") is False
    err(login("alice", "alice-pass-1"), 401, "password")
    switch_on(slapd)
    ok(login("alice", "alice-pass-1"))
    configure(enabled=False)
    err(login("alice", "alice-pass-1"), 401, "password")


def test_search_base_the_service_account_cannot_read_is_explained(slapd: Slapd) -> None:
    switch_on(slapd, bind_dn="", bind_password="")  # this slapd lets only bound users read
    response = login("alice", "alice-pass-1")
    err(response, 503)
    assert "ldap.user_search_base" in response.json()["message"]


def test_posix_groups_map_too(slapd: Slapd) -> None:
    slapd.modify(
        f"dn: cn=dba,ou=groups,{BASE}\nchangetype: add\nobjectClass: posixGroup\ncn: dba\n"
        "gidNumber: 5000\nmemberUid: bob\n"
    )
    switch_on(
        slapd,
        group_type="posixGroup",
        group_mapping=json.dumps({f"cn=DBA, ou=groups, {BASE}": "dbas"}),
        staff_group="",
    )
    ok(login("bob", "bob-pass-1"))
    assert groups_of("bob") == {"dbas"}


def test_bind_password_is_encrypted_and_never_returned(
    directory: Slapd, admin: Any, client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    boss = client_for(admin)
    url = "/api/system/ldap.bind_password/"
    shown = ok(boss.get(url))
    assert shown["value"] == crypto.MASK and shown["type"] == "secret" and shown["default"] == ""
    stored = SystemSetting.objects.get(key="ldap.bind_password").value
    assert SERVICE_PASSWORD not in stored and crypto.decrypt(stored) == SERVICE_PASSWORD
    assert ok(boss.patch(url, {"value": crypto.MASK}))["value"] == crypto.MASK  # unchanged
    assert get_setting("ldap.bind_password") == SERVICE_PASSWORD
    ok(login("alice", "alice-pass-1"))
    err(login("alice", "wrong"), 401)
    bodies = [boss.get("/api/system/").content, boss.get(url).content]
    bodies.append(boss.get("/api/permissions/audit-logs/").content)
    bodies.append(boss.patch(url, {"value": "new-Secret-99"}).content)
    assert all(SERVICE_PASSWORD.encode() not in b and b"new-Secret-99" not in b for b in bodies)
    assert not AuditLog.objects.filter(changes__icontains="Secret").exists()
    assert get_setting("ldap.bind_password") == "new-Secret-99"
    directory.stop_server()
    err(login("alice", "alice-pass-1"), 503)
    logged = caplog.text
    assert "Binding as" in logged  # django-auth-ldap's debug log was captured
    assert SERVICE_PASSWORD not in logged and "new-Secret-99" not in logged
    assert "alice-pass-1" not in logged


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("group_mapping", "not json"),
        ("group_mapping", '["cn=x,dc=y"]'),
        ("group_mapping", '{"no-dn": "ops"}'),
        ("group_mapping", '{"cn=x,dc=y": [1]}'),
        ("group_mapping", "[" * 9000 + "]" * 9000),
        ("group_mapping", '{"cn=x,dc=y": "' + "a" * 20000 + '"}'),
        ("server_uri", "http://dc1"),
        ("user_search_filter", "(uid=alice)"),
        ("group_type", "unknown"),
        ("attr_email", "mail; rm"),
    ],
)
def test_bad_directory_settings_are_400(admin: Any, client_for: Any, key: str, value: str) -> None:
    err(client_for(admin).patch(f"/api/system/ldap.{key}/", {"value": value}), 400, "value")
