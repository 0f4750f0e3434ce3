"""`hub debug-run <execution id>`: a past run as an ansible-runner private data dir.

The same compiled project the worker ran (from the execution's frozen spec, hosts and
accounts as they are now), in the standard layout, so that

    ansible-runner run <dir> -p playbook.yml

runs it again outside the hub. Secrets are left blank: `project/vars/secrets.yml` lists
each one empty and no private key is written (their paths, `project/keys/acct_<id>`, are in
the inventory); fill them in first. The hub's event stream is not attached: the hub.ops
plugins then behave like plain Ansible (live_script prints nothing until the task ends).
"""

from __future__ import annotations

from pathlib import Path

from hub.core.exceptions import DomainError
from hub.executions.engine import ansible_env
from hub.executions.models import Execution
from hub.executions.project import build_project, write_runner_dir
from hub.jobs.compiler import compile_project


def write_debug_run(execution_id: int, target: Path) -> list[str]:
    """Writes the run dir of an execution into target (new or empty); returns the names of
    the secrets and key files left for the user to fill in."""
    execution = Execution.objects.filter(pk=execution_id).first()
    if execution is None:
        raise DomainError(f"No execution {execution_id}.", field="execution_id")
    if target.exists() and any(target.iterdir()):
        raise DomainError(f"{target} is not empty.", field="dir")
    target.mkdir(parents=True, exist_ok=True)
    built = build_project(execution, private_dir=None, fetch_dir=str(target / "fetched"))
    files = compile_project(built.spec, mode="run", secrets={})  # every secret blank
    settings = {"pexpect_timeout": 0.25}  # ansible's output shown, as a person runs it
    write_runner_dir(target.resolve(), files, {}, ansible_env(target.resolve()), settings)
    keys = sorted(f"project/{c.key_file}" for c in built.spec.connections if c.key_file)
    return [*(f"project/vars/secrets.yml: {name}" for name in sorted(built.secrets)), *keys]
