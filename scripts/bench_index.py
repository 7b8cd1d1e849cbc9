"""Benchmark of the index and search layer on the default corpus, in one run (figures for the README).

Prints, and writes to bench-results/index.json:
* index build time and chunks/s of the project's path (length-sorted batches, the encoder's precision choice,
  empty cache) beside plain fp32 ``SentenceTransformer.encode(batch_size=32)`` on the same chunk texts, and
  their ratio; and the encoder's other CPU paths (torch fp32, ONNX Runtime fp32, torch bf16 where the CPU has
  native bf16) on the same texts, so the automatic choice can be checked;
* the no-change re-index time;
* search latency p50/p95 per mode over the dev queries (one query per call, model already loaded);
* peak resident memory of the process.

Usage: .venv/bin/python scripts/bench_index.py [--queries ../shared/eval/dev.jsonl] [--out bench-results]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchutil import pct  # noqa: E402  (this folder is on sys.path when run as a script)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    ap.add_argument("--repeat", type=int, default=5, help="passes over the queries for latency")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from jianggao.indexer.build import build_index, embedding_text
    from jianggao.indexer.embedding import Encoder, cpu_has_native_bf16
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import MODES, Retriever

    out: dict = {"torch_threads": torch.get_num_threads()}
    encoder = Encoder()
    encoder.dim  # load the model before timing
    out["model"] = encoder.name
    out["device"] = encoder.device
    out["compute_dtype"] = str(encoder.compute_dtype)
    out["backend"] = encoder.backend

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        t = time.perf_counter()
        report = build_index(None, index_dir, encoder=encoder)
        build_s = time.perf_counter() - t
        store = Store.load(index_dir)
        by_id = {s.id: s for s in store.speeches}
        texts = [embedding_text(by_id[c.speech_id], c) for c in store.chunks]
        out.update(chunks=len(texts), speeches=len(store.speeches), build_s=round(build_s, 2),
                   embedded=report.embedded)

        # The project's embedding path alone (no splitting, no cache), then the plain baseline.
        t = time.perf_counter()
        encoder.encode(texts)
        ours_s = time.perf_counter() - t
        plain = SentenceTransformer(encoder.name, device="cpu")
        t = time.perf_counter()
        plain.encode(texts, batch_size=32, normalize_embeddings=True)
        plain_s = time.perf_counter() - t
        out.update(
            encode_s=round(ours_s, 2),
            encode_chunks_per_s=round(len(texts) / ours_s, 1),
            plain_fp32_s=round(plain_s, 2),
            plain_fp32_chunks_per_s=round(len(texts) / plain_s, 1),
            speedup=round(plain_s / ours_s, 2),
        )
        del plain

        # The other CPU paths the encoder offers, on the same texts, so that the automatic choice is checked.
        alternatives = {"torch fp32": dict(backend="torch", precision="fp32")}
        if importlib.util.find_spec("onnxruntime") is not None:
            alternatives["onnx fp32"] = dict(backend="onnx", precision="fp32")
        if encoder.device == "cpu" and cpu_has_native_bf16():
            alternatives["torch bf16"] = dict(backend="torch", precision="bf16")
        chosen = f"{encoder.backend} {encoder.compute_dtype}"
        out["paths_chunks_per_s"] = {chosen: out["encode_chunks_per_s"]}
        for name, opts in alternatives.items():
            if name == chosen:
                continue
            alt = Encoder(model=encoder.name, device=encoder.device, **opts)
            alt.encode(texts[:8])  # load (and for onnx, export) before timing
            t = time.perf_counter()
            alt.encode(texts)
            out["paths_chunks_per_s"][name] = round(len(texts) / (time.perf_counter() - t), 1)
            del alt
        out["chosen_path"] = chosen

        t = time.perf_counter()
        again = build_index(None, index_dir, encoder=encoder)
        out["noop_reindex_s"] = round(time.perf_counter() - t, 2)
        assert again.nothing_to_do

        queries = [json.loads(line)["query"] for line in open(args.queries, encoding="utf-8") if line.strip()]
        retriever = Retriever(store, encoder)
        for mode in MODES:  # warm up (jieba, faiss, the kernels for each query length) before timing
            for q in queries:
                retriever.search(q, k=10, mode=mode)
        latency = {}
        for mode in MODES:
            times = []
            for _ in range(args.repeat):
                for q in queries:
                    t = time.perf_counter()
                    retriever.search(q, k=10, mode=mode)
                    times.append((time.perf_counter() - t) * 1000)
            latency[mode] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(pct(times, 0.95), 1),
                             "n": len(times)}
        out["search_latency"] = latency
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    print(f"model {out['model']} on {out['device']} ({out['backend']}, {out['compute_dtype']}), {out['torch_threads']} threads")
    print(f"index build (default corpus, empty cache): {out['build_s']}s for {out['chunks']} chunks "
          f"of {out['speeches']} speeches")
    print(f"embedding: project path {out['encode_chunks_per_s']} chunks/s ({out['encode_s']}s), "
          f"plain fp32 encode(batch_size=32) {out['plain_fp32_chunks_per_s']} chunks/s ({out['plain_fp32_s']}s), "
          f"ratio {out['speedup']}x")
    paths = ", ".join(f"{k} {v}" for k, v in out["paths_chunks_per_s"].items())
    print(f"encoder paths (chunks/s; the first is the automatic choice, {out['chosen_path']}): {paths}")
    print(f"no-change re-index: {out['noop_reindex_s']}s")
    for mode, m in latency.items():
        print(f"search {mode:8s} p50 {m['p50_ms']} ms  p95 {m['p95_ms']} ms  (n={m['n']})")
    print(f"peak RSS: {out['peak_rss_mb']} MB")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "index.json").write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
