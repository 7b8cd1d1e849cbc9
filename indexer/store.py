"""The index on disk and in memory: speeches, chunks, their vectors, a FAISS index and a BM25 index.

Layout of an index folder::

    CURRENT                      name of the live version (one line), replaced atomically
    versions/<time>-<uuid>/      one complete, immutable index
        manifest.json  speeches.jsonl  chunks.jsonl  duplicates.json  vectors.npy  dense.faiss  lexical/
        names.json (each speech's identity for self-query; optional: computed when missing)

Saving writes a fresh version folder, fsyncs it, and only then points ``CURRENT`` at it (temp file +
``os.replace``); older versions except the previous one are deleted afterwards. A process killed at any
moment therefore leaves ``CURRENT`` naming a complete version: the new one or the one before. Readers
resolve ``CURRENT`` once and read only that folder, and the previous version is kept so that a reader
that resolved it just before a save can still finish. Writers must hold the index lock (``jianggao.indexer.build``).

Vectors are L2-normalised, so FAISS's inner product (``METRIC_INNER_PRODUCT``) is their cosine similarity.
Nothing here uses pickle: JSON, ``.npy`` with ``allow_pickle=False``, and FAISS's own format.
"""
from __future__ import annotations

import json
import logging
import math
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, NamedTuple, Sequence, get_args

import numpy as np

from jianggao.indexer import fileio
from jianggao.indexer.checkpoints import checkpoint
from jianggao.indexer.config import CACHE_DIR
from jianggao.indexer.lexical import LexicalIndex, resources_signature
from jianggao.indexer.options import check_option
from jianggao.indexer.types import Chunk, Speech

log = logging.getLogger(__name__)

FORMAT_VERSION = 1

IndexType = Literal["auto", "flat", "hnsw", "ivf"]
INDEX_TYPES: tuple[str, ...] = get_args(IndexType)

# Exact search is a few ms per query up to here; beyond, HNSW keeps queries fast at ~99% recall.
HNSW_MIN_CHUNKS = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128
# Approximate indexes are asked for at most this many neighbours; deeper lists (e.g. a search restricted
# to a few speeches asks for every chunk) are computed exactly from the vectors instead.
APPROX_MAX_K = 1024
# Dense searches fetch this many neighbours beyond k and re-sort (LoadedIndex.rescored): ties at the cut
# then fall to the lower position in every store.
TIE_MARGIN = 16

CURRENT = "CURRENT"
VERSIONS = "versions"
MANIFEST = "manifest.json"
SPEECHES = "speeches.jsonl"
CHUNKS = "chunks.jsonl"
DUPLICATES = "duplicates.json"
VECTORS = "vectors.npy"
# Sentence vectors beside the passage vectors (jianggao.indexer.sentvec); optional: an index without them
# still loads, and answering then scores sentences by their passage vector.
SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCE_SPANS = "sentence_spans.npy"
DENSE = "dense.faiss"
LEXICAL = "lexical"
NAMES = "names.json"  # jianggao.indexer.speechnames.write_names

REBUILD_HINT = "re-index with `jianggao index --rebuild`"
NORM_TOLERANCE = 1e-3

class StoreError(Exception):
    """The index is missing, unreadable, or cannot be built from what was given."""


class IndexMismatchError(StoreError):
    """The index on disk was made by another format version or embedding model."""


class DenseHit(NamedTuple):
    doc: int  # position in Store.chunks
    score: float  # cosine similarity


@dataclass
class Manifest:
    format_version: int
    model: str
    dim: int
    index_type: str  # "flat" | "hnsw" | "ivf"
    n_speeches: int
    n_chunks: int
    files: dict[str, str] = field(default_factory=dict)  # source -> sha1 of the file's bytes
    created: str = ""  # ISO 8601, UTC
    # jianggao.indexer.pipeline.PIPELINE_VERSION of the rules that made the speeches (0: an index from before it)
    pipeline_version: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Manifest":
        try:
            return cls(
                format_version=int(d["format_version"]),
                model=str(d["model"]),
                dim=int(d["dim"]),
                index_type=str(d["index_type"]),
                n_speeches=int(d["n_speeches"]),
                n_chunks=int(d["n_chunks"]),
                files={str(k): str(v) for k, v in (d.get("files") or {}).items()},
                created=str(d.get("created", "")),
                pipeline_version=int(d.get("pipeline_version", 0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StoreError(f"manifest is incomplete or malformed ({type(e).__name__}: {e}); {REBUILD_HINT}") from e


def _current_version(directory: Path) -> str | None:
    try:
        return fileio.read_pointer(directory / CURRENT)
    except ValueError as e:
        raise StoreError(f"{e}; {REBUILD_HINT}") from e
    except OSError as e:
        raise StoreError(f"cannot read {directory / CURRENT} ({e})") from e


# -- dense index ---------------------------------------------------------------------------------------------
def choose_index_type(n_chunks: int, index_type: IndexType = "auto") -> str:
    check_option("index type", index_type, INDEX_TYPES)
    if index_type != "auto":
        return index_type
    return "hnsw" if n_chunks >= HNSW_MIN_CHUNKS else "flat"


def ivf_lists(n: int) -> int:
    """IVF cluster count: ~4*sqrt(n), with at least ~39 training points per cluster as FAISS advises."""
    return max(1, min(int(4 * math.sqrt(n)), n // 39))


def build_faiss_index(vectors: np.ndarray, index_type: str) -> Any:
    """A FAISS index over unit vectors where the inner-product score is cosine similarity."""
    import faiss

    check_option("index type", index_type, INDEX_TYPES[1:])
    n, dim = vectors.shape
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:  # ivf
        nlist = ivf_lists(n)
        quantizer = faiss.IndexFlatIP(dim)
        # faiss's Python wrapper keeps a reference to the quantizer for the index's lifetime.
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = max(1, min(nlist, 16))  # stored in the index file, so it survives save/load
    index.add(vectors)
    return index


class Parts(NamedTuple):
    """What every store holds, checked to fit together (``check_parts``)."""

    speeches: list[Speech]
    chunks: list[Chunk]
    vectors: np.ndarray  # float32 (n_chunks, dim), unit rows
    manifest: Manifest
    chunk_duplicates: list[list[int]]


def check_parts(
    speeches: Sequence[Speech],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    lexical_texts: Sequence[str],
    model: str,
    files: dict[str, str],
    index_type: IndexType = "auto",
    chunk_duplicates: Sequence[Sequence[int]] | None = None,
    pipeline_version: int = 0,
) -> Parts:
    """The parts of an index checked against each other (StoreError says what does not fit), with the manifest
    that describes them. Shared by every store implementation."""
    check_option("index type", index_type, INDEX_TYPES)
    speeches, chunks = list(speeches), list(chunks)
    if not speeches or not chunks:
        raise StoreError(
            f"nothing to index: {len(speeches)} speeches and {len(chunks)} chunks; "
            "check that the corpus folder holds speech files with text (.txt, .docx, .pdf, .html)"
        )
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(chunks):
        raise StoreError(f"expected one vector per chunk ({len(chunks)}), got an array of shape {vectors.shape}")
    if len(lexical_texts) != len(chunks):
        raise StoreError(f"expected one keyword text per chunk ({len(chunks)}), got {len(lexical_texts)}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if not np.isfinite(vectors).all():
        raise StoreError("some vectors hold NaN or infinity; the embedding model failed on some text")
    norms = np.linalg.norm(vectors, axis=1)
    if np.abs(norms - 1).max() > NORM_TOLERANCE:
        raise StoreError(
            f"vectors must be L2-normalised (norms range {norms.min():.4f}..{norms.max():.4f}); "
            "use jianggao.indexer.embedding.Encoder, which normalises"
        )
    ids = [s.id for s in speeches]
    if len(set(ids)) != len(ids):
        raise StoreError("speech ids are not unique")
    known = set(ids)
    orphans = sorted({c.speech_id for c in chunks} - known)
    if orphans:
        raise StoreError(f"chunks refer to unknown speeches: {', '.join(orphans[:5])}")
    dups = [list(map(int, d)) for d in chunk_duplicates] if chunk_duplicates is not None else None
    if dups is not None and len(dups) != len(chunks):
        raise StoreError(f"expected duplicate lists for {len(chunks)} chunks, got {len(dups)}")
    resolved = choose_index_type(len(chunks), index_type)
    if resolved == "ivf" and len(chunks) < 39:
        raise StoreError(f"an ivf index needs at least 39 chunks to train, got {len(chunks)}; use 'flat'")
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=model,
        dim=int(vectors.shape[1]),
        index_type=resolved,
        n_speeches=len(speeches),
        n_chunks=len(chunks),
        files=dict(files),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        pipeline_version=pipeline_version,
    )
    return Parts(speeches, chunks, vectors, manifest, dups if dups is not None else [[] for _ in chunks])


def sentence_problem(sentences: Any, dim: int, n_chunks: int) -> str | None:
    """What is wrong with sentence vectors (jianggao.indexer.sentvec.SentenceVectors) for an index of ``n_chunks``
    ``dim``-d passages, or None: float32 rows of ``dim``, one (chunk, start, end) span per row, chunks in range."""
    sv, sp = sentences.vectors, sentences.spans
    if sv.dtype != np.float32 or sv.ndim != 2 or sv.shape[1] != dim or sp.shape != (len(sv), 3):
        return f"sentence vectors {sv.shape} / spans {sp.shape}"
    if len(sp) and (int(sp[:, 0].min()) < 0 or int(sp[:, 0].max()) >= n_chunks):
        return "sentence spans refer to chunks that do not exist"
    return None


def checked_sentences(sentences: Any, dim: int, n_chunks: int) -> Any:
    """Sentence vectors given to a store's build, as contiguous float32 vectors and int32 spans; StoreError when
    they do not fit the passages (``sentence_problem``). None (no sentence vectors) stays None."""
    if sentences is None:
        return None
    sentences = type(sentences)(np.ascontiguousarray(sentences.vectors, np.float32),
                                np.asarray(sentences.spans, np.int32))
    problem = sentence_problem(sentences, dim, n_chunks)
    if problem:
        raise StoreError(f"{problem}: they do not fit the passages")
    return sentences


# -- the store -----------------------------------------------------------------------------------------------
class LoadedIndex:
    """The speeches, chunks, vectors and duplicate links of one index version, in memory, with the lookups the
    qa layer uses. Shared by every store implementation (jianggao.indexer.store_api); read-only after
    construction, so safe for concurrent reads."""

    def __init__(
        self,
        speeches: list[Speech],
        chunks: list[Chunk],
        vectors: np.ndarray,
        manifest: Manifest,
        chunk_duplicates: list[list[int]] | None = None,
    ) -> None:
        self.speeches = speeches
        self.chunks = chunks
        self.vectors = vectors
        self.manifest = manifest
        # For each chunk, the chunks of other speeches holding the same passage (see jianggao.indexer.build).
        self.chunk_duplicates = chunk_duplicates if chunk_duplicates is not None else [[] for _ in chunks]
        self._speech_by_id = {s.id: s for s in speeches}
        self._chunks_by_speech: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            self._chunks_by_speech.setdefault(c.speech_id, []).append(i)
        self._chunk_position: dict[str, int] | None = None
        self._identities: dict[str, Any] | None = None  # speech id -> speechnames.Identity, once known
        self._names_path: Path | None = None  # where a loaded version stores them (read on first use)

    # -- lookups -------------------------------------------------------------------------------------------
    def speech_by_id(self, speech_id: str) -> Speech:
        try:
            return self._speech_by_id[speech_id]
        except KeyError:
            raise KeyError(f"no speech with id {speech_id!r} in this index") from None

    def chunks_of(self, speech_id: str) -> list[Chunk]:
        """The chunks of one speech, in order (empty for an unknown id)."""
        return [self.chunks[i] for i in self._chunks_by_speech.get(speech_id, [])]

    def chunk_indices_of(self, speech_id: str) -> list[int]:
        return list(self._chunks_by_speech.get(speech_id, []))

    @property
    def chunk_position(self) -> dict[str, int]:
        """Chunk id -> its position in ``chunks`` (the ``doc`` of search hits). Built on first use; the store
        never changes, so the map stays true. Read-only by contract: callers must not modify it."""
        pos = self._chunk_position
        if pos is None:  # two threads may both build it: same content, last assignment wins
            pos = self._chunk_position = {c.id: i for i, c in enumerate(self.chunks)}
        return pos

    def identities(self) -> dict[str, Any]:
        """Speech id -> its identity (jianggao.indexer.speechnames: what self-query matches): those stored with the
        index that still match their speech, the others computed (jieba POS-tags their titles); once, on first
        use. Same content whichever thread computes it first."""
        found = self._identities
        if found is None:
            from jianggao.indexer import speechnames

            stored = speechnames.read_names(self._names_path) if self._names_path is not None else {}
            found = self._identities = speechnames.identities_for(self.speeches, stored)
        return found

    def check_model(self, model: str, dim: int | None = None) -> None:
        """Raise IndexMismatchError unless the index was built with ``model`` (and vectors of size ``dim``)."""
        from jianggao.indexer.model_identity import model_identity, same_model

        m = self.manifest
        # Identities (name + weights hash) compare; an old manifest's folder path matches while that folder
        # exists with the same weights, else the user is told to re-index.
        if not same_model(model, m.model):
            raise IndexMismatchError(
                f"the index was built with the embedding model {model_identity(m.model)!r}, not "
                f"{model_identity(model)!r}; use that model, or {REBUILD_HINT}"
            )
        if dim is not None and dim != m.dim:
            raise IndexMismatchError(f"the index holds {m.dim}-d vectors but the model gives {dim}-d; {REBUILD_HINT}")

    def check_query_vectors(self, query_vectors: np.ndarray, k: int) -> np.ndarray:
        """The query vectors as a contiguous float32 matrix; ValueError for a wrong shape or k < 1."""
        q = np.asarray(query_vectors, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.manifest.dim:
            raise ValueError(f"query vectors must have shape (n, {self.manifest.dim}), got {q.shape}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        return np.ascontiguousarray(q)

    def rescored(self, q: np.ndarray, candidates: Sequence[Sequence[int]], k: int) -> list[list[DenseHit]]:
        """The best ``k`` of each query's candidate positions, scored here as float32 dot products with the
        vectors in memory and ordered by (-score, position). Every store ends its dense search with this, so
        equal vectors (copies of a speech) tie in position order and stores that compute the similarity in
        different ways (FAISS's BLAS, Milvus) still give bit-identical scores and one order."""
        out = []
        for row, cand in zip(q, candidates):
            docs = np.fromiter((d for d in cand if d >= 0), dtype=np.int64)
            if len(docs) == 0:
                out.append([])
                continue
            scores = self.vectors[docs] @ row
            order = np.lexsort((docs, -scores))[:k]
            out.append([DenseHit(int(docs[i]), float(scores[i])) for i in order])
        return out

    def exact_search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k by inner product from the vectors in memory: (scores, positions), best first."""
        sims = q @ self.vectors.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        return np.take_along_axis(top_scores, order, axis=1), np.take_along_axis(top, order, axis=1)


class Store(LoadedIndex):
    """The default store: FAISS for dense search and bm25s for keywords, in versioned folders on disk."""

    def __init__(
        self,
        speeches: list[Speech],
        chunks: list[Chunk],
        vectors: np.ndarray,
        lexical: LexicalIndex,
        manifest: Manifest,
        index: Any = None,
        chunk_duplicates: list[list[int]] | None = None,
        sentences: Any = None,
    ) -> None:
        super().__init__(speeches, chunks, vectors, manifest, chunk_duplicates)
        self.sentences = sentences  # jianggao.indexer.sentvec.SentenceVectors, or None
        self.lexical = lexical
        self.index = index if index is not None else build_faiss_index(vectors, manifest.index_type)

    def __repr__(self) -> str:
        m = self.manifest
        return f"Store({m.n_speeches} speeches, {m.n_chunks} chunks, {m.index_type}, model={m.model!r})"

    # -- building ------------------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        speeches: Sequence[Speech],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        lexical_texts: Sequence[str],
        model: str,
        files: dict[str, str],
        index_type: IndexType = "auto",
        chunk_duplicates: Sequence[Sequence[int]] | None = None,
        sentences: Any = None,
        pipeline_version: int = 0,
        terms_cache: Any = None,
    ) -> "Store":
        """Check the parts fit together and build both search indexes. ``vectors[i]`` embeds ``chunks[i]``
        and ``lexical_texts[i]`` is what keyword search sees of it; ``terms_cache``: words of lines tokenised
        before (jianggao.indexer.terms_cache; FilesBackend passes the index folder's)."""
        parts = check_parts(speeches, chunks, vectors, lexical_texts, model, files, index_type, chunk_duplicates,
                            pipeline_version=pipeline_version)
        lexical = LexicalIndex.build(list(lexical_texts), terms_cache)
        sentences = checked_sentences(sentences, parts.manifest.dim, len(parts.chunks))
        return cls(parts.speeches, parts.chunks, parts.vectors, lexical, parts.manifest,
                   chunk_duplicates=parts.chunk_duplicates, sentences=sentences)

    # -- search --------------------------------------------------------------------------------------------
    def dense_search_batch(self, query_vectors: np.ndarray, k: int) -> list[list[DenseHit]]:
        """The ``k`` chunks nearest each query vector by cosine, best first (``k`` is clamped to the corpus)."""
        q = self.check_query_vectors(query_vectors, k)
        if len(q) == 0:
            return []
        k = min(k, len(self.chunks))
        depth = min(k + TIE_MARGIN, len(self.chunks))  # a little deeper, so that ties at the cut sort by position
        if self.manifest.index_type != "flat" and k > APPROX_MAX_K:
            _, docs = self.exact_search(q, depth)
        else:
            _, docs = self.index.search(q, depth, params=self._search_params(depth))
        return self.rescored(q, docs, k)

    def _search_params(self, k: int) -> Any:
        import faiss

        # Per-call parameters rather than mutating the index: concurrent searches stay independent.
        if self.manifest.index_type == "hnsw":
            return faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        return None

    # -- persistence ---------------------------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        """Write a new version of the index under ``directory`` and make it the live one (see module doc).
        Returns the version folder."""
        import faiss

        directory = Path(directory)
        versions = directory / VERSIONS
        versions.mkdir(parents=True, exist_ok=True)
        try:
            previous = _current_version(directory)
        except StoreError as e:  # a damaged pointer is replaced by this save
            log.warning("%s", e)
            previous = None
        name = fileio.new_version_name()
        folder = versions / name
        folder.mkdir()
        try:
            fileio.write_jsonl(folder / SPEECHES, (s.to_json() for s in self.speeches))
            fileio.write_jsonl(folder / CHUNKS, (c.to_json() for c in self.chunks))
            checkpoint("writing")  # a half-written version folder
            (folder / DUPLICATES).write_text(json.dumps(self.chunk_duplicates), encoding="utf-8")
            np.save(folder / VECTORS, self.vectors, allow_pickle=False)
            if self.sentences is not None:
                np.save(folder / SENTENCE_VECTORS, self.sentences.vectors, allow_pickle=False)
                np.save(folder / SENTENCE_SPANS, self.sentences.spans, allow_pickle=False)
            faiss.write_index(self.index, str(folder / DENSE))
            self.lexical.save(folder / LEXICAL)
            self._save_names(folder, versions / previous if previous else None)
            # The manifest goes last: a version folder without one was never finished.
            (folder / MANIFEST).write_text(json.dumps(self.manifest.to_json(), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
            fileio.fsync_tree(folder)
            fileio.fsync_path(versions)
            checkpoint("written")  # complete, but not live yet
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        fileio.write_pointer(directory / CURRENT, name)
        checkpoint("switched")  # live, older versions not pruned yet
        log.info("saved index version %s (%d chunks) in %s", name, len(self.chunks), directory)
        self._prune(versions, keep={name, previous})
        return folder

    def _save_names(self, folder: Path, previous: Path | None) -> None:
        """names.json of the version being written: ``identities()``, which reuses the stored ones (a new store's:
        the previous version's) for unchanged speeches, so an update tags only new or changed ones."""
        from jianggao.indexer import speechnames

        if self._names_path is None and previous is not None:
            self._names_path = previous / NAMES
        speechnames.write_names(folder / NAMES, self.speeches, self.identities())

    @staticmethod
    def _prune(versions: Path, keep: set[str | None]) -> None:
        """Delete versions other than the live and the previous one, including any a killed save left."""
        for entry in versions.iterdir():
            if entry.name not in keep and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
                log.debug("deleted old index version %s", entry.name)

    @classmethod
    def load(cls, directory: Path, expect_model: str | None = None, expect_dim: int | None = None) -> "Store":
        """Load the live version under ``directory``. With ``expect_model``/``expect_dim``, refuse an index
        made with another model (IndexMismatchError)."""
        import faiss

        directory = Path(directory)
        name = _current_version(directory)
        if name is None:
            raise StoreError(f"no index in {directory}: run `jianggao index` first")
        folder = directory / VERSIONS / name
        manifest_path = folder / MANIFEST
        try:
            raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{directory / CURRENT} names version {name}, which is missing; {REBUILD_HINT}") from None
        except (OSError, ValueError) as e:
            raise StoreError(f"cannot read {manifest_path} ({e}); {REBUILD_HINT}") from e
        if not isinstance(raw, dict):
            raise StoreError(f"{manifest_path} is not a JSON object; {REBUILD_HINT}")
        found = raw.get("format_version")
        if found != FORMAT_VERSION:
            raise IndexMismatchError(
                f"the index in {directory} has format version {found!r}, this program reads version "
                f"{FORMAT_VERSION}; {REBUILD_HINT}"
            )
        manifest = Manifest.from_json(raw)
        try:
            speeches = [Speech.from_json(d) for d in fileio.read_jsonl(folder / SPEECHES)]
            chunks = [Chunk.from_json(d) for d in fileio.read_jsonl(folder / CHUNKS)]
            duplicates = json.loads((folder / DUPLICATES).read_text(encoding="utf-8"))
            vectors = np.load(folder / VECTORS, allow_pickle=False)
            index = faiss.read_index(str(folder / DENSE))
            lexical = LexicalIndex.load(folder / LEXICAL)
            sentences = None
            if (folder / SENTENCE_VECTORS).exists():
                from jianggao.indexer.sentvec import SentenceVectors

                sentences = SentenceVectors(np.load(folder / SENTENCE_VECTORS, allow_pickle=False),
                                            np.load(folder / SENTENCE_SPANS, allow_pickle=False))
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as e:
            raise StoreError(f"the index version {folder} is damaged ({type(e).__name__}: {e}); {REBUILD_HINT}") from e
        problems = []
        if len(speeches) != manifest.n_speeches:
            problems.append(f"{len(speeches)} speeches, manifest says {manifest.n_speeches}")
        if len(chunks) != manifest.n_chunks:
            problems.append(f"{len(chunks)} chunks, manifest says {manifest.n_chunks}")
        if vectors.dtype != np.float32 or vectors.shape != (manifest.n_chunks, manifest.dim):
            problems.append(f"vectors {vectors.dtype}{vectors.shape}, expected float32({manifest.n_chunks}, {manifest.dim})")
        if index.ntotal != manifest.n_chunks or index.d != manifest.dim:
            problems.append(f"dense index of {index.ntotal} x {index.d}")
        if len(lexical) != manifest.n_chunks:
            problems.append(f"keyword index of {len(lexical)} documents")
        if not isinstance(duplicates, list) or len(duplicates) != manifest.n_chunks:
            problems.append("duplicate lists do not match the chunks")
        problem = sentence_problem(sentences, manifest.dim, manifest.n_chunks) if sentences is not None else None
        if problem:
            problems.append(problem)
        if problems:
            raise StoreError(f"the index version {folder} is inconsistent ({'; '.join(problems)}); {REBUILD_HINT}")
        store = cls(speeches, chunks, vectors, lexical, manifest, index=index, chunk_duplicates=duplicates,
                    sentences=sentences)
        store._names_path = folder / NAMES
        if expect_model is not None or expect_dim is not None:
            store.check_model(expect_model if expect_model is not None else manifest.model, expect_dim)
        return store


@dataclass
class FilesBackend:
    """Versioned index folders under ``index_dir`` (this module's Store): the default place an index lives.
    See jianggao.indexer.store_api for the interface and the other backends."""

    index_dir: Path

    def exists(self) -> bool:
        return (self.index_dir / CURRENT).exists()

    def load(self, expect_model: str | None = None, expect_dim: int | None = None) -> Store:
        return Store.load(self.index_dir, expect_model=expect_model, expect_dim=expect_dim)

    def build(self, *args, **kwargs) -> Store:
        """Store.build, with the words of lines seen by earlier builds of this folder (an update re-tokenises new
        lines only); the cache is written once the build has succeeded."""
        from jianggao.indexer.terms_cache import TERMS_CACHE_NAME, TermsCache

        cache = TermsCache(self.index_dir / CACHE_DIR / TERMS_CACHE_NAME, resources_signature())
        store = Store.build(*args, terms_cache=cache, **kwargs)
        try:
            cache.save()
        except OSError as e:  # a cache: the index is whole without it
            log.warning("could not write the keyword terms cache %s (%s)", cache.path, e)
        return store

    def save(self, store: Store, anew: bool = False) -> str:
        return store.save(self.index_dir).name  # always a whole new version: ``anew`` changes nothing

    def describe(self) -> str:
        return str(self.index_dir)
