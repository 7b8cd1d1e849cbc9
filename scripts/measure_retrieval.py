#!/usr/bin/env python3
"""Measure retrieval and answering variants on both dev sets in one process (no CLI round trips), scored by
the shared score.py. For choosing between candidate mechanisms and checking that a constant sits on a plateau
on BOTH sets; the figures of record come from scripts/eval.sh through the CLI.

    .venv/bin/python scripts/measure_retrieval.py --set dev=data/index/dev:$JIANGGAO_SHARED/eval/dev.jsonl \\
        --set prov=data/index/prov:$JIANGGAO_SHARED/eval/provinces.jsonl --variants base,nosq,sent1

Variants are named sets of RetrievalConfig fields / answer module constants (see VARIANTS); --sweep NAME=a,b,c
sweeps one knob instead. Prints one row per (variant, set).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> RetrievalConfig overrides (fields) and qa.answer overrides (UPPER-CASE names)
VARIANTS: dict[str, dict] = {
    "base": {},
    "nosq": {"self_query_weight": 0.0},
    "nostrip": {"strip_question_words": False},
    "sent05": {"sentence_weight": 0.5},
    "sent1": {"sentence_weight": 1.0},
    "kw15": {"weights": (1.0, 1.5)},
    "dense15": {"weights": (1.5, 1.0)},
    "noplace": {"PLACE_IN_SPEECH": False},
    "nonear": {"TYPE_NEAR_TERMS": False},
}
SEARCH_TYPES = ("factual", "paraphrase", "traditional", "similar")


def shared_dir() -> Path:
    env = os.environ.get("JIANGGAO_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def load_score():
    spec = importlib.util.spec_from_file_location("score", shared_dir() / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(retriever, gold: dict, score, answer_overrides: dict, do_ask: bool, k_rrf: int | None) -> dict:
    import jianggao.qa.answer as A
    import jianggao.qa.fusion as F
    import jianggao.qa.retrieval as R

    saved = {n: getattr(A, n) for n in answer_overrides}
    saved_k = (F.K, R.RRF_K)
    try:
        for n, v in answer_overrides.items():
            setattr(A, n, v)
        if k_rrf is not None:
            F.K = R.RRF_K = k_rrf
            F.rrf.__defaults__ = (None, k_rrf)
        items = [g for g in gold.values() if g["type"] in SEARCH_TYPES]
        hits = retriever.search_batch([g["query"] for g in items], k=10)
        search = {g["id"]: {"results": [h.to_json() for h in hs]} for g, hs in zip(items, hits)}
        ask = {}
        if do_ask:
            items_a = [g for g in gold.values() if g["type"] in ("factual", "paraphrase", "traditional", "unanswerable")]
            answers = A.ask_batch(retriever, [g["query"] for g in items_a])
            ask = {g["id"]: a.to_json() for g, a in zip(items_a, answers)}
        table = score.score(gold, search, ask, {})
    finally:
        for n, v in saved.items():
            setattr(A, n, v)
        F.K, R.RRF_K = saved_k
        F.rrf.__defaults__ = (None, saved_k[0])
    return table


def summary(table: dict) -> str:
    o = table.get("overall", {})
    para = table.get("paraphrase", {})
    ask = [table.get(t, {}) for t in ("factual", "paraphrase", "traditional")]
    ans = [m for m in ask if "answered" in m]
    out = f"hit@5={o.get('hit@5', 0):.3f} mrr={o.get('mrr@10', 0):.3f} para@5={para.get('hit@5', 0):.3f}"
    if ans:
        out += (f" cited={o.get('cited_evidence', 0):.3f} refused={table.get('unanswerable', {}).get('refused', 0):.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import RetrievalConfig, Retriever

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", required=True, help="NAME=INDEX_DIR:GOLD.jsonl")
    p.add_argument("--variants", default="base")
    p.add_argument("--sweep", help="KNOB=v1,v2,... (a RetrievalConfig field, an answer constant, or rrf_k)")
    p.add_argument("--ask", action="store_true", help="also run ask (slower)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    score = load_score()
    enc = Encoder()
    sets = []
    for spec in args.set:
        name, rest = spec.split("=", 1)
        idx, gold = rest.split(":", 1)
        sets.append((name, Store.load(Path(idx)), score.load(gold)))
    runs: list[tuple[str, dict]] = []
    if args.sweep:
        knob, values = args.sweep.split("=", 1)
        for v in values.split(","):
            runs.append((f"{knob}={v}", {knob: json.loads(v)}))
    else:
        runs = [(v, VARIANTS[v]) for v in args.variants.split(",")]
    fields = {f.name for f in dataclasses.fields(RetrievalConfig)}
    results = {}
    for label, over in runs:
        cfg = RetrievalConfig(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in over.items() if k in fields})
        ans = {k: v for k, v in over.items() if k.isupper()}
        k_rrf = over.get("rrf_k")
        for name, store, gold in sets:
            table = run(Retriever(store, enc, config=cfg), gold, score, ans, args.ask, k_rrf)
            results[f"{label}/{name}"] = table
            print(f"{label:24s} {name:6s} {summary(table)}", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
