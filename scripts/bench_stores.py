#!/usr/bin/env python3
"""FAISS vs Milvus Lite at scale: build, search p50 (dense and keyword) and adding one speech.

The passages are SYNTHESISED: the seed corpus's real chunks (data/speeches) are embedded once with the real
model, then repeated until ``--n`` passages, each copy's vector perturbed with Gaussian noise (sigma 0.05 per
dimension, re-normalised) and its text kept (so keyword statistics are those of repeated real text). Speeches of
50 passages. Adding one speech = writing a new complete version with 50 more passages (both stores write whole
versions; see jianggao.indexer.store and jianggao.indexer.milvus_store). Figures go to bench-results/stores-bench.json.

    .venv/bin/python scripts/bench_stores.py [--n 100000] [--queries 30]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PER_SPEECH = 50


def parts(n: int, encoder, seed: int = 0):
    from jianggao.indexer.build import embedding_text, lexical_text
    from jianggao.indexer.corpus import build_corpus
    from jianggao.indexer.types import Chunk

    corpus = build_corpus([ROOT / "data" / "speeches"])
    by_id = {s.id: s for s in corpus.speeches}
    base = corpus.chunks
    base_vecs = encoder.encode([embedding_text(by_id[c.speech_id], c) for c in base])
    rng = np.random.default_rng(seed)
    speeches, chunks, lex = [], [], []
    vecs = np.empty((n, base_vecs.shape[1]), np.float32)
    for i in range(n):
        b = base[i % len(base)]
        sid = f"syn{i // PER_SPEECH:06d}"
        if i % PER_SPEECH == 0:
            src = by_id[b.speech_id]
            speeches.append(replace(src, id=sid, source=f"{sid}.txt", canonical_id=None, copies=[]))
        chunks.append(Chunk(id=f"{sid}:{i % PER_SPEECH}", speech_id=sid, order=i % PER_SPEECH, start=b.start,
                            end=b.end, text=b.text, norm=b.norm, heading=b.heading))
        lex.append(lexical_text(by_id[b.speech_id], b))
        v = base_vecs[i % len(base)] + 0.05 * rng.standard_normal(base_vecs.shape[1]).astype(np.float32)
        vecs[i] = v / np.linalg.norm(v)
    return speeches, chunks, vecs, lex, base_vecs, [c.norm[:40] for c in base]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def p50_ms(fn, items) -> float:
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
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "stores-bench.json"))
    args = ap.parse_args(argv)
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store_api import open_backend

    encoder = Encoder()
    speeches, chunks, vecs, lex, base_vecs, base_texts = parts(args.n + PER_SPEECH, encoder)
    n_sp = args.n // PER_SPEECH
    rng = np.random.default_rng(1)
    qi = rng.choice(len(base_vecs), size=args.queries, replace=len(base_vecs) < args.queries)
    qvecs = [base_vecs[i:i + 1] for i in qi]
    qtexts = [base_texts[i] for i in qi]
    report = {"n_passages": args.n, "synthesised": "seed chunks repeated, vectors + N(0, 0.05^2) noise", "stores": {}}
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as tmp:
        for name in args.stores.split(","):
            spec = "faiss" if name == "faiss" else f"milvus:{Path(tmp) / 'bench.db'}"
            backend = open_backend(spec, Path(tmp) / f"{name}-index")
            files = {s.source: "x" for s in speeches[:n_sp]}
            build = lambda k_sp: backend.build(speeches[:k_sp], chunks[:k_sp * PER_SPEECH],  # noqa: E731
                                               vecs[:k_sp * PER_SPEECH], lex[:k_sp * PER_SPEECH], model=encoder.identity,
                                               files={s.source: "x" for s in speeches[:k_sp]})
            store, t_build = timed(lambda: build(n_sp))
            _, t_save = timed(lambda: backend.save(store))
            store, t_load = timed(lambda: backend.load())
            dense = p50_ms(lambda q: store.dense_search_batch(q, 60), qvecs)
            keyword = p50_ms(lambda t: store.lexical.search_batch([t], 60), qtexts)
            bigger, t_b2 = timed(lambda: build(n_sp + 1))
            _, t_s2 = timed(lambda: backend.save(bigger))
            row = {"index_type": store.manifest.index_type, "build_s": round(t_build, 1), "save_s": round(t_save, 1),
                   "load_s": round(t_load, 1), "dense_p50_ms": dense, "keyword_p50_ms": keyword,
                   "add_one_speech_s": round(t_b2 + t_s2, 1)}
            report["stores"][name] = row
            print(f"{name:7s} {args.n} passages ({row['index_type']}): build+save {row['build_s'] + row['save_s']:.1f}s, "
                  f"load {row['load_s']}s, dense p50 {dense} ms, keyword p50 {keyword} ms, "
                  f"add one speech {row['add_one_speech_s']}s", flush=True)
            if hasattr(backend, "close"):
                backend.close()
            del files
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
