#!/usr/bin/env python3
"""Do the FAISS and the Milvus (Lite) stores give the same results? Builds both on each dev corpus with one
encoder (the vectors are computed once and shared through the embedding cache), runs the dev questions through
the same Retriever in each mode, and prints how often the top-5 passages agree and both stores' hit@5/MRR@10
(scored by $JIANGGAO_SHARED/eval/score.py). Then every dev question through ``ask`` on each store: how often the
answers are identical (answerable or not, the same citations) and both stores' cited / answered / refused shares
(score.py's cited_evidence, answered and refused, pooled over the questions). Writes bench-results/stores.json.

    .venv/bin/python scripts/compare_stores.py [--sets seeds,provinces] [--out bench-results/stores.json] [--work DIR]
        [--update]   (each index built in two runs: the second one an incremental update)
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JIANGGAO_SHARED") or ROOT.parent / "shared")
SETS = {
    "seeds": (ROOT / "data" / "speeches", SHARED / "eval" / "dev.jsonl"),
    "provinces": (SHARED / "corpora" / "provinces-2025", SHARED / "eval" / "provinces.jsonl"),
}
SEARCH_TYPES = ("factual", "paraphrase", "traditional", "similar")


def scorer():
    spec = importlib.util.spec_from_file_location("score", SHARED / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ask_shares(gold: dict, answers: dict, score_mod) -> dict:
    """cited / answered / refused over the questions score.py scores for ask, pooled (not averaged by type)."""
    table = score_mod.score(gold, {}, answers, {})
    n_by_type: dict[str, int] = {}
    for gid in answers:
        n_by_type[gold[gid]["type"]] = n_by_type.get(gold[gid]["type"], 0) + 1
    out = {}
    for metric in ("cited_evidence", "answered", "refused"):
        pairs = [(v[metric], n_by_type[t]) for t, v in table.items() if t != "overall" and metric in v]
        n = sum(k for _, k in pairs)
        out[metric] = round(sum(v * k for v, k in pairs) / n, 3) if n else None
    return out


def answer_key(a) -> tuple:
    return a.answerable, a.status, tuple((c.speech_id, c.start, c.end) for c in a.citations)


def built(corpus: Path, index_dir: Path, encoder, backend, update: bool, work: Path):
    """Build the index of ``corpus`` anew; with ``update``, first of a copy lacking every 4th file and then of the
    whole copy (an incremental ``jianggao index``: the Milvus store writes a second epoch holding only the held-out
    files' rows)."""
    import shutil

    from jianggao.indexer.build import build_index

    if not update:
        return build_index([corpus], index_dir, encoder=encoder, backend=backend, rebuild=True)
    lib, held = work / f"{corpus.name}-copy", work / f"{corpus.name}-held"
    for d in (lib, held):
        shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(corpus, lib)
    files = sorted(p for p in lib.rglob("*") if p.is_file())
    for p in files[::4]:
        (held / p.relative_to(lib)).parent.mkdir(parents=True, exist_ok=True)
        p.rename(held / p.relative_to(lib))
    build_index([lib], index_dir, encoder=encoder, backend=backend, rebuild=True)
    for p in files[::4]:
        (held / p.relative_to(lib)).rename(p)
    return build_index([lib], index_dir, encoder=encoder, backend=backend)


def run_set(name: str, corpus: Path, gold_path: Path, encoder, work: Path, score_mod, update: bool = False) -> dict:
    from jianggao.indexer.store_api import open_backend
    from jianggao.qa.answer import ask_batch
    from jianggao.qa.retrieval import Retriever

    gold: dict[str, dict] = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["id"]] = g
    items = [g for g in gold.values() if g["type"] in SEARCH_TYPES]
    queries = [g["query"] for g in items]
    index_dir = work / f"{name}-index"
    specs = {"faiss": "faiss", "milvus": f"milvus:{work / (name + '.db')}"}
    out: dict = {"corpus": str(corpus), "gold": str(gold_path), "queries": len(queries), "modes": {}}
    results: dict[str, dict[str, list]] = {}
    for store_name, spec in specs.items():
        t0 = time.perf_counter()
        # --rebuild: each store writes its index anew (timed), with vectors from the shared embedding cache
        report = built(corpus, index_dir, encoder, open_backend(spec, index_dir), update, work)
        out[f"{store_name}_index_s"] = round(time.perf_counter() - t0, 1)
        out["chunks"] = report.chunks
        backend = open_backend(spec, index_dir)
        retriever = Retriever(backend.load(), encoder)
        vecs = retriever.encode_queries(queries)
        results[store_name] = {}
        for mode in ("hybrid", "dense", "keyword"):
            # query_vectors given so that both stores see bit-identical query vectors
            ranked = retriever.ranked_batch(queries, mode=mode, n=30, query_vectors=vecs)
            results[store_name][mode] = [retriever.hits_from_ranked(r, 10) for r in ranked]
        questions = [g["query"] for g in gold.values()]
        results[store_name]["ask"] = ask_batch(retriever, questions)
        out[f"{store_name}_sentence_rows"] = len(retriever.store.sentences.spans) if retriever.store.sentences else 0
        if store_name == "milvus":
            # What the Milvus store answered before it kept sentence vectors: the same version without them.
            retriever.store.sentences = None
            results["milvus_without_sentences"] = {"ask": ask_batch(Retriever(retriever.store, encoder), questions)}
        if hasattr(backend, "close"):
            backend.close()
    for mode in ("hybrid", "dense", "keyword"):
        f, m = results["faiss"][mode], results["milvus"][mode]
        same = sum(1 for a, b in zip(f, m) if [h.chunk_id for h in a[:5]] == [h.chunk_id for h in b[:5]])
        row = {"same_top5": same, "same_top5_rate": round(same / max(1, len(queries)), 4)}
        for store_name, hits in (("faiss", f), ("milvus", m)):
            search = {g["id"]: {"results": [h.to_json() for h in hs]} for g, hs in zip(items, hits)}
            overall = score_mod.score(gold, search, {}, {})["overall"]
            row[store_name] = {"hit@5": overall.get("hit@5"), "mrr@10": overall.get("mrr@10")}
        out["modes"][mode] = row
    f, m = results["faiss"]["ask"], results["milvus"]["ask"]
    same = sum(1 for a, b in zip(f, m) if answer_key(a) == answer_key(b))
    out["ask"] = {"questions": len(f), "same_answers": same, "same_answers_rate": round(same / max(1, len(f)), 4),
                  "same_answers_without_sentences": sum(1 for a, b in zip(f, results["milvus_without_sentences"]["ask"])
                                                        if answer_key(a) == answer_key(b))}
    for store_name, answers in (("faiss", f), ("milvus", m),
                                ("milvus_without_sentences", results["milvus_without_sentences"]["ask"])):
        out["ask"][store_name] = ask_shares(gold, {gid: a.to_json() for gid, a in zip(gold, answers)}, score_mod)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="seeds,provinces")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "stores.json"))
    ap.add_argument("--work", help="keep the indexes (and their embedding caches, reused by the next run) here "
                                   "instead of a temporary folder")
    ap.add_argument("--update", action="store_true",
                    help="index each corpus in two runs (without every 4th file, then all of it) instead of one")
    args = ap.parse_args(argv)
    from jianggao.indexer.embedding import Encoder

    encoder = Encoder()
    score_mod = scorer()
    report = {"model": encoder.name, "update": args.update, "sets": {}}
    work = contextlib.nullcontext(args.work) if args.work else tempfile.TemporaryDirectory(prefix="compare-stores-")
    with work as tmp:
        for name in args.sets.split(","):
            corpus, gold = SETS[name]
            r = report["sets"][name] = run_set(name, corpus, gold, encoder, Path(tmp), score_mod, args.update)
            print(f"== {name}: {r['queries']} queries, {r['chunks']} chunks "
                  f"(index: faiss {r['faiss_index_s']}s, milvus lite {r['milvus_index_s']}s, embeddings cached after the first)")
            for mode, row in r["modes"].items():
                print(f"  {mode:8s} same top-5 {row['same_top5']}/{r['queries']} ({row['same_top5_rate']:.1%})  "
                      f"faiss hit@5 {row['faiss']['hit@5']} mrr@10 {row['faiss']['mrr@10']}  "
                      f"milvus hit@5 {row['milvus']['hit@5']} mrr@10 {row['milvus']['mrr@10']}")
            a = r["ask"]
            print(f"  ask      same answers {a['same_answers']}/{a['questions']} ({a['same_answers_rate']:.1%}; "
                  f"{a['same_answers_without_sentences']}/{a['questions']} without Milvus's sentence vectors)  "
                  + "  ".join(f"{s} cited/answered/refused "
                              f"{a[s]['cited_evidence']}/{a[s]['answered']}/{a[s]['refused']}"
                              for s in ("faiss", "milvus", "milvus_without_sentences"))
                  + f"  (sentence rows: faiss {r['faiss_sentence_rows']}, milvus {r['milvus_sentence_rows']})")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
