"""Security of a real run: user text never chooses a hub path, secrets never sit on a
command line (hub or targets), in the stored spec, in exports or in files left behind."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hub.executions.models import Execution, ExecutionEvent
from hub.inventory.models import Host
from tests.helpers import command_lines, ok
from tests.integration.conftest import wait_finished

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def _files_holding(root: Path, needle: str) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        try:
            if path.is_file() and needle.encode() in path.read_bytes():
                hits.append(str(path))
        except OSError:
            continue
    return hits


def _outputs(execution_id: int) -> str:
    return "".join(
        ExecutionEvent.objects.filter(execution_id=execution_id, kind="output").values_list(
            "text", flat=True
        )
    )


def test_a_crafted_host_name_never_chooses_where_fetched_files_land(
    hub: Any, fleet: Any, tmp_path: Path
) -> None:
    escape = Path("/tmp") / f"hub-escape-{uuid.uuid4().hex[:8]}"
    name = f"../../../../..{escape}"
    refused = hub.post(
        "/api/hosts/", {"name": name, "ip_address": "127.0.0.1"}, format="json"
    ).json()
    assert refused["success"] is False and "name" in refused["content"]["errors"]
    # A host that already has such a name (older data, the admin) still cannot steer paths.
    good = Host.objects.get(pk=hub.good[0])
    crafted = Host.objects.create(
        name=name,
        ip_address=good.ip_address,
        port=good.port,
        account_id=hub.account_id,
        created_by=good.created_by,
    )
    from hub.core.permissions import OBJECT_ACTIONS, grant

    grant(good.created_by, crafted, OBJECT_ACTIONS)
    source = tmp_path / "hostname"
    source.write_text("fetched-content\n")
    reply = ok(
        hub.post(
            "/api/quick/transfer_file/",
            {
                "mode": "fetch",
                "path": str(source),
                "target_host_ids": [crafted.pk],
                "account_id": hub.account_id,
            },
            format="json",
        ),
        201,
    )
    execution = wait_finished(reply["execution_id"])
    assert execution.status == "success", execution.error
    fetched = Path(settings.EXECUTION_LOGS_DIR) / str(execution.pk) / "fetched"
    assert (fetched / str(crafted.pk) / "hostname").read_text() == "fetched-content\n"
    assert not escape.exists()


def _library_script(hub: Any, body: str) -> dict[str, Any]:
    return ok(
        hub.post(
            "/api/script-templates/",
            {
                "name": f"secrets-{uuid.uuid4().hex[:6]}",
                "script_type": "shell",
                "content": body,
                "parameters": [
                    {"name": "who", "type": "string", "default": "ops"},
                    {"name": "password", "type": "secret", "required": True},
                    {"name": "opt", "type": "secret"},
                ],
            },
            format="json",
        ),
        201,
    )


SCRIPT = (
    'echo "who=$1 pw=[$2] opt=[$3] env=[$password][$opt] n=$#"\n'
    '[ "$2" = "$password" ] && [ -n "$2" ] && echo MATCH\n'
    "touch {mark}\n"
    "sleep 3\n"
)


def test_secret_parameters_never_on_a_command_line_nor_stored_in_clear(
    hub: Any, tmp_path: Path
) -> None:
    secret = "pw-" + uuid.uuid4().hex
    mark = tmp_path / "started"
    script = _library_script(hub, SCRIPT.format(mark=mark))
    reply = ok(
        hub.post(
            "/api/quick/execute_script/",
            {
                "script_template": script["id"],
                "parameters": {"password": secret},
                "target_host_ids": hub.good[:2],
                "account_id": hub.account_id,
            },
            format="json",
        ),
        201,
    )
    seen_running = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert secret not in command_lines()  # hub (ansible, ssh) and targets alike
        status = Execution.objects.values_list("status", flat=True).get(pk=reply["execution_id"])
        seen_running = seen_running or mark.exists()
        if status not in ("pending", "running"):
            break
        time.sleep(0.05)
    execution = wait_finished(reply["execution_id"])
    assert execution.status == "success", execution.error
    assert seen_running
    text = _outputs(execution.pk)
    assert text.count("who=ops pw=[******] opt=[] env=[******][] n=3") == 2, text
    assert text.count("MATCH") == 2 and "None" not in text
    assert secret not in json.dumps(execution.spec) and secret not in json.dumps(
        execution.parameters
    )
    from django.db import connection

    with connection.cursor() as cursor:  # the column as stored, not decrypted by the field
        table = Execution._meta.db_table
        cursor.execute(f"SELECT secret_spec FROM {table} WHERE id = %s", [execution.pk])  # noqa: S608
        raw = cursor.fetchone()[0]
    assert raw and secret not in raw  # encrypted at rest
    assert _files_holding(Path(settings.HUB_DATA_DIR), secret) == []
    assert _files_holding(Path(settings.EXECUTION_LOGS_DIR), secret) == []
    assert _files_holding(Path(settings.EXECUTION_WORK_DIR), secret) == []
    leftovers = [p for p in Path("/tmp").glob("hub-ls.*") if _files_holding(p, secret)]
    assert leftovers == []


def test_secret_template_variables_never_on_a_command_line(hub: Any, tmp_path: Path) -> None:
    from tests.integration.conftest import execute_plan, make_plan

    secret = "var-" + uuid.uuid4().hex
    mark = tmp_path / "var-started"
    plan = make_plan(
        hub,
        [{"name": "uses", "script_content": f'echo "tok=[$TOKEN]"; touch {mark}; sleep 2\n'}],
        variables=[{"name": "TOKEN", "var_type": "secret", "value": secret}],
        name="secret-vars",
    )
    execution_id = execute_plan(hub, plan["id"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert secret not in command_lines()
        status = Execution.objects.values_list("status", flat=True).get(pk=execution_id)
        if status not in ("pending", "running"):
            break
        time.sleep(0.02)
    assert mark.exists()
    execution = wait_finished(execution_id)
    assert execution.status == "success", execution.error
    assert _outputs(execution.pk).count("tok=[******]") == 2
    assert secret not in json.dumps(execution.spec)


def test_exported_secrets_are_one_variable_each_and_required_ones_are_asserted(
    hub: Any, fleet: Any, tmp_path: Path
) -> None:
    default_secret = "default-" + uuid.uuid4().hex
    script = ok(
        hub.post(
            "/api/script-templates/",
            {
                "name": f"export-secrets-{uuid.uuid4().hex[:6]}",
                "script_type": "shell",
                "content": 'echo "who=$1 pw=[$2] opt=[$3] env=[$password][$opt]"\n',
                "parameters": [
                    {"name": "who", "type": "string", "default": "ops"},
                    {
                        "name": "password",
                        "type": "secret",
                        "required": True,
                        "default": default_secret,
                    },
                    {"name": "opt", "type": "secret"},
                ],
            },
            format="json",
        ),
        201,
    )
    template = ok(
        hub.post(
            "/api/templates/",
            {
                "name": f"export-secrets-{uuid.uuid4().hex[:6]}",
                "target_hosts": hub.good[:1],
                "account": hub.account_id,
                "steps": [
                    {"name": "one", "step_type": "script", "script": script["id"]},
                    {"name": "two", "step_type": "script", "script": script["id"]},
                ],
            },
            format="json",
        ),
        201,
    )
    response = hub.get(f"/api/templates/{template['id']}/export/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    everything = b"".join(archive.read(n) for n in archive.namelist())
    assert default_secret.encode() not in everything  # never exported, not even in argv
    archive.extractall(tmp_path)
    project = next(p for p in tmp_path.iterdir() if p.is_dir())
    secrets_file = project / "vars" / "secrets.yml"
    text = secrets_file.read_text()
    assert text.count("secret_password:") == 1 and text.count("secret_opt:") == 1
    key = project / "keys" / f"acct_{hub.account_id}"
    key.parent.mkdir(exist_ok=True)
    key.write_bytes(Path(fleet.client_key_path).read_bytes())
    key.chmod(0o600)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(BIN / "ansible-playbook"),
                "-v",  # prints each script's stdout
                "playbook.yml",
                "-e",
                "ansible_python_interpreter=/usr/bin/python3",
            ],
            cwd=project,
            capture_output=True,
            text=True,
            env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)},
        )

    blank = run()
    assert blank.returncode != 0
    assert "secret_password is required: set it in vars/secrets.yml" in blank.stdout
    secrets_file.write_text(text.replace("secret_password: ''", "secret_password: !unsafe 'x1'"))
    filled = run()
    assert filled.returncode == 0, filled.stdout[-3000:]
    # both steps share the one variable; the unset optional secret is empty, never "None"
    assert filled.stdout.count("who=ops pw=[x1] opt=[] env=[x1][]") >= 2, filled.stdout[-3000:]
    assert "None" not in filled.stdout


def test_jinja_in_user_text_is_never_templated(hub: Any, tmp_path: Path) -> None:
    from tests.integration.conftest import execute_plan, make_plan

    pwned = tmp_path / "pwned"
    jinja = "{{ lookup('pipe', 'touch " + str(pwned) + "') }}"
    statement = "{% for x in [1] %}" + str(pwned) + "{% endfor %}"
    script = _library_script(hub, 'echo "p1=$1"\n')
    ok(
        hub.patch(
            f"/api/script-templates/{script['id']}/",
            {"parameters": [{"name": "who", "type": "string", "default": jinja}]},
            format="json",
        )
    )
    plan = make_plan(
        hub,
        [
            {"name": f"step {jinja}", "script_content": f'echo "body={jinja}"\necho "v=$V s=$S"\n'},
            {"name": "library", "script": script["id"], "script_content": ""},
        ],
        variables=[
            {"name": "V", "var_type": "string", "value": statement},
            {"name": "S", "var_type": "secret", "value": "{{ 7 * 7 }}-secret"},
        ],
        name="jinja",
    )
    execution = wait_finished(execute_plan(hub, plan["id"]))
    assert execution.status == "success", execution.error
    text = _outputs(execution.pk)
    assert f"body={jinja}" in text and f"p1={jinja}" in text
    assert f"v={statement} s=******" in text and "49" not in text
    assert not pwned.exists()
