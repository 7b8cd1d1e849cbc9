"""The ``jianggao`` command line: one function per subcommand, JSON (UTF-8, ensure_ascii=False) at the edge.

Errors go to stderr with the next step to take; the exit status is 0 on success, 1 on a user error,
2 on bad usage (argparse).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

log = logging.getLogger("jianggao")


class CliError(Exception):
    """A failure the user can fix; its message says how."""


def emit_json(obj: Any, out=None) -> None:
    out = out or sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def speech_summary(speech, n_chunks: int) -> dict[str, Any]:
    return {
        "id": speech.id,
        "title": speech.title,
        "page_title": speech.page_title,
        "source": speech.source,
        "order": speech.order,
        "start": speech.start,
        "end": speech.end,
        "meta": {k: v for k, v in speech.meta.__dict__.items() if v},
        "chars": len(speech.text),
        "chunks": n_chunks,
        "canonical_id": speech.canonical_id,
        "copies": speech.copies,
    }


def find_speech(speeches, key: str):
    exact = [s for s in speeches if s.id == key]
    if exact:
        return exact[0]
    prefix = [s for s in speeches if s.id.startswith(key)]
    if len(prefix) == 1:
        return prefix[0]
    if prefix:
        raise CliError(f"speech id {key!r} is ambiguous: {', '.join(s.id for s in prefix[:5])} …; give more characters")
    raise CliError(f"no speech with id {key!r}; list the ids with `jianggao speeches`")


def cmd_speeches(args: argparse.Namespace) -> int:
    from indexer.corpus import build_corpus

    corpus = build_corpus([Path(p) for p in args.paths] or None)
    for err in corpus.errors:
        print(f"warning: skipped {err}", file=sys.stderr)
    per_speech: dict[str, int] = {}
    for c in corpus.chunks:
        per_speech[c.speech_id] = per_speech.get(c.speech_id, 0) + 1
    if args.show:
        s = find_speech(corpus.speeches, args.show)
        if args.json:
            emit_json({**speech_summary(s, per_speech.get(s.id, 0)), "text": s.text})
        else:
            print(f"# {s.title}\n({s.source} · {s.id})\n")
            print(s.text)
        return 0
    rows = [speech_summary(s, per_speech.get(s.id, 0)) for s in corpus.speeches]
    if args.json:
        for r in rows:
            emit_json(r)
        return 0
    for r in rows:
        dup = f"  = {r['canonical_id']}" if r["canonical_id"] else ""
        meta = " ".join(f"{k}:{v}" for k, v in r["meta"].items())
        print(f"{r['id']}  {r['source']}#{r['order']}  {r['chars']:>6}字 {r['chunks']:>3}块  {r['title']}{dup}")
        if meta or r["page_title"] != r["title"]:
            print(f"    页面标题: {r['page_title']}  {meta}")
    n_dup = sum(1 for r in rows if r["canonical_id"])
    print(f"\n{len(rows)} speeches ({len(rows) - n_dup} distinct, {n_dup} copies) in {len(corpus.documents)} files",
          file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jianggao", description="Search and question answering over Chinese speeches.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("speeches", help="list the speeches found in files (default: data/speeches)")
    sp.add_argument("paths", nargs="*", help="files or folders")
    sp.add_argument("--show", metavar="ID", help="print one cleaned speech")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    sp.set_defaults(func=cmd_speeches)
    return p


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except CliError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
