"""Build or update an index folder from corpus files: ``jianggao index``.

Incremental by file hash: unchanged files keep their speeches and chunks from the previous version, new and
changed files go through the pipeline (``jianggao.indexer.pipeline.process``) again, removed files drop out; an
index made by another ``PIPELINE_VERSION`` (other cleaning/splitting/identity/chunking rules) is processed
again whole; embeddings come from a cache keyed by
(model, text hash), so only new text is ever embedded. Near-duplicate links are recomputed over the whole
corpus because a new file can hold a copy of an old speech. One writer at a time: a lock file in the index
folder makes a second ``jianggao index`` wait, then refuse with a clear message.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from jianggao.indexer.cleaning import clean_text
from jianggao.indexer.config import CACHE_DIR, DEFAULT_CORPUS, package_version
from jianggao.indexer.keyed_cache import KeyedCache
from jianggao.indexer.loaders import load_corpus
from jianggao.indexer.pipeline import PIPELINE_VERSION, process
from jianggao.indexer.types import Chunk, LoadError, RawDocument, Speech

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
CLEANED_CACHE_NAME = "cleaned.json"  # in the index folder's cache folder (config.CACHE_DIR)
CHUNK_DUP_THRESHOLD = 0.6


class IndexBusyError(RuntimeError):
    """Another process is writing this index."""


@dataclass
class BuildReport:
    index_dir: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    speeches: int = 0
    chunks: int = 0
    embedded: int = 0  # vectors computed by the model in this run
    cached: int = 0  # vectors taken from the cache
    seconds: float = 0.0
    rebuilt: bool = False
    nothing_to_do: bool = False
    pipeline_changed: bool = False  # the index was made by other pipeline rules: every file was processed again
    errors: list[LoadError] = field(default_factory=list)  # files that could not be loaded
    # Files that loaded but hold no speech once cleaned (too short, or all page chrome): not indexed, and kept
    # apart from ``errors`` because they were read fine (the web UI says "no speech" rather than "unreadable").
    no_speech: list[LoadError] = field(default_factory=list)

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["errors"] = [{"path": e.path, "reason": e.reason} for e in self.errors]
        d["no_speech"] = [{"path": e.path, "reason": e.reason} for e in self.no_speech]
        return d


def _path_of(source: str, paths: Sequence[Path]) -> str:
    """The file that a document's source name (relative to the folder or file given) came from."""
    for given in paths:
        candidate = given / source if given.is_dir() else given.parent / source
        if candidate.is_file() and (given.is_dir() or candidate == given):
            return str(candidate)
    return source


def no_speech_error(doc: RawDocument, paths: Sequence[Path]) -> LoadError:
    """Why a loaded file gave no speech: how much text the cleaning left, against what a speech needs."""
    from jianggao.indexer.cleaning import clean_text
    from jianggao.indexer.splitting import MIN_SPEECH_CHARS

    left = sum(not c.isspace() for c in clean_text(doc.text))
    return LoadError(
        _path_of(doc.source, paths),
        f"no speech found after cleaning ({left} characters left; a speech has at least {MIN_SPEECH_CHARS}); "
        "is it a speech?",
    )


# Identity fields of a speech that tell it apart from others (jianggao.indexer.identity fills them in
# SpeechMeta; read by name, any of them may be missing or empty, e.g. in an index made before them).
IDENTITY_FIELDS = ("date", "place", "body", "speaker", "meeting")


def speech_context(speech: Speech) -> str:
    """One line naming the speech: its title, then those identity fields (year from the date, place, speaker,
    meeting ...) the title does not already contain. Part of what is embedded and keyword-indexed for every
    passage, so a question that names the speech ("2014年的报告", "在某县的会议上") finds its passages; never
    shown."""
    from jianggao.indexer.normalize import normalize

    title = normalize(speech.title or "")
    parts = [title] if title else []
    for name in IDENTITY_FIELDS:
        value = getattr(speech.meta, name, None)
        if not value or not isinstance(value, str):
            continue
        value = normalize(value.strip())
        if name == "date":
            value = value[:4] + "年" if value[:4].isdigit() else ""
        if value and not any(value in p for p in parts):
            parts.append(value)
    return " ".join(parts)


def embedding_text(speech: Speech, chunk: Chunk) -> str:
    """What the model sees for a chunk: the speech's identity line and the outline heading as context, then
    the chunk's normalised text, which always comes last (jianggao.indexer.sentvec relies on it)."""
    from jianggao.indexer.normalize import normalize

    context = " ".join(x for x in (speech_context(speech), normalize(chunk.heading)) if x)
    return f"{context}\n{chunk.norm}" if context else chunk.norm


def lexical_text(speech: Speech, chunk: Chunk) -> str:
    """What keyword search sees of a chunk: the same context as embedding_text, then the text."""
    return embedding_text(speech, chunk)


def chunk_duplicates(speeches: Sequence[Speech], chunks: Sequence[Chunk]) -> list[list[int]]:
    """For each chunk, the chunks in *other* speeches that hold the same passage."""
    from jianggao.indexer.dedup import near_duplicate_pairs

    out: list[list[int]] = [[] for _ in chunks]
    for i, j in near_duplicate_pairs([c.norm for c in chunks], threshold=CHUNK_DUP_THRESHOLD):
        if chunks[i].speech_id != chunks[j].speech_id:
            out[i].append(j)
            out[j].append(i)
    return out


def _lock(index_dir: Path, wait: float):
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise IndexBusyError(
            f"another `jianggao index` is writing {index_dir} (lock {index_dir / LOCK_NAME}); "
            "wait for it to finish and run again"
        ) from None
    return lock


def cleaned_cache(index_dir: Path) -> KeyedCache:
    """Each document's cleaned text by its raw text, valid for this pipeline version and traditional-to-simplified
    table (the cleaning rules and what normalisation reads)."""
    header = {"format": 1, "pipeline": PIPELINE_VERSION, "opencc": package_version("opencc-python-reimplemented")}
    return KeyedCache(index_dir / CACHE_DIR / CLEANED_CACHE_NAME, header, "cleaned texts",
                      lambda v: isinstance(v, str))


def build_index(
    paths: Sequence[Path] | None,
    index_dir: Path,
    encoder=None,
    rebuild: bool = False,
    lock_wait: float = 30.0,
    progress: bool = False,
    index_type: str = "auto",
    backend=None,
) -> BuildReport:
    """Bring ``index_dir`` up to date with the files under ``paths`` (default: the bundled corpus). ``backend``:
    where the index lives (a jianggao.indexer.store_api.StoreBackend, e.g. Milvus; default the FAISS files in
    ``index_dir``, which always holds the lock and the embedding cache)."""
    from jianggao.indexer.checkpoints import checkpoint
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.sentvec import encode_chunks
    from jianggao.indexer.store import FilesBackend, StoreError

    t0 = time.perf_counter()
    paths = [Path(p) for p in paths] if paths else [DEFAULT_CORPUS]
    report = BuildReport(index_dir=str(index_dir), rebuilt=rebuild)
    backend = backend if backend is not None else FilesBackend(Path(index_dir))
    lock = _lock(index_dir, lock_wait)
    try:
        encoder = encoder or Encoder()
        documents, errors = load_corpus(paths)
        report.errors = errors
        files = {d.source: d.sha1 for d in documents}

        previous = None
        if not rebuild:
            try:
                previous = backend.load(expect_model=encoder.identity)
            except StoreError as e:
                if backend.exists():
                    raise  # an index is there but unusable (other model/format): say so, do not overwrite silently
                log.info("no previous index in %s (%s): building from scratch", index_dir, e)
        if previous is not None and previous.manifest.pipeline_version != PIPELINE_VERSION:
            # Other cleaning/splitting/identity rules made this index: nothing of it can be kept but the vectors
            # (the embedding cache is keyed by text, so unchanged chunks are still not embedded again).
            log.info("index %s was made by pipeline version %s, this is %s: processing every file again",
                     index_dir, previous.manifest.pipeline_version, PIPELINE_VERSION)
            report.pipeline_changed = True
        old_files = previous.manifest.files if previous is not None and not report.pipeline_changed else {}
        report.added = sorted(s for s in files if s not in old_files)
        report.changed = sorted(s for s in files if s in old_files and old_files[s] != files[s])
        report.removed = sorted(s for s in old_files if s not in files)
        report.unchanged = sum(1 for s in files if old_files.get(s) == files[s])
        if previous is not None and not report.pipeline_changed and not (report.added or report.changed or report.removed):
            report.nothing_to_do = True
            # Said again at every run while such a file stays in the library, as load errors are.
            with_speech = {s.source for s in previous.speeches}
            report.no_speech = [no_speech_error(d, paths) for d in documents if d.source not in with_speech]
            report.speeches, report.chunks = len(previous.speeches), len(previous.chunks)
            report.seconds = time.perf_counter() - t0
            return report
        if not documents:
            raise StoreError("no speech files could be loaded: " + "; ".join(map(str, errors[:5])))

        # Unchanged files keep their speeches and chunks; the rest go through the pipeline anew.
        kept: dict[str, list[Speech]] = {}
        old_chunks: dict[str, list[Chunk]] = {}
        if previous is not None and not report.pipeline_changed:
            for s in previous.speeches:
                if old_files.get(s.source) == files.get(s.source):
                    kept.setdefault(s.source, []).append(s)
            for c in previous.chunks:
                old_chunks.setdefault(c.speech_id, []).append(c)
        # Cleaning is a pure function of a document's text: an update cleans only new or changed files (the
        # run's boilerplate still counts every document; jianggao.indexer.pipeline).
        cleaned = cleaned_cache(Path(index_dir))
        result = process(documents, kept, old_chunks, clean=cleaned.cached(clean_text))
        speeches, chunks = result.speeches, result.chunks
        report.no_speech = [no_speech_error(d, paths) for d in result.no_speech]
        for err in report.no_speech:
            log.info("%s", err)  # the caller reports them (the CLI warns): not logged louder, so not said twice
        if not speeches:
            raise StoreError(
                "no speech text found in the loaded files after cleaning: "
                + "; ".join(map(str, report.no_speech[:5]))
            )
        by_id = {s.id: s for s in speeches}

        texts = [embedding_text(by_id[c.speech_id], c) for c in chunks]
        checkpoint("embedding")
        # Passage and sentence vectors from one forward pass per passage (jianggao.indexer.sentvec), cached.
        encoded = encode_chunks(encoder, speeches, chunks, texts, index_dir / CACHE_DIR, show_progress=progress)
        vectors, n_new = encoded.passages, encoded.n_encoded
        checkpoint("embedded")
        report.embedded, report.cached = n_new, len(texts) - n_new

        built = backend.build(
            speeches,
            chunks,
            vectors,
            [lexical_text(by_id[c.speech_id], c) for c in chunks],
            model=encoder.identity,
            files=files,
            index_type=index_type,
            pipeline_version=PIPELINE_VERSION,
            chunk_duplicates=chunk_duplicates(speeches, chunks),
            sentences=encoded.sentences,
        )
        backend.save(built, anew=rebuild)
        try:
            cleaned.save()
        except OSError as e:  # a cache: the index is saved, the next update cleans every file again
            log.warning("could not save the cleaned-text cache in %s (%s)", index_dir, e)
        report.speeches, report.chunks = len(speeches), len(chunks)
        report.seconds = time.perf_counter() - t0
        log.info("indexed %d speeches, %d chunks (%d embedded) in %.1fs", len(speeches), len(chunks), n_new,
                 report.seconds)
        return report
    finally:
        lock.release()
