"""Round trip with the real tools: API -> collection -> ansible-galaxy, ansible-lint,
ansible-playbook over SSH -> import into an empty hub -> the same scripts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.scripts.models import ScriptTemplate
from tests.helpers import ok
from tests.support.sshd import SshdFleet

pytestmark = pytest.mark.django_db

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
URL = "/api/script-templates/"
COLLECTION = "ansible_collections/acme/ops_scripts"
HUB_OPS = REPO / "playbooks" / "ansible_collections" / "hub" / "ops"

SCRIPTS = [
    {
        "name": "Disk report",
        "script_type": "shell",
        "category": "ops",
        "tags": ["disk"],
        "description": "Writes what it was given to a file.",
        "content": '#!/bin/bash\nprintf "mode=%s secret=%s argv=%s\\n" "$MODE" "$db_password" '
        '"$*" > "$out_file"\n',
        "parameters": [
            {"name": "out_file", "type": "string", "required": True, "description": "Report path"},
            {"name": "MODE", "type": "choice", "choices": ["fast", "safe"], "default": "safe"},
            {"name": "db_password", "type": "secret", "default": "stored-secret-9"},
        ],
    },
    {
        "name": "count things",
        "script_type": "python",
        "category": "ops",
        "tags": [],
        "description": "",
        "content": "import os\nimport sys\n\nprint('count=%s argv=%s' % (os.environ['count'], "
        "sys.argv[1:]))\n",
        "parameters": [
            {
                "name": "count",
                "type": "number",
                "default": 2,
                "required": True,
                "description": "How many",
            }
        ],
    },
    {
        "name": "ping hosts",
        "script_type": "shell",
        "category": "",
        "tags": ["net"],
        "description": "Prints its host list.",
        "content": 'echo "targets=$targets first_arg=$1"\n',
        "parameters": [{"name": "targets", "type": "host_list", "default": ["a", "b"]}],
    },
    {
        "name": "typed options",
        "script_type": "shell",
        "category": "",
        "tags": [],
        "description": "",
        "content": 'echo "tls=$tls ports=$ports limits=$limits"\n',
        "parameters": [
            {"name": "tls", "type": "boolean", "default": True},
            {"name": "ports", "type": "list", "default": [1, 2]},
            {"name": "limits", "type": "dict", "default": {"a": 1}},
        ],
    },
]


def ansible_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "HUB_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
    )
    return env


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**ansible_env(), **env},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdFleet]:
    with SshdFleet(1, tmp_path_factory.mktemp("sshd")) as hosts:
        yield hosts


def export(api: Any, tmp_path: Path) -> Path:
    response = api.get(f"{URL}export_collection/", {"namespace": "acme", "name": "ops_scripts"})
    assert response.status_code == 200, response.content[:500]
    filename = response["Content-Disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / filename
    path.write_bytes(response.content)
    return path


def comparable(script: dict[str, Any]) -> dict[str, Any]:
    params = [{**p, "default": None} if p["type"] == "secret" else p for p in script["parameters"]]
    return {
        "name": script["name"],
        "script_type": script["script_type"],
        "content": script["content"],
        "category": script["category"],
        "tags": script["tags"],
        "description": script["description"],
        "parameters": params,
    }


PLAYBOOK = """\
- name: Use the exported library
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Disk report
      ansible.builtin.include_role:
        name: acme.ops_scripts.disk_report
      vars:
        disk_report_out_file: {out}
        disk_report_mode: fast
        disk_report_db_password: given-secret-7
    - name: Count things
      ansible.builtin.include_role:
        name: acme.ops_scripts.count_things
      vars:
        count_things_count: 7
    - name: Ping hosts
      ansible.builtin.include_role:
        name: acme.ops_scripts.ping_hosts
      vars:
        ping_hosts_targets: [web1, "web 2"]
    - name: Typed options
      ansible.builtin.include_role:
        name: acme.ops_scripts.typed_options
      vars:
        typed_options_tls: false
"""


def test_library_round_trips_through_a_galaxy_collection(
    api: Any, owner: Any, fleet: SshdFleet, tmp_path: Path
) -> None:
    originals = [ok(api.post(URL, s, format="json"), 201) for s in SCRIPTS]
    tarball = export(api, tmp_path)
    assert tarball.name.startswith("acme-ops_scripts-1.") and tarball.name.endswith(".0.tar.gz")

    install = run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "install",
            str(tarball),
            "-p",
            str(tmp_path / "collections"),
        ],
        tmp_path,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = tmp_path / "collections" / COLLECTION
    assert (installed / "roles/disk_report/files/disk_report.sh").read_text() == SCRIPTS[0][
        "content"
    ]

    lint = run(
        [
            str(VENV_BIN / "ansible-lint"),
            "--offline",
            "--profile",
            "production",
            "--project-dir",
            ".",
        ],
        installed,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Profile 'production' was required, and it passed" in lint.stdout + lint.stderr

    out = Path(f"/tmp/hub-galaxy-{uuid.uuid4().hex[:8]}.txt")
    (tmp_path / "inventory.json").write_text(json.dumps(fleet.inventory()))
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(out=out))
    try:
        play = run(
            [str(VENV_BIN / "ansible-playbook"), "-v", "-i", "inventory.json", "play.yml"],
            tmp_path,
            ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"),
        )
        assert play.returncode == 0, play.stdout + play.stderr
        assert (
            out.read_text() == f"mode=fast secret=given-secret-7 argv={out} fast given-secret-7\n"
        )
    finally:
        out.unlink(missing_ok=True)
    assert "count=7 argv=['7']" in play.stdout
    assert "targets=web1,web 2 first_arg=web1,web 2" in play.stdout
    assert 'tls=false ports=[1, 2] limits={\\"a\\": 1}' in play.stdout  # JSON, in -v output
    assert "given-secret-7" not in play.stdout  # the secret role's task is no_log

    (tmp_path / "bad.yml").write_text(
        PLAYBOOK.format(out=out).replace("mode: fast", "mode: reckless")
    )
    bad = run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "inventory.json", "bad.yml"],
        tmp_path,
        ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"),
    )
    assert bad.returncode != 0 and "must be one of: fast, safe" in bad.stdout, bad.stdout

    for script in originals:  # an empty hub
        assert api.delete(f"{URL}{script['id']}/").status_code == 204
    report = ok(
        api.post(
            f"{URL}import_collection/",
            {"file": SimpleUploadedFile(tarball.name, tarball.read_bytes())},
            format="multipart",
        )
    )
    assert sorted(r["name"] for r in report["imported"]) == sorted(s["name"] for s in SCRIPTS)
    assert report["updated"] == [] and report["skipped"] == []
    for original in originals:
        again = ok(api.get(f"{URL}{ScriptTemplate.objects.get(name=original['name']).pk}/"))
        assert comparable(again) == comparable(original)


def test_artifact_matches_what_ansible_galaxy_collection_build_makes(
    api: Any, owner: Any, tmp_path: Path
) -> None:
    for script in SCRIPTS:
        ok(api.post(URL, script, format="json"), 201)
    tarball = export(api, tmp_path)
    source = tmp_path / "source"
    with tarfile.open(tarball) as tar:
        tar.extractall(source, filter="data")
        ours = {m.name: m for m in tar.getmembers()}
    for name in ("MANIFEST.json", "FILES.json"):
        (source / name).unlink()
    build = run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "build",
            str(source),
            "--output-path",
            str(tmp_path / "built"),
        ],
        tmp_path,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    with tarfile.open(tmp_path / "built" / tarball.name) as tar:
        theirs = {m.name: m for m in tar.getmembers()}
        their_files = json.load(tar.extractfile("FILES.json"))  # type: ignore[arg-type]
        their_manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
    assert set(ours) - set(theirs) == {"galaxy.yml"}  # kept so installs are source trees
    assert set(theirs) <= set(ours)
    assert all((ours[n].mode, ours[n].type) == (theirs[n].mode, theirs[n].type) for n in theirs)

    def entries(files: dict[str, Any]) -> dict[str, Any]:
        return {e["name"]: e for e in files["files"] if e["name"] != "galaxy.yml"}

    with tarfile.open(tarball) as tar:
        our_files = json.load(tar.extractfile("FILES.json"))  # type: ignore[arg-type]
        our_manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
    assert entries(our_files) == entries(their_files)
    assert our_manifest["collection_info"] == their_manifest["collection_info"]
    assert (
        yaml.safe_load(io.BytesIO((source / "galaxy.yml").read_bytes()))["version"]
        == our_manifest["collection_info"]["version"]
    )


def test_hub_ops_collection_builds(tmp_path: Path) -> None:
    source = REPO / "playbooks" / "ansible_collections" / "hub" / "ops"
    build = run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "build",
            str(source),
            "--output-path",
            str(tmp_path),
        ],
        tmp_path,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    version = yaml.safe_load((source / "galaxy.yml").read_text())["version"]
    artifact = tmp_path / f"hub-ops-{version}.tar.gz"
    install = run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "install",
            str(artifact),
            "-p",
            str(tmp_path / "collections"),
        ],
        tmp_path,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (
        tmp_path / "collections/ansible_collections/hub/ops/plugins/modules/live_script.py"
    ).exists()


def test_hub_serves_its_hub_ops_collection_as_ansible_galaxy_builds_it(
    api: Any, client_for: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.scripts import collection_services, galaxy

    url = f"{URL}hub_collection/"
    assert client_for(None).get(url).status_code == 401
    collection_services._BUILT.clear()
    builds = []
    real_build = galaxy.build_artifact
    monkeypatch.setattr(
        galaxy, "build_artifact", lambda *a, **k: builds.append(1) or real_build(*a, **k)
    )
    response = api.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/gzip"
    version = yaml.safe_load((HUB_OPS / "galaxy.yml").read_text())["version"]
    assert response["Content-Disposition"] == f'attachment; filename="hub-ops-{version}.tar.gz"'
    again = api.get(url)
    assert again.content == response.content and len(builds) == 1  # built once, then cached
    assert api.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    tarball = tmp_path / f"hub-ops-{version}.tar.gz"
    tarball.write_bytes(response.content)

    built = run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "build",
            str(HUB_OPS),
            "--output-path",
            str(tmp_path / "built"),
        ],
        tmp_path,
    )
    assert built.returncode == 0, built.stdout + built.stderr

    def contents(path: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        with tarfile.open(path) as tar:
            files = json.load(tar.extractfile("FILES.json"))  # type: ignore[arg-type]
            manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
            modes = {m.name: (m.mode, m.type) for m in tar.getmembers()}
        return {e["name"]: e for e in files["files"]}, manifest["collection_info"], modes

    ours, theirs = contents(tarball), contents(tmp_path / "built" / tarball.name)
    assert ours == theirs
    assert ours[1]["repository"] == "https://github.com/opsjob/opsjob-hub"
    assert ours[1]["issues"] == "https://github.com/opsjob/opsjob-hub/issues"

    target = tmp_path / "collections"
    install = run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "install",
            str(tarball),
            "-p",
            str(target),
        ],
        tmp_path,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    doc = run(
        [str(VENV_BIN / "ansible-doc"), "hub.ops.live_script"],
        tmp_path,
        ANSIBLE_COLLECTIONS_PATH=str(target),
    )
    assert doc.returncode == 0, doc.stdout + doc.stderr
    assert str(target / "ansible_collections/hub/ops") in doc.stdout
    assert "live_script" in doc.stdout and "OPTIONS" in doc.stdout
