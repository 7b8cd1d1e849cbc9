"""Dense search for large libraries: vectors kept as float16 on disk, an index chosen by size.

Why this shape:

- **Vectors as float16, memory-mapped** (``vectors.f16.npy``, opened with ``mmap_mode="r"``). Half the bytes of
  float32, cosine error ~1e-3 (well below the gaps that order real neighbours), and the operating system pages in
  only the rows that are read. At 1M x 512 that is 1 GB on disk instead of 2 GB in the process.
- **Exact below ``FLAT_MAX`` chunks**: a float32 ``IndexFlatIP`` built from the float16 rows at load
  (100 MB at 50k x 512); a query costs a few ms and recall is 1.
- **IVF + 8-bit scalar quantiser above it** (``IndexIVFScalarQuantizer``, ~sqrt(n) lists). HNSW was considered:
  its graph takes ~1 h to build at 1M x 512 on two cores and holds float32 vectors (2 GB) in memory; IVF-SQ8
  trains k-means on a sample (seconds), its codes are d bytes per vector (512 MB at 1M) and new vectors are added
  to the trained lists without retraining. The candidates it returns (``RERANK`` x k) are then re-scored exactly
  from the float16 rows, so the scores returned are true cosines whatever index found them and segments can be
  merged by score. ``nprobe`` is tuned when the index is built: the smallest of ``NPROBE_STEPS`` whose recall@10
  against exact search reaches ``TUNE_RECALL`` on a sample of the library's own vectors (perturbed, so that a
  query is not simply itself); it is stored with the index. Real-query recall is measured by the tests (small
  sizes) and ``scripts/bench_scale.py`` (up to 1M).

Positions are local to a segment (0..n-1); ``jianggao.indexer.segmented`` adds segment offsets. Deleted rows are
skipped with ``exclude`` (a boolean mask), by asking the index for that many more candidates.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
import contextlib
import threading
from typing import Any, Iterator, Literal, get_args

import numpy as np

from jianggao.indexer.options import check_option

DenseKind = Literal["auto", "flat", "ivf-sq8"]
DENSE_KINDS: tuple[str, ...] = get_args(DenseKind)

FLAT_MAX = 50_000  # exact search stays under ~10 ms per query up to here
RERANK = 4  # the IVF index proposes RERANK * k candidates (at least MIN_CANDIDATES), re-scored exactly
MIN_CANDIDATES = 64
# The IVF index only sees the probed lists: lists deeper than this are computed exactly from the vectors.
APPROX_MAX_K = 1024
NPROBE_STEPS = (8, 16, 32, 48, 64, 96, 128, 192, 256)
# Margin over the 0.98 promised on real questions: the stand-in queries' recall runs above the questions'. 0.99
# gave 0.978 on the 88 eval questions at 100k; 0.995 then gave 0.976-0.980 there with int8 passage vectors (AMD
# Zen 4, seventh session: nprobe 48), while nprobe 96 gave 1.0 for ~1 ms more per query. Small libraries (few
# lists) were tuned to 0.999 already: at 1.2k passages / 29 lists, nprobe 8 gave 0.993 on the stand-ins but 0.956
# on the questions.
TUNE_RECALL = 0.999
TUNE_QUERIES = 200
TUNE_NOISE = 1.0  # noise norm added to a unit midpoint (see pseudo_queries)
TRAIN_PER_LIST = 40
EXACT_BLOCK = 65_536  # rows converted to float32 at a time in exact scans
# FAISS parallelises one query over OpenMP threads; on a small, busy CPU (2 cores shared with the encoder's
# threads) the threads spin-wait on each other: a 10k flat search took 40-55 ms with 2 threads, 1 ms with 1.
# Batches of fewer queries than this run on one thread.
SINGLE_THREAD_BELOW = 16

VECTORS = "vectors.f16.npy"
INDEX = "dense.faiss"
META = "dense.json"


_omp_lock = threading.Lock()
_omp_state = {"active": 0, "before": 0}


@contextlib.contextmanager
def faiss_threads(n_queries: int) -> Iterator[None]:
    """One OpenMP thread for small batches (see SINGLE_THREAD_BELOW), FAISS's default otherwise. Concurrent
    small searches share one setting; the last to finish restores the default."""
    if n_queries >= SINGLE_THREAD_BELOW:
        yield
        return
    import faiss

    with _omp_lock:
        if _omp_state["active"] == 0:
            _omp_state["before"] = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
        _omp_state["active"] += 1
    try:
        yield
    finally:
        with _omp_lock:
            _omp_state["active"] -= 1
            if _omp_state["active"] == 0:
                faiss.omp_set_num_threads(_omp_state["before"])


def choose_kind(n: int, kind: DenseKind = "auto") -> str:
    check_option("dense index kind", kind, DENSE_KINDS)
    if kind != "auto":
        return kind
    return "flat" if n < FLAT_MAX else "ivf-sq8"


def n_lists(n: int) -> int:
    """IVF list count: ~sqrt(n) (1000 at 1M), with enough training points per list."""
    return int(max(1, min(round(math.sqrt(n)), n // TRAIN_PER_LIST, 65_536)))


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int,
               exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by inner product over float16/float32 rows, in blocks (memory stays ~EXACT_BLOCK rows)."""
    n = len(vectors)
    k = min(k, n)
    q = np.ascontiguousarray(queries, dtype=np.float32)
    best_s = np.full((len(q), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(q), 0), dtype=np.int64)
    for start in range(0, n, EXACT_BLOCK):
        block = np.asarray(vectors[start:start + EXACT_BLOCK], dtype=np.float32)
        sims = q @ block.T
        if exclude is not None:
            sims[:, exclude[start:start + len(block)]] = -np.inf
        kk = min(k, sims.shape[1])
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        best_s = np.concatenate([best_s, np.take_along_axis(sims, top, axis=1)], axis=1)
        best_i = np.concatenate([best_i, top + start], axis=1)
        if best_s.shape[1] > k:
            keep = np.argpartition(-best_s, k - 1, axis=1)[:, :k]
            best_s = np.take_along_axis(best_s, keep, axis=1)
            best_i = np.take_along_axis(best_i, keep, axis=1)
    order = np.lexsort((best_i, -best_s), axis=1) if best_s.size else np.zeros_like(best_i)
    return np.take_along_axis(best_s, order, axis=1), np.take_along_axis(best_i, order, axis=1)


def recall_at(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    """Mean share of the true top-k found in the first k returned (rows of positions; -1 pads)."""
    if len(truth) == 0:
        return 1.0
    hits = [len(set(f[:k].tolist()) & set(t[:k].tolist())) / max(1, min(k, len(t))) for f, t in zip(found, truth)]
    return float(np.mean(hits))


class DenseIndex:
    """Unit vectors of one segment and the index that searches them. Read-only once built."""

    def __init__(self, vectors: np.ndarray, kind: str, index: Any = None, nprobe: int = 0) -> None:
        self.vectors = vectors  # float16 rows (a memmap when loaded)
        self.kind = kind
        self.nprobe = nprobe
        if index is None and kind == "flat":
            index = self._flat(vectors)
        self.index = index
        self.path: Path | None = None  # set by ``load``: the file an IVF index's lists are mapped from

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @staticmethod
    def _flat(vectors: np.ndarray) -> Any:
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        for start in range(0, len(vectors), EXACT_BLOCK):
            index.add(np.ascontiguousarray(vectors[start:start + EXACT_BLOCK], dtype=np.float32))
        return index

    # -- building --------------------------------------------------------------------------------------------
    @classmethod
    def build(cls, vectors: np.ndarray, kind: DenseKind = "auto", seed: int = 0,
              tune_queries: np.ndarray | None = None) -> "DenseIndex":
        """Index unit ``vectors`` (any float dtype; kept as float16). ``tune_queries``: queries to tune ``nprobe``
        on (default: perturbed rows of the library)."""
        import faiss

        v16 = np.ascontiguousarray(vectors, dtype=np.float16)
        if v16.ndim != 2 or len(v16) == 0:
            raise ValueError(f"expected a non-empty (n, d) array of vectors, got shape {v16.shape}")
        kind = choose_kind(len(v16), kind)
        if kind == "flat":
            return cls(v16, "flat")
        n, d = v16.shape
        nlist = n_lists(n)
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(n, size=min(n, nlist * TRAIN_PER_LIST), replace=False))
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()  # the index owns the quantizer now (it outlives this Python name)
        index.train(np.asarray(v16[sample], dtype=np.float32))
        for start in range(0, n, EXACT_BLOCK):
            index.add(np.ascontiguousarray(v16[start:start + EXACT_BLOCK], dtype=np.float32))
        out = cls(v16, kind, index, nprobe=NPROBE_STEPS[0])
        out.nprobe = out.tune(tune_queries if tune_queries is not None else out.pseudo_queries(rng))
        return out

    def pseudo_queries(self, rng: np.random.Generator, n: int = TUNE_QUERIES) -> np.ndarray:
        """Stand-ins for questions: the midpoint of two random rows plus noise. A question sits between
        passages rather than near one (a perturbed row is found with any nprobe, which would tune nprobe far
        too low); on real questions over 100k passages this stand-in's recall-vs-nprobe curve runs slightly
        below the real one (measured with scripts/bench_scale.py's pool), so tuning on it is conservative."""
        a = np.asarray(self.vectors[np.sort(rng.integers(0, len(self), n))], dtype=np.float32)
        b = np.asarray(self.vectors[np.sort(rng.integers(0, len(self), n))], dtype=np.float32)
        rng.shuffle(b)
        mid = a + b
        mid /= np.maximum(np.linalg.norm(mid, axis=1, keepdims=True), 1e-6)
        q = mid + (TUNE_NOISE / math.sqrt(self.dim)) * rng.standard_normal(mid.shape).astype(np.float32)
        return q / np.linalg.norm(q, axis=1, keepdims=True)

    def tune(self, queries: np.ndarray, k: int = 10, target: float = TUNE_RECALL) -> int:
        """The smallest nprobe step whose recall@k against exact search reaches ``target``."""
        _, truth = exact_topk(self.vectors, queries, k)
        best = NPROBE_STEPS[-1]
        for step in NPROBE_STEPS:
            if step > self.index.nlist:
                break
            _, found = self.search(queries, k, nprobe=step)
            if recall_at(found, truth, k) >= target:
                return step
            best = step
        return min(best, self.index.nlist)

    # -- adding ----------------------------------------------------------------------------------------------
    def with_added(self, vectors: np.ndarray) -> "DenseIndex":
        """A new index holding these rows and ``vectors`` after them (IVF: added to the trained lists)."""
        import faiss

        v16 = np.ascontiguousarray(np.concatenate([np.asarray(self.vectors), np.asarray(vectors, np.float16)]))
        if self.kind == "flat":
            return DenseIndex(v16, "flat")
        # A loaded index maps its lists from the file (not clonable): read a private copy from that file.
        index = faiss.read_index(str(self.path)) if self.path is not None else faiss.clone_index(self.index)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return DenseIndex(v16, self.kind, index, self.nprobe)

    # -- search ----------------------------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, exclude: np.ndarray | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, local positions) per query, best first, exact cosines; -1 positions pad short rows."""
        import faiss

        q = np.ascontiguousarray(queries, dtype=np.float32)
        n_ex = int(exclude.sum()) if exclude is not None else 0
        k = max(1, min(k, len(self) - n_ex)) if len(self) > n_ex else 0
        if k == 0 or len(q) == 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        if self.kind == "flat":
            if n_ex:
                return exact_topk(self.vectors, q, k, exclude)
            with faiss_threads(len(q)):
                scores, ids = self.index.search(q, k)
            return scores, ids.astype(np.int64)
        if k > APPROX_MAX_K:  # deep lists (a search restricted to a few speeches asks for all): exact
            return exact_topk(self.vectors, q, k, exclude)
        fetch = min(len(self), max(RERANK * k, MIN_CANDIDATES) + n_ex)
        params = faiss.SearchParametersIVF(nprobe=int(nprobe or self.nprobe))
        with faiss_threads(len(q)):
            _, cand = self.index.search(q, fetch, params=params)
        out_s = np.full((len(q), k), -np.inf, dtype=np.float32)
        out_i = np.full((len(q), k), -1, dtype=np.int64)
        for r, row in enumerate(cand):
            row = row[row >= 0]
            if exclude is not None:
                row = row[~exclude[row]]
            if len(row) == 0:
                continue
            srt = np.sort(row)  # sorted reads from the memmap
            sims = np.asarray(self.vectors[srt], dtype=np.float32) @ q[r]
            order = np.lexsort((srt, -sims))[:k]
            out_s[r, :len(order)] = sims[order]
            out_i[r, :len(order)] = srt[order]
        return out_s, out_i

    # -- persistence -----------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        import faiss

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / VECTORS, np.asarray(self.vectors, dtype=np.float16), allow_pickle=False)
        if self.kind != "flat":
            faiss.write_index(self.index, str(folder / INDEX))
        (folder / META).write_text(json.dumps({"kind": self.kind, "n": len(self), "dim": self.dim,
                                               "nprobe": self.nprobe}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "DenseIndex":
        import faiss

        folder = Path(folder)
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        vectors = np.load(folder / VECTORS, mmap_mode="r", allow_pickle=False)
        if vectors.dtype != np.float16 or vectors.shape != (meta["n"], meta["dim"]):
            raise ValueError(f"{folder / VECTORS}: {vectors.dtype}{vectors.shape}, expected float16"
                             f"({meta['n']}, {meta['dim']})")
        # Memory-mapped, like the vectors: opening a 1M-passage segment then reads no inverted list (~0.5 GB of
        # codes) until a search probes it, and the pages are the page cache's, shared by processes.
        index = faiss.read_index(str(folder / INDEX), getattr(faiss, "IO_FLAG_MMAP", 0)) \
            if meta["kind"] != "flat" else None
        if index is not None and index.ntotal != meta["n"]:
            raise ValueError(f"{folder / INDEX} holds {index.ntotal} vectors, expected {meta['n']}")
        out = cls(vectors, meta["kind"], index, int(meta.get("nprobe", 0)))
        out.path = folder / INDEX if index is not None else None  # the file the lists are mapped from
        return out
