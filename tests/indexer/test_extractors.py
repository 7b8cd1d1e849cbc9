"""Tests for jianggao.indexer.extractors' one HTML path, in its two modes (documents, text with stray markup)."""
from __future__ import annotations

import pytest

from jianggao.indexer.cleaning import strip_html
from jianggao.indexer.extractors import html_text, markup_to_text, strip_markup


def test_document_mode_collapses_whitespace_and_drops_the_head():
    page = "<html><head><title>标题</title><style>p{}</style></head><body><p>同志们：\n  今天</p><p>开会</p></body></html>"
    assert html_text(page) == "同志们： 今天\n开会"


def test_text_mode_keeps_the_lines_between_tags():
    text = "第一行\n\n  第二行 <b>粗</b>\n第三行<br>第四行<!-- 注释 --><script>alert(1)</script>"
    out = strip_markup(text)
    assert out.split("\n")[:4] == ["第一行", "", "  第二行 粗", "第三行"]
    assert "第四行" in out and "注释" not in out and "alert" not in out


@pytest.mark.parametrize("text", ["要求PM2.5浓度<35微克,全年优良天数>300天。", "R&D 投入", "a < b", "当?shù)刂脖<夹g(shù)", ""])
def test_text_without_markup_is_not_parsed(text):
    assert strip_markup(text) == text


def test_entities_are_unescaped_in_both_modes():
    assert strip_markup("今天&nbsp;我们召开&lt;会议&gt;") == "今天\xa0我们召开<会议>"
    assert html_text("<p>今天&nbsp;我们召开&lt;会议&gt;</p>") == "今天\xa0我们召开<会议>"


def test_cleaning_strips_html_through_the_extractor():
    """One HTML path: cleaning's strip_html is the extractor's text mode plus list-debris removal."""
    text = '<div class="x" onclick="evil()">同志们：</div><p>今天开会。</p>'
    assert strip_html(text) == markup_to_text(text, document=False)
    assert [line for line in strip_html(text).split("\n") if line] == ["同志们：", "今天开会。"]
