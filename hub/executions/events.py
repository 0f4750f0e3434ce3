"""Reducing ansible-runner events to the small per-host records the hub streams.

Pure functions of the event dict (plus a tiny state: which play is which step), so
the runner's event handler does almost nothing: reduce, append to the stream, return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.executions.choices import EventKind

PLAY_NAME = re.compile(r"^Step (\d+) - ")
HOST_RESULT_EVENTS = {
    "runner_on_ok": "success",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
}
LOG_EVENTS = {
    "verbose",
    "warning",
    "error",
    "deprecated",
    "system_warning",
    "playbook_on_no_hosts_matched",
}
AUTH_FAILURE_HINTS = (
    "permission denied",
    "authentication failed",
    "invalid/incorrect password",
    "incorrect sudo password",
    "auth failed",
)


@dataclass
class ReducerState:
    """Which step (1-based play number) the run is in, and hosts with a task running."""

    step: int = 0
    running: set[str] = field(default_factory=set)
    plays: dict[int, int] = field(default_factory=dict)  # step -> batches started


def _text_of(res: dict[str, Any]) -> str:
    if res.get("hub_streamed"):
        return ""
    parts = [str(res.get(k) or "") for k in ("stdout", "stderr")]
    if "results" in res and isinstance(res["results"], list):
        parts.extend(_item_line(item) for item in res["results"] if isinstance(item, dict))
    elif res.get("dest") and res.get("checksum"):
        parts.append(f"{res.get('dest')} (sha1 {res.get('checksum')})")
    return "\n".join(p.rstrip("\n") for p in parts if p).strip("\n")


def _item_line(item: dict[str, Any]) -> str:
    state = "failed" if item.get("failed") else ("changed" if item.get("changed") else "ok")
    target = item.get("dest") or item.get("item", "")
    if isinstance(target, dict):
        target = target.get("dest", "")
    detail = item.get("msg") if item.get("failed") else item.get("checksum", "")
    return f"{target}: {state} {detail or ''}".rstrip()


def classify_failure(status: str, res: dict[str, Any]) -> str:
    """Refines a failure: timeout and stop reported by the plugin, auth errors by message."""
    msg = str(res.get("msg") or "").lower()
    if res.get("hub_stopped"):
        return "stopped"
    if res.get("hub_timeout") or (status == "failed" and "timed out" in msg):
        return "timeout"
    return status


def is_auth_failure(message: str) -> bool:
    lowered = message.lower()
    return any(hint in lowered for hint in AUTH_FAILURE_HINTS)


def reduce_event(event: dict[str, Any], state: ReducerState) -> dict[str, Any] | None:
    """The record to stream for one runner event, or None when it is not worth a record."""
    kind = event.get("event", "")
    data = event.get("event_data") or {}
    host = str(data.get("host") or data.get("remote_addr") or "")
    if kind == "playbook_on_play_start":
        # A rolling (serial) play starts again for every batch: the compiler names plays
        # "Step N - ...", so N tells a new step from the next batch of the same one.
        name = str(data.get("play", ""))
        match = PLAY_NAME.match(name)
        step = int(match.group(1)) if match else len(state.plays) + 1
        started = EventKind.BATCH_START if step in state.plays else EventKind.STEP_START
        state.plays[step] = state.plays.get(step, 0) + 1
        state.step = step
        return {"kind": started, "step": step, "text": name}
    if kind == "runner_on_start":
        state.running.add(host)
        return {
            "kind": EventKind.HOST_START,
            "step": state.step,
            "host": host,
            "text": data.get("task", ""),
        }
    if kind in HOST_RESULT_EVENTS:
        state.running.discard(host)
        res = data.get("res") or {}
        status = classify_failure(HOST_RESULT_EVENTS[kind], res)
        rc = res.get("rc")
        record: dict[str, Any] = {
            "kind": EventKind.HOST_RESULT,
            "step": state.step,
            "host": host,
            "status": status,
            "rc": rc if isinstance(rc, int) else None,
            "changed": int(bool(res.get("changed"))),
            "text": _text_of(res),
            "ignored": int(bool(data.get("ignore_errors"))),
        }
        if status not in ("success", "skipped") and res.get("msg"):
            record["msg"] = str(res["msg"])[:2000]
        return record
    if kind in LOG_EVENTS:
        text = str(event.get("stdout") or "").strip()
        return (
            {"kind": EventKind.LOG, "step": state.step, "host": host, "text": text}
            if text
            else None
        )
    return None
