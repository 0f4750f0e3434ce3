"""The only module that imports ansible_runner: run a compiled project, report events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner


@dataclass(frozen=True)
class RunOutcome:
    status: str  # successful | failed | canceled | timeout | error
    rc: int | None


def run_project(
    *,
    private_data_dir: Path,
    ident: str,
    envvars: dict[str, str],
    forks: int,
    event_handler: Callable[[dict[str, Any]], bool],
    cancel_callback: Callable[[], bool],
    status_handler: Callable[..., None] | None = None,
) -> RunOutcome:
    """Runs project/playbook.yml against project/inventory/hosts.yml inside private_data_dir.

    The event handler must be quick (it runs in the loop that reads ansible's output);
    the cancel callback is polled about every 0.25 s.
    """
    project = private_data_dir / "project"
    result = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        project_dir=str(project),
        playbook="playbook.yml",
        inventory=str(project / "inventory" / "hosts.yml"),
        ident=ident,
        envvars=envvars,
        forks=forks,
        quiet=True,
        event_handler=event_handler,
        cancel_callback=cancel_callback,
        status_handler=status_handler,
        settings={
            "pexpect_timeout": 0.25,
            "suppress_ansible_output": True,
            "suppress_output_file": True,
        },
        rotate_artifacts=1,
    )
    return RunOutcome(status=result.status, rc=result.rc)
