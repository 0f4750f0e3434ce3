"""Showing a run's live events: what scripts print, as `host | line`, on stdout (their
stderr on stderr), and progress (steps, host results, the end) on stderr.

Output arrives in chunks that may end mid-line; each host's chunks are joined per stream and
printed as whole lines as soon as a line is complete (the rest when the host finishes).
With --json every event is printed as it came, one JSON object per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import click

from opsjob_cli.client import EXIT_OK, EXIT_RUN_FAILED

SUCCESS = "success"


class LinePrinter:
    """Per host and stream buffers turning output chunks into whole lines."""

    def __init__(self, echo: Callable[[str, bool], None]) -> None:
        self.echo = echo  # (line, to_stderr)
        self.partial: dict[tuple[str, str], str] = {}

    def feed(self, host: str, text: str, stream: str = "stdout") -> None:
        *lines, rest = (self.partial.pop((host, stream), "") + text).split("\n")
        for line in lines:
            self.echo(f"{host} | {line}", stream == "stderr")
        if rest:
            self.partial[(host, stream)] = rest

    def flush(self, host: str | None = None) -> None:
        for key in [k for k in self.partial if host is None or k[0] == host]:
            self.echo(f"{key[0]} | {self.partial.pop(key)}", key[1] == "stderr")


def _echo(line: str, to_stderr: bool) -> None:
    click.echo(line, err=to_stderr)


def _progress(message: str) -> None:
    click.echo(message, err=True)


def show_events(events: Iterable[dict[str, Any]], *, as_json: bool) -> int:
    """Prints the events; the exit code for the run's final status (1 if no `end` came)."""
    printer = LinePrinter(_echo)
    status = ""
    for event in events:
        if as_json:
            click.echo(json.dumps(event, ensure_ascii=False))
        else:
            _show(event, printer)
        if event.get("kind") == "end":
            status = str(event.get("status") or "")
    printer.flush()
    return EXIT_OK if status == SUCCESS else EXIT_RUN_FAILED


def _show(event: dict[str, Any], printer: LinePrinter) -> None:
    kind, host = event.get("kind"), str(event.get("host") or "")
    if kind == "output":
        printer.feed(host, str(event.get("text") or ""), str(event.get("stream") or "stdout"))
    elif kind == "host_result":
        if text := str(event.get("text") or ""):  # output not streamed live (file steps)
            printer.feed(host, text + "\n")
        printer.flush(host)
        _progress(_host_result(event))
    elif kind in ("step_start", "batch_start"):
        _progress(f"== {event.get('text') or 'step ' + str(event.get('step'))}")
    elif kind == "log" and event.get("text"):
        _progress(f"{host or 'hub'} ! {event['text']}")
    elif kind == "output_skipped":
        return
    elif kind == "end":
        printer.flush()
        _progress(_end(event))


def _host_result(event: dict[str, Any]) -> str:
    rc = event.get("rc")
    line = f"{event.get('host')}: {event.get('status')}" + (f" (rc {rc})" if rc is not None else "")
    return line + (f": {event['msg']}" if event.get("msg") else "")


def _end(event: dict[str, Any]) -> str:
    summary = event.get("summary") or {}
    counts = ", ".join(f"{v} {k}" for k, v in summary.items() if isinstance(v, int) and v)
    error = f": {event['text']}" if event.get("text") else ""
    return f"finished: {event.get('status')}" + (f" ({counts})" if counts else "") + error
