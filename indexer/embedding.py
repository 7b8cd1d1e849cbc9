"""Texts -> sentence vectors (m3e-small by default), on the fastest path this machine's CPU or GPU offers.

``Encoder`` loads its model lazily, on first use, never at import. Vectors come back as float32 and
L2-normalised, so that an inner product between two of them *is* their cosine similarity (the store's FAISS
index relies on that). ``encode_with_tokens`` gives, from the same forward pass, each text's last-layer token
vectors and their character offsets (the answers layer scores sentences with them).

Backends (one registry, ``Backend``; force one with ``Encoder(backend=...)`` or ``$JIANGGAO_BACKEND``):

* ``torch``       sentence-transformers' model in fp32: the reference, and the path for any model;
* ``torch-bf16``  bf16 weights on a CPU with native bf16 (AVX512-BF16 / AMX-BF16), autocast on a GPU;
  worst cosine to fp32 ~0.9999. On a CPU without native bf16 it is emulated and ~7x *slower* than fp32;
* ``torch-fp16``  autocast to fp16 (GPUs without bf16 only);
* ``onnx``        ONNX Runtime fp32 (same vectors as torch up to rounding);
* ``onnx-int8``   ONNX Runtime on the fused graph (attention, LayerNorm, GELU fused) with int8 per-channel
  weights, attention's Q/K/V projection included (``jianggao.indexer.onnx_export``): the fast path on CPUs
  without bf16; worst cosine to fp32 ~0.996 on the default corpus's passages.

``auto`` (``choose_backend``): a GPU runs torch under autocast; a CPU with AMX runs ``torch-bf16``; any other
CPU ``onnx-int8`` when onnxruntime is installed (questions in fp32: ``encode_queries``), else ``torch-bf16`` where
bf16 is native, else ``torch``. The two ONNX paths compute mean
pooling themselves, so they take only transformer + mean pooling models; any other model runs on torch. Once the
model's graphs are in the cache, the ONNX paths load without torch or sentence-transformers
(``jianggao.indexer.onnx_model``): 5-6 s less at every CLI call and ``serve`` start on a 2-core CPU.

All backends share one loop: tokenise once, sort by token count so a batch pads little, run, restore order.
"""
from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Literal, NamedTuple, Sequence, get_args

import numpy as np

from jianggao.indexer.config import ENV_MODEL
from jianggao.indexer.model_identity import (
    INSTALL_HINT,
    ModelNotFoundError,
    default_model,
    locate_model,
    model_identity,
)
from jianggao.indexer.options import check_option

log = logging.getLogger(__name__)

__all__ = [
    "BACKENDS", "Backend", "DEVICES", "Device", "Encoder", "ModelLoadError", "ModelNotFoundError", "TokenVectors",
    "choose_backend", "cpu_flags", "cpu_has_native_bf16", "default_model", "l2_normalize", "resolve_device",
]

Device = Literal["auto", "cpu", "cuda", "mps"]
DEVICES: tuple[str, ...] = get_args(Device)
Backend = Literal["auto", "torch", "torch-bf16", "torch-fp16", "onnx", "onnx-int8"]
BACKENDS: tuple[str, ...] = get_args(Backend)
ONNX_BACKENDS = ("onnx", "onnx-int8")
# Backends whose vectors are fp32 up to rounding share cached vectors; the others get their own cache.
EXACT_BACKENDS = ("torch", "torch-bf16", "torch-fp16", "onnx")
ComputeDtype = Literal["fp32", "bf16", "fp16", "int8"]

ENV_BACKEND = "JIANGGAO_BACKEND"  # overrides the automatic choice (an explicit Encoder(backend=...) wins)
DEFAULT_BATCH_SIZE = 32
# ONNX Runtime ran fastest on small, length-sorted batches on a 2-core CPU (least padding per batch).
ONNX_BATCH_SIZE = 4
# int8 runs one text at a time: dynamic quantisation takes each activation's scale over the whole batch, so in a
# batch a text's vector depended on its neighbours (cosine 0.9987 between a question alone and in a batch), while
# the vector cache (keyed by text) and search(q) == search_batch([q])[0] assume a text's vector is its own. On an
# AMD Zen 4 batches of 1 ran as fast as batches of 4 (8.5 vs 8.7 s for 300 passages: no padding at all). The
# fused int8 graph relies on it: it takes no attention mask (jianggao.indexer.onnx_export, recipe step 2).
ONNX_INT8_BATCH_SIZE = 1
# Many int8 runs go to CPU_LANES threads at once, each on a one-thread session, instead of one run at a time on all
# cores: a one-text run is too small a matrix to split well (300 passages in calls of 64 on a 2-core Zen 4: 7.75
# vs 9.70 s, identical vectors). One text alone (a question) still gets every core.
_USABLE_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
CPU_LANES = max(1, min(_USABLE_CPUS, 8))
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


class ModelLoadError(RuntimeError):
    """The configured embedding model could not be loaded."""


class TokenVectors(NamedTuple):
    vectors: np.ndarray  # float32 (n_tokens, dim): last-layer token embeddings, special tokens and padding excluded
    offsets: np.ndarray  # int32 (n_tokens, 2): each token's [start, end) character span in the input text


class _Run(NamedTuple):
    vectors: np.ndarray  # (n, dim) unit rows: what encode returns
    tokens: list[TokenVectors]  # per text, when asked for
    hidden: list[np.ndarray]  # per text, when tokens were asked for: all its hidden states, special tokens included
    pooled: np.ndarray  # (n, dim) the model's pooling before normalisation


# -- choosing a backend (pure) -------------------------------------------------------------------------------
def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The feature flags of /proc/cpuinfo (or of the text given); empty where there is none (not Linux)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return frozenset()
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return frozenset(flags)


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU advertises native bf16 arithmetic (AVX512-BF16 or AMX-BF16)."""
    return bool(cpu_flags(cpuinfo) & BF16_FLAGS)


def onnx_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def choose_backend(cpuinfo: str | None = None, has_onnx: bool | None = None) -> str:
    """The automatic CPU backend for a CPU described by ``cpuinfo`` (default: this one's /proc/cpuinfo).

    AMX (a Xeon from Sapphire Rapids on) runs torch bf16: its tiles made bf16 faster than int8 there (int8 at
    0.86x of bf16) and its hybrid search equals fp32's. Any other CPU runs ONNX Runtime int8 for passages when
    onnxruntime is installed, with questions in fp32 (``Encoder.encode_queries``): on an AMD Zen 4 (AVX512-BF16
    and VNNI, no AMX) int8 built the default corpus faster than bf16 (2.15x vs 1.47x the plain pipeline), and
    with fp32 questions its hybrid search stayed as close to fp32's as bf16's did (dev MRR@10 -0.004 vs 0.000,
    provinces +0.015 vs 0.000; int8 questions too gave -0.026 on dev). Without onnxruntime, native bf16 runs
    bf16, else torch fp32; emulated bf16 (~7x slower than fp32) is never chosen."""
    flags = cpu_flags(cpuinfo)
    if "amx_bf16" in flags:
        return "torch-bf16"
    if has_onnx if has_onnx is not None else onnx_available():
        return "onnx-int8"
    if flags & BF16_FLAGS:
        return "torch-bf16"
    return "torch"


def no_gpu_here() -> bool:
    """True where torch can certainly see no GPU: Linux with no NVIDIA or AMD (ROCm) driver device. Then ``auto``
    means the CPU without importing torch (1-1.5 s of every CLI call the ONNX paths need not pay)."""
    if not sys.platform.startswith("linux"):
        return False  # macOS (mps) and Windows: ask torch
    return not (Path("/proc/driver/nvidia").exists() or Path("/dev/kfd").exists()
                or any(Path("/dev").glob("nvidia*")))


def resolve_device(device: Device) -> str:
    """``auto``: cuda if available, else mps if available, else cpu. An unavailable explicit device is an error."""
    check_option("device", device, DEVICES)
    if device == "cpu" or (device == "auto" and no_gpu_here()):
        return "cpu"
    import torch

    mps_ok = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA GPU; use device 'auto' or 'cpu'")
    if device == "mps" and not mps_ok:
        raise ValueError("device 'mps' was asked for but torch sees no Apple GPU; use device 'auto' or 'cpu'")
    return device


def resolve_backend(backend: Backend, device: str, cpuinfo: str | None = None) -> str:
    """The backend to run on a resolved ``device``: the option, else ``$JIANGGAO_BACKEND``, else the automatic
    choice. An ONNX backend on a GPU, or fp16 on a CPU, is an error that names the way out."""
    check_option("backend", backend, BACKENDS)
    if backend == "auto":
        env = os.environ.get(ENV_BACKEND, "").strip()
        if env:
            check_option(f"backend in ${ENV_BACKEND}", env, BACKENDS)
            backend = env  # type: ignore[assignment]
    if backend == "auto":
        if device == "cuda":
            import torch

            return "torch-bf16" if torch.cuda.is_bf16_supported() else "torch-fp16"
        if device == "mps":
            return "torch"  # autocast support varies by macOS/torch version: correctness first
        return choose_backend(cpuinfo)
    if backend in ONNX_BACKENDS and device != "cpu":
        raise ValueError(f"backend {backend!r} runs on the CPU; use device 'cpu', or backend 'torch' on {device}")
    if backend == "torch-fp16" and device == "cpu":
        raise ValueError("backend 'torch-fp16' is for GPUs; on a CPU use 'torch-bf16', 'onnx-int8' or 'torch'")
    return backend


# -- encoder -------------------------------------------------------------------------------------------------
class Encoder:
    """Texts -> L2-normalised float32 vectors. The model loads on first use; safe to share between threads."""

    def __init__(
        self,
        model: str | None = None,
        device: Device = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_seq_length: int | None = None,
        backend: Backend = "auto",
    ) -> None:
        check_option("device", device, DEVICES)
        check_option("backend", backend, BACKENDS)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if max_seq_length is not None and (not isinstance(max_seq_length, int) or max_seq_length < 1):
            raise ValueError(f"max_seq_length must be a positive integer or None, got {max_seq_length!r}")
        # A model may be given as a folder, a hub name, or an index's model identity (name@sha256:...).
        self._name = locate_model(model) if model is not None else default_model()
        self._device_option: Device = device
        self._backend_option: Backend = backend
        self.batch_size = batch_size
        self._max_seq_length = max_seq_length
        self._model: Any = None
        self._device: str | None = None
        self._backend: str | None = None
        self._session: Any = None  # onnxruntime.InferenceSession on the ONNX backends
        self._onnx_path: Path | None = None
        self._exact_path: Path | None = None  # int8: the fp32 graph questions run on (encode_queries)
        self._exact_session: Any = None  # made on first need
        self._lane_session: Any = None  # the int8 model again, one thread per run, made on first need: CPU_LANES
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Encoder({self._name!r}, device={self._device_option!r}, backend={self._backend_option!r})"

    @property
    def name(self) -> str:
        """The model as loaded: a local folder as an absolute path, or a hub name."""
        return self._name

    @property
    def identity(self) -> str:
        """The model's identity for indexes: folder name + hash of its weights (see model_identity)."""
        return model_identity(self._name)

    @property
    def cache_key(self) -> str:
        """What cached vectors are keyed by: the identity, plus the vector kind for non-exact backends (for int8,
        with the ONNX recipe and the batch size: another quantisation, or other batch neighbours, give other
        vectors; the recipe is onnx_export.CACHE_RECIPE, which a new graph of the same kind of vector keeps)."""
        if self.backend in EXACT_BACKENDS:
            return self.identity
        if self.backend == "onnx-int8":
            from jianggao.indexer.onnx_export import CACHE_RECIPE

            return f"{self.identity}+{self.backend}-r{CACHE_RECIPE}-b{ONNX_INT8_BATCH_SIZE}"
        return f"{self.identity}+{self.backend}"

    @property
    def device(self) -> str:
        if self._device is None:
            self._device = resolve_device(self._device_option)
        return self._device

    @property
    def backend(self) -> str:
        """The backend that runs (never ``auto``); see the module docstring."""
        if self._backend is None:
            self._backend = resolve_backend(self._backend_option, self.device)
        return self._backend

    @property
    def compute_dtype(self) -> ComputeDtype:
        return {"torch-bf16": "bf16", "torch-fp16": "fp16", "onnx-int8": "int8"}.get(self.backend, "fp32")  # type: ignore[return-value]

    @property
    def query_dtype(self) -> ComputeDtype:
        """What questions are computed in (encode_queries): fp32 where passages are int8."""
        return "fp32" if self.backend == "onnx-int8" else self.compute_dtype

    @property
    def dim(self) -> int:
        dim = self._load().get_embedding_dimension()
        if not dim:
            raise ModelLoadError(f"model {self._name!r} does not report its embedding dimension")
        return int(dim)

    @property
    def max_seq_length(self) -> int:
        return int(self._load().max_seq_length)

    # -- loading -------------------------------------------------------------------------------------------
    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load_model()
        return self._model

    def _load_model(self) -> Any:
        if self.backend in ONNX_BACKENDS:
            model = self._load_onnx_model()
            if model is not None:
                return model
        local = Path(self._name).is_dir()
        if local:
            # Everything is on disk: never let huggingface_hub try the network (there may be none).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call says nothing useful
        device = "cpu" if self.backend in ONNX_BACKENDS else self.device
        log.info("loading embedding model %s on %s (%s)", self._name, device, self.backend)
        try:
            model = SentenceTransformer(self._name, device=device, local_files_only=local)
        except Exception as e:  # noqa: BLE001 - any failure here means the same thing to the user
            raise ModelLoadError(
                f"could not load the embedding model {self._name!r} ({type(e).__name__}: {e}); "
                f"point {ENV_MODEL} at a sentence-transformers model folder, or {INSTALL_HINT}"
            ) from e
        model.eval()
        if self.backend in ONNX_BACKENDS:
            self._session = self._onnx_session(model)  # before the length option: the runtime keeps the model's own
        self._apply_max_seq_length(model)
        if self.backend == "torch-bf16" and device == "cpu":
            import torch

            # With native bf16, bf16 weights skip autocast's per-op casts (26.9 vs 26.3 chunks/s in round one).
            model.to(torch.bfloat16)
        return model

    def _apply_max_seq_length(self, model: Any) -> None:
        if self._max_seq_length is not None:
            limit = model.max_seq_length
            if limit is not None and self._max_seq_length > limit:
                raise ValueError(f"max_seq_length {self._max_seq_length} exceeds the model's limit of {limit} tokens")
            model.max_seq_length = self._max_seq_length

    def _onnx_variants(self) -> tuple[str, str | None]:
        """The graph passages run on and, for int8, the fp32 graph questions run on (encode_queries)."""
        return ("int8", "fp32") if self.backend == "onnx-int8" else ("fp32", None)

    def _onnx_files(self) -> tuple[Path, Path | None]:
        """Where the cache keeps the graphs of ``_onnx_variants``."""
        from jianggao.indexer import onnx_export

        main, exact = self._onnx_variants()
        exact_path = onnx_export.onnx_path(self.identity, exact) if exact else None
        return onnx_export.onnx_path(self.identity, main), exact_path

    def _load_onnx_model(self) -> Any:
        """The ONNX backends' model from the shared cache, without torch or sentence-transformers
        (``jianggao.indexer.onnx_model``); None when a part is missing there (the first, full load writes them)."""
        from jianggao.indexer import onnx_export
        from jianggao.indexer.onnx_model import OnnxModel, read_runtime

        try:
            main, exact = self._onnx_files()
            runtime = read_runtime(self.identity)
            if runtime is None or not main.is_file() or (exact is not None and not exact.is_file()):
                return None
            model = OnnxModel(runtime)
            session = onnx_export.session(main)
        except Exception as e:  # noqa: BLE001 - the full load rebuilds what is broken, or falls back to torch
            log.warning("could not open the cached ONNX model of %s (%s: %s); loading the model in full",
                        self._name, type(e).__name__, e)
            return None
        self._apply_max_seq_length(model)
        log.info("embedding model %s from the ONNX cache (%s)", self._name, self.backend)
        self._onnx_path, self._exact_path, self._session = main, exact, session
        return model

    def _onnx_session(self, model: Any) -> Any:
        """The ONNX Runtime session, exported (and quantised) once per model into the shared cache with what later
        loads need to skip torch (the fp32 graph for int8's questions, the tokenizer and sizes); when the model
        cannot take that path, None, and the backend becomes torch (said in a warning)."""
        from jianggao.indexer import onnx_export, onnx_model

        main, exact = self._onnx_variants()
        try:
            self._onnx_path = onnx_export.prepared_onnx(model, self.identity, main)
            if exact is not None:
                self._exact_path = onnx_export.prepared_onnx(model, self.identity, exact)
            session = onnx_export.session(self._onnx_path)
        except Exception as e:  # noqa: BLE001 - the torch path always works; say why we fell back
            log.warning("ONNX backend unavailable for %s (%s: %s); using torch", self._name, type(e).__name__, e)
            self._backend = "torch"
            return None
        try:
            onnx_model.write_runtime(onnx_model.runtime_of(model, self.identity))
        except (OSError, ValueError) as e:  # the ONNX path works; later starts load the model in full again
            log.warning("could not store the model's runtime for torch-free starts (%s: %s)", type(e).__name__, e)
        return session

    def _lanes(self) -> Any:
        """The one-thread int8 session the lanes share; made on the first call that has runs enough for them, so
        that a ``serve`` that only embeds questions (fp32: encode_queries) never holds a second int8 model."""
        if self._lane_session is None:
            with self._lock:
                if self._lane_session is None:
                    from jianggao.indexer import onnx_export

                    self._lane_session = onnx_export.session(self._onnx_path, threads=1)
        return self._lane_session

    def _exact(self) -> Any:
        """The fp32 session int8's questions run on; made on first need (an index build never asks)."""
        if self._exact_session is None:
            with self._lock:
                if self._exact_session is None:
                    from jianggao.indexer import onnx_export

                    self._exact_session = onnx_export.session(self._exact_path)
        return self._exact_session

    def prepare(self) -> str:
        """Load the model and build what its backend needs (the ONNX file, once per model); the backend."""
        self._load()
        return self.backend

    # -- encoding ------------------------------------------------------------------------------------------
    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Embed ``texts``: float32 array of shape (len(texts), dim), each row of unit L2 norm, in input order."""
        return self._run(check_texts(texts), tokens=False, show_progress=show_progress).vectors

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions (what is searched *with*): ``encode``, except that where the passage path is int8 a
        question runs on the model's fp32 graph (ONNX, kept beside the int8 one). A question is one short text, so
        fp32 costs little there, and quantising only one side of the cosine halves the
        error that moves rankings: with int8 passages, dev hybrid MRR@10 was 0.889 with fp32 questions and 0.867
        with int8 questions, fp32 throughout 0.893 (``scripts/MEASUREMENTS.md``, sixth session). A pasted
        passage (``similar``) takes ``encode``: it is a passage compared with passages, on the same path."""
        return self._run(check_texts(texts), tokens=False, exact=True).vectors

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """``encode(texts)`` and, from the same forward pass, each text's last-layer token vectors (special
        tokens and padding excluded) with their character spans in that text."""
        run = self._run(check_texts(texts), tokens=True)
        return run.vectors, run.tokens

    def _run(self, texts: list[str], tokens: bool, show_progress: bool = False, exact: bool = False) -> "_Run":
        """The one loop of every backend (see _Run); token outputs only when ``tokens``; ``exact``: the int8
        backend runs its fp32 graph instead (encode_queries)."""
        model = self._load()
        if not texts:
            return _Run(np.zeros((0, self.dim), dtype=np.float32), [], [], np.zeros((0, self.dim), np.float32))
        tokenizer = model.tokenizer
        enc = tokenizer(
            texts, truncation=True, max_length=int(model.max_seq_length),
            return_offsets_mapping=tokens, return_special_tokens_mask=tokens,
        )
        ids = enc["input_ids"]
        lengths = np.asarray([len(x) for x in ids])
        order = np.argsort(-lengths, kind="stable")
        int8 = self.backend == "onnx-int8"
        # The graph this call runs: torch (no session), int8 (passages), or fp32 (the onnx backend; int8's
        # questions, ``exact``, on the fp32 graph beside it).
        graph = "torch" if self._session is None else "int8" if int8 and not exact else "fp32"
        size = {"torch": self.batch_size, "int8": ONNX_INT8_BATCH_SIZE, "fp32": ONNX_BATCH_SIZE}[graph]
        pooled = np.zeros((len(texts), self.dim), dtype=np.float32)
        hidden_of: list[Any] = [None] * len(texts)
        batches = range(0, len(texts), size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        pad_id = tokenizer.pad_token_id or 0
        lanes = graph == "int8" and CPU_LANES > 1 and len(batches) >= 2 * CPU_LANES
        session = (None if graph == "torch" else self._lanes() if lanes
                   else self._exact() if int8 and exact else self._session)

        def forward(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            idx = order[start : start + size]
            width = int(lengths[idx].max())
            input_ids = np.full((len(idx), width), pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for r, j in enumerate(idx):
                n = int(lengths[j])
                input_ids[r, :n] = ids[j]
                mask[r, :n] = 1
                if "token_type_ids" in enc:
                    types[r, :n] = enc["token_type_ids"][j]
            return (idx, *self._forward(model, input_ids, mask, types, session))

        with ThreadPoolExecutor(CPU_LANES, "jianggao-encode") if lanes else contextlib.nullcontext() as pool:
            for idx, hidden, sentence in pool.map(forward, batches) if lanes else map(forward, batches):
                pooled[idx] = sentence
                if tokens:
                    for r, j in enumerate(idx):
                        hidden_of[j] = hidden[r, : int(lengths[j])]
        vectors = l2_normalize(pooled)
        if not tokens:
            return _Run(vectors, [], [], pooled)
        out = []
        for j in range(len(texts)):
            keep = np.asarray(enc["special_tokens_mask"][j]) == 0
            offsets = np.asarray(enc["offset_mapping"][j], dtype=np.int32).reshape(-1, 2)
            out.append(TokenVectors(np.ascontiguousarray(hidden_of[j][keep], dtype=np.float32), offsets[keep]))
        return _Run(vectors, out, hidden_of, pooled)

    def _forward(
        self, model: Any, input_ids: np.ndarray, mask: np.ndarray, types: np.ndarray, session: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Last hidden states (batch, width, dim) and pooled, unnormalised sentence vectors (batch, dim); on the
        ONNX paths from ``session``."""
        if session is not None:
            feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": types}
            names = [i.name for i in session.get_inputs()]
            if "attention_mask" not in names and not mask.all():
                # The fused int8 graph has no mask (jianggao.indexer.onnx_export, recipe step 2): padding would be
                # attended to. It only ever runs one text at a time (ONNX_INT8_BATCH_SIZE).
                raise ValueError("this ONNX graph takes no attention mask: run it one text at a time")
            hidden = session.run(None, {k: v for k, v in feed.items() if k in names})[0]
            m = mask[..., None].astype(np.float32)
            return hidden, (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)  # the model's mean pooling
        import torch

        device = model.device
        features = {
            "input_ids": torch.from_numpy(input_ids).to(device),
            "attention_mask": torch.from_numpy(mask).to(device),
            "token_type_ids": torch.from_numpy(types).to(device),
        }
        with torch.inference_mode(), self._autocast():
            out = model.forward(features)
        return (
            out["token_embeddings"].float().cpu().numpy(),
            out["sentence_embedding"].float().cpu().numpy(),
        )

    @contextlib.contextmanager
    def _autocast(self) -> Iterator[None]:
        import torch

        dtype = {"torch-bf16": torch.bfloat16, "torch-fp16": torch.float16}.get(self.backend)
        if dtype is None or self.device == "cpu":  # on a CPU, bf16 is in the weights already
            yield
            return
        with torch.autocast(device_type=self.device, dtype=dtype):
            yield


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, in float32 (after which inner product == cosine). Zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def check_texts(texts: Sequence[str]) -> list[str]:
    """``texts`` as a list, or TypeError for a bare string or a non-string item."""
    if isinstance(texts, str):
        raise TypeError("encode takes a list of texts, not one string: wrap it as [text]")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text {i} is a {type(t).__name__}, not str")
    return texts
