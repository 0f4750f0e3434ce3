"""CONVENTIONS.md item 14 enforced in CI: ruff lint and mypy (django + DRF stubs) stay clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's tools, whatever PATH says
SOURCES = ("hub", "tests", "playbooks", "inventory_plugins", "bench")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / args[0]
    if not tool.exists():
        pytest.fail(f"{tool} is missing: install the dev dependency group (uv sync)")
    return subprocess.run(
        [str(tool), *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=280, check=False
    )


def test_ruff_check_is_clean() -> None:
    result = _run("ruff", "check", "--no-cache", *SOURCES)
    assert result.returncode == 0, f"ruff check failed:\n{result.stdout}\n{result.stderr}"


def test_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", *SOURCES)
    assert result.returncode == 0, f"ruff format --check failed:\n{result.stdout}\n{result.stderr}"


def test_mypy_is_clean() -> None:
    result = _run("mypy", "hub")
    assert result.returncode == 0, f"mypy hub failed:\n{result.stdout}\n{result.stderr}"
