"""The store interface the qa layer codes against, and how a ``--store`` option picks an implementation.

Two implementations:

- ``faiss`` (default): jianggao.indexer.store.Store, FAISS + bm25s in versioned folders under the index folder.
- ``milvus:PATH.db`` (Milvus Lite, embedded, one process at a time) or ``milvus://HOST:PORT`` (a Milvus server;
  ``$JIANGGAO_MILVUS_TOKEN`` and ``$JIANGGAO_MILVUS_DB`` when set): jianggao.indexer.milvus_store, an optional
  extra (``pip install -e .[milvus]``).

Both hold the speeches, chunks, passage and sentence vectors of the live version in memory once loaded (the qa layer
reads them to render, group and rerank); they differ in where the dense and keyword indexes live and run.
Hybrid fusion is not a store's job: it stays in jianggao.qa.fusion and works on either store's hit lists.
The index folder stays in use with every store: it holds the writer's lock and the embedding cache.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from jianggao.indexer.lexical import LexicalHit
from jianggao.indexer.store import DenseHit, FilesBackend, Manifest, Store, StoreError
from jianggao.indexer.types import Chunk, Speech

ENV_STORE = "JIANGGAO_STORE"
ENV_MILVUS_TOKEN = "JIANGGAO_MILVUS_TOKEN"
ENV_MILVUS_DB = "JIANGGAO_MILVUS_DB"
ENV_MILVUS_COLLECTION = "JIANGGAO_MILVUS_COLLECTION"
DEFAULT_COLLECTION = "jianggao"
STORE_HELP = ("where the index lives: faiss (default; files in the index folder), milvus:PATH.db (Milvus Lite) "
              "or milvus://HOST:PORT (a Milvus server; $JIANGGAO_MILVUS_TOKEN, $JIANGGAO_MILVUS_DB); "
              f"default ${ENV_STORE} or faiss")


@runtime_checkable
class KeywordSearch(Protocol):
    def search_batch(self, queries: Sequence[str], k: int) -> list[list[LexicalHit]]:
        """Up to ``k`` passages per query by BM25, best first; ``doc`` is the position in the store's chunks."""


@runtime_checkable
class SearchStore(Protocol):
    """What the qa layer reads from a loaded index version. Positions (``doc``) index ``chunks``.

    Also read, where a store has it: ``sentences``, the sentence vectors of jianggao.indexer.sentvec (or None), in
    memory as in the FAISS Store and the MilvusStore; the qa layer reads it with getattr because the segmented
    library (jianggao.indexer.segmented) keeps none, and then scores sentences by their passage vector."""

    speeches: list[Speech]
    chunks: list[Chunk]
    vectors: np.ndarray  # float32 (n_chunks, dim), L2-normalised: inner product is cosine
    manifest: Manifest  # model identity, format version, files and their hashes
    chunk_duplicates: list[list[int]]
    lexical: KeywordSearch

    def dense_search_batch(self, query_vectors: np.ndarray, k: int) -> list[list[DenseHit]]: ...

    def speech_by_id(self, speech_id: str) -> Speech: ...

    def chunks_of(self, speech_id: str) -> list[Chunk]: ...

    def chunk_indices_of(self, speech_id: str) -> list[int]: ...

    @property
    def chunk_position(self) -> dict[str, int]: ...

    def check_model(self, model: str, dim: int | None = None) -> None: ...


class StoreBackend(Protocol):
    """Where index versions are kept: load the live one, build and save a new one (the switch is atomic)."""

    def exists(self) -> bool:
        """Whether a live version is there (usable or not)."""

    def load(self, expect_model: str | None = None, expect_dim: int | None = None) -> SearchStore: ...

    def build(self, speeches: Sequence[Speech], chunks: Sequence[Chunk], vectors: np.ndarray,
              lexical_texts: Sequence[str], model: str, files: dict[str, str], index_type: str = "auto",
              chunk_duplicates: Sequence[Sequence[int]] | None = None, sentences: Any = None,
              pipeline_version: int = 0) -> SearchStore:
        """Check the parts and make a store of them, not yet saved. ``sentences``: the sentence vectors of
        jianggao.indexer.sentvec, kept where the store supports them (None: answers fall back to passage vectors)."""

    def save(self, store: SearchStore, anew: bool = False) -> str:
        """Write ``store`` as a new version and make it the live one; returns the version's name. ``anew``
        (``jianggao index --rebuild``): a store that updates in place (Milvus) writes every row again instead."""

    def describe(self) -> str: ...


# -- the FAISS backend -------------------------------------------------------------------------------------------
class FaissBackend(FilesBackend):
    """The FAISS files in the index folder: a versioned Store, or a SegmentedStore (the scale path)."""

    def load(self, expect_model: str | None = None, expect_dim: int | None = None) -> SearchStore:
        from jianggao.indexer.segmented import is_segmented, open_store

        if expect_dim is None or is_segmented(self.index_dir):
            return open_store(self.index_dir, expect_model=expect_model)
        return Store.load(self.index_dir, expect_model=expect_model, expect_dim=expect_dim)


# -- choosing one -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreSpec:
    kind: str  # "faiss" | "milvus"
    uri: str = ""  # milvus: a local .db path (Milvus Lite) or http://HOST:PORT

    @property
    def lite(self) -> bool:
        return self.kind == "milvus" and not self.uri.startswith(("http://", "https://"))


def parse_store(text: str | None) -> StoreSpec:
    """``faiss``, ``milvus:PATH.db`` or ``milvus://HOST:PORT`` (None: ``$JIANGGAO_STORE`` or faiss)."""
    text = (text if text is not None else os.environ.get(ENV_STORE, "")).strip() or "faiss"
    if text == "faiss":
        return StoreSpec("faiss")
    if text.startswith("milvus://"):
        address = text[len("milvus://"):].rstrip("/")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--store {text!r}: give the server as milvus://HOST:PORT, e.g. milvus://127.0.0.1:19530")
        return StoreSpec("milvus", f"http://{address}")
    if text.startswith("milvus:"):
        path = text[len("milvus:"):]
        if not path.endswith(".db"):
            raise ValueError(f"--store {text!r}: a Milvus Lite database is a path ending in .db, e.g. milvus:data/jianggao.db")
        return StoreSpec("milvus", str(Path(path).expanduser().resolve()))
    raise ValueError(f"--store {text!r}: use faiss, milvus:PATH.db (Milvus Lite) or milvus://HOST:PORT (a server)")


def open_backend(store: str | StoreSpec | None, index_dir: Path) -> StoreBackend:
    """The backend named by ``store`` (see parse_store); StoreError when its optional packages are missing."""
    spec = store if isinstance(store, StoreSpec) else parse_store(store)
    if spec.kind == "faiss":
        return FaissBackend(Path(index_dir))
    try:
        from jianggao.indexer.milvus_store import MilvusBackend
    except ImportError as e:  # pymilvus / milvus-lite are an optional extra
        raise StoreError(f"the Milvus store needs pymilvus and milvus-lite ({e}); "
                         "install them with `pip install -e .[milvus]`") from None
    return MilvusBackend(
        uri=spec.uri,
        token=os.environ.get(ENV_MILVUS_TOKEN, ""),
        db_name=os.environ.get(ENV_MILVUS_DB, ""),
        prefix=os.environ.get(ENV_MILVUS_COLLECTION, DEFAULT_COLLECTION),
    )
