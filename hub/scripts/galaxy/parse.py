"""Import: roles of a collection artifact or a roles-directory archive, as script data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from hub.jobs.compiler import SCRIPT_RUNTIME
from hub.scripts.galaxy.archive import ArchiveError, check_manifest, read_archive

SCRIPT_EXTENSIONS = {ext: kind for kind, (ext, _) in SCRIPT_RUNTIME.items()} | {
    ".bash": "shell",
    ".cmd": "batch",
}
INTERPRETERS = {interp: kind for kind, (_, interp) in SCRIPT_RUNTIME.items() if interp} | {
    "sh": "shell",
    "python": "python",
    "powershell": "powershell",
}


@dataclass
class ImportedRole:
    """A role read from an archive: the script data it holds, or why it was skipped."""

    role: str
    script: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""


def _load_yaml(files: Mapping[str, bytes], path: str) -> Any:
    for candidate in (path, path.removesuffix(".yml") + ".yaml"):
        if candidate in files:
            try:
                return yaml.safe_load(files[candidate].decode())
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise ValueError(f"{candidate} is not valid YAML: {exc}") from exc
    return None


def role_roots(files: Iterable[str]) -> list[str]:
    """Directories (with trailing slash) that hold a role: the ones with tasks/main.yml."""
    roots = set()
    for path in files:
        match = re.match(r"^(.*?)([^/]+)/tasks/main\.ya?ml$", path)
        if match:
            roots.add(f"{match.group(1)}{match.group(2)}/")
    return sorted(roots)


def _script_file(role_files: Mapping[str, bytes], hub: Mapping[str, Any]) -> str | None:
    named = hub.get("file")
    if isinstance(named, str) and f"files/{named}" in role_files:
        return f"files/{named}"
    tasks = role_files.get("tasks/main.yml", b"").decode(errors="replace")
    for path in role_files:
        if path.startswith("files/") and path.count("/") == 1 and path[6:] in tasks:
            return path
    candidates = [
        p
        for p in role_files
        if p.startswith("files/")
        and p.count("/") == 1
        and PurePosixPath(p).suffix in SCRIPT_EXTENSIONS
    ]
    return candidates[0] if len(candidates) == 1 else None


def _script_type(path: str, content: str, hub: Mapping[str, Any]) -> str | None:
    declared = hub.get("type")
    if isinstance(declared, str) and declared in SCRIPT_RUNTIME:
        return declared
    if kind := SCRIPT_EXTENSIONS.get(PurePosixPath(path).suffix):
        return kind
    shebang = re.match(r"^#!\s*(\S+)(?:\s+(\S+))?", content)
    if shebang:
        program = PurePosixPath(shebang.group(1)).name
        if program == "env" and shebang.group(2):
            program = shebang.group(2)
        return INTERPRETERS.get(re.sub(r"[\d.]+$", "", program) or program)
    return None


def _param_type(option: Mapping[str, Any], default: Any) -> str:
    kind = option.get("type")
    if option.get("no_log"):
        return "secret"
    if kind == "list" or (kind is None and isinstance(default, list)):
        return "host_list"
    if kind in ("int", "float") or (
        kind is None and isinstance(default, int | float) and not isinstance(default, bool)
    ):
        return "number"
    return "choice" if option.get("choices") else "string"


def _description(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value or "")


def _parameter(var: str, name: str, option: Mapping[str, Any], default: Any) -> dict[str, Any]:
    kind = _param_type(option, default)
    if kind == "secret" or default in ("", []):
        default = None
    param: dict[str, Any] = {
        "name": name,
        "type": kind,
        "required": bool(option.get("required", False)),
        "description": _description(option.get("description")),
        "default": default,
    }
    if kind == "choice":
        param["choices"] = [str(c) for c in option["choices"]]
    if param["description"] == f"Parameter {name}.":
        param["description"] = ""  # the placeholder export writes for undocumented ones
    return param


def _parameters(
    role: str, role_files: Mapping[str, bytes], names: Mapping[str, Any]
) -> list[dict[str, Any]]:
    specs = _load_yaml(role_files, "meta/argument_specs.yml") or {}
    defaults = _load_yaml(role_files, "defaults/main.yml") or {}
    if not isinstance(specs, dict) or not isinstance(defaults, dict):
        raise ValueError("argument_specs.yml and defaults/main.yml must be mappings.")
    options = ((specs.get("argument_specs") or {}).get("main") or {}).get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("argument_specs main.options must be a mapping.")
    variables = list(options) + [v for v in defaults if v not in options]
    params = []
    for var in variables:
        option = options.get(var) or {}
        name = names.get(var) or str(var).removeprefix(f"{role}_")
        params.append(
            _parameter(str(var), str(name), option, defaults.get(var, option.get("default")))
        )
    return params


def _role(root: str, files: Mapping[str, bytes]) -> ImportedRole:
    role = root.rstrip("/").rsplit("/", 1)[-1]
    mine = {path[len(root) :]: data for path, data in files.items() if path.startswith(root)}
    try:
        hub = _load_yaml(mine, "meta/hub.yml") or {}
        if not isinstance(hub, dict):
            raise ValueError("meta/hub.yml must be a mapping.")
        script_meta = hub.get("script") or {}
        path = _script_file(mine, script_meta)
        if path is None:
            return ImportedRole(role, skipped="No single script found in files/.")
        try:
            content = mine[path].decode()
        except UnicodeDecodeError:
            return ImportedRole(role, skipped=f"{path} is not UTF-8 text.")
        kind = _script_type(path, content, script_meta)
        if kind is None:
            return ImportedRole(role, skipped=f"Cannot tell the script type of {path}.")
        params = _parameters(role, mine, hub.get("parameters") or {})
    except (ValueError, AttributeError, TypeError) as exc:
        return ImportedRole(role, skipped=str(exc)[:500])
    tags = script_meta.get("tags")
    script = {
        "name": str(script_meta.get("name") or role),
        "script_type": kind,
        "content": content,
        "parameters": params,
        "description": str(script_meta.get("description") or ""),
        "category": str(script_meta.get("category") or ""),
        "tags": [str(t) for t in tags] if isinstance(tags, list) else [],
    }
    return ImportedRole(role, script=script)


def parse_archive(data: bytes) -> list[ImportedRole]:
    """The roles of a collection artifact or roles-directory archive, as script data."""
    files = read_archive(data)
    manifests = [p for p in files if p.rsplit("/", 1)[-1] == "MANIFEST.json"]
    for manifest in manifests:
        check_manifest(files, manifest.removesuffix("MANIFEST.json"))
    roots = role_roots(files)
    if not roots:
        raise ArchiveError("The archive holds no role (no <role>/tasks/main.yml).")
    return [_role(root, files) for root in roots]
