"""Passages similar to a given one: a pasted text, or a passage of the index.

A pasted text is embedded like a query (normalised); a long one is cut into passage-sized pieces with the
indexer's own chunker and the piece vectors are averaged, so the whole paste counts, not only its opening.
An indexed passage uses its stored vector. Dense similarity is fused with BM25 over the same text (hybrid
mode, the default): a paste usually shares many exact words (names, figures, fixed phrases) with its source,
which the small embedding model blurs, while the model finds rewordings that share few words.

An indexed passage never finds itself: the passage, its near-duplicate copies in other speeches and the
passages of its own speech that overlap it are left out. Copies of one result passage in several speeches
come back as one hit listing the other speeches (``Hit.duplicates``, via ``collapse_duplicates``).
``similar(...) == similar_batch([...])[0]``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from jianggao.indexer.options import check_option
from jianggao.qa.retrieval import CANDIDATES, MODES, Filters, Hit, Mode, QueryError, validate_query

if TYPE_CHECKING:
    from jianggao.qa.retrieval import Retriever

log = logging.getLogger(__name__)

# Longest paste accepted (the UI reads this too); longer texts are better split by the user.
MAX_TEXT_CHARS = 20_000
# A paste longer than this is embedded as the mean of its pieces (one piece ~ one indexed passage).
PIECE_CHARS = 500
DEFAULT_K = 10


@dataclass(frozen=True)
class SimilarQuery:
    """Either a pasted ``text`` or the id of an indexed passage (``chunk_id``), not both."""

    text: str | None = None
    chunk_id: str | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.chunk_id is None):
            raise ValueError("give either a text or a chunk id to find similar passages for, not both or neither")


def similar(
    retriever: "Retriever", text: str | None = None, chunk_id: str | None = None, k: int = DEFAULT_K,
    mode: Mode = "hybrid", filters: Filters | None = None,
) -> list[Hit]:
    """The ``k`` passages most like ``text`` or like the indexed passage ``chunk_id``, best first."""
    return similar_batch(retriever, [SimilarQuery(text, chunk_id)], k=k, mode=mode, filters=filters)[0]


def similar_batch(
    retriever: "Retriever", queries: Sequence[SimilarQuery], k: int = DEFAULT_K, mode: Mode = "hybrid",
    filters: Filters | None = None,
) -> list[list[Hit]]:
    """``similar`` for several queries at once: pasted texts are embedded in one encoder call."""
    check_option("mode", mode, MODES)
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    queries = list(queries)
    if not queries:
        return []
    store = retriever.store
    chunk_pos = {c.id: i for i, c in enumerate(store.chunks)} if any(q.chunk_id for q in queries) else {}
    texts: list[str] = []  # what BM25 searches for each query
    vectors = np.zeros((len(queries), store.manifest.dim), dtype=np.float32)
    excluded: list[set[int]] = []
    pasted: list[int] = []
    for qi, q in enumerate(queries):
        if q.chunk_id is not None:
            if q.chunk_id not in chunk_pos:
                raise KeyError(f"no passage with id {q.chunk_id!r} in this index; search again to get current ids")
            i = chunk_pos[q.chunk_id]
            texts.append(store.chunks[i].norm)
            vectors[qi] = store.vectors[i]
            excluded.append(self_and_neighbours(store, i))
        else:
            texts.append(validate_query(q.text, max_chars=MAX_TEXT_CHARS))
            excluded.append(set())
            pasted.append(qi)
    if pasted and mode != "keyword":
        vectors[pasted] = embed_texts(retriever.encoder, [texts[qi] for qi in pasted])
    # Each query's candidate depth depends on that query alone (its excluded passages are made up for), so
    # the min-max scaling in fuse_scores, and hence the scores, do not change with what else is in the batch.
    depths = [max(CANDIDATES, 3 * k) + len(e) for e in excluded]
    lists: list[Mode] = ["dense", "keyword"] if mode == "hybrid" else [mode]
    ranked = {m: retriever.ranked_batch(texts, mode=m, filters=filters, n=max(depths), query_vectors=vectors)
              for m in lists}
    out = []
    for qi, ex in enumerate(excluded):
        fused = fuse_scores([[(d, s) for d, s in ranked[m][qi][: depths[qi]] if d not in ex] for m in lists])
        out.append(retriever.hits_from_ranked(fused, k))
    return out


def fuse_scores(lists: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Score fusion of candidate lists: each list's scores min-max scaled to [0, 1] over its candidates (a
    candidate a list lacks gets 0 there), then weighted and averaged; best first, ties in first-seen order.

    Unlike rank fusion this keeps *how far* ahead a candidate is: a paste's BM25 score for its source passage
    is often twice the runner-up's, a lead that rank fusion would reduce to "first". Pure."""
    weights = list(weights) if weights is not None else [1.0] * len(lists)
    if len(weights) != len(lists):
        raise ValueError(f"got {len(weights)} weights for {len(lists)} lists")
    total = sum(weights) or 1.0
    fused: dict[int, float] = {}
    for lst, w in zip(lists, weights):
        if not lst:
            continue
        vals = [s for _, s in lst]
        lo, hi = min(vals), max(vals)
        span = hi - lo
        for d, s in lst:
            scaled = (s - lo) / span if span > 0 else 1.0
            fused[d] = fused.get(d, 0.0) + w * scaled / total
    order = {d: i for i, d in enumerate(fused)}
    return sorted(fused.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def self_and_neighbours(store, i: int) -> set[int]:
    """Passage ``i``, the passages of its speech that overlap it (chunks share a sentence with their
    neighbours), and the near-duplicates of all of these in other speeches (the same passages in copies)."""
    dups = store.chunk_duplicates
    own = {i, *dups[i]}
    out = set(own)
    for d in own:
        c = store.chunks[d]
        for j in store.chunk_indices_of(c.speech_id):
            other = store.chunks[j]
            if other.start < c.end and c.start < other.end:
                out.add(j)
                out.update(dups[j])
    return out


def pieces_of(text: str, piece_chars: int = PIECE_CHARS) -> list[str]:
    """A text cut into normalised pieces of about ``piece_chars`` (whole sentences, the indexer's chunker);
    a short text is one piece."""
    from jianggao.indexer.chunking import chunk_speech
    from jianggao.indexer.normalize import normalize
    from jianggao.qa.query import normalize_query

    if len(text) <= piece_chars:
        return [normalize_query(text)]
    norm = normalize(text)
    chunks = chunk_speech("paste", text, norm, target=piece_chars // 2, min_chars=piece_chars // 4,
                          max_chars=piece_chars, overlap_sentences=0)
    pieces = [" ".join(c.norm.split()) for c in chunks]
    return [p for p in pieces if p] or [normalize_query(text)]


def embed_texts(encoder, texts: Sequence[str]) -> np.ndarray:
    """One unit vector per text: the normalised mean of its pieces' vectors (one encoder call for all)."""
    from jianggao.indexer.embedding import l2_normalize

    pieces = [pieces_of(t) for t in texts]
    flat = [p for ps in pieces for p in ps]
    vecs = encoder.encode(flat)
    out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
    pos = 0
    for i, ps in enumerate(pieces):
        out[i] = vecs[pos: pos + len(ps)].mean(axis=0)
        pos += len(ps)
    return l2_normalize(out)


__all__ = ["MAX_TEXT_CHARS", "SimilarQuery", "similar", "similar_batch", "QueryError"]
