"""Boilerplate removal (jianggao.indexer.boilerplate) measured on three corpora and on chrome injected into them.

    .venv/bin/python scripts/eval_boilerplate.py          # prints, writes bench-results/boilerplate.json

* seeds (data/speeches), provinces ($JIANGGAO_SHARED/corpora/provinces-2025), clean (one speech per file, as
  eval_boundaries assembles it): characters of cleaned text removed as boilerplate, and the distinct lines removed
  (to read: they should be site chrome, not speech);
* injected: the clean corpus with site chrome written here (a navigation line and a site name at the top, a
  copyright footer with a page number and a "来源" line at the bottom, a watermark line in the middle of every
  page): how many injected lines are gone, and how many of the speeches' own characters went with them.
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchutil import write_results  # noqa: E402
from eval_boundaries import GOLD, clean_corpus, shared_dir  # noqa: E402
from jianggao.indexer.boilerplate import line_key, repeated_lines, strip_boilerplate  # noqa: E402
from jianggao.indexer.cleaning import clean_text  # noqa: E402
from jianggao.indexer.loaders import load_corpus  # noqa: E402

# Chrome of an imaginary site (written for this check; {n} is a page number).
HEAD = ["首页 > 文章中心 > 领导讲话 > 正文", "某某公文写作网 www.example-wenku.cn"]
FOOT = ["版权所有 © 某某公文写作网 保留所有权利 第{n}页", "本文来源于网络，仅供学习参考，如有侵权请联系删除。"]
MARK = "更多精彩范文请关注本站微信公众号"


def measure(texts: dict[str, str]) -> dict:
    rep = repeated_lines(texts.values())
    total = removed_chars = 0
    removed: dict[str, int] = {}
    for name, text in texts.items():
        out, gone = strip_boilerplate(text, rep)
        total += len(text)
        removed_chars += len(text) - len(out)
        for line in gone:
            removed[line.strip()] = removed.get(line.strip(), 0) + 1
    return {"documents": len(texts), "chars": total, "removed_chars": removed_chars,
            "removed_share": round(removed_chars / total, 5) if total else 0.0, "removed_lines": removed}


def inject(texts: dict[str, str], seed: int = 7) -> dict:
    rng = random.Random(seed)
    total_own = lost_own = injected = gone = 0
    pages = {}
    for k, (name, text) in enumerate(texts.items()):
        lines = text.split("\n")
        mid = rng.randrange(1, max(2, len(lines) - 1))
        lines = HEAD + lines[:mid] + [MARK] + lines[mid:] + [f.format(n=k + 1) for f in FOOT]
        pages[name] = ("\n".join(lines), text)
    rep = repeated_lines(p for p, _ in pages.values())
    chrome = {line_key(x) for x in HEAD + [MARK] + FOOT}
    for name, (page, own) in pages.items():
        out, removed = strip_boilerplate(page, rep)
        injected += len(HEAD) + 1 + len(FOOT)
        gone += sum(1 for x in removed if line_key(x) in chrome or line_key(x).startswith(line_key("版权所有")))
        kept_own = [x for x in out.split("\n") if line_key(x) not in chrome and not line_key(x).startswith(line_key("版权所有"))]
        total_own += len(own)
        lost_own += max(0, len(own) - len("\n".join(kept_own)))
    return {"documents": len(pages), "injected_lines": injected, "injected_removed": gone,
            "own_chars": total_own, "own_chars_removed": lost_own}


def main() -> int:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    seeds, _ = load_corpus([ROOT / "data" / "speeches"])
    provinces, _ = load_corpus([shared_dir() / "corpora" / "provinces-2025"])
    results = {"seeds": measure({d.source: clean_text(d.text) for d in seeds}),
               "provinces": measure({d.source: clean_text(d.text) for d in provinces})}
    with tempfile.TemporaryDirectory() as tmp:
        clean_corpus(seeds, gold, provinces, Path(tmp))
        docs, _ = load_corpus([Path(tmp)])
        texts = {d.source: clean_text(d.text) for d in docs}
    results["clean"] = measure(texts)
    results["injected"] = inject(texts)
    for name in ("seeds", "provinces", "clean"):
        r = results[name]
        print(f"{name:10s} {r['documents']} documents: removed {r['removed_chars']} of {r['chars']} characters "
              f"({r['removed_share']:.3%}), {sum(r['removed_lines'].values())} lines "
              f"({len(r['removed_lines'])} distinct)")
        for line, n in sorted(r["removed_lines"].items(), key=lambda x: -x[1])[:8]:
            print(f"    {n:3d}x {line[:60]}")
    r = results["injected"]
    print(f"injected   {r['documents']} pages: chrome lines removed {r['injected_removed']}/{r['injected_lines']}; "
          f"the speeches' own characters removed {r['own_chars_removed']} of {r['own_chars']}")
    write_results("boilerplate.json", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
