"""Playbook steps: an uploaded playbook or one from a git repository runs on the step's
targets only, with its events streamed like any step."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hub.executions.models import ExecutionEvent, HostResult
from tests.helpers import err, ok
from tests.integration.conftest import execute_plan, wait_finished

pytestmark = pytest.mark.integration

PLAYBOOK = """\
- name: first play
  hosts: all
  gather_facts: false
  tasks:
    - name: Say hello
      ansible.builtin.command: echo from-playbook step {{ hub_step }}
      changed_when: false
- name: second play
  hosts: all
  gather_facts: false
  tasks:
    - name: Raw marker
      ansible.builtin.raw: echo second-play
"""


def _template_with_playbook(hub: Any, step: dict[str, Any], name: str) -> dict[str, Any]:
    template = ok(
        hub.post(
            "/api/templates/",
            {
                "name": name,
                "target_hosts": hub.good[:2],
                "account": hub.account_id,
                "steps": [
                    {
                        "name": "script first",
                        "step_type": "script",
                        "script_content": "echo script-step",
                    },
                    {
                        "name": "playbook",
                        "step_type": "playbook",
                        "use_template_targets": False,
                        "target_hosts": [hub.good[0]],
                        **step,
                    },
                ],
            },
            format="json",
        ),
        201,
    )
    return ok(
        hub.post(
            "/api/templates/plans/", {"template": template["id"], "name": name}, format="json"
        ),
        201,
    )


def _step_two(execution_id: int) -> tuple[set[int | None], str]:
    hosts = set(
        HostResult.objects.filter(execution_id=execution_id, step__index=2).values_list(
            "host_id", flat=True
        )
    )
    text = "\n".join(
        ExecutionEvent.objects.filter(execution_id=execution_id, step=2).values_list(
            "text", flat=True
        )
    )
    return hosts, text


def test_uploaded_playbook_runs_on_the_step_targets_only(hub: Any, owner: Any) -> None:
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    upload = io.BytesIO(PLAYBOOK.encode())
    upload.name = "site.yml"
    stored = ok(hub.post("/api/templates/files/", {"file": upload}, format="multipart"), 201)
    plan = _template_with_playbook(hub, {"playbook_file": stored["id"]}, "uploaded-playbook")
    execution = wait_finished(execute_plan(hub, plan["id"]))
    assert execution.status == "success", execution.error
    hosts, text = _step_two(execution.pk)
    assert hosts == {hub.good[0]}
    assert "from-playbook step 2" in text and "second-play" in text
    steps = set(
        ExecutionEvent.objects.filter(execution=execution, kind="step_start").values_list(
            "step", flat=True
        )
    )
    assert steps == {1, 2}


def test_playbook_from_a_git_repository_with_a_role(hub: Any, owner: Any, tmp_path: Path) -> None:
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    repo = tmp_path / "repo"
    (repo / "roles" / "greet" / "tasks").mkdir(parents=True)
    (repo / "deploy").mkdir()
    (repo / "deploy" / "site.yml").write_text(
        "- name: Use a role\n  hosts: all\n  gather_facts: false\n  roles:\n    - greet\n"
    )
    (repo / "deploy" / "roles").symlink_to("../roles")
    (repo / "roles" / "greet" / "tasks" / "main.yml").write_text(
        "- name: Greet from the role\n  ansible.builtin.raw: echo role-says-hi\n"
    )
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.test", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "playbook"], check=True)
    plan = _template_with_playbook(
        hub,
        {
            "playbook_url": f"file://{repo}",
            "playbook_ref": "main",
            "playbook_path": "deploy/site.yml",
        },
        "git-playbook",
    )
    execution = wait_finished(execute_plan(hub, plan["id"]))
    assert execution.status == "success", execution.error
    hosts, text = _step_two(execution.pk)
    assert hosts == {hub.good[0]} and "role-says-hi" in text


def test_playbook_steps_are_for_administrators(hub: Any) -> None:
    upload = io.BytesIO(PLAYBOOK.encode())
    upload.name = "site.yml"
    stored = ok(hub.post("/api/templates/files/", {"file": upload}, format="multipart"), 201)
    response = hub.post(
        "/api/templates/",
        {
            "name": "not-allowed",
            "target_hosts": hub.good[:1],
            "account": hub.account_id,
            "steps": [{"name": "p", "step_type": "playbook", "playbook_file": stored["id"]}],
        },
        format="json",
    )
    err(response, 400)
    assert "administrators" in response.json()["message"]
