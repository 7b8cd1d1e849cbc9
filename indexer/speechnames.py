"""What names a speech: its identity values, and the runs of a question that name it (the data of self-query).

The matching rules are explained in ``jianggao.qa.selfquery`` (which uses this module): a value is named by a run
it *starts* with (紫阳 names 紫阳县, 2014 the date 2014-06-01), a meeting by a run of ``MEETING_MIN_CHARS`` or more
characters anywhere in it. They live here, in the indexer, because the runs that name each speech are computed
once when its segment is written (``jianggao.indexer.metadb``) instead of from every speech of the library each
time a library is opened: at a million passages that was reading ~50k speeches and POS-tagging their titles at
every start-up. A flat library stores its speeches' identities in the same spirit (``write_names``, end of this
module). Pure, except ``speech_identity`` (the project's jieba POS tagger) and the names file's I/O.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import NamedTuple

log = logging.getLogger(__name__)

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
# The longest question run looked up (jianggao.qa.selfquery.question_grams): no longer run needs storing.
MAX_GRAM = 10
# Stored runs are valid while these rules are unchanged; a segment written under other rules is read the old way
# (identities computed from its speeches when the library is opened).
RULES = f"names-1:{MAX_GRAM}:{MEETING_MIN_CHARS}:{','.join(HEAD_FIELDS)}"


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


def naming_runs(identity: Identity, max_gram: int = MAX_GRAM) -> set[str]:
    """Every run of up to ``max_gram`` characters that names a speech of this identity: each head's prefixes of
    2+ characters, each meeting's substrings of ``MEETING_MIN_CHARS``+ characters."""
    runs: set[str] = set()
    for v in identity.heads:
        runs.update(v[:n] for n in range(2, min(max_gram, len(v)) + 1))
    for v in identity.meetings:
        for n in range(MEETING_MIN_CHARS, min(max_gram, len(v)) + 1):
            runs.update(v[a:a + n] for a in range(len(v) - n + 1))
    return runs


def speech_identity(speech) -> Identity:
    """``identity_of`` with the project's POS tagger and normalisation (what retrieval uses)."""
    from jianggao.indexer.normalize import normalize
    from jianggao.indexer.segment import pos_tag

    return identity_of(speech, pos_tag, normalize)


# -- stored identities (a flat library's names.json) ---------------------------------------------------------
# A flat library (jianggao.indexer.store) stores each speech's identity in its version folder, so that opening it
# does not build jieba's POS tagger and tag every title again: ~1.5 s of each CLI search on the default library,
# more than the rest of the search once the model loads without torch. A save reuses the identities of the
# previous version for unchanged speeches, so an update tags only the new ones.
NAMES_FORMAT = 1


def identity_key(speech) -> str:
    """What an identity is computed from (the title and the identity fields), hashed."""
    meta = getattr(speech, "meta", None)
    fields = [getattr(meta, f, None) for f in (*HEAD_FIELDS, MEETING_FIELD)]
    raw = json.dumps([getattr(speech, "title", "") or "", [f if isinstance(f, str) else None for f in fields]],
                     ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def names_signature() -> str:
    """The rules, the domain dictionary and the jieba version: identities stored under others are recomputed."""
    from jianggao.indexer.config import package_version
    from jianggao.indexer.lexical import resources_signature

    return f"{RULES}|{resources_signature()}|jieba {package_version('jieba')}"


def read_names(path) -> dict[str, tuple[str, Identity]]:
    """speech id -> (identity key, identity) stored at ``path``; empty when missing, damaged or stored under other
    rules (the caller then computes them)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("format") != NAMES_FORMAT or data.get("signature") != names_signature():
            return {}
        return {sid: (str(key), Identity(tuple(heads), tuple(meetings)))
                for sid, (key, heads, meetings) in data["speeches"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        log.warning("ignoring stored speech names %s (%s)", path, e)
        return {}


def identities_for(speeches, stored: dict[str, tuple[str, Identity]]) -> dict[str, Identity]:
    """Each speech's identity: the stored one (read_names) where its key still matches, else computed
    (speech_identity)."""
    out: dict[str, Identity] = {}
    for s in speeches:
        found = stored.get(s.id)
        out[s.id] = found[1] if found is not None and found[0] == identity_key(s) else speech_identity(s)
    return out


def write_names(path, speeches, identities: dict[str, Identity]) -> None:
    """Store ``identities`` (one per speech) at ``path``, a file of a version folder being written."""
    data = {"format": NAMES_FORMAT, "signature": names_signature(),
            "speeches": {s.id: [identity_key(s), list(identities[s.id].heads), list(identities[s.id].meetings)]
                         for s in speeches}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
