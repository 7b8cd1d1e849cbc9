"""Sentence vectors computed at index time from the passage's own forward pass (no second model run).

Each passage is embedded with ``Encoder.encode_with_tokens``: the passage vector, and the last-layer token
vectors with their character spans. A sentence's vector is the mean of the token vectors that fall inside the
sentence's span (clipped to the passage), L2-normalised: the same pooling the model uses for a whole text,
over the sentence's tokens, read in the context of the passage (its title and heading included). Answering
then never embeds candidate sentences at question time.

Sentences are those of ``jianggao.indexer.chunking.split_sentences`` on the speech text (what answering cuts
excerpts from); one row per (passage, sentence) overlap, so a sentence cut by a passage boundary has one row
per passage it touches. Sentences beyond the model's length limit (no tokens seen) are embedded alone, in one
extra batch at index time.

Both kinds of vector are cached in the index folder's embedding cache (keyed by the embedded text and, for a
sentence, its span in it), so a rebuild re-embeds only new text.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from jianggao.indexer.types import Chunk, Speech

log = logging.getLogger(__name__)

SENTENCE_CACHE_SUBDIR = "sentences"
BATCH_CHUNKS = 64  # passages per encode_with_tokens call (progress granularity; the encoder batches inside)


class SentenceVectors(NamedTuple):
    """Sentence rows of an index: ``spans[r] = (chunk position, start, end)`` with offsets into the speech text
    (the sentence clipped to the chunk), ``vectors[r]`` its unit vector."""

    vectors: np.ndarray  # float32 (n, dim)
    spans: np.ndarray  # int32 (n, 3)

    @classmethod
    def empty(cls, dim: int) -> "SentenceVectors":
        return cls(np.zeros((0, dim), np.float32), np.zeros((0, 3), np.int32))


class ChunkEncoding(NamedTuple):
    passages: np.ndarray  # float32 (n_chunks, dim), what encode(texts) gives
    sentences: SentenceVectors
    n_encoded: int  # passages the model had to run on in this call


def sentence_spans(speech_sentences: Sequence[tuple[int, int]], chunk: Chunk) -> list[tuple[int, int]]:
    """The speech's sentences that overlap ``chunk``, clipped to it (offsets into the speech text). Pure."""
    out = []
    for a, b in speech_sentences:
        lo, hi = max(a, chunk.start), min(b, chunk.end)
        if lo < hi:
            out.append((lo, hi))
    return out


def pool_spans(tokens_vectors: np.ndarray, offsets: np.ndarray, spans: Sequence[tuple[int, int]]) -> tuple[
        np.ndarray, list[int]]:
    """Mean of the token vectors overlapping each character span, L2-normalised; and the positions of spans
    no token overlaps (beyond the model's length limit). Pure."""
    from jianggao.indexer.embedding import l2_normalize

    dim = tokens_vectors.shape[1] if tokens_vectors.ndim == 2 else 0
    out = np.zeros((len(spans), dim), np.float32)
    empty = []
    starts, ends = offsets[:, 0], offsets[:, 1]
    for r, (a, b) in enumerate(spans):
        sel = (starts < b) & (ends > a)
        if sel.any():
            out[r] = tokens_vectors[sel].mean(0)
        else:
            empty.append(r)
    return l2_normalize(out), empty


def longest_first(positions: Sequence[int], texts: Sequence[str]) -> list[int]:
    """``positions`` ordered by the length of their text, longest first (ties keep their order). Pure.

    The encoder sorts by token count only inside one call; grouping passages of like length into the calls as
    well keeps the padding of each batch small (on the default corpus: 1.8% padded tokens instead of 24% for
    calls in corpus order). Characters stand in for tokens: a Chinese character is about one token."""
    return sorted(positions, key=lambda i: -len(texts[i]))


def encode_chunks(
    encoder, speeches: Sequence[Speech], chunks: Sequence[Chunk], texts: Sequence[str], cache_dir: Path,
    show_progress: bool = False,
) -> ChunkEncoding:
    """Passage vectors of ``texts`` (``texts[i]`` embeds ``chunks[i]``: context line(s), then the chunk's
    normalised text last) and the sentence vectors of every chunk, from one forward pass per passage."""
    from jianggao.indexer.chunking import split_sentences
    from jianggao.indexer.embedding_cache import EmbeddingCache

    # The dimension from the cache's header where there is one: an update whose passages are all cached (a file
    # removed, a speech's identity unchanged) then never loads the model (~4-6 s of a CLI update).
    dim = EmbeddingCache.stored_dim(cache_dir, encoder.cache_key) or encoder.dim
    passage_cache = EmbeddingCache(cache_dir, encoder.cache_key, dim)
    sentence_cache = EmbeddingCache(cache_dir / SENTENCE_CACHE_SUBDIR, encoder.cache_key, dim)
    by_id = {s.id: s for s in speeches}
    layouts: dict[str, list[tuple[int, int]]] = {}
    rows: list[tuple[int, int, int]] = []  # (chunk, start, end) in speech coordinates
    keys: list[str] = []  # cache key of each row
    rows_of: list[range] = []
    for i, (c, t) in enumerate(zip(chunks, texts)):
        if c.speech_id not in layouts:
            layouts[c.speech_id] = [(s.start, s.end) for s in split_sentences(by_id[c.speech_id].text)]
        prefix = len(t) - len(c.norm)  # the chunk's text ends the embedded text (see build.embedding_text)
        first = len(rows)
        for a, b in sentence_spans(layouts[c.speech_id], c):
            rows.append((i, a, b))
            keys.append(f"{t}\x00{prefix + a - c.start}:{prefix + b - c.start}")
        rows_of.append(range(first, len(rows)))

    passages = passage_cache.get_many(list(texts))
    sents = sentence_cache.get_many(keys)
    missing_rows = set(sents.missing)
    todo = longest_first(sorted(set(passages.missing) | {rows[r][0] for r in missing_rows}), texts)
    # Identical passages occur (copies of a speech keep their passages and context line: ~9% of the default
    # corpus): the model runs once per distinct text, and every copy takes that run's vectors.
    same_text: dict[str, list[int]] = {}
    for i in todo:
        same_text.setdefault(texts[i], []).append(i)
    distinct = [i for i in todo if same_text[texts[i]][0] == i]
    p_vec, s_vec = passages.vectors, sents.vectors
    alone: list[int] = []  # rows with no token in the passage's encoding
    batches = range(0, len(distinct), BATCH_CHUNKS)
    if show_progress and distinct:
        from tqdm import tqdm

        batches = tqdm(batches, desc="embedding", unit=f"x{BATCH_CHUNKS}")
    if todo:
        if encoder.dim != dim:
            raise ValueError(f"the vector cache in {cache_dir} holds vectors of dimension {dim}, the model gives "
                             f"{encoder.dim}: delete that folder and index again")
        log.info("embedding %d passages (%d distinct) with their sentences (%d cached)", len(todo), len(distinct),
                 len(chunks) - len(todo))
    for b0 in batches:
        part = distinct[b0:b0 + BATCH_CHUNKS]
        vecs, toks = encoder.encode_with_tokens([texts[i] for i in part])
        for first, v, tv in zip(part, vecs, toks):
            for i in same_text[texts[first]]:
                p_vec[i] = v
                c, t = chunks[i], texts[i]
                prefix = len(t) - len(c.norm)
                rr = list(rows_of[i])
                spans = [(prefix + rows[r][1] - c.start, prefix + rows[r][2] - c.start) for r in rr]
                pooled, empty = pool_spans(tv.vectors, tv.offsets, spans)
                s_vec[rr] = pooled
                alone.extend(rr[e] for e in empty)
        passage_cache.put_many([texts[i] for i in part], vecs)  # part holds distinct texts
    if alone:
        norms = [by_id[chunks[rows[r][0]].speech_id].norm[rows[r][1]:rows[r][2]] for r in alone]
        s_vec[alone] = encoder.encode(norms)
    fresh = sorted({r for i in todo for r in rows_of[i]})
    if fresh:
        first_key = {keys[r]: r for r in reversed(fresh)}
        sentence_cache.put_many(list(first_key), s_vec[list(first_key.values())])
    passage_cache.save()
    sentence_cache.save()
    spans = np.asarray(rows, dtype=np.int32).reshape(-1, 3)
    return ChunkEncoding(p_vec, SentenceVectors(np.ascontiguousarray(s_vec, np.float32), spans), len(todo))
