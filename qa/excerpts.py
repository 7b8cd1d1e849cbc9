"""Excerpts of a speech to cite: its sentences and paragraphs, the range of sentences around a chosen one, the
choice of excerpts among scored candidates, and how an excerpt reads inside an answer. Pure.

Offsets are into the speech's displayed text, so every citation is exactly ``speech.text[start:end]``.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

from jianggao.indexer.chunking import Span, split_sentences

# A sentence shorter than this grows to its neighbour(s) in the same paragraph: a clause holding a bare figure
# is only checkable, and readable, with the sentence around it.
MIN_EXCERPT_CHARS = 40
MAX_EXCERPT_CHARS = 300
MAX_CITATIONS = 3
# Another sentence becomes a citation too when it scores within this margin of the best one: with a small
# embedding model the sentence that holds the answer is often second or third by a hair.
CITATION_MARGIN = 0.1
_COLONS = "：:"
_END_PUNCT = "。；;，,：:！!？?…"


class Layout(NamedTuple):
    """A speech cut into sentences and paragraphs (lines); offsets into its text."""

    sentences: list[Span]
    paragraphs: list[Span]
    para_of: list[int]  # for each sentence, the index of its paragraph


class Candidate(NamedTuple):
    """A sentence near a retrieved passage, as the scorer sees it."""

    speech_id: str
    index: int  # position in the speech's sentence list
    chunk: int  # store position of the best-ranked retrieved passage holding it
    rank: int  # that passage's best retrieval rank, from 1
    row: int = -1  # its row in the store's sentence vectors (-1: none stored; the passage vector stands in)


class Excerpt(NamedTuple):
    speech_id: str
    first: int  # sentence range [first, last) in the speech's layout
    last: int
    chunk: int
    score: float


def layout_of(text: str) -> Layout:
    """Sentences and paragraphs (lines, newline excluded) of a speech text."""
    sentences = split_sentences(text)
    paragraphs: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        paragraphs.append(Span(pos, pos + len(line)))
        pos += len(line) + 1
    return Layout(sentences, paragraphs, [paragraph_of(paragraphs, s.start) for s in sentences])


def paragraph_of(paragraphs: Sequence[Span], pos: int) -> int:
    """Index of the paragraph that holds offset ``pos`` (paragraphs sorted and disjoint)."""
    lo, hi = 0, len(paragraphs) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if paragraphs[mid].start <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def excerpt_range(
    text: str,
    layout: Layout,
    i: int,
    scores: dict[int, float] | None = None,
    min_chars: int = MIN_EXCERPT_CHARS,
    max_chars: int = MAX_EXCERPT_CHARS,
) -> tuple[int, int]:
    """Sentences [a, b) of the excerpt around sentence ``i`` of ``text``: the sentence alone, or grown within
    its paragraph while shorter than ``min_chars`` (towards the better-scoring neighbour, the next one on a
    tie), and always past a last sentence ending in a colon, which announces what follows. Growing stops
    before the excerpt would pass ``max_chars``."""
    sents, para = layout.sentences, layout.para_of
    scores = scores or {}
    a, b = i, i + 1

    def span_len(x: int, y: int) -> int:
        return sents[y - 1].end - sents[x].start

    def same_paragraph(j: int) -> bool:
        return 0 <= j < len(sents) and para[j] == para[i]

    while span_len(a, b) < min_chars:
        options = []
        if same_paragraph(b) and span_len(a, b + 1) <= max_chars:
            options.append((scores.get(b, 0.0), 1))
        if same_paragraph(a - 1) and span_len(a - 1, b) <= max_chars:
            options.append((scores.get(a - 1, 0.0), 0))
        if not options:
            break
        if max(options)[1] == 1:
            b += 1
        else:
            a -= 1
    # A sentence ending in a colon announces what follows, usually on the next line ("以下几点：\n一是…"):
    # take that too, even across the paragraph break.
    while b < len(sents) and text[sents[b - 1].end - 1] in _COLONS and span_len(a, b + 1) <= max_chars:
        b += 1
    return a, b


def select_excerpts(
    ranked: Sequence[tuple[Candidate, float]],
    layouts: dict[str, Layout],
    texts: dict[str, str],
    max_citations: int = MAX_CITATIONS,
    margin: float = CITATION_MARGIN,
) -> list[Excerpt]:
    """The excerpts to cite, from candidates sorted best first: the best one, then others scoring within
    ``margin`` of it, skipping any that overlap or touch an excerpt already taken or say its words again (a copy
    of the speech). In reading order: speeches in the order of their best excerpt, and by position within a
    speech."""
    if not ranked:
        return []
    best = ranked[0][1]
    scores_by_speech: dict[str, dict[int, float]] = {}
    for cand, s in ranked:
        scores_by_speech.setdefault(cand.speech_id, {})[cand.index] = s
    taken: list[Excerpt] = []
    said: set[str] = set()  # the words of the excerpts taken (punctuation aside)
    for cand, s in ranked:
        if len(taken) >= max_citations or s < best - margin:
            break
        if any(e.speech_id == cand.speech_id and e.first - 1 <= cand.index <= e.last for e in taken):
            continue  # inside or right next to an excerpt already taken: it adds nothing new
        a, b = excerpt_range(texts[cand.speech_id], layouts[cand.speech_id], cand.index,
                             scores_by_speech[cand.speech_id])
        if any(e.speech_id == cand.speech_id and a < e.last and e.first < b for e in taken):
            continue
        words = _words(_range_text(texts[cand.speech_id], layouts[cand.speech_id], a, b))
        if words in said:
            continue  # the same words in a copy of a speech already cited: nothing new
        said.add(words)
        taken.append(Excerpt(cand.speech_id, a, b, cand.chunk, float(s)))
    order = list(dict.fromkeys(e.speech_id for e in taken))
    return sorted(taken, key=lambda e: (order.index(e.speech_id), e.first))


def _range_text(text: str, layout: Layout, a: int, b: int) -> str:
    return text[layout.sentences[a].start:layout.sentences[b - 1].end]


def _words(text: str) -> str:
    """The text without punctuation and spaces (copies of a speech on template sites differ in those)."""
    return "".join(ch for ch in text if ch.isalnum())


def with_marker(excerpt: str, n: int) -> str:
    """The excerpt as a sentence of the answer: its marker before the closing punctuation, which becomes 。
    (a clause cut at ；or ，reads as a full stop in a list of excerpts)."""
    body = " ".join(excerpt.split())  # no line breaks inside the answer text
    end = len(body)
    while end > 0 and body[end - 1] in _END_PUNCT:
        end -= 1
    closing = body[end:]
    stop = "。" if not closing or closing[-1] not in "！!？?…" else closing
    return f"{body[:end]}[{n}]{stop}"


