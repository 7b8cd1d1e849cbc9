"""Tests for jianggao.qa.query: the matching form of a typed query."""
from __future__ import annotations

from jianggao.indexer.cleaning import strip_pinyin
from jianggao.indexer.normalize import normalize
from jianggao.qa.query import normalize_query

# Real excerpts of seed page 004 (Traditional, with pinyin annotations).
L004_QUARANTINE = "比如說x省長說的病人隔離時間問題,有些隔離人員15天以后才轉(zhuǎn)陽,前期做了多次核酸都是陰性"
L004_TOP500 = ",緊盯產(chǎn)業(yè)轉(zhuǎn)移意向園區(qū)和企業(yè),特別是三類500強、上市公司、行業(yè)龍頭企業(yè)和戰(zhàn)略投"
L004_N95 = "ào)解決實際困難。此外,根據(jù)有關(guān)要求,領(lǐng)導干部盡量不佩戴n95醫(yī)用防護口罩。"


def test_simplified_query_matches_traditional_text():
    text = normalize(strip_pinyin(L004_QUARANTINE))
    for query in ("有些隔离人员15天以后才转", "有些隔離人員15天以后才轉", "有些隔離人員15天以后才轉(zhuǎn)"):
        assert normalize_query(query) in text
    assert normalize_query("特别是三类500强") in normalize(strip_pinyin(L004_TOP500))
    assert normalize_query("N95醫用防護口罩") in normalize(strip_pinyin(L004_N95))


def test_normalize_query_collapses_whitespace_and_strips_pinyin():
    assert normalize_query("  務(wù)必\u3000認清\t形勢  ") == "务必 认清 形势"
    assert normalize_query("") == ""


def test_a_province_called_by_another_name_is_searched_under_its_official_name_too():
    from jianggao.qa.query import expand_region_aliases, region_aliases

    assert expand_region_aliases("八闽大地去年新增多少家企业") == "八闽大地去年新增多少家企业 福建"
    assert expand_region_aliases("巴蜀文化") == "巴蜀文化 重庆 四川"  # an alias of two divisions names both
    assert expand_region_aliases("江苏省的目标") == "江苏省的目标"  # 苏省 inside the official name adds nothing new
    assert expand_region_aliases("辽宁省的目标") == "辽宁省的目标"  # no X省 alias hides in an official name
    assert expand_region_aliases("全县粮食产量") == "全县粮食产量"
    aliases = dict(region_aliases())
    # every alias has two characters or more: a lone 简称 (闽, 鲁) is part of too many words
    assert all(len(a) >= 2 for a in aliases)
    assert len({n for names in aliases.values() for n in names}) == 31  # the 31 mainland provincial divisions
    # no alias is found inside an official name of another division
    official = {n for names in aliases.values() for n in names}
    for alias, names in aliases.items():
        for other in official - set(names):
            assert alias not in other + "省" and alias not in other + "市", (alias, other)
