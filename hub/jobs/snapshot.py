"""Fingerprints of a template, so a plan can show what changed since its last sync."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hub.jobs.models import JobStep, JobTemplate


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def step_fingerprint(step: JobStep) -> dict[str, Any]:
    body = {
        "name": step.name,
        "type": step.step_type,
        "script": step.script_id,
        "script_version": step.script_version,
        "script_type": step.script_type,
        "content": step.script_content,
        "parameters": step.parameters,
        "secret": _digest(step.secret_parameters),
        "targets": [
            step.use_template_targets,
            sorted(h.pk for h in step.target_hosts.all()),
            sorted(g.pk for g in step.target_groups.all()),
        ],
        "account": step.account_id,
        "timeout": step.timeout,
        "ignore_errors": step.ignore_errors,
        "batch": [step.batch_size, step.batch_failure_policy],
        "files": [step.source_files, step.destination, step.fetch_path],
        "playbook": [
            str(step.playbook_file or ""),
            step.playbook_url,
            step.playbook_ref,
            step.playbook_path,
        ],
    }
    return {"name": step.name, "order": step.order, "hash": _digest(body)}


def template_fingerprint(template: JobTemplate) -> dict[str, Any]:
    steps = template.steps.prefetch_related("target_hosts", "target_groups")
    return {
        "version": template.version,
        "steps": {str(step.pk): step_fingerprint(step) for step in steps},
        "variables": {
            v.name: {
                "type": v.var_type,
                "hash": _digest([v.var_type, v.value, bool(v.secret_value), v.required]),
            }
            for v in template.variables.all()
        },
    }


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    old_steps, new_steps = old.get("steps", {}), new.get("steps", {})
    old_vars, new_vars = old.get("variables", {}), new.get("variables", {})

    def describe(steps: dict[str, Any], ids: set[str]) -> list[dict[str, Any]]:
        return [{"id": int(i), "name": steps[i]["name"]} for i in sorted(ids, key=int)]

    return {
        "added_steps": describe(new_steps, set(new_steps) - set(old_steps)),
        "removed_steps": describe(old_steps, set(old_steps) - set(new_steps)),
        "changed_steps": describe(
            new_steps,
            {
                i
                for i in set(old_steps) & set(new_steps)
                if old_steps[i]["hash"] != new_steps[i]["hash"]
            },
        ),
        "added_variables": sorted(set(new_vars) - set(old_vars)),
        "removed_variables": sorted(set(old_vars) - set(new_vars)),
        "changed_variables": sorted(
            n for n in set(old_vars) & set(new_vars) if old_vars[n]["hash"] != new_vars[n]["hash"]
        ),
    }
