#!/usr/bin/env python3
"""Speech identity of a built index against a hand-written gold (tests/data/fresh/<set>/gold_speeches.json).

    .venv/bin/python scripts/eval_identity_gold.py INDEX_DIR GOLD.json

Each gold speech is found by its anchor (the first characters of its body, spaces aside) among the speeches of its
file. A field is right when it is null in the gold and empty in the index, or when one holds the other (spaces aside;
the date exactly); place is the index's place, else its body. Prints each wrong field and the totals per field.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from jianggao.indexer.store import Store

FIELDS = ("title", "speaker", "role", "date", "place", "meeting")


def squash(s: str | None) -> str:
    return re.sub(r"\s+", "", s or "")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    store = Store.load(Path(argv[0]))
    gold = json.loads(Path(argv[1]).read_text(encoding="utf-8"))["speeches"]
    by_file: dict[str, list] = {}
    for sp in store.speeches:
        by_file.setdefault(Path(sp.source).name, []).append(sp)
    print(f"speeches: index {len(store.speeches)}, gold {len(gold)}")
    totals: dict[str, list[bool]] = {f: [] for f in FIELDS}
    for g in gold:
        found = [sp for sp in by_file.get(g["file"], []) if squash(g["anchor"])[:10] in squash(sp.text)]
        if not found:
            print(f"NOT FOUND {g['file']} {g['anchor']}")
            continue
        sp = found[0]
        got = {"title": sp.title, "speaker": sp.meta.speaker, "role": sp.meta.role, "date": sp.meta.date,
               "place": sp.meta.place or sp.meta.body, "meeting": sp.meta.meeting}
        wrong = []
        for f in FIELDS:
            want, have = g.get(f), got[f]
            if want is None:
                ok = not have or f == "title"
            elif f == "date":
                ok = have == want
            else:
                ok = bool(have) and (squash(want) in squash(have) or squash(have) in squash(want))
            totals[f].append(ok)
            if not ok:
                wrong.append(f"{f}: gold={want!r} index={have!r}")
        print(("ok   " if not wrong else "WRONG ") + g["file"] + " | " + (sp.title or "")[:40]
              + "".join("\n      " + w for w in wrong))
    print(json.dumps({f: f"{sum(v)}/{len(v)}" for f, v in totals.items()}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
