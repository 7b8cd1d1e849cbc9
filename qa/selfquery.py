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
from typing import Iterable, Mapping, Protocol

# The identity values and the runs that name them are computed by the indexer (stored per segment of a large
# library); the rules are the ones described above and are re-exported here.
from jianggao.indexer.speechnames import (  # noqa: F401
    HEAD_FIELDS, MAX_GRAM, MEETING_FIELD, MEETING_MIN_CHARS, Identity, identity_of, naming_runs,
)
from jianggao.qa.question import is_place_name

_RUN = re.compile(r"[0-9]{4}|[\u3400-\u9fff\uf900-\ufaff]{2,}")
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


class Names(Protocol):
    """What ``named_speeches`` reads: the number of speeches, and the speeches each run names."""

    size: int

    def lookup(self, grams: Iterable[str], at_most: int) -> dict[str, frozenset[str] | None]:
        """For each gram naming 1..``at_most`` speeches, their ids; None for a gram naming more (the holders of
        such a run are never needed, only that there are too many); grams naming none are left out."""
        ...


class NameIndex:
    """Every run that names some speech (``names``, for runs of up to ``MAX_GRAM`` characters, the longest a
    question run can be) -> the ids of the speeches it names. Built once per library, so that reading a question
    costs one look-up per run of the question, whatever the number of speeches. (A segmented library stores
    these runs per segment instead: jianggao.indexer.segmented.SegmentNames.)"""

    def __init__(self, identities: Mapping[str, Identity], max_gram: int = MAX_GRAM):
        runs: dict[str, set[str]] = {}
        for sid, ident in identities.items():
            for g in naming_runs(ident, max_gram):
                runs.setdefault(g, set()).add(sid)
        self.runs = {g: frozenset(ids) for g, ids in runs.items()}
        self.size = len(identities)

    def named_by(self, gram: str) -> frozenset[str]:
        return self.runs.get(gram, frozenset())

    def lookup(self, grams: Iterable[str], at_most: int) -> dict[str, frozenset[str] | None]:
        out: dict[str, frozenset[str] | None] = {}
        for g in grams:
            holders = self.runs.get(g)
            if holders:
                out[g] = holders if len(holders) <= at_most else None
        return out


_SENTENCE_END = re.compile(r"[。！？!?；;]")


def is_passage(query: str) -> bool:
    """Whether ``query`` is a pasted passage (several sentences) rather than a question: the places and bodies a
    passage names are what it talks about, not a speech it asks about, so it names no speech."""
    return bool(_SENTENCE_END.search(query.strip().rstrip("。！？!?；; ")))


def runs_naming(question: str, index: Names, max_share: float = MAX_SHARE) -> dict[str, str]:
    """speech id -> the longest distinctive run of the question that names it. Empty when the question names no
    speech."""
    if index.size < 2 or is_passage(question):
        return {}
    limit = max(1, int(max_share * index.size))
    best: dict[str, str] = {}
    for g, holders in index.lookup(question_grams(question), limit).items():
        if holders is None:  # names more than ``limit`` speeches: does not tell them apart
            continue
        for sid in holders:
            # equal lengths: the same run in every process (the grams come in hash order)
            if (len(g), g) > (len(best.get(sid, "")), best.get(sid, "")):
                best[sid] = g
    return best


def named_speeches(question: str, index: Names, max_share: float = MAX_SHARE) -> dict[str, float]:
    """speech id -> match strength in (0, 1] for the speeches that a distinctive run of the question names
    (strength: the longest such run's length over the longest found for any speech, so "上海市" beats "上海").
    Empty when the question names no speech."""
    return naming_strengths(runs_naming(question, index, max_share))


def naming_strengths(runs: Mapping[str, str]) -> dict[str, float]:
    """speech id -> strength in (0, 1] from ``runs_naming``'s runs: the run's length over the longest run's."""
    if not runs:
        return {}
    top = max(len(g) for g in runs.values())
    return {sid: len(g) / top for sid, g in runs.items()}


def strongest_naming(runs: dict[str, str]) -> tuple[set[str], str]:
    """The speeches named by the longest run (the speech the question is about when it names one) and that run;
    (set(), "") when the question names none."""
    if not runs:
        return set(), ""
    top = max(runs.values(), key=lambda g: (len(g), g))  # equal lengths: the same run on every run of the process
    return {sid for sid, g in runs.items() if len(g) == len(top)}, top


def strongest_proper_naming(runs: dict[str, str], tag=None) -> tuple[set[str], str]:
    """``strongest_naming`` over the runs that are proper names (``is_proper_naming``): the speech the answer must
    come from. A longer common word that some speeches' identity starts with (自治区, 教育局) does not hide the
    place the question names. Pure apart from ``tag``."""
    proper = {g: is_proper_naming(g, tag) for g in set(runs.values())}  # a run names many speeches: tag it once
    return strongest_naming({sid: g for sid, g in runs.items() if proper[g]})


# jieba's tags of common words: nouns, verbs, adjectives, adverbs, place and time words, function words. Anything
# else (ns, nr, nt, nz, an unknown word x, a name jieba mistakes for an idiom i) may be a proper name.
_COMMON_TAGS = frozenset({"n", "vn", "v", "vd", "a", "ad", "an", "d", "f", "s", "t", "m", "q", "r", "p", "c", "u",
                          "uj", "ul", "uz", "ud", "ug", "uv", "zg"})


def is_proper_naming(run: str, tag=None) -> bool:
    """Whether a naming run is a proper name that pins one speech (a year, a place with its suffix, a person, an
    organisation's name, a meeting's distinctive part), rather than a common word that some speeches' identity
    values start with (教育 of 县教育局, 教育局, 自治区: every county has one; a question about them asks about a
    kind of body, not about one speech). Common words still boost those speeches at retrieval; only a proper
    name makes the answer come from the named speech. Pure apart from ``tag`` (text -> [(word, POS flag)])."""
    if not run:
        return False
    if run.isdigit() or len(run) >= MEETING_MIN_CHARS:
        return True
    if tag is None:
        return is_place_name(run) and len(run) >= 3
    return any(f not in _COMMON_TAGS for _, f in tag(run))

