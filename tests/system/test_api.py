"""Runtime settings: everyone reads, admins change with validation, changes are audited."""

from __future__ import annotations

from typing import Any

import pytest

from hub.audit.models import AuditLog
from hub.system.models import SystemSetting
from hub.system.services import get_setting
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

URL = "/api/system/"


def test_list_and_retrieve(api: Any) -> None:
    settings = ok(api.get(URL))
    by_key = {s["key"]: s for s in settings}
    assert by_key["execution.default_forks"]["value"] == 20
    assert by_key["feature.object_permissions"]["type"] == "bool"
    one = ok(api.get(URL + "execution.default_forks/"))
    assert one["minimum"] == 1 and one["maximum"] == 500 and one["description"]
    err(api.get(URL + "no.such.key/"), 404)
    err(api.get(URL + "execution.default_forks/x/"), 404)


def test_admin_changes_a_setting_and_it_is_audited(admin: Any, client_for: Any) -> None:
    boss = client_for(admin)
    changed = ok(boss.patch(URL + "execution.default_forks/", {"value": 50}))
    assert changed["value"] == 50 and get_setting("execution.default_forks") == 50
    assert ok(boss.get(URL + "execution.default_forks/"))["value"] == 50
    log = AuditLog.objects.get(object_type="system.setting")
    assert log.changes == {"execution.default_forks": {"before": 20, "after": 50}}
    assert log.username == "root-admin" and log.action == "update"


def test_non_admin_cannot_change(api: Any) -> None:
    err(api.patch(URL + "execution.default_forks/", {"value": 5}), 403)
    assert not SystemSetting.objects.exists()
    assert api.put(URL + "execution.default_forks/", {"value": 5}).status_code in (403, 405)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("execution.default_forks", 0),
        ("execution.default_forks", 501),
        ("execution.default_forks", "20"),
        ("execution.default_forks", 2.5),
        ("execution.default_forks", True),
        ("execution.default_forks", None),
        ("feature.captcha", "yes"),
        ("feature.captcha", 1),
        ("logs.retention_days", -1),
        ("logs.retention_days", [90]),
        ("execution.python_interpreter", "not a path"),
        ("execution.python_interpreter", "python3"),
        ("execution.python_interpreter", "/usr/bin/python3; rm -rf /"),
    ],
)
def test_bad_values_are_400_naming_value(admin: Any, client_for: Any, key: str, value: Any) -> None:
    err(client_for(admin).patch(f"{URL}{key}/", {"value": value}), 400, "value")
    assert not SystemSetting.objects.exists() and not AuditLog.objects.exists()


@pytest.mark.parametrize("value", ["auto_silent", "/usr/bin/python3", "/opt/py/bin/python3.12"])
def test_interpreter_accepts_ansible_modes_and_paths(
    admin: Any, client_for: Any, value: str
) -> None:
    ok(client_for(admin).patch(f"{URL}execution.python_interpreter/", {"value": value}))
    assert SystemSetting.objects.get(key="execution.python_interpreter").value == value


def test_missing_value_and_unknown_key(admin: Any, client_for: Any) -> None:
    boss = client_for(admin)
    err(boss.patch(URL + "execution.default_forks/", {}), 400, "value")
    err(boss.patch(URL + "no.such.key/", {"value": 1}), 404)
    err(
        boss.patch(URL + "execution.default_forks/", data="{x", content_type="application/json"),
        400,
        "body",
    )


def test_anonymous_is_401(client_for: Any) -> None:
    err(client_for(None).get(URL), 401)
