#!/usr/bin/env python3
"""The refusal trade-off of ``jianggao ask`` on one or more dev sets: for a sweep of ANSWER_THRESHOLD values, the
share of answerable questions answered, of those answered with the evidence cited, and of unanswerable ones
not answered.

Reads the gold set and the JSONL that ``jianggao ask --queries GOLD --json`` wrote. Each line carries the
evidence score (``confidence``) and the two checks that do not depend on the threshold (``type_found``,
``missing_specific``), so the status every threshold would give is recomputed without a model run:
answered = confidence >= threshold and type_found and no missing_specific.

    scripts/calibrate_ask.py --set prov=$SHARED/eval/provinces.jsonl:prov-ask.jsonl \\
                             --set dev=$SHARED/eval/dev.jsonl:dev-ask.jsonl

The protocol: the threshold is chosen on the first set (provinces), the others are the check. Prints one row
per threshold per set and writes bench-results/ask_calibration.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERABLE = {"factual", "paraphrase", "traditional"}


def read_jsonl(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as fh:
        return {str(o["id"]): o for o in map(json.loads, filter(str.strip, fh))}


def _hits():
    """score.py's evidence matcher, so that 'cited' means what the scorer means."""
    shared = Path(os.environ.get("JIANGGAO_SHARED") or ROOT.parent / "shared")
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    if spec is None or not (shared / "eval" / "score.py").exists():
        return None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.first_hit




def items_of(gold: dict[str, dict], ask: dict[str, dict], first_hit) -> tuple[list[dict], list[dict]]:
    pos, neg = [], []
    for gid, g in gold.items():
        if g.get("type") not in ANSWERABLE | {"unanswerable"} or gid not in ask:
            continue
        a = ask[gid]
        row = {
            "confidence": float(a.get("confidence", 0.0)),
            "gates": bool(a.get("type_found", True)) and not a.get("missing_specific"),
            "cites": bool(first_hit and first_hit([c.get("text", "") for c in a.get("citations", [])],
                                                   g.get("evidence", [])) is not None),
        }
        (neg if g["type"] == "unanswerable" else pos).append(row)
    return pos, neg


def sweep(pos: list[dict], neg: list[dict], thresholds: list[float]) -> list[dict]:
    """For each threshold: answered and cited shares of ``pos``, refused share of ``neg``."""
    rows = []
    for t in thresholds:
        ans = [r for r in pos if r["gates"] and r["confidence"] >= t]
        rows.append({
            "threshold": t,
            "answered": len(ans) / len(pos) if pos else 0.0,
            "cited_evidence": sum(r["cites"] for r in ans) / len(pos) if pos else 0.0,
            "refused": sum(not (r["gates"] and r["confidence"] >= t) for r in neg) / len(neg) if neg else 0.0,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    from jianggao.qa.answer import ANSWER_THRESHOLD

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", required=True, help="NAME=GOLD.jsonl:ASK.jsonl (first: tuning set)")
    p.add_argument("--out", type=Path, default=Path("bench-results/ask_calibration.json"))
    args = p.parse_args(argv)
    first_hit = _hits()
    # Around the shipped value. Rows below it understate "cited": a refused answer carries no citations.
    thresholds = sorted({round(ANSWER_THRESHOLD + 0.05 * i, 2) for i in range(-12, 13)})
    report: dict = {"shipped_threshold": ANSWER_THRESHOLD, "sets": {}}
    for spec in args.set:
        name, rest = spec.split("=", 1)
        gold_path, ask_path = rest.split(":", 1)
        pos, neg = items_of(read_jsonl(Path(gold_path)), read_jsonl(Path(ask_path)), first_hit)
        rows = sweep(pos, neg, thresholds)
        report["sets"][name] = {"answerable": len(pos), "unanswerable": len(neg), "rows": rows}
        print(f"== {name}: {len(pos)} answerable, {len(neg)} unanswerable "
              f"(gates fail on {sum(not r['gates'] for r in pos)} answerable, {sum(not r['gates'] for r in neg)} "
              "unanswerable)")
        print(f"{'threshold':>9}  {'answered':>8}  {'cited':>6}  {'refused':>7}")
        for r in rows:
            mark = "  <- shipped" if r["threshold"] == ANSWER_THRESHOLD else ""
            print(f"{r['threshold']:>9.2f}  {r['answered']:>8.3f}  {r['cited_evidence']:>6.3f}  {r['refused']:>7.3f}{mark}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
