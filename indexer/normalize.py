"""The matching form of text: Traditional -> Simplified, full-width -> half-width, ASCII lower-cased.

``normalize`` never changes the length of its input (counted in code points), so an offset into the
normalised text is the same offset into the displayed text and no offset map is ever needed (see
``jianggao.indexer.types``). Three steps keep that promise:

* OpenCC ``t2s`` (opencc-python-reimplemented) converts Traditional to Simplified. Its phrase table may
  in principle map a phrase to one of a different length; a span whose conversion would change length
  is converted character by character instead, and a character that would change length is kept.
* Full-width ASCII (U+FF01-U+FF5E) folds to half-width and the ideographic space U+3000 (and NBSP) to a
  plain space: one code point for one.
* Only ASCII letters are lower-cased: ``str.lower`` would turn e.g. U+0130 into two code points.

The converter is built once, lazily, on first use. Spans without any character that t2s could change
(all of a Simplified text, most of a Traditional one; the characters are read from the t2s dictionary files
OpenCC ships, as its ``config/t2s.json`` names them) skip OpenCC entirely, which keeps normalising the
whole corpus well under a second.
"""
from __future__ import annotations

import functools
import logging
import re

log = logging.getLogger(__name__)

# Full-width ASCII -> ASCII (A-Z straight to a-z), ideographic space and NBSP -> space, ASCII A-Z -> a-z.
_FOLD = str.maketrans(
    {
        **{cp: chr(cp - 0xFEE0).lower() for cp in range(0xFF01, 0xFF5F)},
        0x3000: " ",
        0x00A0: " ",
        **{cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)},
    }
)

# OpenCC splits its input at these separators before matching phrases; we do the same so that a span is
# exactly what OpenCC would convert in one piece. Used when the library does not expose its own.
_FALLBACK_SPLIT = re.compile(r"(\s+|[^\w]|_)")


@functools.cache
def _converter():  # noqa: ANN202 - opencc has no type hints
    """The OpenCC t2s converter, created on first use and shared (its tables are read-only after loading)."""
    import opencc

    return opencc.OpenCC("t2s")


class _Triggers:
    """Every character that some t2s entry changes, to find the spans that need OpenCC.

    A dictionary match only changes the characters where its key and value differ, so a span with none
    of these characters converts to itself. Astral characters are kept apart: one of them in the
    character class would make ``re`` fall back from its bitmap to a slow linear scan.
    """

    def __init__(self, chars: set[str]) -> None:
        bmp = sorted(c for c in chars if ord(c) <= 0xFFFF)
        self.bmp = re.compile("[" + "".join(re.escape(c) for c in bmp) + "]") if bmp else None
        self.astral = frozenset(c for c in chars if ord(c) > 0xFFFF)

    def positions(self, text: str) -> list[int]:
        hits = [m.start() for m in self.bmp.finditer(text)] if self.bmp else []
        if self.astral:
            extra = [m.start() for m in _ASTRAL.finditer(text) if m.group() in self.astral]
            if extra:
                hits = sorted(hits + extra)
        return hits


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _t2s_table_files() -> list:
    """OpenCC's t2s dictionary files, as its shipped configuration ``config/t2s.json`` names them.

    These are the public tables of the package (package data read as files, tab-separated ``key<TAB>value``
    lines), the same ones OpenCC itself loads for ``t2s``.
    """
    import json
    from importlib.resources import files

    root = files("opencc")
    config = json.loads((root / "config" / "t2s.json").read_text(encoding="utf-8"))
    names: list[str] = []

    def collect(d: dict) -> None:
        if d.get("type") == "group":
            for sub in d.get("dicts", []):
                collect(sub)
        elif d.get("type") == "txt" and d.get("file"):
            names.append(d["file"])

    for step in config.get("conversion_chain", []):
        collect(step.get("dict", {}))
    return [root / "dictionary" / name for name in names]


@functools.cache
def _triggers() -> _Triggers | None:
    """The t2s trigger characters, or None if OpenCC's tables cannot be read (then every span is converted)."""
    chars: set[str] = set()
    try:
        for table in _t2s_table_files():
            for line in table.read_text(encoding="utf-8").splitlines():
                key, _, value = line.strip().partition("\t")
                if not key or not value:
                    continue
                value = value.split(" ")[0]  # several candidates: OpenCC uses the first
                if len(key) != len(value):
                    chars.update(key)
                else:
                    chars.update(k for k, v in zip(key, value) if k != v)
    except (OSError, ValueError, KeyError, ModuleNotFoundError):
        log.debug("opencc tables not readable; every span goes through OpenCC", exc_info=True)
        return None
    return _Triggers(chars) if chars else None


def _split_re() -> re.Pattern[str]:
    split = getattr(_converter(), "split_chars_re", None)
    return split if isinstance(split, re.Pattern) and split.groups == 1 else _FALLBACK_SPLIT


@functools.lru_cache(maxsize=1 << 16)
def _convert_span(span: str) -> str:
    """t2s of one separator-free span, always of the same length as ``span``."""
    cc = _converter()
    out = cc.convert(span)
    if len(out) == len(span):
        return out
    # A phrase entry changed the length: convert character by character so offsets stay valid.
    log.debug("t2s changed the length of %r; converting it character by character", span)
    chars = []
    for ch in span:
        conv = cc.convert(ch)
        chars.append(conv if len(conv) == 1 else ch)
    return "".join(chars)


def to_simplified(text: str) -> str:
    """Traditional -> Simplified with OpenCC t2s, keeping the length of ``text``."""
    triggers = _triggers()
    hits = triggers.positions(text) if triggers is not None else None
    if hits == []:
        return text
    parts = _split_re().split(text)
    pos = 0  # offset of parts[i] in text
    h = 0  # next trigger hit not yet passed
    for i, part in enumerate(parts):
        end = pos + len(part)
        if i % 2 == 0 and part:  # even items are spans, odd ones the separators between them
            if hits is None:
                parts[i] = _convert_span(part)
            else:
                while h < len(hits) and hits[h] < pos:
                    h += 1
                if h < len(hits) and hits[h] < end:
                    parts[i] = _convert_span(part)
        pos = end
    return "".join(parts)


def normalize(text: str) -> str:
    """The matching form of ``text``; ``len(normalize(text)) == len(text)`` always holds."""
    if not isinstance(text, str):
        raise TypeError(f"normalize expects str, got {type(text).__name__}; decode bytes first")
    return to_simplified(text).translate(_FOLD)

