"""The matching form of a typed query (the question side of ``jianggao.indexer.normalize``).

A query is normalised like the indexed text (Traditional -> Simplified, full-width -> half-width, ASCII
lower-cased), and also has pinyin annotations removed (a query pasted from a scraped page keeps them) and its
whitespace collapsed. Unlike ``normalize`` this does not keep the length: nothing maps offsets back into a query.
It lives in qa/ because it needs the cleaning rules: in the indexer, ``cleaning`` imports ``normalize``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from jianggao.indexer.cleaning import strip_pinyin
from jianggao.indexer.normalize import normalize

_SPACES = re.compile(r"\s+")


def normalize_query(text: str) -> str:
    """``normalize`` for a typed query: pinyin annotations removed, whitespace collapsed (not length-preserving),
    and the official name of a province the query calls by another name added (``expand_region_aliases``)."""
    q = _SPACES.sub(" ", normalize(strip_pinyin(text))).strip()
    return expand_region_aliases(q) if REGION_ALIASES else q


# Whether a province called by another name (八闽, 齐鲁, 川省: indexer/resources/region_aliases.txt) is searched
# under its official name too.
REGION_ALIASES = True


@lru_cache(maxsize=1)
def region_aliases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(alias, official names) pairs of the resource file, longest alias first."""
    text = resources.files("jianggao.indexer").joinpath("resources/region_aliases.txt").read_text(encoding="utf-8")
    pairs: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, aliases = line.partition("\t")
        for alias in aliases.split():
            pairs.setdefault(alias, []).append(name.strip())
    return tuple(sorted(((a, tuple(n)) for a, n in pairs.items()), key=lambda p: -len(p[0])))


def expand_region_aliases(query: str) -> str:
    """``query`` with the official names of the provinces it calls by another name appended (山城 -> 重庆), unless
    the query already says them. Pure apart from reading the resource once."""
    extra: list[str] = []
    for alias, names in region_aliases():
        if alias in query:
            extra += [n for n in names if n not in query and n not in extra]
    return f"{query} {' '.join(extra)}" if extra else query
