"""The Milvus store (Milvus Lite, embedded, no server) against the FAISS store: same hits, same guarantees."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from jianggao.indexer.store import IndexMismatchError, Store, StoreError  # noqa: E402
from jianggao.indexer.store_api import KeywordSearch, SearchStore, open_backend, parse_store  # noqa: E402

from test_store import make_parts, queries_near  # noqa: E402


@pytest.fixture
def backend(tmp_path):
    b = open_backend(f"milvus:{tmp_path / 'lite.db'}", tmp_path / "index")
    yield b
    b.close()


def sentence_vectors(chunks, seed=0):
    """Two sentence rows per chunk (its halves), unit vectors, rows in chunk order as sentvec writes them."""
    from jianggao.indexer.sentvec import SentenceVectors

    rng = np.random.default_rng(seed + 100)
    spans = []
    for i, c in enumerate(chunks):
        mid = (c.start + c.end) // 2
        spans += [(i, c.start, mid), (i, mid, c.end)]
    v = rng.standard_normal((len(spans), 16)).astype(np.float32)
    return SentenceVectors(v / np.linalg.norm(v, axis=1, keepdims=True), np.asarray(spans, np.int32))


def both(backend, seed=0, n_speeches=6, per_speech=4, dups=None, index_type="auto", sentences=True):
    speeches, chunks, vectors, texts = make_parts(n_speeches, per_speech, seed)
    files = {s.source: f"sha-{seed}-{s.source}" for s in speeches}
    args = (speeches, chunks, vectors, texts)
    kw = dict(model="test/model", files=files, chunk_duplicates=dups, index_type=index_type,
              sentences=sentence_vectors(chunks, seed) if sentences else None)
    faiss_store = Store.build(*args, **kw)
    milvus_store = backend.build(*args, **kw)
    backend.save(milvus_store)
    return faiss_store, milvus_store


def test_spec_parsing():
    assert parse_store("faiss").kind == "faiss"
    assert parse_store("milvus:/tmp/x.db").lite
    spec = parse_store("milvus://db.example:19530")
    assert spec.uri == "http://db.example:19530" and not spec.lite
    for bad in ["milvus:x.txt", "milvus://nohost", "elastic"]:
        with pytest.raises(ValueError, match="--store"):
            parse_store(bad)


def test_milvus_store_matches_faiss_and_survives_a_reload(backend):
    speeches, chunks, *_ = make_parts(6, 4, 0)
    dups = [[] for _ in chunks]
    dups[0], dups[5] = [5], [0]
    fs, ms = both(backend, dups=dups)
    assert isinstance(ms, SearchStore) and isinstance(ms.lexical, KeywordSearch) and isinstance(fs, SearchStore)
    loaded = backend.load(expect_model="test/model")
    for s in (ms, loaded):
        assert s.speeches == fs.speeches and s.chunks == fs.chunks and s.chunk_duplicates == dups
        np.testing.assert_allclose(s.vectors, fs.vectors, atol=1e-6)
        assert s.manifest.files == fs.manifest.files and s.manifest.model == "test/model"
        q = queries_near(fs, n=6)
        for a, b in zip(s.dense_search_batch(q, 5), fs.dense_search_batch(q, 5)):
            assert [h.doc for h in a] == [h.doc for h in b]
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-5)
        kw = ["脱贫攻坚", "校车安全工作", "第2篇", "不存在的词", "困户"]
        for a, b in zip(s.lexical.search_batch(kw, 5), fs.lexical.search_batch(kw, 5)):
            assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-4)
            # Equal scores at the cut may be either of the tied passages (bm25s picks among them arbitrarily).
            cut = b[-1].score if b else 0
            assert [h.doc for h in a if h.score > cut + 1e-6] == [h.doc for h in b if h.score > cut + 1e-6]
        assert s.chunk_position == fs.chunk_position
        # The sentence vectors the qa layer reads, row for row as the FAISS store keeps them.
        np.testing.assert_array_equal(s.sentences.spans, fs.sentences.spans)
        np.testing.assert_allclose(s.sentences.vectors, fs.sentences.vectors, atol=1e-6)
        assert s.sentences.vectors.dtype == np.float32 and s.sentences.spans.dtype == np.int32
    with pytest.raises(IndexMismatchError):
        backend.load(expect_model="other/model")


def test_hnsw_collections_find_each_vector_itself(backend):
    _, ms = both(backend, n_speeches=10, per_speech=5, index_type="hnsw")
    top = ms.dense_search_batch(ms.vectors, 1)
    assert [row[0].doc for row in top] == list(range(len(ms.chunks)))


def test_saves_switch_the_alias_and_keep_live_and_previous_only(backend):
    for seed in range(3):
        both(backend, seed=seed)
    assert backend.load().speeches[0].id == "sp-2-0"
    assert len(backend._versions()) == 2


def test_no_index_and_interrupted_save(backend, monkeypatch):
    with pytest.raises(StoreError, match="run `jianggao index --store milvus:"):
        backend.load()
    both(backend, seed=0)
    from jianggao.indexer import milvus_store

    def boom(stage):
        if stage == "written":
            raise KeyboardInterrupt

    monkeypatch.setattr(milvus_store, "checkpoint", boom)
    with pytest.raises(KeyboardInterrupt):
        both(backend, seed=1)
    loaded = backend.load()
    assert loaded.speeches[0].id == "sp-0-0"  # the alias still names the first version
    np.testing.assert_allclose(loaded.sentences.vectors, sentence_vectors(loaded.chunks, 0).vectors, atol=1e-6)
    assert len(backend._versions()) == 1  # the unfinished version was dropped
    assert len(backend.client.list_collections()) == 3  # with its docs and sentence collections


def test_cli_refuses_a_malformed_store_in_one_line(capsys):
    from jianggao.ui.cli import main

    assert main(["search", "校车", "--store", "milvus:library.txt"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --store 'milvus:library.txt'") and "Traceback" not in err and ".db" in err


def test_an_unreachable_server_is_a_store_error_with_the_next_step(tmp_path, monkeypatch):
    from jianggao.indexer.store_api import open_backend

    monkeypatch.setenv("JIANGGAO_MILVUS_TOKEN", "")
    backend = open_backend("milvus://127.0.0.1:9", tmp_path)  # port 9 (discard): nothing listens
    with pytest.raises(StoreError, match="check that the server is running"):
        backend.load()


def test_a_version_without_sentence_vectors_loads_without_them(backend):
    both(backend, sentences=False)
    assert backend.load().sentences is None
    assert len(backend.client.list_collections()) == 2  # no empty sentence collection is made


def test_sentence_vectors_that_do_not_fit_are_refused_before_anything_is_written(backend):
    from jianggao.indexer.sentvec import SentenceVectors

    speeches, chunks, vectors, texts = make_parts(3, 2, 0)
    bad = sentence_vectors(chunks)
    bad = SentenceVectors(bad.vectors, bad.spans.copy())
    bad.spans[-1, 0] = len(chunks)  # a row of a chunk that does not exist
    with pytest.raises(StoreError, match="chunks that do not exist"):
        backend.build(speeches, chunks, vectors, texts, model="test/model", files={}, sentences=bad)
    assert not backend.exists()


def test_missing_sentence_rows_make_the_version_unloadable_not_silently_weaker(backend):
    both(backend)
    name = backend.live_collection()
    backend.client.delete(f"{name}_sents", filter="row >= 3")
    with pytest.raises(StoreError, match="sentence vectors"):
        backend.load()


def test_search_and_ask_on_milvus_match_faiss_with_the_real_model(tmp_path, encoder):
    """Both stores built from one small library with the real model: the same hybrid hits and the same answers
    (status, text, citations), because the Milvus store reads back the sentence vectors that ask scores with."""
    from pathlib import Path

    from jianggao.indexer.build import build_index
    from jianggao.qa.answer import ask_batch
    from jianggao.qa.retrieval import Retriever

    library = Path(__file__).resolve().parents[1] / "ui" / "data"
    index_dir = tmp_path / "index"
    backend = open_backend(f"milvus:{tmp_path / 'lite.db'}", index_dir)
    try:
        build_index([library], index_dir, encoder=encoder)  # FAISS; Milvus reuses its embedding cache
        build_index([library], index_dir, encoder=encoder, backend=backend)
        faiss_r = Retriever(Store.load(index_dir), encoder)
        milvus_r = Retriever(backend.load(), encoder)
        assert len(milvus_r.store.sentences.spans) == len(faiss_r.store.sentences.spans) > 0
        questions = ["校车安全管理要落实哪些责任？", "怎样帮助残疾人脱贫？", "疫情防控期间学校要做好哪些工作？",
                     "火星上的学校怎么招生？"]
        for q in questions:
            a, b = faiss_r.search(q, k=5), milvus_r.search(q, k=5)
            assert [h.chunk_id for h in a] == [h.chunk_id for h in b]
        key = lambda x: (x.status, x.answer, [(c.speech_id, c.start, c.end) for c in x.citations])  # noqa: E731
        assert [key(x) for x in ask_batch(milvus_r, questions)] == [key(x) for x in ask_batch(faiss_r, questions)]
    finally:
        backend.close()


def test_varchar_check_is_off_only_while_inserting():
    """The store turns pymilvus's per-character VARCHAR loop off for its own inserts and puts it back after,
    also when an insert fails, so other pymilvus users in the process keep the library's behaviour."""
    from pymilvus.client import entity_helper

    from jianggao.indexer.milvus_store import _unchecked_varchars

    before = entity_helper.CHECK_STR_ARRAY
    with _unchecked_varchars():
        assert entity_helper.CHECK_STR_ARRAY is False
    assert entity_helper.CHECK_STR_ARRAY == before
    with pytest.raises(RuntimeError):
        with _unchecked_varchars():
            raise RuntimeError("insert failed")
    assert entity_helper.CHECK_STR_ARRAY == before
