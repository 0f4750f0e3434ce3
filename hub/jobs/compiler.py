"""The compiler: a job (quick script, file transfer, plan) in, an Ansible project out.

Pure: plain data in (ProjectSpec), a map of relative path -> file content out; no
database, no clock, no randomness, so the same input gives the same files. The worker
writes the files into a private_data_dir and runs them; "export" zips the same files.

Layout of a compiled project:
  playbook.yml        one play per step (`hosts: step_N`, `serial`, `ignore_errors`, timeout)
  ansible.cfg         fast SSH defaults (pipelining, ControlPersist, no fact gathering)
  inventory/hosts.yml every host with its connection vars; one group per step
  vars/step_N.yml     the step's environment and arguments, marked !unsafe (never templated);
                      secret ones refer to vars/secrets.yml by name
  vars/secrets.yml    passwords and secret values (run: real, 0600; export: one blank per
                      secret name, to fill in or vault; required ones are asserted non-empty)
  files/step_N.<ext>  the step's script; files/step_N/<name> files to push (export)
  playbooks/step_N/   a playbook step's playbook (its plays confined to the step's hosts)
                      and, for a library playbook entry, its files (the roles it applies);
                      its typed parameters are play variables from vars/step_N.yml
  collections/        collections that library playbook entries bring (imported roles)
  keys/<account>      private keys (run only)

User text never becomes Jinja: values go to vars files as !unsafe, names lose braces.
Secrets never reach a command line in a hub run: hub.ops.live_script takes the environment
and the arguments as module options and hands them to the target over stdin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

import yaml

Mode = Literal["run", "export"]

SCRIPT_RUNTIME = {  # script type -> (file extension, interpreter on POSIX targets)
    "shell": (".sh", "bash"),
    "python": (".py", "python3"),
    "perl": (".pl", "perl"),
    "powershell": (".ps1", "pwsh"),
    "batch": (".bat", ""),
}


@dataclass(frozen=True)
class ConnectionSpec:
    """An execution account as the inventory needs it; secrets are referenced, not held."""

    key: str
    user: str
    auth: str = "key"
    key_file: str = ""
    has_password: bool = False
    become: bool = False
    become_method: str = "sudo"
    become_user: str = "root"
    has_become_password: bool = False


@dataclass(frozen=True)
class HostSpec:
    """A target; `key` ([A-Za-z0-9_-], e.g. the host id) names its folder of fetched files."""

    name: str
    address: str
    port: int = 22
    os_type: str = "linux"
    connection: str = ""
    key: str = ""


@dataclass(frozen=True)
class SecretArg:
    """A positional argument whose value is the step's secret environment value `name`."""

    name: str


@dataclass(frozen=True)
class FileSpec:
    name: str
    source: str


@dataclass(frozen=True)
class StepSpec:
    index: int
    name: str
    kind: str
    hosts: tuple[str, ...]
    connection: str = ""
    script_type: str = "shell"
    content: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: tuple[str, ...] = ()
    required_secrets: tuple[str, ...] = ()
    argv: tuple[str | SecretArg, ...] = ()
    timeout: int = 0
    ignore_errors: bool = False
    batch: str = ""
    failure_policy: str = "stop"
    files: tuple[FileSpec, ...] = ()
    destination: str = ""
    fetch_path: str = ""
    playbook: str = ""
    playbook_path: str = ""
    # A library playbook entry's typed parameters (name -> value) and the files next to its
    # playbook (path -> text). Annotated Any because hub.executions.project unpacks a
    # dict[str, str] into StepSpec, which mypy checks against every field left unnamed.
    variables: Any = field(default_factory=dict)
    project_files: Any = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    hosts: tuple[HostSpec, ...]
    connections: tuple[ConnectionSpec, ...]
    steps: tuple[StepSpec, ...]
    forks: int = 20
    python_interpreter: str = "auto_silent"
    fetch_dir: str = "fetched"


class CopyFrom(str):
    """A project file whose bytes come from this controller path (the writer copies it)."""


class _Unsafe(str):
    pass


class _Dumper(yaml.SafeDumper):
    """Indents sequences inside mappings, the layout yamllint and ansible-lint expect."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


# An empty !unsafe scalar reaches modules as None in ansible-core 2.19 (a script then reads
# the word "None"): an empty string holds no Jinja, so it is written plain.
_Dumper.add_representer(
    _Unsafe, lambda d, v: d.represent_scalar("!unsafe", str(v)) if v else d.represent_str("")
)
_Dumper.add_representer(CopyFrom, lambda d, v: d.represent_str(str(v)))


class _Tagged:
    """A value under a custom YAML tag (!vault, !unsafe...) in a user playbook, kept as is."""

    def __init__(self, tag: str, node: yaml.Node) -> None:
        self.tag, self.node = tag, node


class _PlaybookLoader(yaml.SafeLoader):
    pass


_PlaybookLoader.add_multi_constructor("!", lambda loader, suffix, node: _Tagged("!" + suffix, node))
_Dumper.add_representer(_Tagged, lambda dumper, value: value.node)


class PlaybookError(ValueError):
    """A user playbook the hub cannot run as a step."""


def _user_plays(text: str) -> list[dict[str, Any]]:
    try:
        plays = yaml.load(text, Loader=_PlaybookLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise PlaybookError(f"not valid YAML: {exc}") from exc
    if not isinstance(plays, list) or not plays or not all(isinstance(p, dict) for p in plays):
        raise PlaybookError("a playbook is a non-empty list of plays")
    for play in plays:
        if "hosts" not in play:
            raise PlaybookError("every play needs hosts (imports are not supported in steps)")
    return plays


def check_playbook(text: str) -> None:
    """Raises PlaybookError when text is not a playbook a step can run."""
    _user_plays(text)


def _yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def _jinja(expression: str) -> str:
    """A Jinja expression of our own making (never user text: that goes in as !unsafe)."""
    return "{{ " + expression + " }}"


def _clean_name(text: str) -> str:
    """Names are templated by Ansible: no braces or percent signs may reach them."""
    return re.sub(r"[{}%]", "", " ".join(text.split()))[:200].strip() or "Unnamed"


def _unsafe_map(values: Mapping[str, Any]) -> dict[str, _Unsafe]:
    return {str(k): _Unsafe(v if isinstance(v, str) else str(v)) for k, v in values.items()}


def _typed_unsafe(value: Any) -> Any:
    """A typed value for a playbook: strings inside it !unsafe, booleans and numbers kept."""
    if isinstance(value, str):
        return _Unsafe(value)
    if isinstance(value, list | tuple):
        return [_typed_unsafe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _typed_unsafe(v) for k, v in value.items()}
    return value


def step_secret_var(step: StepSpec, env_name: str) -> str:
    """The vars/secrets.yml variable holding a step's secret value in a hub run."""
    return f"step_{step.index}_secret_{step.secret_env.index(env_name) + 1}"


def export_secret_vars(spec: ProjectSpec) -> dict[str, str]:
    """Secret name -> its vars/secrets.yml variable in an export: one per name, shared by
    the steps; `secret_<name>` in lowercase (ansible-lint's rule), numbered on a clash."""
    names: dict[str, str] = {}
    for step in spec.steps:
        for env in step.secret_env:
            if env in names:
                continue
            var, n = f"secret_{env.lower()}", 2
            while var in names.values():
                var, n = f"secret_{env.lower()}_{n}", n + 1
            names[env] = var
    return names


def _secret_var(step: StepSpec, env_name: str, exported: Mapping[str, str] | None) -> str:
    """A step secret's variable: per step in a run, per name (`exported`) in an export."""
    return step_secret_var(step, env_name) if exported is None else exported[env_name]


def secret_names(spec: ProjectSpec, mode: Mode = "run") -> list[str]:
    """The variables vars/secrets.yml defines: account secrets, then step secrets."""
    names = []
    for conn in spec.connections:
        if conn.has_password:
            names.append(f"{conn.key}_password")
        if conn.has_become_password:
            names.append(f"{conn.key}_become_password")
    if mode == "export":
        return names + list(export_secret_vars(spec).values())
    for step in spec.steps:
        names.extend(step_secret_var(step, env) for env in step.secret_env)
    return names


def _connection_vars(conn: ConnectionSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"ansible_user": conn.user}
    if conn.auth == "key" and conn.key_file:
        data["ansible_ssh_private_key_file"] = conn.key_file
    if conn.has_password:
        data["ansible_password"] = "{{ " + conn.key + "_password }}"
    if conn.become:
        data.update(
            ansible_become=True,
            ansible_become_method=conn.become_method,
            ansible_become_user=conn.become_user,
        )
        if conn.has_become_password:
            data["ansible_become_password"] = "{{ " + conn.key + "_become_password }}"
    return data


def host_key(host: HostSpec, position: int) -> str:
    """The host's folder name for fetched files: its key when it is safe, else its position."""
    return host.key if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", host.key) else f"host{position}"


def _inventory(spec: ProjectSpec) -> dict[str, Any]:
    connections = {c.key: c for c in spec.connections}
    hosts: dict[str, Any] = {}
    for position, host in enumerate(spec.hosts, start=1):
        data: dict[str, Any] = {
            "ansible_host": host.address,
            "ansible_port": host.port,
            "hub_os": host.os_type,
            "hub_host_key": host_key(host, position),
        }
        if host.os_type == "windows":
            data.update(
                ansible_connection="winrm",
                ansible_winrm_transport="ntlm",
                ansible_winrm_server_cert_validation="ignore",
            )
        if host.connection in connections:
            data.update(_connection_vars(connections[host.connection]))
        hosts[host.name] = data
    groups = {f"step_{s.index}": {"hosts": {name: None for name in s.hosts}} for s in spec.steps}
    return {
        "all": {
            "vars": {"ansible_python_interpreter": spec.python_interpreter},
            "hosts": hosts,
            "children": groups,
        }
    }


def _script_task(step: StepSpec, mode: Mode, windows: bool, mixed: bool = True) -> dict[str, Any]:
    ext, interpreter = SCRIPT_RUNTIME.get(step.script_type, (".sh", "bash"))
    script = f"step_{step.index}{ext}"
    base: dict[str, Any] = {"name": f"Run script - {_clean_name(step.name)}"}
    live = mode == "run" and not windows
    if live:  # environment and arguments go to the target over stdin, never on a command line
        base["hub.ops.live_script"] = {
            "script": script,
            "executable": interpreter,
            "argv": _jinja(f"step_{step.index}_argv"),
            "timeout": step.timeout,
        }
        if step.env:
            base["hub.ops.live_script"]["env"] = _jinja(f"step_{step.index}_env")
        if step.secret_env:
            base["hub.ops.live_script"]["secret_env"] = _jinja(f"step_{step.index}_secret_env")
    else:
        args: dict[str, Any] = {
            "cmd": f"{script} " + _jinja(f"step_{step.index}_argv | map('quote') | join(' ')")
        }
        if interpreter and not windows:
            args["executable"] = interpreter
        base["ansible.builtin.script"] = args
        if step.timeout:
            base["timeout"] = step.timeout
    if not live and (step.env or step.secret_env):  # templated per host: only when needed
        base["environment"] = _jinja(
            f"step_{step.index}_env | combine(step_{step.index}_secret_env)"
        )
    if windows:
        base["when"] = "hub_os == 'windows'"
    elif mode == "run" and mixed:
        base["when"] = "hub_os != 'windows'"
    return base


def _file_task(step: StepSpec) -> dict[str, Any]:
    name = _clean_name(step.name)
    if step.kind == "file_fetch":
        return {
            "name": f"Fetch files - {name}",
            "ansible.builtin.fetch": {
                "src": _jinja(f"step_{step.index}_fetch_path"),
                "dest": "{{ hub_fetch_dir }}/{{ hub_host_key }}/",
                "flat": True,
            },
        }
    return {
        "name": f"Push files - {name}",
        "ansible.builtin.copy": {
            "src": "{{ item.src }}",
            "dest": "{{ item.dest }}",
            "mode": "preserve",
        },
        "loop": _jinja(f"step_{step.index}_files"),
        "loop_control": {"label": "{{ item.dest }}"},
    }


def _secret_checks(step: StepSpec, exported: Mapping[str, str]) -> list[dict[str, Any]]:
    """Export only: stop with a clear message when a required secret was left empty."""
    checks = []
    for env in step.required_secrets:
        var = exported[env]
        checks.append(
            {
                "name": f"Check that {var} is set",
                "ansible.builtin.assert": {
                    "that": [f"{var} | string | length > 0"],
                    "fail_msg": f"{var} is required: set it in vars/secrets.yml",
                    "quiet": True,
                },
            }
        )
    return checks


def _play(
    step: StepSpec, spec: ProjectSpec, mode: Mode, exported: Mapping[str, str] | None
) -> dict[str, Any]:
    play: dict[str, Any] = {
        "name": f"Step {step.index} - {_clean_name(step.name)}",
        "hosts": f"step_{step.index}",
        "gather_facts": False,
    }
    if step.batch:
        play["serial"] = int(step.batch) if step.batch.isdigit() else step.batch
        if step.failure_policy == "stop":
            play["max_fail_percentage"] = 0
    play["vars_files"] = ["vars/secrets.yml", f"vars/step_{step.index}.yml"]
    play["vars"] = {
        "hub_step": step.index,
        "hub_failure_policy": step.failure_policy,
        "hub_fetch_dir": spec.fetch_dir,
    }
    connections = {c.key: c for c in spec.connections}
    if step.connection in connections:
        play["vars"].update(_connection_vars(connections[step.connection]))
    if step.kind == "script":
        os_types = {h.os_type for h in spec.hosts if h.name in step.hosts}
        mixed = "windows" in os_types
        tasks = (
            [_script_task(step, mode, windows=False, mixed=mixed)] if os_types - {"windows"} else []
        )
        if "windows" in os_types:
            tasks.append(_script_task(step, mode, windows=True))
    elif step.kind == "playbook":
        return {"ansible.builtin.import_playbook": step.playbook_path}
    elif step.kind == "ping":
        tasks = [
            {
                "name": "Check connection",
                "ansible.builtin.raw": "echo hub-connection-ok",
                "changed_when": False,
            }
        ]
    else:
        tasks = [_file_task(step)]
        if step.timeout:
            tasks[0]["timeout"] = step.timeout
    for task in tasks:
        task["register"] = f"step_{step.index}_result"
        if step.ignore_errors:
            task["ignore_errors"] = True
    play["tasks"] = (_secret_checks(step, exported) if exported is not None else []) + tasks
    return play


def _argument(step: StepSpec, arg: str | SecretArg, exported: Mapping[str, str] | None) -> str:
    if not isinstance(arg, SecretArg):
        return _Unsafe(arg)
    if arg.name not in step.secret_env:
        return ""
    return _jinja(_secret_var(step, arg.name, exported))


def _step_vars(step: StepSpec, exported: Mapping[str, str] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"step_{step.index}_env": _unsafe_map(step.env),
        f"step_{step.index}_argv": [_argument(step, a, exported) for a in step.argv],
        f"step_{step.index}_secret_env": {
            env: _jinja(_secret_var(step, env, exported)) for env in step.secret_env
        },
    }
    if step.kind == "playbook":  # a library playbook's parameters: typed play variables
        data.update({name: _typed_unsafe(value) for name, value in step.variables.items()})
        data.update({env: _jinja(_secret_var(step, env, exported)) for env in step.secret_env})
    if step.kind == "file_fetch":
        data[f"step_{step.index}_fetch_path"] = _Unsafe(step.fetch_path)
    if step.kind == "file_push":
        destination = PurePosixPath(step.destination)
        data[f"step_{step.index}_files"] = [
            {
                "src": _Unsafe(f"step_{step.index}/{f.name}"),
                "dest": _Unsafe(str(destination / f.name)),
            }
            for f in step.files
        ]
    return data


def _secrets_file(spec: ProjectSpec, secrets: Mapping[str, str], mode: Mode) -> str:
    names = secret_names(spec, mode)
    values = {n: (secrets.get(n, "") if mode == "run" else "") for n in names}
    data: dict[str, Any] = {name: _Unsafe(value) for name, value in values.items()}
    if mode == "run":
        data["hub_mask"] = [_Unsafe(v) for v in sorted(set(values.values())) if v]
    header = (
        "# Secrets of this run: lives 0600 in the run's private dir, removed after.\n"
        if mode == "run"
        else "# Fill in these secrets before running, as !unsafe 'value' so that no value is\n"
        "# templated (or encrypt this file: ansible-vault encrypt vars/secrets.yml).\n"
    )
    return header + _yaml(data)


def _ansible_cfg(spec: ProjectSpec) -> str:
    return "\n".join(
        [
            "[defaults]",
            "inventory = inventory/hosts.yml",
            f"forks = {spec.forks}",
            "gathering = explicit",
            "host_key_checking = False",
            "retry_files_enabled = False",
            "interpreter_python = auto_silent",
            "timeout = 10",
            "",
            "[ssh_connection]",
            "pipelining = True",
            "ssh_args = -o ControlMaster=auto -o ControlPersist=60s "
            "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
            "",
        ]
    )


def _rewrite_playbook(step: StepSpec, spec: ProjectSpec) -> list[dict[str, Any]]:
    """The user's plays, confined to the step's targets and named for the hub's events.

    `hosts` becomes "<original>:&step_N" (the intersection), names get the "Step N - "
    prefix, and the hub's step vars and secrets file are added; tasks stay untouched.
    """
    depth = len(PurePosixPath(step.playbook_path).parent.parts)
    back = "../" * depth
    connections = {c.key: c for c in spec.connections}
    plays = []
    for number, play in enumerate(_user_plays(step.playbook), start=1):
        hosts = play.get("hosts")
        pattern = ":".join(hosts) if isinstance(hosts, list) else str(hosts)
        rewritten = {
            **play,
            "name": f"Step {step.index} - {_clean_name(str(play.get('name') or f'play {number}'))}",
            "hosts": f"{pattern}:&step_{step.index}",
        }
        play_vars = dict(play.get("vars") or {}) if isinstance(play.get("vars"), dict) else {}
        play_vars.update(hub_step=step.index, hub_failure_policy=step.failure_policy)
        if step.connection in connections:
            play_vars.update(_connection_vars(connections[step.connection]))
        rewritten["vars"] = play_vars
        extra = play.get("vars_files") or []
        rewritten["vars_files"] = [
            f"{back}vars/secrets.yml",
            *([f"{back}vars/step_{step.index}.yml"] if step.variables or step.secret_env else []),
            *(extra if isinstance(extra, list) else [extra]),
        ]
        plays.append(rewritten)
    return plays


def _playbook_files(step: StepSpec) -> dict[str, str]:
    """A library playbook's files, e.g. the roles it applies, next to its playbook; a
    collection it brings goes to the project's collections/ (Ansible looks for collections
    next to the top-level playbook only)."""
    folder = PurePosixPath(step.playbook_path).parent
    out = {}
    for relative, text in step.project_files.items():
        path = PurePosixPath(relative)
        target = path if path.parts[:1] == ("collections",) else folder / path
        if path.is_absolute() or ".." in path.parts or target == PurePosixPath(step.playbook_path):
            raise PlaybookError(f"a playbook's file may not be at {relative!r}")
        out[str(target)] = text
    return out


def _add_files(files: dict[str, str], more: Mapping[str, str]) -> None:
    """Steps may share a collection's files, never with different contents."""
    for path, text in more.items():
        if files.setdefault(path, text) != text:
            raise PlaybookError(f"two steps bring different copies of {path}")


def compile_project(
    spec: ProjectSpec, *, mode: Mode = "run", secrets: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every file of the project: relative path -> text (CopyFrom: copy that file)."""
    exported = export_secret_vars(spec) if mode == "export" else None
    files: dict[str, str] = {
        "playbook.yml": "---\n" + _yaml([_play(s, spec, mode, exported) for s in spec.steps]),
        "ansible.cfg": _ansible_cfg(spec),
        "inventory/hosts.yml": "---\n" + _yaml(_inventory(spec)),
        "vars/secrets.yml": "---\n" + _secrets_file(spec, secrets or {}, mode),
    }
    for step in spec.steps:
        files[f"vars/step_{step.index}.yml"] = "---\n" + _yaml(_step_vars(step, exported))
        if step.kind == "playbook":
            files[step.playbook_path] = "---\n" + _yaml(_rewrite_playbook(step, spec))
            _add_files(files, _playbook_files(step))
        if step.kind == "script":
            ext = SCRIPT_RUNTIME.get(step.script_type, (".sh", ""))[0]
            files[f"files/step_{step.index}{ext}"] = step.content
        for item in step.files:
            files[f"files/step_{step.index}/{item.name}"] = CopyFrom(item.source)
    return files


@dataclass(frozen=True)
class Leftover:
    """What a live_script left on a host when its run was lost: the name of its private dir
    (which holds its pid) and how many bytes of its stdout/stderr the hub already has."""

    directory: str
    stdout_offset: int = 0
    stderr_offset: int = 0


def compile_cleanup(
    spec: ProjectSpec,
    leftovers: Mapping[int, Mapping[str, Leftover]],
    *,
    secrets: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A project that finishes what a lost run left on its hosts: step -> host -> leftover.

    One play per step (its connection: the same user and become as the script had) with
    one hub.ops.live_script_stop task: it stops the script if it still runs, publishes the
    output written since the offsets (masked) and removes its dir. No Python on the target.
    """
    connections = {c.key: c for c in spec.connections}
    plays = []
    for step in spec.steps:
        left = {
            host: {
                "dir": _Unsafe(item.directory),
                "stdout_offset": item.stdout_offset,
                "stderr_offset": item.stderr_offset,
            }
            for host, item in leftovers.get(step.index, {}).items()
            if host in step.hosts
        }
        if not left:
            continue
        play_vars: dict[str, Any] = {"hub_step": step.index, "hub_cleanup": left}
        if step.connection in connections:
            play_vars.update(_connection_vars(connections[step.connection]))
        options = ("dir", "stdout_offset", "stderr_offset")
        task = {
            "name": "Stop the script of a lost run and keep its output",
            "hub.ops.live_script_stop": {
                name: f"{{{{ hub_cleanup[inventory_hostname].{name} }}}}" for name in options
            },
            "when": "inventory_hostname in hub_cleanup",
            "ignore_errors": True,
            "ignore_unreachable": True,
        }
        plays.append(
            {
                "name": f"Cleanup of step {step.index}",
                "hosts": f"step_{step.index}",
                "gather_facts": False,
                "vars_files": ["vars/secrets.yml"],
                "vars": play_vars,
                "tasks": [task],
            }
        )
    return {
        "playbook.yml": "---\n" + _yaml(plays),
        "ansible.cfg": _ansible_cfg(spec),
        "inventory/hosts.yml": "---\n" + _yaml(_inventory(spec)),
        "vars/secrets.yml": "---\n" + _secrets_file(spec, secrets or {}, "run"),
    }
