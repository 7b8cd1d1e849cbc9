"""A library that grows by segments: adding files writes one new segment, never rewrites the library.

Layout of a segmented index folder::

    CURRENT                         name of the live version (one line), replaced atomically
    segments/<name>/                one immutable segment: a batch of speeches and their passages
        meta.sqlite                 speeches and passages (jianggao.indexer.metadb)
        dense/                      float16 vectors + flat or IVF-SQ8 index (jianggao.indexer.ann)
        keyword/                    BM25 postings (jianggao.indexer.lexseg)
    versions/<name>/                one version: which segments, in which order, and what is deleted
        manifest.json  dead.npy  dead_speeches.json

A version *refers to* segments by name; adding a file writes a new segment and a new small version folder that
lists the old segments plus the new one (no copy, no hard link needed). Removing a file writes only a version
folder whose ``dead.npy`` marks its passages deleted. Readers resolve ``CURRENT`` once (as ``jianggao.indexer.store``
does) and segments are never modified, so a reader of the previous version is never disturbed. Pruning deletes
versions other than the live and previous ones and the segments no kept version refers to. When more than
``MAX_SEGMENTS`` segments pile up, ``compacted()`` merges the adjacent pair with the fewest passages (dropping
deleted passages), so a big base segment is rewritten only when the recent ones have grown comparable.

Positions: a passage's position is its segment's offset plus its place in the segment; they are stable within
a version (deleted passages keep their position until a compaction), which is all the qa layer relies on
(positions are never kept across versions: the engine pins one version per request).

This object offers the read interface the qa layer uses on ``jianggao.indexer.store.Store`` (``chunks``,
``speeches``, ``vectors``, ``lexical``, ``chunk_duplicates``, ``speech_by_id``, ``chunks_of``,
``chunk_indices_of``, ``dense_search_batch``, ``manifest``, ``check_model``), backed by disk instead of lists.
"""
from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence as SequenceABC
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection, Iterator, Sequence

import numpy as np

from jianggao.indexer import fileio
from jianggao.indexer.ann import DenseIndex, DenseKind
from jianggao.indexer.lexseg import KeywordSegment, SegmentedKeywordIndex
from jianggao.indexer.metadb import MetaSegment, write_segment
from jianggao.indexer.types import Chunk, Speech

SEGMENTED_FORMAT = 1
MAX_SEGMENTS = 8
CURRENT = "CURRENT"
VERSIONS = "versions"
SEGMENTS = "segments"
MANIFEST = "manifest.json"
NORM_TOLERANCE = 1e-2  # float16 rows are unit vectors to ~1e-3


class SegmentedStoreError(Exception):
    pass


def _new_name() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"


@dataclass
class SegmentedManifest:
    format_version: int
    model: str
    dim: int
    segments: list[str]
    n_speeches: int
    n_chunks: int  # live passages
    files: dict[str, str] = field(default_factory=dict)
    created: str = ""
    index_type: str = "segmented"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Segment:
    """One immutable segment, opened (arrays memory-mapped, SQLite read-only)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.name = self.folder.name
        self.meta = MetaSegment(self.folder / "meta.sqlite")
        self.dense = DenseIndex.load(self.folder / "dense")
        self.keyword = KeywordSegment.load(self.folder / "keyword")
        if not (self.meta.n_chunks == len(self.dense) == len(self.keyword)):
            raise SegmentedStoreError(f"segment {self.folder} is inconsistent: {self.meta.n_chunks} passages, "
                                      f"{len(self.dense)} vectors, {len(self.keyword)} keyword documents")

    def __len__(self) -> int:
        return self.meta.n_chunks

    @staticmethod
    def write(folder: Path, speeches: Sequence[Speech], chunks: Sequence[Chunk], vectors: np.ndarray,
              keyword: KeywordSegment, duplicates: Sequence[Sequence[str]] | None = None,
              dense_kind: DenseKind = "auto", dense: DenseIndex | None = None,
              names: Sequence[tuple[str, str]] | None = None) -> None:
        tmp = folder.with_name(folder.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        write_segment(tmp / "meta.sqlite", speeches, chunks, duplicates, names)
        (dense or DenseIndex.build(vectors, dense_kind)).save(tmp / "dense")
        keyword.save(tmp / "keyword")
        fileio.fsync_tree(tmp)
        tmp.rename(folder)
        fileio.fsync_path(folder.parent)


# -- views that look like the lists of jianggao.indexer.store.Store ----------------------------------------------
class _Positions:
    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = list(segments)
        self.offsets = np.cumsum([0] + [len(s) for s in self.segments]).astype(np.int64)

    def locate(self, i: int) -> tuple[int, int]:
        n = int(self.offsets[-1])
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"position {i} out of range ({n} passages)")
        s = int(np.searchsorted(self.offsets, i, side="right")) - 1
        return s, i - int(self.offsets[s])

    def group(self, positions: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
        """segment -> [(place in ``positions``, local position)]."""
        out: dict[int, list[tuple[int, int]]] = {}
        for k, p in enumerate(positions):
            s, local = self.locate(int(p))
            out.setdefault(s, []).append((k, local))
        return out


class ChunkView(SequenceABC):
    """``store.chunks``: passages by position, read from the segments' SQLite files."""

    def __init__(self, pos: _Positions) -> None:
        self._pos = pos
        self._one = lru_cache(maxsize=4096)(self._load_one)

    def __len__(self) -> int:
        return int(self._pos.offsets[-1])

    def _load_one(self, i: int) -> Chunk:
        s, local = self._pos.locate(i)
        return self._pos.segments[s].meta.chunks([local])[0]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.many(range(*i.indices(len(self))))
        return self._one(int(i) if int(i) >= 0 else int(i) + len(self))

    def many(self, positions: Sequence[int]) -> list[Chunk]:
        out: list[Chunk | None] = [None] * len(positions)
        for s, items in self._pos.group(positions).items():
            got = self._pos.segments[s].meta.chunks([local for _, local in items])
            for (k, _), c in zip(items, got):
                out[k] = c
        return out  # type: ignore[return-value]

    def __iter__(self) -> Iterator[Chunk]:
        for seg in self._pos.segments:
            yield from seg.meta.iter_chunks()


class VectorView:
    """``store.vectors``: float32 rows on indexing (``store.vectors[[i, j]]``), float16 on disk."""

    def __init__(self, pos: _Positions, dim: int) -> None:
        self._pos = pos
        self.shape = (int(pos.offsets[-1]), dim)
        self.dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, idx) -> np.ndarray:
        if isinstance(idx, (int, np.integer)):
            s, local = self._pos.locate(int(idx))
            return np.asarray(self._pos.segments[s].dense.vectors[local], dtype=np.float32)
        if isinstance(idx, slice):
            idx = range(*idx.indices(len(self)))
        positions = np.asarray(idx, dtype=np.int64).ravel()
        out = np.zeros((len(positions), self.shape[1]), dtype=np.float32)
        for s, items in self._pos.group(positions).items():
            ks = np.array([k for k, _ in items])
            locals_ = np.array([local for _, local in items])
            order = np.argsort(locals_)
            out[ks[order]] = self._pos.segments[s].dense.vectors[locals_[order]]
        return out


class DuplicateView(SequenceABC):
    """``store.chunk_duplicates``: for each position, the live positions holding the same passage."""

    def __init__(self, store: "SegmentedStore") -> None:
        self._n = len(store.chunks)
        self._map: dict[int, list[int]] = {}
        for seg, off in zip(store._pos.segments, store._pos.offsets):
            for local, others in seg.meta.duplicates().items():
                found = [p for p in (store.position_of(o) for o in others) if p is not None]
                if found and not store.is_dead(int(off) + local):
                    self._map[int(off) + local] = found

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._map.get(j, []) for j in range(*i.indices(self._n))]
        return self._map.get(int(i), [])

    def __iter__(self) -> Iterator[list[int]]:
        return (self._map.get(i, []) for i in range(self._n))

    def nonempty(self) -> dict[int, list[int]]:
        return dict(self._map)


class SpeechView(SequenceABC):
    """``store.speeches``: live speeches in library order; whole Speech objects are read on access."""

    def __init__(self, store: "SegmentedStore") -> None:
        self._store = store
        self._ids = [(s, sid, src) for s, seg in enumerate(store._pos.segments) for sid, src in seg.meta.speech_ids()
                     if (seg.name, sid) not in store._dead_speeches]

    def ids(self) -> list[tuple[str, str]]:
        """(id, source) of the live speeches, without reading their texts."""
        return [(sid, src) for _, sid, src in self._ids]

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        s, sid, _ = self._ids[i]
        sp = self._store._pos.segments[s].meta.speech(sid)
        assert sp is not None
        return sp

    def __iter__(self) -> Iterator[Speech]:
        for seg in self._store._pos.segments:
            for sp in seg.meta.iter_speeches():
                if (seg.name, sp.id) not in self._store._dead_speeches:
                    yield sp


class SpeechMap(Mapping):
    """``store.speech_map``: speech id -> Speech, read on demand (recent ones cached), never all in memory."""

    def __init__(self, store: "SegmentedStore") -> None:
        self._store = store
        self._get = lru_cache(maxsize=1024)(self._load)

    def _load(self, speech_id: str) -> Speech | None:
        try:
            return self._store.speech_by_id(speech_id)
        except KeyError:
            return None

    def __getitem__(self, speech_id: str) -> Speech:
        sp = self._get(speech_id)
        if sp is None:
            raise KeyError(speech_id)
        return sp

    def __iter__(self) -> Iterator[str]:
        return (sid for sid, _ in self._store.speeches.ids())

    def __len__(self) -> int:
        return len(self._store.speeches)


class ChunkPositionMap(Mapping):
    """``store.chunk_position_map``: chunk id -> live position, looked up in SQLite (no 1M-entry dict)."""

    def __init__(self, store: "SegmentedStore") -> None:
        self._store = store

    def __getitem__(self, chunk_id: str) -> int:
        p = self._store.position_of(chunk_id)
        if p is None:
            raise KeyError(chunk_id)
        return p

    def __iter__(self) -> Iterator[str]:
        return (c.id for i, c in enumerate(self._store.chunks) if not self._store.is_dead(i))

    def __len__(self) -> int:
        return self._store.n_live


class SegmentNames:
    """Self-query's name look-up (jianggao.qa.selfquery.Names) over the runs each segment stores: a question's
    runs are looked up with one index-only count and one fetch per segment, so opening a library reads nothing
    per speech. Deleted speeches name nothing; ``size`` counts the live ones."""

    def __init__(self, store: "SegmentedStore") -> None:
        self._store = store
        self.size = len(store.speeches)

    def lookup(self, grams, at_most: int) -> dict[str, frozenset[str] | None]:
        grams = list(grams)
        segs, dead = self._store._pos.segments, self._store._dead_speeches
        total: dict[str, int] = {}
        for seg in segs:
            for g, n in seg.meta.name_counts(grams).items():
                total[g] = total.get(g, 0) + n
        # at least ``n - len(dead)`` of a gram's holders are live: more than ``at_most`` of them is certain
        out: dict[str, frozenset[str] | None] = {g: None for g, n in total.items() if n - len(dead) > at_most}
        wanted = [g for g in total if g not in out]
        live: dict[str, set[str]] = {}
        for seg in segs:
            for g, sids in seg.meta.name_holders(wanted).items():
                live.setdefault(g, set()).update(sid for sid in sids if (seg.name, sid) not in dead)
        for g, sids in live.items():
            if sids:
                out[g] = frozenset(sids) if len(sids) <= at_most else None
        return out


# -- the store --------------------------------------------------------------------------------------------------
class SegmentedStore:
    """One version of a segmented library. Immutable: ``add``/``remove_sources``/``compacted`` write a new
    version and return a new store over it."""

    def __init__(self, directory: Path, version: str, manifest: SegmentedManifest, segments: Sequence[Segment],
                 dead: np.ndarray | None, dead_speeches: set[tuple[str, str]]) -> None:
        self.directory = Path(directory)
        self.version = version
        self.manifest = manifest
        self._pos = _Positions(segments)
        n = int(self._pos.offsets[-1])
        self._dead = dead if dead is not None and dead.any() else None
        self._dead_speeches = dead_speeches
        self.chunks = ChunkView(self._pos)
        self.vectors = VectorView(self._pos, manifest.dim)
        self.lexical = SegmentedKeywordIndex([s.keyword for s in segments], self._dead)
        self.speeches = SpeechView(self)
        self.chunk_duplicates = DuplicateView(self)
        self.speech_map = SpeechMap(self)
        self.chunk_position_map = ChunkPositionMap(self)
        self.chunk_position = self.chunk_position_map  # the name the store interface uses (store_api.SearchStore)
        assert len(self.chunks) == n

    def __repr__(self) -> str:
        return (f"SegmentedStore({len(self.speeches)} speeches, {self.n_live} live passages in "
                f"{len(self._pos.segments)} segments, model={self.manifest.model!r})")

    @property
    def segments(self) -> list[Segment]:
        return self._pos.segments

    @property
    def n_live(self) -> int:
        return len(self.chunks) - (int(self._dead.sum()) if self._dead is not None else 0)

    def is_dead(self, position: int) -> bool:
        return bool(self._dead is not None and self._dead[position])

    # -- lookups -------------------------------------------------------------------------------------------
    def speech_by_id(self, speech_id: str) -> Speech:
        for seg in reversed(self._pos.segments):
            if (seg.name, speech_id) in self._dead_speeches:
                continue
            sp = seg.meta.speech(speech_id)
            if sp is not None:
                return sp
        raise KeyError(f"no speech with id {speech_id!r} in this index")

    def _segment_of_speech(self, speech_id: str) -> tuple[int, Segment] | None:
        for s in range(len(self._pos.segments) - 1, -1, -1):
            seg = self._pos.segments[s]
            if (seg.name, speech_id) not in self._dead_speeches and seg.meta.has_speech(speech_id):
                return s, seg
        return None

    def chunk_indices_of(self, speech_id: str) -> list[int]:
        found = self._segment_of_speech(speech_id)
        if found is None:
            return []
        s, seg = found
        off = int(self._pos.offsets[s])
        return [off + p for p in seg.meta.positions_of(speech_id)]

    def chunks_of(self, speech_id: str) -> list[Chunk]:
        return self.chunks.many(self.chunk_indices_of(speech_id))

    def position_of(self, chunk_id: str) -> int | None:
        """The live position of a chunk id (the chunk-id -> position map, without holding it in memory)."""
        for s in range(len(self._pos.segments) - 1, -1, -1):
            local = self._pos.segments[s].meta.position_of_chunk(chunk_id)
            if local is not None:
                p = int(self._pos.offsets[s]) + local
                if not self.is_dead(p):
                    return p
        return None

    def speech_ids_at(self, positions: Sequence[int]) -> list[str]:
        """The speech id of the passage at each position: one query per segment (retrieval's self-query boost
        reads it for every candidate; loading each candidate as a Chunk read its text too)."""
        out: list[str] = [""] * len(positions)
        for s, items in self._pos.group(positions).items():
            got = self._pos.segments[s].meta.speech_ids_at([local for _, local in items])
            for (k, _), sid in zip(items, got):
                out[k] = sid
        return out

    def titles(self, except_sources: Collection[str] = ()) -> list[str]:
        """Titles of the live speeches, leaving out those of files in ``except_sources`` (being replaced)."""
        skip = set(except_sources)
        per_segment = [seg.meta.titles() for seg in self._pos.segments]
        return [per_segment[s][sid] for s, sid, src in self.speeches._ids if src not in skip]

    def name_index(self) -> SegmentNames | None:
        """Self-query's look-up from the runs stored in the segments; None when a segment was written without
        them (under other rules): the caller then builds it from the speeches."""
        return SegmentNames(self) if all(seg.meta.has_names for seg in self._pos.segments) else None

    def substring_doc_freq(self, text: str) -> int:
        """Passages containing ``text``, estimated from the keyword postings (SegmentedKeywordIndex.contain_freq)."""
        from jianggao.indexer.normalize import normalize

        return self.lexical.contain_freq(normalize(text))

    def check_model(self, model: str, dim: int | None = None) -> None:
        from jianggao.indexer.model_identity import same_model
        from jianggao.indexer.store import IndexMismatchError

        if not same_model(model, self.manifest.model):
            raise IndexMismatchError(f"the index was built with the embedding model {self.manifest.model!r}, "
                                     f"not {model!r}; re-index with `jianggao index --rebuild`")
        if dim is not None and dim != self.manifest.dim:
            raise IndexMismatchError(f"the index holds {self.manifest.dim}-d vectors but the model gives {dim}-d")

    # -- search --------------------------------------------------------------------------------------------
    def dense_search_batch(self, query_vectors: np.ndarray, k: int) -> list[list[Any]]:
        from jianggao.indexer.store import DenseHit

        q = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.manifest.dim:
            raise ValueError(f"query vectors must have shape (n, {self.manifest.dim}), got {q.shape}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        k = min(k, self.n_live)
        all_s, all_i = [], []
        for seg, off in zip(self._pos.segments, self._pos.offsets):
            ex = None if self._dead is None else self._dead[int(off): int(off) + len(seg)]
            s, i = seg.dense.search(q, k, exclude=ex if ex is not None and ex.any() else None)
            all_s.append(s)
            all_i.append(np.where(i >= 0, i + int(off), -1))
        scores, ids = np.concatenate(all_s, axis=1), np.concatenate(all_i, axis=1)
        out = []
        for row_s, row_i in zip(scores, ids):
            keep = row_i >= 0
            row_s, row_i = row_s[keep], row_i[keep]
            order = np.lexsort((row_i, -row_s))[:k]
            out.append([DenseHit(int(row_i[o]), float(row_s[o])) for o in order])
        return out

    # -- opening -------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: Path, expect_model: str | None = None) -> "SegmentedStore":
        directory = Path(directory)
        try:
            version = (directory / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise SegmentedStoreError(f"no index in {directory}: run `jianggao index` first") from None
        folder = directory / VERSIONS / version
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if raw.get("format_version") != SEGMENTED_FORMAT or raw.get("index_type") != "segmented":
            raise SegmentedStoreError(f"{folder} is not a segmented index of format {SEGMENTED_FORMAT}")
        manifest = SegmentedManifest(**raw)
        segments = [Segment(directory / SEGMENTS / name) for name in manifest.segments]
        dead = np.load(folder / "dead.npy", allow_pickle=False) if (folder / "dead.npy").exists() else None
        ds = json.loads((folder / "dead_speeches.json").read_text(encoding="utf-8")) \
            if (folder / "dead_speeches.json").exists() else []
        store = cls(directory, version, manifest, segments, dead, {(a, b) for a, b in ds})
        if expect_model is not None:
            store.check_model(expect_model)
        return store

    @classmethod
    def create(cls, directory: Path, model: str, dim: int, speeches: Sequence[Speech], chunks: Sequence[Chunk],
               vectors: np.ndarray, keyword: KeywordSegment | None = None, files: dict[str, str] | None = None,
               duplicates: Sequence[Sequence[str]] | None = None, dense_kind: DenseKind = "auto") -> "SegmentedStore":
        """A new library in ``directory`` holding one segment."""
        directory = Path(directory)
        empty = SegmentedManifest(SEGMENTED_FORMAT, model, dim, [], 0, 0, {})
        base = cls(directory, "", empty, [], None, set())
        return base.add(speeches, chunks, vectors, keyword, files, duplicates, dense_kind=dense_kind)

    # -- changes -------------------------------------------------------------------------------------------
    def add(self, speeches: Sequence[Speech], chunks: Sequence[Chunk], vectors: np.ndarray,
            keyword: KeywordSegment | None = None, files: dict[str, str] | None = None,
            duplicates: Sequence[Sequence[str]] | None = None, replace_sources: Sequence[str] = (),
            dense_kind: DenseKind = "auto") -> "SegmentedStore":
        """A new version with these speeches as a new segment. Speeches of ``replace_sources`` (changed files)
        are marked deleted in the same version. ``keyword``: the segment's postings (default: from the chunks'
        heading + text, as ``jianggao.indexer.build.lexical_text``)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.manifest.dim):
            raise SegmentedStoreError(f"expected {len(chunks)} vectors of {self.manifest.dim}, got {vectors.shape}")
        norms = np.linalg.norm(vectors, axis=1)
        if len(norms) and np.abs(norms - 1).max() > NORM_TOLERANCE:
            raise SegmentedStoreError("vectors must be L2-normalised")
        ids = {s.id for s in speeches}
        if len(ids) != len(speeches) or {c.speech_id for c in chunks} - ids:
            raise SegmentedStoreError("speech ids must be unique and every chunk's speech must be given")
        if keyword is None:
            from jianggao.indexer.build import lexical_text

            by_id = {s.id: s for s in speeches}
            keyword = KeywordSegment.from_texts([lexical_text(by_id[c.speech_id], c) for c in chunks])
        directory = self.directory
        (directory / SEGMENTS).mkdir(parents=True, exist_ok=True)
        name = _new_name()
        Segment.write(directory / SEGMENTS / name, speeches, chunks, vectors, keyword, duplicates, dense_kind)
        seg = Segment(directory / SEGMENTS / name)
        store = self._with(self._pos.segments + [seg], self._grow_dead(len(seg)), set(self._dead_speeches),
                           {**self.manifest.files, **(files or {})})
        if replace_sources:
            store = store.remove_sources(replace_sources, keep_segment=name, _write=False)
        return store._publish()

    def remove_sources(self, sources: Sequence[str], keep_segment: str | None = None,
                       _write: bool = True) -> "SegmentedStore":
        """A new version without the speeches of these source files (their passages marked deleted)."""
        gone = set(sources)
        dead = np.zeros(len(self.chunks), bool) if self._dead is None else self._dead.copy()
        dead_speeches = set(self._dead_speeches)
        for s, seg in enumerate(self._pos.segments):
            if seg.name == keep_segment:
                continue
            off = int(self._pos.offsets[s])
            for sid, source in seg.meta.speech_ids():
                if source in gone and (seg.name, sid) not in dead_speeches:
                    dead_speeches.add((seg.name, sid))
                    dead[[off + p for p in seg.meta.positions_of(sid)]] = True
        files = {k: v for k, v in self.manifest.files.items() if k not in gone or keep_segment is not None}
        store = self._with(self._pos.segments, dead, dead_speeches, files)
        return store._publish() if _write else store

    def compacted(self, max_segments: int = MAX_SEGMENTS) -> "SegmentedStore":
        """Merge adjacent segments (smallest pair first) until at most ``max_segments`` remain; deleted passages
        and speeches are dropped from the merged segments. Returns self when nothing needs merging."""
        from jianggao.indexer.lexseg import merge

        segs = self._pos.segments
        if len(segs) <= max_segments:
            return self
        groups = [[i] for i in range(len(segs))]
        while len(groups) > max_segments:
            sizes = [sum(len(segs[i]) for i in g) for g in groups]
            j = min(range(len(groups) - 1), key=lambda j: sizes[j] + sizes[j + 1])
            groups[j:j + 2] = [groups[j] + groups[j + 1]]
        new_segs, dead_parts, dead_speeches = [], [], set()
        for g in groups:
            if len(g) == 1:
                seg = segs[g[0]]
                off = int(self._pos.offsets[g[0]])
                new_segs.append(seg)
                dead_parts.append(np.zeros(len(seg), bool) if self._dead is None else self._dead[off:off + len(seg)])
                dead_speeches |= {x for x in self._dead_speeches if x[0] == seg.name}
                continue
            speeches, chunks, vecs, dups, dead_g = [], [], [], [], []
            for i in g:
                seg, off = segs[i], int(self._pos.offsets[i])
                gone = np.zeros(len(seg), bool) if self._dead is None else self._dead[off:off + len(seg)]
                speeches += [sp for sp in seg.meta.iter_speeches() if (seg.name, sp.id) not in self._dead_speeches]
                dmap = seg.meta.duplicates()
                chunks += [c for c, dead in zip(seg.meta.iter_chunks(), gone) if not dead]
                dups += [dmap.get(int(p), []) for p in np.flatnonzero(~gone)]
                vecs.append(np.asarray(seg.dense.vectors)[~gone])
                dead_g.append(gone)
            vectors = np.concatenate(vecs).astype(np.float32)
            keyword = _drop_positions(merge([segs[i].keyword for i in g]), np.concatenate(dead_g))
            # The live speeches' naming runs are copied (POS-tagging 50k titles again would take minutes).
            names = [(gram, sid) for i in g for gram, sid in segs[i].meta.name_rows()
                     if (segs[i].name, sid) not in self._dead_speeches] \
                if all(segs[i].meta.has_names for i in g) else None
            name = _new_name()
            Segment.write(self.directory / SEGMENTS / name, speeches, chunks, vectors, keyword, dups, names=names)
            seg = Segment(self.directory / SEGMENTS / name)
            new_segs.append(seg)
            dead_parts.append(np.zeros(len(seg), bool))
        dead = np.concatenate(dead_parts)
        return self._with(new_segs, dead, dead_speeches, dict(self.manifest.files))._publish()

    # -- internals -----------------------------------------------------------------------------------------
    def _grow_dead(self, n: int) -> np.ndarray | None:
        return None if self._dead is None else np.concatenate([self._dead, np.zeros(n, bool)])

    def _with(self, segments: list[Segment], dead: np.ndarray | None, dead_speeches: set[tuple[str, str]],
              files: dict[str, str]) -> "SegmentedStore":
        n_chunks = sum(len(s) for s in segments) - (int(dead.sum()) if dead is not None else 0)
        n_speeches = sum(s.meta.n_speeches for s in segments) - len(dead_speeches)
        manifest = SegmentedManifest(SEGMENTED_FORMAT, self.manifest.model, self.manifest.dim,
                                     [s.name for s in segments], n_speeches, n_chunks, files,
                                     datetime.now(timezone.utc).isoformat(timespec="seconds"))
        return SegmentedStore(self.directory, "", manifest, segments, dead, dead_speeches)

    def _publish(self) -> "SegmentedStore":
        """Write this store's version folder, make it live, prune old versions and unreferenced segments."""
        versions = self.directory / VERSIONS
        versions.mkdir(parents=True, exist_ok=True)
        try:
            previous = (self.directory / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            previous = None
        name = _new_name()
        folder = versions / name
        folder.mkdir()
        if self._dead is not None:
            np.save(folder / "dead.npy", self._dead, allow_pickle=False)
        (folder / "dead_speeches.json").write_text(json.dumps(sorted(self._dead_speeches)), encoding="utf-8")
        (folder / MANIFEST).write_text(json.dumps(self.manifest.to_json(), ensure_ascii=False), encoding="utf-8")
        fileio.fsync_tree(folder)
        fileio.fsync_path(versions)
        fileio.write_pointer(self.directory / CURRENT, name)
        self.version = name
        keep = {name, previous}
        for entry in versions.iterdir():
            if entry.name not in keep and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
        used: set[str] = set()
        for v in keep:
            if v and (versions / v / MANIFEST).exists():
                used |= set(json.loads((versions / v / MANIFEST).read_text(encoding="utf-8"))["segments"])
        for entry in (self.directory / SEGMENTS).iterdir():
            if entry.name not in used:  # including ".part" folders a killed writer left (writers hold the lock)
                shutil.rmtree(entry, ignore_errors=True)
        return self


def _drop_positions(segment: KeywordSegment, dead: np.ndarray) -> KeywordSegment:
    """The segment without the documents marked in ``dead`` (later documents move up)."""
    if not dead.any():
        return segment
    new_pos = np.cumsum(~dead) - 1
    docs = np.asarray(segment.docs)
    keep = ~dead[docs]
    # per-term counts after dropping
    term_of = np.repeat(np.arange(len(segment.ptr) - 1), np.diff(np.asarray(segment.ptr)))[keep]
    ptr = np.zeros(len(segment.ptr), dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=len(segment.ptr) - 1), out=ptr[1:])
    return KeywordSegment(dict(segment.vocab), ptr, new_pos[docs[keep]].astype(np.int32),
                          np.asarray(segment.tf)[keep], np.asarray(segment.doc_len)[~dead])


def is_segmented(index_dir: Path) -> bool:
    """Whether the live version under ``index_dir`` is a segmented library."""
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
        raw = json.loads((Path(index_dir) / VERSIONS / name / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(raw, dict) and raw.get("index_type") == "segmented"


def open_store(index_dir: Path, expect_model: str | None = None) -> Any:
    """The live index under ``index_dir``: a SegmentedStore or a jianggao.indexer.store.Store."""
    if is_segmented(index_dir):
        return SegmentedStore.load(index_dir, expect_model=expect_model)
    from jianggao.indexer.store import Store

    return Store.load(index_dir, expect_model=expect_model)
