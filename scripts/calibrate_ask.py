#!/usr/bin/env python3
"""The refusal trade-off of ``jianggao ask``: answered share of answerable questions vs refused share of
unanswerable ones, for a sweep of confidence thresholds.

Reads the gold set and the JSONL that ``jianggao ask --queries GOLD --json`` wrote (each line carries the
``confidence`` that ``jianggao.qa.answer.ANSWER_THRESHOLD`` is applied to), so no model run is needed:

    .venv/bin/jianggao ask --queries ../shared/eval/dev.jsonl --json > ask.jsonl
    .venv/bin/python scripts/calibrate_ask.py ../shared/eval/dev.jsonl ask.jsonl

Prints one row per threshold and the margin around the shipped threshold; writes
bench-results/ask_calibration.json. A question counts as "answered" here when its confidence reaches the
threshold; whether the citations hold the evidence is score.py's job (cited_evidence).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANSWERABLE = {"factual", "paraphrase", "traditional"}


def read_jsonl(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as fh:
        return {str(o["id"]): o for o in map(json.loads, filter(str.strip, fh))}


def sweep(pos: list[float], neg: list[float], thresholds: list[float]) -> list[dict]:
    """For each threshold: share of ``pos`` (answerable) at or above it, share of ``neg`` below it."""
    rows = []
    for t in thresholds:
        rows.append({
            "threshold": t,
            "answered": sum(c >= t for c in pos) / len(pos) if pos else 0.0,
            "refused": sum(c < t for c in neg) / len(neg) if neg else 0.0,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    from jianggao.qa.answer import ANSWER_THRESHOLD

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("gold", type=Path)
    p.add_argument("ask", type=Path, help="output of jianggao ask --queries GOLD --json")
    p.add_argument("--out", type=Path, default=Path("bench-results/ask_calibration.json"))
    args = p.parse_args(argv)

    gold, ask = read_jsonl(args.gold), read_jsonl(args.ask)
    pos, neg, missing = [], [], []
    for gid, g in gold.items():
        if g.get("type") not in ANSWERABLE | {"unanswerable"}:
            continue
        if gid not in ask or "confidence" not in ask[gid]:
            missing.append(gid)
            continue
        (neg if g["type"] == "unanswerable" else pos).append(float(ask[gid]["confidence"]))
    if missing:
        print(f"warning: no confidence for {len(missing)} items: {', '.join(missing[:5])}", file=sys.stderr)
    thresholds = sorted({round(x * 0.25, 2) for x in range(-4, 11)} | {ANSWER_THRESHOLD})
    rows = sweep(pos, neg, thresholds)
    print(f"{len(pos)} answerable, {len(neg)} unanswerable questions")
    print(f"{'threshold':>9}  {'answered':>8}  {'refused':>7}")
    for r in rows:
        mark = "  <- shipped" if r["threshold"] == ANSWER_THRESHOLD else ""
        print(f"{r['threshold']:>9.2f}  {r['answered']:>8.3f}  {r['refused']:>7.3f}{mark}")
    lowest_pos = min((c for c in pos if c >= ANSWER_THRESHOLD), default=None)
    highest_neg = max(neg, default=None)
    print(f"lowest answered confidence {lowest_pos}, highest unanswerable confidence {highest_neg}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"shipped_threshold": ANSWER_THRESHOLD, "answerable": len(pos),
                                    "unanswerable": len(neg), "rows": rows}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
