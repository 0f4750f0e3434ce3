"""Faithful role import: a collection built with ansible-galaxy from roles on disk, imported
through the API; a role that is more than one script becomes a playbook entry that compiles
into a project that ansible-playbook checks and runs against a real sshd host."""

from __future__ import annotations

import tarfile
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.exceptions import ValidationError

from hub.jobs.compiler import (
    ConnectionSpec,
    HostSpec,
    ProjectSpec,
    StepSpec,
    compile_project,
    step_secret_var,
)
from hub.scripts.entries import playbook_step_fields
from hub.scripts.models import ScriptTemplate
from hub.scripts.parameters import resolve_values
from tests.helpers import ok
from tests.scripts.test_galaxy_roundtrip import VENV_BIN, run
from tests.support.sshd import SshdFleet

pytestmark = pytest.mark.django_db

IMPORT = "/api/script-templates/import_collection/"
BASE = "collections/ansible_collections/acme/db/"
MONGO_BASE = "collections/ansible_collections/community/mongodb/"

SERVER_SPECS = {
    "argument_specs": {
        "main": {
            "short_description": "Configure the acme database server",
            "options": {
                "server_conf_path": {"type": "path", "required": True, "description": "Config."},
                "server_enable_tls": {"type": "bool", "default": False},
                "server_ports": {"type": "list", "elements": "int", "default": [27017]},
                "server_limits": {"type": "dict", "default": {"nofile": 64000}},
                "server_engine": {"type": "str", "choices": ["wiredTiger", "inMemory"]},
                "server_password": {"type": "str", "no_log": True},
                "server_bind": {"type": "str", "default": "{{ ansible_host }}"},
            },
        }
    }
}
SERVER_TASKS = """\
- name: Write the configuration
  ansible.builtin.template:
    src: server.conf.j2
    dest: "{{ server_conf_path }}"
    mode: "0600"
  notify: Restart the server
- name: Only with TLS
  ansible.builtin.copy:
    content: "tls on\\n"
    dest: "{{ server_conf_path }}.tls"
    mode: "0600"
  when: server_enable_tls
"""
SERVER_TEMPLATE = """\
tls={{ server_enable_tls | to_json }}
ports={{ server_ports | to_json }}
limits={{ server_limits | to_json }}
engine={{ server_engine | default('unset') }}
bind={{ server_bind }}
password_length={{ server_password | length }}
common={{ common_marker }}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if not text.startswith("---") else text)


def build_collection(tmp_path: Path) -> Path:
    """acme.db on disk: server (tasks, handlers, templates, argument specs, a dependency),
    common, lock (exactly one script), firmware (a binary file) and broken (a missing role)."""
    source = tmp_path / "src" / "ansible_collections" / "acme" / "db"
    galaxy = {
        "namespace": "acme",
        "name": "db",
        "version": "1.2.0",
        "readme": "README.md",
        "authors": ["Acme"],
        "license": ["GPL-3.0-or-later"],
        "repository": "https://example.com/acme/db",
    }
    write(
        source,
        {
            "galaxy.yml": yaml.safe_dump(galaxy),
            "README.md": "# acme.db\n",
            "meta/runtime.yml": "requires_ansible: '>=2.15.0'\n",
            "plugins/filter/acme.py": "class FilterModule:\n    def filters(self):\n"
            "        return {'acme_upper': str.upper}\n",
            "roles/server/tasks/main.yml": SERVER_TASKS,
            "roles/server/handlers/main.yml": "- name: Restart the server\n"
            "  ansible.builtin.copy:\n    content: restarted\n"
            '    dest: "{{ server_conf_path }}.restarted"\n    mode: "0600"\n',
            "roles/server/templates/server.conf.j2": SERVER_TEMPLATE,
            "roles/server/defaults/main.yml": "server_enable_tls: false\nserver_ports: [27017]\n"
            "server_limits:\n  nofile: 64000\nserver_bind: '{{ ansible_host }}'\n",
            "roles/server/meta/argument_specs.yml": yaml.safe_dump(SERVER_SPECS),
            "roles/server/meta/main.yml": yaml.safe_dump(
                {"galaxy_info": {"description": "DB server"}, "dependencies": ["common"]}
            ),
            "roles/server/molecule/default/converge.yml": "- hosts: all\n",
            "tests/integration/targets/smoke/tasks/main.yml": "- ansible.builtin.ping:\n",
            "roles/common/tasks/main.yml": "- name: Mark\n  ansible.builtin.set_fact:\n"
            "    common_marker: \"{{ 'common' | acme.db.acme_upper }}\"\n",
            "roles/lock/tasks/main.yml": "- name: Lock the packages\n"
            "  ansible.builtin.script: lock.sh\n  changed_when: true\n",
            "roles/lock/files/lock.sh": '#!/bin/bash\necho locked "$hold"\n',
            "roles/lock/meta/argument_specs.yml": yaml.safe_dump(
                {"argument_specs": {"main": {"options": {"lock_hold": {"type": "bool"}}}}}
            ),
            "roles/firmware/tasks/main.yml": "- ansible.builtin.copy:\n"
            "    src: blob.bin\n    dest: /tmp/blob.bin\n    mode: '0644'\n",
            "roles/broken/tasks/main.yml": "- ansible.builtin.debug:\n    msg: hi\n",
            "roles/broken/meta/main.yml": "dependencies:\n  - role: not_here\n",
        },
    )
    (source / "roles/firmware/files").mkdir(parents=True)
    (source / "roles/firmware/files/blob.bin").write_bytes(b"\x7fELF\x00\xff\xfe binary")
    out = tmp_path / "built"
    build = [str(VENV_BIN / "ansible-galaxy"), "collection", "build", str(source)]
    built = run([*build, "--output-path", str(out)], tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    return out / "acme-db-1.2.0.tar.gz"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdFleet]:
    with SshdFleet(1, tmp_path_factory.mktemp("sshd")) as hosts:
        yield hosts


def upload(client: Any, tarball: Path) -> dict[str, Any]:
    data = SimpleUploadedFile(tarball.name, tarball.read_bytes())
    return ok(client.post(IMPORT, {"file": data}, format="multipart"))


def test_roles_import_as_playbook_entries_scripts_or_refusals_with_reasons(
    client_for: Any, admin: Any, owner: Any, tmp_path: Path
) -> None:
    tarball = build_collection(tmp_path)
    report = upload(client_for(admin), tarball)
    imported = {r["role"]: (r["name"], r["entry_type"]) for r in report["imported"]}
    assert imported == {
        "common": ("acme.db.common", "playbook"),
        "lock": ("lock", "script"),
        "server": ("acme.db.server", "playbook"),
    }
    reasons = {r["role"]: r["reason"] for r in report["skipped"]}
    assert reasons == {
        "broken": "Not imported: It depends on role 'not_here', which the archive does not hold.",
        "firmware": "Not imported: roles/firmware/files/blob.bin is not UTF-8 text; "
        "the library keeps text files only.",
    }

    lock = ScriptTemplate.objects.get(name="lock")
    assert lock.entry_type == "script" and lock.content.startswith("#!/bin/bash")
    assert [(p["name"], p["type"]) for p in lock.parameters] == [("hold", "boolean")]

    server = ScriptTemplate.objects.get(name="acme.db.server")
    version = server.current_version
    assert version is not None and server.description == "Configure the acme database server"
    assert yaml.safe_load(version.content) == [
        {
            "name": "Apply the server role",
            "hosts": "all",
            "gather_facts": True,
            "roles": [{"role": "acme.db.server"}],
        }
    ]
    assert set(version.files) == {
        f"{BASE}roles/server/{name}"
        for name in (
            "tasks/main.yml",
            "handlers/main.yml",
            "templates/server.conf.j2",
            "defaults/main.yml",
            "meta/argument_specs.yml",
            "meta/main.yml",
        )
    } | {
        f"{BASE}roles/common/tasks/main.yml",
        f"{BASE}plugins/filter/acme.py",
        f"{BASE}meta/runtime.yml",
    }
    assert version.files[f"{BASE}roles/server/templates/server.conf.j2"] == SERVER_TEMPLATE
    params = {p["name"]: (p["type"], p["default"], p["required"]) for p in server.parameters}
    assert params == {
        "server_conf_path": ("string", None, True),
        "server_enable_tls": ("boolean", False, False),
        "server_ports": ("list", [27017], False),
        "server_limits": ("dict", {"nofile": 64000}, False),
        "server_engine": ("choice", None, False),
        "server_password": ("secret", None, False),
        "server_bind": ("string", None, False),  # computed by the role: its default applies
    }
    detail = ok(client_for(admin).get(f"/api/script-templates/{server.pk}/"))
    assert detail["entry_type"] == "playbook"
    assert f"{BASE}roles/server/handlers/main.yml" in detail["files"]

    again = upload(client_for(admin), tarball)
    assert again["imported"] == [] and len(again["skipped"]) == 5  # unchanged ones, refusals

    ScriptTemplate.objects.all().delete()
    member_report = upload(client_for(owner), tarball)  # not an administrator
    assert [r["role"] for r in member_report["imported"]] == ["lock"]
    refused = {r["role"]: r["reason"] for r in member_report["skipped"]}
    assert refused["server"] == "Only administrators may write playbook entries."


def project_for(fleet: SshdFleet, version: Any, given: dict[str, Any]) -> dict[str, str]:
    values, _ = resolve_values(version.parameters, given)
    fields = playbook_step_fields(index=1, version=version, values=values, given=given)
    host = fleet.hosts[0]
    step = StepSpec(index=1, name="Configure", hosts=(host["name"],), connection="acct_1", **fields)
    spec = ProjectSpec(
        name="role run",
        hosts=(HostSpec(host["name"], host["ip"], host["port"], connection="acct_1", key="1"),),
        connections=(ConnectionSpec("acct_1", fleet.user, key_file=str(fleet.client_key_path)),),
        steps=(step,),
        python_interpreter="/usr/bin/python3",
    )
    secrets = {step_secret_var(step, n): str(values[n]) for n in step.secret_env}
    return compile_project(spec, mode="run", secrets=secrets)


def test_an_imported_role_runs_from_its_playbook_entry_with_typed_parameters(
    client_for: Any, admin: Any, fleet: SshdFleet, tmp_path: Path
) -> None:
    upload(client_for(admin), build_collection(tmp_path))
    version = ScriptTemplate.objects.get(name="acme.db.server").current_version
    conf = Path(f"/tmp/hub-role-{uuid.uuid4().hex[:8]}.conf")
    given = {
        "server_conf_path": str(conf),
        "server_enable_tls": True,
        "server_ports": [1, 2],
        "server_limits": {"nofile": 10, "names": ["a b"]},
        "server_password": "s3cret-pw",
    }
    files = project_for(fleet, version, given)
    step_vars = yaml.safe_load(files["vars/step_1.yml"].replace("!unsafe ", ""))
    assert step_vars["server_enable_tls"] is True and step_vars["server_ports"] == [1, 2]
    assert "server_bind" not in step_vars and "server_engine" not in step_vars  # role defaults
    assert step_vars["server_password"] == "{{ step_1_secret_1 }}"
    project = tmp_path / "project"
    for relative, text in files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    check = run([str(VENV_BIN / "ansible-playbook"), "--syntax-check", "playbook.yml"], project)
    assert check.returncode == 0, check.stdout + check.stderr
    try:
        play = run([str(VENV_BIN / "ansible-playbook"), "playbook.yml"], project)
        assert play.returncode == 0, play.stdout + play.stderr
        host = fleet.hosts[0]["ip"]
        assert conf.read_text().splitlines() == [
            "tls=true",
            "ports=[1, 2]",
            'limits={"nofile": 10, "names": ["a b"]}',
            "engine=unset",
            f"bind={host}",
            "password_length=9",
            "common=COMMON",
        ]
        assert Path(f"{conf}.tls").exists() and Path(f"{conf}.restarted").exists()
        assert "s3cret-pw" not in play.stdout
    finally:
        for path in (conf, Path(f"{conf}.tls"), Path(f"{conf}.restarted")):
            path.unlink(missing_ok=True)

    wrong = {**given, "server_enable_tls": "yes"}
    with pytest.raises(ValidationError, match=r"parameters\.server_enable_tls: must be true or"):
        project_for(fleet, version, wrong)


MONGODB = VENV_BIN.parent / "lib/python3.11/site-packages/ansible_collections/community/mongodb"


@pytest.mark.skipif(not MONGODB.is_dir(), reason="the ansible package's community.mongodb")
def test_community_mongodb_roles_all_import_as_playbook_entries(
    client_for: Any, admin: Any, fleet: SshdFleet, tmp_path: Path
) -> None:
    """The outside check: 8 roles, none reduced to its helper shell file."""
    tarball = tmp_path / "community-mongodb.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        # The installed tree: its FILES.json also lists files that install leaves out.
        skip = ("__pycache__", "FILES.json")
        tar.add(MONGODB, arcname=".", filter=lambda m: None if m.name.endswith(skip) else m)
    report = upload(client_for(admin), tarball)
    assert report["skipped"] == []
    entries = {r["role"]: (r["name"], r["entry_type"]) for r in report["imported"]}
    assert len(entries) == 8
    assert all(kind == "playbook" for _, kind in entries.values())
    install = ScriptTemplate.objects.get(name="community.mongodb.mongodb_install")
    version = install.current_version
    assert version is not None
    tasks = version.files[f"{MONGO_BASE}roles/mongodb_install/tasks/main.yml"]
    assert tasks == (MONGODB / "roles/mongodb_install/tasks/main.yml").read_text()
    assert f"{MONGO_BASE}roles/mongodb_install/files/lock_mongodb_packages.sh" in version.files
    assert f"{MONGO_BASE}plugins/modules/mongodb_user.py" in version.files
    project = tmp_path / "project"
    for relative, text in project_for(fleet, version, {}).items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    check = run(
        [str(VENV_BIN / "ansible-playbook"), "--syntax-check", "playbook.yml"],
        project,
        ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "no-collections"),  # only what the entry brings
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_playbook_entries_change_only_by_administrators_and_compile_safely(
    client_for: Any, admin: Any, owner: Any, tmp_path: Path
) -> None:
    from hub.core.permissions import OBJECT_ACTIONS, grant
    from hub.jobs.compiler import PlaybookError

    upload(client_for(admin), build_collection(tmp_path))
    entry = ScriptTemplate.objects.get(name="acme.db.common")
    grant(owner, entry, OBJECT_ACTIONS)
    url = f"/api/script-templates/{entry.pk}/"
    member = client_for(owner)
    assert member.patch(url, {"content": "- hosts: all\n  tasks: []\n"}).status_code == 403
    assert member.patch(url, {"description": "Marks hosts"}).status_code == 200
    assert ok(client_for(admin).patch(url, {"content": "---\n- hosts: all\n  roles: [x]\n"}))

    def compile_with(files: dict[str, str], steps: int = 1) -> dict[str, str]:
        step_list = tuple(
            StepSpec(
                index=i,
                name="s",
                kind="playbook",
                hosts=("h",),
                playbook="- hosts: all\n  roles: [r]\n",
                playbook_path=f"playbooks/step_{i}/playbook.yml",
                project_files={k: v.replace("N", str(i)) for k, v in files.items()},
            )
            for i in range(1, steps + 1)
        )
        hosts = (HostSpec("h", "127.0.0.1"),)
        return compile_project(ProjectSpec(name="p", hosts=hosts, connections=(), steps=step_list))

    compiled = compile_with({"roles/r/tasks/main.yml": "- ansible.builtin.ping:\n"})
    assert compiled["playbooks/step_1/roles/r/tasks/main.yml"] == "- ansible.builtin.ping:\n"
    for bad in ("../escape.yml", "/etc/passwd", "playbook.yml"):
        with pytest.raises(PlaybookError):
            compile_with({bad: "x"})
    shared = {"collections/ansible_collections/a/b/roles/r/tasks/main.yml": "- ping:\n"}
    assert "collections/ansible_collections/a/b/roles/r/tasks/main.yml" in compile_with(shared, 2)
    with pytest.raises(PlaybookError, match="different copies"):
        compile_with({"collections/ansible_collections/a/b/x.yml": "step N"}, 2)
