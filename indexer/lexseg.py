"""Keyword search in segments: BM25 that grows by appending a segment per added batch of files.

``jianggao.indexer.lexical.LexicalIndex`` (bm25s) bakes the collection's statistics (document count, mean length,
document frequencies) into every stored score, so one added file changes every score and the whole index is
rebuilt. Here each segment stores only what does not depend on the rest of the collection: per term, its
postings (document, term frequency), and per document its length. The statistics are combined at query time:

    N, avgdl   = live documents of all segments, their mean length (deleted documents excluded)
    df(t)      = live postings of t summed over the segments
    score(d)   = sum_t  ln(1 + (N - df + 0.5) / (df + 0.5)) * tf / (tf + k1 * (1 - b + b * len(d) / avgdl))

which is exactly bm25s's default ("lucene" idf, Robertson tf part, k1 = 1.5, b = 0.75) over the live documents,
so a segmented index ranks and scores like a ``LexicalIndex`` rebuilt from the same texts — no approximation
(tests/indexer/test_lexseg.py checks it). Terms are ``jianggao.indexer.lexical.terms`` (jieba words + bigrams).

Deletion marks documents dead (a boolean mask over global positions); their postings are skipped at query time
and dropped when segments are merged. Segments are merged (``compact``) when more than ``MAX_SEGMENTS`` pile up:
adjacent small segments are merged into one, so positions never move. Arrays are ``.npy`` files opened with
``mmap_mode="r"``; only the vocabulary (term -> id) is a Python dict per segment.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from jianggao.indexer.lexical import LexicalHit, check_batch, resources_signature, terms, terms_many

K1 = 1.5
B = 0.75
MAX_SEGMENTS = 8
TERM_CACHE_BYTES = 256 * 2**20  # per index: the tf parts of frequent terms (see SegmentedKeywordIndex._term)
CACHE_MIN_DF = 10_000
SEGMENT_FORMAT = 1

VOCAB = "vocab.json"
ARRAYS = ("ptr", "docs", "tf", "doc_len")
META = "keyword.json"


class KeywordSegment:
    """Postings of a run of documents (local positions 0..n-1), in CSR form by term id."""

    def __init__(self, vocab: dict[str, int], ptr: np.ndarray, docs: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray) -> None:
        self.vocab = vocab
        self.ptr = ptr  # int64 (V+1): postings of term t are docs[ptr[t]:ptr[t+1]]
        self.docs = docs  # int32, ascending within a term
        self.tf = tf  # uint16 (saturates at 65535)
        self.doc_len = doc_len  # int32 tokens per document (repeats counted)

    def __len__(self) -> int:
        return len(self.doc_len)

    @property
    def n_postings(self) -> int:
        return len(self.docs)

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> "KeywordSegment":
        return cls.from_terms(terms_many(texts))

    @classmethod
    def from_terms(cls, docs: Sequence[Sequence[str]]) -> "KeywordSegment":
        vocab: dict[str, int] = {}
        ids = [np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), dtype=np.int64, count=len(doc))
               for doc in docs]
        return cls.from_ids(list(vocab), ids)

    @classmethod
    def from_ids(cls, words: Sequence[str], docs: Sequence[np.ndarray]) -> "KeywordSegment":
        """Build from documents given as arrays of indices into ``words`` (repeats = term frequency). Unused
        words are dropped from the vocabulary."""
        lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        flat = np.concatenate([np.asarray(d, dtype=np.int64) for d in docs]) if len(docs) else np.zeros(0, np.int64)
        return cls.from_flat(words, flat, lens)

    @classmethod
    def from_flat(cls, words: Sequence[str], flat: np.ndarray, lens: np.ndarray) -> "KeywordSegment":
        """``from_ids`` with the documents' word indices concatenated in ``flat`` and their lengths in ``lens``."""
        n = len(lens)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lens)
        key, tf = np.unique(np.asarray(flat, dtype=np.int64) * max(n, 1) + doc_of, return_counts=True)
        del doc_of
        term, doc = np.divmod(key, max(n, 1))  # sorted by (term, doc)
        del key
        used, term = np.unique(term, return_inverse=True)
        ptr = np.zeros(len(used) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term, minlength=len(used)), out=ptr[1:])
        vocab = {words[int(w)]: i for i, w in enumerate(used)}
        return cls(vocab, ptr, doc.astype(np.int32), np.minimum(tf, 65535).astype(np.uint16),
                   np.asarray(lens).astype(np.int32))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        t = self.vocab.get(term)
        if t is None:
            return None
        a, b = int(self.ptr[t]), int(self.ptr[t + 1])
        return self.docs[a:b], self.tf[a:b]

    # -- persistence -----------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        (folder / VOCAB).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        for name in ARRAYS:
            np.save(folder / f"{name}.npy", np.asarray(getattr(self, name)), allow_pickle=False)
        (folder / META).write_text(json.dumps({"format": SEGMENT_FORMAT, "n_docs": len(self),
                                               "signature": resources_signature()}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "KeywordSegment":
        folder = Path(folder)
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("format") != SEGMENT_FORMAT:
            raise ValueError(f"keyword segment {folder} has format {meta.get('format')!r}, expected {SEGMENT_FORMAT}")
        words = json.loads((folder / VOCAB).read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS}
        seg = cls({w: i for i, w in enumerate(words)}, **arrays)
        if len(seg) != meta["n_docs"] or len(seg.ptr) != len(words) + 1 or int(seg.ptr[-1]) != len(seg.docs):
            raise ValueError(f"keyword segment {folder} is inconsistent")
        return seg


def merge(segments: Sequence[KeywordSegment], dead: np.ndarray | None = None) -> KeywordSegment:
    """One segment holding ``segments`` one after another (positions unchanged). Postings of documents marked
    in ``dead`` (a mask over the merged positions) are dropped and their length set to 0.

    No global sort: each segment's postings are scattered to their place (term order, then segment order, so
    documents stay ascending within a term): O(postings), memory ~ the output plus one segment's temporaries."""
    offsets = np.cumsum([0] + [len(s) for s in segments]).astype(np.int64)
    words: dict[str, int] = {}
    remaps, kept = [], []
    for seg, off in zip(segments, offsets):
        local_words = sorted(seg.vocab, key=seg.vocab.__getitem__)
        remaps.append(np.fromiter((words.setdefault(w, len(words)) for w in local_words), dtype=np.int64,
                                  count=len(local_words)))
        if dead is not None and dead[off:off + len(seg)].any():
            keep = ~dead[off:off + len(seg)][np.asarray(seg.docs)]
            term_of = np.repeat(np.arange(len(seg.ptr) - 1), np.diff(np.asarray(seg.ptr)))[keep]
            df = np.bincount(term_of, minlength=len(seg.ptr) - 1)
            kept.append((keep, df))
        else:
            kept.append((None, np.diff(np.asarray(seg.ptr))))
    total = np.zeros(len(words), dtype=np.int64)
    for remap, (_, df) in zip(remaps, kept):
        np.add.at(total, remap, df)
    ptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(total, out=ptr[1:])
    cursor = ptr[:-1].copy()
    docs = np.empty(int(ptr[-1]), dtype=np.int32)
    tf = np.empty(int(ptr[-1]), dtype=np.uint16)
    for seg, off, remap, (keep, df) in zip(segments, offsets, remaps, kept):
        sdocs, stf = np.asarray(seg.docs), np.asarray(seg.tf)
        if keep is not None:
            sdocs, stf = sdocs[keep], stf[keep]
        starts = np.repeat(cursor[remap], df)
        within = np.arange(len(sdocs), dtype=np.int64) - np.repeat(np.cumsum(df) - df, df)
        dest = starts + within
        docs[dest] = sdocs + off
        tf[dest] = stf
        cursor[remap] += df
    doc_len = np.concatenate([np.asarray(s.doc_len) for s in segments]).astype(np.int32) if segments \
        else np.zeros(0, np.int32)
    if dead is not None:
        doc_len[dead[: len(doc_len)]] = 0
    # Terms that only deleted documents had are dropped from the vocabulary.
    used = np.flatnonzero(total > 0)
    if len(used) < len(total):
        ptr = np.concatenate([[0], np.cumsum(total[used])]).astype(np.int64)
    inv_words = list(words)
    vocab = {inv_words[int(w)]: i for i, w in enumerate(used)}
    return KeywordSegment(vocab, ptr, docs, tf, doc_len)


class SegmentedKeywordIndex:
    """BM25 over consecutive segments, with exact collection statistics; same search API as LexicalIndex."""

    def __init__(self, segments: Sequence[KeywordSegment], dead: np.ndarray | None = None) -> None:
        self.segments = list(segments)
        self.offsets = np.cumsum([0] + [len(s) for s in self.segments]).astype(np.int64)
        self.n_docs = int(self.offsets[-1])
        self.dead = dead if dead is not None and dead.any() else None
        if self.dead is not None and len(self.dead) != self.n_docs:
            raise ValueError(f"deletion mask of {len(self.dead)} for {self.n_docs} documents")
        lens = np.concatenate([np.asarray(s.doc_len) for s in self.segments]).astype(np.float32) \
            if self.segments else np.zeros(0, np.float32)
        live_lens = lens if self.dead is None else lens[~self.dead]
        self.n_live = len(live_lens)
        avgdl = float(live_lens.mean()) if self.n_live and live_lens.sum() > 0 else 1.0
        # The length part of the tf denominator, per document: fixed for this (immutable) index.
        self._norm = (K1 * ((1 - B) + B * lens / avgdl)).astype(np.float32)
        self._cache: dict[str, tuple[int, list[tuple[np.ndarray, np.ndarray]]]] = {}
        self._cache_bytes = 0

    def __len__(self) -> int:
        return self.n_docs

    # -- changes (each returns a new index; this one is unchanged) ---------------------------------------------
    def with_segment(self, segment: KeywordSegment) -> "SegmentedKeywordIndex":
        dead = None if self.dead is None else np.concatenate([self.dead, np.zeros(len(segment), bool)])
        return SegmentedKeywordIndex(self.segments + [segment], dead)

    def with_deleted(self, positions: Sequence[int]) -> "SegmentedKeywordIndex":
        dead = np.zeros(self.n_docs, bool) if self.dead is None else self.dead.copy()
        dead[np.asarray(positions, dtype=np.int64)] = True
        return SegmentedKeywordIndex(self.segments, dead)

    def compacted(self, max_segments: int = MAX_SEGMENTS) -> "SegmentedKeywordIndex":
        """Merge adjacent segments until at most ``max_segments`` remain: repeatedly the adjacent pair with the
        fewest documents (small recent segments merge first; the big ones are rarely rewritten)."""
        segs = list(self.segments)
        if len(segs) <= max_segments:
            return self
        bounds = [int(x) for x in self.offsets]  # segment i covers bounds[i]:bounds[i+1]
        groups = [[i] for i in range(len(segs))]
        while len(groups) > max_segments:
            sizes = [sum(len(segs[i]) for i in g) for g in groups]
            j = min(range(len(groups) - 1), key=lambda j: sizes[j] + sizes[j + 1])
            groups[j:j + 2] = [groups[j] + groups[j + 1]]
        out = []
        for g in groups:
            if len(g) == 1:
                out.append(segs[g[0]])
                continue
            lo, hi = bounds[g[0]], bounds[g[-1] + 1]
            out.append(merge([segs[i] for i in g], None if self.dead is None else self.dead[lo:hi]))
        return SegmentedKeywordIndex(out, self.dead)

    # -- search ----------------------------------------------------------------------------------------------
    def search(self, query: str, k: int) -> list[LexicalHit]:
        return self.search_batch([query], k)[0]

    def search_batch(self, queries: Sequence[str], k: int) -> list[list[LexicalHit]]:
        check_batch(queries, k)
        return [self.search_terms(terms(q), k) for q in queries]

    def _term(self, term: str) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
        """Live document frequency of ``term`` and, per segment, its live postings (global positions) with the
        length-normalised tf part, ``tf / (tf + k1 * (1 - b + b * len / avgdl))``. That part depends only on
        this (immutable) index, so frequent terms' arrays are kept (up to ``TERM_CACHE_BYTES``): a query's cost is
        then one scaled scatter-add per term."""
        hit = self._cache.get(term)
        if hit is not None:
            return hit
        found = []
        for seg, off in zip(self.segments, self.offsets):
            p = seg.postings(term)
            if p is not None and len(p[0]):
                docs = np.asarray(p[0]) if off == 0 else np.asarray(p[0], dtype=np.int64) + off
                tf = np.asarray(p[1], dtype=np.float32)
                if self.dead is not None:
                    live = ~self.dead[docs]
                    docs, tf = docs[live], tf[live]
                found.append((docs, tf / (self._norm[docs] + tf)))
        out = (sum(len(d) for d, _ in found), found)
        size = sum(d.nbytes + t.nbytes for d, t in found)
        if out[0] >= CACHE_MIN_DF and self._cache_bytes + size <= TERM_CACHE_BYTES:
            self._cache[term] = out
            self._cache_bytes += size
        return out

    def doc_freq(self, term: str) -> int:
        """How many live documents contain ``term`` (a word or '#'-marked bigram of ``terms``)."""
        return self._term(term)[0]

    def contain_freq(self, text: str) -> int:
        """Live documents holding every term of ``text`` (its words and bigrams): an estimate, from above, of how
        many contain ``text`` as a substring (exact for a two-character CJK word: its one bigram). Used where
        the qa layer would otherwise scan every passage's text."""
        sets = None
        for term in dict.fromkeys(terms(text)):
            df, found = self._term(term)
            if df == 0:
                return 0
            docs = np.concatenate([d for d, _ in found]) if len(found) > 1 else found[0][0]
            sets = docs if sets is None else np.intersect1d(sets, docs, assume_unique=True)
            if len(sets) == 0:
                return 0
        return int(len(sets)) if sets is not None else 0

    def search_terms(self, query_terms: Sequence[str], k: int) -> list[LexicalHit]:
        """Up to ``k`` documents, best first (ties in position order), sharing a term with the query."""
        if self.n_live == 0:
            return []
        docs_parts, score_parts = [], []
        for term in dict.fromkeys(query_terms):  # each distinct term counts once, as in LexicalIndex
            df, found = self._term(term)
            if df == 0:
                continue
            idf = np.float32(np.log(1 + (self.n_live - df + 0.5) / (df + 0.5)))
            for docs, tfc in found:
                docs_parts.append(docs)
                score_parts.append(idf * tfc)
        if not docs_parts:
            return []
        # One bincount over all the query's postings: ~20% faster than a scatter-add per term at 1M passages
        # (~1M postings per question); summed in float64, then kept as float32 like bm25s's scores.
        acc = np.bincount(np.concatenate(docs_parts), weights=np.concatenate(score_parts),
                          minlength=self.n_docs).astype(np.float32)
        matched = np.flatnonzero(acc > 0)
        if len(matched) > k:
            matched = matched[np.argpartition(-acc[matched], k - 1)[:k]]
        order = np.lexsort((matched, -acc[matched]))
        return [LexicalHit(int(matched[i]), float(acc[matched[i]])) for i in order]
