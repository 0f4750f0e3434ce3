"""The only module that imports ansible_runner: run a compiled project, report events."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner

from hub.executions.project import RUNNER_SETTINGS

# ansible-runner starts ansible-playbook with pexpect and offers no pre-exec hook, so the
# command is this guard: it asks the kernel for SIGTERM when its parent (the worker
# process) dies, then becomes ansible-playbook (the setting survives exec). On SIGTERM
# ansible-playbook terminates its own workers: a dead worker starts no remote work.
_GUARD = (
    "import ctypes,os,signal,sys\n"
    "if ctypes.CDLL(None,use_errno=True).prctl(1,signal.SIGTERM,0,0,0)!=0:sys.exit(70)\n"
    "if os.getppid()!=int(sys.argv[1]):sys.exit(71)\n"  # the parent died before prctl
    "os.execvp(sys.argv[2],sys.argv[2:])\n"
)


@dataclass(frozen=True)
class RunOutcome:
    status: str  # successful | failed | canceled | timeout | error
    rc: int | None


def _guarded_command(playbook: str) -> str:
    """ansible-runner's cmdline (its args follow the binary): guard, then ansible-playbook."""
    return shlex.join(["-c", _GUARD, str(os.getpid()), "ansible-playbook", playbook])


def run_project(
    *,
    private_data_dir: Path,
    ident: str,
    envvars: dict[str, str],
    forks: int,
    event_handler: Callable[[dict[str, Any]], bool],
    cancel_callback: Callable[[], bool],
    status_handler: Callable[..., None] | None = None,
    timeout: int | None = None,
) -> RunOutcome:
    """Runs project/playbook.yml against inventory/hosts.yml of private_data_dir (an
    ansible-runner private data dir: env/envvars and env/settings are read too).

    The event handler must be quick (it runs in the loop that reads ansible's output);
    the cancel callback is polled about every 0.25 s; `timeout` (seconds) ends the run.
    ansible-playbook dies with the calling process.
    """
    project = private_data_dir / "project"
    result = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        project_dir=str(project),
        binary=sys.executable,
        cmdline=_guarded_command("playbook.yml"),
        inventory=str(private_data_dir / "inventory" / "hosts.yml"),
        ident=ident,
        envvars=envvars,
        forks=forks,
        quiet=True,
        event_handler=event_handler,
        cancel_callback=cancel_callback,
        status_handler=status_handler,
        timeout=timeout,
        settings={**RUNNER_SETTINGS, "suppress_output_file": True},
        rotate_artifacts=1,
    )
    return RunOutcome(status=result.status, rc=result.rc)
