"""The foundation on the real seed pages: speeches per file, duplicate groups, clean text, chunk bounds."""
import re
from collections import Counter

import pytest

from jianggao.indexer.cleaning import BOILERPLATE_MARKERS
from jianggao.indexer.corpus import build_corpus
from jianggao.indexer.normalize import normalize
from jianggao.qa.query import normalize_query

PINYIN = re.compile(r"[\u4e00-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?>")


@pytest.fixture(scope="module")
def corpus():
    return build_corpus()


def file_of(speech):
    return speech.source[:3]


def test_speech_counts_per_file(corpus):
    counts = Counter(file_of(s) for s in corpus.speeches)
    # Ranges, not exact counts: the splitter reads boundaries from messy text. 000 has 5 篇; 001 is labelled
    # 14 篇 but holds about 24 speeches; 002 has 18 篇 (one holding two speeches); 003 is one news article
    # with a truncated repeat; 004 has 19 篇.
    assert counts["000"] == 5
    assert 21 <= counts["001"] <= 27
    assert 17 <= counts["002"] <= 22
    assert 1 <= counts["003"] <= 2
    assert 17 <= counts["004"] <= 24
    distinct = [s for s in corpus.speeches if s.canonical_id is None]
    assert 55 <= len(distinct) <= 66
    assert not corpus.errors


def test_duplicate_groups_link_copies_to_the_fuller_speech(corpus):
    by_id = {s.id: s for s in corpus.speeches}
    groups = {s.id: [by_id[c] for c in s.copies] for s in corpus.speeches if s.copies}
    pairs = {(file_of(by_id[k]), by_id[k].order, file_of(c), c.order) for k, cs in groups.items() for c in cs}
    sources = Counter((a, c) for a, _, c, _ in pairs)
    # Whole speeches repeat across the two 脱贫攻坚 pages and inside a page, and the news article repeats.
    assert sources[("001", "002")] >= 3
    assert sources[("003", "003")] == 1
    assert sources[("004", "004")] >= 2
    for canon_id, copies in groups.items():
        canon = by_id[canon_id]
        assert canon.canonical_id is None
        for c in copies:
            assert c.canonical_id == canon_id
            # The canonical copy is never the one with fewer real figures.
            assert len(re.findall(r"[0-9]+", canon.norm)) >= len(re.findall(r"[0-9]+", c.norm)) - 1


def test_no_debris_left_in_any_speech(corpus):
    for s in corpus.speeches:
        assert "\ufffd" not in s.text, s.id
        assert not PINYIN.search(s.text), (s.id, PINYIN.search(s.text))
        assert not TAG.search(s.text), (s.id, TAG.search(s.text))
        for marker in BOILERPLATE_MARKERS:
            assert marker not in s.text and marker not in s.norm, (s.id, marker)
        assert not re.search(r"[\ue000-\uf8ff]", s.text)


def test_titles_and_page_titles(corpus):
    for s in corpus.speeches:
        assert s.title and len(s.title) <= 60, s.id
    trad = [s for s in corpus.speeches if file_of(s) == "004"]
    assert all("疫情防控" in normalize(s.page_title) for s in trad)
    # The Traditional page is all labelled 疫情防控, but holds speeches on other topics: those get own titles.
    other = [s for s in trad if "疫情" not in normalize(s.title)]
    assert len(other) >= 4
    news = [s for s in corpus.speeches if file_of(s) == "003"][0]
    assert news.meta.origin == "攀枝花市府" and news.meta.date == "2016-02-26"  # the contract's ISO form


def test_distinct_speeches_have_unique_titles(corpus):
    distinct = [s for s in corpus.speeches if s.canonical_id is None]
    assert len({normalize(s.title) for s in distinct}) == len(distinct)
    for s in corpus.speeches:
        if s.canonical_id:  # a copy is shown under its speech's title
            assert s.title == next(x.title for x in corpus.speeches if x.id == s.canonical_id)


def test_site_introductions_are_dropped_by_their_position(corpus):
    # These introductions (one paragraph between a page's title and its first speech) are named by no rule:
    # the splitter drops untitled text before the first titled speech of a page of many.
    for intro in ("往日的痕迹在脑海中浮现", "讲话稿可以帮助演讲者", "總結(jié)可以幫助", "總結可以幫助我們"):
        assert not any(intro in s.text for s in corpus.speeches), intro


def test_chunks_within_bounds_and_pointing_at_their_text(corpus):
    by_id = {s.id: s for s in corpus.speeches}
    per_speech = Counter(c.speech_id for c in corpus.chunks)
    assert set(per_speech) == set(by_id)
    for c in corpus.chunks:
        s = by_id[c.speech_id]
        assert len(c.text) <= 600
        assert s.text[c.start : c.end] == c.text
        assert s.norm[c.start : c.end] == c.norm
    lengths = sorted(len(c.text) for c in corpus.chunks)
    assert 150 <= lengths[len(lengths) // 2] <= 350


def test_simplified_query_matches_traditional_text(corpus):
    trad = " ".join(s.norm for s in corpus.speeches if file_of(s) == "004")
    for query in ("有些隔离人员15天以后才转", "另外还有888名师生在境外", "领导干部尽量不佩戴n95"):
        assert normalize_query(query) in trad
    assert normalize_query("有些隔離(lí)人員") == normalize_query("有些隔离人员")


def test_speech_ids_are_stable(corpus):
    again = build_corpus()
    assert [s.id for s in again.speeches] == [s.id for s in corpus.speeches]
    assert len({s.id for s in corpus.speeches}) == len(corpus.speeches)
