"""scripts/probe_type_model.py: questions built from a corpus's own sentences, each answered by its sentence."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from probe_type_model import probe, subject_probe  # noqa: E402


def test_each_probe_builds_the_question_its_sentence_answers():
    # Sentences written for the test: a sum in 万亿元, a count in a slogan, a date.
    sents = ["全年全省完成固定资产投资1.2万亿元", "今年要扎实办好五件民生实事", "全省首批示范区于2024年5月正式挂牌"]
    out = probe(sents)
    figure = {key: (q, ok) for key, q, _, ok in out["figure"]}
    assert figure["万亿元"] == ("全年全省完成固定资产投资多少万亿元?", True)
    assert [(q, ok) for _, q, _, ok in out["count"]] == [("今年要扎实办好多少件民生实事?", True)]
    assert ("全省首批示范区于哪个月正式挂牌?", True) in [(q, ok) for _, q, _, ok in out["date"]]


def test_the_list_probe_asks_for_an_enumeration_by_its_class():
    # Sentences written for the test: an enumeration of programmes, one of regulations (地方性: no place asked)
    out = probe(["今年要推进甲工程、乙工程等重点工程建设", "制定丙条例、丁条例等地方性法规"])
    assert [(key, q, ok) for key, q, _, ok in out["list"]] == [
        ("list", "今年要推进哪些重点工程建设?", True), ("list", "制定哪些地方性法规?", True)]


def test_the_organisation_probe_asks_for_a_name_by_its_kind():
    # Sentences written for the test: a laboratory (a three-character kind), a university
    out = probe(["今年，甲乙联合实验室挂牌运行", "本市，丙丁大学新建校区开工"])
    assert [(key, q, ok) for key, q, _, ok in out["organisation"]] == [
        ("实验室", "哪个实验室挂牌运行?", True), ("大学", "哪所大学新建校区开工?", True)]


def test_a_gap_of_the_type_model_shows_as_a_failure():
    # 1金 (one gold medal): 金 is no classifier the type model reads, so the question goes unanswered
    out = probe(["我省运动员在本届运动会上取得1金"])
    assert [ok for *_, ok in out["figure"]] == [False]


def test_the_subject_check_keeps_the_own_sentence_and_refuses_another_things_figure():
    # Sentences written for the test: two sums in 亿元 of different things
    out = probe(["全市粮食加工产值达到120亿元", "全市旅游收入达到300亿元"])
    sub = subject_probe(out, seed=1)
    assert sub["own_sentence_lost"] == 0 and sub["asking_of_a_noun"] == 2
    assert sub["other_sentence"] == 2 and sub["other_answers_without_check"] == 2
    assert sub["other_answers_with_check"] == 0
