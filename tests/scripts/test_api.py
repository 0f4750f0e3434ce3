"""Script library through the API: versions, diff, rollback, parameters, safety rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.exceptions import ValidationError

from hub.audit.models import AuditLog
from hub.scripts.models import DangerousCommandRule, ScriptTemplate, ScriptVersion
from tests.factories import make_script
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

URL = "/api/script-templates/"
PARAMS = [
    {"name": "target_dir", "type": "string", "default": "/tmp", "required": True},
    {"name": "retries", "type": "number", "default": 3},
    {"name": "mode", "type": "choice", "choices": ["fast", "safe"], "default": "safe"},
    {"name": "db_password", "type": "secret", "default": "hunter2-secret"},
    {"name": "hosts", "type": "host_list", "default": ["a", "b"]},
]


def create(api: Any, **data: Any) -> dict[str, Any]:
    payload = {
        "name": "deploy",
        "script_type": "shell",
        "content": "echo v1\n",
        "tags": ["deploy", "web"],
        "category": "ops",
        **data,
    }
    return ok(api.post(URL, payload), 201)


def test_create_makes_v1_and_content_change_makes_v2(api: Any) -> None:
    script = create(api, parameters=PARAMS)
    assert script["current_version"] == 1 and script["version_count"] == 1
    assert script["content"] == "echo v1\n" and script["warnings"] == []
    assert script["perms"] == ["view", "change", "delete", "execute"]
    url = f"{URL}{script['id']}/"
    meta = ok(api.patch(url, {"description": "only metadata", "tags": ["x"]}))
    assert meta["current_version"] == 1 and meta["tags"] == ["x"]
    changed = ok(api.patch(url, {"content": "echo v2\n", "comment": "second"}))
    assert changed["current_version"] == 2 and changed["content"] == "echo v2\n"
    assert ok(api.get(url))["version_count"] == 2
    same = ok(api.patch(url, {"content": "echo v2\n"}))
    assert same["current_version"] == 2
    versions = ok(api.get(url + "versions/"))
    assert [v["number"] for v in versions["results"]] == [2, 1]
    assert versions["results"][0]["comment"] == "second"
    v1 = ok(api.get(url + "versions/1/"))
    assert v1["content"] == "echo v1\n" and v1["status"] == "online"
    err(api.get(url + "versions/9/"), 400, "version")


def test_parameter_change_makes_a_version(api: Any) -> None:
    script = create(api)
    url = f"{URL}{script['id']}/"
    changed = ok(api.patch(url, {"parameters": [{"name": "x", "type": "string"}]}))
    assert changed["current_version"] == 2
    assert changed["parameters"][0]["name"] == "x"


def test_full_put_update(api: Any) -> None:
    script = create(api)
    updated = ok(api.put(f"{URL}{script['id']}/", {"name": "renamed", "content": "echo v1\n"}))
    assert updated["name"] == "renamed" and updated["current_version"] == 1


def test_diff_and_rollback(api: Any) -> None:
    script = create(api, content="line one\nline two\n")
    url = f"{URL}{script['id']}/"
    ok(api.patch(url, {"content": "line one\nline 2\n"}))
    diff = ok(api.get(url + "diff/", {"from": 1, "to": 2}))
    assert "-line two" in diff["diff"] and "+line 2" in diff["diff"]
    assert diff["from_content"] == "line one\nline two\n"
    rolled = ok(api.post(url + "rollback/", {"version": 1}), 201)
    assert rolled["number"] == 3 and rolled["content"] == "line one\nline two\n"
    assert ok(api.get(url))["current_version"] == 3
    assert (
        ScriptVersion.objects.get(script_id=script["id"], number=2).content == "line one\nline 2\n"
    )
    err(api.post(url + "rollback/", {"version": 42}), 400, "version")
    err(api.post(url + "rollback/", {"version": "one"}), 400, "version")
    err(api.post(url + "rollback/", {}), 400, "version")
    err(api.get(url + "diff/", {"from": 1}), 400, "to_version")
    err(api.get(url + "diff/", {"from": 1, "to": 99}), 400, "version")
    err(api.get(url + "diff/", {"from": "a", "to": 2}), 400, "from_version")


def test_version_status_online_offline(api: Any) -> None:
    script = create(api)
    url = f"{URL}{script['id']}/versions/1/status/"
    assert ok(api.post(url, {"status": "offline"}))["status"] == "offline"
    assert ok(api.get(f"{URL}{script['id']}/versions/1/"))["status"] == "offline"
    assert AuditLog.objects.filter(
        action="update", object_id=str(script["id"]), changes__has_key="versions[1].status"
    ).exists()
    err(api.post(url, {"status": "archived"}), 400, "status")
    err(api.post(f"{URL}{script['id']}/versions/7/status/", {"status": "online"}), 400, "version")


def test_secret_parameter_default_masked_everywhere_and_encrypted(api: Any) -> None:
    script = create(api, parameters=PARAMS)
    secret = next(p for p in script["parameters"] if p["name"] == "db_password")
    assert secret["default"] == "******"
    url = f"{URL}{script['id']}/"
    bodies = [
        script,
        ok(api.get(url)),
        ok(api.get(URL)),
        ok(api.get(url + "versions/")),
        ok(api.get(url + "versions/1/")),
    ]
    assert "hunter2-secret" not in json.dumps(bodies)
    stored = ScriptVersion.objects.get(script_id=script["id"]).parameters
    assert "hunter2-secret" not in json.dumps(stored)
    # Sending the mask back keeps the secret; the content change still makes v2.
    params = [dict(p) for p in script["parameters"]]
    changed = ok(api.patch(url, {"content": "echo v2\n", "parameters": params}))
    assert changed["current_version"] == 2
    from hub.scripts.parameters import resolve_values

    v2 = ScriptVersion.objects.get(script_id=script["id"], number=2)
    values, secrets = resolve_values(v2.parameters, {})
    assert values["db_password"] == "hunter2-secret" and secrets == {"db_password"}
    rows = json.dumps(list(AuditLog.objects.values("changes", "detail")))
    assert "hunter2-secret" not in rows


TYPED = [
    {"name": "enable_tls", "type": "boolean", "default": False},
    {"name": "ports", "type": "list", "default": [27017, 27018]},
    {"name": "limits", "type": "dict", "default": {"nofile": 64000, "names": ["a"]}},
    {"name": "engine", "type": "choice", "choices": ["wiredTiger", 4], "default": 4},
    {"name": "extra", "type": "dict"},
]


def test_bool_list_and_dict_parameters_are_stored_typed_and_checked_at_launch(api: Any) -> None:
    from hub.scripts.parameters import resolve_values

    created = ok(api.post(URL, {"name": "typed", "content": "echo", "parameters": TYPED}), 201)
    assert [(p["name"], p["default"]) for p in created["parameters"]] == [
        ("enable_tls", False),
        ("ports", [27017, 27018]),
        ("limits", {"nofile": 64000, "names": ["a"]}),
        ("engine", 4),
        ("extra", None),
    ]
    declared = ScriptVersion.objects.get(script_id=created["id"]).parameters
    values, _ = resolve_values(declared, {"enable_tls": True, "ports": []})
    assert values == {
        "enable_tls": True,
        "ports": [],
        "limits": {"nofile": 64000, "names": ["a"]},
        "engine": 4,
        "extra": {},
    }
    for given, message in [
        ({"enable_tls": "false"}, "parameters.enable_tls: must be true or false."),
        ({"ports": {"a": 1}}, "parameters.ports: must be a list."),
        ({"limits": "nofile=1"}, "parameters.limits: must be a mapping (an object)."),
        ({"engine": "mmapv1"}, "parameters.engine: must be one of ['wiredTiger', 4]."),
    ]:
        with pytest.raises(ValidationError) as caught:
            resolve_values(declared, given)
        assert caught.value.detail == {"parameters": [message]}


@pytest.mark.parametrize(
    ("parameters", "needle"),
    [
        ("nope", "list"),
        ([{"name": "1bad"}], "parameters[0].name: must be an identifier"),
        ([{"name": "a", "type": "float"}], "parameters.a.type: must be one of"),
        ([{"name": "a"}, {"name": "a"}], "declared twice"),
        ([{"name": "a", "type": "choice"}], "parameters.a.choices: must be a list"),
        ([{"name": "a", "type": "number", "default": "three"}], "parameters.a.default: must be"),
        ([{"name": "a", "type": "host_list", "default": "web"}], "parameters.a.default: must be"),
        ([{"name": "a", "type": "choice", "choices": ["x"], "default": "y"}], "parameters.a"),
        ([{"name": "a", "color": "red"}], "unknown keys"),
        (["a"], "parameters[0]: must be an object"),
        (
            [{"name": "enable_tls", "type": "boolean", "default": "yes"}],
            "parameters.enable_tls.default: must be true or false.",
        ),
        ([{"name": "ports", "type": "list", "default": "80"}], "parameters.ports.default: must be"),
        ([{"name": "opts", "type": "dict", "default": [1]}], "parameters.opts.default: must be"),
        (
            [{"name": "opts", "type": "dict", "default": {"{{ lookup('pipe', 'id') }}": 1}}],
            "parameters.opts.default: may not have keys with Jinja",
        ),
    ],
)
def test_bad_parameter_declarations_are_named(api: Any, parameters: Any, needle: str) -> None:
    errors = err(
        api.post(URL, {"name": "s", "content": "echo", "parameters": parameters}), 400, "parameters"
    )
    assert needle in json.dumps(errors)
    assert ScriptTemplate.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"content": "echo"}, "name"),
        ({"name": "s"}, "content"),
        ({"name": "s", "content": "   \n"}, "content"),
        ({"name": "s", "content": "a\x00b"}, "content"),
        ({"name": 3, "content": "echo"}, "name"),
        ({"name": "s", "content": ["echo"]}, "content"),
        ({"name": "s", "content": "x" * (1024 * 1024 + 1)}, "content"),
        ({"name": "s" * 1_000_000, "content": "echo"}, "name"),
        ({"name": "s", "content": "echo", "script_type": "cobol"}, "script_type"),
        ({"name": "s", "content": "echo", "tags": "a,b"}, "tags"),
        ({"name": "s", "content": "echo", "tags": [1]}, "tags"),
        ({"name": "s", "content": "echo", "description": "d" * 1_000_000}, "description"),
        ({"name": "s", "content": "echo", "category": "c" * 1000}, "category"),
    ],
)
def test_bad_input(api: Any, payload: dict[str, Any], field: str) -> None:
    err(api.post(URL, payload), 400, field)
    assert ScriptTemplate.objects.count() == 0 and ScriptVersion.objects.count() == 0


def test_duplicate_name(api: Any) -> None:
    create(api, name="dup")
    err(api.post(URL, {"name": "dup", "content": "echo"}), 400, "name")
    assert ScriptTemplate.objects.count() == 1


def test_unicode_name_and_content(api: Any) -> None:
    script = create(api, name="备份脚本 🗄️", content="echo '你好'\n")
    assert ok(api.get(f"{URL}{script['id']}/"))["content"] == "echo '你好'\n"


def test_search_by_name_tag_and_content(api: Any, owner: Any) -> None:
    make_script(
        owner,
        name="nginx-reload",
        content="systemctl reload nginx\n",
        tags=["web"],
        category="service",
    )
    make_script(
        owner, name="db-backup", content="pg_dump mydb > /backup/db.sql\n", tags=["db", "backup"]
    )

    def found(**query: Any) -> list[str]:
        return [s["name"] for s in ok(api.get(URL, query))["results"]]

    assert found(search="nginx") == ["nginx-reload"]
    assert found(tag="backup") == ["db-backup"]
    assert found(tag="web") == ["nginx-reload"]
    assert found(content="pg_dump") == ["db-backup"]
    assert found(category="service") == ["nginx-reload"]
    assert found(script_type="shell") == ["db-backup", "nginx-reload"]
    assert "content" not in ok(api.get(URL))["results"][0]


def test_dangerous_content_is_blocked_at_save(api: Any) -> None:
    response = api.post(URL, {"name": "wipe", "content": "echo bye\nrm -rf /\n"})
    errors = err(response, 400, "content")
    assert "line 2" in errors["content"][0]
    assert ScriptTemplate.objects.count() == 0
    script = create(api)
    err(api.patch(f"{URL}{script['id']}/", {"content": "rm -rf /"}), 400, "content")
    assert ok(api.get(f"{URL}{script['id']}/"))["current_version"] == 1


def test_warn_rule_returns_warnings(api: Any, admin: Any, client_for: Any) -> None:
    rule = ok(
        client_for(admin).post(
            URL + "dangerous-rules/",
            {
                "pattern": r"\bshutdown\b",
                "action": "warn",
                "description": "Shuts the host down",
                "script_types": ["shell"],
            },
        ),
        201,
    )
    script = create(api, content="sleep 1\nshutdown -h now\n")
    mine = [w for w in script["warnings"] if w["rule_id"] == rule["id"]]
    assert [(w["line"], w["action"], w["text"]) for w in mine] == [(2, "warn", "shutdown -h now")]
    check = ok(
        api.post(URL + "check/", {"script_type": "shell", "content": "shutdown\nrm -rf /\n"})
    )
    assert check["blocked"] is True
    assert {m["action"] for m in check["matches"]} == {"warn", "block"}
    clean = ok(api.post(URL + "check/", {"script_type": "python", "content": "print(1)"}))
    assert clean == {"matches": [], "blocked": False}
    err(api.post(URL + "check/", {"script_type": "shell"}), 400, "content")
    err(api.post(URL + "check/", {"script_type": "x", "content": "a"}), 400, "script_type")


def test_safety_check_can_be_switched_off(api: Any, admin: Any, client_for: Any) -> None:
    ok(client_for(admin).patch("/api/system/feature.dangerous_command_check/", {"value": False}))
    assert create(api, content="rm -rf /\n")["current_version"] == 1


def test_dangerous_rules_admin_only_writes(api: Any, admin: Any, client_for: Any) -> None:
    listing = ok(api.get(URL + "dangerous-rules/"))
    assert listing["count"] >= 1
    rule = {"pattern": "mkfs", "description": "format", "action": "block"}
    err(api.post(URL + "dangerous-rules/", rule), 403)
    first = listing["results"][0]["id"]
    err(api.patch(f"{URL}dangerous-rules/{first}/", {"enabled": False}), 403)
    err(api.delete(f"{URL}dangerous-rules/{first}/"), 403)
    boss = client_for(admin)
    created = ok(boss.post(URL + "dangerous-rules/", rule), 201)
    assert (
        ok(boss.patch(f"{URL}dangerous-rules/{created['id']}/", {"enabled": False}))["enabled"]
        is False
    )
    assert boss.delete(f"{URL}dangerous-rules/{created['id']}/").status_code == 204
    assert AuditLog.objects.filter(object_type="scripts.dangerouscommandrule").count() == 3
    err(boss.post(URL + "dangerous-rules/", {**rule, "pattern": "(unclosed"}), 400, "pattern")
    err(boss.post(URL + "dangerous-rules/", {**rule, "action": "explode"}), 400, "action")
    err(
        boss.post(URL + "dangerous-rules/", {**rule, "script_types": ["cobol"]}),
        400,
        "script_types",
    )
    err(boss.post(URL + "dangerous-rules/", {"pattern": "x"}), 400, "description")
    assert DangerousCommandRule.objects.filter(pattern="(unclosed").count() == 0


def test_delete_script_and_audit(api: Any) -> None:
    script = create(api)
    assert api.delete(f"{URL}{script['id']}/").status_code == 204
    assert not ScriptVersion.objects.filter(script_id=script["id"]).exists()
    assert AuditLog.objects.filter(
        action="delete", object_type="scripts.scripttemplate", object_id=str(script["id"])
    ).exists()


def test_script_used_by_a_job_step_cannot_be_deleted(api: Any, owner: Any) -> None:
    script = make_script(owner)
    ok(
        api.post("/api/templates/", {"name": "t", "steps": [{"name": "s", "script": script.pk}]}),
        201,
    )
    response = api.delete(f"{URL}{script.pk}/")
    err(response, 409, "detail")
    assert ScriptTemplate.objects.filter(pk=script.pk).exists()


def test_others_cannot_see_or_change_versions(api: Any, member: Any, client_for: Any) -> None:
    script = create(api)
    other = client_for(member)
    for path in ("", "versions/", "versions/1/", "diff/?from=1&to=1"):
        err(other.get(f"{URL}{script['id']}/{path}"), 404)
    err(other.post(f"{URL}{script['id']}/rollback/", {"version": 1}), 404)
    ok(
        api.post(
            "/api/permissions/grant/",
            {
                "object_type": "script",
                "object_id": script["id"],
                "user_id": member.pk,
                "actions": ["view"],
            },
        )
    )
    ok(other.get(f"{URL}{script['id']}/versions/"))
    err(other.post(f"{URL}{script['id']}/rollback/", {"version": 1}), 403)
    err(other.post(f"{URL}{script['id']}/versions/1/status/", {"status": "offline"}), 403)
    assert ScriptVersion.objects.filter(script_id=script["id"]).count() == 1


def test_list_query_count(api: Any, owner: Any, django_assert_max_num_queries: Any) -> None:
    for index in range(30):
        make_script(owner, name=f"s{index:02}")
    with django_assert_max_num_queries(10):
        content = ok(api.get(URL, {"page_size": 50}))
    assert content["count"] == 30 and content["results"][0]["current_version"] == 1
