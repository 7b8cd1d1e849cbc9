#!/usr/bin/env python3
"""FAISS vs Milvus Lite at scale: build, load, search p50 (dense and keyword) and adding one speech.

The passages are SYNTHESISED, as scripts/bench_scale.py does: the seed corpus's real chunks (data/speeches) are
embedded once with the real model (passage and sentence vectors, jianggao.indexer.sentvec), then repeated until
``--n`` passages, each copy's vectors perturbed with Gaussian noise (sigma 0.05 per dimension, re-normalised) and
its text kept, so keyword statistics are those of repeated real text. Speeches of 50 passages. Both stores get the
sentence vectors (``--no-sentences`` leaves them out), as an index built by ``jianggao index`` has them.

Tokenising is done once per distinct text and reused for its copies (the keyword terms of
jianggao.indexer.lexical are memoised for the run, in both stores alike), so that 100k passages build in
minutes; the tokenising rate on the real text is reported apart (``tokenise_chars_per_s``). Everything else,
the keyword index built from the terms (bm25s / Milvus's BM25 function), the dense index, the rows written to
Milvus, is done in full.

Adding one speech = each store's update path, as ``jianggao index`` calls it (build the whole library's parts, then
save): the Milvus store writes an epoch holding only the new speech's rows (its passages, sentence rows, speech, and
the epoch's layout and manifest; jianggao.indexer.milvus_store), the default FAISS store writes a new complete
version folder (jianggao.indexer.store). Build + save, timed; for Milvus the rows the update wrote are counted.
The load average (1 min) is recorded before and after: other processes share the machine. Figures go to
bench-results/stores-bench.json (``--out``) and a table is printed.

    .venv/bin/python scripts/bench_stores.py [--n 100000] [--queries 30] [--stores faiss,milvus]
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PER_SPEECH = 50
SIGMA = 0.05


def perturbed(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    v = base + SIGMA * rng.standard_normal(base.shape).astype(np.float32)
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def parts(n: int, encoder, cache_dir: Path, with_sentences: bool = True, seed: int = 0):
    """``n`` synthesised passages in speeches of PER_SPEECH: speeches, chunks, vectors, keyword texts, sentence
    vectors (or None), and the real base vectors and texts (for queries)."""
    from jianggao.indexer.build import embedding_text, lexical_text
    from jianggao.indexer.corpus import build_corpus
    from jianggao.indexer.sentvec import SentenceVectors, encode_chunks
    from jianggao.indexer.types import Chunk

    corpus = build_corpus([ROOT / "data" / "speeches"])
    by_id = {s.id: s for s in corpus.speeches}
    base = corpus.chunks
    enc = encode_chunks(encoder, corpus.speeches, base, [embedding_text(by_id[c.speech_id], c) for c in base],
                        cache_dir)
    base_vecs, base_sents = enc.passages, enc.sentences
    rows_of = np.searchsorted(base_sents.spans[:, 0], np.arange(len(base) + 1))  # base chunk -> its sentence rows
    rng = np.random.default_rng(seed)
    speeches, chunks, lex = [], [], []
    for i in range(n):
        b = base[i % len(base)]
        sid = f"syn{i // PER_SPEECH:06d}"
        if i % PER_SPEECH == 0:
            src = by_id[b.speech_id]
            speeches.append(replace(src, id=sid, source=f"{sid}.txt", canonical_id=None, copies=[]))
        chunks.append(Chunk(id=f"{sid}:{i % PER_SPEECH}", speech_id=sid, order=i % PER_SPEECH, start=b.start,
                            end=b.end, text=b.text, norm=b.norm, heading=b.heading))
        lex.append(lexical_text(by_id[b.speech_id], b))
    idx = np.arange(n) % len(base)
    vecs = np.empty((n, base_vecs.shape[1]), np.float32)
    for a in range(0, n, 10_000):
        vecs[a:a + 10_000] = perturbed(base_vecs[idx[a:a + 10_000]], rng)
    if not with_sentences:
        return speeches, chunks, vecs, lex, None, base_vecs, [c.norm[:40] for c in base]
    # Sentence rows: each copy gets its base chunk's rows (spans relative to the same speech text), perturbed.
    counts = np.diff(rows_of)[idx]
    src_rows = np.concatenate([np.arange(rows_of[j], rows_of[j + 1]) for j in idx]) if n else np.zeros(0, np.int64)
    spans = base_sents.spans[src_rows].copy()
    spans[:, 0] = np.repeat(np.arange(n), counts)
    svecs = np.empty((len(src_rows), base_vecs.shape[1]), np.float32)
    for a in range(0, len(src_rows), 50_000):
        svecs[a:a + 50_000] = perturbed(base_sents.vectors[src_rows[a:a + 50_000]], rng)
    return (speeches, chunks, vecs, lex, SentenceVectors(svecs, spans.astype(np.int32)), base_vecs,
            [c.norm[:40] for c in base])


def first_of(sentences, n_chunks: int):
    """The sentence rows of the first ``n_chunks`` passages (rows are in chunk order)."""
    from jianggao.indexer.sentvec import SentenceVectors

    end = int(np.searchsorted(sentences.spans[:, 0], n_chunks))
    return SentenceVectors(sentences.vectors[:end], sentences.spans[:end])


def tokenise_rate(texts: list[str]) -> float:
    """The real tokenising rate (characters per second) of jianggao.indexer.lexical.terms on ``texts``."""
    from jianggao.indexer.lexical import terms

    terms(texts[0])  # the tokeniser's dictionary loaded outside the timing
    t0 = time.perf_counter()
    for t in texts:
        terms(t)
    return sum(map(len, texts)) / (time.perf_counter() - t0)


@contextlib.contextmanager
def memoised_terms():
    """The keyword terms memoised per text while building, so that repeated synthetic text is tokenised once;
    restored for the searches, whose queries are tokenised in full. The FAISS store tokenises all passages in one
    terms_many call, whose own memo of distinct lines already does this; the Milvus store calls terms_many per
    insert batch, whose memo would not span the copies, so its terms_many is memoised here per text (the same
    lists: terms_many(texts) == [terms(t) for t in texts])."""
    from jianggao.indexer import lexical, milvus_store

    real, real_many = lexical.terms, milvus_store.terms_many
    cached = functools.lru_cache(maxsize=None)(real)
    lexical.terms = milvus_store.terms = lambda text: list(cached(text))  # a fresh list: callers may extend it
    milvus_store.terms_many = lambda texts: [list(cached(t)) for t in texts]
    try:
        yield
    finally:
        lexical.terms = milvus_store.terms = real
        milvus_store.terms_many = real_many


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def p50_ms(fn, items) -> float:
    fn(items[0])  # one warm-up call
    times = []
    for it in items:
        _, s = timed(lambda: fn(it))
        times.append(s * 1000)
    return round(statistics.median(times), 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--stores", default="faiss,milvus")
    ap.add_argument("--no-sentences", action="store_true", help="build without sentence vectors")
    ap.add_argument("--cache", help="embedding cache of the seed corpus to reuse (an index folder's embcache); "
                                    "default a fresh one")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "stores-bench.json"))
    args = ap.parse_args(argv)
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store_api import open_backend

    encoder = Encoder()
    t_all = time.perf_counter()
    load_before = round(os.getloadavg()[0], 1)
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as tmp:
        speeches, chunks, vecs, lex, sents, base_vecs, base_texts = parts(
            args.n + PER_SPEECH, encoder, Path(args.cache) if args.cache else Path(tmp) / "embcache",
            with_sentences=not args.no_sentences)
        rate = tokenise_rate(lex[:len(base_texts)])
        n_sp = args.n // PER_SPEECH
        rng = np.random.default_rng(1)
        qi = rng.choice(len(base_vecs), size=args.queries, replace=len(base_vecs) < args.queries)
        qvecs = [base_vecs[i:i + 1] for i in qi]
        qtexts = [base_texts[i] for i in qi]
        n_rows = 0 if args.no_sentences else len(first_of(sents, args.n).spans)
        report = {"n_passages": args.n, "n_sentence_rows": n_rows,
                  "synthesised": f"seed chunks repeated, {'passage' if args.no_sentences else 'passage and sentence'} "
                                 f"vectors + N(0, {SIGMA}^2) noise; keyword terms tokenised once per distinct text",
                  "tokenise_chars_per_s": round(rate), "stores": {}}
        print(f"{args.n} passages, {report['n_sentence_rows']} sentence rows (synthesised in "
              f"{time.perf_counter() - t_all:.0f}s); tokenising {rate:,.0f} chars/s", flush=True)
        for name in args.stores.split(","):
            spec = "faiss" if name == "faiss" else f"milvus:{Path(tmp) / 'bench.db'}"
            backend = open_backend(spec, Path(tmp) / f"{name}-index")

            def build(k_sp: int):
                k = k_sp * PER_SPEECH
                return backend.build(speeches[:k_sp], chunks[:k], vecs[:k], lex[:k], model=encoder.identity,
                                     files={s.source: "x" for s in speeches[:k_sp]},
                                     sentences=None if args.no_sentences else first_of(sents, k))

            with memoised_terms():
                store, t_build = timed(lambda: build(n_sp))
                _, t_save = timed(lambda: backend.save(store))
            del store
            store, t_load = timed(lambda: backend.load())
            dense = p50_ms(lambda q: store.dense_search_batch(q, 60), qvecs)
            keyword = p50_ms(lambda t: store.lexical.search_batch([t], 60), qtexts)
            with memoised_terms():
                bigger, t_b2 = timed(lambda: build(n_sp + 1))
                _, t_s2 = timed(lambda: backend.save(bigger))
            written = {}
            if getattr(bigger, "epoch", 0):  # the Milvus store: count what the update wrote
                for coll, key in ((bigger.collection, "passages"), (f"{bigger.collection}_sents", "packed_sentence_rows"),
                                  (f"{bigger.collection}_docs", "docs")):
                    res = backend.client.query(coll, filter=f"born == {bigger.epoch}", output_fields=["count(*)"])
                    written[key] = int(res[0]["count(*)"])
            del bigger, store
            row = {"index_type": backend.load().manifest.index_type, "build_s": round(t_build, 1),
                   "save_s": round(t_save, 1), "load_s": round(t_load, 1), "dense_p50_ms": dense,
                   "keyword_p50_ms": keyword, "add_one_speech_s": round(t_b2 + t_s2, 1),
                   "add_one_speech_parts_s": {"build": round(t_b2, 1), "save": round(t_s2, 1)},
                   "add_one_speech_rows_written": written or "a whole version"}
            report["stores"][name] = row
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)  # each store's row kept as soon as it is done
            Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
            print(f"{name}: build+save {row['build_s'] + row['save_s']:.1f}s, load {t_load:.1f}s, "
                  f"add one speech {row['add_one_speech_s']}s", flush=True)
            if hasattr(backend, "close"):
                backend.close()
    report["wall_s"] = round(time.perf_counter() - t_all)
    report["load_average_1min"] = {"start": load_before, "end": round(os.getloadavg()[0], 1)}
    print(f"\n| store ({args.n:,} passages, {report['n_sentence_rows']:,} sentence rows) | index | build+save s | "
          "load s | dense p50 ms | keyword p50 ms | add one speech s |")
    print("|---|---|---|---|---|---|---|")
    for name, r in report["stores"].items():
        print(f"| {name} | {r['index_type']} | {r['build_s'] + r['save_s']:.1f} | {r['load_s']} | "
              f"{r['dense_p50_ms']} | {r['keyword_p50_ms']} | {r['add_one_speech_s']} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.out} ({report['wall_s']}s in all; load average {report['load_average_1min']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
