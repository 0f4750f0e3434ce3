"""Export a template or plan as a standalone Ansible project (zip) for plain ansible-playbook."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from hub.core.paths import relative_parts
from hub.executions.models import Execution
from hub.executions.project import build_project
from hub.executions.services import plan_run_spec, plan_selection
from hub.jobs.choices import VariableType
from hub.jobs.compiler import CopyFrom, compile_project, secret_names
from hub.jobs.models import ExecutionPlan, JobTemplate

README = """# {name}

Exported from OPS Job. Runs with plain Ansible (ansible-core 2.15 or newer):

    ansible-playbook playbook.yml

- `inventory/hosts.yml`: the hosts and how to reach them ({keys}).
- `vars/secrets.yml`: fill in the secrets listed there ({secrets}), or encrypt it with
  `ansible-vault encrypt vars/secrets.yml` and run with `--ask-vault-pass`.
- `vars/step_N.yml`: each step's environment variables and arguments.
- `files/`: the scripts and the files pushed to hosts.
"""


def _template_values(
    template: JobTemplate, plan: ExecutionPlan | None
) -> tuple[dict[str, Any], set[str]]:
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    plan_values = plan.variable_values if plan else {}
    for var in template.variables.all():
        if var.var_type == VariableType.SECRET:
            secrets.add(var.name)
            values[var.name] = ""
        else:
            values[var.name] = plan_values.get(var.name, var.value if var.value is not None else "")
    return values, secrets


def export_project(
    *, actor: Any, template: JobTemplate, plan: ExecutionPlan | None = None
) -> tuple[str, bytes]:
    """File name and zip bytes of the compiled project; secrets are left blank to fill in."""
    selection = (
        plan_selection(plan)
        if plan
        else [(s, None) for s in template.steps.select_related("script", "account")]
    )
    values, var_secrets = _template_values(template, plan)
    steps, _secrets, _hosts = plan_run_spec(
        actor=actor,
        template=template,
        selection=selection,
        variables=values,
        var_secrets=var_secrets,
        action="view",
    )
    name = plan.name if plan else template.name
    transient = Execution(name=name, spec={"steps": steps}, forks=20)
    built = build_project(transient, private_dir=None)
    files = compile_project(built.spec, mode="export")
    keys = sorted(built.keys)
    files["README.md"] = README.format(
        name=name,
        keys=("put the private keys at " + ", ".join(keys)) if keys else "no key files needed",
        secrets=", ".join(secret_names(built.spec, "export")) or "none",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        folder = _slug(name)
        for relative, content in sorted(files.items()):
            target = "/".join((folder, *relative_parts(relative)))  # no entry leaves the folder
            if isinstance(content, CopyFrom):
                archive.write(Path(content), target)
            else:
                archive.writestr(target, content)
    return f"{folder}.zip", buffer.getvalue()


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")[:80] or "project"
