"""Probe the answer step with questions that name a speech, built from an index's own sentences (a diagnostic for
comparing two versions of the answer step side by side; its absolute figures are rough).

For speeches whose identity has a place that no other speech of the library shares, random sentences stating a
figure become questions that name the place and ask the figure from the clause before it ("<place><clause>多少<unit>？"):

* ``own``: asked of the speech the sentence is from. The right outcome is "answered", citing that clause.
* ``swapped``: the same question naming another such speech whose text does not hold the clause's last six
  characters. Mostly a near-miss (another place's figure asked of a place whose speech does not give it): the right
  outcome is not "answered". The check is coarse, so some swapped questions are answerable after all (the other
  speech states the same indicator in other words); compare versions on the same draws, do not read the rate as a
  refusal rate.

The questions come from the library, never from an eval set. Usage:
    .venv/bin/python scripts/probe_named_questions.py INDEX_DIR [--n 150] [--seed 7] [--show]
Prints the outcome counts of both kinds (``--show``: the swapped questions answered, with their excerpt).
"""
from __future__ import annotations

import argparse
import collections
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from probe_type_model import SENTENCE_BREAK, asked_unit, clause_before  # noqa: E402 (this folder is on sys.path)

# A figure with a unit in Chinese characters (percentages left out: this probe asks 多少 + the unit).
_FIGURE = re.compile(r"([0-9][0-9.]*)(万亿|万|亿|千|百)?([\u4e00-\u9fff]{1,3})")


def _short(place: str) -> str:
    """The place as people say it (江西省 -> 江西); names of one character plus a suffix stay whole."""
    short = re.sub(r"(?:维吾尔|壮族|回族)?(?:自治区|省|市)$", "", place)
    return short if len(short) >= 2 else place


def build(store, n: int, seed: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(own questions with the clause they ask about, swapped questions)."""
    from jianggao.indexer.normalize import normalize

    rng = random.Random(seed)
    places = collections.Counter(sp.meta.place for sp in store.speeches if sp.meta.place and not sp.canonical_id)
    named = {sp.id: _short(sp.meta.place) for sp in store.speeches
             if sp.meta.place and not sp.canonical_id and places[sp.meta.place] == 1}
    texts = {sid: normalize(store.speech_by_id(sid).text) for sid in named}
    own, swapped = [], []
    for sid, place in named.items():
        sents = [s for s in SENTENCE_BREAK.split(store.speech_by_id(sid).text) if 15 < len(s) < 150]
        rng.shuffle(sents)
        for s in sents[:30]:
            m = next((m for m in _FIGURE.finditer(s) if m.start() > 6), None)
            if not m:
                continue
            pre = clause_before(s, m.start())
            unit = asked_unit(m.group(3))
            if len(pre) < 6 or re.search(r"[0-9“”\"]", pre) or not unit:
                continue
            tail = f"{pre}多少{m.group(2) or ''}{unit}？"
            own.append((place + tail, s[s.index(pre):m.end()]))
            other = rng.choice([o for o in named if o != sid]) if len(named) > 1 else None
            if other and normalize(pre)[-6:] not in texts[other]:
                swapped.append(named[other] + tail)
    rng.shuffle(own)
    rng.shuffle(swapped)
    return own[:n], swapped[:n]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("index_dir", type=Path)
    p.add_argument("--n", type=int, default=150)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--show", action="store_true")
    args = p.parse_args(argv)
    from jianggao.indexer.normalize import normalize
    from jianggao.qa.answer import ask_batch
    from jianggao.qa.engine import Engine

    if not (args.index_dir / "CURRENT").is_file():  # Engine would build one from the default corpus
        print(f"error: no index in {args.index_dir}: run `jianggao index --index-dir {args.index_dir} CORPUS` first",
              file=sys.stderr)
        return 2
    try:
        retriever = Engine(index_dir=args.index_dir).retriever
    except Exception as e:  # noqa: BLE001 - a diagnostic: say what is wrong and stop
        print(f"error: cannot load an index from {args.index_dir}: {e}", file=sys.stderr)
        return 2
    store = retriever.store
    own, swapped = build(store, args.n, args.seed)
    if not own:
        print("no speech has a place of its own in this library: nothing to ask", file=sys.stderr)
        return 1
    answers = ask_batch(retriever, [q for q, _ in own])
    c = collections.Counter()
    for (q, clause), a in zip(own, answers):
        cited = a.status == "answered" and any(normalize(clause) in normalize(x.text) for x in a.citations)
        c["answered, citing the clause" if cited else a.status] += 1
    print(f"own ({len(own)}):", dict(c))
    answers = ask_batch(retriever, swapped)
    print(f"swapped ({len(swapped)}):", dict(collections.Counter(a.status for a in answers)))
    if args.show:
        for q, a in zip(swapped, answers):
            if a.status == "answered":
                print(f"  {q} -> {a.citations[0].title}: {a.citations[0].text[:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
