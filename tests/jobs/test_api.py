"""Job templates, execution plans and file uploads through the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from hub.audit.models import AuditLog
from hub.jobs.models import ExecutionPlan, JobStep, JobTemplate, PlanStep, StoredFile
from tests.factories import HostFactory, HostGroupFactory, make_script
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

URL = "/api/templates/"
PLANS = "/api/templates/plans/"
SECRET = "t0p-s3cret-value"


@pytest.fixture
def script(owner: Any) -> Any:
    return make_script(
        owner,
        name="lib",
        content='echo "$msg"\n',
        parameters=[
            {"name": "msg", "type": "string", "default": "hi"},
            {"name": "token", "type": "secret"},
        ],
    )


@pytest.fixture
def template(api: Any, owner: Any, script: Any) -> dict[str, Any]:
    host = HostFactory(created_by=owner)
    return ok(
        api.post(
            URL,
            {
                "name": "deploy app",
                "description": "two steps",
                "target_hosts": [host.pk],
                "variables": [
                    {"name": "version", "var_type": "string", "value": "1.0"},
                    {"name": "api_key", "var_type": "secret", "value": SECRET},
                    {"name": "count", "var_type": "number", "value": 3},
                ],
                "steps": [
                    {
                        "name": "library step",
                        "script": script.pk,
                        "parameters": {"msg": "hello", "token": SECRET + "-param"},
                    },
                    {
                        "name": "inline step",
                        "script_content": "uptime\n",
                        "script_type": "shell",
                        "timeout": 60,
                        "ignore_errors": True,
                    },
                ],
            },
        ),
        201,
    )


def _no_secret(*bodies: Any) -> None:
    text = json.dumps(bodies)
    assert SECRET not in text


def test_template_create_masks_secrets_and_encrypts(api: Any, template: dict[str, Any]) -> None:
    assert template["version"] == 1 and template["perms"] == ["view", "change", "delete", "execute"]
    steps = template["steps"]
    assert [s["name"] for s in steps] == ["library step", "inline step"]
    assert [s["order"] for s in steps] == [1, 2]
    assert steps[0]["parameters"] == {"msg": "hello", "token": "******"}
    assert steps[0]["script_type"] == "shell" and steps[1]["timeout"] == 60
    variables = {v["name"]: v for v in template["variables"]}
    assert variables["api_key"]["value"] == "******" and variables["count"]["value"] == 3
    _no_secret(
        template,
        ok(api.get(f"{URL}{template['id']}/")),
        ok(api.get(URL)),
        list(AuditLog.objects.values("changes", "detail")),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_parameters FROM jobs_jobstep")
        cursor.execute("SELECT secret_value FROM jobs_templatevariable WHERE name='api_key'")
        assert SECRET not in json.dumps(cursor.fetchall())
        cursor.execute("SELECT secret_parameters FROM jobs_jobstep")
        assert SECRET not in json.dumps(cursor.fetchall())
    step = JobStep.objects.get(pk=steps[0]["id"])
    assert step.secret_parameter_values == {"token": SECRET + "-param"}


def test_update_keeps_step_ids_reorders_and_versions_only_on_change(
    api: Any, template: dict[str, Any]
) -> None:
    url = f"{URL}{template['id']}/"
    steps = template["steps"]
    same = ok(api.patch(url, {"steps": steps, "variables": template["variables"]}))
    assert same["version"] == 1
    assert JobStep.objects.get(pk=steps[0]["id"]).secret_parameter_values == {
        "token": SECRET + "-param"
    }
    from hub.jobs.models import TemplateVariable

    assert TemplateVariable.objects.get(name="api_key").secret_value == SECRET
    reordered = ok(api.patch(url, {"steps": [steps[1], steps[0]]}))
    assert [s["id"] for s in reordered["steps"]] == [steps[1]["id"], steps[0]["id"]]
    assert [s["order"] for s in reordered["steps"]] == [1, 2]
    assert reordered["version"] == 2
    renamed = ok(api.patch(url, {"description": "changed"}))
    assert renamed["version"] == 3
    unchanged = ok(api.patch(url, {"description": "changed"}))
    assert unchanged["version"] == 3
    assert AuditLog.objects.filter(object_type="jobs.jobtemplate", action="update").count() == 2


def test_step_with_foreign_id_is_refused(api: Any, template: dict[str, Any]) -> None:
    other = ok(
        api.post(URL, {"name": "other", "steps": [{"name": "x", "script_content": "true"}]}), 201
    )
    before = JobStep.objects.count()
    err(
        api.patch(
            f"{URL}{template['id']}/",
            {
                "steps": [
                    {"id": other["steps"][0]["id"], "name": "stolen", "script_content": "true"}
                ]
            },
        ),
        400,
        "steps",
    )
    assert JobStep.objects.count() == before
    assert JobStep.objects.get(pk=other["steps"][0]["id"]).name == "x"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": 7}, "name"),
        ({"name": "t" * 1_000_000}, "name"),
        ({"name": "t", "description": "d" * 1_000_000}, "description"),
        ({"name": "t", "steps": "x"}, "steps"),
        ({"name": "t", "steps": [{"name": "s"}]}, "steps"),
        ({"name": "t", "steps": [{"name": "s", "script": 999999}]}, "steps"),
        ({"name": "t", "steps": [{"name": "s", "script_content": "rm -rf /"}]}, "steps"),
        ({"name": "t", "steps": [{"name": "s", "script_content": "x", "timeout": -1}]}, "steps"),
        (
            {"name": "t", "steps": [{"name": "s", "script_content": "x", "batch_size": "lots"}]},
            "steps",
        ),
        (
            {
                "name": "t",
                "steps": [{"name": "s", "step_type": "file_push", "destination": "/tmp"}],
            },
            "steps",
        ),
        (
            {
                "name": "t",
                "steps": [{"name": "s", "step_type": "file_fetch", "fetch_path": "relative"}],
            },
            "steps",
        ),
        (
            {
                "name": "t",
                "steps": [{"name": "s", "script_content": "x", "use_template_targets": False}],
            },
            "steps",
        ),
        ({"name": "t", "target_hosts": [999999]}, "target_hosts"),
        ({"name": "t", "account": 999999}, "account"),
        ({"name": "t", "variables": [{"name": "1x"}]}, "variables"),
        ({"name": "t", "variables": [{"name": "a"}, {"name": "a"}]}, "variables"),
        (
            {"name": "t", "variables": [{"name": "a", "var_type": "number", "value": "x"}]},
            "variables",
        ),
        (
            {"name": "t", "variables": [{"name": "a", "var_type": "host_list", "value": "h"}]},
            "variables",
        ),
        ({"name": "t", "variables": [{"name": "a", "var_type": "blob"}]}, "variables"),
    ],
)
def test_template_bad_input(api: Any, payload: dict[str, Any], field: str) -> None:
    err(api.post(URL, payload), 400, field)
    assert JobTemplate.objects.count() == 0 and JobStep.objects.count() == 0


def test_step_parameters_must_be_declared(api: Any, script: Any) -> None:
    err(
        api.post(
            URL,
            {"name": "t", "steps": [{"name": "s", "script": script.pk, "parameters": {"nope": 1}}]},
        ),
        400,
        "steps",
    )
    err(
        api.post(
            URL, {"name": "t", "steps": [{"name": "s", "script": script.pk, "script_version": 9}]}
        ),
        400,
        "steps",
    )
    assert JobTemplate.objects.count() == 0


def test_template_duplicate_name(api: Any, template: dict[str, Any]) -> None:
    err(api.post(URL, {"name": "deploy app"}), 400, "name")
    assert JobTemplate.objects.count() == 1


def test_template_sees_only_visible_scripts(api: Any, member: Any) -> None:
    hidden = make_script(member, name="theirs")
    err(api.post(URL, {"name": "t", "steps": [{"name": "s", "script": hidden.pk}]}), 400, "steps")


def test_template_list_query_count(
    api: Any, owner: Any, script: Any, django_assert_max_num_queries: Any
) -> None:
    host, group = HostFactory(created_by=owner), HostGroupFactory(created_by=owner)
    for index in range(30):
        ok(
            api.post(
                URL,
                {
                    "name": f"t{index:02}",
                    "target_hosts": [host.pk],
                    "target_groups": [group.pk],
                    "variables": [{"name": "v", "value": "x"}],
                    "steps": [
                        {"name": "a", "script": script.pk},
                        {"name": "b", "script_content": "true", "target_hosts": [host.pk]},
                    ],
                },
            ),
            201,
        )
    with django_assert_max_num_queries(16):
        content = ok(api.get(URL, {"page_size": 50}))
    assert content["count"] == 30 and len(content["results"][0]["steps"]) == 2


def test_delete_template_with_plans(api: Any, template: dict[str, Any]) -> None:
    ok(api.post(PLANS, {"template": template["id"], "name": "p"}), 201)
    assert api.delete(f"{URL}{template['id']}/").status_code == 204
    assert not ExecutionPlan.objects.exists() and not JobStep.objects.exists()


# Plans ----------------------------------------------------------------------------------


def test_plan_create_selects_all_steps_and_overrides(api: Any, template: dict[str, Any]) -> None:
    plan = ok(
        api.post(
            PLANS,
            {
                "template": template["id"],
                "name": "全部",
                "variable_values": {"version": "2.0", "api_key": "plan-key"},
            },
        ),
        201,
    )
    assert [s["step"] for s in plan["steps"]] == [s["id"] for s in template["steps"]]
    assert plan["needs_sync"] is False and plan["synced_version"] == 1
    assert plan["variable_values"] == {"version": "2.0", "api_key": "******"}
    assert plan["perms"] == ["view", "change", "delete", "execute"]
    stored = ExecutionPlan.objects.get(pk=plan["id"])
    assert stored.secret_value_map == {"api_key": "plan-key"}
    assert "plan-key" not in json.dumps(list(AuditLog.objects.values("changes", "detail")))
    ok(api.patch(f"{PLANS}{plan['id']}/", {"variable_values": {"api_key": "******"}}))
    assert ExecutionPlan.objects.get(pk=plan["id"]).secret_value_map == {"api_key": "plan-key"}


def test_plan_subset_and_order(api: Any, owner: Any, template: dict[str, Any]) -> None:
    first, second = (s["id"] for s in template["steps"])
    host = HostFactory(created_by=owner)
    plan = ok(
        api.post(
            PLANS,
            {
                "template": template["id"],
                "name": "p",
                "steps": [
                    {"step": second, "override_targets": True, "target_hosts": [host.pk]},
                    {"step": first},
                ],
            },
        ),
        201,
    )
    assert [(s["step"], s["order"]) for s in plan["steps"]] == [(second, 1), (first, 2)]
    assert plan["steps"][0]["target_hosts"] == [host.pk]
    only = ok(api.patch(f"{PLANS}{plan['id']}/", {"steps": [{"step": first}]}))
    assert [s["step"] for s in only["steps"]] == [first]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "p"}, "template"),
        ({"template": 999999, "name": "p"}, "template"),
        ({"template": "T", "name": "p"}, "template"),
        ("NO_NAME", "name"),
        ("FOREIGN_STEP", "steps"),
        ("TWICE", "steps"),
        ({"name": "p", "variable_values": {"nope": 1}}, "variable_values"),
        ({"name": "p", "variable_values": {"count": "many"}}, "variable_values"),
        ({"name": "p", "variable_values": ["x"]}, "variable_values"),
        ({"name": "p", "steps": [{"step": 999999}]}, "steps"),
    ],
)
def test_plan_bad_input(api: Any, template: dict[str, Any], payload: Any, field: str) -> None:
    other = ok(
        api.post(URL, {"name": "other", "steps": [{"name": "x", "script_content": "true"}]}), 201
    )
    step = template["steps"][0]["id"]
    payload = (
        {
            "NO_NAME": {"template": template["id"]},
            "FOREIGN_STEP": {"name": "p", "steps": [{"step": other["steps"][0]["id"]}]},
            "TWICE": {"name": "p", "steps": [{"step": step}, {"step": step}]},
        }.get(payload, payload)
        if isinstance(payload, str)
        else payload
    )
    payload = {"template": template["id"], **payload} if field != "template" else payload
    err(api.post(PLANS, payload), 400, field)
    assert ExecutionPlan.objects.count() == 0 and PlanStep.objects.count() == 0


def test_plan_duplicate_name_per_template(api: Any, template: dict[str, Any]) -> None:
    ok(api.post(PLANS, {"template": template["id"], "name": "p"}), 201)
    response = api.post(PLANS, {"template": template["id"], "name": "p"})
    assert response.status_code == 400, response.json()
    assert (
        "name" in response.json()["message"]
        or "non_field_errors" in response.json()["content"]["errors"]
    )
    assert ExecutionPlan.objects.count() == 1


def test_plan_cannot_change_template(api: Any, template: dict[str, Any]) -> None:
    plan = ok(api.post(PLANS, {"template": template["id"], "name": "p"}), 201)
    other = ok(api.post(URL, {"name": "other"}), 201)
    err(api.patch(f"{PLANS}{plan['id']}/", {"template": other["id"]}), 400, "template")


def test_plan_sync_preview_and_sync(api: Any, template: dict[str, Any]) -> None:
    plan = ok(
        api.post(
            PLANS,
            {
                "template": template["id"],
                "name": "p",
                "variable_values": {"version": "2", "count": 5},
            },
        ),
        201,
    )
    first, second = template["steps"]
    assert ok(api.get(f"{PLANS}{plan['id']}/sync_preview/"))["needs_sync"] is False
    ok(
        api.patch(
            f"{URL}{template['id']}/",
            {
                "steps": [{**first, "timeout": 30}, {"name": "new step", "script_content": "date"}],
                "variables": [
                    {"name": "version", "value": "1.0"},
                    {"name": "region", "value": "eu"},
                ],
            },
        )
    )
    refreshed = ok(api.get(f"{PLANS}{plan['id']}/"))
    assert refreshed["needs_sync"] is True and refreshed["template_version"] == 2
    preview = ok(api.get(f"{PLANS}{plan['id']}/sync_preview/"))
    assert preview["needs_sync"] is True
    assert preview["removed_steps"] == [{"id": second["id"], "name": "inline step"}]
    assert [s["name"] for s in preview["added_steps"]] == ["new step"]
    assert preview["changed_steps"] == [{"id": first["id"], "name": "library step"}]
    assert preview["added_variables"] == ["region"]
    assert preview["removed_variables"] == ["api_key", "count"]
    synced = ok(api.post(f"{PLANS}{plan['id']}/sync/"))
    assert synced["plan"]["needs_sync"] is False and synced["plan"]["synced_version"] == 2
    assert [s["step"] for s in synced["plan"]["steps"]] == [first["id"]]
    assert synced["plan"]["variable_values"] == {"version": "2"}
    assert AuditLog.objects.filter(action="sync", object_id=str(plan["id"])).exists()
    after = ok(api.get(f"{PLANS}{plan['id']}/sync_preview/"))
    assert after["needs_sync"] is False and after["changed_steps"] == []


def test_plan_permissions(api: Any, member: Any, client_for: Any, template: dict[str, Any]) -> None:
    plan = ok(api.post(PLANS, {"template": template["id"], "name": "p"}), 201)
    other = client_for(member)
    err(other.get(f"{PLANS}{plan['id']}/sync_preview/"), 404)
    err(other.post(f"{PLANS}{plan['id']}/sync/"), 404)
    err(other.post(PLANS, {"template": template["id"], "name": "mine"}), 400, "template")
    ok(
        api.post(
            "/api/permissions/grant/",
            {
                "object_type": "plan",
                "object_id": plan["id"],
                "user_id": member.pk,
                "actions": ["view"],
            },
        )
    )
    ok(other.get(f"{PLANS}{plan['id']}/sync_preview/"))
    err(other.post(f"{PLANS}{plan['id']}/sync/"), 403)


def test_plan_list_query_count(
    api: Any, template: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for index in range(30):
        ok(api.post(PLANS, {"template": template["id"], "name": f"p{index:02}"}), 201)
    with django_assert_max_num_queries(14):
        content = ok(api.get(PLANS, {"page_size": 50}))
    assert content["count"] == 30 and all(not p["needs_sync"] for p in content["results"])


# Files ----------------------------------------------------------------------------------


def test_file_upload_and_use_in_a_push_step(api: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("../../app.conf", b"listen 80;\n")
    stored = ok(api.post(URL + "files/", {"file": upload}, format="multipart"), 201)
    assert stored["name"] == "app.conf" and stored["size"] == 11
    assert len(stored["sha256"]) == 64
    assert (tmp_path / "files" / stored["id"]).read_bytes() == b"listen 80;\n"
    assert StoredFile.objects.filter(pk=stored["id"]).exists()
    template = ok(
        api.post(
            URL,
            {
                "name": "push",
                "steps": [
                    {
                        "name": "conf",
                        "step_type": "file_push",
                        "source_files": [stored["id"]],
                        "destination": "/etc/app/",
                    }
                ],
            },
        ),
        201,
    )
    assert template["steps"][0]["source_files"] == [stored["id"]]


def test_file_upload_bad_input(api: Any, client_for: Any) -> None:
    err(api.post(URL + "files/", {}, format="multipart"), 400, "file")
    err(api.post(URL + "files/", {"file": "text"}, format="json"), 415)
    err(client_for(None).post(URL + "files/", {}, format="multipart"), 401)


def test_push_step_with_unknown_file_is_refused(api: Any) -> None:
    err(
        api.post(
            URL,
            {
                "name": "push",
                "steps": [
                    {
                        "name": "conf",
                        "step_type": "file_push",
                        "source_files": ["0b9d8c1e-7d47-4a4e-9d5c-1b2a3c4d5e6f"],
                        "destination": "/etc/",
                    }
                ],
            },
        ),
        400,
        "steps",
    )
    err(
        api.post(
            URL,
            {
                "name": "push",
                "steps": [
                    {
                        "name": "conf",
                        "step_type": "file_push",
                        "source_files": ["nope"],
                        "destination": "/etc/",
                    }
                ],
            },
        ),
        400,
        "steps",
    )
    assert JobTemplate.objects.count() == 0


def test_a_mask_without_a_stored_secret_is_not_stored(api: Any, script: Any) -> None:
    template = ok(
        api.post(
            URL,
            {
                "name": "t",
                "steps": [{"name": "s", "script": script.pk, "parameters": {"token": "******"}}],
            },
        ),
        201,
    )
    assert JobStep.objects.get(pk=template["steps"][0]["id"]).secret_parameter_values == {}
