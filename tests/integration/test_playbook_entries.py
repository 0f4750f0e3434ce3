"""A library playbook entry (an imported role) launched like any library script: the real
worker runs its playbook with typed parameters against a real sshd host, through the API."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from hub.executions.models import Execution, ExecutionEvent
from hub.scripts.models import ScriptTemplate
from tests.helpers import ok
from tests.integration.conftest import wait_finished
from tests.scripts.test_role_import import build_collection, upload

pytestmark = pytest.mark.integration


def test_an_imported_role_runs_from_quick_execute_with_typed_values(
    hub: Any, admin: Any, client_for: Any, tmp_path: Path
) -> None:
    client = client_for(admin)
    upload(client, build_collection(tmp_path))
    entry = ScriptTemplate.objects.get(name="acme.db.server")
    conf = Path(f"/tmp/hub-entry-{uuid.uuid4().hex[:8]}.conf")
    secret = "pw-" + uuid.uuid4().hex[:12]
    body = {
        "script_template": entry.pk,
        "target_host_ids": hub.good[:1],
        "account_id": hub.account_id,
        "parameters": {
            "server_conf_path": str(conf),
            "server_enable_tls": True,
            "server_ports": [1, 2],
            "server_limits": {"nofile": 10},
            "server_password": secret,
        },
    }
    try:
        launched = ok(client.post("/api/quick/execute_script/", body, format="json"), 201)
        execution = wait_finished(launched["execution_id"], timeout=120)
        events = ExecutionEvent.objects.filter(execution=execution)
        assert execution.status == "success", (execution.error, list(events.values("text")))
        step = execution.spec["steps"][0]
        assert step["kind"] == "playbook" and step["playbook_entry"]["version_id"]
        assert step["variables"]["server_enable_tls"] is True  # typed, not "True"
        lines = conf.read_text().splitlines()
        assert lines[:3] == ["tls=true", "ports=[1, 2]", 'limits={"nofile": 10}']
        assert f"password_length={len(secret)}" in lines
        assert Path(f"{conf}.restarted").exists()  # the role's handler ran
        row = Execution.objects.filter(pk=execution.pk).values().get()
        assert secret not in str({k: v for k, v in row.items() if k != "secret_spec"})
        assert not [e for e in events.values_list("text", flat=True) if secret in e]
    finally:
        for path in (conf, Path(f"{conf}.tls"), Path(f"{conf}.restarted")):
            path.unlink(missing_ok=True)

    bad = {**body, "parameters": {**body["parameters"], "server_enable_tls": "yes"}}
    refused = client.post("/api/quick/execute_script/", bad, format="json")
    assert refused.status_code == 400 and "server_enable_tls" in str(refused.json())
