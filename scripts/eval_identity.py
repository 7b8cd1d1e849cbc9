"""Speech identity figures on the default corpus and the provincial reports (issue 11's targets).

    .venv/bin/python scripts/eval_identity.py             # prints, writes bench-results/identity.json

* default corpus (data/speeches): share of distinct speeches with a place or body (and with a *named* place or
  body, i.e. not only the level "县委、县政府" a self-reference gives), distinct speeches sharing a title; and
  whether the place/body is right, against a hand-made reference (tests/data/seed_identity.json);
* provinces ($JIANGGAO_SHARED/corpora/provinces-2025): how many of the 31 reports carry their province (the
  province in the file name is the check, the pipeline never sees it), speaker, full date, and a title
  "<year><province> …report" as the file names have it;
* both: topic keywords that are a pronoun / function word / single generic word, by jieba's dictionary part of
  speech and the same IDF floor the extractor uses (a check of the mechanism, listed so a reader can judge).
  And topic words shown for more than half of the speeches (which tell none of them apart).
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from jianggao.indexer.corpus import build_corpus  # noqa: E402
from jianggao.indexer.identity import _idf, _tags, speech_label  # noqa: E402
from jianggao.indexer.normalize import normalize  # noqa: E402

BAD_POS = {"r", "p", "c", "u", "d", "m", "q", "f", "t", "y", "e", "o"}  # pronouns, function words, numerals ...


def shared_dir() -> Path:
    env = os.environ.get("JIANGGAO_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def bad_topics(speeches) -> list[str]:
    table, median, floor = _idf()
    tags = _tags()
    bad = []
    for s in speeches:
        for t in s.meta.topics:
            n = normalize(t)
            if len(n) < 2 or tags.get(n) in BAD_POS or table.get(n, median) < floor:
                bad.append(t)
    return bad


def topics_of_most(speeches) -> dict[str, int]:
    """Topic words shown for more than half of the speeches (they tell none apart), with how many show them."""
    n = Counter(normalize(t) for s in speeches for t in dict.fromkeys(s.meta.topics))
    return {t: c for t, c in n.most_common() if c * 2 > len(speeches)}


# A body that names only a level: its committee / government ("县委、县政府", "镇党委") or the level with its name
# unstated ("区（未具名）"; normalisation may turn the brackets half-width).
LEVEL_ONLY = re.compile(r"^[省市县区旗州镇乡](?:党)?委(?:、[省市县区旗州镇乡]?政府)?$|^[省市县区旗州镇乡]政府$"
                        r"|^[省市县区旗州镇乡][(（]未具名[)）]$")
UNNAMED = re.compile(r"[(（]未具名[)）]$")
REFERENCE = ROOT / "tests" / "data" / "seed_identity.json"


def against_reference(distinct) -> dict:
    """Place/body checked against the hand-made reference (tests/data/seed_identity.json, read by a person from
    each whole speech): right when a value read names the speech (or, where the text gives only its level, the
    level-only body of that level); wrong when a named value is not the speech's; unknown is right where the
    text states nothing."""
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))["speeches"]
    by_key = {(r["source"], r["anchor"]): r for r in ref}
    out = Counter()
    rows = []
    for s in distinct:
        key = (Path(s.source).name, normalize(s.text).strip()[:24].replace("\n", " "))
        r = by_key.get(key)
        if r is None:
            out["not_in_reference"] += 1
            continue
        values = [normalize(v) for v in (s.meta.place, s.meta.body) if v]
        named = [v for v in values if not LEVEL_ONLY.match(v)]
        level = [v[0] for v in values if LEVEL_ONLY.match(v)]  # the level is the first character of each form
        fits = lambda names: any(n and (n in v or v in n) for v in named for n in map(normalize, names))  # noqa: E731
        states = bool(r["named"] or r["level"])
        out["states_one"] += states
        if fits(r["named"]):
            verdict = "named_right"
        elif fits(r["broader"]):
            verdict = "broader"
        elif named:
            verdict = "wrong"
        elif r["level"] and r["level"] in level:
            verdict = "level_right"
        elif level:
            verdict = "wrong_level" if states else "wrong"
        else:
            verdict = "missing" if states else "unknown_right"
        out[verdict] += 1
        if verdict in ("wrong", "wrong_level", "missing", "broader"):
            rows.append({"anchor": r["anchor"], "verdict": verdict, "place": s.meta.place, "body": s.meta.body,
                         "reference": r["named"] or r["level"]})
    return {**{k: out[k] for k in ("states_one", "named_right", "level_right", "broader", "wrong", "wrong_level",
                                   "missing", "unknown_right", "not_in_reference")}, "misses": rows}


def default_corpus() -> dict:
    corpus = build_corpus([ROOT / "data" / "speeches"])
    distinct = [s for s in corpus.speeches if s.canonical_id is None]
    level_only = LEVEL_ONLY
    with_any = [s for s in distinct if s.meta.place or s.meta.body]
    named = [s for s in distinct if s.meta.place or (s.meta.body and not level_only.match(normalize(s.meta.body)))]
    unnamed = [s for s in distinct if s.meta.body and UNNAMED.search(normalize(s.meta.body))]
    titles = Counter(normalize(s.title) for s in distinct)
    shared = {t: n for t, n in titles.items() if n > 1}
    labels = Counter(speech_label(s) for s in distinct)
    return {
        "speeches": len(corpus.speeches), "distinct": len(distinct),
        "place_or_body": len(with_any), "place_or_body_rate": round(len(with_any) / len(distinct), 4),
        "named_place_or_body": len(named), "level_unnamed": len(unnamed), "named_rate": round(len(named) / len(distinct), 4),
        "place": sum(1 for s in distinct if s.meta.place), "speaker": sum(1 for s in distinct if s.meta.speaker),
        "date": sum(1 for s in distinct if s.meta.date), "meeting": sum(1 for s in distinct if s.meta.meeting),
        "titles_shared": shared, "distinct_labels": len(labels),
        "bad_topics": bad_topics(distinct), "topics_of_most": topics_of_most(distinct),
        "reference": against_reference(distinct),
    }


def provinces() -> dict:
    corpus = build_corpus([shared_dir() / "corpora" / "provinces-2025"])
    rows, ok = [], Counter()
    # The file names are "<year><province><kind of report>": the kind is their longest common ending (read from
    # the corpus, not written here), the province what stands between the year and it.
    stems = [Path(d.source).stem for d in corpus.documents]
    kind = os.path.commonprefix([t[::-1] for t in stems])[::-1]
    for s in corpus.speeches:
        m = s.meta
        expected = re.sub(r"^\d{4}年", "", Path(s.source).stem)[: -len(kind) or None]
        province = bool(m.place) and normalize(m.place).startswith(normalize(expected).rstrip("省市"))
        title = bool(re.fullmatch(r"\d{4}年.{2,12}" + re.escape(kind), normalize(s.title)))
        full_date = bool(m.date and re.fullmatch(r"2025-\d{2}-\d{2}", m.date))
        ok.update({"province": province, "speaker": bool(m.speaker), "date": full_date, "title": title,
                   "all": province and bool(m.speaker) and full_date and title})
        rows.append({"source": s.source, "title": s.title, "label": speech_label(s), **m.fields()})
    return {"files": len(corpus.documents), "speeches": len(corpus.speeches), **{k: ok[k] for k in
            ("province", "speaker", "date", "title", "all")}, "bad_topics": bad_topics(corpus.speeches),
            "topics_of_most": topics_of_most(corpus.speeches), "rows": rows}


def main() -> int:
    d, p = default_corpus(), provinces()
    print(f"default corpus: {d['distinct']} distinct speeches ({d['speeches']} with copies)")
    print(f"  place or body: {d['place_or_body']}/{d['distinct']} ({d['place_or_body_rate']:.1%}); named (not only the"
          f" level 县委/市政府): {d['named_place_or_body']}/{d['distinct']} ({d['named_rate']:.1%}); only the level, its"
          f" name unstated (区（未具名）): {d['level_unnamed']}")
    print(f"  place {d['place']}, speaker {d['speaker']}, date {d['date']}, meeting {d['meeting']}")
    r = d["reference"]
    print(f"  against the hand-made reference ({REFERENCE.relative_to(ROOT)}): {r['states_one']}/{d['distinct']} texts"
          f" state a place/body or level; right {r['named_right'] + r['level_right']} (named {r['named_right']},"
          f" level {r['level_right']}), broader area {r['broader']}, wrong {r['wrong']}, wrong level"
          f" {r['wrong_level']}, missing {r['missing']}; unknown and right {r['unknown_right']}/"
          f"{d['distinct'] - r['states_one']}; not in reference {r['not_in_reference']}")
    for m in r["misses"]:
        print(f"    {m['verdict']:11s} {m['anchor'][:14]} place={m['place']} body={m['body']} reference={m['reference']}")
    print(f"  titles shared by distinct speeches: {len(d['titles_shared'])} {d['titles_shared'] or ''}")
    print(f"  distinct labels: {d['distinct_labels']}/{d['distinct']}")
    print(f"  generic/function-word topics: {len(d['bad_topics'])} {d['bad_topics'][:10]}")
    print(f"  topic words shown for more than half of the speeches: {d['topics_of_most']}")
    print(f"provinces: {p['speeches']} speeches from {p['files']} files")
    print(f"  province {p['province']}/31, speaker {p['speaker']}/31, full date {p['date']}/31, "
          f"title <year><province><report> {p['title']}/31, all four {p['all']}/31")
    print(f"  generic/function-word topics: {len(p['bad_topics'])} {p['bad_topics'][:10]}")
    print(f"  topic words shown for more than half of the speeches: {p['topics_of_most']}")
    out = ROOT / "bench-results" / "identity.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"default": d, "provinces": p}, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
