"""Import: roles of a collection artifact or a roles-directory archive, as library entries."""

from __future__ import annotations

import json
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
    """A role read from an archive: the library entry it becomes, or why it was refused.

    `script` holds the entry's fields; `entry_type` and `files` say whether it is a script
    or a playbook entry (the role's files kept so that the playbook applies the role).
    """

    role: str
    script: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""
    entry_type: str = "script"
    files: dict[str, str] = field(default_factory=dict)


def _load_yaml(files: Mapping[str, bytes], path: str) -> Any:
    for candidate in (path, path.removesuffix(".yml") + ".yaml"):
        if candidate in files:
            try:
                return yaml.safe_load(files[candidate].decode())
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise ValueError(f"{candidate} is not valid YAML: {exc}") from exc
    return None


def role_roots(files: Iterable[str]) -> list[str]:
    """Directories (with trailing slash) that hold a role: the ones with tasks/main.yml,
    except test harnesses (ansible-test targets under tests/, molecule/) and roles inside
    another role."""
    roots = set()
    for path in files:
        match = re.match(r"^(.*?)([^/]+)/tasks/main\.ya?ml$", path)
        if match and not {"tests", "molecule"} & set(match.group(1).split("/")):
            roots.add(f"{match.group(1)}{match.group(2)}/")
    return sorted(r for r in roots if not any(r != o and r.startswith(o) for o in roots))


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


_OPTION_TYPES = {
    "bool": "boolean",
    "boolean": "boolean",
    "list": "list",
    "dict": "dict",
    "int": "number",
    "float": "number",
    "str": "string",
    "path": "string",
    "raw": "string",
}


def _param_type(option: Mapping[str, Any], default: Any, hub_type: Any = None) -> str:
    if option.get("no_log"):
        return "secret"
    if isinstance(hub_type, str) and hub_type in {*_OPTION_TYPES.values(), "host_list", "choice"}:
        return hub_type  # what the hub exported: host_list is a list of str to Ansible
    if option.get("choices"):
        return "choice"
    kind = option.get("type")
    if isinstance(kind, str) and kind in _OPTION_TYPES:
        return _OPTION_TYPES[kind]
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int | float):
        return "number"
    if isinstance(default, list | dict):
        return "list" if isinstance(default, list) else "dict"
    return "string"


def _description(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value or "")


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    if isinstance(value, dict):
        return any(_templated(v) for v in value.values())
    return False


def _parameter(
    name: str, option: Mapping[str, Any], default: Any, hub_type: Any = None
) -> dict[str, Any]:
    kind = _param_type(option, default, hub_type)
    if kind == "secret" or default in ("", [], {}) or _templated(default):
        default = None  # a computed default stays the role's: it applies when none is given
    default = _coerced(kind, default)
    param: dict[str, Any] = {
        "name": name,
        "type": kind,
        "required": bool(option.get("required", False)),
        "description": _description(option.get("description")),
        "default": default,
    }
    if kind == "choice":
        param["choices"] = [
            c if isinstance(c, int | float) and not isinstance(c, bool) else str(c)
            for c in option["choices"]
        ]
    if param["description"] == f"Parameter {name}.":
        param["description"] = ""  # the placeholder export writes for undocumented ones
    return param


_TRUE, _FALSE = {"yes", "on", "true", "1", "y", "t"}, {"no", "off", "false", "0", "n", "f"}


def _coerced(kind: str, default: Any) -> Any:
    """A default as Ansible's argument spec would take it ("yes" is a bool, "a,b" a list);
    one that still does not fit is dropped: the role's own default then applies."""
    if default is None:
        return None
    if kind == "boolean" and isinstance(default, str | int) and not isinstance(default, bool):
        text = str(default).lower()
        return True if text in _TRUE else False if text in _FALSE else None
    if kind == "list" and isinstance(default, str):
        return [part.strip() for part in default.split(",") if part.strip()]
    if kind == "number" and isinstance(default, str):
        return _number(default)
    if kind == "dict" and not isinstance(default, dict):
        return None
    return default


def _number(text: str) -> float | int | None:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def _parameters(
    role: str, role_files: Mapping[str, bytes], hub: Mapping[str, Any], strip: bool = True
) -> list[dict[str, Any]]:
    """Parameters from argument_specs and defaults; a script role's names lose the role
    prefix (its task maps them back), a playbook entry's are the role variables."""
    names = hub.get("parameters") or {}
    types = hub.get("parameter_types") or {}
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
        name = names.get(var) or (str(var).removeprefix(f"{role}_") if strip else str(var))
        default = defaults.get(var, option.get("default"))
        params.append(_parameter(str(name), option, default, types.get(var)))
    return params


SCRIPT_MODULES = {"script", "ansible.builtin.script", "ansible.legacy.script"}
# Keywords a "run this one script" task may carry besides its module; anything else
# (loops, conditions, notify, blocks, includes...) makes the role more than one script.
_SCRIPT_TASK_KEYS = {
    "name",
    "args",
    "environment",
    "vars",
    "changed_when",
    "failed_when",
    "no_log",
    "tags",
    "become",
    "become_user",
    "become_method",
    "timeout",
}
# Parts of a role that do not run: metadata the parse reads, docs, its own test harness.
_NOT_RUN = re.compile(
    r"^(meta/(main|argument_specs|hub)\.ya?ml|defaults/main\.ya?ml|README(\.\w+)?|LICENSE"
    r"|molecule/.*|tests/.*|\..*|.*/\..*|.*/__pycache__/.*|.*\.pyc)$"
)


@dataclass(frozen=True)
class _Archive:
    """What all roles of one upload share: their files, roots and collection (if any)."""

    files: Mapping[str, bytes]
    roots: tuple[str, ...]
    collection: tuple[str, str, str] | None  # (root prefix, namespace, name)


def _role_files(root: str, files: Mapping[str, bytes]) -> dict[str, bytes]:
    return {path[len(root) :]: data for path, data in files.items() if path.startswith(root)}


def _script_task(role_files: Mapping[str, bytes]) -> str | None:
    """The files/ script a role runs when it is exactly one script task, else None."""
    if any(not _NOT_RUN.match(p) for p in role_files if not p.startswith(("tasks/", "files/"))):
        return None  # handlers, templates, vars, library...
    if set(p for p in role_files if p.startswith("tasks/")) - {"tasks/main.yml"}:
        return None
    tasks = _load_yaml(role_files, "tasks/main.yml")
    scripts = [p for p in role_files if p.startswith("files/")]
    if not isinstance(tasks, list) or len(tasks) != 1 or len(scripts) != 1:
        return None
    task = tasks[0]
    if not isinstance(task, dict) or set(task) - _SCRIPT_TASK_KEYS - SCRIPT_MODULES:
        return None
    modules = set(task) & SCRIPT_MODULES
    args = task[modules.pop()] if len(modules) == 1 else None
    command = args.get("cmd", "") if isinstance(args, dict) else args
    words = str(command or "").split()
    if not words or f"files/{words[0]}" != scripts[0]:
        return None
    meta = _load_yaml(role_files, "meta/main.yml") or {}
    return scripts[0] if not (isinstance(meta, dict) and meta.get("dependencies")) else None


def _script_role(role: str, mine: Mapping[str, bytes], hub: Mapping[str, Any]) -> ImportedRole:
    script_meta = hub.get("script") or {}
    path = _script_file(mine, script_meta) if hub else _script_task(mine)
    if path is None:
        return ImportedRole(role, skipped="No single script found in files/.")
    try:
        content = mine[path].decode()
    except UnicodeDecodeError:
        return ImportedRole(role, skipped=f"{path} is not UTF-8 text.")
    kind = _script_type(path, content, script_meta)
    if kind is None:
        return ImportedRole(role, skipped=f"Cannot tell the script type of {path}.")
    tags = script_meta.get("tags")
    script = {
        "name": str(script_meta.get("name") or role),
        "script_type": kind,
        "content": content,
        "parameters": _parameters(role, mine, hub),
        "description": str(script_meta.get("description") or ""),
        "category": str(script_meta.get("category") or ""),
        "tags": [str(t) for t in tags] if isinstance(tags, list) else [],
    }
    return ImportedRole(role, script=script)


def _role_name(root: str) -> str:
    return root.rstrip("/").rsplit("/", 1)[-1]


def _dependencies(mine: Mapping[str, bytes]) -> list[str]:
    meta = _load_yaml(mine, "meta/main.yml") or {}
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    names = []
    for dep in deps or []:
        name = dep.get("role") or dep.get("name") if isinstance(dep, dict) else dep
        if not isinstance(name, str) or not name:
            raise ValueError(f"meta/main.yml has a dependency without a role name: {dep!r}.")
        names.append(name)
    return names


def _needed_roles(root: str, archive: _Archive) -> list[str]:
    """The role and the sibling roles it uses (dependencies, include_role...), transitively.

    A sibling counts as used when its name appears in the role's tasks, handlers or meta:
    generous on purpose, a role kept too many costs bytes, one missing breaks the run."""
    parent = root[: -len(_role_name(root)) - 1]
    siblings = {_role_name(r): r for r in archive.roots if r.startswith(parent)}
    needed, queue = [root], [root]
    while queue:
        mine = _role_files(queue.pop(), archive.files)
        for dep in _dependencies(mine):
            if "." not in dep and dep not in siblings:  # a qualified one: from its collection
                raise _Refused(f"It depends on role {dep!r}, which the archive does not hold.")
        text = " ".join(
            data.decode(errors="replace")
            for path, data in mine.items()
            if path.startswith(("tasks/", "handlers/", "meta/"))
        )
        for name, sibling in siblings.items():
            if sibling not in needed and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                needed.append(sibling)
                queue.append(sibling)
    return needed


class _Refused(ValueError):
    """A role that cannot become a library entry; the message is the reason shown."""


def _text_files(prefix: str, source: Mapping[str, bytes], target: str) -> dict[str, str]:
    out = {}
    for path, data in sorted(source.items()):
        if _NOT_RUN.match(path) and not path.startswith(("meta/", "defaults/")):
            continue
        try:
            out[f"{target}{path}"] = data.decode()
        except UnicodeDecodeError:
            raise _Refused(
                f"{prefix}{path} is not UTF-8 text; the library keeps text files only."
            ) from None
    return out


def _playbook(role_ref: str, role: str) -> str:
    plays = [
        {
            "name": f"Apply the {role} role",
            "hosts": "all",
            "gather_facts": True,
            "roles": [{"role": role_ref}],
        }
    ]
    return "---\n" + yaml.safe_dump(plays, sort_keys=False, default_flow_style=False)


def _playbook_files(root: str, archive: _Archive) -> tuple[str, dict[str, str]]:
    """(role reference, files next to the playbook): roles/<role>/... from a roles archive;
    from a collection, the collection's tree under collections/, so that its plugins and
    roles resolve for the role as they do when the collection is installed."""
    files: dict[str, str] = {}
    role = _role_name(root)
    if archive.collection is None:
        for needed in _needed_roles(root, archive):
            name = _role_name(needed)
            mine = _role_files(needed, archive.files)
            files |= _text_files(f"{name}/", mine, f"roles/{name}/")
        return role, files
    prefix, namespace, name = archive.collection
    base = f"collections/ansible_collections/{namespace}/{name}/"
    for needed in _needed_roles(root, archive):
        relative = needed[len(prefix) :]
        files |= _text_files(relative, _role_files(needed, archive.files), base + relative)
    shared = {
        p[len(prefix) :]: d
        for p, d in archive.files.items()
        if p.startswith((f"{prefix}plugins/", f"{prefix}meta/runtime.y"))
    }
    files |= _text_files("", shared, base)
    return f"{namespace}.{name}.{role}", files


def _playbook_role(root: str, archive: _Archive, mine: Mapping[str, bytes]) -> ImportedRole:
    role = _role_name(root)
    try:
        role_ref, files = _playbook_files(root, archive)
    except _Refused as exc:
        return ImportedRole(role, skipped=f"Not imported: {exc}")
    specs = _load_yaml(mine, "meta/argument_specs.yml") or {}
    main = ((specs.get("argument_specs") or {}).get("main") or {}) if specs else {}
    meta = _load_yaml(mine, "meta/main.yml") or {}
    info = (meta.get("galaxy_info") or {}) if isinstance(meta, dict) else {}
    description = _description(main.get("short_description") or info.get("description"))
    tags = info.get("galaxy_tags") if isinstance(info, dict) else None
    script = {
        "name": role_ref,
        "script_type": "shell",
        "content": _playbook(role_ref, role),
        "parameters": _parameters(role, mine, {}, strip=False),
        "description": description[:2000],
        "category": "",
        "tags": [str(t) for t in tags][:20] if isinstance(tags, list) else [],
    }
    return ImportedRole(role, script=script, entry_type="playbook", files=files)


def _role(root: str, archive: _Archive) -> ImportedRole:
    role = _role_name(root)
    mine = _role_files(root, archive.files)
    try:
        hub = _load_yaml(mine, "meta/hub.yml") or {}
        if not isinstance(hub, dict):
            raise ValueError("meta/hub.yml must be a mapping.")
        if hub.get("script") or _script_task(mine) is not None:
            return _script_role(role, mine, hub)
        return _playbook_role(root, archive, mine)
    except (ValueError, AttributeError, TypeError) as exc:
        return ImportedRole(role, skipped=str(exc)[:500])


def _collection(files: Mapping[str, bytes], manifests: list[str]) -> tuple[str, str, str] | None:
    for manifest in manifests:
        try:
            info = json.loads(files[manifest])["collection_info"]
            namespace, name = str(info["namespace"]), str(info["name"])
        except (ValueError, KeyError, TypeError):
            continue
        if re.fullmatch(r"[a-z0-9_]+", namespace) and re.fullmatch(r"[a-z0-9_]+", name):
            return manifest.removesuffix("MANIFEST.json"), namespace, name
    return None


def parse_archive(data: bytes) -> list[ImportedRole]:
    """The roles of a collection artifact or roles-directory archive, as library entries."""
    files = read_archive(data)
    manifests = [p for p in files if p.rsplit("/", 1)[-1] == "MANIFEST.json"]
    for manifest in manifests:
        check_manifest(files, manifest.removesuffix("MANIFEST.json"))
    roots = role_roots(files)
    if not roots:
        raise ArchiveError("The archive holds no role (no <role>/tasks/main.yml).")
    archive = _Archive(files, tuple(roots), _collection(files, manifests))
    return [_role(root, archive) for root in roots]
