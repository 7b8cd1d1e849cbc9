#!/usr/bin/env python3
"""Cold ``ask`` latency: questions never asked before, one at a time, as a new user would send them.

For each dev set (its index and its gold questions), one process loads the index and the model and answers
one unrelated warm-up question (model load, jieba dictionaries: a one-off per process, reported apart). Then
each gold question is asked once, with the answer module's per-index caches dropped before it (speech
layouts, term frequencies), so nothing computed for an earlier question helps; the sentence vectors come from
the index, never from the model at question time. Prints p50/p95 per set and overall, the CPU flags and the
encoder backend; writes bench-results/ask.json. A measurement, not a test (timings on a shared CPU are noisy).

    .venv/bin/python scripts/bench_ask.py --set dev=data/index/dev:$JIANGGAO_SHARED/eval/dev.jsonl \\
        --set prov=data/index/prov:$JIANGGAO_SHARED/eval/provinces.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchutil import pct  # noqa: E402

FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "avx512_vnni")
WARM_UP = "示例问题：今年的重点工作有哪些？"


def cpu_description() -> dict:
    info = {"machine": platform.machine(), "cores": os.cpu_count(), "flags": []}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        if line.startswith("model name") and "model" not in info:
            info["model"] = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            have = set(line.split(":", 1)[1].split())
            info["flags"] = [f for f in FLAGS if f in have]
            break
    return info


def main(argv: list[str] | None = None) -> int:
    import jianggao.qa.answer as A
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", required=True, help="NAME=INDEX_DIR:GOLD.jsonl")
    p.add_argument("--out", type=Path, default=ROOT / "bench-results" / "ask.json")
    args = p.parse_args(argv)
    cpu = cpu_description()
    encoder = Encoder()
    result: dict = {"cpu": cpu, "sets": {}}
    every: list[float] = []
    for spec in args.set:
        name, rest = spec.split("=", 1)
        index_dir, gold = rest.split(":", 1)
        t0 = time.perf_counter()
        retriever = Retriever(Store.load(Path(index_dir)), encoder)
        A.ask(retriever, WARM_UP)
        warm = time.perf_counter() - t0
        questions = [json.loads(x)["query"] for x in Path(gold).read_text(encoding="utf-8").splitlines() if x.strip()]
        times = []
        for q in dict.fromkeys(questions):
            A._caches.clear()  # nothing an earlier question computed may help this one
            t = time.perf_counter()
            A.ask(retriever, q)
            times.append(time.perf_counter() - t)
        every += times
        has_sentences = getattr(retriever.store, "sentences", None) is not None
        result["sets"][name] = {"questions": len(times), "p50_ms": round(1000 * pct(times, 0.5), 1),
                                "p95_ms": round(1000 * pct(times, 0.95), 1), "max_ms": round(1000 * max(times), 1),
                                "load_and_warm_up_s": round(warm, 2), "sentence_vectors_in_index": has_sentences}
        r = result["sets"][name]
        print(f"{name}: {r['questions']} questions  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  max {r['max_ms']} ms"
              f"  (load + warm-up {r['load_and_warm_up_s']} s, sentence vectors in index: {has_sentences})")
    result["overall"] = {"questions": len(every), "p50_ms": round(1000 * pct(every, 0.5), 1),
                         "p95_ms": round(1000 * pct(every, 0.95), 1)}
    result["encoder"] = {"backend": encoder.backend, "compute_dtype": encoder.compute_dtype,
                         "query_dtype": encoder.query_dtype,
                         "device": encoder.device, "model": encoder.name}
    result["targets_ms"] = {"p50": 150, "p95": 400}
    print(f"overall: p50 {result['overall']['p50_ms']} ms  p95 {result['overall']['p95_ms']} ms "
          f"(targets 150 / 400)")
    print(f"cpu: {cpu.get('model', '?')}, {cpu['cores']} cores, flags {' '.join(cpu['flags']) or '-'}")
    print(f"encoder: backend {encoder.backend}, passages {encoder.compute_dtype}, questions {encoder.query_dtype} "
          f"on {encoder.device}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
