"""jianggao.indexer.terms_cache: the words of a flat library's lines, kept between builds."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from stand_ins import HashEncoder

from jianggao.indexer import lexical
from jianggao.indexer.build import build_index
from jianggao.indexer.config import CACHE_DIR
from jianggao.indexer.store import Store
from jianggao.indexer.terms_cache import TERMS_CACHE_NAME, TermsCache, header

SIG = lexical.resources_signature()
TEXTS = ["甲市政府工作报告\n今年要新建农村公路三百公里，改造危房一千户。", "甲市政府工作报告\n推进乡村振兴，发展特色产业。",
         "乙县脱贫攻坚推进会讲话\n同志们：脱贫攻坚任务要落实到人。"]


@pytest.fixture()
def counted(monkeypatch):
    """The lines jieba actually cuts (lexical._words)."""
    cut: list[str] = []
    real = lexical._words
    monkeypatch.setattr(lexical, "_words", lambda norm: cut.append(norm) or real(norm))
    return cut


def test_cached_words_give_the_same_terms_and_skip_jieba(tmp_path, counted):
    plain = lexical.terms_many(TEXTS)
    first = TermsCache(tmp_path / TERMS_CACHE_NAME, SIG)
    assert lexical.terms_many(TEXTS, first) == plain
    first.save()
    new_text = "甲市政府工作报告\n建设零碳园区。"
    expected = lexical.terms(new_text)
    counted.clear()
    again = TermsCache(tmp_path / TERMS_CACHE_NAME, SIG)
    assert lexical.terms_many(TEXTS, again) == plain
    assert counted == [] and again.misses == 0 and again.hits == 5  # 5 distinct lines, none cut again
    # A new text cuts only its new line.
    assert lexical.terms_many([*TEXTS, new_text], again)[-1] == expected
    assert counted == ["建设零碳园区。"]


def test_the_cache_keeps_the_lines_of_the_last_build_only(tmp_path):
    path = tmp_path / TERMS_CACHE_NAME
    cache = TermsCache(path, SIG)
    lexical.terms_many(TEXTS, cache)
    cache.save()
    smaller = TermsCache(path, SIG)
    lexical.terms_many(TEXTS[:1], smaller)
    smaller.save()
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["header"] == header(SIG) and len(stored["lines"]) == 2  # the two lines of the first text
    assert TermsCache(path, SIG).get("同志们：脱贫攻坚任务要落实到人。") is None


def test_a_cache_of_other_words_or_a_damaged_one_is_ignored_and_rewritten(tmp_path, counted, caplog):
    path = tmp_path / TERMS_CACHE_NAME
    key_line = "推进乡村振兴，发展特色产业。"
    cache = TermsCache(path, SIG)
    lexical.terms_many([key_line], cache)
    cache.save()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["lines"] = {k: ["错"] for k in data["lines"]}  # what another dictionary might have cut
    data["header"]["resources"] = "another-dictionary"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert TermsCache(path, SIG).get(key_line) is None
    path.write_text('{"header": ', encoding="utf-8")  # a write cut short by hand (ours are atomic)
    with caplog.at_level(logging.WARNING):
        damaged = TermsCache(path, SIG)
    assert "damaged" in caplog.text
    counted.clear()
    assert lexical.terms_many([key_line], damaged) == lexical.terms_many([key_line])
    assert counted  # tokenised again, not read from the bad file
    damaged.save()
    assert TermsCache(path, SIG).get(key_line) == lexical._words(key_line)


def test_a_flat_library_update_cuts_only_the_new_lines_and_searches_alike(tmp_path, counted):
    lib = tmp_path / "lib"
    lib.mkdir()
    body = "全县脱贫攻坚工作要抓实，贫困户帮扶措施要精准，易地搬迁要稳妥推进。" * 6
    (lib / "a.txt").write_text(f"在全县脱贫攻坚工作会议上的讲话\n同志们：\n{body}\n谢谢大家！\n", encoding="utf-8")
    idx = tmp_path / "idx"
    build_index([lib], idx, encoder=HashEncoder())
    assert (idx / CACHE_DIR / TERMS_CACHE_NAME).is_file()
    new = "在全市教育工作会议上的讲话\n同志们：\n" + "办好人民满意的教育，推进义务教育优质均衡发展。" * 6 + "\n"
    (lib / "b.txt").write_text(new, encoding="utf-8")
    counted.clear()
    build_index([lib], idx, encoder=HashEncoder())
    cached = Store.load(idx, expect_model=HashEncoder().name)
    assert counted and not any("脱贫攻坚" in line for line in counted)  # a.txt's lines came from the cache
    fresh = build_index([lib], tmp_path / "fresh", encoder=HashEncoder())
    assert fresh.chunks == len(cached.chunks)
    scratch = Store.load(tmp_path / "fresh", expect_model=HashEncoder().name)
    for q in ("脱贫攻坚", "义务教育优质均衡", "易地搬迁"):
        a, b = cached.lexical.search(q, 10), scratch.lexical.search(q, 10)
        assert a and [h.doc for h in a] == [h.doc for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b])
