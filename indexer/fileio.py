"""Small file helpers for everything the indexer writes: atomic replacement, fsync, JSON lines, and the
one-line pointer that names the live index version.

Kept apart from the store so that other writers (the embedding cache) use them without importing the store.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Any, Callable, Iterable


def fsync_path(path: Path) -> None:
    """Flush a file or a directory entry to disk (directories: best effort, not every OS allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder``, then ``folder`` itself (files before their folders)."""
    folder = Path(folder)
    for path in sorted(folder.rglob("*"), reverse=True):
        fsync_path(path)
    fsync_path(folder)


def atomic_write(path: Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Write ``path`` via a temp file in the same folder, fsync, then ``os.replace``: readers see the old
    content or the new, never a part."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line, UTF-8, non-ASCII kept as is (not atomic: used inside a version folder)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# -- the version pointer -------------------------------------------------------------------------------------
def write_pointer(path: Path, name: str) -> None:
    """Make ``path`` name ``name`` (one line), atomically: the single step that switches versions."""
    atomic_write(path, lambda f: f.write((name + "\n").encode("utf-8")))


def read_pointer(path: Path) -> str | None:
    """The name a pointer file holds; None when there is no pointer. Raises ValueError when the file does not
    hold a plain name (empty, or a path), OSError when it cannot be read."""
    try:
        name = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"{path} does not name a version ({name!r})")
    return name


def new_version_name() -> str:
    """A fresh version name, sortable by time; the uuid part keeps two saves in the same second apart."""
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
