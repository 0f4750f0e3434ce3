"""The OpenAPI schema documents every API path, and migrations match the models."""

from __future__ import annotations

import difflib
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db

# SPEC.md section 9 (HTTP paths only; the WebSocket is not in OpenAPI).
SPEC_PATHS = [
    "/api/auth/",
    "/api/hosts/",
    "/api/hosts/groups/",
    "/api/hosts/accounts/",
    "/api/hosts/sync_cloud_hosts/",
    "/api/script-templates/",
    "/api/templates/",
    "/api/templates/plans/",
    "/api/quick/execute_script/",
    "/api/quick/transfer_file/",
    "/api/scheduler/",
    "/api/executor/execution-records/",
    "/api/dashboard/stats/",
    "/api/permissions/",
    "/api/permissions/audit-logs/",
    "/api/system/",
]
# A plain Django streaming view (text/event-stream), outside what DRF documents.
NOT_IN_OPENAPI = ["/api/realtime/sse/logs/{execution_id}/"]


def _exists(path: str) -> bool:
    try:
        match = resolve(path.replace("{execution_id}", "1"))
    except Resolver404:
        return False
    return match.url_name != "api_not_found" and "api_not_found" not in str(match.func)


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_lists_every_existing_spec_path(schema: dict[str, Any]) -> None:
    documented = set(schema["paths"])
    existing = [p for p in SPEC_PATHS if _exists(p)]
    assert all(_exists(p) for p in NOT_IN_OPENAPI)
    assert "/api/hosts/" in existing and "/api/templates/plans/" in existing
    for path in existing:
        if path == "/api/auth/":
            assert "/api/auth/login/" in documented
        elif path == "/api/permissions/":
            assert {"/api/permissions/", "/api/permissions/grant/"} <= documented
        else:
            assert any(d.startswith(path.split("{")[0]) for d in documented), path


def test_schema_documents_custom_actions_with_bodies(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    for path in (
        "/api/hosts/bulk_import/",
        "/api/hosts/bulk_update/",
        "/api/hosts/bulk_delete/",
        "/api/hosts/groups/tree/",
        "/api/script-templates/{id}/rollback/",
        "/api/script-templates/{id}/diff/",
        "/api/templates/plans/{id}/sync/",
        "/api/templates/plans/{id}/sync_preview/",
        "/api/templates/files/",
        "/api/auth/login/",
        "/api/permissions/grant/",
    ):
        assert path in paths, path
    login = paths["/api/auth/login/"]["post"]
    assert "requestBody" in login
    ok_body = login["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(ok_body["properties"]) == {"code", "message", "success", "content"}


def test_schema_json_variant() -> None:
    from rest_framework.test import APIClient

    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_no_missing_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_schema_generates_without_warnings() -> None:
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


def _ok_content(schema: dict[str, Any], path: str, method: str, status: str = "200") -> Any:
    response = schema["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]["properties"]["content"]


def _component(schema: dict[str, Any], ref_holder: dict[str, Any]) -> dict[str, Any]:
    ref = ref_holder.get("$ref") or ref_holder["allOf"][0]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.mark.parametrize(
    ("path", "method", "status", "fields"),
    [
        ("/api/hosts/bulk_delete/", "post", "200", {"deleted"}),
        ("/api/hosts/bulk_update/", "post", "200", {"updated"}),
        ("/api/script-templates/check/", "post", "200", {"matches", "blocked"}),
        ("/api/templates/files/", "post", "201", {"id", "name", "size", "sha256"}),
        ("/api/script-templates/{id}/diff/", "get", "200", {"diff", "from_version"}),
        ("/api/templates/plans/{id}/sync_preview/", "get", "200", {"needs_sync", "added_steps"}),
        ("/api/templates/plans/{id}/sync/", "post", "200", {"needs_sync", "plan"}),
        ("/api/executor/execution-records/{id}/logs/", "get", "200", {"text", "next_offset"}),
    ],
)
def test_actions_document_what_they_answer(
    schema: dict[str, Any], path: str, method: str, status: str, fields: set[str]
) -> None:
    """Not the viewset's model: each custom action has its own response serializer."""
    content = _component(schema, _ok_content(schema, path, method, status))
    assert set(content["required"]) >= fields, content


def _free_form(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    """An answer a client cannot type: no schema, `{}`, or an object without properties."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if node.get("type") == "array":
        return _free_form(schema, node.get("items") or {})
    if any(key in node for key in ("allOf", "oneOf", "anyOf")):
        return False
    return not node or (node.get("type") == "object" and not node.get("properties"))


def test_every_operation_answers_with_a_serializer(schema: dict[str, Any]) -> None:
    """Each 200/201 JSON answer is a documented shape, so the UI's generated types are real."""
    untyped = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content")
                if status not in ("200", "201") or (content and "application/json" not in content):
                    continue  # errors, and files (their own media type)
                body = content["application/json"]["schema"] if content else {}
                if not content or _free_form(schema, body["properties"]["content"]):
                    untyped.append(f"{method.upper()} {path} {status}")
    assert not untyped, untyped


def test_dashboard_figures_are_documented_to_the_leaves(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    stats = components["Stats"]["properties"]
    for part in ("range", "counts", "executions", "top_failing", "recent"):
        assert "$ref" in stats[part], part
    assert components["Health"]["properties"]["parts"]["additionalProperties"] == {
        "$ref": "#/components/schemas/HealthPart"
    }


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/api/templates/{id}/export/", "application/zip"),
        ("/api/templates/plans/{id}/export/", "application/zip"),
        ("/api/script-templates/export_collection/", "application/gzip"),
        ("/api/executor/execution-records/{id}/download/", "text/plain"),
    ],
)
def test_file_responses_are_binary_not_json(schema: dict[str, Any], path: str, media: str) -> None:
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(content) == {media}
    assert content[media]["schema"] == {"type": "string", "format": "binary"}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Host", "account_name"),
        ("CloudSync", "cloud_account_name"),
        ("CloudSync", "created_by"),
        ("CloudAccount", "account_name"),
        ("CloudAccount", "group_name"),
        ("ExecutionList", "created_by_name"),
        ("ScriptTemplate", "created_by_name"),
        ("Schedule", "created_by"),
    ],
)
def test_fields_through_missing_relations_are_nullable(
    schema: dict[str, Any], component: str, field: str
) -> None:
    properties = schema["components"]["schemas"][component]["properties"]
    assert properties[field].get("nullable") is True, properties[field]


def test_blank_error_kind_is_in_its_schema(schema: dict[str, Any]) -> None:
    error_kind = schema["components"]["schemas"]["CloudSync"]["properties"]["error_kind"]
    refs = {option["$ref"].rsplit("/", 1)[1] for option in error_kind.get("oneOf", [])}
    enums = [schema["components"]["schemas"][name]["enum"] for name in refs]
    assert any("" in enum for enum in enums), error_kind


def test_diff_documents_the_parameters_it_reads(schema: dict[str, Any]) -> None:
    parameters = schema["paths"]["/api/script-templates/{id}/diff/"]["get"]["parameters"]
    query = {p["name"] for p in parameters if p["in"] == "query"}
    assert query == {"from", "to"}


def test_swagger_ui_is_served_by_the_hub(client: Any, settings: Any) -> None:
    """/api/docs/ must work offline: its assets come from drf-spectacular-sidecar."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = client.get("/api/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_permission_holders_are_one_object_not_a_list(schema: dict[str, Any]) -> None:
    content = _ok_content(schema, "/api/permissions/", "get")
    assert content == {"$ref": "#/components/schemas/Holders"}


FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
OPENAPI_TYPESCRIPT = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"


@pytest.mark.skipif(not OPENAPI_TYPESCRIPT.exists(), reason="frontend dependencies not installed")
def test_frontend_types_are_generated_from_this_schema(tmp_path: Path) -> None:
    """The UI's request and response types (src/types/api.d.ts) are `npm run gen:api` of
    today's schema, so a changed serializer fails the UI's type-check, not a user."""
    schema, generated = tmp_path / "schema.yml", tmp_path / "api.d.ts"
    call_command("spectacular", "--file", str(schema))
    subprocess.run(
        [str(OPENAPI_TYPESCRIPT), str(schema), "-o", str(generated)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = (FRONTEND / "src" / "types" / "api.d.ts").read_text().splitlines()
    diff = list(difflib.unified_diff(committed, generated.read_text().splitlines(), lineterm=""))
    assert not diff, "frontend/src/types/api.d.ts is stale: run `make api-types`\n" + "\n".join(
        diff[:40]
    )
