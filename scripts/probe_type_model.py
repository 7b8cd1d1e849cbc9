"""Probe the answer-type model with questions built from a corpus's own sentences (a diagnostic, not a test).

For every sentence of the corpus that states a figure or a date, the clause before it becomes a question that asks
for exactly that figure or date ("…全年完成投资1.2万亿元" -> "…全年完成投资多少万亿元？"); the sentence must then hold an
answer of the type asked (``jianggao.qa.question.type_match``). A failure is a gap in the type model (a unit, scale
or way of writing a figure it does not read), or a question the generator built badly (a number inside a name, a
list item's number): the examples printed for each unit tell which. The questions come from the corpus, never from
an eval set, so fixing a gap found here fits nothing to any question.

Probes:
* ``figure``: a digit figure and the 1-3 characters after it (the unit: 万亿元, %, 个 ...), asked with 多少;
* ``count``: a count in Chinese numerals with a classifier and the noun after it (三项改革, “五项重点任务”), asked
  with 多少 + classifier + noun;
* ``date``: a full date, a month or a year, asked with 哪一天 / 哪个月 / 哪一年;
* ``list``: an enumeration closed by 等 and its class (A、B等国家重大战略), asked with 哪些 + the class (its key:
  the answer type the question was read as, "list" when right);
* ``organisation``: a name ending in the suffix of a kind of organisation (X大学, X实验室), asked with 哪所 /
  哪家 / 哪个 + the kind in its place (key: the kind).

``subject_probe`` then tries the figure check of BIND_SUBJECT on those questions: against their own sentence (it
must still answer) and against another sentence with a figure in the same unit; and on the date questions (their
own sentence must still answer).

Usage: .venv/bin/python scripts/probe_type_model.py CORPUS_DIR [CORPUS_DIR ...] [--examples 3] [--out bench-results]
Prints the failure rate of each probe and the units that fail most, with examples; writes type_model.json.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCE_BREAK = re.compile(r"[。；;！？!?\n]")
_CLAUSE_START = "，,、：:"
_FIGURE = re.compile(r"([0-9][0-9.]*)(万亿|万|亿|千|百)?([\u4e00-\u9fff%]{1,3})")
_COUNT = re.compile(r"(?<![一二两三四五六七八九十百千万第])([二两三四五六七八九十][一二三四五六七八九十百千]*)"
                    r"(个|家|所|项|条|座|名|人|次|批|支|台|辆|户|件|类|种)([\u4e00-\u9fff]{1,4})")
_DATES = ((re.compile(r"(?:19|20)\d\d年\d{1,2}月\d{1,2}日"), "哪一天"),
          (re.compile(r"(?:19|20)\d\d年\d{1,2}月(?!\d)"), "哪个月"),
          (re.compile(r"(?:19|20)\d\d年(?![\d月])"), "哪一年"))
# The items after the first of an enumeration closed by 等 and its class; the first item is taken as long as the
# second (items of a list are alike), the clause before it is the question's.
_ENUMERATION = re.compile(r"、([\u4e00-\u9fff“”]{2,12})(?:、[\u4e00-\u9fff“”]{2,12})*等([\u4e00-\u9fff]{2,6})")
# A name of a kind of organisation whose names carry the kind (2-4 characters before it), and
# how the kind is asked.
_ORG_NAME = re.compile(r"([\u4e00-\u9fff]{2,4})(大学|学院|医院|银行|研究院|实验室)")
_ORG_ASK = {"大学": "哪所大学", "学院": "哪所学院", "医院": "哪家医院", "银行": "哪家银行", "研究院": "哪家研究院",
            "实验室": "哪个实验室"}
# Units asked by their first character (个 of 个省, 元 of 元钱); any other unit is kept whole in the question.
_ONE_CHAR_UNITS = set("个人名家所项条座元吨亩天年次户辆台件篇")


def sentences(corpus_dirs: list[Path]) -> list[str]:
    """The normalised sentences (10-200 characters) of the corpora's speeches, as the indexer reads them."""
    from jianggao.indexer.corpus import build_corpus

    return [s for speech in build_corpus(corpus_dirs).speeches for s in SENTENCE_BREAK.split(speech.norm)
            if 10 < len(s) < 200]


def clause_before(s: str, pos: int) -> str:
    """The clause of ``s`` that ends at ``pos`` (what a question about the figure at ``pos`` is built from)."""
    return s[max(s.rfind(c, 0, pos) for c in _CLAUSE_START) + 1:pos]


def clause_after(s: str, pos: int) -> str:
    """The rest of the clause of ``s`` that goes on at ``pos`` (up to the next break or 、)."""
    post = s[pos:]
    return post[:min([i for i in (post.find(c) for c in "，,、；。") if i >= 0] or [len(post)])]


def asked_unit(unit: str) -> str:
    """The unit a question asks for a figure written with ``unit`` after it ("" when nothing is left): 8500余家 is
    asked 多少家, 12个省 多少个."""
    unit = unit.lstrip("余多")
    return unit[:1] if unit[:1] in _ONE_CHAR_UNITS else unit


def probe(sents: list[str]) -> dict[str, list[tuple[str, str, str, bool]]]:
    """probe name -> [(key, question, sentence, answered)]"""
    from jianggao.indexer.segment import pos_tag
    from jianggao.qa.query import normalize_query
    from jianggao.qa.question import answer_type, type_match

    out: dict[str, list[tuple[str, str, str, bool]]] = {"figure": [], "count": [], "date": [], "list": [],
                                                        "organisation": []}
    for s in sents:
        for m in _ORG_NAME.finditer(s):
            pre, rest = clause_before(s, m.start()), clause_after(s, m.end())
            if len(pre) + len(rest) < 4:
                continue
            q = normalize_query(pre + _ORG_ASK[m.group(2)] + rest) + "?"
            ok = answer_type(q) == "organisation" and type_match(s, "organisation", q, tag=pos_tag) >= 1.0
            out["organisation"].append((m.group(2), q, s, ok))
        for m in _ENUMERATION.finditer(s):
            pre = clause_before(s, m.start() - len(m.group(1)))
            if len(pre) < 2:
                continue
            q = normalize_query(pre + "哪些" + m.group(2)) + "?"
            atype = answer_type(q)  # 哪些地区 / 哪些平台 ask places / organisations, which an enumeration answers too
            ok = atype in ("list", "place", "organisation") and type_match(s, atype, q, tag=pos_tag) >= 1.0
            out["list"].append((atype, q, s, ok))
        for m in _FIGURE.finditer(s):
            pre = clause_before(s, m.start())
            if len(pre) < 3 or re.search(r"[0-9]", pre):
                continue
            u = asked_unit(m.group(3))
            if not u:
                continue
            if u.startswith("%"):
                q, key = pre + "百分之多少？", "%"
            else:
                q, key = pre + "多少" + (m.group(2) or "") + u + "？", (m.group(2) or "") + u
            q = normalize_query(q)
            out["figure"].append((key, q, s, type_match(s, "quantity", q) >= 1.0))
        for m in _COUNT.finditer(s):
            pre = clause_before(s, m.start())
            if len(pre) < 2:
                continue
            q = normalize_query(pre + "多少" + m.group(2) + m.group(3) + "？")
            out["count"].append((m.group(2), q, s, type_match(s, "quantity", q) >= 1.0))
        for pattern, ask in _DATES:
            for m in pattern.finditer(s):
                pre, rest = clause_before(s, m.start()), clause_after(s, m.end())
                if len(pre) + len(rest) < 4:
                    continue
                at = "" if pre.endswith(("于", "在")) else "在"
                q = normalize_query((pre + at + ask + rest) if pre else (rest + "是在" + ask)) + "?"
                ok = answer_type(q) == "date" and type_match(s, "date", q) >= 1.0
                out["date"].append((ask, q, s, ok))
    return out


def subject_probe(results: dict[str, list[tuple[str, str, str, bool]]], n: int = 1500, seed: int = 5) -> dict[str, int]:
    """The figure check of BIND_SUBJECT (``question.asked_subjects``) on the figure and count questions that their
    own sentence answers: how many the check would take from their own sentence (a false refusal), and, for up to
    ``n`` of those asking of a noun, whether another sentence of the corpora holding a figure in the same unit
    answers them without and with the check (mostly a figure of something else)."""
    import random

    from jianggao.indexer.segment import pos_tag
    from jianggao.qa.question import asked_date_subject, asked_subjects, type_match

    rows = [r for r in results["figure"] + results["count"] if r[3]]
    subjects = {q: asked_subjects(q, pos_tag) for _, q, _, _ in rows}
    lost = sum(type_match(s, "quantity", q, subjects=subjects[q]) < 1.0 for _, q, s, _ in rows)
    by_unit: dict[str, list[str]] = collections.defaultdict(list)
    for key, _, s, _ in rows:
        by_unit[key].append(s)
    rng = random.Random(seed)
    asked = [r for r in rows if any(subjects[r[1]])]
    other = without = with_check = 0
    for key, q, s, _ in rng.sample(asked, min(n, len(asked))):
        others = [x for x in by_unit[key] if x != s]
        if not others:
            continue
        s2 = rng.choice(others)
        other += 1
        without += type_match(s2, "quantity", q) >= 1.0
        with_check += type_match(s2, "quantity", q, subjects=subjects[q]) >= 1.0
    dates = [r for r in results["date"] if r[3]]
    date_nouns = {q: asked_date_subject(q, pos_tag) for _, q, _, _ in dates}
    date_lost = sum(type_match(s, "date", q, subjects=[date_nouns[q]]) < 1.0 for _, q, s, _ in dates)
    return {"questions": len(rows), "asking_of_a_noun": len(asked), "own_sentence_lost": lost,
            "other_sentence": other, "other_answers_without_check": without, "other_answers_with_check": with_check,
            "date_questions": len(dates), "dates_asking_of_a_noun": sum(map(bool, date_nouns.values())),
            "date_own_sentence_lost": date_lost}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("corpus", nargs="+", type=Path)
    p.add_argument("--examples", type=int, default=3)
    p.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = p.parse_args(argv)
    for d in args.corpus:
        if not d.is_dir():
            print(f"error: no folder {d}", file=sys.stderr)
            return 2
    results = probe(sentences(args.corpus))
    report = {"corpora": [str(d) for d in args.corpus], "probes": {}}
    for name, rows in results.items():
        fails = [r for r in rows if not r[3]]
        by_key = collections.Counter(k for k, *_ in fails)
        print(f"{name}: {len(rows)} questions, {len(fails)} not answered by their own sentence"
              f" ({len(fails) / max(1, len(rows)):.1%})")
        examples = {}
        for key, n in by_key.most_common(12):
            ex = [(q, s[:80]) for k, q, s, _ in fails if k == key][: args.examples]
            examples[key] = {"failures": n, "examples": ex}
            print(f"  {n:4d}  {key}: " + " | ".join(f"{q} <- {s}" for q, s in ex))
        report["probes"][name] = {"questions": len(rows), "failures": len(fails), "by_unit": examples}
    sub = subject_probe(results)
    print(f"subject check (BIND_SUBJECT): {sub['questions']} figure/count questions answered by their own sentence, "
          f"{sub['asking_of_a_noun']} asking of a noun; own sentence lost {sub['own_sentence_lost']}; another "
          f"sentence with a figure in the same unit answers {sub['other_answers_without_check']} of "
          f"{sub['other_sentence']} without the check, {sub['other_answers_with_check']} with it; "
          f"{sub['date_questions']} date questions, {sub['dates_asking_of_a_noun']} asking of a noun, own sentence "
          f"lost {sub['date_own_sentence_lost']}")
    report["subject_check"] = sub
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "type_model.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
