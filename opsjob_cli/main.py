"""The `opsjob` command: log in with a token, list things, run plans and scripts, follow them.

Exit codes: 0 success, 1 the run failed (failed, partial, stopped, timeout, unreachable),
2 usage errors (also a request the hub refuses as invalid), 3 connection or auth errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from opsjob_cli.client import (
    CliError,
    Credentials,
    Hub,
    load_credentials,
    normalize_url,
    save_credentials,
)
from opsjob_cli.follow import show_events

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    url: str | None
    token: str | None
    as_json: bool

    def hub(self) -> Hub:
        return Hub(load_credentials(self.url, self.token))


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and (state := ctx.find_object(State)) is not None:
        state.as_json = True


def json_option(command: F) -> F:
    """--json after the command too (`opsjob hosts list --json`), as before it."""
    return click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        callback=_set_json,
        help="Machine-readable output: JSON on stdout.",
    )(command)


def _wants_json() -> bool:
    state = click.get_current_context().find_object(State)
    return bool(state and state.as_json)


class Cli(click.Group):
    """Turns CliError into a message on stderr (JSON with --json) and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            if _wants_json():
                click.echo(json.dumps({"error": exc.message, "exit_code": exc.exit_code}), err=True)
            else:
                click.echo(f"opsjob: {exc.message}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", help="Hub URL (default: OPSJOB_URL, then the saved login).")
@click.option("--token", help="API token or JWT (default: OPSJOB_TOKEN, then the saved login).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for any command.")
@click.version_option(package_name="opsjob-hub", prog_name="opsjob")
@click.pass_context
def cli(ctx: click.Context, url: str | None, token: str | None, as_json: bool) -> None:
    """OPS Job from the command line: list hosts, plans and runs; run plans and scripts
    and follow their live output.

    \b
    Exit codes: 0 success, 1 the run failed or partly failed,
    2 usage error, 3 connection or authentication error.
    """
    ctx.obj = State(url, token, as_json)


def _emit(data: Any, human: Callable[[], None]) -> None:
    if _wants_json():
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human()


def _table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], indent: str = ""
) -> None:
    cells = [
        [str(r.get(key) if r.get(key) is not None else "") for key, _ in columns] for r in rows
    ]
    widths = [
        max([len(title), *(len(c[i]) for c in cells)]) for i, (_, title) in enumerate(columns)
    ]
    for line in [[title for _, title in columns], *cells]:
        text = "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True))
        click.echo(indent + text.rstrip())


@cli.command()
@click.option("--url", required=True, help="The hub, e.g. https://opsjob.example.com")
@click.option("--token", prompt=True, hide_input=True, help="A personal API token (or a JWT).")
@json_option
def login(url: str, token: str) -> None:
    """Check the token against the hub and save URL and token (~/.config/opsjob, 0600)."""
    credentials = Credentials(normalize_url(url), token.strip())
    me = Hub(credentials).get("/api/auth/me/")
    path = save_credentials(credentials)
    result = {"url": credentials.url, "username": me.get("username"), "config": str(path)}
    saved = f"Logged in to {credentials.url} as {result['username']} (saved in {path})."
    _emit(result, lambda: click.echo(saved))


@cli.group()
def hosts() -> None:
    """Hosts of the inventory."""


@hosts.command("list")
@click.option("--search", default="", help="Name, address or description contains this.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@json_option
@click.pass_obj
def hosts_list(state: State, search: str, limit: int) -> None:
    """List hosts."""
    rows = state.hub().pages("/api/hosts/", limit=limit, search=search)
    columns = [
        ("id", "ID"),
        ("name", "NAME"),
        ("ip_address", "ADDRESS"),
        ("port", "PORT"),
        ("status", "STATUS"),
        ("account_name", "ACCOUNT"),
    ]
    _emit(rows, lambda: _table(rows, columns))


@cli.group()
def plans() -> None:
    """Execution plans."""


@plans.command("list")
@click.option("--search", default="")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@json_option
@click.pass_obj
def plans_list(state: State, search: str, limit: int) -> None:
    """List execution plans."""
    rows = state.hub().pages("/api/templates/plans/", limit=limit, search=search)
    columns = [
        ("id", "ID"),
        ("name", "NAME"),
        ("template_name", "TEMPLATE"),
        ("needs_sync", "NEEDS SYNC"),
    ]
    _emit(rows, lambda: _table(rows, columns))


@cli.group()
def executions() -> None:
    """Execution records."""


@executions.command("list")
@click.option("--status", default="", help="Only runs with this status (e.g. failed).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@json_option
@click.pass_obj
def executions_list(state: State, status: str, limit: int) -> None:
    """List recent executions, newest first."""
    rows = state.hub().pages("/api/executor/execution-records/", limit=limit, status=status)
    columns = [
        ("id", "ID"),
        ("status", "STATUS"),
        ("kind", "KIND"),
        ("name", "NAME"),
        ("created_by_name", "BY"),
        ("created_at", "CREATED"),
    ]
    _emit(rows, lambda: _table(rows, columns))


@executions.command("show")
@click.argument("execution_id", type=click.IntRange(1))
@json_option
@click.pass_obj
def executions_show(state: State, execution_id: int) -> None:
    """Show one execution: status, steps and every host's result."""
    detail = state.hub().get(f"/api/executor/execution-records/{execution_id}/")
    _emit(detail, lambda: _show_execution(detail))


def _show_execution(detail: dict[str, Any]) -> None:
    click.echo(f"execution {detail['id']}: {detail.get('name') or ''} [{detail.get('status')}]")
    for key in ("kind", "created_by_name", "started_at", "finished_at", "duration", "error"):
        if detail.get(key) not in (None, ""):
            click.echo(f"  {key}: {detail[key]}")
    for step in detail.get("steps") or []:
        click.echo(f"step {step.get('index')}: {step.get('name')} [{step.get('status')}]")
        _table(
            step.get("hosts") or [],
            [("host_name", "HOST"), ("status", "STATUS"), ("rc", "RC"), ("message", "MESSAGE")],
            indent="  ",
        )


@cli.group()
def run() -> None:
    """Run a plan or a quick script (and follow its live output)."""


def follow_option(command: F) -> F:
    return click.option(
        "--follow/--no-follow",
        default=True,
        show_default=True,
        help="Print the live output and exit with the run's result.",
    )(command)


def _parse_pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=option)
        pairs[key] = text
    return pairs


@run.command("plan")
@click.argument("plan_id", type=click.IntRange(1))
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Repeatable.")
@click.option("--concurrency", type=click.IntRange(1, 500), help="Hosts in parallel.")
@follow_option
@json_option
@click.pass_obj
def run_plan(
    state: State,
    plan_id: int,
    variables: tuple[str, ...],
    concurrency: int | None,
    follow: bool,
) -> None:
    """Run an execution plan, with variables overridden by --var NAME=VALUE."""
    body: dict[str, Any] = {"variables": _parse_pairs(variables, "--var")}
    if concurrency:
        body["concurrency"] = concurrency
    hub = state.hub()
    _launched(hub, hub.post(f"/api/templates/plans/{plan_id}/execute/", body), follow)


@run.command("script")
@click.option("--hosts", "host_names", default="", help="Host names, addresses or ids: h1,h2")
@click.option("--groups", "group_names", default="", help="Host group names or ids: g1,g2")
@click.option("--file", "script_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--content", help="The script itself.")
@click.option(
    "--type",
    "script_type",
    default="shell",
    show_default=True,
    help="shell, python, powershell, ...",
)
@click.option("--arg", "script_args", multiple=True, help="A positional argument. Repeatable.")
@click.option("--account", type=click.IntRange(1), help="Execution account id.")
@click.option("--timeout", type=click.IntRange(1, 86400), help="Seconds per host.")
@click.option("--concurrency", type=click.IntRange(1, 500), help="Hosts in parallel.")
@click.option("--name", default="", help="Name of the execution record.")
@follow_option
@json_option
@click.pass_obj
def run_script(
    state: State,
    host_names: str,
    group_names: str,
    script_file: Path | None,
    content: str | None,
    script_type: str,
    script_args: tuple[str, ...],
    account: int | None,
    timeout: int | None,
    concurrency: int | None,
    name: str,
    follow: bool,
) -> None:
    """Run a quick script (--file F or --content C) on hosts and/or groups."""
    if (script_file is None) == (content is None):
        raise click.UsageError("give the script with exactly one of --file or --content")
    if not host_names.strip() and not group_names.strip():
        raise click.UsageError("give the targets with --hosts and/or --groups")
    hub = state.hub()
    body: dict[str, Any] = {
        "target_host_ids": _resolve(hub, "/api/hosts/", host_names, ("name", "ip_address")),
        "target_group_ids": _resolve(hub, "/api/hosts/groups/", group_names, ("name",)),
        "script_content": script_file.read_text() if script_file else content,
        "script_type": script_type,
        "script_args": list(script_args),
        "name": name,
    }
    optional = {"account_id": account, "timeout": timeout, "concurrency": concurrency}
    body.update({k: v for k, v in optional.items() if v is not None})
    _launched(hub, hub.post("/api/quick/execute_script/", body), follow)


def _resolve(hub: Hub, path: str, names: str, fields: tuple[str, ...]) -> list[int]:
    """Ids of comma-separated names (a number is an id already)."""
    ids = []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        if name.isdigit():
            ids.append(int(name))
            continue
        found = [
            row["id"]
            for row in hub.pages(path, limit=500, search=name)
            if name in (row.get(f) for f in fields)
        ]
        if len(found) != 1:
            what = "no" if not found else f"{len(found)}"
            raise CliError(f"{what} {path.strip('/').split('/')[-1]} named {name!r}: use ids", 2)
        ids.extend(found)
    return ids


def _launched(hub: Hub, launch: dict[str, Any], follow: bool) -> None:
    execution_id = int(launch["execution_id"])
    wants_json = _wants_json()
    if not follow:
        _emit(launch, lambda: click.echo(execution_id))
        return
    if wants_json:
        click.echo(json.dumps({"kind": "launched", **launch}))
    else:
        click.echo(f"execution {execution_id} launched; following its output", err=True)
    try:
        transport = "sse" if os.environ.get("OPSJOB_FEED") == "sse" else "ws"
        code = show_events(hub.live_events(execution_id, transport=transport), as_json=wants_json)
    except KeyboardInterrupt:
        click.echo(f"\nstopped following; execution {execution_id} keeps running", err=True)
        raise click.exceptions.Exit(130) from None
    click.get_current_context().exit(code)


def main() -> None:
    cli(prog_name="opsjob")
