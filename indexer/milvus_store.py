"""The Milvus store: passages, their vectors and a BM25 full-text index in Milvus (Lite or a server).

Layout (version LAYOUT = 3). One *generation* is three collections, and the alias ``<prefix>`` names its chunk
collection:

    <prefix>_v<time>_<hex>        one row per passage: pk, chunk_id, speech_id, row (JSON: the chunk), vec
                                  (FLOAT_VECTOR, IP), packed (the same vector's float32 bytes in base64), terms
                                  (VARCHAR, BM25 function input) -> sparse (SPARSE_FLOAT_VECTOR, BM25), sig (what
                                  the row holds, hashed)
    <prefix>_v<time>_<hex>_docs   speeches (JSON in pieces: Milvus caps a VARCHAR at 65,535 bytes), and per epoch its
                                  manifest, its layout (the passages' keys in position order, the speech order, the
                                  duplicate links), the sentence-row count and the commit row; a 2-d placeholder
                                  vector because every collection needs one
    <prefix>_v<time>_<hex>_sents  the sentence vectors of jianggao.indexer.sentvec, packed per passage: row (pk),
                                  cpk (the passage's pk), piece, n (its sentence count), body (a piece of base64 of
                                  the int32 start/end pairs then the float32 vectors); a 2-d placeholder vector

Why packed. Milvus Lite (3.x) is pure Python: a float vector written or read costs a Python object per component
on both sides of its gRPC call, and a check per component on insert. A Lite load read every vector that way (10k
passages with 58k sentence rows: 136 s, 80 s of it the sentence rows) and a save wrote them that way (271 s, 173 s
the sentence rows), under load. Only ``vec`` of the chunk collection is searched in Milvus; a load reads
``packed`` instead, and sentence vectors live only packed, one payload per passage.

Epochs. Every row carries ``born`` (the epoch that wrote it) and ``dead`` (the first epoch without it; ALIVE while
it is live). A save is the next epoch E+1 of the live generation: it deletes what a killed save left (rows born
after E; dead marks after E undone), keeps every row whose signature a new passage or speech has, inserts the new
and changed ones with born = E+1, marks the gone ones dead = E+1 (a partial upsert: the vectors are not resent),
writes the epoch's layout and manifest, flushes, and only then writes and flushes the commit row of E+1: the
commit point (Milvus has no transaction across rows or collections). Then the rows that neither E+1 nor E holds
(dead at E or before) are deleted, so a reader that loaded E still finds all of its rows and one that loaded E-1
must reload. Adding one file writes
that file's rows, not the library's. A new generation (every row written, then the alias moved, as layout 1 did on
every save) is started when there is none, when the live one is of another layout (refused at load with a
rebuild hint), or when the vector size or index type changes.

Readers. A load reads the last commit, then only rows alive at its epoch (``born <= E and dead > E``), orders the
passages by the epoch's layout and maps each Milvus key to its position in ``chunks`` (the qa layer addresses
passages by position); every search carries the same filter and maps its hits back to positions. A reader thus
keeps seeing the one epoch it loaded while later epochs are written.

Sentence vectors. A load reads them into memory as the FAISS store does (``MilvusStore.sentences``, the same
SentenceVectors), so the qa layer scores answer sentences and ranks passages by their best sentence the same way
on both stores. Their collection has a FLAT index only because Milvus loads no collection without one: nothing
searches it in Milvus. A version without the sentence-row count (written before sentence vectors were kept)
loads without them, and answering then scores sentences by their passage vector.

Keyword search. The text is tokenised by jianggao.indexer.lexical (the domain dictionary, normalisation,
stop words, character bigrams) exactly as for the FAISS store, and Milvus gets the terms joined by spaces: the
``standard`` analyzer (Milvus Lite; it splits on non-word characters, so each term is first reduced to word
characters) or ``whitespace`` (a server, whose ``standard`` analyzer would cut Chinese into characters). Milvus
computes BM25 itself with bm25s's parameters (k1 1.5, b 0.75); scores are divided by k1 + 1 so that they equal
bm25s's. Milvus Lite keeps BM25 statistics per segment (its README says so): a collection larger than one
segment (Lite flushes a segment per ~128 MB) ranks keywords slightly differently from the FAISS store, and so does
an index updated in place: each update's rows are flushed into a segment of their own, scored with that segment's
statistics, and rows dead or deleted still count in their segment's statistics (measured: after one update the
old rows' scores stayed as before it). A fresh build (one epoch) scores as bm25s does; ``--rebuild`` (a new
generation) restores that.

What stays local: the writer's lock and the embedding cache in the index folder (jianggao.indexer.build).
"""
from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from jianggao.indexer import fileio
from jianggao.indexer.checkpoints import checkpoint
from jianggao.indexer.lexical import LexicalHit, check_batch, terms, terms_many
from jianggao.indexer.store import (
    APPROX_MAX_K,
    FORMAT_VERSION,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    REBUILD_HINT,
    TIE_MARGIN,
    DenseHit,
    IndexMismatchError,
    LoadedIndex,
    Manifest,
    StoreError,
    check_parts,
    checked_sentences,
    ivf_lists,
    sentence_problem,
)
from jianggao.indexer.types import Chunk, Speech

log = logging.getLogger(__name__)

BM25_K1 = 1.5  # bm25s's defaults, so both stores rank keywords alike
BM25_B = 0.75
MAX_TOPK = 16_384  # Milvus's limit on one search's result count
INSERT_BATCH = 1000
PIECE_CHARS = 16_000  # a Chinese character is 3 bytes in UTF-8: 48 kB < the 65,535-byte VARCHAR cap
MAX_TERMS_BYTES = 65_000
ID_CHARS = 512
SENTS = "_sents"  # suffix of a version's sentence-vector collection
DOCS = "_docs"
_NON_WORD = re.compile(r"\W")
# The Milvus layout: 1 = a whole set of collections per save; 2 = one set updated by epochs; 3 = as 2, with each
# passage's vector also packed as text and its sentence vectors packed into one row per passage (module doc).
LAYOUT = 3
ALIVE = 2**63 - 1  # ``dead`` of a row still in the live epoch
QUERY_LIMIT = 16_384  # Milvus's cap on one query's rows
KEY_BATCH = 1000  # keys per ``in [...]`` query
SCAN_RANGE = 1000  # primary keys per range query (rows of up to ~64 kB: a reply stays far below gRPC's cap)
SIG_SCAN_RANGE = QUERY_LIMIT  # primary keys per range query reading only the 64-character signatures
SIG_CHARS = 64
PACK_CHARS = 60_000  # base64 characters per packed piece (ASCII: bytes = characters < the VARCHAR cap)


def alive(epoch: int) -> str:
    """The filter that keeps the rows of one committed epoch: written by it or before, not yet dead in it."""
    return f"born <= {epoch} and dead > {epoch}"


def _sig(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=20)
    for p in parts:
        b = p.encode("utf-8") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _chunk_sig(chunk: Chunk, text: str, vector: np.ndarray, sentences: Any, rows: np.ndarray) -> str:
    """What a passage row holds, as one hash: its chunk, keyword text, vector and sentence rows (or that it has
    none kept). A save keeps an old row whose signature a new passage has, and writes the others anew."""
    if sentences is None:
        sent = b"none"
    else:
        sent = (np.ascontiguousarray(sentences.spans[rows, 1:], np.int64).tobytes()
                + np.ascontiguousarray(sentences.vectors[rows], np.float32).tobytes())
    return _sig(json.dumps(chunk.to_json(), ensure_ascii=False, sort_keys=True), text,
                np.ascontiguousarray(vector, np.float32).tobytes(), sent)


@dataclass(frozen=True)
class Commit:
    """The commit row of an epoch: written last, after every other row of the epoch is flushed."""

    epoch: int
    layout: int
    dim: int
    index_type: str
    next_chunks: int = 0  # the next free primary key of each collection
    next_docs: int = 0
    next_sents: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @staticmethod
    def from_json(d: dict[str, Any]) -> "Commit":
        return Commit(epoch=int(d["epoch"]), layout=int(d.get("layout", 0)), dim=int(d.get("dim", 0)),
                      index_type=str(d.get("index_type", "")), next_chunks=int(d.get("next_chunks", 0)),
                      next_docs=int(d.get("next_docs", 0)), next_sents=int(d.get("next_sents", 0)))


@functools.lru_cache(maxsize=1 << 18)
def _word(term: str) -> str:
    """A term as one word-character token (the analyzer splits at anything else; the bigram mark becomes _).
    Cached: terms repeat across passages (~400 terms per passage, a vocabulary of ~120k at 1M passages)."""
    return _NON_WORD.sub("_", term)


def milvus_terms(text: str) -> list[str]:
    """The keyword terms of ``text`` (jianggao.indexer.lexical.terms) as single word-character tokens."""
    return [_word(t) for t in terms(text)]


def _terms_field(words: list[str]) -> str:
    out = " ".join(map(_word, words))
    if len(out.encode("utf-8")) > MAX_TERMS_BYTES:  # a very long chunk: keep the terms that fit
        out = out.encode("utf-8")[:MAX_TERMS_BYTES].decode("utf-8", "ignore").rsplit(" ", 1)[0]
    return out


def _terms_fields(texts: Sequence[str]) -> list[str]:
    """The BM25 input field of each text: ``milvus_terms`` of each, computed by terms_many as the FAISS build does
    (the same terms; each distinct line of a batch tokenised once)."""
    return [_terms_field(words) for words in terms_many(texts)]


def _pack(*arrays: np.ndarray) -> str:
    """The arrays' bytes, one after the other, as ASCII text. Vectors read back this way cost one decode per row
    instead of a Python float per component on both sides of the gRPC call (the bulk of a Milvus Lite load)."""
    return base64.b64encode(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).decode("ascii")


def _unpack(text: str, dtype: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def _packed_pieces(text: str) -> list[str]:
    return [text[i:i + PACK_CHARS] for i in range(0, len(text), PACK_CHARS)] or [""]


@contextlib.contextmanager
def _unchecked_varchars() -> Iterator[None]:
    """pymilvus's row insert (3.0.x) "checks" a VARCHAR value by looping over it as if it were a list of strings:
    one isinstance and len call per *character*, which was a third of a Milvus Lite save's time (5,000 passages:
    14.6 of 80 s). Every VARCHAR this module writes is already bounded by its own limits (ID_CHARS,
    MAX_TERMS_BYTES, PIECE_CHARS) and the server still enforces each field's max_length, so the client-side loop is
    turned off while we insert. The flag is a module global of pymilvus; absent (another version), nothing changes."""
    try:
        from pymilvus.client import entity_helper
    except ImportError:  # pragma: no cover - a pymilvus without that module
        yield
        return
    old = getattr(entity_helper, "CHECK_STR_ARRAY", None)
    if old is None:
        yield
        return
    entity_helper.CHECK_STR_ARRAY = False
    try:
        yield
    finally:
        entity_helper.CHECK_STR_ARRAY = old


def _pieces(text: str) -> list[str]:
    return [text[i:i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)] or [""]


@dataclass
class MilvusBackend:
    uri: str  # a local .db path (Milvus Lite) or http://HOST:PORT
    token: str = ""
    db_name: str = ""
    prefix: str = "jianggao"
    _client: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,150}", self.prefix):
            raise StoreError(f"Milvus collection prefix {self.prefix!r}: use letters, digits and _ only")

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(("http://", "https://"))

    def describe(self) -> str:
        return f"milvus:{self.uri}" if self.lite else self.uri.replace("http://", "milvus://")

    @property
    def client(self) -> Any:
        if self._client is None:
            from pymilvus import MilvusClient
            from pymilvus.exceptions import MilvusException

            if self.lite:
                # gRPC's C core prints keepalive chatter for the in-process connection to stderr; keep the CLI's
                # stderr for our messages (an explicit $GRPC_VERBOSITY wins).
                os.environ.setdefault("GRPC_VERBOSITY", "NONE")
                # Milvus Lite's in-process gRPC server lacks a few RPCs that pymilvus tries first and then does
                # without (AllocTimestamp when creating an index); grpc logs each as an error with a traceback.
                logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            kwargs: dict[str, Any] = {"uri": self.uri}
            if self.token:
                kwargs["token"] = self.token
            if self.db_name:
                kwargs["db_name"] = self.db_name
            try:
                self._client = MilvusClient(**kwargs)
            except MilvusException as e:
                hint = ("Milvus Lite serves one process at a time: stop the other jianggao process using it, or run "
                        "`milvus-lite server` and use --store milvus://127.0.0.1:19530" if self.lite
                        else "check that the server is running and reachable")
                raise StoreError(f"cannot open Milvus at {self.describe()} ({e.message}); {hint}") from None
        return self._client

    def close(self) -> None:
        """Let go of the database (Milvus Lite: stop its in-process server, so another process may open it)."""
        if self._client is not None:
            try:
                self._client.close()
            except Exception:  # closing is best effort
                pass
            self._client = None
        if self.lite:
            try:
                from milvus_lite.server_manager import server_manager_instance
            except ImportError:
                return
            server_manager_instance.release_server(self.uri)

    # -- generations and epochs ------------------------------------------------------------------------------------
    def live_collection(self) -> str | None:
        """The chunk collection of the live generation (what the alias names), or None."""
        # Listed first: describing a missing alias makes pymilvus log a traceback.
        if self.prefix not in self.client.list_aliases().get("aliases", []):
            return None
        return self.client.describe_alias(self.prefix)["collection_name"]

    def exists(self) -> bool:
        return self.live_collection() is not None

    def _versions(self) -> list[str]:
        """The generations in the database (each one a chunk collection and its _docs, _sents)."""
        pattern = re.compile(rf"{re.escape(self.prefix)}_v\d{{8}}T\d{{6}}_[0-9a-f]{{8}}")
        return sorted(n for n in self.client.list_collections() if pattern.fullmatch(n))

    def _query(self, collection: str, expr: str, fields: list[str], limit: int = QUERY_LIMIT) -> list[dict[str, Any]]:
        # Strong: a writer reads back what it has just written (its own dead marks, its leftovers).
        return [dict(r) for r in self.client.query(collection, filter=expr, output_fields=fields, limit=limit,
                                                   consistency_level="Strong")]

    def _by_keys(self, collection: str, key: str, keys: Sequence[int], fields: list[str],
                 expr: str = "") -> list[dict[str, Any]]:
        """The rows whose ``key`` is one of ``keys`` (and that match ``expr``), batch by batch. A batch whose rows
        reach the query limit (a key with many rows, e.g. a passage's sentences) is split and asked again."""
        out: list[dict[str, Any]] = []
        todo = [list(keys[i:i + KEY_BATCH]) for i in range(0, len(keys), KEY_BATCH)]
        while todo:
            batch = todo.pop()
            if not batch:
                continue
            cond = f"{key} in [{','.join(map(str, batch))}]"
            rows = self._query(collection, f"({expr}) and {cond}" if expr else cond, fields)
            if len(rows) >= QUERY_LIMIT:
                if len(batch) == 1:
                    raise StoreError(f"{collection}: more than {QUERY_LIMIT} rows for {key} {batch[0]}")
                todo += [batch[:len(batch) // 2], batch[len(batch) // 2:]]
            else:
                out += rows
        return out

    def _scan(self, collection: str, end: int, fields: list[str], expr: str, pk: str = "pk",
              step: int = SCAN_RANGE) -> list[dict[str, Any]]:
        """Every row with ``pk`` < ``end`` matching ``expr``, read in primary-key ranges of ``step`` (Milvus Lite
        lacks the RPC that pymilvus's query iterator needs; keys are handed out in order by the writer, below
        ``end``). Ranges rather than ``pk in [...]`` lists of the keys wanted: no key list in the expression, and
        the packed sentence rows are read without knowing their keys. Milvus Lite goes over the whole collection
        for each query, but at 30k passages larger steps did not load measurably faster (scripts/MEASUREMENTS.md)."""
        out: list[dict[str, Any]] = []
        for start in range(0, end, step):
            out += self._query(collection, f"({expr}) and {pk} >= {start} and {pk} < {start + step}",
                               [pk, *fields], limit=step)
        return out

    def _commit(self, name: str) -> Commit | None:
        """The last committed epoch of a generation, or None when it has none (a generation written by an earlier
        jianggao, one whole version per save: a load refuses it, a save starts a new generation)."""
        rows = self._query(f"{name}{DOCS}", 'kind == "commit"', ["body"])
        if not rows:
            return None
        return Commit.from_json(max((json.loads(r["body"]) for r in rows), key=lambda d: int(d["epoch"])))

    def _epoch_docs(self, name: str, commit: Commit) -> list[dict[str, Any]]:
        """The docs rows alive at the commit's epoch (speeches, manifest, layout, sentence count)."""
        return self._scan(f"{name}{DOCS}", commit.next_docs, ["kind", "key", "piece", "body", "sig"],
                          alive(commit.epoch))

    @staticmethod
    def _joined(rows: list[dict[str, Any]], kind: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in sorted((r for r in rows if r["kind"] == kind), key=lambda r: (r["key"], r["piece"])):
            out[r["key"]] = out.get(r["key"], "") + r["body"]
        return out

    # -- reading ---------------------------------------------------------------------------------------------------
    def _read_sentences(self, name: str, commit: Commit, manifest: Manifest, keys: Sequence[int],
                        expected: int) -> Any:
        """The sentence vectors of the passages ``keys`` (in that order) alive at the epoch: SentenceVectors with
        rows in passage order; StoreError when not all ``expected`` rows are there or they do not fit.

        Each passage's sentences are one packed payload (int32 start/end pairs, then float32 vectors), cut into
        pieces of PACK_CHARS characters, one Milvus row per piece; every piece row carries the passage's sentence
        count ``n``, so a missing piece is a payload of the wrong size."""
        from jianggao.indexer.sentvec import SentenceVectors

        if expected == 0:
            return SentenceVectors.empty(manifest.dim)
        self.client.load_collection(f"{name}{SENTS}")
        rows = self._scan(f"{name}{SENTS}", commit.next_sents, ["cpk", "piece", "n", "body"], alive(commit.epoch),
                          pk="row")
        position = {k: i for i, k in enumerate(keys)}
        by_passage: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_passage.setdefault(int(r["cpk"]), []).append(r)
        per_row = 2 * 4 + manifest.dim * 4
        parts: list[tuple[int, np.ndarray, np.ndarray]] = []
        total = 0
        for cpk, pieces in by_passage.items():
            pieces.sort(key=lambda r: int(r["piece"]))
            n = int(pieces[0]["n"])
            raw = base64.b64decode("".join(r["body"] for r in pieces))
            if cpk not in position or len(raw) != n * per_row or [int(r["piece"]) for r in pieces] != list(
                    range(len(pieces))):
                raise StoreError(f"the index {name} (epoch {commit.epoch}) holds damaged sentence vectors (passage "
                                 f"key {cpk}); {REBUILD_HINT}")
            span = np.frombuffer(raw[:n * 8], np.int32).reshape(n, 2)
            vecs = np.frombuffer(raw[n * 8:], np.float32).reshape(n, manifest.dim)
            parts.append((position[cpk], span, vecs))
            total += n
        if total != expected:
            raise StoreError(f"the index {name} (epoch {commit.epoch}) holds {total} sentence vectors, "
                             f"{expected} were written; {REBUILD_HINT}")
        parts.sort(key=lambda t: t[0])  # passage order; within a passage, the writer's order
        vectors = np.zeros((total, manifest.dim), np.float32)
        spans = np.zeros((total, 3), np.int32)
        at = 0
        for pos, span, vecs in parts:
            vectors[at:at + len(span)] = vecs
            spans[at:at + len(span), 0] = pos
            spans[at:at + len(span), 1:] = span
            at += len(span)
        sentences = SentenceVectors(vectors, spans)
        problem = sentence_problem(sentences, manifest.dim, manifest.n_chunks)
        if problem:
            raise StoreError(f"the index {name} is inconsistent ({problem}); {REBUILD_HINT}")
        return sentences

    def load(self, expect_model: str | None = None, expect_dim: int | None = None) -> "MilvusStore":
        from pymilvus.exceptions import MilvusException

        name = self.live_collection()
        if name is None:
            raise StoreError(f"no index in {self.describe()}: run `jianggao index --store {self.describe()}` first")
        try:
            # Loaded state does not survive a restart of Milvus Lite; on a server this is a no-op when loaded.
            self.client.load_collection(name)
            self.client.load_collection(f"{name}{DOCS}")
            commit = self._commit(name)
            if commit is None or commit.layout != LAYOUT:
                found = "one whole version per save" if commit is None else f"layout {commit.layout}"
                raise IndexMismatchError(
                    f"the index in {self.describe()} was written in another Milvus layout ({found}); this program "
                    f"reads layout {LAYOUT} (one set of collections updated by epochs); {REBUILD_HINT}")
            docs = self._epoch_docs(name, commit)
            raw = self._joined(docs, "manifest").get("manifest")
            if raw is None:
                raise StoreError(f"the index {name} has no manifest at epoch {commit.epoch}; {REBUILD_HINT}")
            found_format = json.loads(raw).get("format_version")
            if found_format != FORMAT_VERSION:
                raise IndexMismatchError(f"the index in {self.describe()} has format version {found_format!r}, this "
                                         f"program reads version {FORMAT_VERSION}; {REBUILD_HINT}")
            manifest = Manifest.from_json(json.loads(raw))
            layout = json.loads(self._joined(docs, "layout").get("layout", "null") or "null")
            if layout is None:
                raise StoreError(f"the index {name} has no layout at epoch {commit.epoch}; {REBUILD_HINT}")
            keys = [int(k) for k in layout["chunks"]]
            bodies = self._joined(docs, "speech")
            speeches = [json.loads(bodies[s]) for s in layout["speeches"] if s in bodies]
            rows = self._scan(name, commit.next_chunks, ["row", "packed"], alive(commit.epoch))
            count = self._joined(docs, "sentences").get("count")
            sentences = (None if count is None else
                         self._read_sentences(name, commit, manifest, keys, int(json.loads(count)["rows"])))
        except MilvusException as e:
            raise StoreError(f"cannot read the index {name} in {self.describe()} ({e.message}); "
                             f"{REBUILD_HINT}") from None
        if len(keys) != manifest.n_chunks or len(rows) != len(keys):
            raise StoreError(f"the index {name} holds {len(rows)} of its {len(keys)} chunks at epoch {commit.epoch}, "
                             f"manifest says {manifest.n_chunks}; {REBUILD_HINT}")
        if len(speeches) != manifest.n_speeches:
            raise StoreError(f"the index {name} holds {len(speeches)} speeches, manifest says "
                             f"{manifest.n_speeches}; {REBUILD_HINT}")
        by_key = {int(r["pk"]): r for r in rows}
        if set(by_key) != set(keys):
            raise StoreError(f"the index {name} holds other chunks at epoch {commit.epoch} than its layout lists; "
                             f"{REBUILD_HINT}")
        vectors = np.zeros((len(keys), manifest.dim), np.float32)
        for i, k in enumerate(keys):
            vectors[i] = _unpack(by_key[k]["packed"], np.float32)
        dups: list[list[int]] = [[] for _ in keys]
        for i, d in layout["dups"]:
            dups[int(i)] = [int(j) for j in d]
        store = MilvusStore(
            [Speech.from_json(d) for d in speeches],
            [Chunk.from_json(by_key[k]["row"]["chunk"]) for k in keys],
            vectors,
            manifest,
            dups,
            backend=self,
            collection=name,
            sentences=sentences,
            epoch=commit.epoch,
            keys=keys,
        )
        if expect_model is not None or expect_dim is not None:
            store.check_model(expect_model if expect_model is not None else manifest.model, expect_dim)
        return store

    # -- writing ---------------------------------------------------------------------------------------------------
    def build(self, speeches: Sequence[Speech], chunks: Sequence[Chunk], vectors: np.ndarray,
              lexical_texts: Sequence[str], model: str, files: dict[str, str], index_type: str = "auto",
              chunk_duplicates: Sequence[Sequence[int]] | None = None, sentences: Any = None,
              pipeline_version: int = 0) -> "MilvusStore":
        p = check_parts(speeches, chunks, vectors, lexical_texts, model, files, index_type, chunk_duplicates,
                        pipeline_version=pipeline_version)
        return MilvusStore(p.speeches, p.chunks, p.vectors, p.manifest, p.chunk_duplicates, backend=self,
                           lexical_texts=list(lexical_texts),
                           sentences=checked_sentences(sentences, p.manifest.dim, len(p.chunks)))

    def _analyzer(self) -> dict[str, Any]:
        return {"tokenizer": "standard"} if self.lite else {"tokenizer": "whitespace"}

    def _dense_index(self, manifest: Manifest) -> dict[str, Any]:
        if manifest.index_type == "hnsw":
            return {"index_type": "HNSW", "params": {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}}
        if manifest.index_type == "ivf":
            return {"index_type": "IVF_FLAT", "params": {"nlist": ivf_lists(manifest.n_chunks)}}
        return {"index_type": "FLAT", "params": {}}

    @staticmethod
    def _lifetime(schema: Any) -> None:
        from pymilvus import DataType

        schema.add_field("born", DataType.INT64)  # the epoch that wrote the row
        schema.add_field("dead", DataType.INT64)  # the first epoch without it (ALIVE while it is in the live one)

    def _create(self, name: str, manifest: Manifest) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        c = self.client
        if len(_pack(np.zeros(manifest.dim, np.float32))) > 65_535:
            raise StoreError(f"vectors of {manifest.dim} dimensions do not fit one Milvus text field packed; "
                             "use the FAISS store")
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("pk", DataType.INT64, is_primary=True)
        schema.add_field("chunk_id", DataType.VARCHAR, max_length=ID_CHARS)
        schema.add_field("speech_id", DataType.VARCHAR, max_length=ID_CHARS)
        schema.add_field("row", DataType.JSON)
        schema.add_field("terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                         analyzer_params=self._analyzer())
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=manifest.dim)
        schema.add_field("sig", DataType.VARCHAR, max_length=SIG_CHARS)
        # The vector again, packed (_pack): what a load reads (``vec`` is what Milvus searches).
        schema.add_field("packed", DataType.VARCHAR, max_length=65_535)
        self._lifetime(schema)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                     output_field_names=["sparse"]))
        idx = c.prepare_index_params()
        idx.add_index(field_name="vec", metric_type="IP", **self._dense_index(manifest))
        idx.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                      params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
        c.create_collection(name, schema=schema, index_params=idx)

        docs = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        docs.add_field("pk", DataType.INT64, is_primary=True)
        docs.add_field("kind", DataType.VARCHAR, max_length=16)
        docs.add_field("key", DataType.VARCHAR, max_length=ID_CHARS)
        docs.add_field("piece", DataType.INT64)
        docs.add_field("body", DataType.VARCHAR, max_length=65_535)
        docs.add_field("sig", DataType.VARCHAR, max_length=SIG_CHARS)
        self._lifetime(docs)
        docs.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # unused: Milvus wants a vector in every collection
        didx = c.prepare_index_params()
        didx.add_index(field_name="vec", index_type="FLAT", metric_type="IP")
        c.create_collection(f"{name}{DOCS}", schema=docs, index_params=didx)

    def _create_sentences(self, name: str, dim: int) -> None:
        from pymilvus import DataType, MilvusClient

        c = self.client
        sents = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        sents.add_field("row", DataType.INT64, is_primary=True)
        sents.add_field("cpk", DataType.INT64)  # the passage's pk in the chunk collection
        sents.add_field("piece", DataType.INT64)
        sents.add_field("n", DataType.INT64)  # the passage's sentence count
        sents.add_field("body", DataType.VARCHAR, max_length=65_535)  # a piece of the packed payload
        self._lifetime(sents)
        sents.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # unused: Milvus wants a vector in every collection
        sidx = c.prepare_index_params()
        # Read into memory, not searched in Milvus (module doc): FLAT, which costs nothing to build.
        sidx.add_index(field_name="vec", index_type="FLAT", metric_type="IP")
        c.create_collection(f"{name}{SENTS}", schema=sents, index_params=sidx)

    def _insert(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        it = iter(rows)
        with _unchecked_varchars():
            while batch := list(islice(it, INSERT_BATCH)):
                self.client.insert(name, batch)

    def _mark(self, collection: str, pk: str, keys: Sequence[int], dead: int) -> None:
        """Set ``dead`` on the rows ``keys`` (a partial upsert: the other fields, vectors included, stay)."""
        keys = list(keys)
        for i in range(0, len(keys), INSERT_BATCH):
            self.client.upsert(collection, [{pk: int(k), "dead": dead} for k in keys[i:i + INSERT_BATCH]],
                               partial_update=True)

    def _collections(self, name: str) -> list[tuple[str, str]]:
        """(collection, primary key) of a generation, the sentence collection only where it exists."""
        out = [(name, "pk"), (f"{name}{DOCS}", "pk")]
        if self.client.has_collection(f"{name}{SENTS}"):
            out.append((f"{name}{SENTS}", "row"))
        return out

    def _recover(self, name: str, epoch: int) -> None:
        """Undo what a killed save left after the last commit: rows it wrote (born later) are deleted, rows it
        marked dead are alive again. Readers never saw either (they filter by the committed epoch)."""
        for coll, pk in self._collections(name):
            self.client.delete(coll, filter=f"born > {epoch}")
            while marked := self._query(coll, f"dead > {epoch} and dead < {ALIVE}", [pk], limit=INSERT_BATCH):
                self._mark(coll, pk, [int(r[pk]) for r in marked], ALIVE)
        for coll, _ in self._collections(name):
            self.client.flush(coll)

    def save(self, store: "MilvusStore", anew: bool = False) -> str:
        """Write ``store`` as the next epoch of the live generation: only the passages, sentence rows and speeches
        that are new or changed are inserted, those gone are marked dead, and a commit row written last (after a
        flush) makes the epoch live. A new generation (every row written, then the alias moved) is started when
        there is none, the live one is of another layout, the vectors' size or index type changed, or ``anew``
        (``jianggao index --rebuild``: a damaged index is repaired, and keyword statistics are those of one
        segment set again)."""
        from pymilvus.exceptions import MilvusException

        if store.lexical_texts is None:
            raise StoreError("this store was loaded, not built: there is nothing new to save")
        c = self.client
        m = store.manifest
        previous = self.live_collection()
        commit = self._commit(previous) if previous is not None else None
        fresh = (anew or commit is None or commit.layout != LAYOUT or commit.dim != m.dim
                 or commit.index_type != m.index_type)
        if fresh:
            name = f"{self.prefix}_v{fileio.new_version_name().replace('-', '_')}"
            commit = Commit(epoch=0, layout=LAYOUT, dim=m.dim, index_type=m.index_type)
            self._create(name, m)
        else:
            assert previous is not None and commit is not None
            name = previous
            c.load_collection(name)
            c.load_collection(f"{name}{DOCS}")
            self._recover(name, commit.epoch)
        try:
            new_commit = self._write(name, commit, store)
        except BaseException:
            if fresh:
                self._drop(name)
            raise  # in place: the next save's _recover undoes the rest
        if fresh:
            try:
                if previous is None:
                    try:
                        c.create_alias(name, self.prefix)
                    except MilvusException:  # a damaged alias: point it anew
                        c.alter_alias(name, self.prefix)
                else:
                    c.alter_alias(name, self.prefix)
            except MilvusException as e:
                self._drop(name)
                raise StoreError(f"cannot switch {self.describe()} to the new version ({e.message})") from None
        checkpoint("switched")
        if fresh:
            for old in self._versions():
                if old not in (name, previous):
                    self._drop(old)
        else:
            self._compact(name, new_commit.epoch)
        log.info("saved index %s epoch %d (%d chunks) in %s", name, new_commit.epoch, len(store.chunks),
                 self.describe())
        return name

    def _compact(self, name: str, epoch: int) -> None:
        """Delete the rows that neither ``epoch`` nor the one before holds (dead before ``epoch``: a reader that
        loaded the previous epoch still finds all of its rows; one two epochs behind must reload)."""
        for coll, _ in self._collections(name):
            self.client.delete(coll, filter=f"dead < {epoch}")
        self.client.delete(f"{name}{DOCS}", filter=f'kind == "commit" and born < {epoch - 1}')

    def _write(self, name: str, commit: Commit, store: "MilvusStore") -> Commit:
        """The new epoch's rows in, the old ones marked, everything flushed, then the commit row (the commit point).
        Sets the store's collection, epoch and keys; returns the new commit."""
        c = self.client
        m = store.manifest
        epoch = commit.epoch + 1
        texts = store.lexical_texts
        assert texts is not None
        sv = store.sentences
        sent_rows: list[np.ndarray] = [np.zeros(0, np.int64)] * len(store.chunks)
        if sv is not None and len(sv.spans):
            order = np.argsort(sv.spans[:, 0], kind="stable")
            bounds = np.searchsorted(sv.spans[order, 0], np.arange(len(store.chunks) + 1))
            sent_rows = [order[bounds[i]:bounds[i + 1]] for i in range(len(store.chunks))]

        # What the live epoch holds: its passages by signature, its docs rows.
        old_docs = self._epoch_docs(name, commit) if commit.epoch else []
        old_layout = json.loads(self._joined(old_docs, "layout").get("layout", "null") or "null")
        old_keys = [int(k) for k in old_layout["chunks"]] if old_layout else []
        # The live passages' signatures, read in key ranges (a few queries, not one per 1,000 keys).
        wanted = set(old_keys)
        old_by_sig = {r["sig"]: int(r["pk"]) for r in (
            self._scan(name, commit.next_chunks, ["sig"], alive(commit.epoch), step=SIG_SCAN_RANGE)
            if commit.epoch else []) if int(r["pk"]) in wanted}

        keys: list[int] = []
        new_rows: list[int] = []
        next_chunk = commit.next_chunks
        sigs = [_chunk_sig(ch, texts[i], store.vectors[i], sv, sent_rows[i]) for i, ch in enumerate(store.chunks)]
        for i, sig in enumerate(sigs):
            k = old_by_sig.pop(sig, None)
            if k is None:
                k = next_chunk
                next_chunk += 1
                new_rows.append(i)
            keys.append(k)
        def chunk_rows() -> Iterator[dict[str, Any]]:
            # Made batch by batch: a list of Python floats per row is ~8x the array, and the terms are computed
            # per batch (terms_many's memo lives for one call).
            for a in range(0, len(new_rows), INSERT_BATCH):
                batch = new_rows[a:a + INSERT_BATCH]
                for i, field in zip(batch, _terms_fields([texts[i] for i in batch])):
                    yield {"pk": keys[i], "chunk_id": store.chunks[i].id, "speech_id": store.chunks[i].speech_id,
                           "row": {"chunk": store.chunks[i].to_json()}, "terms": field,
                           "vec": store.vectors[i].tolist(), "packed": _pack(store.vectors[i].astype(np.float32)),
                           "born": epoch, "dead": ALIVE, "sig": sigs[i]}

        self._insert(name, chunk_rows())
        checkpoint("writing")  # new chunks in, no commit yet
        gone = sorted(old_by_sig.values())  # passages of the live epoch that the new one does not hold
        self._mark(name, "pk", gone, epoch)

        next_sent = commit.next_sents
        has_sents = c.has_collection(f"{name}{SENTS}")
        if sv is not None and len(sv.spans) and not has_sents:
            self._create_sentences(name, m.dim)
            has_sents = True
        if has_sents:
            if gone:
                dead_sents = self._by_keys(f"{name}{SENTS}", "cpk", gone, ["row"], alive(commit.epoch))
                self._mark(f"{name}{SENTS}", "row", [int(r["row"]) for r in dead_sents], epoch)
            if sv is not None:
                def sentence_rows() -> Iterator[dict[str, Any]]:
                    nonlocal next_sent
                    # One payload per passage (its sentences' int32 start/end pairs, then their float32
                    # vectors), in pieces: a few rows per passage instead of one per sentence, and no vector
                    # sent as a list of floats (_read_sentences reads it back).
                    for i in new_rows:
                        rows = sent_rows[i]
                        if not len(rows):
                            continue
                        payload = _pack(sv.spans[rows, 1:].astype(np.int32), sv.vectors[rows].astype(np.float32))
                        for j, body in enumerate(_packed_pieces(payload)):
                            yield {"row": next_sent, "cpk": keys[i], "piece": j, "n": len(rows), "body": body,
                                   "vec": [0.0, 0.0], "born": epoch, "dead": ALIVE}
                            next_sent += 1

                self._insert(f"{name}{SENTS}", sentence_rows())
            c.flush(f"{name}{SENTS}")

        # Docs: speeches kept when unchanged; the manifest, layout and sentence count are the epoch's own.
        old_speech = {r["key"]: r["sig"] for r in old_docs if r["kind"] == "speech" and r["piece"] == 0}
        keep_speech = set()
        docs: list[dict[str, Any]] = []
        for s in store.speeches:
            body = json.dumps(s.to_json(), ensure_ascii=False)
            sig = _sig(body)
            if old_speech.get(s.id) == sig:
                keep_speech.add(s.id)
                continue
            docs += [{"kind": "speech", "key": s.id, "piece": j, "body": b, "sig": sig}
                     for j, b in enumerate(_pieces(body))]
        dup_pairs = [[i, list(map(int, d))] for i, d in enumerate(store.chunk_duplicates) if d]
        layout = {"chunks": keys, "speeches": [s.id for s in store.speeches], "dups": dup_pairs}
        docs += [{"kind": "layout", "key": "layout", "piece": j, "body": b, "sig": ""}
                 for j, b in enumerate(_pieces(json.dumps(layout, separators=(",", ":"))))]
        if sv is not None:
            # The count says the sentence rows were all written (a load checks it).
            docs.append({"kind": "sentences", "key": "count", "piece": 0, "sig": "",
                         "body": json.dumps({"rows": len(sv.spans)})})
        docs += [{"kind": "manifest", "key": "manifest", "piece": j, "body": b, "sig": ""}
                 for j, b in enumerate(_pieces(json.dumps(m.to_json(), ensure_ascii=False)))]
        next_doc = commit.next_docs
        for d in docs:
            d.update(pk=next_doc, vec=[0.0, 0.0], born=epoch, dead=ALIVE)
            next_doc += 1
        self._insert(f"{name}{DOCS}", docs)
        self._mark(f"{name}{DOCS}", "pk", [int(r["pk"]) for r in old_docs
                                           if r["kind"] != "speech" or r["key"] not in keep_speech], epoch)
        c.flush(name)
        c.flush(f"{name}{DOCS}")
        c.load_collection(name)
        c.load_collection(f"{name}{DOCS}")
        checkpoint("written")  # complete, not committed yet
        new_commit = Commit(epoch=epoch, layout=LAYOUT, dim=m.dim, index_type=m.index_type, next_chunks=next_chunk,
                            next_docs=next_doc + 1, next_sents=next_sent)
        self._insert(f"{name}{DOCS}", [{"pk": next_doc, "kind": "commit", "key": str(epoch), "piece": 0,
                                        "body": json.dumps(new_commit.to_json()), "sig": "", "vec": [0.0, 0.0],
                                        "born": epoch, "dead": ALIVE}])
        c.flush(f"{name}{DOCS}")
        store.collection, store.epoch, store.keys = name, epoch, keys
        store.lexical_texts = None
        return new_commit

    def _drop(self, name: str) -> None:
        names = (name, f"{name}{DOCS}", f"{name}{SENTS}")
        try:
            existing = set(self.client.list_collections())
        except Exception:  # best effort, as the drops: try them all
            existing = set(names)
        for n in names:
            if n not in existing:  # an unfinished save or a version without sentence vectors
                continue
            try:
                self.client.drop_collection(n)
            except Exception as e:  # best effort: the next save tries again
                log.warning("could not drop Milvus collection %s (%s)", n, e)
            else:
                log.debug("dropped old index version %s", n)


class MilvusKeyword:
    """BM25 full-text search in one Milvus index version (the store's ``lexical``)."""

    def __init__(self, store: "MilvusStore") -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store.chunks)

    def search(self, query: str, k: int) -> list[LexicalHit]:
        return self.search_batch([query], k)[0]

    def search_batch(self, queries: Sequence[str], k: int) -> list[list[LexicalHit]]:
        check_batch(queries, k)
        # Each distinct query term counts once, as in jianggao.indexer.lexical.
        texts = [" ".join(dict.fromkeys(milvus_terms(q))) for q in queries]
        out: list[list[LexicalHit]] = [[] for _ in queries]
        todo = [i for i, t in enumerate(texts) if t]
        if not todo:
            return out
        # A little deeper than asked, so that ties at the cut are broken by document order as in the FAISS store.
        limit = min(k + TIE_MARGIN, len(self._store.chunks), MAX_TOPK)
        st = self._store
        res = st.client.search(
            st.live_name(), data=[texts[i] for i in todo], anns_field="sparse", limit=limit,
            filter=st.filter, search_params={"metric_type": "BM25"},
        )
        for i, hits in zip(todo, res):
            # Milvus Lite reports BM25 as a negative distance, a server as a positive score: the size is the score.
            rows = [(st.position_of(h), abs(float(h["distance"])) / (BM25_K1 + 1)) for h in hits]
            rows = [(d, s) for d, s in rows if s > 0]
            rows.sort(key=lambda r: (-r[1], r[0]))  # ties in document order, as the FAISS store
            out[i] = [LexicalHit(d, s) for d, s in rows[:k]]
        return out


class MilvusStore(LoadedIndex):
    """One committed epoch of an index in Milvus, its speeches, chunks and vectors also in memory (the qa layer reads them)."""

    def __init__(self, speeches: list[Speech], chunks: list[Chunk], vectors: np.ndarray, manifest: Manifest,
                 chunk_duplicates: list[list[int]], backend: MilvusBackend, collection: str | None = None,
                 lexical_texts: list[str] | None = None, sentences: Any = None, epoch: int = 0,
                 keys: Sequence[int] | None = None) -> None:
        super().__init__(speeches, chunks, vectors, manifest, chunk_duplicates)
        self.sentences = sentences  # jianggao.indexer.sentvec.SentenceVectors, or None (as the FAISS Store)
        self.backend = backend
        self.collection = collection  # None until saved
        self.epoch = epoch  # the committed epoch this store reads (every search filters by it)
        self.keys = list(keys) if keys is not None else []  # Milvus primary key of each position
        self.lexical_texts = lexical_texts  # kept until saved
        self.lexical = MilvusKeyword(self)

    def __repr__(self) -> str:
        m = self.manifest
        return (f"MilvusStore({m.n_speeches} speeches, {m.n_chunks} chunks, {m.index_type}, model={m.model!r}, "
                f"{self.backend.describe()} {self.collection})")

    @property
    def client(self) -> Any:
        return self.backend.client

    @property
    def keys(self) -> list[int]:
        return self._keys

    @keys.setter
    def keys(self, keys: Sequence[int]) -> None:
        self._keys = list(keys)
        self._position = {k: i for i, k in enumerate(self._keys)}  # Milvus key -> position in ``chunks``

    @property
    def filter(self) -> str:
        return alive(self.epoch)

    def position_of(self, hit: dict[str, Any]) -> int:
        """The position in ``chunks`` of a Milvus search hit (found by its primary key)."""
        key = hit.get("pk")
        return self._position[int(key if key is not None else hit["id"])]

    def live_name(self) -> str:
        if self.collection is None:
            raise StoreError("this Milvus store is not saved yet: save it before searching")
        return self.collection

    def dense_search_batch(self, query_vectors: np.ndarray, k: int) -> list[list[DenseHit]]:
        q = self.check_query_vectors(query_vectors, k)
        if len(q) == 0:
            return []
        k = min(k, len(self.chunks))
        if k > min(APPROX_MAX_K, MAX_TOPK) and self.manifest.index_type != "flat" or k > MAX_TOPK:
            # Deep lists (a filtered search asks for every chunk) are computed exactly, as the FAISS store does.
            _, docs = self.exact_search(q, min(k + TIE_MARGIN, len(self.chunks)))
            return self.rescored(q, docs, k)
        params: dict[str, Any] = {"metric_type": "IP", "params": {}}
        if self.manifest.index_type == "hnsw":
            params["params"] = {"ef": max(HNSW_EF_SEARCH, k)}
        elif self.manifest.index_type == "ivf":
            params["params"] = {"nprobe": max(1, min(ivf_lists(len(self.chunks)), 16))}
        limit = min(k + TIE_MARGIN, len(self.chunks), MAX_TOPK)
        res = self.client.search(self.live_name(), data=q.tolist(), anns_field="vec", limit=limit,
                                 filter=self.filter, search_params=params)
        return self.rescored(q, [[self.position_of(h) for h in hits] for hits in res], k)
