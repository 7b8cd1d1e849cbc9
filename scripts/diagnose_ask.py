#!/usr/bin/env python3
"""Which stage of ``ask`` fails, per failure category (not per item): for every answerable question of a dev set
that is not answered with its evidence cited, and every unanswerable one that is answered, the stage that went
wrong. In-process (the answer module's own functions), scored with the shared score.py's normalisation.

Categories of an answerable question:
  ok         answered, and a citation holds the evidence (what score.py counts as cited_evidence)
  retrieval  no candidate sentence range (the sentences of the pooled passages, up to 4 in a row) holds the evidence
  selection  the evidence is in the pool, but no citation holds it (answered or not); the evidence's best
             candidate rank and score gap to the best sentence say how far it was, "span" that it needs more than
             one sentence
  gate       a citation holds the evidence but the answer is not "answered": which gate refused it —
             type (no answer of the type asked in the best excerpt), specific (a year / number / name missing),
             modifier (a rare qualifier missing, MODIFIER_IDF), threshold (evidence score < ANSWER_THRESHOLD)
Unanswerable questions: "refused" with the gates that refused them, or "answered".

    .venv/bin/python scripts/diagnose_ask.py --set prov=/tmp/idx/prov:$SHARED/eval/provinces.jsonl \\
        --set dev=/tmp/idx/dev:$SHARED/eval/dev.jsonl [--items] [--json OUT.json]

Prints a table of categories per set (and, with --items, one line per question for reading the failures).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSWERABLE = ("factual", "paraphrase", "traditional")
MAX_SPAN = 4  # sentences an evidence string may need


def load_score():
    shared = Path(os.environ.get("JIANGGAO_SHARED") or ROOT.parent / "shared")
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def evidence_ranges(store, cache, ranked, evidence: list[str], norm) -> dict[tuple[str, int], int]:
    """For each candidate sentence (speech, index) that starts or lies inside a range of at most MAX_SPAN sentences
    holding an evidence string: the length of the shortest such range."""
    out: dict[tuple[str, int], int] = {}
    evs = [norm(e) for e in evidence if norm(e)]
    by_speech: dict[str, set[int]] = {}
    for c, _ in ranked:
        by_speech.setdefault(c.speech_id, set()).add(c.index)
    for sid, idxs in by_speech.items():
        text = store.speech_by_id(sid).text
        sents = cache.layout(sid).sentences
        for i in idxs:
            for n in range(1, MAX_SPAN + 1):
                for a in range(max(0, i - n + 1), i + 1):
                    b = a + n
                    if b > len(sents) or not all(j in idxs for j in range(a, b)):
                        continue
                    seg = norm(text[sents[a].start:sents[b - 1].end])
                    if any(e in seg for e in evs):
                        out[(sid, i)] = min(out.get((sid, i), n), n)
                if (sid, i) in out:
                    break
    return out


def _excerpt_texts(store, cache, ranked) -> list[str]:
    """The texts of the excerpts select_excerpts takes, best-scoring first."""
    from jianggao.qa.excerpts import select_excerpts

    sids = {c.speech_id for c, _ in ranked}
    layouts = {sid: cache.layout(sid) for sid in sids}
    texts = {sid: store.speech_by_id(sid).text for sid in sids}
    out = []
    for e in sorted(select_excerpts(ranked, layouts, texts), key=lambda e: -e.score):
        sents = layouts[e.speech_id].sentences
        out.append(texts[e.speech_id][sents[e.first].start:sents[e.last - 1].end])
    return out


def diagnose(retriever, gold: dict, score) -> list[dict]:
    import jianggao.qa.answer as A
    from jianggao.qa.question import coverage

    items = [g for g in gold.values() if g["type"] in (*ANSWERABLE, "unanswerable")]
    qs = [g["query"] for g in items]
    from jianggao.qa.retrieval import validate_query

    qs = [validate_query(q) for q in qs]
    evidence = A._gather(retriever, qs, A.DEFAULT_K, "hybrid", None)
    store = retriever.store
    cache = A._cache_for(store)
    rows = []
    for g, q, ev in zip(items, qs, evidence):
        ans = A._extractive(retriever, q, ev)
        cited = score.first_hit([c.text for c in ans.citations], g.get("evidence", [])) is not None
        # The excerpts the answer would cite whatever its status (a refusal shows none): does one hold it?
        shown = _excerpt_texts(store, cache, ev.ranked) if ev.ranked else []
        would_cite = score.first_hit(shown, g.get("evidence", [])) is not None
        row = {"id": g["id"], "type": g["type"], "status": ans.status, "answer_type": ans.answer_type,
               "confidence": round(ans.confidence, 3), "type_found": ans.type_found,
               "missing_specific": ans.missing_specific}
        gates = []
        if not ans.type_found:
            gates.append("type")
        specific = {t.term for t in ev.terms if t.specific}
        if any(m in specific for m in ans.missing_specific):
            gates.append("specific")
        if any(m not in specific for m in ans.missing_specific):
            gates.append("modifier")
        if ans.confidence < A.ANSWER_THRESHOLD:
            gates.append("threshold")
        row["gates"] = gates
        if g["type"] == "unanswerable":
            row["category"] = "answered" if ans.answerable else "refused"
            rows.append(row)
            continue
        ranges = evidence_ranges(store, cache, ev.ranked, g.get("evidence", []), score.norm)
        if ranges:
            pos = [(r, s, ranges[(c.speech_id, c.index)]) for r, (c, s) in enumerate(ev.ranked, 1)
                   if (c.speech_id, c.index) in ranges]
            r, s, span = pos[0]
            row.update(ev_rank=r, ev_gap=round(ev.ranked[0][1] - s, 3), ev_span=span,
                       ev_same_speech=ev.ranked[pos[0][0] - 1][0].speech_id == ev.ranked[0][0].speech_id,
                       n_cands=len(ev.ranked))
        if ans.answerable and cited:
            row["category"] = "ok"
        elif not ranges:
            row["category"] = "retrieval"
        elif not (cited or would_cite):
            row["category"] = "selection"
        elif ans.answerable:  # answered, the evidence in an excerpt that was not shown: cannot happen today
            row["category"] = "selection"
        else:
            row["category"] = "gate"
            # Which excerpt holds it: the gates read only the best one.
            row["evidence_in_best"] = score.first_hit(shown[:1], g["evidence"]) is not None
        row["coverage_missing"] = ans.missing_terms
        rows.append(row)
    return rows


def summarise(name: str, rows: list[dict]) -> str:
    pos = [r for r in rows if r["type"] in ANSWERABLE]
    neg = [r for r in rows if r["type"] == "unanswerable"]
    cat = Counter(r["category"] for r in pos)
    lines = [f"== {name}: {len(pos)} answerable: " + ", ".join(f"{k} {v}" for k, v in cat.most_common())]
    gate = Counter(g for r in pos if r["category"] == "gate" for g in r["gates"])
    if gate:
        lines.append("   gate failures by gate (a question may fail several): "
                     + ", ".join(f"{k} {v}" for k, v in gate.most_common()))
    sel = [r for r in pos if r["category"] == "selection"]
    if sel:
        lines.append("   selection: evidence rank " + " ".join(str(r["ev_rank"]) for r in sel)
                     + " | gap " + " ".join(f"{r['ev_gap']:.2f}" for r in sel)
                     + " | span " + " ".join(str(r["ev_span"]) for r in sel)
                     + " | same speech " + " ".join("y" if r["ev_same_speech"] else "n" for r in sel))
    by_type = Counter((r["type"], r["category"]) for r in pos)
    lines.append("   by type: " + ", ".join(f"{t}/{c} {n}" for (t, c), n in sorted(by_type.items())))
    nc = Counter(r["category"] for r in neg)
    ng = Counter(g for r in neg if r["category"] == "refused" for g in r["gates"])
    lines.append(f"   {len(neg)} unanswerable: " + ", ".join(f"{k} {v}" for k, v in nc.most_common())
                 + " | refused by " + ", ".join(f"{k} {v}" for k, v in ng.most_common()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", action="append", required=True, help="NAME=INDEX_DIR:GOLD.jsonl")
    p.add_argument("--items", action="store_true", help="one line per question")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    score = load_score()
    enc = Encoder()
    report = {}
    for spec in args.set:
        name, rest = spec.split("=", 1)
        idx, gold = rest.split(":", 1)
        rows = diagnose(Retriever(Store.load(Path(idx)), enc), score.load(gold), score)
        report[name] = rows
        print(summarise(name, rows), flush=True)
        if args.items:
            for r in rows:
                if r["category"] not in ("ok", "refused"):
                    print("   ", json.dumps(r, ensure_ascii=False))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
