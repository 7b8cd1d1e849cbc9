"""Tests for jianggao.indexer.onnx_export: the prepared model file is keyed by content, shared, built once."""
from __future__ import annotations

import shutil
import threading
import time
import types

import pytest

pytest.importorskip("onnxruntime")

from jianggao.indexer import onnx_export  # noqa: E402
from jianggao.indexer.model_identity import default_model, model_identity  # noqa: E402


def test_cache_file_is_keyed_by_content_not_by_path_or_home(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path / "cache"))
    packaged = default_model()
    copy = tmp_path / "other-user" / "venv" / "m3e-small"
    shutil.copytree(packaged, copy)
    path = onnx_export.onnx_path(model_identity(packaged), "int8")
    assert onnx_export.onnx_path(model_identity(str(copy)), "int8") == path
    monkeypatch.setenv("HOME", str(tmp_path / "home2"))
    assert onnx_export.onnx_path(model_identity(str(copy)), "int8") == path
    assert path.parent == tmp_path / "cache" / "onnx" and path.name.startswith("m3e-small-int8-")
    assert onnx_export.onnx_path(model_identity(packaged), "fp32") != path  # variants apart
    assert str(packaged) not in path.name


def test_default_cache_dir_is_under_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("JIANGGAO_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert onnx_export.cache_dir() == tmp_path / ".cache" / "jianggao"


def test_concurrent_builders_build_once_and_never_expose_a_partial_file(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    builds = []
    seen_partial = []

    def slow_export(bert, tokenizer, dest, eager_attention=False):
        builds.append(threading.get_ident())
        with open(dest, "wb") as f:
            for _ in range(5):
                f.write(b"x" * 1000)
                f.flush()
                time.sleep(0.05)

    monkeypatch.setattr(onnx_export, "check_exportable", lambda model: types.SimpleNamespace(config=None))
    monkeypatch.setattr(onnx_export, "_export", slow_export)
    monkeypatch.setattr(onnx_export, "_fuse", lambda *a, **kw: False)  # the fake export is no graph to fuse

    class Model:
        tokenizer = None

    results = []

    def build():
        results.append(onnx_export.prepared_onnx(Model(), "m@sha256:0123456789abcdef", "fp32"))

    def watch():
        target = onnx_export.onnx_path("m@sha256:0123456789abcdef", "fp32")
        for _ in range(100):
            if target.exists() and target.stat().st_size != 5000:
                seen_partial.append(target.stat().st_size)
            time.sleep(0.005)

    threads = [threading.Thread(target=build) for _ in range(3)] + [threading.Thread(target=watch)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1, "the model was exported more than once"
    assert len(set(results)) == 1 and results[0].stat().st_size == 5000
    assert not seen_partial
    assert [p.name for p in tmp_path.joinpath("onnx").iterdir() if p.suffix == ".tmp"] == []  # no leftovers


def test_a_new_graph_removes_the_same_models_older_recipes(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    monkeypatch.setattr(onnx_export, "check_exportable", lambda model: types.SimpleNamespace(config=None))
    monkeypatch.setattr(onnx_export, "_export", lambda bert, tok, dest, eager_attention=False: dest.write_bytes(b"g"))
    monkeypatch.setattr(onnx_export, "_fuse", lambda *a, **kw: False)
    ours, other = "m@sha256:0123456789abcdef", "n@sha256:fedcba9876543210"
    older = [onnx_export.onnx_path(ours, "fp32", r) for r in range(1, onnx_export.RECIPE)]
    kept = [onnx_export.onnx_path(ours, "int8", 1), onnx_export.onnx_path(other, "fp32", 1)]  # another variant, model
    for p in older + kept:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"old")

    class Model:
        tokenizer = None

    path = onnx_export.prepared_onnx(Model(), ours, "fp32")
    assert path.read_bytes() == b"g" and path not in older
    assert older and not any(p.exists() for p in older)
    assert all(p.exists() for p in kept)


def test_a_failed_build_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))

    def broken(bert, tokenizer, dest, eager_attention=False):
        dest.write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(onnx_export, "check_exportable", lambda model: object())
    monkeypatch.setattr(onnx_export, "_export", broken)

    class Model:
        tokenizer = None

    with pytest.raises(RuntimeError, match="exporter crashed"):
        onnx_export.prepared_onnx(Model(), "m@sha256:0123456789abcdef", "int8")
    assert not onnx_export.onnx_path("m@sha256:0123456789abcdef", "int8").exists()
    assert not any(p.suffix == ".tmp" for p in (tmp_path / "onnx").iterdir())


def test_session_threads_do_not_spin(tmp_path):
    # A tiny graph is enough: the option is the session's, not the model's.
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    path = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    s = onnx_export.session(path, threads=2)
    assert s.get_session_options().get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert s.get_session_options().intra_op_num_threads == 2


def test_sessions_keep_add_and_layernorm_apart(tmp_path):
    # SkipLayerNormalization's kernel ran 5.8x slower than Add + LayerNormalization (recipe step 2): a session
    # must not fuse them back. The same graph, optimised with and without DISABLED_FUSIONS, proves the check
    # can fail.
    import collections

    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    h = 8
    graph = helper.make_graph(  # the residual Add then LayerNorm, as in the int8 graph (its bias is in the MatMul)
        [helper.make_node("Add", ["x", "s"], ["u"]),
         helper.make_node("LayerNormalization", ["u", "gamma", "beta"], ["y"], axis=-1, epsilon=1e-12)],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, h]) for n in ("x", "s")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, h])],
        initializer=[helper.make_tensor(n, TensorProto.FLOAT, [h], np.full(h, v, np.float32))
                     for n, v in (("gamma", 1.0), ("beta", 0.0))],
    )
    src = tmp_path / "addln.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))

    def optimised_ops(disabled: list[str]) -> collections.Counter:
        options = onnx_export.session_options(threads=1)
        options.optimized_model_filepath = str(tmp_path / f"opt{len(disabled)}.onnx")
        ort.InferenceSession(str(src), options, providers=["CPUExecutionProvider"], disabled_optimizers=disabled)
        return collections.Counter(n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node)

    assert optimised_ops([])["SkipLayerNormalization"] == 1
    kept = optimised_ops(list(onnx_export.DISABLED_FUSIONS))
    assert kept["SkipLayerNormalization"] == 0 and kept["LayerNormalization"] == 1


@pytest.mark.slow
def test_int8_graph_is_fused_then_quantised_and_the_model_keeps_its_attention(tmp_path, monkeypatch):
    # The fast int8 path is the fused graph (recipe 4): one MultiHeadAttention per layer without a mask, Add +
    # LayerNormalization instead of SkipLayerNormalization, fused embeddings and GELU, every weight MatMul in int8.
    import collections

    import onnx
    from sentence_transformers import SentenceTransformer

    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    model = SentenceTransformer(default_model(), device="cpu")
    bert = onnx_export.check_exportable(model)
    attention_before = bert.config._attn_implementation
    path = onnx_export.prepared_onnx(model, model_identity(default_model()), "int8")
    graph = onnx.load(str(path)).graph
    ops = collections.Counter(n.op_type for n in graph.node)
    layers = bert.config.num_hidden_layers
    assert ops["MultiHeadAttention"] == layers and ops["QAttention"] == 0 and ops["Attention"] == 0
    assert ops["SkipLayerNormalization"] == 0 and ops["LayerNormalization"] == 2 * layers
    assert ops["EmbedLayerNormalization"] == 1 and ops["BiasGelu"] == layers
    # Q, K, V, attention output and both feed-forwards; no fp32 weight MatMul left.
    assert ops["MatMulInteger"] == 6 * layers and ops["MatMul"] == 0
    assert "attention_mask" not in {i.name for i in graph.input}
    # The fp32 graph (questions, padded passage batches) is fused the same way but keeps the mask: an Attention
    # per layer that takes it, its weight MatMuls in fp32.
    fp32 = onnx.load(str(onnx_export.prepared_onnx(model, model_identity(default_model()), "fp32"))).graph
    ops = collections.Counter(n.op_type for n in fp32.node)
    assert ops["Attention"] == layers and ops["MultiHeadAttention"] == 0 and ops["SkipLayerNormalization"] == 0
    assert ops["LayerNormalization"] == 2 * layers and ops["MatMul"] == 3 * layers and ops["MatMulInteger"] == 0
    assert "attention_mask" in {i.name for i in fp32.input}
    # Exporting through eager attention is temporary: the loaded model runs as it was configured.
    assert bert.config._attn_implementation == attention_before


@pytest.mark.slow
def test_a_graph_the_optimizer_cannot_fuse_keeps_its_mask_and_takes_padding(tmp_path, monkeypatch):
    # A configured model whose attention the transformer optimizer does not recognise: its unfused export is
    # quantised instead, keeps the attention mask, and so may run padded batches.
    import collections

    import numpy as np
    import onnx
    from sentence_transformers import SentenceTransformer

    from jianggao.indexer.embedding import Encoder

    monkeypatch.setenv("JIANGGAO_CACHE", str(tmp_path))
    monkeypatch.setattr(onnx_export, "_fuse", lambda src, dest, config, masked=False: False)
    model = SentenceTransformer(default_model(), device="cpu")
    path = onnx_export.prepared_onnx(model, model_identity(default_model()), "int8")
    graph = onnx.load(str(path)).graph
    ops = collections.Counter(n.op_type for n in graph.node)
    layers = model[0].auto_model.config.num_hidden_layers
    assert ops["MultiHeadAttention"] == 0 and ops["MatMulInteger"] >= 6 * layers
    assert "attention_mask" in {i.name for i in graph.input}
    ids = np.array([[101, 2769, 812, 102], [101, 2769, 102, 0]])
    mask = (ids != 0).astype(np.int64)
    hidden, pooled = Encoder(device="cpu", backend="onnx-int8")._forward(
        None, ids, mask, np.zeros_like(ids), onnx_export.session(path))
    assert hidden.shape[:2] == (2, 4) and np.isfinite(pooled).all()
