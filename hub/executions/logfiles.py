"""Per-host log files under EXECUTION_LOGS_DIR/<execution id>/: whole output, never cut."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from hub.core.paths import name_segment, safe_join


def log_dir(execution_id: int) -> Path:
    return safe_join(settings.EXECUTION_LOGS_DIR, str(int(execution_id)))


def fetch_dir(execution_id: int) -> Path:
    """Where a run's fetched files land: fetched/<host id>/<file name> (ids, never names)."""
    return safe_join(log_dir(execution_id), "fetched")


def log_path(execution_id: int, host: str) -> Path:
    return safe_join(log_dir(execution_id), name_segment(host) + ".log")


def append_texts(execution_id: int, texts: dict[str, list[str]]) -> None:
    if not texts:
        return
    log_dir(execution_id).mkdir(parents=True, exist_ok=True)
    for host, parts in texts.items():
        with log_path(execution_id, host).open("a", encoding="utf-8") as handle:
            handle.write("".join(parts))


def read_slice(execution_id: int, host: str, offset: int, limit: int) -> tuple[str, int, int]:
    """Text from byte offset (limit bytes, and the rest of a character cut at their end),
    the next offset and the file size."""
    path = log_path(execution_id, host)
    if not path.exists():
        return "", offset, 0
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(limit)
        data += handle.read(_missing_bytes(data))
    return data.decode("utf-8", errors="replace"), offset + len(data), size


def _missing_bytes(data: bytes) -> int:
    """How many bytes finish a UTF-8 character cut at the end of data (0 if none is), so
    a client reading slice after slice from next_offset gets every character whole."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: the lead is further back
            continue
        length = 1 if byte < 0xC0 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
        return max(length - back, 0)
    return 0
