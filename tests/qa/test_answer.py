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
    SentenceFeatures,
    decide,
    excerpt_range,
    layout_of,
    score_sentences,
    select_excerpts,
    with_marker,
    with_relative_years,
)
from jianggao.qa.question import Coverage


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


def test_select_excerpts_cites_the_words_of_a_copied_speech_once():
    long = "很长的一句话" * 8  # sentences long enough to stand alone as excerpts
    line = f"全县要把校车安全管理作为一件大事来抓，{long}。"
    texts = {"a": line + f"各乡镇要在月底前完成检查{long}。另一件事{long}。",
             "copy": line.replace("，", ",") + f"另起一段说别的事情{long}。"}
    layouts = {k: layout_of(v) for k, v in texts.items()}
    ranked = _ranked(("a", 0, 1.0), ("copy", 0, 0.99), ("copy", 1, 0.985), ("a", 2, 0.98))
    got = select_excerpts(ranked, layouts, texts, margin=0.1)
    # the copy's same sentence (punctuation aside) is left out; its other sentence says something new
    assert [(e.speech_id, e.first) for e in got] == [("a", 0), ("a", 2), ("copy", 1)]


def test_with_marker_puts_the_marker_before_the_closing_punctuation():
    assert with_marker("投入车辆127辆。", 1) == "投入车辆127辆[1]。"
    assert with_marker("正在广泛征求意见和修改完善;", 2) == "正在广泛征求意见和修改完善[2]。"
    assert with_marker("这是为什么？", 3) == "这是为什么[3]？"
    assert with_marker("第一行\n第二行", 1) == "第一行 第二行[1]。"


def test_score_sentences_is_a_weighted_sum():
    f = SentenceFeatures(np.array([0.8, 0.8]), np.array([0.5, 0.5]), np.array([0.0, 1.0]), np.array([0.0, 0.0]),
                         np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    s = score_sentences(f)
    assert s[1] - s[0] == pytest.approx(A.W_LEXICAL)


def test_decide_answers_only_with_the_type_the_terms_and_enough_evidence():
    full = Coverage(1.0, ["上海", "目标"], [], [])
    lacks_year = Coverage(0.7, ["上海", "目标"], ["2019"], ["2019"])
    off_topic = Coverage(0.1, ["目标"], ["上海", "港口"], ["上海"])
    t = A.ANSWER_THRESHOLD
    assert decide(t + 0.1, full, True).status == "answered"
    assert decide(t - 0.1, full, True).status == "partial"  # the subject is there, the evidence is weak
    assert decide(t + 0.1, full, False).status == "partial"  # no answer of the type asked
    assert decide(t + 0.1, lacks_year, True).status == "partial"  # a specific term of the question is missing
    assert decide(t + 0.1, off_topic, True).status == "refused"  # the library does not treat the subject
    assert decide(t - 0.1, Coverage(0.0, [], ["港口"], []), True).status == "refused"


def test_evidence_score_gives_every_answer_type_the_same_type_bonus():
    # The threshold reads relevance plus one bonus for an excerpt holding an answer of the type asked, whatever
    # the type: a definition question (always "of its type") and a figure question with its figure compare alike.
    assert A.evidence_score(1.5, True) == pytest.approx(1.5 + A.W_TYPE)
    assert A.evidence_score(1.5, False) == pytest.approx(1.5)
    t = A.ANSWER_THRESHOLD
    assert decide(A.evidence_score(t - A.W_TYPE + 0.01, True), Coverage(1.0, ["港口"], [], []), True).status == "answered"


def _verdict(status, share, conf=2.0):
    cov = Coverage(share, ["港口"], [], [] if status == "answered" else ["冷链"])
    return A.Verdict(A.Decision(status, cov, True), conf)


def test_a_runner_up_answers_only_when_it_passes_and_covers_as_much_as_the_best():
    best_fails = _verdict("partial", 0.6)
    assert A.pick_verdict([best_fails]) is best_fails
    passes_more = _verdict("answered", 0.7)
    assert A.pick_verdict([best_fails, passes_more]) is passes_more
    passes_less = _verdict("answered", 0.4)  # it passes by lacking what the best excerpt's gate caught
    assert A.pick_verdict([best_fails, passes_less]) is best_fails
    assert A.pick_verdict([best_fails, passes_less, passes_more]) is passes_more
    best_passes = _verdict("answered", 0.5)
    assert A.pick_verdict([best_passes, passes_more]) is best_passes  # the best one stands when it passes


def test_partial_message_says_what_is_there_and_what_is_not():
    msg = A.partial_message(Coverage(0.7, ["港口", "吞吐量"], ["2019"], ["2019"]), "quantity", True)
    assert msg.startswith("资料提到了港口、吞吐量，但没有给出") and "2019" in msg
    assert "具体数字" in A.partial_message(Coverage(0.9, ["港口"], [], []), "quantity", False)
    # the excerpt has a figure, only not of the noun asked (BIND_SUBJECT): the message names the noun
    assert "没有给出注册资本的具体数字" in A.partial_message(Coverage(0.9, ["银行"], [], []), "quantity", False, "注册资本")


def test_partial_message_says_when_the_figure_is_a_target_or_a_result_of_the_other_kind():
    cov = Coverage(0.8, ["粮食产量", "亿斤"], ["去年"], [])
    target = A.partial_message(cov, "quantity", False, kind="target")  # last year's result asked, a target given
    assert "没有给出所问年份的实际数字" in target and "目标" in target and "具体数字" not in target
    result = A.partial_message(cov, "quantity", False, kind="result")  # a target asked, a result given
    assert "没有给出所问的目标" in result and "结果" in result
    assert "具体数字" in A.partial_message(cov, "quantity", False)  # no kind: the figure itself is missing
    lacks_year = Coverage(0.8, ["粮食产量"], ["2019"], ["2019"])
    assert "关于2019的内容" in A.partial_message(lacks_year, "quantity", False, kind="target")  # specific terms first


def test_partial_message_names_a_term_once_and_the_missing_qualified_phrase():
    cov = Coverage(0.8, ["内河", "河港", "内河港", "游客"], ["夜间"], ["夜间游客"])
    msg = A.partial_message(cov, "quantity", True)
    assert msg.startswith("资料提到了内河港、游客，但没有给出关于夜间游客的内容")
    # on the missing side too: a place and the phrase it starts, or a term twice, are said once
    cov = Coverage(0.6, ["中职"], ["甲省"], ["甲省中职", "甲省", "甲省中职", "职"])
    assert "没有给出关于甲省中职的内容" in A.partial_message(cov, "quantity", True)


def test_named_around_covers_places_in_the_speech_and_quoted_names_in_the_paragraph():
    from jianggao.qa.question import KeyTerm

    terms = [KeyTerm("青川县", 5.0, True, ("青川",)), KeyTerm("春风行动", 6.0, True),
             KeyTerm("金穗农业有限公司", 6.0, True, ("金穗农业公司", "金穗农业")), KeyTerm("第5届", 4.0, True, ("第五届",)),
             KeyTerm("招聘", 2.0, False)]
    q = "青川县“春风行动”中金穗农业有限公司第5届招聘多少人"
    speech = "青川开展春风行动。金穗农业公司举办第五届招聘会。"
    paragraph = "开展“春风行动”，组织专场招聘。"
    assert A.named_around(terms, q, speech, paragraph) == ["青川县", "春风行动"]
    # a company or an ordinal elsewhere in the speech is not the excerpt's
    assert A.named_around(terms, q, speech, "组织专场招聘。") == ["青川县"]
    assert A.named_around(terms, q, speech, paragraph, place_in_speech=False, quoted_in_paragraph=False) == []


def test_relative_years_are_read_against_the_speech_year():
    assert "2020年" in with_relative_years("去年完成了任务", "2021年某市政府工作报告")
    assert "2021年" in with_relative_years("今年要完成任务", "2021年某市政府工作报告")
    assert with_relative_years("今年要完成任务", "某县会议讲话") == "今年要完成任务"  # undated: nothing added
    assert A.time_frame("2021年某市政府工作报告") == "2020年 2021年" and A.time_frame("某县会议讲话") == ""


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


def test_a_question_naming_one_speech_is_not_answered_from_another(retriever, monkeypatch):
    # 攀枝花 names the corpus's Panzhihua speeches; the figure asked is in a Zhengzhou speech only.
    q = "攀枝花有多少所学校因特大暴雨受损？"
    named = retriever.runs_naming([q])[0]
    assert named and set(named.values()) == {"攀枝花"}
    a = A.ask(retriever, q)
    assert not a.answerable and "攀枝花" in a.missing_specific and "攀枝花" in a.message
    # The Panzhihua speeches' best candidate is about something else (off the subject): no excerpt of theirs is
    # shown as "the named speech's closest", and the message says the library gives nothing about 攀枝花.
    assert a.named_excerpt == 0 and "没有给出关于攀枝花" in a.message
    assert not any(A._is_named(retriever.store.speech_by_id(c.speech_id), frozenset(named)) for c in a.citations)
    monkeypatch.setattr(A, "NAMED_SPEECH_GATE", False)
    assert A.ask(retriever, q).answerable  # without the gate the other city's figure answers


@pytest.fixture(scope="module")
def four_reports(tmp_path_factory, encoder, provinces_dir):
    """A retriever over four of the shared provincial reports (Shandong, Inner Mongolia, Qinghai, Henan), indexed in
    the test (~15 s)."""
    import shutil

    from jianggao.indexer.build import build_index
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    src = provinces_dir
    base = tmp_path_factory.mktemp("four-reports")
    lib = base / "reports"
    lib.mkdir()
    for name in ("山东省", "内蒙古自治区", "青海省", "河南省"):
        shutil.copy(src / f"2025年{name}政府工作报告.docx", lib)
    build_index([lib], base / "index", encoder=encoder)
    return Retriever(Store.load(base / "index"), encoder)


def test_a_partial_answer_shows_the_named_reports_closest_excerpt(four_reports, monkeypatch):
    # The question names Shandong's report. Two other reports say 粮食总产量 as the question does and their sentences
    # outrank Shandong's own (粮食总产…), which the answer is not judged on (judging the named report first answers
    # near-misses) but shows, saying which excerpt is the named report's.
    r = four_reports
    q = "山东去年的粮食总产量有多少？"
    a = A.ask(r, q)
    own = [c for c in a.citations if "山东" in c.title]
    assert a.status == "partial" and not a.answerable
    assert len(own) == 1 and a.named_excerpt == own[0].n and "粮食总产1142亿斤" in own[0].text
    assert a.citations[0].speech_id != own[0].speech_id  # another report's sentence ranks first
    assert f"山东的讲话中最接近的是摘录[{own[0].n}]" in a.message
    assert re.findall(r"\[(\d+)\]", a.message) == [str(own[0].n)]
    monkeypatch.setattr(A, "NAMED_EXCERPT_SHOWN", False)
    b = A.ask(r, q)
    assert b.status == "partial" and b.named_excerpt == 0 and "没有给出关于山东" in b.message
    assert not any("山东" in c.title for c in b.citations)


def test_a_target_given_where_last_years_result_is_asked_is_said_so(four_reports):
    # Qinghai's report gives its grain output only among this year's targets (保持在…以上).
    a = A.ask(four_reports, "青海去年粮食总产量是多少万吨？")
    assert a.status == "partial" and a.citations and "青海" in a.citations[0].title
    assert "没有给出所问年份的实际数字（最接近的摘录给出的是目标）" in a.message


def test_the_index_holds_sentence_vectors_and_ask_embeds_only_the_question(retriever, monkeypatch):
    sv = retriever.store.sentences
    assert sv is not None and len(sv.vectors) == len(sv.spans) > len(retriever.store.chunks)
    assert set(np.unique(sv.spans[:, 0])) == set(range(len(retriever.store.chunks)))  # every chunk has rows
    norms = np.linalg.norm(sv.vectors, axis=1)
    assert np.allclose(norms[norms > 0], 1, atol=1e-3)
    calls = []
    for name in ("encode", "encode_queries"):  # a question takes encode_queries; anything else would take encode
        real = getattr(retriever.encoder, name)
        monkeypatch.setattr(retriever.encoder, name,
                            lambda texts, _n=name, _r=real, **kw: calls.append((_n, list(texts))) or _r(texts))
    A._caches.clear()
    a = A.ask(retriever, "残疾人康复服务覆盖了多少人？")
    # The question only: candidate sentences come from the index.
    assert len(calls) == 1 and calls[0][0] == "encode_queries" and len(calls[0][1]) == 1
    assert a.status in ("answered", "partial", "refused")


def test_every_marker_maps_to_a_citation_and_back(answers):
    for a in answers.values():
        markers = [int(n) for n in re.findall(r"\[(\d+)\]", a.answer)]
        assert sorted(markers) == [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
        for c in a.citations:  # the answer text quotes each excerpt
            assert " ".join(c.text.split()).rstrip("。；;，,：:！!？?…")[:20] in a.answer


def test_unanswerable_question_is_refused_with_the_closest_passages(retriever):
    a = A.ask(retriever, "火星基地2030年的氧气储备是多少吨？")
    assert not a.answerable and a.status in ("partial", "refused")
    assert "火星" in a.missing_terms and "2030" in a.missing_terms  # the user sees why
    if a.status == "refused":
        assert a.answer == "" and a.citations == [] and a.message == A.REFUSAL_MESSAGE
    else:
        assert a.answer.startswith("资料提到了") and "但没有给出" in a.answer
    assert 1 <= len(a.closest) <= A.DEFAULT_K and a.closest[0].rank == 1


def test_answered_questions_say_which_key_terms_the_excerpt_covers(answers):
    for a in answers.values():
        assert a.status == "answered" and a.answer_type == "quantity"
        assert a.covered_terms and not any(t.isdigit() for t in a.missing_terms)
        # The share is the covered terms' weight: all of it when nothing is missing, none when nothing is covered.
        assert 0.0 < a.coverage_share <= 1.0 and (a.coverage_share == 1.0) == (not a.missing_terms)


def test_ask_is_ask_batch_of_one(retriever, answers):
    q = next(iter(QUESTIONS))
    assert A.ask(retriever, q).to_json() == answers[q].to_json()


def test_answer_json_has_the_fields_the_scorer_reads(answers):
    d = json.loads(json.dumps(next(iter(answers.values())).to_json(), ensure_ascii=False))
    assert {"answerable", "status", "answer", "citations", "message", "closest", "warnings", "covered_terms",
            "missing_terms", "coverage_share"} <= set(d)
    assert d["answerable"] is (d["status"] == "answered")
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
    assert rows[0]["status"] == "answered" and rows[1]["status"] in ("partial", "refused")
    assert set(rows[0]["citations"][0]) >= {"n", "speech_id", "title", "source", "text", "start", "end"}
    assert rows[1]["closest"]


def test_a_sentence_far_less_relevant_than_the_best_is_off_the_subject():
    from jianggao.qa.answer import SUBJECT_GAP, W_TYPE, off_subject

    assert SUBJECT_GAP == W_TYPE / 2  # the type bonus may reorder only sentences within half of itself
    assert off_subject(1.5, 2.0) is True
    assert off_subject(1.9, 2.0) is False
    assert off_subject(2.0, 2.0) is False
    assert off_subject(1.0, 2.0, gap=None) is True  # the default gap applies



def test_an_answer_about_a_named_speech_shows_only_that_speechs_excerpts():
    def cit(n: int, sid: str) -> A.Citation:
        return A.Citation(n, sid, f"title {sid}", "src", f"text {n}", 0, 6, f"{sid}-c", 0, 6, 2.0)

    cits = [cit(1, "b"), cit(2, "a"), cit(3, "a")]
    kept = A.named_citations(cits, [False, True, True])
    assert [(c.n, c.speech_id, c.text) for c in kept] == [(1, "a", "text 2"), (2, "a", "text 3")]
    assert [c.n for c in cits] == [1, 2, 3]  # the originals are not changed
    assert A.named_citations(cits, [False, False, False]) == []


def test_a_template_copy_that_fills_in_a_placeholder_answers(retriever, monkeypatch):
    # The default corpus holds one speech twice: a copy with the figure left as 近xxx万 (the passage search returns
    # first) and one that gives it. The copy's differing sentence joins the candidates.
    q = "我市教职工和学生数量近多少万？"
    a = A.ask(retriever, q)
    assert a.status == "answered" and any("190" in c.text for c in a.citations)
    monkeypatch.setattr(A, "DUPLICATE_CANDIDATES", False)
    assert not any("190" in c.text for c in A.ask(retriever, q).citations)


def test_who_gave_a_named_speech_is_answered_from_its_identity(retriever, monkeypatch):
    # The default corpus knows one speech's speaker (SpeechMeta, with where its text names him); the line that
    # names him shares no word with the question, so retrieval alone does not bring it up.
    q = "攀枝花的那篇讲话是谁讲的？"
    a = A.ask(retriever, q)
    assert a.status == "answered" and a.answer_type == "person"
    assert len(a.citations) == 1 and "张剡" in a.citations[0].text
    monkeypatch.setattr(A, "IDENTITY_ANSWERS", False)
    off = A.ask(retriever, q)
    assert not (off.status == "answered" and "张剡" in off.answer)
    monkeypatch.setattr(A, "IDENTITY_ANSWERS", True)
    # a question with other content words asks about something the speech says, not about its identity
    b = A.ask(retriever, "攀枝花的讲话里提到的那位扶贫干部是谁？")
    assert not (b.status == "answered" and b.citations and b.citations[0].text.startswith("市委书记张剡出席会议"))


def test_a_naming_run_is_shown_as_the_whole_name_it_is_part_of():
    names = ["全市秋季森林防火工作电视电话会议 2023年 某市"]
    q = "在全市秋季森林防火工作电视电话会议上提出了哪些要求"
    run = "秋季森林防火工作电视"  # ten characters: the longest run self-query looks up
    assert A.whole_name(q, run, names) == "全市秋季森林防火工作电视电话会议"
    assert A.whole_name(q, "没有的词", names) == "没有的词"
    assert A.whole_name("某市的报告", "某市", names) == "某市"  # 的 is in no name


def test_last_years_result_is_not_answered_by_this_years_target():
    context = "2025年某省政府工作报告 某省"
    lead = "经济社会发展的主要预期目标是：地区生产总值增长5.5%左右；居民收入增长6%左右"
    assert A.target_for_past("某省去年居民收入增长了多少？", context, lead)
    assert A.target_for_past("某省2024年居民收入增长了多少？", context, lead)
    assert not A.target_for_past("某省今年居民收入增长目标是多少？", context, lead)
    assert not A.target_for_past("某省去年居民收入增长了多少？", context, "去年居民收入增长5.1%")


def test_a_target_asked_is_not_answered_by_a_result():
    q = "某省今年居民收入增长的预期目标是多少？"
    result = "居民收入增长5.1%，快于经济增长"
    assert A.result_for_target(q, result, result)
    assert not A.result_for_target(q, "主要预期目标是：居民收入增长6%左右", "居民收入增长6%左右")
    assert not A.result_for_target(q, "今年居民收入要增长6%", "今年居民收入要增长6%")
    assert not A.result_for_target("某省去年居民收入增长了多少？", result, result)
