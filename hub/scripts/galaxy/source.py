"""A collection source tree on disk (galaxy.yml + content) read as `ansible-galaxy
collection build` reads it: the same files left out, galaxy.yml's data for MANIFEST.json."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# ansible.galaxy.collection._build_files_manifest_walk: never part of an artifact.
IGNORED_DIRS = frozenset({"CVS", ".bzr", ".hg", ".git", ".svn", "__pycache__", ".tox"})
IGNORED = ("MANIFEST.json", "FILES.json", "galaxy.yml", "galaxy.yaml", ".git", "*.pyc", "*.retry")


@dataclass(frozen=True)
class CollectionSource:
    """What an artifact is built from; `digest` changes whenever any of it changes."""

    galaxy: dict[str, Any]
    files: dict[str, bytes]
    executable: frozenset[str]
    digest: str

    @property
    def filename(self) -> str:
        return f"{self.galaxy['namespace']}-{self.galaxy['name']}-{self.galaxy['version']}.tar.gz"


def _ignored(relative: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)


def read_source(root: Path) -> CollectionSource:
    """The collection at `root`; symlinks and ignored paths (build_ignore too) left out."""
    galaxy = yaml.safe_load((root / "galaxy.yml").read_text(encoding="utf-8"))
    patterns = (
        *IGNORED,
        "tests/output",
        f"{galaxy['namespace']}-{galaxy['name']}-*.tar.gz",
        *(str(p) for p in galaxy.get("build_ignore") or []),
    )
    files: dict[str, bytes] = {}
    executable = set()
    for folder, dirs, names in os.walk(root):
        base = Path(folder).relative_to(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in IGNORED_DIRS
            and not _ignored(str(base / d), patterns)
            and not (Path(folder) / d).is_symlink()
        )
        for name in sorted(names):
            relative, path = str(base / name).removeprefix("./"), Path(folder) / name
            if _ignored(relative, patterns) or path.is_symlink():
                continue
            files[relative] = path.read_bytes()
            if os.access(path, os.X_OK):
                executable.add(relative)
    digest = hashlib.sha256()
    for relative, data in sorted(files.items()):
        digest.update(f"{relative}\0{len(data)}\0{relative in executable}\0".encode() + data)
    digest.update(yaml.safe_dump(galaxy, sort_keys=True).encode())
    return CollectionSource(galaxy, files, frozenset(executable), digest.hexdigest())
