"""Export: library scripts in, the collection's files and its .tar.gz artifact out."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import keyword
import re
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from hub.jobs.compiler import SCRIPT_RUNTIME

COLLECTION_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
REQUIRES_ANSIBLE = ">=2.15.0"
ARG_TYPES = {
    "string": "str",
    "choice": "str",
    "secret": "str",
    "host_list": "list",
    "boolean": "bool",
    "list": "list",
    "dict": "dict",
}
_FILE_MODE = 0o644
_DIR_MODE = 0o755


@dataclass(frozen=True)
class ScriptSpec:
    """One library script as the builder needs it (the version to export, decrypted never)."""

    name: str
    script_type: str
    content: str
    parameters: list[dict[str, Any]]
    description: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    author: str = ""


@dataclass(frozen=True)
class CollectionSpec:
    namespace: str
    name: str
    version: str
    description: str = "Scripts exported from the OPS Job script library."
    authors: tuple[str, ...] = ("OPS Job",)
    license: str = "GPL-3.0-or-later"
    repository: str = ""

    @property
    def filename(self) -> str:
        return f"{self.namespace}-{self.name}-{self.version}.tar.gz"


def role_name(script_name: str, taken: set[str]) -> str:
    """A lowercase identifier for the role, unique among `taken` (which it joins)."""
    base = re.sub(r"[^a-z0-9]+", "_", script_name.lower()).strip("_")[:50] or "script"
    if not base[0].isalpha() or keyword.iskeyword(base):
        base = f"script_{base}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def _variables(role: str, params: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Role variable name -> declaration; variables are lowercase and carry the role prefix."""
    out: dict[str, dict[str, Any]] = {}
    for param in params:
        base = f"{role}_{param['name'].lower()}"
        var, n = base, 1
        while var in out:
            n += 1
            var = f"{base}_{n}"
        out[var] = param
    return out


class _Dumper(yaml.SafeDumper):
    """YAML as yamllint (ansible-lint) wants it: indented sequences, double quotes."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "'" in value or "{" in value else None
    if "\n" in value.rstrip("\n"):
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _yaml(data: Any, comment: str = "") -> bytes:
    head = f"---\n# {comment}\n" if comment else "---\n"
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )
    return (head + text).encode()


def _number_type(param: dict[str, Any]) -> str:
    return "int" if isinstance(param.get("default"), int) else "float"


def _defaults(variables: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for var, param in variables.items():
        if param["type"] == "secret":
            if not param.get("required"):
                out[var] = ""  # never the secret itself: the user supplies it
        elif param.get("default") is not None:
            out[var] = param["default"]
    return out


def _option(param: dict[str, Any]) -> dict[str, Any]:
    kind = param["type"]
    option: dict[str, Any] = {
        "type": _number_type(param) if kind == "number" else ARG_TYPES[kind],
        "required": bool(param.get("required")),
    }
    if kind == "host_list":
        option["elements"] = "str"
    if kind == "choice":
        option["choices"] = list(param.get("choices") or [])
        if any(not isinstance(c, str) for c in option["choices"]):
            option["type"] = "raw"  # numbers among the choices: keep them as they are
    if kind == "secret":
        option["no_log"] = True
    elif param.get("default") is not None and not param.get("required"):
        option["default"] = param["default"]
    option["description"] = param.get("description") or f"Parameter {param['name']}."
    return option


def _argument_specs(script: ScriptSpec, variables: Mapping[str, dict[str, Any]]) -> bytes:
    main: dict[str, Any] = {
        "short_description": f"Run the {script.name} script",
        "description": [script.description or f"Runs the {script.name} library script."],
        "options": {var: _option(param) for var, param in variables.items()},
    }
    return _yaml({"argument_specs": {"main": main}})


def _value_expr(var: str, param: dict[str, Any]) -> str:
    """A parameter as the script sees it: host lists comma-joined, booleans true/false,
    other lists and mappings as JSON."""
    kind = param["type"]
    if kind == "host_list":
        return f"{{{{ {var} | default([]) | join(',') }}}}"
    if kind == "boolean":
        return f"{{{{ {var} | default('') | string | lower }}}}"
    if kind in ("list", "dict"):
        empty = "[]" if kind == "list" else "{}"
        return f"{{{{ {var} | default({empty}) | to_json }}}}"
    return f"{{{{ {var} | default('') | string }}}}"


def _tasks(
    role: str, script: ScriptSpec, filename: str, variables: Mapping[str, dict[str, Any]]
) -> bytes:
    interpreter = SCRIPT_RUNTIME.get(script.script_type, (".sh", "bash"))[1]
    argv = f"{role}_argv"
    args: dict[str, Any] = {"cmd": f"{filename} {{{{ {argv} | map('quote') | join(' ') }}}}"}
    if interpreter:
        args["executable"] = interpreter
    task: dict[str, Any] = {
        "name": f"Run the {role} script",
        "ansible.builtin.script": args,
        "environment": {p["name"]: _value_expr(v, p) for v, p in variables.items()},
        "vars": {argv: [_value_expr(v, p) for v, p in variables.items()]},
        "changed_when": True,
    }
    if any(p["type"] == "secret" for p in variables.values()):
        task["no_log"] = True  # the command line carries the secret values
    return _yaml([task])


def _galaxy_tags(script: ScriptSpec) -> list[str]:
    tags = [re.sub(r"[^a-z0-9]", "", t.lower()) for t in (script.category, *script.tags)]
    return sorted({t for t in tags if t})[:20]


def _role_meta(script: ScriptSpec, spec: CollectionSpec) -> bytes:
    info = {
        "author": script.author or spec.authors[0],
        "description": (script.description or script.name).splitlines()[0][:255],
        "company": spec.authors[0],
        "license": spec.license,
        "min_ansible_version": REQUIRES_ANSIBLE.lstrip(">="),
        "galaxy_tags": _galaxy_tags(script),
    }
    return _yaml({"galaxy_info": info, "dependencies": []})


def _hub_meta(script: ScriptSpec, filename: str, variables: Mapping[str, dict[str, Any]]) -> bytes:
    data = {
        "script": {
            "name": script.name,
            "type": script.script_type,
            "file": filename,
            "description": script.description,
            "category": script.category,
            "tags": list(script.tags),
        },
        "parameters": {var: param["name"] for var, param in variables.items()},
        "parameter_types": {var: param["type"] for var, param in variables.items()},
    }
    return _yaml(data, "OPS Job library metadata, read back by its collection import.")


def role_files(role: str, script: ScriptSpec, spec: CollectionSpec) -> dict[str, bytes]:
    ext = SCRIPT_RUNTIME.get(script.script_type, (".sh", "bash"))[0]
    filename = f"{role}{ext}"
    variables = _variables(role, script.parameters)
    base = f"roles/{role}"
    files = {
        f"{base}/files/{filename}": script.content.encode(),
        f"{base}/meta/argument_specs.yml": _argument_specs(script, variables),
        f"{base}/meta/hub.yml": _hub_meta(script, filename, variables),
        f"{base}/meta/main.yml": _role_meta(script, spec),
        f"{base}/tasks/main.yml": _tasks(role, script, filename, variables),
    }
    if defaults := _defaults(variables):
        files[f"{base}/defaults/main.yml"] = _yaml(defaults)
    return files


def _galaxy_yml(spec: CollectionSpec) -> dict[str, Any]:
    return {
        "namespace": spec.namespace,
        "name": spec.name,
        "version": spec.version,
        "readme": "README.md",
        "authors": list(spec.authors),
        "description": spec.description,
        "license": [spec.license],
        "tags": ["tools"],
        "dependencies": {},
        "repository": spec.repository or f"https://example.invalid/{spec.namespace}/{spec.name}",
        "build_ignore": [],
    }


def _readme(spec: CollectionSpec, roles: list[tuple[str, ScriptSpec]]) -> bytes:
    fqcn = f"{spec.namespace}.{spec.name}"
    lines = [f"# {fqcn}", "", spec.description, "", "## Roles", ""]
    for role, script in roles:
        params = ", ".join(f"`{v}`" for v in _variables(role, script.parameters)) or "none"
        lines.append(
            f"- `{fqcn}.{role}`: {script.name} ({script.script_type}); variables: {params}"
        )
    example = roles[0][0] if roles else "ROLE"
    lines += [
        "",
        "## Using a role",
        "",
        "```yaml",
        "- name: Run a library script",
        "  hosts: all",
        "  roles:",
        f"    - role: {fqcn}.{example}",
        "```",
        "",
    ]
    return "\n".join(lines).encode()


def collection_files(spec: CollectionSpec, scripts: Iterable[ScriptSpec]) -> dict[str, bytes]:
    """Every file of the collection (relative path -> bytes), galaxy.yml included."""
    taken: set[str] = set()
    roles = [(role_name(s.name, taken), s) for s in sorted(scripts, key=lambda s: s.name)]
    files: dict[str, bytes] = {
        "galaxy.yml": _yaml(_galaxy_yml(spec)),
        "README.md": _readme(spec, roles),
        "CHANGELOG.md": f"# Changelog\n\n## {spec.version}\n\nExported from the OPS Job "
        f"script library ({len(roles)} scripts).\n".encode(),
        "meta/runtime.yml": _yaml({"requires_ansible": REQUIRES_ANSIBLE}),
    }
    for role, script in roles:
        files.update(role_files(role, script, spec))
    return files


def _entry(name: str, ftype: str, checksum: str | None = None) -> dict[str, Any]:
    # The shape of ansible.galaxy.collection._make_entry.
    return {
        "name": name,
        "ftype": ftype,
        "chksum_type": "sha256" if checksum else None,
        "chksum_sha256": checksum,
        "format": 1,
    }


def _files_manifest(files: Mapping[str, bytes]) -> dict[str, Any]:
    dirs = sorted({str(p) for path in files for p in PurePosixPath(path).parents} - {"."})
    entries = (
        [_entry(".", "dir")]
        + [_entry(d, "dir") for d in dirs]
        + [
            _entry(path, "file", hashlib.sha256(data).hexdigest())
            for path, data in sorted(files.items())
        ]
    )
    return {"files": entries, "format": 1}


_MANIFEST_KEYS = ("namespace", "name", "version", "authors", "readme", "tags", "description")


def _manifest(galaxy: Mapping[str, Any], files_json: bytes) -> dict[str, Any]:
    """MANIFEST.json from galaxy.yml's data, keyed as ansible-galaxy's _build_manifest."""
    info = {key: galaxy.get(key) for key in _MANIFEST_KEYS}
    info |= {
        "license": galaxy.get("license") or [],
        "license_file": galaxy.get("license_file"),
        "dependencies": galaxy.get("dependencies") or {},
        **{key: galaxy.get(key) for key in ("repository", "documentation", "homepage", "issues")},
    }
    return {
        "collection_info": info,
        "file_manifest_file": {
            "name": "FILES.json",
            "ftype": "file",
            "chksum_type": "sha256",
            "chksum_sha256": hashlib.sha256(files_json).hexdigest(),
            "format": 1,
        },
        "format": 1,
    }


def _add(
    tar: tarfile.TarFile, name: str, data: bytes | None = None, mode: int = _FILE_MODE
) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if data is None:
        info.type, info.mode = tarfile.DIRTYPE, _DIR_MODE
        tar.addfile(info)
    else:
        info.size, info.mode = len(data), mode
        tar.addfile(info, io.BytesIO(data))


def build_artifact(
    galaxy: Mapping[str, Any],
    files: Mapping[str, bytes],
    executable: frozenset[str] = frozenset(),
) -> bytes:
    """A collection artifact (.tar.gz) as `ansible-galaxy collection build` lays it out:
    MANIFEST.json and FILES.json (sha256 of every file) first, then every directory and
    file; fixed timestamps and owners, so the same input always gives the same bytes."""
    manifest = _files_manifest(files)
    files_json = json.dumps(manifest, indent=True).encode()
    manifest_json = json.dumps(_manifest(galaxy, files_json), indent=True).encode()
    raw = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        _add(tar, "MANIFEST.json", manifest_json)
        _add(tar, "FILES.json", files_json)
        for entry in manifest["files"][1:]:
            name = entry["name"]
            if entry["ftype"] != "file":
                _add(tar, name)
            else:
                _add(tar, name, files[name], _DIR_MODE if name in executable else _FILE_MODE)
    return raw.getvalue()


def build_collection(spec: CollectionSpec, scripts: Iterable[ScriptSpec]) -> bytes:
    """The library's collection artifact, byte-for-byte the same for the same input."""
    return build_artifact(_galaxy_yml(spec), collection_files(spec, scripts))
