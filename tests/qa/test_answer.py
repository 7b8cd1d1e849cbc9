"""jianggao.qa.answer: the pure pieces (scoring, excerpts, markers, answer types, confidence) on hand-made input, and the
whole pipeline on the real corpus index (excerpts really in the speech, markers <-> citations, refusals)."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from jianggao.qa import answer as A
from jianggao.qa.answer import (
    Candidate,
    Expected,
    SentenceFeatures,
    answer_confidence,
    content_terms,
    coverage,
    excerpt_range,
    expected_answer,
    layout_of,
    question_names,
    score_sentences,
    select_excerpts,
    type_match,
    with_marker,
)


# -- pure pieces ------------------------------------------------------------------------------------------------
def test_layout_of_gives_sentences_and_their_paragraphs():
    text = "第一句话。第二句话！\n第二段只有一句\n\n第三段。末句"
    lay = layout_of(text)
    assert [text[s.start:s.end] for s in lay.sentences] == ["第一句话。", "第二句话！", "第二段只有一句", "第三段。", "末句"]
    assert [text[p.start:p.end] for p in lay.paragraphs] == ["第一句话。第二句话！", "第二段只有一句", "", "第三段。末句"]
    assert lay.para_of == [0, 0, 1, 3, 3]


def test_excerpt_grows_a_short_sentence_within_its_paragraph_only():
    text = "短句。这是后面一句比较长的话，它把事实说完整了。\n另一段的话不应该被拉进来。"
    lay = layout_of(text)
    a, b = excerpt_range(text, lay, 0, min_chars=10)
    assert (a, b) == (0, 2)  # grew to the next sentence
    a, b = excerpt_range(text, lay, 1, min_chars=200)
    assert (a, b) == (0, 2)  # grew back to the previous one, never into the next paragraph
    assert excerpt_range(text, lay, 2, min_chars=200) == (2, 3)  # alone in its paragraph


def test_excerpt_grows_towards_the_better_scoring_neighbour_and_respects_max_chars():
    text = "甲乙丙丁戊己庚。短。子丑寅卯辰巳午。"
    lay = layout_of(text)
    assert excerpt_range(text, lay, 1, {0: 0.9, 2: 0.1}, min_chars=5) == (0, 2)
    assert excerpt_range(text, lay, 1, {0: 0.1, 2: 0.9}, min_chars=5) == (1, 3)
    assert excerpt_range(text, lay, 1, {0: 0.9, 2: 0.1}, min_chars=50, max_chars=10) == (0, 2)
    assert excerpt_range(text, lay, 1, {0: 0.9, 2: 0.1}, min_chars=50, max_chars=9) == (1, 2)


def test_excerpt_always_takes_what_a_colon_announces():
    text = "我们要做好以下几点：\n一是抓安全，这件事最重要。\n二是抓质量。"
    lay = layout_of(text)
    assert excerpt_range(text, lay, 0, min_chars=5) == (0, 2)
    assert excerpt_range(text, lay, 1, min_chars=5) == (1, 2)


def _ranked(*items):
    return [(Candidate(sid, i, 0, 1), s) for sid, i, s in items]


def test_select_excerpts_keeps_close_runners_up_skips_neighbours_and_orders_for_reading():
    def sentences(tag: str, n: int) -> str:  # sentences long enough to stand alone as excerpts
        return "".join(f"{tag}{i}" + "很长的一句话" * 8 + "。" for i in range(n))

    texts = {"a": sentences("甲", 4), "b": sentences("乙", 2)}
    layouts = {k: layout_of(v) for k, v in texts.items()}
    ranked = _ranked(("a", 3, 1.0), ("a", 2, 0.99), ("b", 1, 0.97), ("a", 0, 0.95), ("b", 0, 0.5))
    got = select_excerpts(ranked, layouts, texts, margin=0.1)
    # a:2 touches a:3 (already taken) -> skipped; b:1 and a:0 are within the margin; b:0 is not.
    # Reading order: the best excerpt's speech first, by position; then the next speech.
    assert [(e.speech_id, e.first, e.last) for e in got] == [("a", 0, 1), ("a", 3, 4), ("b", 1, 2)]
    assert len(select_excerpts(ranked, layouts, texts, margin=0.001)) == 1
    assert len(select_excerpts(ranked, layouts, texts, margin=1.0, max_citations=2)) == 2
    assert select_excerpts([], layouts, texts) == []


def test_with_marker_puts_the_marker_before_the_closing_punctuation():
    assert with_marker("投入车辆127辆。", 1) == "投入车辆127辆[1]。"
    assert with_marker("正在广泛征求意见和修改完善;", 2) == "正在广泛征求意见和修改完善[2]。"
    assert with_marker("这是为什么？", 3) == "这是为什么[3]？"
    assert with_marker("第一行\n第二行", 1) == "第一行 第二行[1]。"


def test_content_terms_drop_question_words():
    assert content_terms(["多少", "残疾", "考生", "第几个", "哪类", "几乎", "残疾"]) == ["残疾", "考生", "几乎"]


def test_coverage_weights_terms():
    assert coverage("全国有354万户", {"全国": 2.0, "农村": 1.0}) == pytest.approx(2 / 3)
    assert coverage("任何文字", {}) == 0.0


def test_score_sentences_is_a_weighted_sum():
    f = SentenceFeatures(np.array([0.8, 0.8]), np.array([0.5, 0.5]), np.array([0.0, 1.0]), np.array([0.0, 0.0]),
                         np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    s = score_sentences(f)
    assert s[1] - s[0] == pytest.approx(A.W_LEXICAL)


def test_expected_answer_kinds_and_units():
    assert expected_answer("投入多少辆车") == Expected("quantity", "辆")
    assert expected_answer("死亡多少人") == Expected("quantity", "人名位")
    assert expected_answer("重建总投资是多少") == Expected("quantity", "元")
    assert expected_answer("什么时候召开").kind == "time"
    assert expected_answer("要盯紧哪些类型的企业").kind is None
    fake_tags = lambda text: [("杭州", "ns")] if "杭州" in text else []  # noqa: E731
    place = expected_answer("会议是在杭州的哪座城市召开的", tag=fake_tags)
    assert place.kind == "place" and place.known == frozenset({"杭州"})
    assert expected_answer("会长是谁", tag=fake_tags).kind == "person"


def test_type_match_needs_an_answer_of_the_kind_asked_for():
    vehicles = Expected("quantity", "辆")
    assert type_match("投入车辆127辆", vehicles) == 1.0
    assert type_match("全市共有1470所学校", vehicles) == 0.5  # a figure, of another kind
    assert type_match("一个天大的喜讯", vehicles) == 0.0  # 一个 is an idiom, not a figure
    assert type_match("约10.5亿元", Expected("quantity", "元")) == 1.0
    assert type_match("任何文字", Expected(None)) == 0.0
    tags = lambda text: [("北京", "ns")] if "北京" in text else [("杭州", "ns")]  # noqa: E731
    assert type_match("在北京召开", Expected("place", known=frozenset({"杭州"})), tag=tags) == 1.0
    assert type_match("在杭州召开", Expected("place", known=frozenset({"杭州"})), tag=tags) == 0.0  # not new
    assert type_match("2019年8月", Expected("time")) == 1.0


def test_question_names_finds_unknown_places_and_rare_key_names():
    df_table = {"商州区": 0, "商州": 9, "火星市": 0, "火星": 0, "幼儿园": 500, "天佑": 2}
    tags = lambda text: [(w, "ns" if w != "天佑" else "nz") for w in df_table if w in text and len(w) > 2 or w in ("天佑", "幼儿园")]  # noqa: E731
    names = question_names("商州区的火星市和天佑幼儿园", lambda ts: {t: df_table.get(t, 0) for t in ts}, 1000, tag=tags)
    assert names.unknown == ["火星市"]  # 商州区 is found as 商州
    assert "商州" in names.key and "天佑" in names.key
    assert "幼儿园" not in names.key  # too common to identify the subject


def test_answer_confidence_penalties():
    assert answer_confidence(1.5, None) == 1.5
    assert answer_confidence(1.5, 1.0, 1.0) == 1.5
    assert answer_confidence(1.5, 0.5) == pytest.approx(1.5 - A.TYPE_PENALTY / 2)
    assert answer_confidence(1.5, None, 0.0) == pytest.approx(1.5 - A.NAME_PENALTY)
    assert answer_confidence(1.5, None, None, 2) == pytest.approx(1.5 - A.UNKNOWN_NAME_PENALTY)
    assert answer_confidence(1.5, 0.0) < A.ANSWER_THRESHOLD


# -- the real corpus ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def retriever(corpus_index, encoder):
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    return Retriever(Store.load(corpus_index), encoder)


QUESTIONS = {
    "全国脊髓损伤者大约有多少人？": "100多万人",
    "郑州市共有多少所学校因特大暴雨受损？": "1470所",  # answered from a Traditional Chinese speech
    "全球有多少人需要辅助器具？": "10亿多人",
    "校车驾驶人需要持有相应准驾车型驾驶证多少年以上？": "3年以上",
}


@pytest.fixture(scope="module")
def answers(retriever):
    return dict(zip(QUESTIONS, A.ask_batch(retriever, list(QUESTIONS))))


def test_answers_cite_excerpts_that_are_really_in_the_speeches(retriever, answers):
    from jianggao.indexer.normalize import normalize

    for q, fact in QUESTIONS.items():
        a = answers[q]
        assert a.answerable, (q, a.confidence)
        assert 1 <= len(a.citations) <= A.MAX_CITATIONS
        for c in a.citations:
            sp = retriever.store.speech_by_id(c.speech_id)
            assert sp.text[c.start:c.end] == c.text
            assert sp.title == c.title and sp.source == c.source
            assert c.paragraph_start <= c.start < c.end <= c.paragraph_end
            assert c.paragraph_start == 0 or sp.text[c.paragraph_start - 1] == "\n"
            assert c.paragraph_end == len(sp.text) or sp.text[c.paragraph_end] == "\n"
            assert c.chunk_id.startswith(c.speech_id + ":")
            assert len(c.text) <= 800  # what the evaluation accepts as a citation
        assert any(normalize(fact) in normalize(c.text) for c in a.citations), (q, a.answer)


def test_every_marker_maps_to_a_citation_and_back(answers):
    for a in answers.values():
        markers = [int(n) for n in re.findall(r"\[(\d+)\]", a.answer)]
        assert sorted(markers) == [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
        for c in a.citations:  # the answer text quotes each excerpt
            assert " ".join(c.text.split()).rstrip("。；;，,：:！!？?…")[:20] in a.answer


def test_unanswerable_question_is_refused_with_the_closest_passages(retriever):
    a = A.ask(retriever, "火星基地2030年的氧气储备是多少吨？")
    assert not a.answerable
    assert a.answer == "" and a.citations == []
    assert a.message == A.REFUSAL_MESSAGE and "没有找到足够依据" in a.message
    assert 1 <= len(a.closest) <= A.DEFAULT_K and a.closest[0].rank == 1
    assert a.confidence < A.ANSWER_THRESHOLD


def test_ask_is_ask_batch_of_one(retriever, answers):
    q = next(iter(QUESTIONS))
    assert A.ask(retriever, q).to_json() == answers[q].to_json()


def test_answer_json_has_the_fields_the_scorer_reads(answers):
    d = json.loads(json.dumps(next(iter(answers.values())).to_json(), ensure_ascii=False))
    assert {"answerable", "answer", "citations", "message", "closest", "warnings"} <= set(d)
    assert {"n", "speech_id", "title", "source", "text", "start", "end", "chunk_id", "paragraph_start",
            "paragraph_end"} <= set(d["citations"][0])


def test_filters_restrict_the_evidence(retriever):
    from jianggao.qa.retrieval import Filters

    other = next(s for s in retriever.store.speeches if "校车" in s.title)
    a = A.ask(retriever, "全国脊髓损伤者大约有多少人？", filters=Filters.of([other.id]))
    assert a.closest and all(h.speech_id == other.id for h in a.closest)
    assert all(c.speech_id == other.id for c in a.citations)


def test_bad_input_is_a_clear_error(retriever):
    from jianggao.qa.retrieval import QueryError

    with pytest.raises(QueryError, match="empty"):
        A.ask(retriever, "   ")
    with pytest.raises(ValueError, match="'hybrid', 'dense', 'keyword'"):
        A.ask(retriever, "校车", mode="fuzzy")
    with pytest.raises(ValueError, match="k must be"):
        A.ask(retriever, "校车", k=0)
    with pytest.raises(TypeError, match="list of questions"):
        A.ask_batch(retriever, "校车")


def test_cli_ask_writes_one_json_line_per_question(corpus_index, tmp_path, capsys):
    from jianggao.ui.cli import main

    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "a", "query": "全球有多少人需要辅助器具？"}\n'
                       '{"id": "b", "query": "火星基地2030年的氧气储备是多少吨？"}\n', encoding="utf-8")
    assert main(["ask", "--queries", str(queries), "--json", "--index-dir", str(corpus_index)]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["answerable"] is True and rows[1]["answerable"] is False
    assert set(rows[0]["citations"][0]) >= {"n", "speech_id", "title", "source", "text", "start", "end"}
    assert rows[1]["citations"] == [] and rows[1]["closest"]
