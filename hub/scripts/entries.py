"""How a library playbook entry runs: the compiler's step fields for one launch.

A script entry runs as a script step (values become environment strings and arguments).
A playbook entry (an imported role that is more than one script) runs as a playbook
step: its playbook and files go into the project, its parameters become typed play
variables (booleans stay booleans, lists and mappings stay structured), secrets come from
the run's secrets file. An optional parameter left unset is not passed at all, so the
role's own default (often computed from facts) applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.core.crypto import MASK
from hub.scripts.choices import ParameterType
from hub.scripts.models import ScriptVersion


def playbook_variables(
    declared: list[dict[str, Any]], values: Mapping[str, Any], given: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The play variables of a launch (resolved `values`), leaving out unset ones."""
    given = given or {}
    out = {}
    for param in declared:
        name = param["name"]
        if param["type"] == ParameterType.SECRET:
            continue
        if given.get(name) not in (None, MASK) or param.get("default") is not None:
            out[name] = values[name]
    return out


def playbook_step_fields(
    *,
    index: int,
    version: ScriptVersion,
    values: Mapping[str, Any],
    given: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """StepSpec fields (besides index, name, hosts, connection...) of a playbook entry;
    secret values go to the run's secrets under `secret_env`, as for scripts."""
    secrets = sorted(
        p["name"]
        for p in version.parameters
        if p["type"] == ParameterType.SECRET and values.get(p["name"]) not in (None, "")
    )
    return {
        "kind": "playbook",
        "playbook": version.content,
        "playbook_path": f"playbooks/step_{index}/playbook.yml",
        "project_files": dict(version.files),
        "variables": playbook_variables(version.parameters, values, given),
        "secret_env": tuple(secrets),
    }
