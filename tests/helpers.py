"""Assertions on the response envelope, and what every process shows on its command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def ok(response: Any, status: int = 200) -> Any:
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert body["success"] is True and body["code"] == status, body
    return body["content"]


def err(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert body["success"] is False and body["code"] == status, body
    errors = body["content"]["errors"]
    if field is not None:
        assert field in errors, (field, errors)
        assert field in body["message"] or field in ("non_field_errors", "detail"), body
    return errors


def command_lines() -> str:
    """Every process's whole command line (ps would cut long ones at its screen width)."""
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            lines.append(raw.replace(b"\0", b" ").decode("utf-8", "replace"))
    return "\n".join(lines)
