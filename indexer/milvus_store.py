"""The Milvus store: passages, their vectors and a BM25 full-text index in Milvus (Lite or a server).

Layout. One index version is three collections, named after the version:

    <prefix>_v<time>_<hex>        one row per chunk: pos (primary key = position in the chunk list), chunk_id,
                                  speech_id, row (JSON: the chunk and its duplicate links), vec (FLOAT_VECTOR, IP),
                                  terms (VARCHAR, BM25 function input) -> sparse (SPARSE_FLOAT_VECTOR, BM25)
    <prefix>_v<time>_<hex>_docs   speeches, the sentence-row count and the manifest as JSON text in pieces (Milvus
                                  caps a VARCHAR at 65,535 bytes); a 2-d placeholder vector because every
                                  collection needs one
    <prefix>_v<time>_<hex>_sents  the sentence vectors of jianggao.indexer.sentvec, one row per (passage, sentence):
                                  row (primary key = row in chunk order), pos (the passage), start, end (the
                                  sentence clipped to the passage, offsets into the speech text), vec (FLOAT_VECTOR)

and the alias ``<prefix>`` names the live chunk collection. A save fills a new set, writes the manifest last,
flushes, and only then moves the alias (one call, atomic on the server): Milvus has no transaction across
collections, so the alias is the commit point. A killed save leaves the alias on the previous version and an
unfinished set that the next save drops; the previous version is kept so that a reader that resolved the alias
just before a switch can finish. Readers resolve the alias once and then query that version by its own name.

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
segment (Lite flushes a segment per ~128 MB) ranks keywords slightly differently from the FAISS store.

What stays local: the writer's lock and the embedding cache in the index folder (jianggao.indexer.build).
"""
from __future__ import annotations

import contextlib
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
from jianggao.indexer.lexical import LexicalHit, check_batch, terms
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


def milvus_terms(text: str) -> list[str]:
    """The keyword terms of ``text`` (jianggao.indexer.lexical.terms) as single word-character tokens."""
    return [_NON_WORD.sub("_", t) for t in terms(text)]


def _terms_field(text: str) -> str:
    out = " ".join(milvus_terms(text))
    if len(out.encode("utf-8")) > MAX_TERMS_BYTES:  # a very long chunk: keep the terms that fit
        out = out.encode("utf-8")[:MAX_TERMS_BYTES].decode("utf-8", "ignore").rsplit(" ", 1)[0]
    return out


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

    # -- versions ------------------------------------------------------------------------------------------------
    def live_collection(self) -> str | None:
        # Listed first: describing a missing alias makes pymilvus log a traceback.
        if self.prefix not in self.client.list_aliases().get("aliases", []):
            return None
        return self.client.describe_alias(self.prefix)["collection_name"]

    def exists(self) -> bool:
        return self.live_collection() is not None

    def _versions(self) -> list[str]:
        pattern = re.compile(rf"{re.escape(self.prefix)}_v\d{{8}}T\d{{6}}_[0-9a-f]{{8}}")
        return sorted(n for n in self.client.list_collections() if pattern.fullmatch(n))

    # -- reading ---------------------------------------------------------------------------------------------------
    def _batches(self, collection: str, pk: str, output_fields: list[str], expr: str = "") -> Iterator[list[Any]]:
        """Every row matching ``expr``, read in primary-key ranges (the keys are 0, 1, 2, ... in every
        collection written here; Milvus Lite lacks the RPC that pymilvus's query iterator needs)."""
        start = 0
        while True:
            cond = f"{pk} >= {start} and {pk} < {start + INSERT_BATCH}"
            batch = self.client.query(collection, filter=f"({expr}) and {cond}" if expr else cond,
                                      output_fields=[pk, *output_fields], limit=INSERT_BATCH)
            if not batch and not self.client.query(collection, filter=f"{pk} >= {start}", output_fields=[pk],
                                                   limit=1):
                return
            yield batch
            start += INSERT_BATCH

    def _iterate(self, collection: str, pk: str, output_fields: list[str], expr: str = "") -> list[dict[str, Any]]:
        return [dict(r) for batch in self._batches(collection, pk, output_fields, expr) for r in batch]

    def _read_vector_rows(self, collection: str, pk: str, n: int, dim: int,
                          fields: list[str]) -> tuple[np.ndarray, list[dict[str, Any]], int | None]:
        """Rows keyed 0..n-1 of a collection written here: their ``vec`` as one float32 (n, dim) array (filled
        batch by batch: a list of Python floats per row would take ~8x the memory) and the other ``fields`` of
        each row in key order; the third value is None when exactly the keys 0..n-1 were found, else how many
        rows were found."""
        vectors = np.zeros((n, dim), np.float32)
        rest: list[dict[str, Any] | None] = [None] * n
        found, good = 0, True
        for batch in self._batches(collection, pk, [*fields, "vec"]):
            for r in batch:
                k = int(r[pk])
                found += 1
                if 0 <= k < n and rest[k] is None:
                    vectors[k] = r["vec"]
                    rest[k] = {f: r[f] for f in fields}
                else:  # out of range or seen twice
                    good = False
        return vectors, rest, None if good and found == n else found

    def _read_docs(self, collection: str, kind: str) -> dict[str, str]:
        rows = self._iterate(f"{collection}{DOCS}", "pk", ["key", "piece", "body"], f'kind == "{kind}"')
        rows.sort(key=lambda r: (r["key"], r["piece"]))
        out: dict[str, str] = {}
        for r in rows:
            out[r["key"]] = out.get(r["key"], "") + r["body"]
        return out

    def _read_sentences(self, name: str, manifest: Manifest) -> Any:
        """The version's sentence vectors (SentenceVectors, rows in chunk order), or None for a version written
        without them; StoreError when the rows are not all there or do not fit the passages."""
        from jianggao.indexer.sentvec import SentenceVectors

        raw = self._read_docs(name, "sentences").get("count")
        if raw is None:
            return None
        expected = int(json.loads(raw)["rows"])
        if expected == 0:
            return SentenceVectors.empty(manifest.dim)
        self.client.load_collection(f"{name}{SENTS}")
        vectors, rows, found = self._read_vector_rows(f"{name}{SENTS}", "row", expected, manifest.dim,
                                                      ["pos", "start", "end"])
        if found is not None:
            raise StoreError(f"the index version {name} holds {found} sentence vectors, {expected} were written; "
                             f"{REBUILD_HINT}")
        sentences = SentenceVectors(
            vectors, np.asarray([(r["pos"], r["start"], r["end"]) for r in rows], dtype=np.int32).reshape(-1, 3))
        problem = sentence_problem(sentences, manifest.dim, manifest.n_chunks)
        if problem:
            raise StoreError(f"the index version {name} is inconsistent ({problem}); {REBUILD_HINT}")
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
            raw = self._read_docs(name, "manifest").get("manifest")
            if raw is None:
                raise StoreError(f"the live version {name} in {self.describe()} has no manifest; {REBUILD_HINT}")
            found = json.loads(raw).get("format_version")
            if found != FORMAT_VERSION:
                raise IndexMismatchError(f"the index in {self.describe()} has format version {found!r}, this program "
                                         f"reads version {FORMAT_VERSION}; {REBUILD_HINT}")
            manifest = Manifest.from_json(json.loads(raw))
            speech_rows = self._read_docs(name, "speech")
            speeches = sorted((json.loads(v) for v in speech_rows.values()), key=lambda d: d.pop("_pos"))
            vectors, rows, found = self._read_vector_rows(name, "pos", manifest.n_chunks, manifest.dim, ["row"])
            sentences = self._read_sentences(name, manifest)
        except MilvusException as e:
            raise StoreError(f"cannot read the index version {name} in {self.describe()} ({e.message}); "
                             f"{REBUILD_HINT}") from None
        if found is not None:
            raise StoreError(f"the index version {name} holds {found} chunks, manifest says {manifest.n_chunks}; "
                             f"{REBUILD_HINT}")
        if len(speeches) != manifest.n_speeches:
            raise StoreError(f"the index version {name} holds {len(speeches)} speeches, manifest says "
                             f"{manifest.n_speeches}; {REBUILD_HINT}")
        store = MilvusStore(
            [Speech.from_json(d) for d in speeches],
            [Chunk.from_json(r["row"]["chunk"]) for r in rows],
            vectors,
            manifest,
            [list(map(int, r["row"]["dups"])) for r in rows],
            backend=self,
            collection=name,
            sentences=sentences,
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

    def _create(self, name: str, manifest: Manifest) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        c = self.client
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("pos", DataType.INT64, is_primary=True)
        schema.add_field("chunk_id", DataType.VARCHAR, max_length=ID_CHARS)
        schema.add_field("speech_id", DataType.VARCHAR, max_length=ID_CHARS)
        schema.add_field("row", DataType.JSON)
        schema.add_field("terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                         analyzer_params=self._analyzer())
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=manifest.dim)
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
        docs.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # unused: Milvus wants a vector in every collection
        didx = c.prepare_index_params()
        didx.add_index(field_name="vec", index_type="FLAT", metric_type="IP")
        c.create_collection(f"{name}{DOCS}", schema=docs, index_params=didx)

    def _create_sentences(self, name: str, dim: int) -> None:
        from pymilvus import DataType, MilvusClient

        c = self.client
        sents = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        sents.add_field("row", DataType.INT64, is_primary=True)
        sents.add_field("pos", DataType.INT64)
        sents.add_field("start", DataType.INT64)
        sents.add_field("end", DataType.INT64)
        sents.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        sidx = c.prepare_index_params()
        # Read into memory, not searched in Milvus (module doc): FLAT, which costs nothing to build.
        sidx.add_index(field_name="vec", index_type="FLAT", metric_type="IP")
        c.create_collection(f"{name}{SENTS}", schema=sents, index_params=sidx)

    def _insert(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        it = iter(rows)
        with _unchecked_varchars():
            while batch := list(islice(it, INSERT_BATCH)):
                self.client.insert(name, batch)

    def save(self, store: "MilvusStore") -> str:
        from pymilvus.exceptions import MilvusException

        if store.lexical_texts is None:
            raise StoreError("this store was loaded, not built: there is nothing new to save")
        c = self.client
        previous = self.live_collection()
        name = f"{self.prefix}_v{fileio.new_version_name().replace('-', '_')}"
        m = store.manifest
        try:
            self._create(name, m)
            self._insert(name, (  # made batch by batch: a list of Python floats per row is ~8x the array
                {"pos": i, "chunk_id": ch.id, "speech_id": ch.speech_id,
                 "row": {"chunk": ch.to_json(), "dups": list(store.chunk_duplicates[i])},
                 "terms": _terms_field(store.lexical_texts[i]), "vec": store.vectors[i].tolist()}
                for i, ch in enumerate(store.chunks)
            ))
            checkpoint("writing")  # chunks in, no manifest yet
            docs: list[dict[str, Any]] = []
            for pos, s in enumerate(store.speeches):
                body = json.dumps({**s.to_json(), "_pos": pos}, ensure_ascii=False)
                docs += [{"kind": "speech", "key": s.id, "piece": j, "body": b} for j, b in enumerate(_pieces(body))]
            sv = store.sentences
            if sv is not None:
                if len(sv.spans):
                    self._create_sentences(name, m.dim)
                    self._insert(f"{name}{SENTS}", (
                        {"row": r, "pos": int(p), "start": int(a), "end": int(b), "vec": sv.vectors[r].tolist()}
                        for r, (p, a, b) in enumerate(sv.spans.tolist())
                    ))
                    c.flush(f"{name}{SENTS}")
                # The count says the sentence rows were all written (a load checks it).
                docs.append({"kind": "sentences", "key": "count", "piece": 0,
                             "body": json.dumps({"rows": len(sv.spans)})})
            for i, d in enumerate(docs):
                d.update(pk=i, vec=[0.0, 0.0])
            self._insert(f"{name}{DOCS}", docs)
            c.flush(name)
            # The manifest goes last: a version without one was never finished.
            body = json.dumps(m.to_json(), ensure_ascii=False)
            self._insert(f"{name}{DOCS}", [{"pk": len(docs) + j, "kind": "manifest", "key": "manifest", "piece": j,
                                           "body": b, "vec": [0.0, 0.0]} for j, b in enumerate(_pieces(body))])
            c.flush(f"{name}{DOCS}")
            c.load_collection(name)
            c.load_collection(f"{name}{DOCS}")
            checkpoint("written")  # complete, not live yet
        except BaseException:
            self._drop(name)
            raise
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
        log.info("saved index version %s (%d chunks) in %s", name, len(store.chunks), self.describe())
        for old in self._versions():
            if old not in (name, previous):
                self._drop(old)
        store.collection = name
        store.lexical_texts = None
        return name

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
        res = self._store.client.search(
            self._store.live_name(), data=[texts[i] for i in todo], anns_field="sparse", limit=limit,
            output_fields=["pos"], search_params={"metric_type": "BM25"},
        )
        for i, hits in zip(todo, res):
            # Milvus Lite reports BM25 as a negative distance, a server as a positive score: the size is the score.
            rows = [(int(h["entity"].get("pos", h.get("id"))), abs(float(h["distance"])) / (BM25_K1 + 1)) for h in hits]
            rows = [(d, s) for d, s in rows if s > 0]
            rows.sort(key=lambda r: (-r[1], r[0]))  # ties in document order, as the FAISS store
            out[i] = [LexicalHit(d, s) for d, s in rows[:k]]
        return out


class MilvusStore(LoadedIndex):
    """One index version in Milvus, its speeches, chunks and vectors also in memory (the qa layer reads them)."""

    def __init__(self, speeches: list[Speech], chunks: list[Chunk], vectors: np.ndarray, manifest: Manifest,
                 chunk_duplicates: list[list[int]], backend: MilvusBackend, collection: str | None = None,
                 lexical_texts: list[str] | None = None, sentences: Any = None) -> None:
        super().__init__(speeches, chunks, vectors, manifest, chunk_duplicates)
        self.sentences = sentences  # jianggao.indexer.sentvec.SentenceVectors, or None (as the FAISS Store)
        self.backend = backend
        self.collection = collection  # None until saved
        self.lexical_texts = lexical_texts  # kept until saved
        self.lexical = MilvusKeyword(self)

    def __repr__(self) -> str:
        m = self.manifest
        return (f"MilvusStore({m.n_speeches} speeches, {m.n_chunks} chunks, {m.index_type}, model={m.model!r}, "
                f"{self.backend.describe()} {self.collection})")

    @property
    def client(self) -> Any:
        return self.backend.client

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
                                 output_fields=["pos"], search_params=params)
        return self.rescored(q, [[int(h["entity"].get("pos", h.get("id"))) for h in hits] for hits in res], k)
