"""The matching form of a typed query (the question side of ``jianggao.indexer.normalize``).

A query is normalised like the indexed text (Traditional -> Simplified, full-width -> half-width, ASCII
lower-cased), and also has pinyin annotations removed (a query pasted from a scraped page keeps them) and its
whitespace collapsed. Unlike ``normalize`` this does not keep the length: nothing maps offsets back into a query.
It lives in qa/ because it needs the cleaning rules: in the indexer, ``cleaning`` imports ``normalize``.
"""
from __future__ import annotations

import re

from jianggao.indexer.cleaning import strip_pinyin
from jianggao.indexer.normalize import normalize

_SPACES = re.compile(r"\s+")


def normalize_query(text: str) -> str:
    """``normalize`` for a typed query: pinyin annotations removed, whitespace collapsed (not length-preserving)."""
    return _SPACES.sub(" ", normalize(strip_pinyin(text))).strip()
