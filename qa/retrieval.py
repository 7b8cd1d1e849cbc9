"""Passage retrieval over a store: dense (FAISS), keyword (BM25 over jieba tokens) or hybrid (RRF of both).

Queries are normalised exactly like the indexed text (pinyin annotations dropped, Traditional -> Simplified,
width folded), so a Simplified question finds Traditional speeches. Near-duplicate passages (one paragraph
in several copies of a speech) collapse into one hit that lists the other speeches it appears in, so top-k is
never filled with copies.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence, get_args

import numpy as np

from jianggao.indexer.options import check_option
from jianggao.qa.fusion import K as RRF_K
from jianggao.qa.fusion import rrf

if TYPE_CHECKING:
    from jianggao.qa.selfquery import Names

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[str, ...] = get_args(Mode)

# How many candidates each list contributes before fusion and de-duplication.
CANDIDATES = 60
# Fusion weights of the dense and keyword lists: equal. 1.5 for either one wins on one dev set and loses on the
# other (scripts/MEASUREMENTS.md).
DEFAULT_WEIGHTS = (1.0, 1.0)
# Hybrid mode adds two lists when the index has what they need (weights measured on both dev sets, see
# RetrievalConfig): passages ranked by their best sentence's cosine (a paraphrase of one sentence is
# diluted in a passage vector), and the keyword list restricted to the speeches the question names (self-query,
# jianggao.qa.selfquery). Sentence max-sim lost on both sets at weights 0.5 and 1 (README): off. Self-query
# weight, in-process hybrid MRR@10 dev | provinces (scripts/measure_retrieval.py --sweep self_query_weight=...):
# 0: 0.882 | 0.756, 0.25: 0.882 | 0.774, 1: 0.882 | 0.791, 2: 0.899 | 0.815, 3, 4 and 6: 0.899 | 0.833 (hit@5
# and ask unchanged). 4 sits inside the plateau 3-6 on both sets: a named speech's passages then lead unless
# another speech's passage matches the question clearly better on both dense and keyword.
SENTENCE_WEIGHT = 0.0
SELF_QUERY_WEIGHT = 4.0
# From this many passages on, hybrid search computes the keyword list on a worker thread while the dense search
# runs (FAISS releases the GIL during its search, numpy during the BM25 array work): below it each list takes a
# few milliseconds and a thread hand-off costs about as much as it saves.
PARALLEL_FROM = 50_000
# Keyword queries lose their question words (多少, 哪些 ...): they are never in the answer.
STRIP_QUESTION_WORDS = True


@dataclass(frozen=True)
class RetrievalConfig:
    """Hybrid retrieval's knobs; the defaults are the module constants above."""

    weights: tuple[float, float] = DEFAULT_WEIGHTS
    sentence_weight: float = SENTENCE_WEIGHT
    self_query_weight: float = SELF_QUERY_WEIGHT
    strip_question_words: bool = STRIP_QUESTION_WORDS


MAX_QUERY_CHARS = 2000
# Interrogative words and phrases (general Chinese question forms): the passage that answers 多少 does not say
# 多少. Replaced by a space, so that no new word forms across the gap.
_QUESTION_FORMS = re.compile(
    r"请问|多少|几(?:个|项|种|次|年|天|月|位|家|所|条|名)?(?!乎)|什么样|什么|怎么样|怎么|怎样|如何|为什么|为何|是否|有没有|"
    r"哪一?(?:年|天|些|个|里|儿|位|座|家|种|项)?|何时|何地|何处|谁|吗|呢|？|\?"
)


def keyword_query(norm_query: str) -> str:
    """The query BM25 sees: the normalised question without its question words (numbers and names kept)."""
    stripped = _QUESTION_FORMS.sub(" ", norm_query).strip()
    return stripped if any(ch.isalnum() for ch in stripped) else norm_query


QueryProblem = Literal["not_text", "empty", "too_long", "no_words"]


class QueryError(ValueError):
    """A query that cannot be searched; the message says why and what to do. ``reason`` names the problem for
    front ends that word it in their own language (None for other query errors); ``length``/``limit`` go with
    "too_long"."""

    def __init__(self, message: str, reason: QueryProblem | None = None, length: int = 0, limit: int = 0):
        super().__init__(message)
        self.reason, self.length, self.limit = reason, length, limit


def validate_query(text: str, max_chars: int = MAX_QUERY_CHARS) -> str:
    """The query, stripped; raises QueryError for empty, over-long or word-less input."""
    if not isinstance(text, str):
        raise QueryError("the query must be text", "not_text")
    q = text.strip()
    if not q:
        raise QueryError("the query is empty: type a question or some words to search for", "empty")
    if len(q) > max_chars:
        raise QueryError(
            f"the query is {len(q)} characters long; keep it under {max_chars} "
            "(to find passages like a long text, use `similar`)",
            "too_long", len(q), max_chars,
        )
    if not any(ch.isalnum() for ch in q):
        raise QueryError("the query has no words or figures in it (only symbols or emoji); type some words",
                         "no_words")
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


_POOL = None
_POOL_LOCK = threading.Lock()


def _pool():
    """The threads that compute keyword lists beside dense search (shared by all retrievers of the process)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="keyword")
        return _POOL


class Retriever:
    """Search one loaded store with one encoder. Thread-safe for concurrent reads."""

    def __init__(self, store, encoder, weights: tuple[float, float] = DEFAULT_WEIGHTS,
                 config: RetrievalConfig | None = None):
        self.store = store
        self.encoder = encoder
        self.config = config or RetrievalConfig(weights=weights)
        self.weights = self.config.weights
        self._identities: Names | None = None
        self._sentence_bounds: np.ndarray | None = None
        # Scale path (jianggao.indexer.segmented): the store offers a sparse duplicate map and a lazy id -> speech
        # mapping, so that a 1M-passage library is not walked (nor its speeches' texts loaded) per retriever.
        nonempty = getattr(store.chunk_duplicates, "nonempty", None)
        dups = nonempty().items() if nonempty else enumerate(store.chunk_duplicates)
        self._dup_of = {i: set(d) for i, d in dups if d}
        speech_map = getattr(store, "speech_map", None)
        self._by_speech = speech_map if speech_map is not None else {s.id: s for s in store.speeches}

    @classmethod
    def open(cls, index_dir: Path, model: str | None = None, device: str = "auto",
             store_spec: str | None = None) -> "Retriever":
        from jianggao.indexer.embedding import Encoder
        from jianggao.indexer.store_api import open_backend

        store = open_backend(store_spec, index_dir).load()  # Store, SegmentedStore (scale path) or MilvusStore
        encoder = Encoder(model or store.manifest.model, device=device)
        if model is not None:
            store.check_model(encoder.name)
        return cls(store, encoder)

    # -- candidate lists -------------------------------------------------------------------------------------
    def dense_candidates(self, query_vectors: np.ndarray, n: int) -> list[list[tuple[int, float]]]:
        return [[(h.doc, h.score) for h in hits] for hits in self.store.dense_search_batch(query_vectors, n)]

    def keyword_candidates(self, norm_queries: list[str], n: int) -> list[list[tuple[int, float]]]:
        if self.config.strip_question_words:
            norm_queries = [keyword_query(q) for q in norm_queries]
        return [[(h.doc, h.score) for h in hits] for hits in self.store.lexical.search_batch(norm_queries, n)]

    def sentence_candidates(self, query_vectors: np.ndarray, n: int) -> list[list[tuple[int, float]]]:
        """Passages ranked by their best sentence's cosine with the query (empty without sentence vectors)."""
        sv = getattr(self.store, "sentences", None)
        if sv is None or not len(sv.spans):
            return [[] for _ in range(len(query_vectors))]
        if self._sentence_bounds is None:
            self._sentence_bounds = np.searchsorted(sv.spans[:, 0], np.arange(len(self.store.chunks)))
        sims = sv.vectors @ np.asarray(query_vectors, np.float32).T  # (n_sentences, n_queries)
        per_chunk = np.maximum.reduceat(sims, self._sentence_bounds, axis=0)  # every chunk has >= 1 sentence
        out = []
        for j in range(per_chunk.shape[1]):
            col = per_chunk[:, j]
            top = np.argsort(-col, kind="stable")[:n]
            out.append([(int(i), float(col[i])) for i in top])
        return out

    def _names(self) -> Names:
        from jianggao.indexer.speechnames import identities_for
        from jianggao.qa.selfquery import NameIndex

        if self._identities is None:
            # A segmented library stores the runs naming its speeches (written with each segment); otherwise
            # they come from the speeches' identities (stored with a flat library, else computed by the store).
            stored = getattr(self.store, "name_index", None)
            index = stored() if stored is not None else None
            if index is None:
                known = getattr(self.store, "identities", None)  # the flat and Milvus stores (LoadedIndex)
                index = NameIndex(known() if known is not None else identities_for(self.store.speeches, {}))
            self._identities = index
        return self._identities

    def named_speeches(self, queries: Sequence[str]) -> list[dict[str, float]]:
        """For each query, the speeches it names (self-query; jianggao.qa.selfquery)."""
        from jianggao.qa.query import normalize_query
        from jianggao.qa.selfquery import named_speeches

        return [named_speeches(normalize_query(q), self._names()) for q in queries]

    def runs_naming(self, queries: Sequence[str]) -> list[dict[str, str]]:
        """For each query, speech id -> the run of the query that names it (jianggao.qa.selfquery.runs_naming)."""
        from jianggao.qa.query import normalize_query
        from jianggao.qa.selfquery import runs_naming

        return [runs_naming(normalize_query(q), self._names()) for q in queries]

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        from jianggao.qa.query import normalize_query

        return self.encoder.encode_queries([normalize_query(q) for q in queries])

    # -- search ----------------------------------------------------------------------------------------------
    def ranked_batch(
        self, queries: Sequence[str], mode: Mode = "hybrid", filters: Filters | None = None, n: int = CANDIDATES,
        query_vectors: np.ndarray | None = None, naming_runs: Sequence[dict[str, str]] | None = None,
    ) -> list[list[tuple[int, float]]]:
        """Fused (passage index, score) lists, best first, filtered; before de-duplication. ``naming_runs``: the
        queries' runs_naming when the caller has them already (ask reads them for its own gate)."""
        from jianggao.qa.query import normalize_query

        check_option("mode", mode, MODES)
        filters = filters or Filters()
        # With a filter the candidates of interest may sit deep in the global lists: look further.
        depth = n if filters.empty else max(n, len(self.store.chunks))
        cfg = self.config
        dense: list[list[tuple[int, float]]] = [[] for _ in queries]
        keyword: list[list[tuple[int, float]]] = [[] for _ in queries]
        sentence: list[list[tuple[int, float]]] = [[] for _ in queries]
        pending = None
        if mode == "hybrid" and len(self.store.chunks) >= PARALLEL_FROM:
            pending = _pool().submit(self.keyword_candidates, [normalize_query(q) for q in queries], depth)
        if mode in ("dense", "hybrid"):
            vecs = query_vectors if query_vectors is not None else self.encode_queries(queries)
            dense = self.dense_candidates(vecs, depth)
            if mode == "hybrid" and cfg.sentence_weight > 0:
                sentence = self.sentence_candidates(vecs, depth)
        named = None
        if mode == "hybrid" and cfg.self_query_weight > 0:
            from jianggao.qa.selfquery import naming_strengths

            named = ([naming_strengths(r) for r in naming_runs] if naming_runs is not None
                     else self.named_speeches(queries))
        if pending is not None:
            keyword = pending.result()
        elif mode in ("keyword", "hybrid"):
            keyword = self.keyword_candidates([normalize_query(q) for q in queries], depth)
        out = []
        for qi, (d, kw, sn) in enumerate(zip(dense, keyword, sentence)):
            d = [(i, s) for i, s in d if self._allowed(i, filters)][:n]
            kw = [(i, s) for i, s in kw if self._allowed(i, filters)][:n]
            sn = [(i, s) for i, s in sn if self._allowed(i, filters)][:n]
            if mode == "dense":
                out.append(d)
            elif mode == "keyword":
                out.append(kw)
            else:
                lists = [[i for i, _ in d], [i for i, _ in kw]]
                weights = list(cfg.weights)
                if sn:
                    lists.append([i for i, _ in sn])
                    weights.append(cfg.sentence_weight)
                fused = rrf(lists, weights=weights)
                if named and named[qi]:
                    # Self-query: the keyword list restricted to the named speeches, as one more ranked list.
                    # Keyword, not fused: every passage of a speech carries the same identity context, so once
                    # the question's place or year has picked the speech, what tells its passages apart is the
                    # question's other words said literally (the passage vector of a long, many-topic passage
                    # ranks its one relevant sentence poorly). The named speeches' passages that only the dense
                    # list found follow, in fused order, so that a question in other words still finds its speech.
                    boost = named[qi]
                    sid = self._speech_ids([i for i, _ in kw] + [f.doc for f in fused])
                    own = [i for i, _ in kw if sid[i] in boost]
                    seen = set(own)
                    own += [f.doc for f in fused if f.doc not in seen and sid[f.doc] in boost]
                    extra = {doc: cfg.self_query_weight * boost[sid[doc]] / (RRF_K + r)
                             for r, doc in enumerate(own, 1)}
                    fused = sorted(fused, key=lambda f: -(f.score + extra.get(f.doc, 0.0)))
                    out.append([(f.doc, f.score + extra.get(f.doc, 0.0)) for f in fused])
                else:
                    out.append([(f.doc, f.score) for f in fused])
        return out

    def _speech_ids(self, docs: Sequence[int]) -> dict[int, str]:
        """Passage position -> its speech id, in one batch where the store offers it (the segmented store: one
        query per segment rather than one per passage)."""
        batch = getattr(self.store, "speech_ids_at", None)
        docs = list(dict.fromkeys(docs))
        if batch is not None:
            return dict(zip(docs, batch(docs)))
        return {d: self.store.chunks[d].speech_id for d in docs}

    def _allowed(self, i: int, filters: Filters) -> bool:
        if filters.empty:
            return True
        c = self.store.chunks[i]
        s = self._by_speech[c.speech_id]
        return filters.allows(c.speech_id, s.source, s)

    def duplicates_of(self, doc: int, filters: Filters | None = None) -> list[int]:
        """The passages of other speeches that hold the same passage as ``doc`` (near-duplicates: a template's
        copies), those the filters allow, in index order."""
        return sorted(d for d in self._dup_of.get(doc, ()) if filters is None or self._allowed(d, filters))

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
