"""Tests for jianggao.indexer.embedding_cache: vectors keyed by text, persisted without pickle, never trusted
when damaged or written for another model."""
from __future__ import annotations

import json

import numpy as np
import pytest

from jianggao.indexer.embedding_cache import EmbeddingCache, encode_with_cache


class CountingEncoder:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.calls = 0
        self.texts = 0

    name = property(lambda self: self.inner.name)
    cache_key = property(lambda self: self.inner.cache_key)
    dim = property(lambda self: self.inner.dim)

    def encode(self, texts, show_progress=False):
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts, show_progress=show_progress)


@pytest.mark.slow
def test_cache_hits_skip_the_model_and_return_identical_vectors(encoder, tmp_path):
    counting = CountingEncoder(encoder)
    texts = ["疫情防控", "校车安全", "疫情防控", "控辍保学"]
    cache = EmbeddingCache(tmp_path, encoder.cache_key, encoder.dim)
    first = encode_with_cache(counting, texts, cache)
    assert (counting.calls, counting.texts, first.n_encoded) == (1, 3, 3)  # the repeated text embedded once
    np.testing.assert_array_equal(first.vectors[0], first.vectors[2])
    cache.save()

    reopened = EmbeddingCache(tmp_path, encoder.cache_key, encoder.dim)
    assert len(reopened) == 3
    again = encode_with_cache(counting, texts, reopened)
    assert counting.calls == 1 and again.n_encoded == 0
    np.testing.assert_array_equal(again.vectors, first.vectors)

    more = encode_with_cache(counting, ["值班值守", *texts], reopened)
    assert counting.texts == 4 and more.n_encoded == 1
    np.testing.assert_array_equal(more.vectors[1:], first.vectors)


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_cache_round_trip_without_pickle(tmp_path):
    cache = EmbeddingCache(tmp_path, "some/model", 8)
    vecs = unit_rows(3, 8)
    cache.put_many(["甲", "乙", "丙"], vecs)
    cache.save()
    files = sorted(p.suffix for p in tmp_path.iterdir())
    assert files == [".jsonl", ".npy"]
    np.load(next(tmp_path.glob("*.npy")), allow_pickle=False)  # plain array, loadable without pickle
    found = EmbeddingCache(tmp_path, "some/model", 8).get_many(["乙", "丁", "甲"])
    assert found.missing == [1]
    np.testing.assert_array_equal(found.vectors[[0, 2]], vecs[[1, 0]])
    # Another model's cache lives in another file and starts empty.
    assert len(EmbeddingCache(tmp_path, "other/model", 8)) == 0


def test_damaged_or_mismatched_cache_is_dropped_not_trusted(tmp_path, caplog):
    cache = EmbeddingCache(tmp_path, "m", 4)
    cache.put_many(["a", "b"], unit_rows(2, 4))
    cache.save()
    # A save killed between the two files: the matrix changed but the key file did not.
    np.save(cache.matrix_path, unit_rows(2, 4, seed=1), allow_pickle=False)
    assert len(EmbeddingCache(tmp_path, "m", 4)) == 0
    assert "checksum" in caplog.text
    cache.keys_path.write_text("not json\n", encoding="utf-8")
    assert len(EmbeddingCache(tmp_path, "m", 4)) == 0
    # The same model name with another dimension (the folder was replaced): not reused.
    fresh = EmbeddingCache(tmp_path, "m", 4)
    fresh.put_many(["a"], unit_rows(1, 4))
    fresh.save()
    header = json.loads(fresh.keys_path.read_text(encoding="utf-8").splitlines()[0])
    assert header["rows"] == 1
    assert len(EmbeddingCache(tmp_path, "m", 6)) == 0


def test_cache_rejects_vectors_of_the_wrong_shape(tmp_path):
    cache = EmbeddingCache(tmp_path, "m", 4)
    with pytest.raises(ValueError, match=r"shape \(2, 4\)"):
        cache.put_many(["a", "b"], unit_rows(2, 5))


def test_encode_with_cache_refuses_another_models_cache(tmp_path):
    class Fake:
        cache_key = "model-a"

    with pytest.raises(ValueError, match="model-b"):
        encode_with_cache(Fake(), ["x"], EmbeddingCache(tmp_path, "model-b", 4))


def test_stored_dim_reads_the_header_alone(tmp_path):
    assert EmbeddingCache.stored_dim(tmp_path / "none", "m@sha256:0") is None
    cache = EmbeddingCache(tmp_path, "m@sha256:0", 4)
    cache.put_many(["一段话"], np.ones((1, 4), np.float32) / 2)
    cache.save()
    assert EmbeddingCache.stored_dim(tmp_path, "m@sha256:0") == 4
    assert EmbeddingCache.stored_dim(tmp_path, "other@sha256:1") is None  # another model's cache is not read
    cache.keys_path.write_text("not json\n", encoding="utf-8")
    assert EmbeddingCache.stored_dim(tmp_path, "m@sha256:0") is None
