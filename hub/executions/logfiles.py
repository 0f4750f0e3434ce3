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
    """Text from byte offset (up to limit bytes), the next offset and the file size."""
    path = log_path(execution_id, host)
    if not path.exists():
        return "", offset, 0
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(limit)
    return data.decode("utf-8", errors="replace"), offset + len(data), size
