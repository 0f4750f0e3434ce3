"""Reading a host's log slice after slice gives back every character whole."""

from __future__ import annotations

from typing import Any

import pytest

from hub.executions import logfiles


@pytest.fixture
def log(settings: Any, tmp_path: Any) -> str:
    settings.EXECUTION_LOGS_DIR = tmp_path
    text = "部署完成 ✓ done 🚀\n" * 50
    logfiles.append_texts(7, {"web-1": [text]})
    return text


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 64])
def test_slices_never_cut_a_character(log: str, limit: int) -> None:
    parts, offset = [], 0
    while True:
        text, next_offset, size = logfiles.read_slice(7, "web-1", offset, limit)
        assert "\ufffd" not in text
        parts.append(text)
        if next_offset >= size:
            break
        assert next_offset > offset
        offset = next_offset
    assert "".join(parts) == log


def test_last_slice_is_read_as_is(log: str) -> None:
    text, next_offset, size = logfiles.read_slice(7, "web-1", 0, 10**6)
    assert (text, next_offset) == (log, size)
