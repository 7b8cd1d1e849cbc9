#!/usr/bin/env python3
"""Off-library probe for ``ask``: each dev set's questions asked of the *other* corpus, where (nearly all) their
subject is absent, so an "answered" is a confident answer the library cannot give. Prints, per index, how many
such questions are answered, which, and the count by ANSWER_THRESHOLD (the threshold's own work: the dev sets'
near-misses are refused by the gates). In-process, a measurement script, not a test.

    .venv/bin/python scripts/probe_off_library.py --set prov=/tmp/idx/prov:$SHARED/eval/provinces.jsonl \\
        --set dev=/tmp/idx/dev:$SHARED/eval/dev.jsonl
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("factual", "paraphrase", "traditional", "unanswerable")


def main(argv: list[str] | None = None) -> int:
    import jianggao.qa.answer as A
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever, validate_query

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", required=True, help="NAME=INDEX_DIR:GOLD.jsonl (exactly two)")
    args = p.parse_args(argv)
    if len(args.set) != 2:
        p.error("give exactly two sets")
    sets = []
    for spec in args.set:
        name, rest = spec.split("=", 1)
        idx, gold = rest.split(":", 1)
        with open(gold, encoding="utf-8") as fh:
            qs = [o for o in map(json.loads, filter(str.strip, fh)) if o.get("type") in KINDS]
        sets.append((name, Path(idx), qs))
    enc = Encoder()
    shipped = A.ANSWER_THRESHOLD
    for (name, idx, _), (other, _, qs) in ((sets[0], sets[1]), (sets[1], sets[0])):
        r = Retriever(Store.load(idx), enc)
        questions = [validate_query(o["query"]) for o in qs]
        evidence = A._gather(r, questions, A.DEFAULT_K, "hybrid", None)
        A.ANSWER_THRESHOLD = 0.0  # every verdict with the gates only; the confidence says the rest
        try:
            got = [A._extractive(r, q, ev) for q, ev in zip(questions, evidence)]
        finally:
            A.ANSWER_THRESHOLD = shipped
        gated = [(o["id"], a.confidence) for o, a in zip(qs, got) if a.status == "answered"]
        answered = [i for i, c in gated if c >= shipped]
        print(f"== {name} index, {len(qs)} {other} questions: answered {len(answered)} at {shipped}: {answered}")
        for t in (1.7, 1.8, 1.9, 1.93, shipped, 1.98, 2.0, 2.05):
            print(f"   threshold {t:.2f}: {sum(c >= t for _, c in gated)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
