"""What the front end says about a speech: its metadata fields, a label that tells it apart from the others
shown beside it, and where an excerpt sits in it. Pure functions over speech records (no gradio, no engine).

Metadata fields are read by name (``SpeechMeta`` per the identity contract: place, body, speaker, role, date,
meeting, ...); any of them may be missing or empty, and then shows as "".
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from jianggao.indexer.identity import speech_label

SEPARATOR = " · "  # as in speech_label's labels
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


def meta_value(speech: Any, name: str) -> str:
    """One metadata field of a speech as text; "" when unknown."""
    value = getattr(getattr(speech, "meta", None), name, None)
    return str(value).strip() if value else ""


def place_of(speech: Any) -> str:
    """Where the speech was given or who gave it: its place, else the speaking body."""
    return meta_value(speech, "place") or meta_value(speech, "body")


def year_of(date: str | None) -> str:
    """The year of a date as written ("2016年02月26日", "2025-01", "2025"); "" when there is none."""
    m = _YEAR.search(date or "")
    return m.group(0) if m else ""


def distinct_labels(speeches: Iterable[Any]) -> dict[str, str]:
    """speech id -> a label unique among ``speeches``: ``speech_label``, and where two would still read the
    same, the source file, then the speech's place in that file (several speeches of one page)."""
    speeches = list(speeches)
    labels = {s.id: speech_label(s) or s.id for s in speeches}

    def clashing() -> set[str]:
        seen: dict[str, list[str]] = {}
        for sid, label in labels.items():
            seen.setdefault(label, []).append(sid)
        return {sid for ids in seen.values() if len(ids) > 1 for sid in ids}

    by_id = {s.id: s for s in speeches}
    for extra in (lambda s: getattr(s, "source", ""), lambda s: f"第 {getattr(s, 'order', 0) + 1} 篇",
                  lambda s: s.id):
        clash = clashing()
        if not clash:
            break
        for sid in clash:
            labels[sid] = f"{labels[sid]}{SEPARATOR}{extra(by_id[sid])}"
    return labels


def paragraph_number(text: str, start: int) -> int:
    """The 1-based number of the paragraph (non-empty line) holding offset ``start``."""
    before = text[: max(0, start)].split("\n")
    return sum(1 for line in before[:-1] if line.strip()) + 1


def position_text(text: str, start: int, end: int) -> str:
    """Where an excerpt sits in its speech, for a reader: "第 3 段，第 120–180 字"."""
    return f"第 {paragraph_number(text, start)} 段，第 {start + 1}–{end} 字"
