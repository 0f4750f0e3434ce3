"""Hub-side paths built from user input: every one passes through here.

Rules: ids (or names reduced to a documented character set) are the path segments, never
raw user text; a segment is never empty, `.`, `..`, nor holds a separator or NUL; and the
resolved result (symlinks followed) must stay under its root. Anything else is refused with
UnsafePath, a DomainError, so a view answers 400 instead of writing outside the root.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

from hub.core.exceptions import DomainError

# What a segment derived from a name may hold: letters, digits, dot, dash, underscore.
_SEGMENT = re.compile(r"[^\w.\-]")
_MAX_SEGMENT = 100


class UnsafePath(DomainError):
    """A path built from input would leave its root, or a segment is not allowed."""


def check_segment(segment: str) -> str:
    """The segment unchanged when it is one plain path component; UnsafePath otherwise."""
    if (
        not segment
        or segment in (".", "..")
        or "/" in segment
        or "\\" in segment
        or "\0" in segment
        or len(segment) > 255
    ):
        raise UnsafePath(f"{segment!r} is not an allowed path segment.")
    return segment


def name_segment(name: str) -> str:
    """A file-name-safe, stable stand-in for a user-given name (e.g. a host's log file).

    Names already made of [A-Za-z0-9_.-] (not starting with a dot) stay readable; any other
    name is reduced to those characters and gets a short digest so two names never collide.
    """
    safe = _SEGMENT.sub("_", name)[:_MAX_SEGMENT].lstrip(".") or "host"
    if safe != name:
        # sha1: a stable name, not security; the same digest log files always had
        digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]  # noqa: S324
        safe = f"{safe}-{digest}"
    return check_segment(safe)


def relative_parts(relative: str) -> tuple[str, ...]:
    """The components of a relative POSIX path; absolute paths and `..` are refused."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts:
        raise UnsafePath(f"{relative!r} must be a relative path.")
    return tuple(check_segment(part) for part in path.parts)


def safe_join(root: Path | str, *segments: str) -> Path:
    """root/segment/... after checking every segment and that the result stays under root.

    A segment may itself be a relative path ("files/step_1/a.txt"): each of its parts is
    checked. Symlinks already on disk are resolved, so a link pointing out is refused too.
    """
    base = Path(root)
    parts: list[str] = []
    for segment in segments:
        parts.extend(relative_parts(segment))
    target = base.joinpath(*parts)
    ensure_under(base, target)
    return target


def ensure_under(root: Path | str, path: Path | str) -> Path:
    """path itself when, with symlinks resolved, it lies under root; UnsafePath otherwise."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise UnsafePath(f"{path} is outside {root}.")
    return Path(path)
