"""Tests for jianggao.indexer.lexical: jieba tokenising with the domain dictionary, and the BM25 index."""
from __future__ import annotations

import json

import numpy as np
import pytest

from jianggao.indexer.lexical import USERDICT, LexicalHit, LexicalIndex, stopwords, tokenize

DOCS = [
    "坚决打赢脱贫攻坚战，确保贫困户实现两不愁三保障。",  # 0
    "加强校车安全管理，严禁超员超载，做好防溺水教育。",  # 1
    "常态化疫情防控不能松懈，按要求开展核酸检测。",  # 2
    "落实一岗双责，师德师风实行一票否决。",  # 3
    "各学校要做好控辍保学工作，上好开学第一课。",  # 4
    "节假日期间严格值班值守，严禁乱收费。",  # 5
]


def test_domain_phrases_stay_whole():
    phrases = [w.split()[0] for w in USERDICT.read_text(encoding="utf-8").splitlines() if w.strip()]
    assert len(phrases) >= 60
    for phrase in ["两不愁三保障", "一岗双责", "易地扶贫搬迁", "全面从严治党", "党风廉政建设"]:
        assert phrase in phrases
        assert phrase in tokenize(f"我们要抓好{phrase}工作"), phrase


def test_search_mode_adds_sub_words_for_recall():
    tokens = tokenize("脱贫攻坚")
    assert "脱贫攻坚" in tokens and "脱贫" in tokens and "攻坚" in tokens


def test_traditional_and_full_width_text_is_normalised_first():
    assert tokenize("核酸檢測與疫情防控") == tokenize("核酸检测与疫情防控")
    assert "核酸检测" in tokenize("核酸檢測")
    assert tokenize("ＡＢＣ２０２０年") == tokenize("abc2020年")


def test_stop_words_punctuation_and_spaces_are_dropped():
    assert tokenize("我们的，。！？  ……  “”") == []
    tokens = tokenize("我们要在2023年把GDP提高")
    assert "的" not in tokens and "我们" not in tokens and "在" not in tokens
    assert "2023" in tokens and "gdp" in tokens  # digits kept, latin lower-cased
    assert {"的", "了", "，"} <= stopwords()


def test_phrase_query_ranks_its_document_first():
    index = LexicalIndex.build(DOCS)
    for query, doc in [("两不愁三保障", 0), ("校车安全", 1), ("核酸检测", 2), ("一票否决", 3), ("乱收费问题", 5)]:
        hits = index.search(query, 3)
        assert hits and hits[0].doc == doc, (query, hits)
        assert all(isinstance(h, LexicalHit) and h.score > 0 for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_only_matching_documents_are_returned_and_k_is_clamped():
    index = LexicalIndex.build(DOCS)
    hits = index.search("严禁", 100)
    assert sorted(h.doc for h in hits) == [1, 5]
    assert len(index.search("安全 工作 严禁 疫情", 100)) <= len(DOCS)
    assert len(index.search("安全 工作 严禁 疫情", 2)) == 2


def test_queries_without_known_tokens_find_nothing():
    index = LexicalIndex.build(DOCS)
    assert index.search_batch(["量子计算机", "的了吗", ""], 5) == [[], [], []]


def test_batch_equals_single_queries():
    index = LexicalIndex.build(DOCS)
    queries = ["防溺水", "疫情防控", "开学第一课", "不存在"]
    assert index.search_batch(queries, 4) == [index.search(q, 4) for q in queries]


def test_bad_arguments():
    index = LexicalIndex.build(DOCS)
    with pytest.raises(ValueError, match="k must be at least 1"):
        index.search("校车", 0)
    with pytest.raises(TypeError, match="list of queries"):
        index.search_batch("校车", 3)
    with pytest.raises(ValueError, match="no documents"):
        LexicalIndex.build([])


def test_save_load_round_trip_without_pickle(tmp_path):
    index = LexicalIndex.build(DOCS)
    index.save(tmp_path / "lex")
    files = {p.name for p in (tmp_path / "lex").iterdir()}
    assert {"lexical.json", "vocab.index.json", "params.index.json"} <= files
    assert all(p.endswith((".json", ".npy")) for p in files)
    for npy in (tmp_path / "lex").glob("*.npy"):
        np.load(npy, allow_pickle=False)
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert len(loaded) == len(DOCS)
    queries = ["脱贫攻坚", "核酸", "值班值守", "师德师风", "火星"]
    assert loaded.search_batch(queries, 3) == index.search_batch(queries, 3)


def test_documents_without_any_token_still_work(tmp_path):
    index = LexicalIndex.build(["，。！", "的了"])
    assert index.search("校车", 5) == []
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert len(loaded) == 2 and loaded.search("校车", 5) == []


def test_load_reports_a_missing_or_foreign_index(tmp_path):
    with pytest.raises(ValueError, match="missing or unreadable"):
        LexicalIndex.load(tmp_path / "nothing")
    LexicalIndex.build(DOCS).save(tmp_path / "lex")
    meta = tmp_path / "lex" / "lexical.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="format 99"):
        LexicalIndex.load(tmp_path / "lex")


def test_terms_many_equals_terms_of_each_whole_text():
    from jianggao.indexer.lexical import terms, terms_many

    texts = [
        "2014年政府工作报告 紫阳县 一、脱贫攻坚\n坚决打赢脱贫攻坚战，\n确保贫困户实现两不愁三保障。",
        "標題 臺灣\n  開展核酸檢測 ABC 123  \n\n常态化疫情防控不能松懈",  # Traditional, full width, blank lines
        "标题\n同一行文字。\n标题\n同一行文字。",  # repeated lines
        "\n开头是换行，结尾也是\n",
        "没有换行的一段话，脱贫攻坚。",
        "",
    ]
    assert terms_many(texts) == [terms(t) for t in texts]
    assert terms_many(texts)[0]  # not trivially empty
    assert terms_many([]) == []
