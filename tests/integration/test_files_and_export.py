"""File push and fetch with checksums, connection tests, and exported projects that run
with plain ansible-playbook and pass ansible-lint."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hub.executions.models import HostResult
from hub.inventory.models import Host
from tests.helpers import ok
from tests.integration.conftest import make_plan, wait_finished

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def test_push_then_fetch_files_with_checksums(hub: Any, tmp_path: Path) -> None:
    payload = os.urandom(200_000)
    digest = hashlib.sha256(payload).hexdigest()
    destination = tmp_path / "pushed"
    destination.mkdir()
    upload = io.BytesIO(payload)
    upload.name = "payload.bin"
    reply = ok(
        hub.post(
            "/api/quick/transfer_file/",
            {
                "mode": "push",
                "files": [upload],
                "destination": str(destination),
                "target_host_ids": [hub.good[0]],
                "account_id": hub.account_id,
            },
            format="multipart",
        ),
        201,
    )
    execution = wait_finished(reply["execution_id"])
    assert execution.status == "success", execution.error
    assert hashlib.sha256((destination / "payload.bin").read_bytes()).hexdigest() == digest

    reply = ok(
        hub.post(
            "/api/quick/transfer_file/",
            {
                "mode": "fetch",
                "path": str(destination / "payload.bin"),
                "target_host_ids": hub.good[:2],
                "account_id": hub.account_id,
            },
            format="json",
        ),
        201,
    )
    execution = wait_finished(reply["execution_id"])
    assert execution.status == "success", execution.error
    fetched = Path(settings.EXECUTION_LOGS_DIR) / str(execution.pk) / "fetched"
    copies = sorted(fetched.glob("*/payload.bin"))
    assert len(copies) == 2
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in copies} == {digest}


def test_connection_test_records_reachability(hub: Any) -> None:
    content = ok(
        hub.post(
            "/api/hosts/test_connection/",
            {"host_ids": [hub.good[0], hub.unreachable, hub.wrong_key]},
            format="json",
        )
    )
    assert content["status"] == "partial"
    status = dict(
        Host.objects.filter(pk__in=[hub.good[0], hub.unreachable, hub.wrong_key]).values_list(
            "pk", "status"
        )
    )
    assert status == {
        hub.good[0]: "reachable",
        hub.unreachable: "unreachable",
        hub.wrong_key: "auth_failed",
    }
    assert Host.objects.get(pk=hub.unreachable).last_checked_at is not None


def _unzip(payload: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(target)
    (project,) = [p for p in target.iterdir() if p.is_dir()]
    return project


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_exported_plan_runs_with_plain_ansible_and_passes_lint(
    hub: Any, fleet: Any, tmp_path: Path
) -> None:
    plan = make_plan(
        hub,
        [
            {"name": "greet", "script_content": "echo exported $WHO; exit 0"},
            {"name": "fail ignored", "script_content": "exit 4", "ignore_errors": True},
            {"name": "rolling", "script_content": "echo $TOKEN | wc -c", "batch_size": "1"},
        ],
        variables=[
            {"name": "WHO", "var_type": "string", "value": "ops"},
            {"name": "TOKEN", "var_type": "secret", "value": "never-exported-secret"},
        ],
        name="exported",
    )
    response = hub.get(f"/api/templates/plans/{plan['id']}/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    project = _unzip(response.content, tmp_path)
    everything = "".join(p.read_text(errors="replace") for p in project.rglob("*") if p.is_file())
    assert "never-exported-secret" not in everything and "BEGIN OPENSSH" not in everything
    lint = _run([str(BIN / "ansible-lint"), "--offline", "--profile", "production", "."], project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    syntax = _run([str(BIN / "ansible-playbook"), "--syntax-check", "playbook.yml"], project)
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr
    key_file = project / "keys" / f"acct_{hub.account_id}"
    key_file.parent.mkdir(exist_ok=True)
    shutil.copy(fleet.client_key_path, key_file)
    key_file.chmod(0o600)
    (project / "vars" / "secrets.yml").write_text(
        (project / "vars" / "secrets.yml")
        .read_text()
        .replace("secret_token: ''", "secret_token: !unsafe 'abc'")
    )
    run = _run([str(BIN / "ansible-playbook"), "playbook.yml"], project)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "ok=3" in run.stdout and "ignored=1" in run.stdout

    from tests.integration.conftest import execute_plan

    hub_run = wait_finished(execute_plan(hub, plan["id"]))
    per_step = {
        (r.step.index, r.status)
        for r in HostResult.objects.filter(execution=hub_run).select_related("step")
    }
    assert per_step == {(1, "success"), (2, "failed"), (3, "success")}
    assert hub_run.status == "success"


def test_exported_template_zip_has_project_layout(hub: Any, tmp_path: Path) -> None:
    plan = make_plan(hub, [{"name": "one", "script_content": "echo one"}], name="layout")
    response = hub.get(f"/api/templates/{plan['template']}/export/")
    assert response.status_code == 200
    project = _unzip(response.content, tmp_path)
    names = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    assert {
        "playbook.yml",
        "ansible.cfg",
        "inventory/hosts.yml",
        "vars/secrets.yml",
        "vars/step_1.yml",
        "files/step_1.sh",
        "README.md",
    } <= names


def test_exported_file_steps_pass_lint_and_run(hub: Any, fleet: Any, tmp_path: Path) -> None:
    upload = io.BytesIO(b"setting=1\n")
    upload.name = "app.conf"
    stored = ok(hub.post("/api/templates/files/", {"file": upload}, format="multipart"), 201)
    target = tmp_path / "etc-app"
    target.mkdir()
    plan = make_plan(
        hub,
        [
            {
                "name": "push config",
                "step_type": "file_push",
                "source_files": [stored["id"]],
                "destination": str(target),
            },
            {
                "name": "fetch config",
                "step_type": "file_fetch",
                "fetch_path": str(target / "app.conf"),
                "batch_size": "50%",
                "batch_failure_policy": "continue",
            },
        ],
        name="files-export",
    )
    project = _unzip(
        hub.get(f"/api/templates/plans/{plan['id']}/export/").content, tmp_path / "zip"
    )
    assert (project / "files" / "step_1" / "app.conf").read_text() == "setting=1\n"
    lint = _run([str(BIN / "ansible-lint"), "--offline", "--profile", "production", "."], project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    key_file = project / "keys" / f"acct_{hub.account_id}"
    key_file.parent.mkdir(exist_ok=True)
    shutil.copy(fleet.client_key_path, key_file)
    key_file.chmod(0o600)
    run = _run([str(BIN / "ansible-playbook"), "playbook.yml"], project)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert sorted(p.name for p in (project / "fetched").glob("*/app.conf")) == ["app.conf"] * 2
