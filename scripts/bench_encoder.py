"""Benchmark: the encoder alone, every path on the same passages of the default corpus, interleaved.

What the model sees in a build (``build.embedding_text``: context line, then the passage), a fixed sample of the
distinct ones, each path timed on ``encode_with_tokens`` (passage and token vectors from one forward pass, as a
build runs it) ``--repeat`` times in turn; the median, tokens per second, the ratio to the first path and the
cosine of each path's passage vectors to the first path's are printed and written to
bench-results/encoder.json. Model loading and ONNX preparation are done before timing.

A ratio measured here is the encoder's only; ``scripts/bench_index.py`` measures whole builds.

Usage: .venv/bin/python scripts/bench_encoder.py [--paths torch,torch-bf16,onnx,onnx-int8] [--n 300] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct embedded texts of the default corpus (all of them when it has fewer), a fixed sample."""
    from jianggao.indexer.build import embedding_text
    from jianggao.indexer.corpus import DEFAULT_CORPUS
    from jianggao.indexer.loaders import load_corpus
    from jianggao.indexer.pipeline import process

    documents, _ = load_corpus([DEFAULT_CORPUS])
    result = process(documents, {}, {})
    by_id = {s.id: s for s in result.speeches}
    texts = sorted({embedding_text(by_id[c.speech_id], c) for c in result.chunks})
    return random.Random(seed).sample(texts, min(n, len(texts)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", default="torch,torch-bf16,onnx,onnx-int8", help="first one is the reference")
    ap.add_argument("--n", type=int, default=300, help="passages")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    args = ap.parse_args()

    import numpy as np

    from jianggao.indexer.embedding import Encoder

    texts = sample_texts(args.n)
    paths = [p for p in args.paths.split(",") if p]
    encoders = {p: Encoder(device="cpu", backend=p) for p in paths}
    for enc in encoders.values():
        enc.prepare()
        enc.encode_with_tokens(texts[:8])
    tokenizer = encoders[paths[0]]._load().tokenizer
    tokens = sum(len(x) for x in tokenizer(texts, truncation=True, max_length=512)["input_ids"])
    times: dict[str, list[float]] = {p: [] for p in paths}
    vectors = {}
    load = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        for p, enc in encoders.items():  # interleaved: load from other processes hits every path alike
            t = time.perf_counter()
            vectors[p], _tokens = enc.encode_with_tokens(texts)
            times[p].append(time.perf_counter() - t)
        load.append(os.getloadavg()[0])
    ref = statistics.median(times[paths[0]])
    out = {"passages": len(texts), "tokens": tokens, "load_avg_1min": load, "paths": {}}
    print(f"{len(texts)} passages, {tokens} tokens; load average during the run {min(load):.1f}-{max(load):.1f}")
    for p in paths:
        m = statistics.median(times[p])
        cos = np.sum(vectors[p] * vectors[paths[0]], axis=1)
        out["paths"][p] = {"backend": encoders[p].backend, "median_s": round(m, 2), "runs": [round(x, 2) for x in times[p]],
                           "tokens_per_s": round(tokens / m), "ratio": round(ref / m, 2),
                           "cos_min": float(cos.min()), "cos_mean": float(cos.mean())}
        print(f"  {p:12s} {m:7.2f} s  {tokens / m:7.0f} tokens/s  ratio vs {paths[0]} {ref / m:.2f}  "
              f"cos to {paths[0]}: min {cos.min():.5f} mean {cos.mean():.5f}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "encoder.json").write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
