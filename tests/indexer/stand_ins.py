"""A stand-in for the embedding model, for tests that index without loading weights."""
from __future__ import annotations

import hashlib

import numpy as np

from jianggao.indexer.embedding import TokenVectors


class HashEncoder:
    """Deterministic unit vectors seeded by each text's hash (no model). It has what the index build reads of
    jianggao.indexer.embedding.Encoder: ``identity``/``cache_key`` for manifests and the vector cache, ``encode``,
    ``encode_queries`` (the same vectors), and ``encode_with_tokens`` with one "token" per character so that
    sentence vectors can be pooled."""

    def __init__(self, name: str = "test/hash-encoder", dim: int = 32) -> None:
        self.name = self.identity = self.cache_key = name
        self.dim = dim

    def encode(self, texts, show_progress=False):
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = np.stack([np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16))
                        .standard_normal(self.dim) for t in texts]).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_queries(self, texts):
        return self.encode(texts)

    def encode_with_tokens(self, texts):
        vectors = self.encode(texts)
        tokens = [TokenVectors(np.repeat(v[None, :], len(t), axis=0),
                               np.array([(i, i + 1) for i in range(len(t))], dtype=np.int32).reshape(-1, 2))
                  for t, v in zip(texts, vectors)]
        return vectors, tokens
