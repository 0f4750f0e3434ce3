"""Turning a frozen execution spec into the compiler's input, and the project into files.

Reads the hosts and accounts as they are at run time; secrets go to files that live only
in the run's private directory (0600) and are removed with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings

from hub.core.outbound import git_config_args
from hub.core.paths import UnsafePath, safe_join
from hub.executions.models import Execution
from hub.inventory.choices import AuthType
from hub.inventory.models import Account, Host
from hub.jobs.compiler import (
    ConnectionSpec,
    CopyFrom,
    FileSpec,
    HostSpec,
    PlaybookError,
    ProjectSpec,
    SecretArg,
    StepSpec,
    compile_project,
    step_secret_var,
)
from hub.jobs.services import stored_file_path
from hub.system.services import get_setting


@dataclass(frozen=True)
class BuiltProject:
    spec: ProjectSpec
    secrets: dict[str, str]
    keys: dict[str, str]  # relative key file path -> unencrypted private key text


def _unlocked_key(account: Account) -> str:
    """The private key without passphrase, so ssh never prompts (file lives only for the run)."""
    if not account.passphrase:
        return account.private_key.strip() + "\n"
    data = account.private_key.strip().encode() + b"\n"
    password = account.passphrase.encode()
    key: Any
    try:
        key = serialization.load_ssh_private_key(data, password=password)
    except ValueError:
        key = serialization.load_pem_private_key(data, password=password)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()


def _connection(
    account: Account, keys: dict[str, str] | None, secrets: dict[str, str]
) -> ConnectionSpec:
    """An account as the compiler's connection; its key file is relative to the project
    (ansible-runner runs in project/), written only when `keys` is given (a run)."""
    key = f"acct_{account.pk}"
    key_file = ""
    if account.auth_type == AuthType.KEY:
        key_file = f"keys/{key}"
        if keys is not None:
            keys[key_file] = _unlocked_key(account)
    if account.auth_type == AuthType.PASSWORD and account.password:
        secrets[f"{key}_password"] = account.password
    if account.become and account.become_password:
        secrets[f"{key}_become_password"] = account.become_password
    return ConnectionSpec(
        key=key,
        user=account.username,
        auth=account.auth_type,
        key_file=key_file,
        has_password=account.auth_type == AuthType.PASSWORD and bool(account.password),
        become=account.become,
        become_method=account.become_method,
        become_user=account.become_user,
        has_become_password=bool(account.become_password),
    )


def _clone(url: str, ref: str, target: Path) -> None:
    """A shallow checkout of a git repository the hub can reach (no prompts, 2 min max)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "git",
        *git_config_args(url),  # the outbound policy: checked, pinned, no redirects
        "clone",
        "--quiet",
        "--depth",
        "1",
        *(["--branch", ref] if ref else []),
        "--",
        url,
        str(target),
    ]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    if result.returncode != 0:
        raise PlaybookError(f"git clone of {url} failed: {result.stderr.strip()[-500:]}")


def _read_checked(checkout: Path, relative: PurePosixPath) -> str:
    """The playbook's text; a path (or a symlink in the repository) leading out is refused."""
    try:
        path = safe_join(checkout, str(relative))
    except UnsafePath as exc:
        raise PlaybookError(f"the playbook path must stay inside the repository: {exc}") from exc
    return path.read_text(encoding="utf-8")


def _playbook_source(data: dict[str, Any], private_dir: Path | None) -> dict[str, str]:
    """Text and project path of a playbook step's playbook (uploaded, or from git)."""
    folder = f"playbooks/step_{data['index']}"
    if data.get("kind") == "playbook" and data.get("playbook_entry"):
        return _library_playbook(data, folder)
    source = data.get("playbook")
    if data.get("kind") != "playbook" or not source:
        return {}
    if source.get("file_id"):
        text = stored_file_path(source["file_id"]).read_text(encoding="utf-8")
        return {"playbook": text, "playbook_path": f"{folder}/playbook.yml"}
    relative = PurePosixPath(source.get("path") or "playbook.yml")
    if relative.is_absolute() or ".." in relative.parts:
        raise PlaybookError("the playbook path must be relative to the repository")
    if private_dir is not None:
        checkout = private_dir / "project" / folder
        _clone(source["url"], source.get("ref", ""), checkout)
        text = _read_checked(checkout, relative)
    else:
        with tempfile.TemporaryDirectory() as temp:
            _clone(source["url"], source.get("ref", ""), Path(temp) / "repo")
            text = _read_checked(Path(temp) / "repo", relative)
    return {"playbook": text, "playbook_path": f"{folder}/{relative}"}


def _library_playbook(data: dict[str, Any], folder: str) -> dict[str, Any]:
    """A library playbook entry's playbook, files and typed variables, as frozen by the
    launch (the version it references; versions are immutable)."""
    from hub.scripts.models import ScriptVersion

    version_id = data["playbook_entry"].get("version_id")
    version = ScriptVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise PlaybookError(f"the library playbook (version {version_id}) no longer exists")
    return {
        "playbook": version.content,
        "playbook_path": f"{folder}/playbook.yml",
        "project_files": dict(version.files or {}),
        "variables": dict(data.get("variables") or {}),
    }


def _argument(raw: Any) -> str | SecretArg:
    """A frozen argument: plain text, or {"secret": NAME} standing for a secret's value."""
    if isinstance(raw, dict):
        return SecretArg(str(raw.get("secret", "")))
    return str(raw)


def _step_spec(data: dict[str, Any], hosts: dict[int, Host], private_dir: Path | None) -> StepSpec:
    """One frozen step of Execution.spec as the compiler's StepSpec."""
    return StepSpec(
        index=data["index"],
        name=data["name"],
        kind=data["kind"],
        hosts=tuple(hosts[i].name for i in data["host_ids"] if i in hosts),
        connection=f"acct_{data['account_id']}" if data.get("account_id") else "",
        script_type=data.get("script_type", "shell"),
        content=data.get("content", ""),
        env=data.get("env", {}),
        secret_env=tuple(data.get("secret_env", [])),
        required_secrets=tuple(data.get("required_secrets", [])),
        argv=tuple(_argument(a) for a in data.get("argv", [])),
        timeout=data.get("timeout", 0),
        ignore_errors=data.get("ignore_errors", False),
        batch=data.get("batch", ""),
        failure_policy=data.get("failure_policy", "stop"),
        files=tuple(
            FileSpec(f["name"], str(stored_file_path(f["id"]))) for f in data.get("files", [])
        ),
        destination=data.get("destination", ""),
        fetch_path=data.get("fetch_path", ""),
        **_playbook_source(data, private_dir),
    )


def build_project(
    execution: Execution, *, private_dir: Path | None, fetch_dir: str = "fetched"
) -> BuiltProject:
    """The ProjectSpec of an execution (private_dir None: an export, keys left out)."""
    steps_data: list[dict[str, Any]] = execution.spec.get("steps", [])
    step_secrets: dict[str, dict[str, str]] = (
        json.loads(execution.secret_spec) if execution.secret_spec else {}
    )
    host_ids = {i for s in steps_data for i in s["host_ids"]}
    hosts = {h.pk: h for h in Host.objects.filter(pk__in=host_ids).select_related("account")}
    account_ids = {s.get("account_id") for s in steps_data} | {h.account_id for h in hosts.values()}
    accounts = {
        a.pk: a for a in Account.objects.filter(pk__in=[i for i in account_ids if i is not None])
    }
    keys: dict[str, str] = {}
    secrets: dict[str, str] = {}
    key_texts = keys if private_dir is not None else None
    connections = [_connection(a, key_texts, secrets) for a in accounts.values()]
    host_specs = [
        HostSpec(
            name=h.name,
            address=h.ip_address,
            port=h.port,
            os_type=h.os_type,
            connection=f"acct_{h.account_id}" if h.account_id else "",
            key=str(h.pk),
        )
        for h in sorted(hosts.values(), key=lambda h: h.name)
    ]
    steps = []
    for data in steps_data:
        step = _step_spec(data, hosts, private_dir)
        for name, value in step_secrets.get(str(step.index), {}).items():
            if name in step.secret_env:
                secrets[step_secret_var(step, name)] = value
        steps.append(step)
    spec = ProjectSpec(
        name=execution.name,
        hosts=tuple(host_specs),
        connections=tuple(connections),
        steps=tuple(steps),
        forks=execution.forks,
        fetch_dir=fetch_dir,
        python_interpreter=str(get_setting("execution.python_interpreter")),
    )
    return BuiltProject(spec=spec, secrets=secrets, keys=keys)


def write_project(target: Path, files: dict[str, str], keys: dict[str, str]) -> None:
    """Writes compiled files (and key files) under target; secrets and keys are 0600."""
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    for relative, content in {**files, **keys}.items():
        path = safe_join(target, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, CopyFrom):
            shutil.copyfile(content, path)
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)


RUNNER_SETTINGS = {"pexpect_timeout": 0.25, "suppress_ansible_output": True}


def write_runner_dir(
    private_dir: Path,
    files: dict[str, str],
    keys: dict[str, str],
    envvars: dict[str, str],
    runner_settings: dict[str, Any] | None = None,
) -> None:
    """An ansible-runner private data dir: project/ (the compiled project, relative key
    paths), inventory/ (the same hosts file), env/envvars and env/settings.

    `envvars` must hold no secret: what only a live run needs (its Redis URL with the
    password) is passed to ansible-runner in memory, never written here.
    """
    write_project(private_dir / "project", files, keys)
    extra = {"inventory/hosts.yml": files["inventory/hosts.yml"]}
    extra["env/envvars"] = json.dumps(envvars, indent=2, sort_keys=True) + "\n"
    chosen = RUNNER_SETTINGS if runner_settings is None else runner_settings
    extra["env/settings"] = json.dumps(chosen, indent=2) + "\n"
    write_project(private_dir, extra, {})


def compile_for_run(
    execution: Execution, private_dir: Path, fetch_dir: Path, envvars: dict[str, str]
) -> BuiltProject:
    built = build_project(execution, private_dir=private_dir, fetch_dir=str(fetch_dir))
    files = compile_project(built.spec, mode="run", secrets=built.secrets)
    write_runner_dir(private_dir, files, built.keys, envvars)
    return built


def run_root() -> Path:
    root = Path(settings.EXECUTION_WORK_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root
