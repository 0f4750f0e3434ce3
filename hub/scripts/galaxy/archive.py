"""Safe, in-memory reading of uploaded archives: no absolute paths, no `..`, no links,
bounded sizes; collection artifacts must match their FILES.json checksums."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import stat
import tarfile
import zipfile
from collections.abc import Mapping

MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 5000


class ArchiveError(ValueError):
    """The upload is not an archive we accept; the message says why."""


def _safe_path(name: str) -> str:
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise ArchiveError(f"Archive member {name!r} has an absolute path.")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"Archive member {name!r} leaves the archive (..).")
    return "/".join(parts)


class _Budget:
    def __init__(self) -> None:
        self.members = 0
        self.bytes = 0

    def take(self, size: int) -> None:
        self.members += 1
        self.bytes += size
        if self.members > MAX_MEMBERS:
            raise ArchiveError(f"The archive has more than {MAX_MEMBERS} entries.")
        if self.bytes > MAX_UNPACKED_BYTES:
            raise ArchiveError(f"The archive unpacks to more than {MAX_UNPACKED_BYTES} bytes.")


def _read_tar(data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    budget = _Budget()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
        for member in tar:
            path = _safe_path(member.name)
            if member.issym() or member.islnk():
                raise ArchiveError(f"Archive member {member.name!r} is a link.")
            if member.isdir():
                continue
            if not member.isfile():
                raise ArchiveError(f"Archive member {member.name!r} is not a regular file.")
            budget.take(member.size)
            handle = tar.extractfile(member)
            files[path] = handle.read() if handle else b""
    return files


def _read_zip(data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    budget = _Budget()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = _safe_path(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveError(f"Archive member {info.filename!r} is a link.")
            if info.is_dir():
                continue
            budget.take(info.file_size)
            with archive.open(info) as handle:
                content = handle.read(info.file_size + 1)
            if len(content) > info.file_size:
                raise ArchiveError(f"Archive member {info.filename!r} is larger than declared.")
            files[path] = content
    return files


def read_archive(data: bytes) -> dict[str, bytes]:
    """The regular files of a .tar.gz/.tar/.zip upload, refusing anything unsafe."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"The archive is larger than {MAX_ARCHIVE_BYTES} bytes.")
    try:
        if zipfile.is_zipfile(io.BytesIO(data)):
            return _read_zip(data)
        return _read_tar(data)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"Not a readable .tar.gz or .zip archive: {exc}") from exc


def check_manifest(files: Mapping[str, bytes], root: str) -> None:
    """A collection artifact's FILES.json checksums must match its files."""
    raw = files.get(f"{root}FILES.json")
    if raw is None:
        return
    try:
        entries = json.loads(raw)["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError("FILES.json is not a collection file manifest.") from exc
    for entry in entries:
        if entry.get("ftype") != "file":
            continue
        data = files.get(f"{root}{entry.get('name')}")
        if data is None or hashlib.sha256(data).hexdigest() != entry.get("chksum_sha256"):
            raise ArchiveError(f"{entry.get('name')} does not match its FILES.json checksum.")
