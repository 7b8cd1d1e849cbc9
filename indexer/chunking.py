"""Cut one speech into overlapping, sentence-aligned retrieval chunks.

The unit of packing is the sentence: a chunk is a run of whole sentences (plus, at its start, the last
sentence of the previous chunk as overlap), cut preferably at a paragraph end, never longer than
``max_chars``. Only a sentence longer than ``max_chars`` is itself split, at a comma or, failing that, hard.

Speeches are outlines (``一、`` / ``（一）`` / ``1.`` / ``一是``), so every sentence also carries the outline
heading path it sits under; a chunk keeps that path as context for embedding (``Chunk.heading``), and a new
top-level heading (the highest outline rank the speech uses, normally ``一、``) starts a new chunk.

Offsets are into the speech's ``text``; because ``norm`` is a length-preserving normalisation of ``text``
(see indexer/types.py), the same offsets slice ``norm``. Everything here is pure and deterministic.
"""
from __future__ import annotations

import logging
import re
from typing import NamedTuple

from jianggao.indexer.types import Chunk

log = logging.getLogger(__name__)

# A paragraph this short that starts with an outline marker is a heading as a whole; in a longer
# paragraph only its first sentence is.
HEADING_MAX_CHARS = 60
# A last chunk that adds fewer new characters than this is folded into the previous one, and a chunk is
# only cut by choice once it holds this much text beyond its overlap.
TINY_TAIL_CHARS = 60
# Past target * SOFT_MAX_FACTOR (350 for the default target) a chunk is cut at the next chance.
SOFT_MAX_FACTOR = 1.4
# Outline ranks from here down (1. / （1） / 一是) are points: inside a paragraph they head only that paragraph.
POINT_RANK = 2
# Overlap longer than target * MAX_OVERLAP_FACTOR would make the next chunk mostly a repeat.
MAX_OVERLAP_FACTOR = 0.5

_CLOSERS = "”’」』）)】》\"'"
# A sentence ends after a run of terminators (ellipses included) and the closing quotes/brackets after them.
_SENT_END_RE = re.compile(rf"(?:[。！？；!?;…]|\.{{3,}})+[{re.escape(_CLOSERS)}]*")
# Where an over-long sentence may be split.
_CLAUSE_MARKS = "，,、"
# Where a long heading sentence may be shortened.
_HEADING_CUT_RE = re.compile(r"[，,；;：:]")

_CN = "[一二三四五六七八九十]"
# Outline markers at a paragraph start, by rank (0 = top). A new heading closes every open heading of the
# same or a lower rank. 首先/其次 are discourse words, not outline markers.
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"{_CN}{{1,3}}\s*[、．.](?!\d)")),  # 一、  十一、
    (1, re.compile(rf"[（(]\s*{_CN}{{1,3}}\s*[)）]")),  # （一） (一)
    (2, re.compile(rf"\d{{1,2}}\s*[.．、](?!\d)|第{_CN}{{1,3}}\s*[,，、:：]")),  # 1. 1、 1． 第一，
    (3, re.compile(r"[（(]\s*\d{1,2}\s*[)）]|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]")),  # （1） ①
    (4, re.compile(rf"{_CN}{{1,2}}(?:是|要)")),  # 一是… 二要…
)


class Span(NamedTuple):
    start: int  # offsets into the text given to split_sentences
    end: int


class Outline(NamedTuple):
    """An outline heading found at the start of a paragraph."""

    rank: int  # 0: 一、  1: （一）  2: 1. / 第一，  3: （1） / ①  4: 一是 / 一要
    heading: str  # the heading text (whole short paragraph, or the first sentence, shortened)
    length: int  # how many characters of the stripped paragraph the heading covers


class _Unit(NamedTuple):
    """A sentence (or a piece of an over-long one) as the packer sees it."""

    start: int
    end: int
    para_end: bool  # last unit of its paragraph
    heading: bool  # part of an outline heading: never the last unit of a chunk if avoidable
    rank: int | None  # outline rank, on the first unit of a heading paragraph only
    path: str  # outline heading path the unit sits under, "" if none


class _Range(NamedTuple):
    first: int  # first unit, overlap included
    own: int  # first unit not already in the previous chunk
    end: int  # one past the last unit


# --------------------------------------------------------------------------- sentences


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _line_sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentences of the line text[start:end] (no newline inside), trimmed, empty ones dropped."""
    out: list[Span] = []
    s = start
    for m in _SENT_END_RE.finditer(text, start, end):
        span = _trim(text, s, m.end())
        if span.end > span.start:
            out.append(span)
        s = m.end()
    span = _trim(text, s, end)
    if span.end > span.start:
        out.append(span)
    return out


def _lines(text: str) -> list[Span]:
    """Every line of text, without its newline (blank lines included)."""
    out: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        out.append(Span(pos, pos + len(line)))
        pos += len(line) + 1
    return out


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``: ends after 。！？；!?; and ellipses (…, ……, ...), closing quotes and
    brackets staying with their sentence; a newline always ends a sentence. Spans are trimmed of
    surrounding whitespace and never empty."""
    return [s for line in _lines(text) for s in _line_sentences(text, line.start, line.end)]


# --------------------------------------------------------------------------- outline headings


def _shorten_heading(heading: str) -> str:
    """A heading sentence longer than HEADING_MAX_CHARS, cut at its last clause mark that fits."""
    if len(heading) <= HEADING_MAX_CHARS:
        return heading
    cuts = [m.start() for m in _HEADING_CUT_RE.finditer(heading, 0, HEADING_MAX_CHARS)]
    return heading[: cuts[-1]] if cuts and cuts[-1] >= 4 else heading[:HEADING_MAX_CHARS]


def outline(line: str) -> Outline | None:
    """The outline heading a paragraph starts with, with its rank, or None."""
    s = line.strip().split("\n", 1)[0].rstrip()  # a paragraph is one line
    if not s:
        return None
    rank = next((r for r, pattern in _MARKERS if pattern.match(s)), None)
    if rank is None:
        return None
    if len(s) <= HEADING_MAX_CHARS:
        return Outline(rank, s, len(s))
    first = _line_sentences(s, 0, len(s))[0]
    return Outline(rank, _shorten_heading(s[: first.end]), first.end)


# --------------------------------------------------------------------------- units


def _split_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """An over-long sentence in pieces of <= max_chars, cut after the last comma or 、 in the latter two
    thirds of each window, else hard at max_chars."""
    out: list[Span] = []
    s, e = span
    while e - s > max_chars:
        window = text[s : s + max_chars]
        k = max(window.rfind(c) for c in _CLAUSE_MARKS)
        cut = s + k + 1 if k + 1 >= max_chars // 3 else s + max_chars
        piece = _trim(text, s, cut)
        if piece.end > piece.start:
            out.append(piece)
        s = _trim(text, cut, e).start
    if e > s:
        out.append(Span(s, e))
    return out


def _units(text: str, max_chars: int) -> list[_Unit]:
    units: list[_Unit] = []
    stack: list[tuple[int, str]] = []  # open outline headings, by rank
    for line in _lines(text):
        sentences = _line_sentences(text, line.start, line.end)
        if not sentences:
            continue
        para_start = sentences[0].start
        found = outline(text[para_start : sentences[-1].end])
        if found:
            stack = [(r, h) for r, h in stack if r < found.rank]
            stack.append((found.rank, found.heading))
        path = " / ".join(h for _, h in stack)
        heading_end = para_start + found.length if found else para_start
        if found and found.rank >= POINT_RANK and heading_end < sentences[-1].end:
            # A point that opens a running paragraph (``一是…。…``) covers that paragraph only; one that
            # stands alone on its line heads the paragraphs after it.
            stack.pop()
        pieces = [p for s in sentences for p in _split_long(text, s, max_chars)]
        for i, p in enumerate(pieces):
            units.append(
                _Unit(
                    start=p.start,
                    end=p.end,
                    para_end=i == len(pieces) - 1,
                    heading=p.start < heading_end,
                    rank=found.rank if found and i == 0 else None,
                    path=path,
                )
            )
    return units


# --------------------------------------------------------------------------- packing


def _pack(units: list[_Unit], target: int, min_chars: int, max_chars: int, overlap: int) -> list[_Range]:
    """Greedy packing of units into chunk ranges (see chunk_speech for the rules)."""
    soft_max = min(max_chars, max(min_chars, round(target * SOFT_MAX_FACTOR)))
    max_overlap = round(target * MAX_OVERLAP_FACTOR)
    ranks = [u.rank for u in units if u.rank is not None]
    top_rank = min(ranks) if ranks else None
    n = len(units)

    def size(a: int, b: int) -> int:  # characters spanned by units a..b-1
        return units[b - 1].end - units[a].start

    def discretionary_ok(first: int, own: int, cut: int) -> bool:
        # A cut by choice (not forced by max_chars) needs a full chunk with some new text in it.
        return size(first, cut) >= min_chars and size(own, cut) >= TINY_TAIL_CHARS

    ranges: list[_Range] = []
    pos = 0
    while pos < n:
        first = pos
        if ranges and overlap > 0:
            cand = max(ranges[-1].first, pos - overlap)
            if size(cand, pos) <= max_overlap and size(cand, pos + 1) <= max_chars:
                first = cand
        j = pos + 1  # the first new unit always goes in (units are <= max_chars)
        reason = ""
        while j < n:
            if size(first, j + 1) > max_chars:
                reason = "max"
                break
            if top_rank is not None and units[j].rank == top_rank and discretionary_ok(first, pos, j):
                reason = "heading"
                break
            if size(first, j + 1) > soft_max and discretionary_ok(first, pos, j):
                reason = "soft"
                break
            j += 1
        cut = j
        if reason in ("max", "soft"):
            # Prefer the latest paragraph end that still leaves a full chunk.
            cut = next(
                (
                    k + 1
                    for k in range(j - 1, pos - 1, -1)
                    if units[k].para_end and not units[k].heading and discretionary_ok(first, pos, k + 1)
                ),
                j,
            )
            if reason == "soft" and cut == j and not units[j - 1].para_end:
                # No paragraph end to go back to: rather run on to the end of this paragraph (within
                # max_chars) than leave its short remainder to open the next chunk.
                k = j
                while not units[k].para_end:
                    k += 1
                if size(first, k + 1) <= max_chars and size(j, k + 1) < min_chars:
                    cut = k + 1
            # Keep a heading with the text it introduces.
            while cut - 1 > pos and units[cut - 1].heading and size(first, cut - 1) >= min_chars:
                cut -= 1
        ranges.append(_Range(first, pos, cut))
        pos = cut
    return ranges


def _merge_small(units: list[_Unit], ranges: list[_Range], min_chars: int, max_chars: int) -> list[_Range]:
    """Fold chunks that came out too small (a forced cut before a very long sentence; a tiny tail) into a
    neighbour when the result stays within max_chars."""

    def size(r: _Range) -> int:
        return units[r.end - 1].end - units[r.first].start

    out = list(ranges)
    i = 0
    while i < len(out) - 1:  # the last chunk may be short; only a tiny tail is folded (below)
        if size(out[i]) >= min_chars:
            i += 1
            continue
        if i > 0 and size(_Range(out[i - 1].first, 0, out[i].end)) <= max_chars:
            out[i - 1] = _Range(out[i - 1].first, out[i - 1].own, out[i].end)
            del out[i]
        elif size(_Range(out[i].first, 0, out[i + 1].end)) <= max_chars:
            out[i] = _Range(out[i].first, out[i].own, out[i + 1].end)
            del out[i + 1]
        else:
            i += 1
    if len(out) >= 2:
        prev, last = out[-2], out[-1]
        new_chars = units[last.end - 1].end - units[prev.end - 1].end
        if new_chars < TINY_TAIL_CHARS and units[last.end - 1].end - units[prev.first].start <= max_chars:
            out[-2:] = [_Range(prev.first, prev.own, last.end)]
    return out


def _heading_of(units: list[_Unit], r: _Range) -> str:
    """The heading path under which most of the chunk's new text sits (the earliest on a tie)."""
    chars: dict[str, int] = {}
    for u in units[r.own : r.end]:
        chars[u.path] = chars.get(u.path, 0) + u.end - u.start
    return max(chars, key=chars.__getitem__)


def chunk_speech(
    speech_id: str,
    text: str,
    norm: str,
    target: int = 250,
    min_chars: int = 150,
    max_chars: int = 600,
    overlap_sentences: int = 1,
) -> list[Chunk]:
    """Cut one speech into chunks of whole sentences.

    Rules, in order: a chunk never exceeds ``max_chars`` (only a sentence longer than that is split, at a
    comma or hard); a new top-level outline heading starts a new chunk once the current one has
    ``min_chars``; past ``target * 1.4`` characters the chunk is cut, at its latest paragraph end that
    leaves ``min_chars``, else at the end of the current paragraph when its remainder is short (under
    ``min_chars``) and fits, else at the sentence boundary; a heading stays with the text after it. Each
    chunk starts with the last ``overlap_sentences`` sentence(s) of the previous one when they are short
    (<= target / 2) and fit. A chunk below ``min_chars`` (a forced cut) or a tiny tail is folded into a
    neighbour when that stays within ``max_chars``. ``heading`` is the outline path the chunk's new text
    sits under. Empty text gives [], a short speech one chunk.
    """
    if len(norm) != len(text):
        raise ValueError(
            f"chunk_speech({speech_id!r}): text has {len(text)} characters but norm has {len(norm)}; "
            "norm must be the length-preserving normalisation of text (jianggao.indexer.normalize.normalize)"
        )
    if not 0 < min_chars <= target <= max_chars:
        raise ValueError(
            f"chunk_speech({speech_id!r}): need 0 < min_chars <= target <= max_chars, "
            f"got min_chars={min_chars}, target={target}, max_chars={max_chars}"
        )
    if overlap_sentences < 0:
        raise ValueError(f"chunk_speech({speech_id!r}): overlap_sentences must be >= 0, got {overlap_sentences}")

    units = _units(text, max_chars)
    if not units:
        return []
    ranges = _merge_small(units, _pack(units, target, min_chars, max_chars, overlap_sentences), min_chars, max_chars)
    chunks = []
    for order, r in enumerate(ranges):
        start, end = units[r.first].start, units[r.end - 1].end
        chunks.append(
            Chunk(
                id=f"{speech_id}:{order}",
                speech_id=speech_id,
                order=order,
                start=start,
                end=end,
                text=text[start:end],
                norm=norm[start:end],
                heading=_heading_of(units, r),
            )
        )
    log.debug("speech %s: %d characters -> %d chunks", speech_id, len(text), len(chunks))
    return chunks
