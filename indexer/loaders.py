"""Load speech files from disk into :class:`RawDocument` records: the file-system edge of the indexer.

Supported formats: plain text (``.txt``, ``.md``), HTML (``.html``, ``.htm``), Word (``.docx``) and PDF (``.pdf``,
text layer only); the registry is ``jianggao.indexer.extractors.FORMATS``. This module walks folders, reads files
(with a size limit) and names each document by its path under the folder given; the pure work is elsewhere:
``jianggao.indexer.decoding`` (bytes to text, encodings detected) and ``jianggao.indexer.extractors`` (HTML, DOCX,
PDF to text).

``load_corpus`` never raises for a bad file: each problem becomes a :class:`LoadError` (which file, what is wrong,
what to do) and the other files still load.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jianggao.indexer.decoding import Decoded, LoaderError, decode_text
from jianggao.indexer.extractors import FORMATS, SUPPORTED_LIST, SUPPORTED_SUFFIXES, Format, extract_text, html_text
from jianggao.indexer.types import LoadError, RawDocument

# Re-exported: callers name the loader's error, its supported suffixes and the pure readers through this module.
__all__ = [
    "DEFAULT_MAX_BYTES", "FORMATS", "SUPPORTED_LIST", "SUPPORTED_SUFFIXES", "Decoded", "Format", "LoaderError",
    "decode_text", "extract_text", "format_of", "html_text", "load_corpus", "load_file", "source_name",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
_NEWLINES = re.compile(r"\r\n?")


def format_of(path: Path) -> Format:
    """The format registered for ``path``'s suffix, or :class:`LoaderError` listing the valid ones."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoaderError(_unsupported(path), str(path))
    return fmt


def _unsupported(path: Path) -> str:
    suffix = path.suffix.lower() or "(no extension)"
    return f"unsupported file type {suffix}; supported: {SUPPORTED_LIST}"


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise LoaderError(_too_big(size, max_bytes), str(path))
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)  # the file may have grown since stat()
    if len(data) > max_bytes:
        raise LoaderError(_too_big(len(data), max_bytes), str(path))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    mb = 1024 * 1024
    return (
        f"file is {size / mb:.1f} MB, over the {max_bytes / mb:.0f} MB limit; "
        "split it into smaller files or raise max_bytes"
    )


def source_name(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` with forward slashes, or the bare file name without a root."""
    if root is None:
        return path.name
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise ValueError(f"{path} is not inside {root}") from None


def load_file(path: Path, root: Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Load one supported file; raise :class:`LoaderError` (naming the file) if it cannot be used."""
    path = Path(path)
    source = source_name(path, None if root is None else Path(root))
    fmt = format_of(path)
    try:
        data = _read_bytes(path, max_bytes)
    except PermissionError:
        raise LoaderError("permission denied; make the file readable (chmod +r)", str(path)) from None
    except IsADirectoryError:
        raise LoaderError("is a folder, not a file", str(path)) from None
    except FileNotFoundError:
        raise LoaderError("no such file", str(path)) from None
    except OSError as e:
        raise LoaderError(f"cannot read the file: {e.strerror or e}", str(path)) from None
    if not data or data.isspace():
        raise LoaderError("empty file; nothing to index", str(path))
    sha1 = hashlib.sha1(data).hexdigest()
    try:
        text, encoding, replaced = extract_text(data, fmt)
    except LoaderError as e:
        raise LoaderError(e.reason, str(path)) from None
    if replaced:
        log.warning(
            "%s: decoded as %s with %d undecodable byte sequence(s) replaced by U+FFFD",
            path, encoding, replaced,
        )
    del data  # from here on at most two copies of the text are alive
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    if not text or text.isspace():
        reason = "empty file; nothing to index" if fmt == "text" else f"no text found in this {fmt} file"
        raise LoaderError(reason, str(path))
    log.debug("loaded %s (%s, %d chars)", source, encoding, len(text))
    return RawDocument(source=source, text=text, encoding=encoding, sha1=sha1)


def _walk(folder: Path, library: Path, seen_dirs: set[Path]) -> Iterator[Path | LoadError]:
    """Files under ``folder`` in sorted order, or a :class:`LoadError` for what cannot be walked.

    Hidden entries are skipped; symlinks are followed only while they stay inside ``library``
    (the resolved folder passed by the user); each real folder is walked once (no symlink loops).
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield LoadError(str(folder), f"cannot list this folder: {e.strerror or e}; check its permissions")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            log.debug("skipping hidden %s", path)
            continue
        if entry.name.startswith("~$"):  # Office lock file next to an open document, not a document
            log.debug("skipping Office lock file %s", path)
            continue
        try:
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    yield LoadError(str(path), "broken symlink (its target does not exist); remove or fix it")
                    continue
                if not target.is_relative_to(library):
                    yield LoadError(
                        str(path),
                        f"symlink points outside the library (to {target}); copy the file in instead",
                    )
                    continue
            if entry.is_dir():
                real = path.resolve()
                if real not in seen_dirs:
                    seen_dirs.add(real)
                    yield from _walk(path, library, seen_dirs)
            elif entry.is_file():
                yield path
            else:
                yield LoadError(str(path), "not a regular file (device, socket or pipe); skipped")
        except OSError as e:
            yield LoadError(str(path), f"cannot inspect this entry: {e.strerror or e}")


def _files_to_load(paths: Sequence[Path]) -> Iterator[tuple[Path, Path] | LoadError]:
    """(file, root) pairs for everything under ``paths``, and LoadErrors for what cannot be used."""
    for given in paths:
        given = Path(given)
        if given.is_dir():
            library = given.resolve()
            for item in _walk(given, library, {library}):
                yield item if isinstance(item, LoadError) else (item, given)
        elif given.is_file():
            yield given, given.parent
        elif given.is_symlink():
            yield LoadError(str(given), "broken symlink (its target does not exist)")
        elif given.exists():
            yield LoadError(str(given), "not a regular file or folder")
        else:
            yield LoadError(str(given), "no such file or folder; check the path")


def load_corpus(
    paths: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[RawDocument], list[LoadError]]:
    """Load every file under ``paths`` (files or folders, walked recursively in sorted order).

    Never raises for a bad file: each one becomes a :class:`LoadError` and the rest still load.
    A file reached twice (named twice, or through a symlink) is loaded once.
    """
    scan = load_changed(paths, {}, max_bytes=max_bytes)
    return scan.documents, scan.errors


FileState = tuple[int, int, str]  # (size, mtime_ns, sha1) of a file when it was last read


@dataclass
class Scan:
    """What ``load_changed`` found: the files it read, the sources it trusted unread (source -> sha1), the
    problems, and each file's (size, mtime_ns) as stat saw it (the state to keep for next time)."""

    documents: list[RawDocument] = field(default_factory=list)
    unchanged: dict[str, str] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)


def load_changed(paths: Sequence[Path], known: Mapping[str, FileState], *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Scan:
    """``load_corpus``, except that a file whose size and modification time (ns) are those in ``known`` (by
    source name) is not read: its source and known sha1 go to ``unchanged``. A library of 50k files is then
    opened with 50k ``stat`` calls instead of reading, hashing and decoding every file."""
    scan = Scan()
    loaded: set[Path] = set()
    sources: set[str] = set()
    # Problems are returned, and the caller reports them (the CLI prints "warning: skipped ...", the web UI
    # shows them): logged at INFO here so that they are not printed twice.
    for item in _files_to_load(paths):
        if isinstance(item, LoadError):
            log.info("%s", item)
            scan.errors.append(item)
            continue
        path, root = item
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            error = LoadError(str(path), _unsupported(path))
            log.info("%s", error)
            scan.errors.append(error)
            continue
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            real = path.absolute()
        if real in loaded:
            log.debug("%s: already loaded through another path", path)
            continue
        loaded.add(real)
        try:
            st = path.stat()
            stat = (st.st_size, st.st_mtime_ns)
            source = source_name(path, root)
        except (OSError, ValueError):
            stat, source = None, None
        if source is not None and stat is not None and source not in sources and source in known \
                and tuple(known[source][:2]) == stat:
            sources.add(source)
            scan.unchanged[source] = known[source][2]
            scan.stats[source] = stat
            continue
        try:
            doc = load_file(path, root, max_bytes=max_bytes)
        except LoaderError as e:
            error = LoadError(str(path), e.reason)
            log.info("%s", error)
            scan.errors.append(error)
            continue
        except Exception as e:  # one odd file must not stop the run
            log.warning("%s: unexpected error while loading", path, exc_info=True)
            reason = f"unexpected error ({type(e).__name__}: {e}); please report it"
            scan.errors.append(LoadError(str(path), reason))
            continue
        if doc.source in sources:
            log.warning("%s: another loaded file has the same relative name %r", path, doc.source)
        sources.add(doc.source)
        scan.documents.append(doc)
        if stat is not None:
            scan.stats[doc.source] = stat
    log.info("loaded %d file(s), %d unchanged and not read, %d problem(s)", len(scan.documents),
             len(scan.unchanged), len(scan.errors))
    return scan
