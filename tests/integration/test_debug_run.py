"""Run dirs are ansible-runner private data dirs, and `hub debug-run` writes one for a past
run that plain `ansible-runner run` reproduces against the same real sshd host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.cli import main
from tests.helpers import ok
from tests.integration.conftest import wait_finished

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def test_a_past_run_is_reproduced_by_ansible_runner(
    hub: Any, fleet: Any, tmp_path: Path, capsys: Any
) -> None:
    marker = f"debugrun-{uuid.uuid4().hex[:8]}"
    body = {
        "script_content": f'echo "{marker} $1 $GREETING"\n',
        "script_args": ["one"],
        "target_host_ids": hub.good[:1],
        "account_id": hub.account_id,
        "parameters": {"GREETING": "hi"},
    }
    launched = ok(hub.post("/api/quick/execute_script/", body, format="json"), 201)
    execution = wait_finished(launched["execution_id"])
    assert execution.status == "success"

    target = tmp_path / "debug"
    assert main(["debug-run", str(execution.pk), "--dir", str(target)]) == 0
    printed = capsys.readouterr().out
    key = f"project/keys/acct_{hub.account_id}"
    assert f"fill in: {key}" in printed and "ansible-runner run" in printed
    envvars = json.loads((target / "env" / "envvars").read_text())
    assert not [k for k in envvars if k.startswith("HUB_")]  # no stream, no Redis password
    assert json.loads((target / "env" / "settings").read_text())["pexpect_timeout"] == 0.25
    inventory = yaml.safe_load((target / "inventory" / "hosts.yml").read_text())
    host = next(iter(inventory["all"]["hosts"].values()))
    assert host["ansible_ssh_private_key_file"] == f"keys/acct_{hub.account_id}"  # relative
    assert not (target / key).exists()  # secrets are left blank

    (target / key).parent.mkdir(parents=True, exist_ok=True)
    (target / key).write_text(fleet.client_key_text)
    os.chmod(target / key, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "HUB_"))}
    run = subprocess.run(
        [str(BIN / "ansible-runner"), "run", str(target), "-p", "playbook.yml"],
        capture_output=True,
        text=True,
        env={**env, "PATH": f"{BIN}:{env.get('PATH', '')}"},
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "ok=1" in run.stdout and "failed=0" in run.stdout
    events = [p.read_text() for p in target.glob("artifacts/*/job_events/*.json")]
    assert any(f"{marker} one hi" in e for e in events)  # the script's output, with its args

    again = main(["debug-run", str(execution.pk), "--dir", str(target)])
    assert again == 2  # never over an existing dir
