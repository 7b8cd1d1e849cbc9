"""Self-query: the speech a question names. A year, place, speaker or meeting that the question mentions and
that tells some speeches apart (it is in their identity line: title, year, place, speaker, meeting) marks
those speeches; retrieval then boosts their passages (a soft filter: others still compete).

General matching, no lists: every run of 2+ characters of the question is looked up in the identity lines,
and kept when it is distinctive (found in some speeches but not in most of them, so a phrase that every
title holds, such as the kind of document, says nothing). Pure.
"""
from __future__ import annotations

import re
from typing import Mapping

_ORG_TAIL = re.compile(r"(?:人民政府|政府|人民代表大会|人大|委员会|党委)$")
_TITLE_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
IDENTITY_FIELDS = ("date", "place", "body", "speaker", "role", "meeting")


def identity_line(speech, tag=None) -> str:
    """What self-query matches a question against: the speech's identity fields (SpeechMeta; read
    by name, any may be missing) and the years and place names of its title (``tag``: text -> [(word, POS)],
    places are jieba's "ns"), not the title's topic words (a question about a topic is not a question about the
    speech whose title names that topic)."""
    parts = []
    meta = getattr(speech, "meta", None)
    for name in IDENTITY_FIELDS:
        v = getattr(meta, name, None)
        if isinstance(v, str) and v.strip():
            parts.append(v.strip())
    title = getattr(speech, "title", "") or ""
    parts += _TITLE_YEAR.findall(title)
    if tag is not None:
        for w, f in tag(title):
            if f == "nt":  # an organisation named after its place: 某市人民政府 -> 某市
                w, f = _ORG_TAIL.sub("", w), "ns"
            if f == "ns" and len(w) >= 2:
                parts.append(w)
    return " ".join(dict.fromkeys(parts))


_RUN = re.compile(r"[0-9]{4}|[\u3400-\u9fff\uf900-\ufaff]{2,}")
MAX_GRAM = 10
# A string found in more than this share of the speeches' identity lines does not tell them apart.
MAX_SHARE = 0.5


def question_grams(question: str, max_gram: int = MAX_GRAM) -> set[str]:
    """Substrings of 2..max_gram characters of the question's Chinese runs, and its 4-digit numbers (years)."""
    out: set[str] = set()
    for m in _RUN.finditer(question):
        run = m.group()
        if run.isdigit():
            out.add(run)
            continue
        for n in range(2, min(max_gram, len(run)) + 1):
            out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def named_speeches(question: str, identities: Mapping[str, str], max_share: float = MAX_SHARE) -> dict[str, float]:
    """speech id -> match strength in (0, 1] for the speeches whose identity line holds a distinctive string of
    the question (strength: the longest such string's length over the longest found for any speech, so
    "上海市" beats "上海" and "海市"). Empty when the question names no speech."""
    n = len(identities)
    if n < 2:
        return {}
    limit = max(1, int(max_share * n))
    best: dict[str, int] = {}
    for g in question_grams(question):
        holders = [sid for sid, ident in identities.items() if g in ident]
        if not holders or len(holders) > limit:
            continue
        for sid in holders:
            best[sid] = max(best.get(sid, 0), len(g))
    if not best:
        return {}
    top = max(best.values())
    return {sid: length / top for sid, length in best.items()}
