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


def library(keep, n_speeches=8, per_speech=4):
    """The speeches ``keep`` of one fixed library (their chunks, vectors and sentence rows do not depend on which
    others are kept, as for files that did not change between two `jianggao index` runs)."""
    from jianggao.indexer.sentvec import SentenceVectors

    speeches, chunks, vectors, texts = make_parts(n_speeches, per_speech, 0)
    sv = sentence_vectors(chunks, 0)
    ids = {speeches[i].id for i in keep}
    idx = [i for i, c in enumerate(chunks) if c.speech_id in ids]
    new_pos = {old: new for new, old in enumerate(idx)}
    rows = [r for r in range(len(sv.spans)) if int(sv.spans[r, 0]) in new_pos]
    spans = sv.spans[rows].copy()
    spans[:, 0] = [new_pos[int(p)] for p in spans[:, 0]]
    kept = [s for s in speeches if s.id in ids]
    args = (kept, [chunks[i] for i in idx], vectors[idx], [texts[i] for i in idx])
    kw = dict(model="test/model", files={s.source: f"sha-{s.source}" for s in kept},
              sentences=SentenceVectors(sv.vectors[rows], spans))
    return args, kw


def save_library(backend, keep):
    args, kw = library(keep)
    ms = backend.build(*args, **kw)
    backend.save(ms)
    return Store.build(*args, **kw), ms


def same_hits(store, faiss_store, keywords=("第3篇", "脱贫攻坚", "第6篇第1段")):
    q = queries_near(faiss_store, n=6)
    for a, b in zip(store.dense_search_batch(q, 5), faiss_store.dense_search_batch(q, 5)):
        assert [h.doc for h in a] == [h.doc for h in b]
    for a, b in zip(store.lexical.search_batch(list(keywords), 5), faiss_store.lexical.search_batch(list(keywords), 5)):
        # Rows dead in the live epoch still count in Milvus's BM25 statistics until compacted: the scores may
        # differ from FAISS's, the passages found may not.
        assert {h.doc for h in a} <= set(range(len(store.chunks)))
        assert bool(a) == bool(b)


def test_an_update_writes_only_what_changed_and_a_reader_keeps_its_epoch(backend):
    fs1, ms1 = save_library(backend, [0, 1, 2, 3, 4, 5])
    name = backend.live_collection()
    fs2, ms2 = save_library(backend, [0, 1, 2, 4, 5, 6])  # speech 3's file removed, speech 6's added
    assert backend.live_collection() == name and backend._versions() == [name]  # one set of collections
    c = backend.client
    written = c.query(name, filter="born == 2", output_fields=["chunk_id"], consistency_level="Strong")
    assert sorted(r["chunk_id"] for r in written) == [f"sp-0-6:{j}" for j in range(4)]
    # One packed row per new passage holds its sentence vectors (two each here).
    sents = c.query(f"{name}_sents", filter="born == 2", output_fields=["n"], consistency_level="Strong")
    assert len(sents) == 4 and sum(r["n"] for r in sents) == 8
    dead = c.query(name, filter="dead == 2", output_fields=["chunk_id"], consistency_level="Strong")
    assert sorted(r["chunk_id"] for r in dead) == [f"sp-0-3:{j}" for j in range(4)]
    loaded = backend.load()
    for s in (ms2, loaded):
        assert s.epoch == 2 and s.speeches == fs2.speeches and s.chunks == fs2.chunks
        np.testing.assert_allclose(s.vectors, fs2.vectors, atol=1e-6)
        np.testing.assert_array_equal(s.sentences.spans, fs2.sentences.spans)
        np.testing.assert_allclose(s.sentences.vectors, fs2.sentences.vectors, atol=1e-6)
        assert s.manifest.files == fs2.manifest.files
        same_hits(s, fs2)
    same_hits(ms1, fs1)  # the reader that loaded epoch 1 still sees epoch 1, speech 3 included
    gone = fs1.vectors[fs1.chunk_position["sp-0-3:0"]][None]
    assert ms1.chunks[ms1.dense_search_batch(gone, 1)[0][0].doc].id == "sp-0-3:0"
    assert loaded.chunks[loaded.dense_search_batch(gone, 1)[0][0].doc].speech_id != "sp-0-3"

    fs3, _ = save_library(backend, [0, 1, 2, 4, 5, 6, 7])
    # Epoch 3 compacts the rows dead since epoch 2: a reader of epoch 2 still works, one of epoch 1 must reload.
    assert not c.query(name, filter="dead <= 2", output_fields=["pk"], consistency_level="Strong")
    same_hits(ms2, fs2)
    loaded = backend.load()
    assert loaded.epoch == 3 and loaded.chunks == fs3.chunks
    same_hits(loaded, fs3)


def test_nothing_changed_writes_no_passage_and_a_changed_vector_rewrites_its_passage(backend):
    save_library(backend, [0, 1])
    name = backend.live_collection()
    save_library(backend, [0, 1])
    assert not backend.client.query(name, filter="born == 2", output_fields=["pk"], consistency_level="Strong")
    args, kw = library([0, 1])
    args[2][0] = -args[2][0]  # one passage's vector changed (another model, another text)
    backend.save(backend.build(*args, **kw))
    assert len(backend.client.query(name, filter="born == 3", output_fields=["pk"], consistency_level="Strong")) == 1
    np.testing.assert_allclose(backend.load().vectors, args[2], atol=1e-6)


@pytest.mark.parametrize("stage", ["writing", "written"])
def test_an_interrupted_update_leaves_the_previous_epoch_and_the_next_save_completes(backend, monkeypatch, stage):
    with pytest.raises(StoreError, match="run `jianggao index --store milvus:"):
        backend.load()
    fs1, _ = save_library(backend, [0, 1, 2])
    name = backend.live_collection()
    from jianggao.indexer import milvus_store

    def boom(at):
        if at == stage:
            raise KeyboardInterrupt

    monkeypatch.setattr(milvus_store, "checkpoint", boom)
    with pytest.raises(KeyboardInterrupt):
        save_library(backend, [0, 2, 3])  # speech 1 removed, 3 added
    monkeypatch.undo()
    loaded = backend.load()
    assert loaded.epoch == 1 and loaded.chunks == fs1.chunks and loaded.speeches == fs1.speeches
    np.testing.assert_allclose(loaded.sentences.vectors, fs1.sentences.vectors, atol=1e-6)
    same_hits(loaded, fs1)
    assert backend._versions() == [name] and len(backend.client.list_collections()) == 3
    fs2, _ = save_library(backend, [0, 2, 3])
    loaded = backend.load()
    assert loaded.epoch == 2 and loaded.chunks == fs2.chunks and loaded.speeches == fs2.speeches
    np.testing.assert_array_equal(loaded.sentences.spans, fs2.sentences.spans)
    # The killed run's rows were deleted and its dead marks undone before the update was written again.
    rows = backend.client.query(name, filter="pk >= 0", output_fields=["chunk_id", "born", "dead"],
                                consistency_level="Strong")
    assert sorted(r["chunk_id"] for r in rows if r["born"] == 2) == [f"sp-0-3:{j}" for j in range(4)]
    assert sorted(r["chunk_id"] for r in rows if r["dead"] == 2) == [f"sp-0-1:{j}" for j in range(4)]


def test_an_index_of_another_layout_is_refused_at_load_and_replaced_by_a_rebuild(backend):
    save_library(backend, [0, 1])
    old = backend.live_collection()
    backend.client.delete(f"{old}_docs", filter='kind == "commit"')  # as an index written one version per save
    assert backend.exists()
    with pytest.raises(IndexMismatchError, match="another Milvus layout.*--rebuild"):
        backend.load()
    fs, _ = save_library(backend, [0, 1, 2])  # what `jianggao index --rebuild` does: a new set of collections
    assert backend.live_collection() != old and backend.load().chunks == fs.chunks


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
    # `jianggao index --rebuild` (anew) writes every row again in a new set of collections: repaired.
    args, kw = library(range(6), per_speech=4)
    backend.save(backend.build(*args, **kw), anew=True)
    assert backend.live_collection() != name
    assert len(backend.load().sentences.spans) == len(kw["sentences"].spans)


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


def test_sentence_payloads_cut_into_pieces_read_back_and_a_lost_piece_is_refused(backend, monkeypatch):
    """A passage's packed sentence vectors longer than one text field are written in pieces and read back row for
    row; a piece missing makes the version unloadable (the payload has the wrong size), not silently weaker."""
    from jianggao.indexer import milvus_store

    monkeypatch.setattr(milvus_store, "PACK_CHARS", 100)  # 16-d float32 sentences: ~2 pieces per passage
    fs, _ = save_library(backend, [0, 1, 2])
    name = backend.live_collection()
    pieces = backend.client.query(f"{name}_sents", filter="piece >= 1", output_fields=["row"],
                                  consistency_level="Strong")
    assert pieces  # some passage was cut
    loaded = backend.load()
    np.testing.assert_array_equal(loaded.sentences.spans, fs.sentences.spans)
    np.testing.assert_array_equal(loaded.sentences.vectors, fs.sentences.vectors)  # float32 bytes: exact
    np.testing.assert_array_equal(loaded.vectors, fs.vectors)
    backend.client.delete(f"{name}_sents", filter=f"row == {pieces[0]['row']}")
    backend.client.flush(f"{name}_sents")
    with pytest.raises(StoreError, match="damaged sentence vectors.*--rebuild"):
        backend.load()


def test_the_keyword_field_holds_each_passages_terms_computed_in_batch():
    """The BM25 input written per insert batch (terms_many, one memo per batch) equals each text's own terms."""
    from jianggao.indexer.milvus_store import _terms_fields, milvus_terms

    texts = ["广东省人民政府\n校车安全工作会议讲话\n要落实校车安全管理责任", "广东省人民政府\n脱贫攻坚，困户帮扶",
             "", "Ｅｎｇｌｉｓｈ text 2024年\n\n第十四届"]
    assert _terms_fields(texts) == [" ".join(milvus_terms(t)) for t in texts]
