"""The ONNX backends' model without torch: what the encoder needs besides the graph, kept beside it in the cache.

Importing sentence-transformers (and with it torch and transformers' model code) took 5-6 s of every CLI call and
of ``serve``'s start on a 2-core CPU, while the ONNX paths only use the model for its tokenizer, its maximum
sequence length and its dimension. When the model is first loaded (``Encoder.prepare``, ``make run``'s first
start), ``write_runtime`` stores those three in a small JSON file of the shared ONNX cache: the tokenizer as the
exact Rust ``tokenizers`` state the loaded model uses (its ``backend_tokenizer``), so that ids, offsets and
special-token marks are the ones transformers gives. Later processes build ``OnnxModel`` from it with
``tokenizers`` alone (~0.01 s).

The file is named by a hash of the model identity and of the versions of the packages that decide its contents
(transformers, sentence-transformers, tokenizers), like the graphs (``jianggao.indexer.onnx_export``): another venv
or user with the same weights and versions finds it, an upgrade makes a new one. It is written to a temp file
and renamed into place; a damaged or foreign file is ignored (the model is then loaded the slow way and the file
rewritten).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from jianggao.indexer.config import package_version
from jianggao.indexer.fileio import atomic_write

log = logging.getLogger(__name__)

RUNTIME_FORMAT = 1


def runtime_path(identity: str) -> Path:
    from jianggao.indexer.onnx_export import cache_file

    versions = "|".join(f"{d} {package_version(d)}" for d in ("transformers", "sentence-transformers", "tokenizers"))
    key = hashlib.sha256(f"{identity}|runtime {RUNTIME_FORMAT}|{versions}".encode("utf-8")).hexdigest()[:20]
    return cache_file(identity, "runtime", key, ".json")


@dataclass(frozen=True)
class Runtime:
    identity: str
    max_seq_length: int
    dim: int
    pad_token_id: int
    tokenizer: str  # tokenizers.Tokenizer.to_str()


def runtime_of(model: Any, identity: str) -> Runtime:
    """What a loaded sentence-transformers ``model`` gives the ONNX paths; ValueError when its tokenizer has no
    Rust (fast) version to store."""
    tok = model.tokenizer
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("the model's tokenizer has no fast (Rust) version")
    limit = model.max_seq_length
    if not limit:
        raise ValueError("the model states no maximum sequence length")
    return Runtime(identity, int(limit), int(model.get_embedding_dimension()), int(tok.pad_token_id or 0),
                   backend.to_str())


def write_runtime(runtime: Runtime) -> Path:
    """Store ``runtime`` in the cache (atomic: temp file, then rename)."""
    path = runtime_path(runtime.identity)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": RUNTIME_FORMAT, "identity": runtime.identity, "max_seq_length": runtime.max_seq_length,
            "dim": runtime.dim, "pad_token_id": runtime.pad_token_id, "tokenizer": runtime.tokenizer}
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    atomic_write(path, lambda f: f.write(body))
    return path


def read_runtime(identity: str) -> Runtime | None:
    """The stored runtime of the model ``identity``; None when there is none, or it is damaged or another's."""
    path = runtime_path(identity)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != RUNTIME_FORMAT or data.get("identity") != identity:
            raise ValueError("written for another model or format")
        runtime = Runtime(identity, int(data["max_seq_length"]), int(data["dim"]), int(data["pad_token_id"]),
                          str(data["tokenizer"]))
        if runtime.max_seq_length < 1 or runtime.dim < 1:
            raise ValueError("sizes out of range")
        return runtime
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("ignoring the stored model runtime %s (%s); the model will be loaded in full", path, e)
        return None


class OnnxModel:
    """The model as the ONNX paths use it: ``tokenizer(texts, ...)`` as transformers' fast tokenizer answers it,
    ``max_seq_length`` (settable, like a SentenceTransformer's) and ``get_embedding_dimension()``."""

    def __init__(self, runtime: Runtime) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(runtime.tokenizer)
        self._tokenizer.no_padding()
        self.runtime = runtime
        self.pad_token_id = runtime.pad_token_id
        self._max_seq_length = 0
        self.max_seq_length = runtime.max_seq_length

    @property
    def max_seq_length(self) -> int:
        return self._max_seq_length

    @max_seq_length.setter
    def max_seq_length(self, n: int) -> None:
        # Set once, when the encoder loads the model (under its lock), before any text is tokenised.
        self._tokenizer.enable_truncation(max_length=int(n))
        self._max_seq_length = int(n)

    @property
    def tokenizer(self) -> "OnnxModel":
        return self

    def get_embedding_dimension(self) -> int:
        return self.runtime.dim

    def __call__(self, texts: Sequence[str], truncation: bool = True, max_length: int | None = None,
                 return_offsets_mapping: bool = False, return_special_tokens_mask: bool = False) -> dict[str, list]:
        """Token ids (with token types) of each text, truncated to ``max_seq_length``; offsets and special-token
        marks on request."""
        if not truncation or max_length not in (None, self._max_seq_length):
            raise ValueError(f"this tokenizer truncates to {self._max_seq_length} tokens")
        encodings = self._tokenizer.encode_batch(list(texts))
        out: dict[str, list] = {"input_ids": [e.ids for e in encodings],
                                "token_type_ids": [e.type_ids for e in encodings]}
        if return_offsets_mapping:
            out["offset_mapping"] = [e.offsets for e in encodings]
        if return_special_tokens_mask:
            out["special_tokens_mask"] = [e.special_tokens_mask for e in encodings]
        return out
