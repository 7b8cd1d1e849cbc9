"""Compare how the speeches treat one topic.

1. Deep retrieval: the topic's top ``DEPTH`` passages (hybrid by default), before duplicate collapse.
2. Evidence per speech: copies of a speech (``Speech.canonical_id``) are folded into their canonical one and
   count once; a passage and its near-duplicates count once. A speech's score is the sum of its best passage
   scores with diminishing weights (1, 1/2, 1/4, ...): several relevant passages beat one, but a long
   speech cannot win by volume alone. Scores are shown relative to the best speech (1.0).
3. For each of the top speeches: title, metadata, its most relevant passages (text and offsets, shown from
   the canonical speech where the copy's passage has a twin there), and TF-IDF keywords of the whole speech
   (jieba.analyse over the normalised text, mapped back to the original script: normalisation keeps length,
   so a keyword found at an offset of ``norm`` reads at the same offset of ``text``).
4. Across speeches: ``shared_points`` groups selected passages of different speeches whose embeddings are
   close (single-link clusters above ``SHARED_SIMILARITY``), each shown as its most representative sentence
   with the speeches sharing it; ``distinctive`` lists, per speech, its selected passages close to no other
   speech's.

All cross-speech logic (aggregation, clustering) is pure over ids, scores and vectors; the store and the
encoder are only touched at the edges.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

import numpy as np

from jianggao.indexer.identity import speech_label
from jianggao.indexer.options import check_option
from jianggao.indexer.segment import keyword_extractor
from jianggao.qa.retrieval import MODES, Filters, Mode, validate_query

if TYPE_CHECKING:
    from jianggao.qa.retrieval import Retriever

log = logging.getLogger(__name__)

DEPTH = 200  # passages read per list for a topic
SPEECH_DECAY = 0.5  # weight of a speech's j-th best passage: SPEECH_DECAY ** j
SCORED_PASSAGES = 5  # passages per speech that count towards its score
MIN_RELATIVE_SCORE = 0.05  # speeches below this share of the best one's score do not treat the topic
# Cosine of stored passage vectors above which two passages of different speeches "say the same thing".
# The stored vectors embed the title and heading with the text, which lifts every pair a little; checked on
# the corpus: copies of one paragraph score > 0.95, same-topic passages in other words 0.85-0.92.
SHARED_SIMILARITY = 0.9
# Weight of embedding similarity next to keyword evidence in a passage's relevance (topic_relevance). Small:
# topics are short phrases, whose literal mentions are the evidence; the model adds related wording and
# ranks speeches that never use the words after those that do. Dev compare: speech_recall@10 1.0 at 0.1,
# 0.93 at 0.2-0.5.
W_DENSE = 0.1
KEYWORDS = 8
DEFAULT_MAX_SPEECHES = 10
DEFAULT_PASSAGES_PER_SPEECH = 3


@dataclass(frozen=True)
class Passage:
    text: str
    start: int  # offsets into the text of speech ``speech_id``
    end: int
    chunk_id: str
    speech_id: str = ""
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SpeechEvidence:
    speech_id: str
    title: str
    source: str
    score: float  # relative to the best speech of the comparison (1.0)
    passages: list[Passage]
    keywords: list[str]
    meta: dict[str, Any] = field(default_factory=dict)  # place, body, speaker, role, date, meeting, topics (known)
    copies: list[str] = field(default_factory=list)  # copies of this speech folded into it
    label: str = ""  # what tells this speech apart: "紫阳县 · 脱贫攻坚工作会议" (jianggao.indexer.identity)

    def to_json(self) -> dict[str, Any]:
        return {
            "speech_id": self.speech_id,
            "title": self.title,
            "label": self.label,
            "source": self.source,
            "score": round(self.score, 4),
            "meta": dict(self.meta),
            "copies": list(self.copies),
            "passages": [p.to_json() for p in self.passages],
            "keywords": list(self.keywords),
        }


@dataclass
class SharedPoint:
    text: str  # a representative sentence
    speeches: list[str]  # ids of the speeches that make the point
    passages: list[Passage]  # the passages that make it, one or more per speech

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "speeches": list(self.speeches), "passages": [p.to_json() for p in self.passages]}


@dataclass
class Comparison:
    topic: str
    speeches: list[SpeechEvidence]
    shared_points: list[SharedPoint]
    distinctive: dict[str, list[Passage]]  # speech id -> its passages close to no other speech's

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "speeches": [s.to_json() for s in self.speeches],
            "shared_points": [p.to_json() for p in self.shared_points],
            "distinctive": {sid: [p.to_json() for p in ps] for sid, ps in self.distinctive.items()},
        }


# -- pure core -----------------------------------------------------------------------------------------------
def speech_meta(speech) -> dict[str, Any]:
    """The identity fields a speech states (those known), read by name so older records work too."""
    meta = getattr(speech, "meta", None)
    keys = ("place", "body", "speaker", "role", "date", "meeting", "topics", "origin")
    out = {k: getattr(meta, k, None) for k in keys}
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in out.items() if v}


class SpeechScore(NamedTuple):
    speech_id: str  # canonical speech
    score: float
    docs: list[tuple[int, float]]  # its distinct passages (store position, score), best first


def aggregate(
    ranked: Sequence[tuple[int, float]],
    speech_of: Sequence[str],
    canonical: dict[str, str],
    dup_of: dict[int, set[int]],
    decay: float = SPEECH_DECAY,
    scored: int = SCORED_PASSAGES,
) -> list[SpeechScore]:
    """Speeches ranked by their passage evidence. ``ranked``: (passage, score) best first; ``speech_of[d]``:
    the speech of passage d; ``canonical``: copy id -> canonical id. A passage counts for the canonical
    speech, once per near-duplicate family. Score = sum over the best ``scored`` passages of
    ``decay ** j * score_j``. Ties keep the order in which speeches first appear. Pure."""
    groups: dict[str, list[tuple[int, float]]] = {}
    seen: dict[str, set[int]] = {}
    for d, s in ranked:
        sid = speech_of[d]
        canon = canonical.get(sid, sid)
        fam = seen.setdefault(canon, set())
        if d in fam:
            continue  # a copy of a passage already counted for this speech
        fam.add(d)
        fam.update(dup_of.get(d, ()))
        groups.setdefault(canon, []).append((d, s))
    out = []
    for canon, docs in groups.items():
        score = sum(decay ** j * s for j, (_, s) in enumerate(docs[:scored]))
        out.append(SpeechScore(canon, score, docs))
    first = {sid: i for i, sid in enumerate(groups)}
    return sorted(out, key=lambda x: (-x.score, first[x.speech_id]))


def cluster_points(vectors: np.ndarray, owners: Sequence[str], threshold: float = SHARED_SIMILARITY) -> list[list[int]]:
    """Groups of items (single-link: cosine >= threshold, only between different owners) that span at least
    two owners, largest first. ``vectors`` are unit rows. Pure."""
    n = len(owners)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if n:
        sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
        for i in range(n):
            for j in range(i + 1, n):
                if owners[i] != owners[j] and sims[i, j] >= threshold:
                    parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    multi = [g for g in groups.values() if len({owners[i] for i in g}) >= 2]
    return sorted(multi, key=lambda g: (-len({owners[i] for i in g}), g[0]))


def close_to_others(vectors: np.ndarray, owners: Sequence[str], threshold: float = SHARED_SIMILARITY) -> list[bool]:
    """For each item, whether some item of another owner is at cosine >= threshold. Pure."""
    n = len(owners)
    if not n:
        return []
    sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
    other = np.array([[owners[i] != owners[j] for j in range(n)] for i in range(n)])
    return [bool(((sims[i] >= threshold) & other[i]).any()) for i in range(n)]


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])}


def representative_sentence(texts: Sequence[str], main: int) -> tuple[int, int]:
    """Offsets, within ``texts[main]``, of its sentence sharing the most character bigrams with the other
    texts (the part of the passage the group has in common). Pure."""
    from jianggao.indexer.chunking import split_sentences

    spans = split_sentences(texts[main])
    if not spans:
        return 0, len(texts[main])
    others: set[str] = set()
    for i, t in enumerate(texts):
        if i != main:
            others |= _bigrams(t)
    best = max(spans, key=lambda s: (len(_bigrams(texts[main][s.start:s.end]) & others), -s.start))
    return best.start, best.end


def keywords_in_script(text: str, norm: str, words: Sequence[str]) -> list[str]:
    """Keywords found in ``norm`` shown as they read in ``text`` (same offsets: normalisation keeps length);
    a word not found stays as it is; repeats are dropped. Pure."""
    out: list[str] = []
    for w in words:
        i = norm.find(w)
        shown = text[i:i + len(w)] if i >= 0 else w
        if shown not in out:
            out.append(shown)
    return out


# -- keywords ------------------------------------------------------------------------------------------------
_keyword_cache: dict[tuple[str, int, int], list[str]] = {}
_KEYWORD_CACHE_SIZE = 10_000


def speech_keywords(speech, k: int = KEYWORDS) -> list[str]:
    """The speech's top TF-IDF words (no bare numbers), in its own script."""
    key = (speech.id, len(speech.text), hash(speech.text))
    found = _keyword_cache.get(key)
    if found is None:
        words = [w for w in keyword_extractor().extract_tags(speech.norm, topK=k * 2)
                 if not any(ch.isdigit() for ch in w) and len(w.strip()) >= 2]
        found = keywords_in_script(speech.text, speech.norm, words[:k])
        if len(_keyword_cache) >= _KEYWORD_CACHE_SIZE:
            _keyword_cache.clear()
        _keyword_cache[key] = found
    return list(found)


# -- the pipeline --------------------------------------------------------------------------------------------
def compare(
    retriever: "Retriever", topic: str, max_speeches: int = DEFAULT_MAX_SPEECHES,
    passages_per_speech: int = DEFAULT_PASSAGES_PER_SPEECH, mode: Mode = "hybrid", filters: Filters | None = None,
) -> Comparison:
    """How the speeches of the index treat ``topic``; see the module docstring."""
    return compare_batch(retriever, [topic], max_speeches, passages_per_speech, mode, filters)[0]


def compare_batch(
    retriever: "Retriever", topics: Sequence[str], max_speeches: int = DEFAULT_MAX_SPEECHES,
    passages_per_speech: int = DEFAULT_PASSAGES_PER_SPEECH, mode: Mode = "hybrid", filters: Filters | None = None,
) -> list[Comparison]:
    """``compare`` for several topics: one encoder call for all of them."""
    if isinstance(topics, str):
        raise TypeError("compare_batch takes a list of topics, not one string: wrap it as [topic]")
    check_option("mode", mode, MODES)
    for name, v in (("max_speeches", max_speeches), ("passages_per_speech", passages_per_speech)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    ts = [validate_query(t) for t in topics]
    if not ts:
        return []
    store = retriever.store
    ranked = passage_scores(retriever, ts, mode, filters)
    speech_of = [c.speech_id for c in store.chunks]
    canonical = {s.id: s.canonical_id for s in store.speeches if s.canonical_id}
    dup_of = {i: set(d) for i, d in enumerate(store.chunk_duplicates) if d}
    return [_compare_one(store, t, r, speech_of, canonical, dup_of, max_speeches, passages_per_speech)
            for t, r in zip(ts, ranked)]


def passage_scores(retriever: "Retriever", topics: list[str], mode: Mode, filters: Filters | None):
    """Per topic, (passage, relevance) best first over the top DEPTH passages of each list (topic_relevance)."""
    vectors = retriever.encode_queries(topics) if mode != "keyword" else None
    dense = (retriever.ranked_batch(topics, mode="dense", filters=filters, n=DEPTH, query_vectors=vectors)
             if mode != "keyword" else [[] for _ in topics])
    keyword = (retriever.ranked_batch(topics, mode="keyword", filters=filters, n=DEPTH)
               if mode != "dense" else [[] for _ in topics])
    w_dense = W_DENSE if mode == "hybrid" else 1.0
    return [topic_relevance(d, k, w_dense) for d, k in zip(dense, keyword)]


def topic_relevance(dense: Sequence[tuple[int, float]], keyword: Sequence[tuple[int, float]],
                    w_dense: float = None) -> list[tuple[int, float]]:
    """Passage relevance to a topic: BM25 / the best BM25 (a passage that says the topic's words is direct
    evidence, and a weak mention still counts) plus ``w_dense`` times the cosine min-max scaled over the
    dense candidates (a passage that is only near in meaning is weak evidence: for a short topic such as
    防溺水 the nearest passages by embedding are about water projects). Best first, ties in first-seen
    order. Pure."""
    w_dense = W_DENSE if w_dense is None else w_dense
    out: dict[int, float] = {}
    if keyword:
        top = max(s for _, s in keyword)
        for d, s in keyword:
            out[d] = out.get(d, 0.0) + (s / top if top > 0 else 0.0)
    if dense:
        lo, hi = min(s for _, s in dense), max(s for _, s in dense)
        for d, s in dense:
            out[d] = out.get(d, 0.0) + w_dense * ((s - lo) / (hi - lo) if hi > lo else 1.0)
    order = {d: i for i, d in enumerate(out)}
    return sorted(out.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def _compare_one(store, topic: str, ranked, speech_of, canonical, dup_of, max_speeches: int,
                 per_speech: int) -> Comparison:
    scores = aggregate(ranked, speech_of, canonical, dup_of)
    if not scores:
        return Comparison(topic, [], [], {})
    top = scores[0].score
    kept = [s for s in scores if top > 0 and s.score >= MIN_RELATIVE_SCORE * top][:max_speeches]
    speeches: list[SpeechEvidence] = []
    docs_of: dict[str, list[int]] = {}
    for s in kept:
        sp = store.speech_by_id(s.speech_id)
        shown = [_shown_doc(store, d, sp.id, dup_of) for d, _ in s.docs[:per_speech]]
        docs_of[sp.id] = shown
        passages = [_passage(store, d, sc / top) for d, (_, sc) in zip(shown, s.docs[:per_speech])]
        speeches.append(SpeechEvidence(sp.id, sp.title, sp.source, s.score / top, passages, speech_keywords(sp),
                                       speech_meta(sp), list(sp.copies), speech_label(sp)))
    shared, distinctive = _across(store, speeches, docs_of)
    return Comparison(topic, speeches, shared, distinctive)


def _shown_doc(store, d: int, canonical_id: str, dup_of: dict[int, set[int]]) -> int:
    """The passage to show for d: its twin in the canonical speech if d is in a copy and has one there."""
    if store.chunks[d].speech_id == canonical_id:
        return d
    twins = sorted(j for j in dup_of.get(d, ()) if store.chunks[j].speech_id == canonical_id)
    return twins[0] if twins else d


def _passage(store, d: int, score: float) -> Passage:
    c = store.chunks[d]
    return Passage(c.text, c.start, c.end, c.id, c.speech_id, round(float(score), 4))


def _across(store, speeches: list[SpeechEvidence], docs_of: dict[str, list[int]]):
    """(shared points, distinctive passages per speech) over the selected passages."""
    items: list[tuple[str, int, Passage]] = [
        (s.speech_id, d, p) for s in speeches for d, p in zip(docs_of[s.speech_id], s.passages)
    ]
    if not items:
        return [], {}
    owners = [sid for sid, _, _ in items]
    vectors = store.vectors[[d for _, d, _ in items]]
    shared: list[SharedPoint] = []
    for group in cluster_points(vectors, owners):
        sims = vectors[group] @ vectors[group].T
        main = int(np.argmax(sims.sum(axis=1)))  # the member closest to all the others
        texts = [items[i][2].text for i in group]
        a, b = representative_sentence(texts, main)
        members = [items[i][2] for i in group]
        shared.append(SharedPoint(texts[main][a:b], list(dict.fromkeys(owners[i] for i in group)), members))
    close = close_to_others(vectors, owners)
    distinctive: dict[str, list[Passage]] = {}
    if len({*owners}) > 1:
        for (sid, _, p), c in zip(items, close):
            if not c:
                distinctive.setdefault(sid, []).append(p)
    return shared, distinctive
