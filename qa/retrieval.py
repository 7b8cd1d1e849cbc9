"""Passage retrieval over a store: dense (FAISS), keyword (BM25 over jieba tokens) or hybrid (RRF of both).

Queries are normalised exactly like the indexed text (pinyin annotations dropped, Traditional -> Simplified,
width folded), so a Simplified question finds Traditional speeches. Near-duplicate passages (one paragraph
in several copies of a speech) collapse into one hit that lists the other speeches it appears in, so top-k is
never filled with copies.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence, get_args

import numpy as np

from jianggao.indexer.options import check_option
from jianggao.qa.fusion import rrf

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[str, ...] = get_args(Mode)

# How many candidates each list contributes before fusion and de-duplication.
CANDIDATES = 60
# Dense list weighted a little above BM25: the model knows paraphrase, BM25 knows exact figures and names.
DEFAULT_WEIGHTS = (1.0, 1.0)


MAX_QUERY_CHARS = 2000


class QueryError(ValueError):
    """A query that cannot be searched; the message says why and what to do."""


def validate_query(text: str, max_chars: int = MAX_QUERY_CHARS) -> str:
    """The query, stripped; raises QueryError for empty, over-long or word-less input."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    q = text.strip()
    if not q:
        raise QueryError("the query is empty: type a question or some words to search for")
    if len(q) > max_chars:
        raise QueryError(
            f"the query is {len(q)} characters long; keep it under {max_chars} "
            "(to find passages like a long text, use `similar`)"
        )
    if not any(ch.isalnum() for ch in q):
        raise QueryError("the query has no words or figures in it (only symbols or emoji); type some words")
    return q


@dataclass(frozen=True)
class Filters:
    """Restrict results to some speeches or source files, and/or to speeches by identity (None: no restriction).

    ``place`` matches a speech's place, body or title (normalised substring: 紫阳 finds 紫阳县); ``year`` the year of
    its date ("2025"); ``speaker`` its speaker (substring). A speech without the field does not pass that filter.
    """

    speech_ids: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    place: str | None = None
    year: str | None = None
    speaker: str | None = None

    @classmethod
    def of(
        cls, speech_ids: Sequence[str] | None = None, sources: Sequence[str] | None = None,
        place: str | None = None, year: str | int | None = None, speaker: str | None = None,
    ) -> "Filters":
        from jianggao.indexer.normalize import normalize

        def text(v) -> str | None:
            v = normalize(str(v)).strip() if v not in (None, "") else ""
            return v or None

        year_s = text(year)
        if year_s is not None and not (len(year_s) == 4 and year_s.isdigit()):
            raise ValueError(f"year must be four digits such as 2025, got {year!r}")
        return cls(frozenset(speech_ids) if speech_ids else None, frozenset(sources) if sources else None,
                   text(place), year_s, text(speaker))

    def allows(self, speech_id: str, source: str, speech: Any = None) -> bool:
        if not ((self.speech_ids is None or speech_id in self.speech_ids) and (
            self.sources is None or source in self.sources
        )):
            return False
        if self.place is None and self.year is None and self.speaker is None:
            return True
        return speech is not None and self.allows_identity(speech)

    def allows_identity(self, speech: Any) -> bool:
        """The identity part of the filter, on a Speech (fields read by name; missing ones fail their filter)."""
        from jianggao.indexer.normalize import normalize

        meta = getattr(speech, "meta", None)
        get = lambda name: normalize(getattr(meta, name, None) or "")  # noqa: E731
        if self.place is not None and not any(
            self.place in v for v in (get("place"), get("body"), normalize(getattr(speech, "title", "") or "")) if v
        ):
            return False
        if self.year is not None and not get("date").startswith(self.year):
            return False
        if self.speaker is not None and self.speaker not in get("speaker"):
            return False
        return True

    @property
    def empty(self) -> bool:
        return (self.speech_ids is None and self.sources is None and self.place is None and self.year is None
                and self.speaker is None)


@dataclass(frozen=True)
class SpeechRef:
    speech_id: str
    title: str
    source: str


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    chunk_id: str
    speech_id: str
    title: str
    source: str
    text: str  # the passage as displayed
    start: int  # offsets in the speech's displayed text
    end: int
    duplicates: tuple[SpeechRef, ...] = field(default=())  # other speeches holding the same passage

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["duplicates"] = [asdict(r) for r in self.duplicates]
        return d


def collapse_duplicates(
    ranked: Sequence[int], dup_of: dict[int, set[int]], k: int
) -> list[tuple[int, list[int]]]:
    """Keep the first of each near-duplicate family in rank order; return (doc, [its copies]) pairs, at most k.

    ``dup_of[i]`` holds the near-duplicates of passage i (precomputed at index time). Pure.
    """
    shown: list[tuple[int, list[int]]] = []
    owner: dict[int, int] = {}  # passage -> index in ``shown`` of the family it belongs to
    for doc in ranked:
        if doc in owner:
            continue
        fam = dup_of.get(doc, set())
        hit_family = next((owner[d] for d in fam if d in owner), None)
        if hit_family is not None:
            owner[doc] = hit_family
            continue
        if len(shown) >= k:
            break
        owner[doc] = len(shown)
        for d in fam:
            owner.setdefault(d, len(shown))
        shown.append((doc, sorted(fam)))
    return shown


class Retriever:
    """Search one loaded store with one encoder. Thread-safe for concurrent reads."""

    def __init__(self, store, encoder, weights: tuple[float, float] = DEFAULT_WEIGHTS):
        self.store = store
        self.encoder = encoder
        self.weights = weights
        self._dup_of = {i: set(d) for i, d in enumerate(store.chunk_duplicates) if d}
        self._by_speech = {s.id: s for s in store.speeches}

    @classmethod
    def open(cls, index_dir: Path, model: str | None = None, device: str = "auto") -> "Retriever":
        from jianggao.indexer.embedding import Encoder
        from jianggao.indexer.store import Store

        store = Store.load(index_dir)
        encoder = Encoder(model or store.manifest.model, device=device)
        if model is not None:
            store.check_model(encoder.name)
        return cls(store, encoder)

    # -- candidate lists -------------------------------------------------------------------------------------
    def dense_candidates(self, query_vectors: np.ndarray, n: int) -> list[list[tuple[int, float]]]:
        return [[(h.doc, h.score) for h in hits] for hits in self.store.dense_search_batch(query_vectors, n)]

    def keyword_candidates(self, norm_queries: list[str], n: int) -> list[list[tuple[int, float]]]:
        return [[(h.doc, h.score) for h in hits] for hits in self.store.lexical.search_batch(norm_queries, n)]

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        from jianggao.qa.query import normalize_query

        return self.encoder.encode([normalize_query(q) for q in queries])

    # -- search ----------------------------------------------------------------------------------------------
    def ranked_batch(
        self, queries: Sequence[str], mode: Mode = "hybrid", filters: Filters | None = None, n: int = CANDIDATES,
        query_vectors: np.ndarray | None = None,
    ) -> list[list[tuple[int, float]]]:
        """Fused (passage index, score) lists, best first, filtered; before de-duplication."""
        from jianggao.qa.query import normalize_query

        check_option("mode", mode, MODES)
        filters = filters or Filters()
        # With a filter the candidates of interest may sit deep in the global lists: look further.
        depth = n if filters.empty else max(n, len(self.store.chunks))
        dense: list[list[tuple[int, float]]] = [[] for _ in queries]
        keyword: list[list[tuple[int, float]]] = [[] for _ in queries]
        if mode in ("dense", "hybrid"):
            vecs = query_vectors if query_vectors is not None else self.encode_queries(queries)
            dense = self.dense_candidates(vecs, depth)
        if mode in ("keyword", "hybrid"):
            keyword = self.keyword_candidates([normalize_query(q) for q in queries], depth)
        out = []
        for d, kw in zip(dense, keyword):
            d = [(i, s) for i, s in d if self._allowed(i, filters)][:n]
            kw = [(i, s) for i, s in kw if self._allowed(i, filters)][:n]
            if mode == "dense":
                out.append(d)
            elif mode == "keyword":
                out.append(kw)
            else:
                fused = rrf([[i for i, _ in d], [i for i, _ in kw]], weights=self.weights)
                out.append([(f.doc, f.score) for f in fused])
        return out

    def _allowed(self, i: int, filters: Filters) -> bool:
        if filters.empty:
            return True
        c = self.store.chunks[i]
        s = self._by_speech[c.speech_id]
        return filters.allows(c.speech_id, s.source, s)

    def hits_from_ranked(self, ranked: list[tuple[int, float]], k: int) -> list[Hit]:
        scores = dict(ranked)
        hits = []
        for rank, (doc, fam) in enumerate(collapse_duplicates([i for i, _ in ranked], self._dup_of, k), 1):
            hits.append(self.make_hit(doc, scores[doc], rank, fam))
        return hits

    def make_hit(self, doc: int, score: float, rank: int, family: Sequence[int] = ()) -> Hit:
        c = self.store.chunks[doc]
        s = self._by_speech[c.speech_id]
        seen = {s.id}
        dups = []
        for d in family:
            other = self._by_speech[self.store.chunks[d].speech_id]
            if other.id not in seen:
                seen.add(other.id)
                dups.append(SpeechRef(other.id, other.title, other.source))
        return Hit(rank, float(score), c.id, s.id, s.title, s.source, c.text, c.start, c.end, tuple(dups))

    def search_batch(
        self, queries: Sequence[str], k: int = 10, mode: Mode = "hybrid", filters: Filters | None = None
    ) -> list[list[Hit]]:
        if k < 1:
            raise ValueError("k must be at least 1")
        # The API entry point: an empty or symbol-only query would otherwise return arbitrary nearest passages.
        queries = [validate_query(q) for q in queries]
        ranked = self.ranked_batch(queries, mode=mode, filters=filters, n=max(CANDIDATES, 3 * k))
        return [self.hits_from_ranked(r, k) for r in ranked]

    def search(self, query: str, k: int = 10, mode: Mode = "hybrid", filters: Filters | None = None) -> list[Hit]:
        return self.search_batch([query], k=k, mode=mode, filters=filters)[0]
