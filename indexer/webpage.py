"""The article of a web page: the speech and its header, without the site's navigation, banners and footer.

A government site's page of a speech reads, as text, ``首页 | 工作动态 | …`` / ``您现在的位置：…`` / the title /
``——在…会议上的讲话`` / ``县委书记 某某某`` / ``来源：… 发布时间：…`` / the speech / ``主办单位：… 备案号：…``. Its
first line would become the speech's title and its menus part of the text. Cross-page repetition (boilerplate.py)
removes such chrome only once several pages of one site are indexed; a single page needs the page's own structure.

Which block of the page is the article is what trafilatura (a maintained main-content extractor: link density,
tag and text heuristics) decides. Its text is used only to *locate* the article among the page's lines
(extractors.html_text), from its first to its last line, so the text kept is the project's one HTML rendering and
nothing inside the article is dropped; the title above it (the page's <h1>, else its <title>) is kept with the
lines between (subtitle, speaker, date), which trafilatura leaves out. When the article cannot be located, the
whole page's text is kept: nothing is lost.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

# The header over an article: title, subtitle, speaker, date/source lines.
HEADER_LINES = 8
# A title line shorter than this (once squashed) is not matched: "首页" occurs anywhere.
_MIN_MATCH = 6
# The article is located by its first and last WINDOW characters (spaces aside), searched for over its first and last
# SCAN_CHARS; the range found must span MIN_SHARE of the article's length, or the whole page is kept.
WINDOW = 12
SCAN_CHARS = 300
MIN_SHARE = 0.8
_SPACE = re.compile(r"\s+")


def _squash(line: str) -> str:
    return _SPACE.sub("", line)


def _matches(line: str, target: str) -> bool:
    return len(line) >= _MIN_MATCH and len(target) >= _MIN_MATCH and (
        line == target or line.startswith(target) or target.startswith(line))


def _find(page: str, article: str, from_end: bool) -> int | None:
    """Offset in ``page`` of the article's first WINDOW characters (of its last, with ``from_end``: the offset of
    their end), trying later (earlier) windows when the extractor's text differs there (a <noscript> it kept)."""
    for k in range(0, max(1, min(len(article) - WINDOW, SCAN_CHARS) + 1), WINDOW // 2):
        if from_end:
            piece = article[len(article) - k - WINDOW: len(article) - k]
            at = page.rfind(piece)
            if at >= 0:
                return at + len(piece)
        else:
            piece = article[k:k + WINDOW]
            at = page.find(piece)
            if at >= 0:
                return at
    return None


def _article_text(markup: str) -> str | None:
    import trafilatura

    return trafilatura.extract(markup, include_comments=False, include_tables=True, favor_recall=True,
                               with_metadata=False, deduplicate=False)


def article_range(markup: str, lines: list[str], titles: list[str]) -> tuple[int, int] | None:
    """Lines [start, end) of ``lines`` (the page's text, one block a line) that hold its article with its header
    (``titles``: the page's own titles, extractors.page_titles); None when the article is not found among them.

    The extractor breaks lines elsewhere than the page's rendering (at inline tags), so the article is matched as
    text, spaces aside: where its first characters and its last ones are."""
    article = _squash(_article_text(markup) or "")
    if len(article) < WINDOW:
        return None
    keys = [_squash(x) for x in lines]
    starts, pos = [], 0
    for k in keys:
        starts.append(pos)
        pos += len(k)
    page = "".join(keys)
    head, tail = _find(page, article, from_end=False), _find(page, article, from_end=True)
    if head is None or tail is None or tail <= head or tail - head < MIN_SHARE * len(article):
        return None  # not located, or located around much less than the article: keep the whole page
    first = bisect_right(starts, head) - 1
    last = bisect_left(starts, tail) - 1
    titles = [t for t in map(_squash, titles) if len(t) >= _MIN_MATCH]
    for i in range(first, max(-1, first - HEADER_LINES - 1), -1):
        if any(_matches(keys[i], t) for t in titles):
            first = i
            break
    return first, last + 1


def article_text(markup: str, text: str, titles: list[str]) -> str:
    """``text`` (the page's rendering by extractors.html_text) cut to the article and its header, or whole."""
    lines = text.split("\n")
    found = article_range(markup, lines, titles)
    if found is None:
        return text
    return "\n".join(lines[found[0]:found[1]])
