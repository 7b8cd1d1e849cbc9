"""Index updates for a segmented library (jianggao.indexer.segmented): one segment per added batch of files.

``jianggao.indexer.build.build_index`` rebuilds the whole index on every change (keyword index, FAISS file,
JSONL metadata); that is fine at a thousand passages and minutes at a million. Here:

- removed files: a new version marking their passages deleted (nothing rewritten);
- added or changed files: loaded, cleaned of the lines the batch repeats (site chrome), split, chunked and
  embedded alone, written as one new segment (a changed file's old speeches are marked deleted in the same
  version);
- more than ``MAX_SEGMENTS`` segments: the smallest adjacent ones are merged (``SegmentedStore.compacted``).

Vectors of unchanged files live in their segments, so no embedding cache is needed (the flat cache of
``build_index`` would be a 2 GB matrix read and rewritten per upload at 1M passages). Near-duplicate links
(``chunk_duplicates``, speech copies) are computed within each added batch only: comparing a new file with the
whole library is a MinHash pass over every passage (jianggao.indexer.dedup), left to a full rebuild.

A library is segmented when its live version says so (``index_type: "segmented"``); ``update_index(...,
index_type="segmented")`` creates one; ``update_index`` updates either kind and ``open_store`` loads either.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Sequence

# is_segmented and open_store live in segmented (the store interface opens indexes without this build module)
from jianggao.indexer.segmented import CURRENT, MANIFEST, VERSIONS, SegmentedStore, is_segmented, open_store  # noqa: F401

log = logging.getLogger(__name__)

# (size, mtime_ns, sha1) of each library file when it was last read, so that the next update reads only the files
# whose size or modification time changed (start-up of `serve` on a 50k-file library: stat calls, not 50k reads,
# hashes and decodes). A cache: a missing or unreadable table means every file is read, as before.
FILE_STATE = "file_state.json"
# A file modified less than this before the table is written may change again within the same mtime tick
# without its (size, mtime) changing (the "racy" case git guards against too): such files get no entry and are
# read next time.
RACY_S = 2.0


def read_file_state(index_dir: Path, files: dict[str, str]) -> dict[str, tuple[int, int, str]]:
    """The stored state of the files whose sha1 is the one the live version holds (others are read again)."""
    import json

    try:
        raw = json.loads((Path(index_dir) / FILE_STATE).read_text(encoding="utf-8"))
        return {src: (int(v[0]), int(v[1]), str(v[2])) for src, v in raw.items() if files.get(src) == v[2]}
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return {}


def write_file_state(index_dir: Path, stats: dict[str, tuple[int, int]], files: dict[str, str]) -> None:
    """Record (size, mtime_ns, sha1) of the files the live version holds, leaving out recently modified ones."""
    import json

    from jianggao.indexer import fileio

    cutoff = time.time_ns() - int(RACY_S * 1e9)
    table = {src: [size, mtime, files[src]] for src, (size, mtime) in stats.items()
             if src in files and mtime < cutoff}
    data = json.dumps(table, ensure_ascii=False).encode("utf-8")
    fileio.atomic_write(Path(index_dir) / FILE_STATE, lambda f: f.write(data))


def _prepare(documents, taken: set[str], paths: Sequence[Path], report,
             titles: Sequence[str] = ()) -> tuple[list, list, list]:
    """Speeches, chunks and per-chunk duplicate chunk ids of these documents (within the batch); ``titles``: the
    titles the library's other speeches hold, which the batch's speeches must not repeat."""
    from jianggao.indexer.build import chunk_duplicates, no_speech_error
    from jianggao.indexer.chunking import chunk_speech
    from jianggao.indexer.identity import disambiguate_titles, library_topics
    from jianggao.indexer.pipeline import link_duplicates, speeches_of_run

    # Boilerplate is what the batch's documents repeat (a whole library added at once is judged like build_index
    # judges it; an upload of one or two files repeats nothing, since a line must occur in three documents).
    speeches, empty = speeches_of_run(documents, taken)
    report.no_speech.extend(no_speech_error(doc, paths) for doc in empty)
    link_duplicates(speeches)
    # Topics are ranked against the batch's speeches (a whole library added at once is judged as build_index
    # judges it; the sealed segments' speeches keep theirs).
    library_topics(speeches)
    # Sealed segments keep their titles, so the batch's are told apart from them as well as from each other.
    disambiguate_titles(speeches, titles)
    chunks = [c for s in speeches for c in chunk_speech(s.id, s.text, s.norm)]
    dups = [[chunks[j].id for j in d] for d in chunk_duplicates(speeches, chunks)]
    return speeches, chunks, dups


def add_documents(store: SegmentedStore | None, index_dir: Path, encoder, documents, paths: Sequence[Path],
                  report, replace_sources: Sequence[str] = (), progress: bool = False) -> SegmentedStore | None:
    """A new version with ``documents`` as one segment (or a new library when ``store`` is None)."""
    from jianggao.indexer.build import embedding_text, lexical_text
    from jianggao.indexer.lexseg import KeywordSegment

    # Ids stay unique among the speeches that remain (a changed file's old speeches are being replaced).
    replaced = set(replace_sources)
    taken = set() if store is None else {sid for sid, src in store.speeches.ids() if src not in replaced}
    titles = () if store is None else store.titles(replaced)
    speeches, chunks, dups = _prepare(documents, taken, paths, report, titles)
    if not chunks:
        return store.remove_sources(replace_sources) if store is not None and replace_sources else store
    by_id = {s.id: s for s in speeches}
    vectors = encoder.encode([embedding_text(by_id[c.speech_id], c) for c in chunks], show_progress=progress)
    report.embedded += len(chunks)
    keyword = KeywordSegment.from_texts([lexical_text(by_id[c.speech_id], c) for c in chunks])
    files = {d.source: d.sha1 for d in documents}
    if store is None:
        return SegmentedStore.create(index_dir, encoder.identity, encoder.dim, speeches, chunks, vectors, keyword,
                                     files, dups)
    return store.add(speeches, chunks, vectors, keyword, files, dups, replace_sources=replace_sources)


def update_index(paths: Sequence[Path] | None, index_dir: Path, encoder=None, rebuild: bool = False,
                 lock_wait: float = 30.0, progress: bool = False, index_type: str = "auto"):
    """``jianggao.indexer.build.build_index``, or ``update_segmented`` when the index is (or is asked to be)
    segmented: the one entry point for callers that may meet either kind (the engine, ``jianggao index``)."""
    if index_type == "segmented" or is_segmented(Path(index_dir)):
        return update_segmented(paths, Path(index_dir), encoder=encoder, rebuild=rebuild, lock_wait=lock_wait,
                                progress=progress)
    from jianggao.indexer.build import build_index

    return build_index(paths, index_dir, encoder=encoder, rebuild=rebuild, lock_wait=lock_wait, progress=progress,
                       index_type=index_type)


def update_segmented(paths: Sequence[Path] | None, index_dir: Path, encoder=None, rebuild: bool = False,
                     lock_wait: float = 30.0, progress: bool = False):
    """``build_index`` for a segmented library: bring it up to date with the files under ``paths``."""
    import shutil

    from jianggao.indexer.build import BuildReport, _lock
    from jianggao.indexer.corpus import DEFAULT_CORPUS
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.loaders import load_changed
    from jianggao.indexer.segmented import SEGMENTS

    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths] if paths else [DEFAULT_CORPUS]
    report = BuildReport(index_dir=str(index_dir), rebuilt=rebuild)
    lock = _lock(index_dir, lock_wait)
    try:
        encoder = encoder or Encoder()
        store = None
        if not rebuild and (index_dir / CURRENT).exists():
            store = open_store(index_dir, expect_model=encoder.identity)
            if not isinstance(store, SegmentedStore):
                from jianggao.indexer.store import StoreError

                raise StoreError(f"{index_dir} holds a single-version index, not a segmented one; "
                                 "convert it with `jianggao index --segmented --rebuild`")
        known = read_file_state(index_dir, store.manifest.files) if store is not None else {}
        scan = load_changed(paths, known)
        documents, report.errors = scan.documents, scan.errors
        files = {**scan.unchanged, **{d.source: d.sha1 for d in documents}}
        if rebuild:  # also converts a single-version index: its files are replaced
            for sub in (VERSIONS, SEGMENTS):
                shutil.rmtree(index_dir / sub, ignore_errors=True)
            (index_dir / CURRENT).unlink(missing_ok=True)
        old = store.manifest.files if store is not None else {}
        report.added = sorted(s for s in files if s not in old)
        report.changed = sorted(s for s in files if s in old and old[s] != files[s])
        report.removed = sorted(s for s in old if s not in files)
        report.unchanged = sum(1 for s in files if old.get(s) == files[s])
        if store is not None and not (report.added or report.changed or report.removed):
            report.nothing_to_do = True
        else:
            if store is not None and report.removed:
                store = store.remove_sources(report.removed)
            todo = [d for d in documents if d.source in set(report.added) | set(report.changed)]
            if todo:
                store = add_documents(store, index_dir, encoder, todo, paths, report,
                                      replace_sources=report.changed, progress=progress)
            if store is not None:
                store = store.compacted()
        if store is None:
            from jianggao.indexer.store import StoreError

            raise StoreError("no speech files could be loaded: " + "; ".join(map(str, report.errors[:5])))
        if scan.documents or set(scan.stats) != set(known):  # else the stored table is already this one
            write_file_state(index_dir, scan.stats, store.manifest.files)
        report.speeches, report.chunks = store.manifest.n_speeches, store.manifest.n_chunks
        report.seconds = time.perf_counter() - t0
        return report
    finally:
        lock.release()


def add_files(index_dir: Path, encoder, files: Sequence[Path], root: Path | None = None, lock_wait: float = 30.0):
    """Add (or replace) these files of the library folder ``root`` without reading the rest of the library:
    the upload path of a running engine and of ``jianggao index --add``. Sources are named relative to
    ``root`` (None: by file name, as ``load_corpus`` names a file given alone). Returns a BuildReport."""
    from jianggao.indexer.build import BuildReport, _lock
    from jianggao.indexer.loaders import load_corpus

    t0 = time.perf_counter()
    report = BuildReport(index_dir=str(index_dir))
    lock = _lock(Path(index_dir), lock_wait)
    try:
        store = SegmentedStore.load(index_dir, expect_model=encoder.identity)
        documents, report.errors = load_corpus([Path(f) for f in files])
        if root is not None and len(documents) == len(files):
            # Sources are named relative to the library folder, as a full update would name them.
            base = Path(root).resolve()
            documents = [dataclasses.replace(d, source=Path(f).resolve().relative_to(base).as_posix())
                         for d, f in zip(documents, files)]
        old = store.manifest.files
        report.added = sorted(d.source for d in documents if d.source not in old)
        report.changed = sorted(d.source for d in documents if d.source in old and old[d.source] != d.sha1)
        todo = [d for d in documents if d.source in set(report.added) | set(report.changed)]
        report.nothing_to_do = not todo
        if todo:
            store = add_documents(store, index_dir, encoder, todo, files, report, replace_sources=report.changed)
            store = store.compacted()
        report.speeches, report.chunks = store.manifest.n_speeches, store.manifest.n_chunks
        report.seconds = time.perf_counter() - t0
        return report
    finally:
        lock.release()


def remove_sources(index_dir: Path, encoder, sources: Sequence[str], lock_wait: float = 30.0):
    """Drop these library files' speeches (a version with their passages marked deleted)."""
    from jianggao.indexer.build import BuildReport, _lock

    t0 = time.perf_counter()
    report = BuildReport(index_dir=str(index_dir), removed=sorted(sources))
    lock = _lock(Path(index_dir), lock_wait)
    try:
        store = SegmentedStore.load(index_dir, expect_model=encoder.identity).remove_sources(sources).compacted()
        report.speeches, report.chunks = store.manifest.n_speeches, store.manifest.n_chunks
        report.seconds = time.perf_counter() - t0
        return report
    finally:
        lock.release()
