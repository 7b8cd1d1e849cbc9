"""Speech boundaries: precision / recall on three corpora, and how many one-speech files stay whole.

    .venv/bin/python scripts/eval_boundaries.py            # prints, writes bench-results/boundaries.json

Corpora:
* seeds: the five scraped pages (data/speeches), against tests/data/seed_boundaries.json (hand-made gold: where
  each speech starts in the cleaned page; see its "about");
* provinces: $JIANGGAO_SHARED/corpora/provinces-2025 (31 .docx reports, one speech each);
* clean: a one-speech-per-file corpus assembled here at run time: each provincial report saved as a .txt (its text
  as loaded: the title line first), and each seed speech cut out of its cleaned page at the gold boundaries.

A predicted start matches a gold start when it falls on the gold line or up to two lines after it (a title line and
a salutation may each be taken as the start), one match per gold start. A one-speech file "stays whole" when the
pipeline makes exactly one speech of it; it "keeps its title" when that speech's title is the file's own first line
(files whose first line is not a title, e.g. a seed speech that opens with 同志们:, are not counted there).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "scripts"))
from benchutil import write_results  # noqa: E402
from jianggao.indexer.cleaning import clean_text  # noqa: E402
from jianggao.indexer.loaders import load_corpus  # noqa: E402
from jianggao.indexer.normalize import normalize  # noqa: E402
from jianggao.indexer.boilerplate import repeated_lines  # noqa: E402
from jianggao.indexer.pipeline import prepared_text, speeches_of  # noqa: E402
from jianggao.indexer.splitting import is_own_title, label_text  # noqa: E402

GOLD = ROOT / "tests" / "data" / "seed_boundaries.json"


def shared_dir() -> Path:
    """$JIANGGAO_SHARED, else ../shared beside the checkout."""
    env = os.environ.get("JIANGGAO_SHARED")
    return Path(env) if env else ROOT.parent / "shared"
TOLERANCE = 2  # lines after the gold start


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def gold_lines(lines: list[str], items: list[dict]) -> list[int]:
    """Find each gold anchor, in order, in the cleaned page's lines."""
    out, at = [], 0
    for it in items:
        hit = next((i for i in range(at, len(lines)) if lines[i].startswith(it["anchor"])
                    and (i + 1 == len(lines) or lines[i + 1].startswith(it.get("next", "")))), None)
        if hit is None:
            raise SystemExit(f"gold anchor {it['anchor']!r} (line {it['line']}) not found: cleaning changed; re-check the gold")
        out.append(hit)
        at = hit + 1
    return out


def match(pred: list[int], gold: list[int]) -> int:
    used: set[int] = set()
    hits = 0
    for g in gold:
        p = next((p for p in pred if g <= p <= g + TOLERANCE and p not in used), None)
        if p is not None:
            used.add(p)
            hits += 1
    return hits


def prf(hits: int, n_pred: int, n_gold: int) -> dict:
    return {"gold": n_gold, "predicted": n_pred, "matched": hits,
            "precision": round(hits / n_pred, 4) if n_pred else 0.0, "recall": round(hits / n_gold, 4) if n_gold else 0.0}


def eval_pages(docs, gold_by_source: dict[str, list[dict]] | None) -> dict:
    """Boundary P/R over documents; without gold, each document is one speech starting at its first line."""
    hits = n_pred = n_gold = 0
    whole = titled = kept_title = 0
    per_file = {}
    # As the pipeline does: the run's repeated lines (site chrome) are removed before splitting; a gold start that
    # boilerplate removal took away is reported by gold_lines.
    cleaned_of = {doc.source: clean_text(doc.text) for doc in docs}
    repeated = repeated_lines(cleaned_of.values())
    for doc in docs:
        cleaned = prepared_text(doc, repeated, cleaned_of[doc.source])
        lines = cleaned.split("\n")
        speeches = speeches_of(doc, set(), repeated, cleaned_of[doc.source])
        pred = [line_of(cleaned, s.start) for s in speeches]
        gold = gold_lines(lines, gold_by_source[doc.source]) if gold_by_source else [0]
        h = match(pred, gold)
        hits, n_pred, n_gold = hits + h, n_pred + len(pred), n_gold + len(gold)
        per_file[doc.source] = {"gold": len(gold), "predicted": len(pred), "matched": h}
        if gold_by_source is None:
            whole += len(speeches) == 1
            first = normalize(lines[0]).strip()
            if is_own_title(first):
                titled += 1
                kept_title += len(speeches) == 1 and speeches[0].meta.base_title in (None, speeches[0].title) \
                    and normalize(speeches[0].title) == normalize(label_text(lines[0]))
    out = prf(hits, n_pred, n_gold)
    if gold_by_source is None:
        out.update({"files": len(docs), "whole": whole, "whole_rate": round(whole / len(docs), 4) if docs else 0.0,
                    "with_title_line": titled, "kept_title": kept_title,
                    "kept_title_rate": round(kept_title / titled, 4) if titled else 0.0})
    out["per_file"] = per_file
    return out


def clean_corpus(seed_docs, gold, province_docs, folder: Path) -> list[Path]:
    """Write the one-speech-per-file corpus: provincial reports as .txt, seed speeches cut at the gold starts."""
    paths = []
    for doc in province_docs:
        p = folder / (Path(doc.source).stem + ".txt")
        p.write_text(doc.text, encoding="utf-8")
        paths.append(p)
    for doc in seed_docs:
        lines = clean_text(doc.text).split("\n")
        starts = gold_lines(lines, gold["files"][doc.source])
        for k, (a, b) in enumerate(zip(starts, starts[1:] + [len(lines)])):
            p = folder / f"{Path(doc.source).stem}_speech{k:02d}.txt"
            p.write_text("\n".join(lines[a:b]) + "\n", encoding="utf-8")
            paths.append(p)
    return paths


def main() -> int:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    seeds, err = load_corpus([ROOT / "data" / "speeches"])
    provinces, err2 = load_corpus([shared_dir() / "corpora" / "provinces-2025"])
    if err or err2:
        print("load errors:", err + err2, file=sys.stderr)
    results = {"seeds": eval_pages(seeds, gold["files"]), "provinces": eval_pages(provinces, None)}
    with tempfile.TemporaryDirectory() as tmp:
        paths = clean_corpus(seeds, gold, provinces, Path(tmp))
        docs, _ = load_corpus([Path(tmp)])
        results["clean"] = eval_pages(docs, None)
    for name, r in results.items():
        line = (f"{name:10s} boundaries P={r['precision']:.3f} R={r['recall']:.3f} "
                f"({r['matched']} of {r['gold']} gold, {r['predicted']} predicted)")
        if "whole_rate" in r:
            line += (f"; one-speech files whole {r['whole']}/{r['files']} ({r['whole_rate']:.1%}),"
                     f" own title kept {r['kept_title']}/{r['with_title_line']}")
        print(line)
        if name == "clean":
            broken = [f for f, v in r["per_file"].items() if v["predicted"] != 1]
            if broken:
                print("  cut or lost:", ", ".join(f"{f} ({r['per_file'][f]['predicted']})" for f in broken))
    write_results("boundaries.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
