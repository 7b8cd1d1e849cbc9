#!/usr/bin/env python3
"""Where compare loses evidence, in aggregate: for every evidence string of the compare items of a gold set,
whether its speech is among the shown speeches (top ``--max``) and whether one of its shown passages holds it,
and the rank of its best holding passage inside its speech. Prints counts (not items) and, with --sweep,
speech_recall@10 for a few aggregation settings.

    .venv/bin/python scripts/diagnose_compare.py data/index/prov $JIANGGAO_SHARED/eval/provinces.jsonl
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store import Store
    import jianggao.qa.compare as C
    from jianggao.qa.retrieval import Retriever

    p = argparse.ArgumentParser()
    p.add_argument("index")
    p.add_argument("gold")
    p.add_argument("--max", type=int, default=10)
    p.add_argument("--sweep", default="")
    a = p.parse_args(argv)
    shared = Path(os.environ.get("JIANGGAO_SHARED") or ROOT.parent / "shared")
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    gold = [g for g in score.load(a.gold).values() if g["type"] == "compare"]
    store = Store.load(Path(a.index))
    r = Retriever(store, Encoder())
    chunk_norms = [score.norm(c.text) if len(c.text) <= score.MAX_PASSAGE else "" for c in store.chunks]
    counts = collections.Counter()
    ranks = collections.Counter()
    inner = collections.Counter()
    for g in gold:
        cmp = C.compare(r, g["query"], max_speeches=a.max)
        shown = {s.speech_id: s for s in cmp.speeches}
        for e in g["evidence"]:
            ne = score.norm(e)
            holders = [i for i, n in enumerate(chunk_norms) if ne and ne in n]
            if not holders:
                counts["not in any passage"] += 1
                continue
            sids = {store.chunks[i].speech_id for i in holders}
            order = [s.speech_id for s in cmp.speeches]
            sp = next((shown[s] for s in sids if s in shown), None)
            if sp is None:
                counts["speech not shown"] += 1
                continue
            ranks[order.index(sp.speech_id) + 1] += 1
            if any(score.hits(p.text, [e]) for p in sp.passages):
                counts["covered"] += 1
            else:
                counts["speech shown, passage not"] += 1
    print(dict(counts), "shown speech rank of evidence:", sorted(ranks.items()), flush=True)
    for knob in filter(None, a.sweep.split(";")):
        name, vals = knob.split("=")
        for v in vals.split(","):
            old = getattr(C, name)
            setattr(C, name, type(old)(v))
            C.aggregate.__defaults__ = (C.SPEECH_DECAY, C.SCORED_PASSAGES)  # bound at definition
            rec = []
            for g in gold:
                cmp = C.compare(r, g["query"], max_speeches=a.max)
                texts = [p.text for s in cmp.speeches[:10] for p in s.passages]
                rec.append(sum(any(score.hits(t, [e]) for t in texts) for e in g["evidence"]) / len(g["evidence"]))
            setattr(C, name, old)
            C.aggregate.__defaults__ = (C.SPEECH_DECAY, C.SCORED_PASSAGES)
            print(f"{name}={v}: speech_recall@10={sum(rec)/len(rec):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
