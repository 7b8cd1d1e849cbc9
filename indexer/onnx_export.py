"""The encoder's transformer as an ONNX file, fp32 or int8, built once per model and kept in a shared cache.

Recipe (``RECIPE``; bump it when these steps change, which makes every cache entry stale):

1. ``torch.onnx.export`` of the transformer (inputs ids / mask / token types, output the last hidden state),
   dynamic batch and sequence axes;
2. ``int8`` only: the export is made with eager attention (the pattern ONNX Runtime's transformer optimizer
   recognises; the SDPA export is not fused), then ``onnxruntime.transformers.optimizer`` fuses it into one
   EmbedLayerNormalization, an Attention per layer, SkipLayerNormalization and BiasGelu, with the head count and
   hidden size read from the model's config;
3. ``int8`` only: ONNX Runtime dynamic quantisation of the *fused* graph: the weight MatMuls (feed-forward and
   attention output) and each fused Attention (-> QAttention: the Q/K/V projection in int8) to signed int8 with
   **per-channel** weight scales; activations are quantised per batch at run time. Embeddings, LayerNorm,
   softmax and GELU stay fp32. Per-tensor scales lost the most accuracy (worst cosine to fp32 0.987 in round
   one; per-channel: ~0.996). On the default corpus's passages, side by side under load, the fused int8 graph
   ran 1.33x faster than quantising the unfused export (MatMul only on the fused graph: 1.03x), at the same
   cosine to fp32. The fp32 variant stays the plain export: fusing it gained nothing measurable (0.97x).

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
RECIPE = 3  # 3: int8 is quantised from the fused (optimised) graph, QAttention included
OnnxVariant = Literal["fp32", "int8"]
ONNX_VARIANTS: tuple[str, ...] = get_args(OnnxVariant)
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
LOCK_TIMEOUT_S = 900.0


def cache_dir() -> Path:
    """``$JIANGGAO_CACHE`` or ``~/.cache/jianggao``: shared by every index and venv of this user."""
    env = os.environ.get(ENV_CACHE, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "jianggao"


def onnx_key(identity: str, variant: OnnxVariant) -> str:
    """What decides the file's bytes, hashed: model identity, variant, recipe, exporter and quantiser versions."""
    import onnxruntime

    from jianggao.indexer.config import package_version

    # torch's version from its metadata: importing torch (1-1.5 s) only to find a cached file is what the
    # torch-free ONNX paths avoid (jianggao.indexer.onnx_model).
    torch_minor = ".".join(package_version("torch").split("+")[0].split(".")[:2])
    text = f"{identity}|{variant}|recipe {RECIPE}|torch {torch_minor}|onnxruntime {onnxruntime.__version__}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def cache_file(identity: str, kind: str, key: str, suffix: str) -> Path:
    """``<model name>-<kind>-<key><suffix>`` in the shared ONNX cache: named by the model, never by its path."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", identity.partition("@")[0])[:40] or "model"
    return cache_dir() / "onnx" / f"{stem}-{kind}-{key}{suffix}"


def onnx_path(identity: str, variant: OnnxVariant) -> Path:
    return cache_file(identity, variant, onnx_key(identity, variant), ".onnx")


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
            _export(bert, model.tokenizer, fp32, eager_attention=variant == "int8")
            if variant == "int8":
                if _fuse(fp32, fused, bert.config):
                    _quantize_int8(fused, out, attention=True)
                else:  # a model the optimizer does not recognise: its weight MatMuls in int8, as recipe 2 did
                    _quantize_int8(fp32, out, attention=False)
            else:
                os.replace(fp32, out)
            os.replace(out, path)
        finally:
            for p in (fp32, fused, out):
                p.unlink(missing_ok=True)
        log.warning("prepared %s in %.0f s", path.name, time.perf_counter() - t0)
    return path


def _export(bert: Any, tokenizer: Any, dest: Path, eager_attention: bool = False) -> None:
    """``bert`` as ONNX at ``dest``; with ``eager_attention``, traced through the eager attention code (the
    pattern the transformer optimizer fuses), the model's own attention setting restored afterwards."""
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
    with warnings.catch_warnings(), torch.inference_mode(), _attention(bert, "eager" if eager_attention else None):
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
def _attention(bert: Any, implementation: str | None) -> Iterator[None]:
    """``bert`` with its attention implementation set to ``implementation`` (None: left as it is) meanwhile."""
    config = bert.config
    was = getattr(config, "_attn_implementation", None)
    if implementation is None or was == implementation:
        yield
        return
    setter = getattr(bert, "set_attn_implementation", None)  # transformers >= 4.48; older read the config
    (setter or (lambda v: setattr(config, "_attn_implementation", v)))(implementation)
    try:
        yield
    finally:
        (setter or (lambda v: setattr(config, "_attn_implementation", v)))(was)


def _fuse(src: Path, dest: Path, config: Any) -> bool:
    """ONNX Runtime's BERT fusions of ``src`` written to ``dest``; False (with a warning, nothing written) when
    not every attention layer was fused."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    with _quiet_logging():
        # opt_level 0: only the fusions; ONNX Runtime applies its own graph optimisations when it loads the file.
        model = optimize_model(
            str(src), model_type="bert", num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size), optimization_options=FusionOptions("bert"), opt_level=0,
        )
    fused = model.get_fused_operator_statistics()
    if fused.get("Attention", 0) != int(config.num_hidden_layers):
        log.warning("the transformer optimizer fused %d attention layers of %d: quantising the unfused graph",
                    fused.get("Attention", 0), config.num_hidden_layers)
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


def _quantize_int8(src: Path, dest: Path, attention: bool) -> None:
    """Weights of ``src``'s MatMuls (and, with ``attention``, of its fused Attention nodes) in int8."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_logging():
        quantize_dynamic(
            str(src),
            str(dest),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"] if attention else ["MatMul"],
            # Shape inference cannot type the outputs of the fused (contrib) ops; they are all float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def session(path: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session with all graph optimisations; idle threads do not spin."""
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
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
