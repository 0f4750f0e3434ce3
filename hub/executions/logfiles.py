"""Per-host log files under EXECUTION_LOGS_DIR/<execution id>/: whole output, never cut."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings


def log_dir(execution_id: int) -> Path:
    return Path(settings.EXECUTION_LOGS_DIR) / str(execution_id)


def log_path(execution_id: int, host: str) -> Path:
    safe = re.sub(r"[^\w.\-]", "_", host)[:100].lstrip(".") or "host"
    if safe != host:
        safe += "-" + hashlib.sha1(host.encode()).hexdigest()[:8]  # noqa: S324 - a name, not security
    return log_dir(execution_id) / f"{safe}.log"


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
