"""The encoder's transformer as an ONNX file, fp32 or int8, built once per model and kept in a shared cache.

Recipe (``RECIPE``; bump it when these steps change, which makes every cached ONNX file stale; cached vectors
follow ``CACHE_RECIPE``):

1. ``torch.onnx.export`` of the transformer (inputs ids / mask / token types, output the last hidden state),
   dynamic batch and sequence axes;
2. the export is made with eager attention (the pattern ONNX Runtime's transformer optimizer recognises; the SDPA
   export is not fused), then ``onnxruntime.transformers.optimizer`` fuses it into one
   EmbedLayerNormalization, a MultiHeadAttention per layer (its Q, K and V projections stay MatMuls) and BiasGelu,
   with the head count and hidden size read from the model's config. Two fusions are left out, measured on the
   default corpus's passages one text at a time on one thread (AMD Zen 4, onnxruntime 1.32, ORT's profiler):
   - SkipLayerNormalization: its CPU kernel ran 5.8x slower than the Add + LayerNormalization it replaces
     (0.88 vs 0.15 ms on a 343 x 512 input): without it, the whole graph ran 13% faster. ``session`` keeps
     ONNX Runtime from fusing it back when it loads the file;
   - the attention mask: MultiHeadAttention without one ran 11% faster than with it (5.4 vs 6.0 s for 300
     passages), and 3% faster in all. The int8 graph therefore has no ``attention_mask`` input and attends to
     every token it is given: it is only ever run one text at a time (no padding; ``jianggao.indexer.embedding``
     checks it);
3. ``int8`` only: ONNX Runtime dynamic quantisation of the *fused* graph's weight MatMuls (Q/K/V projections,
   attention output, both feed-forwards) to signed int8 with **per-channel** weight scales; activations are
   quantised per run. Embeddings, LayerNorm, the attention itself (QK^T, softmax, times V) and GELU stay fp32.
   Per-tensor scales lost the most accuracy (worst cosine to fp32 0.987 in round one; per-channel: ~0.996).
   Side by side, recipe 3 (QAttention, SkipLayerNormalization, mask) ran 1.33x faster than quantising the
   unfused export; recipe 4 (this step 2) ran 1.17x faster than recipe 3 (median 10.5 vs 12.2 s for 400 passages on
   the encoder's two one-thread lanes, interleaved x3) at the same cosine to fp32 (mean 0.9979, worst 0.9965 vs
   0.9964) and the same top-10 agreement with fp32 search (0.89-0.93 on both dev corpora, either recipe ahead
   by up to 0.007).
4. ``fp32`` (recipe 5): the same fusions as step 2, but each layer's attention an Attention node that takes the
   attention mask (the fp32 graph runs padded batches of passages, and questions). An earlier fusion with
   SkipLayerNormalization gained nothing (0.97x); without it, side by side against the plain export (interleaved
   x5, two threads): both dev sets' 88 questions one at a time 5.32 vs 6.03 ms each (1.13x), 80 passages in batches of 4
   6.01 vs 7.28 s (1.21x), vectors equal to the plain export's (cosine 1.000000).

The file's name is a hash of the model identity (name + weights hash, ``jianggao.indexer.model_identity``), the
variant, the recipe and the torch / onnxruntime versions that produce it: not of a path or of HOME, so another
venv or user with the same weights and versions finds it. It lives in ``$JIANGGAO_CACHE/onnx`` (default
``~/.cache/jianggao/onnx``), is written to a temp file and renamed into place, and builders take a file lock,
so concurrent first starts build it once and never see a part-written file.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Literal, get_args

log = logging.getLogger(__name__)

ENV_CACHE = "JIANGGAO_CACHE"
RECIPE = 5  # 5: fp32 fused too; 4: int8 fused with MultiHeadAttention (no mask), no SkipLN; 3: QAttention
# The recipe whose key the embedding cache of int8 vectors keeps (jianggao.indexer.embedding.Encoder.cache_key).
# Recipe 4 changed the graph, not the kind of vector: its passage vectors are at cosine 0.9997 (worst 0.9987) to
# recipe 3's, each 0.998 to fp32's, with the same agreement with fp32 search. A new cache key would have made every
# existing library embed all its passages again at its next update (the default corpus: 38 s instead of ~3 s to add
# one file; a 100k-passage library: about an hour), for no measurable gain; cached recipe-3 vectors stay valid and
# new texts get the current recipe's. Bump it with a recipe whose vectors differ in kind (another quantisation).
CACHE_RECIPE = 3
OnnxVariant = Literal["fp32", "int8"]
ONNX_VARIANTS: tuple[str, ...] = get_args(OnnxVariant)
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
LOCK_TIMEOUT_S = 900.0


def cache_dir() -> Path:
    """``$JIANGGAO_CACHE`` or ``~/.cache/jianggao``: shared by every index and venv of this user."""
    env = os.environ.get(ENV_CACHE, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "jianggao"


def onnx_key(identity: str, variant: OnnxVariant, recipe: int | None = None) -> str:
    """What decides the file's bytes, hashed: model identity, variant, recipe (default RECIPE), exporter and
    quantiser versions."""
    import onnxruntime

    from jianggao.indexer.config import package_version

    # torch's version from its metadata: importing torch (1-1.5 s) only to find a cached file is what the
    # torch-free ONNX paths avoid (jianggao.indexer.onnx_model).
    torch_minor = ".".join(package_version("torch").split("+")[0].split(".")[:2])
    recipe = RECIPE if recipe is None else recipe
    text = f"{identity}|{variant}|recipe {recipe}|torch {torch_minor}|onnxruntime {onnxruntime.__version__}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def cache_file(identity: str, kind: str, key: str, suffix: str) -> Path:
    """``<model name>-<kind>-<key><suffix>`` in the shared ONNX cache: named by the model, never by its path."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", identity.partition("@")[0])[:40] or "model"
    return cache_dir() / "onnx" / f"{stem}-{kind}-{key}{suffix}"


def onnx_path(identity: str, variant: OnnxVariant, recipe: int | None = None) -> Path:
    return cache_file(identity, variant, onnx_key(identity, variant, recipe), ".onnx")


def drop_older_recipes(identity: str, variant: OnnxVariant) -> list[Path]:
    """Remove the graphs of this model and variant that earlier recipes left in the cache under the same torch and
    onnxruntime versions (50-95 MB each): only an older jianggao loads them, and it would export its own again. Lock
    files stay (an older process may hold one). The removed paths."""
    removed = []
    for recipe in range(1, RECIPE):
        old = onnx_path(identity, variant, recipe)
        try:
            old.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:  # not ours to fail on: the new graph is in place
            log.warning("could not remove an older ONNX graph %s (%s)", old, e)
            continue
        removed.append(old)
    return removed


def check_exportable(model: Any) -> Any:
    """The BERT-style transformer of a sentence-transformers model with plain mean pooling, else ValueError
    (the ONNX path computes mean pooling itself)."""
    transformer, pooling = model[0], model[1] if len(model) > 1 else None
    mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers >= 6
    mean = mode == "mean" or (mode is None and getattr(pooling, "pooling_mode_mean_tokens", False))
    if len(model) != 2 or not mean or getattr(pooling, "include_prompt", True) is False:
        raise ValueError("only transformer + mean pooling models take the ONNX path")
    bert = getattr(transformer, "auto_model", None) or getattr(transformer, "model", None)
    if bert is None:
        raise ValueError("the model's first module has no transformer to export")
    return bert


def prepared_onnx(model: Any, identity: str, variant: OnnxVariant) -> Path:
    """The cached ONNX file of ``model`` (a loaded SentenceTransformer whose identity is ``identity``) in
    ``variant``, built first if missing (a progress line is logged: it takes tens of seconds, once)."""
    from filelock import FileLock

    if variant not in ONNX_VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}")
    bert = check_exportable(model)
    path = onnx_path(identity, variant)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S):
        if path.is_file():  # another process built it while we waited for the lock
            return path
        log.warning("preparing the %s encoder for this CPU (ONNX %s, once per model; about a minute) at %s",
                    identity.partition("@")[0], variant, path)
        t0 = time.perf_counter()
        tmp_dir = path.parent
        fp32 = tmp_dir / f".{path.stem}.{os.getpid()}.fp32.onnx.tmp"
        out = tmp_dir / f".{path.stem}.{os.getpid()}.onnx.tmp"
        fused = tmp_dir / f".{path.stem}.{os.getpid()}.fused.onnx.tmp"
        try:
            _export(bert, model.tokenizer, fp32)
            # A model the optimizer does not recognise keeps its unfused export (int8: its weight MatMuls).
            ok = _fuse(fp32, fused, bert.config, masked=variant == "fp32")
            if variant == "int8":
                _quantize_int8(fused if ok else fp32, out)
            else:
                os.replace(fused if ok else fp32, out)
            os.replace(out, path)
            for old in drop_older_recipes(identity, variant):
                log.info("removed %s: a graph of an earlier recipe", old.name)
        finally:
            for p in (fp32, fused, out):
                p.unlink(missing_ok=True)
        log.warning("prepared %s in %.0f s", path.name, time.perf_counter() - t0)
    return path


def _export(bert: Any, tokenizer: Any, dest: Path) -> None:
    """``bert`` as ONNX at ``dest``, traced through the eager attention code (the pattern the transformer
    optimizer fuses), the model's own attention setting restored afterwards."""
    import torch

    class _Wrapped(torch.nn.Module):  # keyword call: newer transformers changed positional arguments
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(["示例文本", "示例"], padding=True, return_tensors="pt")
    with warnings.catch_warnings(), torch.inference_mode(), _attention(bert, "eager"):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Wrapped(bert.eval()).float(),
            tuple(sample[n] for n in INPUT_NAMES),
            str(dest),
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*INPUT_NAMES, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )


@contextlib.contextmanager
def _attention(bert: Any, implementation: str) -> Iterator[None]:
    """``bert`` with its attention implementation set to ``implementation`` meanwhile."""
    config = bert.config
    was = getattr(config, "_attn_implementation", None)
    if was == implementation:
        yield
        return
    setter = getattr(bert, "set_attn_implementation", None)  # transformers >= 4.48; older read the config
    (setter or (lambda v: setattr(config, "_attn_implementation", v)))(implementation)
    try:
        yield
    finally:
        (setter or (lambda v: setattr(config, "_attn_implementation", v)))(was)


def _fuse(src: Path, dest: Path, config: Any, masked: bool = False) -> bool:
    """ONNX Runtime's BERT fusions of ``src`` (recipe step 2, no SkipLayerNormalization; ``masked``: an Attention
    per layer that takes the attention mask, for the fp32 graph's padded batches; else MultiHeadAttention without
    a mask) written to ``dest``; False (with a warning, nothing written) when not every attention layer was
    fused."""
    from onnxruntime.transformers.fusion_options import AttentionMaskFormat, FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_skip_layer_norm = False
    if not masked:
        options.use_multi_head_attention = True
        options.attention_mask_format = AttentionMaskFormat.NoMask
    op = "Attention" if masked else "MultiHeadAttention"
    with _quiet_logging():
        # opt_level 0: only the fusions; ONNX Runtime applies its own graph optimisations when it loads the file.
        model = optimize_model(
            str(src), model_type="bert", num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size), optimization_options=options, opt_level=0,
        )
    fused = model.get_fused_operator_statistics()
    if fused.get(op, 0) != int(config.num_hidden_layers):
        log.warning("the transformer optimizer fused %d attention layers of %d: keeping the unfused graph",
                    fused.get(op, 0), config.num_hidden_layers)
        return False
    model.save_model_to_file(str(dest))
    return True


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    """The optimizer and quantiser log hints and may install a root handler: keep logging as it was."""
    root = logging.getLogger()
    # The quantiser logs a "consider pre-processing" hint and may install a root handler: keep logging as it was.
    was, handlers, level = root.disabled, list(root.handlers), root.level
    root.disabled = True
    try:
        yield
    finally:
        root.disabled, root.handlers[:], root.level = was, handlers, level


def _quantize_int8(src: Path, dest: Path) -> None:
    """Weights of ``src``'s MatMuls in int8 (recipe step 3)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_logging():
        quantize_dynamic(
            str(src),
            str(dest),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            # Shape inference cannot type the outputs of the fused (contrib) ops; they are all float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


# ONNX Runtime's load-time fusions left out of every session (recipe step 2: the fused kernel is the slower one).
DISABLED_FUSIONS = ("SkipLayerNormFusion",)


def session_options(threads: int | None = None) -> Any:
    """The options of every session: all graph optimisations; idle threads do not spin."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle intra-op threads sleep instead of spinning. On a 2-core machine a spinning worker takes the core the
    # other thread (or any other process) needs: side by side on the default corpus's passages under load,
    # int8 encoding ran 1.26x faster without spinning, with identical vectors (threading only, not numerics).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    return options


def session(path: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session of ``path`` (session_options, without DISABLED_FUSIONS)."""
    import onnxruntime as ort

    return ort.InferenceSession(
        str(path), session_options(threads), providers=["CPUExecutionProvider"],
        disabled_optimizers=list(DISABLED_FUSIONS),
    )
