"""jianggao.qa.compare: aggregation, clustering and keyword mapping (pure, hand-made input), then comparisons on the
real corpus index: copies of a speech count once, passages are real excerpts, shared points span speeches."""
from __future__ import annotations

import json

import numpy as np
import pytest

from jianggao.qa.compare import (
    aggregate,
    close_to_others,
    cluster_points,
    keywords_in_script,
    representative_sentence,
    topic_relevance,
)


def test_aggregate_folds_copies_into_the_canonical_speech_and_counts_each_passage_once():
    speech_of = ["A", "A", "A2", "B", "B"]  # A2 is a copy of A; passage 2 is passage 0's twin in the copy
    ranked = [(2, 1.0), (0, 0.9), (3, 0.8), (1, 0.5), (4, 0.4)]
    scores = aggregate(ranked, speech_of, {"A2": "A"}, {0: {2}, 2: {0}}, decay=0.5)
    assert [s.speech_id for s in scores] == ["A", "B"]  # A2 never appears on its own
    a, b = scores
    assert [d for d, _ in a.docs] == [2, 1]  # passage 0 is the same passage as 2: counted once
    assert a.score == pytest.approx(1.0 + 0.5 * 0.5)
    assert b.score == pytest.approx(0.8 + 0.5 * 0.4)


def test_aggregate_rewards_several_passages_with_diminishing_weights():
    speech_of = ["A", "B", "B", "B", "B"]
    ranked = [(0, 1.0), (1, 0.6), (2, 0.6), (3, 0.6), (4, 0.6)]
    scores = aggregate(ranked, speech_of, {}, {}, decay=0.5, scored=3)
    assert scores[0].speech_id == "B" and scores[0].score == pytest.approx(0.6 * (1 + 0.5 + 0.25))
    assert len(scores[0].docs) == 4  # all its passages kept for display, only 3 scored
    assert aggregate([], speech_of, {}, {}) == []


def test_topic_relevance_puts_literal_mentions_first():
    dense = [(1, 0.70), (2, 0.66), (3, 0.60)]  # 1: only near in meaning
    keyword = [(2, 9.5), (3, 2.0)]  # 2 and 3 say the topic's words
    got = topic_relevance(dense, keyword, w_dense=0.1)
    assert [d for d, _ in got] == [2, 3, 1]
    assert dict(got)[1] == pytest.approx(0.1)
    assert [d for d, _ in topic_relevance(dense, [], w_dense=1.0)] == [1, 2, 3]  # dense alone still ranks


def test_cluster_points_links_close_passages_of_different_speeches_only():
    v = np.array([[1, 0, 0], [0.99, 0.141, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    owners = ["A", "B", "A", "C", "C"]
    groups = cluster_points(v, owners, threshold=0.95)
    assert groups == [[0, 1, 2]]  # A and B share a point; A's own two passages alone would not make one
    assert close_to_others(v, owners, threshold=0.95) == [True, True, True, False, False]
    assert cluster_points(v[[0, 2]], ["A", "A"], threshold=0.5) == []
    assert cluster_points(np.zeros((0, 3)), []) == []


def test_representative_sentence_is_the_one_the_group_shares():
    texts = ["开场白说了些别的。要加强师德师风建设，把师德放在首位。最后再说几句。",
             "我们把师德教育摆在首位，加强师德师风建设。"]
    a, b = representative_sentence(texts, 0)
    assert texts[0][a:b] == "要加强师德师风建设，把师德放在首位。"


def test_keywords_are_shown_in_the_original_script():
    text = "加強師德師風建設，師德師風是關鍵。"
    from jianggao.indexer.normalize import normalize

    assert keywords_in_script(text, normalize(text), ["师德", "师风", "不存在", "师德"]) == ["師德", "師風", "不存在"]


# -- the real corpus ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def retriever(corpus_index, encoder):
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    return Retriever(Store.load(corpus_index), encoder)


@pytest.fixture(scope="module")
def comparisons(retriever):
    from jianggao.qa.compare import compare_batch

    return dict(zip(["疫情防控", "校车安全"], compare_batch(retriever, ["疫情防控", "校车安全"])))


def test_copies_of_a_speech_count_once(retriever, comparisons):
    store = retriever.store
    cmp = comparisons["疫情防控"]
    ids = [s.speech_id for s in cmp.speeches]
    assert len(ids) == len(set(ids))
    for s in cmp.speeches:
        assert store.speech_by_id(s.speech_id).canonical_id is None  # never a copy
        assert not set(s.copies) & set(ids)  # and never next to its own copy
    # the corpus holds copies of epidemic-control speeches: they are folded into their canonical speech
    folded = [s for s in cmp.speeches if s.copies]
    assert folded and all(store.speech_by_id(c).canonical_id == s.speech_id for s in folded for c in s.copies)


def test_speeches_are_ranked_with_real_passages_and_keywords(retriever, comparisons):
    store = retriever.store
    for topic, cmp in comparisons.items():
        assert cmp.topic == topic and 2 <= len(cmp.speeches) <= 10
        scores = [s.score for s in cmp.speeches]
        assert scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(1.0)
        for s in cmp.speeches:
            sp = store.speech_by_id(s.speech_id)
            assert s.title == sp.title and s.source == sp.source
            assert 1 <= len(s.passages) <= 3
            for p in s.passages:
                assert store.speech_by_id(p.speech_id).text[p.start:p.end] == p.text
                assert p.speech_id == s.speech_id or store.speech_by_id(p.speech_id).canonical_id == s.speech_id
            assert s.keywords and all(k in sp.text for k in s.keywords)  # as written, Traditional included
    top = comparisons["校车安全"].speeches[0]
    assert "校车" in top.title or any("校车" in p.text for p in top.passages)


def test_shared_points_span_speeches_and_distinctive_passages_belong_to_one(comparisons):
    for cmp in comparisons.values():
        ids = {s.speech_id for s in cmp.speeches}
        for pt in cmp.shared_points:
            assert len(set(pt.speeches)) >= 2 and set(pt.speeches) <= ids
            assert pt.text and any(pt.text in p.text for p in pt.passages)
        shown = {(s.speech_id, p.chunk_id) for s in cmp.speeches for p in s.passages}
        for sid, passages in cmp.distinctive.items():
            assert sid in ids and all((sid, p.chunk_id) in shown for p in passages)
        shared_chunks = {p.chunk_id for pt in cmp.shared_points for p in pt.passages}
        assert not shared_chunks & {p.chunk_id for ps in cmp.distinctive.values() for p in ps}


def test_compare_is_compare_batch_of_one(retriever, comparisons):
    from jianggao.qa.compare import compare

    assert compare(retriever, "校车安全").to_json() == comparisons["校车安全"].to_json()


def test_options_are_checked(retriever):
    from jianggao.qa.compare import compare
    from jianggao.qa.retrieval import QueryError

    with pytest.raises(ValueError, match="max_speeches"):
        compare(retriever, "校车", max_speeches=0)
    with pytest.raises(ValueError, match="'hybrid', 'dense', 'keyword'"):
        compare(retriever, "校车", mode="x")
    with pytest.raises(QueryError):
        compare(retriever, "？？")
    small = compare(retriever, "校车安全", max_speeches=2, passages_per_speech=1)
    assert len(small.speeches) == 2 and all(len(s.passages) == 1 for s in small.speeches)


def test_cli_compare_json(corpus_index, capsys):
    from jianggao.ui.cli import main

    assert main(["compare", "校车安全", "--json", "--index-dir", str(corpus_index), "--max-speeches", "3"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["query"] == "校车安全" and len(row["speeches"]) == 3
    s = row["speeches"][0]
    assert {"speech_id", "title", "score", "passages", "keywords"} <= set(s)
    assert {"text", "start", "end"} <= set(s["passages"][0])
    assert "shared_points" in row and "distinctive" in row
