"""Tests for jianggao.indexer.normalize: length-preserving matching form, on the seed pages in data/speeches/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import jianggao.indexer.normalize as nz
from jianggao.indexer.cleaning import clean_text, strip_pinyin
from jianggao.indexer.normalize import normalize, to_simplified

ROOT = Path(__file__).resolve().parents[2]
SEED_FILES = sorted((ROOT / "data" / "speeches").glob("*.txt"))

# Real excerpts of page 004 (Traditional, with pinyin annotations).
L004_QUARANTINE = "比如說x省長說的病人隔離時間問題,有些隔離人員15天以后才轉(zhuǎn)陽,前期做了多次核酸都是陰性"
L004_TOP500 = ",緊盯產(chǎn)業(yè)轉(zhuǎn)移意向園區(qū)和企業(yè),特別是三類500強、上市公司、行業(yè)龍頭企業(yè)和戰(zhàn)略投"


@pytest.fixture(scope="module")
def pages() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in SEED_FILES]


def _fold(text: str) -> str:
    """The folding the module promises, written out plainly."""
    out = []
    for ch in text:
        cp = ord(ch)
        if 0xFF01 <= cp <= 0xFF5E:
            ch = chr(cp - 0xFEE0)
        elif ch in "\u3000\u00a0":
            ch = " "
        out.append(ch.lower() if ch.isascii() else ch)
    return "".join(out)


def test_length_is_preserved_on_every_page_line_and_cleaned_text(pages):
    assert len(pages) == 5
    for page in pages:
        assert len(normalize(page)) == len(page)
        for line in page.split("\n"):
            assert len(normalize(line)) == len(line)
        cleaned = clean_text(page)
        assert len(normalize(cleaned)) == len(cleaned)
        # every prefix boundary too: offsets into the normalised text are offsets into the text
        for cut in range(0, len(page), 997):
            assert len(normalize(page[cut : cut + 1500])) == len(page[cut : cut + 1500])


def test_trigger_characters_come_from_opencc_s_shipped_tables():
    """Read from the t2s dictionary files named by OpenCC's config (no private attributes of the converter)."""
    files = nz._t2s_table_files()
    assert [f.name for f in files] == ["TSPhrases.txt", "TSCharacters.txt"]
    triggers = nz._triggers()
    assert triggers is not None
    # 務 認 勢 這 have Simplified forms; 必 清 形 是 and the Simplified 简体 do not.
    assert triggers.positions("務必認清形勢這是简体") == [0, 2, 5, 6]


def test_same_result_as_opencc_on_the_whole_page(pages):
    import opencc

    t2s = opencc.OpenCC("t2s")
    for page in pages:  # the fast path (spans without a convertible character skip OpenCC) changes nothing
        assert normalize(page) == _fold(t2s.convert(page))


def test_traditional_becomes_simplified():
    line = strip_pinyin(L004_QUARANTINE)
    assert "有些隔离人员15天以后才转阳" in normalize(line)
    assert "特别是三类500强" in normalize(strip_pinyin(L004_TOP500))
    assert normalize("一、務必認清形勢,政治站位再提升。") == "一、务必认清形势,政治站位再提升。"


def test_simplified_text_is_left_alone(pages):
    page = pages[0]  # 000 is Simplified with half-width punctuation: only ASCII case may change
    assert normalize(page) == _fold(page)
    assert to_simplified(page) == page


def test_full_width_ascii_and_spaces_fold_one_for_one():
    assert normalize("ＡＢＣ１２３，（一）！") == "abc123,(一)!"
    assert normalize("同志们：\u3000今天") == "同志们: 今天"
    assert normalize("n95 N95 Ｎ９５") == "n95 n95 n95"
    assert normalize("İ") == "İ"  # only ASCII is lower-cased; str.lower() would make it two code points


def test_normalize_is_idempotent_on_the_corpus(pages):
    for page in pages:
        once = normalize(page)
        assert normalize(once) == once


def test_converter_is_created_once_and_lazily():
    assert nz._converter() is nz._converter()
    code = "import sys, jianggao.indexer.normalize; print('opencc' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class _LengthChangingConverter:
    """A stand-in for OpenCC whose phrase table maps "乾隆" to three characters and 隆 to 隆, 乾 to 干."""

    def convert(self, s: str) -> str:
        if "乾隆" in s:
            return s.replace("乾隆", "乾隆帝")
        return s.replace("乾", "干").replace("體", "体")


def test_span_whose_conversion_changes_length_falls_back_to_characters(monkeypatch):
    monkeypatch.setattr(nz, "_converter", lambda: _LengthChangingConverter())
    monkeypatch.setattr(nz, "_triggers", lambda: None)  # the stand-in has no tables: every span is converted
    nz._convert_span.cache_clear()
    try:
        text = "乾隆年間,體制。"
        out = normalize(text)
        assert len(out) == len(text)
        assert out == "干隆年間,体制。"  # character by character in the span that grew; the other span as usual
    finally:
        nz._convert_span.cache_clear()


def test_bytes_get_a_clear_error():
    with pytest.raises(TypeError, match="decode"):
        normalize("務必".encode())
