"""Self-query: the speech a question names. A year, place, speaker, organisation or meeting that the question
mentions and that tells some speeches apart marks those speeches; retrieval then ranks their passages higher
(a soft filter: others still compete).

General matching, no lists: every run of 2+ characters of the question is compared with the speech's identity
values (the fields of its SpeechMeta, the years and place names of its title). A run names a value when the
value *starts* with it (紫阳 names 紫阳县, 2014 names the date 2014-06-01, 龚正 names the speaker 龚正): a place, a
person or an organisation is said by its head, while a run found inside a value is usually a topic word that the
value happens to hold (教育 inside 县教育局, 防火 inside 全县森林防火工作会议). Meetings are the exception:
their names open with a scope word (全县, 全国) and are cited by their distinctive middle part, so a meeting is
named by a run of ``MEETING_MIN_CHARS`` or more characters found anywhere in it. A run kept must also be distinctive: named
by some speeches but not by most of them. Pure.
"""
from __future__ import annotations

import re
from typing import Mapping, NamedTuple

_ORG_TAIL = re.compile(r"(?:人民政府|政府|人民代表大会|人大|委员会|党委)$")
_TITLE_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
# Fields matched on their head (prefix); the date is "YYYY[-MM[-DD]]", so a year names it.
HEAD_FIELDS = ("date", "place", "body", "speaker", "role")
MEETING_FIELD = "meeting"
# A meeting name such as 全县森林防火工作会议 holds short topic words (防火, 森林防火) that questions about the topic
# use too; a longer run (防火工作会议, 第十六届人民代表大会) refers to the meeting itself. Measured (hybrid MRR@10,
# in-process, self-query weight 4): 3 lowers the seed set (0.820 against 0.899; hit@5 0.867 against 0.967), 4, 5,
# 6 and "never" (99) are equal on both sets; 5 sits inside that plateau.
MEETING_MIN_CHARS = 5


class Identity(NamedTuple):
    """What self-query matches a question against, for one speech (all text normalised like a query)."""

    heads: tuple[str, ...]  # values named by their beginning: year/date, place, body, speaker, role, title places
    meetings: tuple[str, ...] = ()  # values named by a long enough run anywhere in them


def identity_of(speech, tag=None, norm=lambda s: s) -> Identity:
    """The speech's identity values: its SpeechMeta fields (read by name; any may be missing) and the years and
    place names of its title (``tag``: text -> [(word, POS)], places are jieba's "ns"; an organisation named
    after its place, 某市人民政府, gives 某市), not the title's topic words (a question about a topic is not a
    question about the speech whose title names that topic). ``norm`` normalises each value."""
    heads: list[str] = []
    meta = getattr(speech, "meta", None)
    for name in HEAD_FIELDS:
        v = getattr(meta, name, None)
        if isinstance(v, str) and v.strip():
            heads.append(v.strip())
    title = getattr(speech, "title", "") or ""
    heads += _TITLE_YEAR.findall(title)
    if tag is not None:
        for w, f in tag(title):
            if f == "nt":
                w, f = _ORG_TAIL.sub("", w), "ns"
            if f == "ns" and len(w) >= 2:
                heads.append(w)
    m = getattr(meta, MEETING_FIELD, None)
    meetings = [m.strip()] if isinstance(m, str) and m.strip() else []
    clean = lambda vs: tuple(dict.fromkeys(x for x in (norm(v) for v in vs) if x))  # noqa: E731
    return Identity(clean(heads), clean(meetings))


_RUN = re.compile(r"[0-9]{4}|[\u3400-\u9fff\uf900-\ufaff]{2,}")
MAX_GRAM = 10
# A run that names more than this share of the speeches does not tell them apart.
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


def names(gram: str, identity: Identity) -> bool:
    """Whether ``gram`` (a run of the question) names a speech of this identity (see the module docstring)."""
    if any(v.startswith(gram) for v in identity.heads):
        return True
    return len(gram) >= MEETING_MIN_CHARS and any(gram in v for v in identity.meetings)


class NameIndex:
    """Every run that names some speech (``names``, for runs of up to ``MAX_GRAM`` characters, the longest a
    question run can be) -> the ids of the speeches it names. Built once per library, so that reading a question
    costs one look-up per run of the question, whatever the number of speeches."""

    def __init__(self, identities: Mapping[str, Identity], max_gram: int = MAX_GRAM):
        runs: dict[str, set[str]] = {}
        for sid, ident in identities.items():
            for v in ident.heads:
                for n in range(2, min(max_gram, len(v)) + 1):
                    runs.setdefault(v[:n], set()).add(sid)
            for v in ident.meetings:
                for n in range(MEETING_MIN_CHARS, min(max_gram, len(v)) + 1):
                    for a in range(len(v) - n + 1):
                        runs.setdefault(v[a:a + n], set()).add(sid)
        self.runs = {g: frozenset(ids) for g, ids in runs.items()}
        self.size = len(identities)

    def named_by(self, gram: str) -> frozenset[str]:
        return self.runs.get(gram, frozenset())


_SENTENCE_END = re.compile(r"[。！？!?；;]")


def is_passage(query: str) -> bool:
    """Whether ``query`` is a pasted passage (several sentences) rather than a question: the places and bodies a
    passage names are what it talks about, not a speech it asks about, so it names no speech."""
    return bool(_SENTENCE_END.search(query.strip().rstrip("。！？!?；; ")))


def named_speeches(question: str, index: NameIndex, max_share: float = MAX_SHARE) -> dict[str, float]:
    """speech id -> match strength in (0, 1] for the speeches that a distinctive run of the question names
    (strength: the longest such run's length over the longest found for any speech, so "上海市" beats "上海").
    Empty when the question names no speech."""
    if index.size < 2 or is_passage(question):
        return {}
    limit = max(1, int(max_share * index.size))
    best: dict[str, int] = {}
    for g in question_grams(question):
        holders = index.named_by(g)
        if not holders or len(holders) > limit:
            continue
        for sid in holders:
            best[sid] = max(best.get(sid, 0), len(g))
    if not best:
        return {}
    top = max(best.values())
    return {sid: length / top for sid, length in best.items()}
