"""jianggao.qa.similar: score fusion and paste splitting (pure), then similar passages on the real corpus index: a
passage never finds itself or its overlap neighbours, copies in several speeches come back as one result."""
from __future__ import annotations

import json

import pytest

from jianggao.qa.similar import PIECE_CHARS, SimilarQuery, fuse_scores, pieces_of


def test_fuse_scores_keeps_how_far_ahead_a_candidate_is():
    dense = [(1, 0.90), (2, 0.89), (3, 0.80)]
    keyword = [(2, 100.0), (3, 40.0), (1, 10.0)]
    fused = dict(fuse_scores([dense, keyword]))
    assert max(fused, key=fused.get) == 2  # a close second in dense, far ahead in keyword
    assert fused[2] == pytest.approx((0.9 + 1.0) / 2)
    assert fused[3] == pytest.approx((0.0 + 30 / 90) / 2)  # min-max: lowest dense 0, BM25 (40-10)/(100-10)
    assert all(0.0 <= v <= 1.0 for v in fused.values())


def test_fuse_scores_edge_cases():
    assert fuse_scores([[], []]) == []
    assert fuse_scores([[(5, 2.0)]]) == [(5, 1.0)]  # one candidate: full score
    assert [d for d, _ in fuse_scores([[(1, 1.0), (2, 1.0)]])] == [1, 2]  # ties keep first-seen order
    assert dict(fuse_scores([[(1, 1.0), (2, 0.0)], [(2, 1.0)]], weights=[3, 1]))[1] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="weights"):
        fuse_scores([[(1, 1.0)]], weights=[1, 2])


def test_pieces_of_a_long_paste():
    short = "校车安全事关千家万户。"
    assert pieces_of(short) == [short]
    long_text = "".join(f"第{i}句话讲的是校车安全管理工作的一个方面，要求各校认真落实。" for i in range(60))
    pieces = pieces_of(long_text)
    assert len(pieces) >= len(long_text) // PIECE_CHARS
    assert all(len(p) <= PIECE_CHARS for p in pieces)
    from jianggao.indexer.normalize import normalize

    assert "".join(pieces).replace(" ", "") == normalize(long_text)  # each sentence in exactly one piece


def test_similar_query_needs_exactly_one_of_text_and_chunk():
    with pytest.raises(ValueError, match="either"):
        SimilarQuery()
    with pytest.raises(ValueError, match="either"):
        SimilarQuery(text="x", chunk_id="y")


# -- the real corpus ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def retriever(corpus_index, encoder):
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    return Retriever(Store.load(corpus_index), encoder)


def overlaps(a, b) -> bool:
    return a.speech_id == b.speech_id and a.start < b.end and b.start < a.end


def test_an_indexed_passage_never_finds_itself_its_neighbours_or_its_copies(retriever):
    from jianggao.qa.similar import similar

    store = retriever.store
    i = next(i for i, d in enumerate(store.chunk_duplicates) if d)  # a passage with a copy in another speech
    c = store.chunks[i]
    copies = {store.chunks[j].id for j in store.chunk_duplicates[i]}
    hits = similar(retriever, chunk_id=c.id, k=10)
    assert len(hits) == 10 and [h.rank for h in hits] == list(range(1, 11))
    ids = [h.chunk_id for h in hits]
    assert c.id not in ids and not copies & set(ids)
    assert not any(overlaps(h, c) for h in hits)
    assert len(set(ids)) == len(ids)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_pasted_passage_finds_its_source_with_its_copies_grouped(retriever):
    from jianggao.qa.similar import similar

    store = retriever.store
    i = next(i for i, d in enumerate(store.chunk_duplicates) if d and len(store.chunks[i].text) > 150)
    c = store.chunks[i]
    copy_speeches = {store.chunks[j].speech_id for j in store.chunk_duplicates[i]}
    hits = similar(retriever, text=c.text[20:-20], k=5)  # a paste of most of the passage
    top = hits[0]
    family = {top.speech_id, *(d.speech_id for d in top.duplicates)}
    assert {c.speech_id, *copy_speeches} <= family  # one result, listing every speech that holds it
    for h in hits[1:]:  # the copies do not come back as results of their own
        assert not ({h.speech_id, *(d.speech_id for d in h.duplicates)} >= family and h.text[:30] == top.text[:30])


def test_a_reworded_passage_finds_its_source(retriever):
    from jianggao.qa.similar import similar

    source = next(c for c in retriever.store.chunks if "脊髓损伤者有100多万人" in c.text)
    rewording = ("根据不完全的统计，我国脊髓受伤的人超过一百万，他们不光身体瘫痪，还离不开尿布；"
                 "一些贫困残疾人长年卧炕，连护理用品都没有。")
    hits = similar(retriever, text=rewording, k=3)
    assert hits[0].speech_id == source.speech_id
    assert hits[0].start < source.end and source.start < hits[0].end


def test_similar_is_similar_batch_of_one_and_batches_mix_kinds(retriever):
    from jianggao.qa.similar import similar, similar_batch

    c = retriever.store.chunks[5]
    text = retriever.store.chunks[40].text
    one_text = similar(retriever, text=text, k=4)
    one_chunk = similar(retriever, chunk_id=c.id, k=4)
    both = similar_batch(retriever, [SimilarQuery(text=text), SimilarQuery(chunk_id=c.id)], k=4)
    assert [h.to_json() for h in both[0]] == [h.to_json() for h in one_text]
    assert [h.to_json() for h in both[1]] == [h.to_json() for h in one_chunk]


def test_bad_input_is_a_clear_error(retriever):
    from jianggao.qa.retrieval import QueryError
    from jianggao.qa.similar import similar

    with pytest.raises(KeyError, match="no passage with id"):
        similar(retriever, chunk_id="sp-nope:0")
    with pytest.raises(QueryError, match="empty"):
        similar(retriever, text="  ")
    with pytest.raises(ValueError, match="k must be"):
        similar(retriever, text="校车", k=0)


def test_cli_similar_json_and_chunk(corpus_index, retriever, tmp_path, capsys):
    from jianggao.ui.cli import main

    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "s1", "query": "校车司机必须有三年以上驾龄并持有相应驾驶证。"}, ensure_ascii=False) + "\n",
                 encoding="utf-8")
    assert main(["similar", "--queries", str(q), "--json", "-k", "3", "--index-dir", str(corpus_index)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["id"] == "s1" and len(row["results"]) == 3
    assert {"rank", "score", "chunk_id", "speech_id", "title", "text", "start", "end", "duplicates"} <= set(row["results"][0])
    cid = retriever.store.chunks[3].id
    assert main(["similar", "--chunk", cid, "--json", "-k", "2", "--index-dir", str(corpus_index)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["chunk_id"] == cid and cid not in [r["chunk_id"] for r in row["results"]]
    assert main(["similar", "--chunk", "sp-nope:1", "--index-dir", str(corpus_index)]) == 1
