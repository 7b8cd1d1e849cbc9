"""The on-disk cache of passage vectors: one ``.npy`` matrix plus one ``.jsonl`` key list per model (and vector
kind), keyed by sha1 of the text, replaced atomically; never pickle.

A cache is keyed by the encoder's ``cache_key``: the model identity (name + weights hash, see
``jianggao.indexer.model_identity``), plus the vector kind where a backend's vectors differ more than rounding
from fp32 (int8), so that a new venv reuses it but vectors of different quality never mix.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from jianggao.indexer.embedding import check_texts
from jianggao.indexer.model_identity import model_identity

log = logging.getLogger(__name__)

CACHE_FORMAT = 1


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _stem(model_id: str) -> str:
    return "emb-" + hashlib.sha1(model_id.encode("utf-8")).hexdigest()[:16]


class CacheLookup(NamedTuple):
    vectors: np.ndarray  # (n, dim) float32 for the n texts asked about; rows of misses are zero
    missing: list[int]  # positions (in the texts asked about) with no cached vector


class CachedEncoding(NamedTuple):
    vectors: np.ndarray  # (n, dim) float32, unit rows, in input order
    n_encoded: int  # distinct texts the model had to embed; the rest came from the cache


class EmbeddingCache:
    """Vectors of one model keyed by sha1(text), persisted as ``<key>.npy`` + ``<key>.jsonl`` in ``directory``.

    The ``.jsonl`` starts with a header (model, dim, rows, sha1 of the matrix bytes) followed by one JSON
    string per row: the sha1 of that row's text. Both files are replaced atomically, the matrix first; a
    crash between the two leaves a header whose checksum does not match, and such a cache (or any unreadable
    one) is dropped with a warning: it only costs re-embedding, never wrong vectors.
    """

    def __init__(self, directory: Path, model: str, dim: int) -> None:
        """``model``: the encoder's ``cache_key`` (a model folder or name is turned into its identity)."""
        if int(dim) < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self.directory = Path(directory)
        self.model = model_identity(model)
        self.dim = int(dim)
        stem = _stem(self.model)
        self.matrix_path = self.directory / f"{stem}.npy"
        self.keys_path = self.directory / f"{stem}.jsonl"
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, self.dim), dtype=np.float32)
        self._dirty = False
        self._read()

    @staticmethod
    def stored_dim(directory: Path, model: str) -> int | None:
        """The dimension of the vectors a cache of ``model`` in ``directory`` holds, from its header alone: so
        that an update whose vectors are all cached never loads the model to learn it. None where there is no
        readable header."""
        try:
            with open(Path(directory) / f"{_stem(model_identity(model))}.jsonl", encoding="utf-8") as f:
                dim = json.loads(f.readline()).get("dim")
        except (OSError, ValueError, AttributeError):
            return None
        return dim if isinstance(dim, int) and dim > 0 else None

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and text_key(text) in self._rows

    def get_many(self, texts: Sequence[str]) -> CacheLookup:
        texts = check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        hit_pos: list[int] = []
        hit_rows: list[int] = []
        for i, t in enumerate(texts):
            row = self._rows.get(text_key(t))
            if row is None:
                missing.append(i)
            else:
                hit_pos.append(i)
                hit_rows.append(row)
        if hit_pos:
            out[hit_pos] = self._matrix[hit_rows]
        return CacheLookup(out, missing)

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        texts = check_texts(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(texts), self.dim):
            raise ValueError(f"expected vectors of shape ({len(texts)}, {self.dim}), got {vectors.shape}")
        new_rows: list[np.ndarray] = []
        for t, v in zip(texts, vectors):
            key = text_key(t)
            row = self._rows.get(key)
            if row is None:
                self._rows[key] = len(self._matrix) + len(new_rows)
                new_rows.append(v)
            else:
                self._matrix[row] = v
        if new_rows:
            self._matrix = np.concatenate([self._matrix, np.stack(new_rows)])
        if len(texts):
            self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed (atomically; see the class docstring)."""
        from jianggao.indexer.fileio import atomic_write

        if not self._dirty:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        matrix = np.ascontiguousarray(self._matrix, dtype=np.float32)
        keys = [""] * len(self._rows)
        for key, row in self._rows.items():
            keys[row] = key
        header = {
            "format": CACHE_FORMAT,
            "model": self.model,
            "dim": self.dim,
            "rows": len(keys),
            "sha1": hashlib.sha1(matrix.tobytes()).hexdigest(),
        }
        atomic_write(self.matrix_path, lambda f: np.save(f, matrix, allow_pickle=False))
        body = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in [header, *keys])
        atomic_write(self.keys_path, lambda f: f.write(body.encode("utf-8")))
        self._dirty = False
        log.info("saved %d cached embeddings to %s", len(keys), self.matrix_path)

    def _read(self) -> None:
        if not self.keys_path.exists() and not self.matrix_path.exists():
            return
        try:
            rows, matrix = self._read_files()
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("ignoring the embedding cache %s (%s); its vectors will be computed again",
                        self.keys_path, e)
            return
        self._rows, self._matrix = rows, matrix

    def _read_files(self) -> tuple[dict[str, int], np.ndarray]:
        lines = self.keys_path.read_text(encoding="utf-8").splitlines()
        if not lines:
            raise ValueError("empty key file")
        header = json.loads(lines[0])
        if header.get("format") != CACHE_FORMAT:
            raise ValueError(f"cache format {header.get('format')!r}, expected {CACHE_FORMAT}")
        if str(header["model"]) != self.model:
            raise ValueError(f"written for model {header['model']!r}")
        if header["dim"] != self.dim:
            raise ValueError(f"vectors of dimension {header['dim']}, the model gives {self.dim}")
        keys = [json.loads(x) for x in lines[1:]]
        matrix = np.load(self.matrix_path, allow_pickle=False)
        if matrix.dtype != np.float32 or matrix.shape != (len(keys), self.dim) or header["rows"] != len(keys):
            raise ValueError(f"matrix {matrix.dtype}{matrix.shape} does not match {len(keys)} keys of dim {self.dim}")
        if hashlib.sha1(np.ascontiguousarray(matrix).tobytes()).hexdigest() != header["sha1"]:
            raise ValueError("matrix checksum does not match its key file (interrupted write?)")
        rows = {k: i for i, k in enumerate(keys)}
        if len(rows) != len(keys):
            raise ValueError("duplicate keys")
        return rows, matrix


def encode_with_cache(
    encoder: Any, texts: Sequence[str], cache: EmbeddingCache, show_progress: bool = False
) -> CachedEncoding:
    """Vectors for ``texts``, embedding only those not in ``cache`` (each distinct text once) and adding them
    to it. The caller saves the cache."""
    key = model_identity(encoder.cache_key)
    if cache.model != key:
        raise ValueError(f"the cache holds vectors of {cache.model!r}, not of the encoder's {key!r}")
    texts = check_texts(texts)
    found = cache.get_many(texts)
    if not found.missing:
        return CachedEncoding(found.vectors, 0)
    todo = list(dict.fromkeys(texts[i] for i in found.missing))
    log.info("embedding %d new texts (%d cached)", len(todo), len(texts) - len(found.missing))
    fresh = encoder.encode(todo, show_progress=show_progress)
    cache.put_many(todo, fresh)
    row_of = {t: r for r, t in enumerate(todo)}
    vectors = found.vectors
    vectors[found.missing] = fresh[[row_of[texts[i]] for i in found.missing]]
    return CachedEncoding(vectors, len(todo))
