"""Tests for jianggao.indexer.onnx_model: the ONNX paths load from the cache without torch, with the same tokens
and the same vectors as the full load."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from jianggao.indexer import embedding as embedding_module  # noqa: E402
from jianggao.indexer import onnx_model  # noqa: E402
from jianggao.indexer.embedding import Encoder  # noqa: E402
from jianggao.indexer.model_identity import default_model, model_identity  # noqa: E402

from test_embedding import seed_windows  # noqa: E402  (tests/indexer is on sys.path: rootdir-relative imports)

IDENTITY = "m@sha256:0123456789abcdef"


def test_runtime_round_trip_and_bad_files_are_ignored(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    assert onnx_model.read_runtime(IDENTITY) is None  # nothing stored yet
    runtime = onnx_model.Runtime(IDENTITY, 128, 8, 0, '{"not": "checked here"}')
    path = onnx_model.write_runtime(runtime)
    assert path.parent == tmp_path / "onnx" and path.name.startswith("m-runtime-")
    assert onnx_model.read_runtime(IDENTITY) == runtime
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    # Another model's identity never reads this file, even if it were at its name.
    other = "m@sha256:fedcba9876543210"
    onnx_model.runtime_path(other).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert onnx_model.read_runtime(other) is None
    for damage in ("{", json.dumps({"format": 99}), json.dumps({"format": 1, "identity": IDENTITY})):
        path.write_text(damage, encoding="utf-8")
        assert onnx_model.read_runtime(IDENTITY) is None
    assert "ignoring the stored model runtime" in caplog.text


def test_the_runtime_key_follows_the_packages_that_decide_it(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    before = onnx_model.runtime_path(IDENTITY)
    real = onnx_model.package_version
    monkeypatch.setattr(onnx_model, "package_version", lambda d: "0.0" if d == "tokenizers" else real(d))
    assert onnx_model.runtime_path(IDENTITY) != before


@pytest.fixture(scope="module")
def hf_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(default_model())


def test_the_stored_tokenizer_tokenises_as_transformers_does(hf_tokenizer):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(default_model(), device="cpu")
    model = onnx_model.OnnxModel(onnx_model.runtime_of(st, model_identity(default_model())))
    assert (model.max_seq_length, model.get_embedding_dimension()) == (st.max_seq_length, 512)
    texts = seed_windows(30, size=300) + ["", "短句", "GDP增长5.2%，CPI上涨0.2%", "ＡＢＣ全角 mixed Latin 123",
                                          "长" * 2000]  # the last is truncated
    ours = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length,
                           return_offsets_mapping=True, return_special_tokens_mask=True)
    theirs = hf_tokenizer(texts, truncation=True, max_length=st.max_seq_length,
                          return_offsets_mapping=True, return_special_tokens_mask=True)
    for key in ("input_ids", "token_type_ids", "offset_mapping", "special_tokens_mask"):
        assert [list(map(tuple, x)) if key == "offset_mapping" else list(x) for x in ours[key]] == \
               [list(map(tuple, x)) if key == "offset_mapping" else list(x) for x in theirs[key]], key
    assert len(ours["input_ids"][-1]) == model.max_seq_length
    model.max_seq_length = 16
    assert len(model.tokenizer(texts[:1], max_length=16)["input_ids"][0]) == 16
    with pytest.raises(ValueError, match="truncates to 16"):
        model.tokenizer(texts[:1], max_length=32)


@pytest.mark.slow
def test_a_cached_model_loads_without_torch_and_gives_the_same_vectors(tmp_path, monkeypatch):
    """The first Encoder loads the model in full and stores the graphs and the runtime; a new process then encodes
    passages (int8) and questions (fp32 graph) without importing torch, sentence-transformers or transformers,
    and its vectors equal the first one's."""
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    monkeypatch.delenv("JIANGGAO_BACKEND", raising=False)
    texts = seed_windows(6, size=300) + ["2025年经济增长目标是多少"]
    full = Encoder(device="cpu", backend="onnx-int8")
    expected = np.vstack([full.encode(texts), full.encode_queries(texts)])
    assert not isinstance(full._load(), onnx_model.OnnxModel)  # the first load is the full one
    script = (
        "import json, sys, numpy as np\n"
        "from jianggao.indexer.embedding import Encoder\n"
        "enc = Encoder(device='cpu', backend='onnx-int8')\n"
        f"texts = json.loads({json.dumps(json.dumps(texts, ensure_ascii=False))})\n"
        "v = np.vstack([enc.encode(texts), enc.encode_queries(texts)])\n"
        "np.save(sys.argv[1], v)\n"
        "print(json.dumps(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)))\n"
    )
    out = tmp_path / "v.npy"
    done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True,
                          env={**os.environ, "JIANGGAO_CACHE": str(tmp_path)}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    np.testing.assert_array_equal(np.load(out), expected)
    # In this process too: a second Encoder takes the cached model, with identical vectors.
    light = Encoder(device="cpu", backend="onnx-int8")
    np.testing.assert_array_equal(np.vstack([light.encode(texts), light.encode_queries(texts)]), expected)
    assert isinstance(light._load(), onnx_model.OnnxModel)
    assert light.dim == 512 and light.max_seq_length == full.max_seq_length


def test_a_missing_part_of_the_cache_means_a_full_load(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    enc = Encoder(device="cpu", backend="onnx-int8")
    assert enc._load_onnx_model() is None  # empty cache: nothing to read
    main, exact = enc._onnx_files()
    assert "int8" in main.name and "fp32" in exact.name


def test_auto_device_needs_no_torch_without_a_gpu_driver(monkeypatch):
    monkeypatch.setattr(embedding_module, "no_gpu_here", lambda: True)
    monkeypatch.setitem(sys.modules, "torch", None)  # importing torch now fails: it must not be asked
    assert embedding_module.resolve_device("auto") == "cpu"
    assert embedding_module.resolve_device("cpu") == "cpu"
    with pytest.raises(ImportError):
        embedding_module.resolve_device("cuda")  # an explicit GPU still asks torch


@pytest.mark.slow
def test_without_onnxruntime_a_forced_onnx_backend_falls_back_to_torch(tmp_path, monkeypatch, caplog, encoder):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    enc = Encoder(encoder.name, device="cpu", backend="onnx-int8")
    vecs = enc.encode(["校车安全管理", "防汛工作要点"])
    assert enc.backend == "torch" and "ONNX backend unavailable" in caplog.text
    np.testing.assert_allclose(vecs, encoder.encode(["校车安全管理", "防汛工作要点"]), atol=2e-2)


def test_the_stored_tokenizer_is_safe_to_share_between_threads():
    """``serve`` answers requests on several threads with one encoder: tokenising must neither fail nor mix texts
    (transformers' fast tokenizer resets its truncation on every call; this one sets it once, at load)."""
    from concurrent.futures import ThreadPoolExecutor

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(default_model(), device="cpu")
    model = onnx_model.OnnxModel(onnx_model.runtime_of(st, model_identity(default_model())))
    batches = [seed_windows(8, size=100 + 37 * i) for i in range(8)]
    expected = [model.tokenizer(b)["input_ids"] for b in batches]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(5):
            assert list(pool.map(lambda b: model.tokenizer(b)["input_ids"], batches)) == expected
