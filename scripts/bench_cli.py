#!/usr/bin/env python3
"""Wall time of one-shot CLI commands, each a new process, as a user runs them: search, ask and compare on the
default library, adding a new 5,000-character speech to it and removing it again (``jianggao index <folder>``).

Each tree measured gets its own copy of ``data/speeches`` and its own index, built once before timing (this also
fills the shared ONNX cache). With ``--baseline TREE`` (another checkout of this project, e.g. a ``git worktree``
of an older commit) both trees run the same commands, interleaved round by round, so that medians compare under
the same load. The added speech is new in every round (the seed pages' sentences in a new order), so its
passages are embedded, never read from a cache. Prints medians and writes bench-results/cli.json.

    .venv/bin/python scripts/bench_cli.py --repeat 5 [--baseline /tmp/old-tree]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ask import cpu_description  # noqa: E402
from benchutil import cli_env, jianggao, write_results  # noqa: E402

# Invented requests (never from an eval set).
QUESTION = "今年在教育方面要办好哪些实事？"
TOPIC = "安全生产"
ADDED_CHARS = 5000
COMMANDS = ("search", "ask", "compare", "add", "remove")


def new_speech(round_no: int) -> str:
    """About ADDED_CHARS characters of the seed pages' sentences in an order of this round's own."""
    sentences: list[str] = []
    for path in sorted((ROOT / "data" / "speeches").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        sentences += [s.strip() for s in re.findall(r"[^。！？\n]+[。！？]", text) if len(s.strip()) >= 12]
    random.Random(round_no).shuffle(sentences)
    out, size = [], 0
    for s in sentences:
        if size >= ADDED_CHARS:
            break
        out.append(s)
        size += len(s)
    return "在全县工作会议上的讲话\n\n" + "\n".join(out) + "\n"


class Tree:
    """One checkout to measure: its import path (None: this one) and its own library and index."""

    def __init__(self, name: str, path: Path | None, work: Path) -> None:
        self.name = name
        self.env = cli_env()
        if path is not None:  # the console script imports ``jianggao`` from here first
            shim = work / f"{name}-shim"
            shim.mkdir(parents=True, exist_ok=True)
            link = shim / "jianggao"
            if not link.exists():
                link.symlink_to(path.resolve(), target_is_directory=True)
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), self.env.get("PYTHONPATH")]))
        self.library = work / name / "library"
        self.index = work / name / "index"
        shutil.copytree(ROOT / "data" / "speeches", self.library)

    def run(self, *args: str) -> float:
        t0 = time.perf_counter()
        done = subprocess.run([*jianggao(), *args], env=self.env, capture_output=True, text=True, timeout=900)
        elapsed = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: jianggao {' '.join(args)} failed ({done.returncode}): {done.stderr[-800:]}")
        return elapsed

    def command(self, what: str, round_no: int) -> float:
        idx = ["--index-dir", str(self.index)]
        if what == "search":
            return self.run("search", QUESTION, *idx, "--json")
        if what == "ask":
            return self.run("ask", QUESTION, *idx, "--json")
        if what == "compare":
            return self.run("compare", TOPIC, *idx, "--json")
        added = self.library / "bench-added.txt"
        if what == "add":
            added.write_text(new_speech(round_no), encoding="utf-8")
        else:
            added.unlink()
        return self.run("index", str(self.library), *idx)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--baseline", type=Path, help="another checkout of the project to run side by side")
    p.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, deleted)")
    a = p.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="jianggao-bench-cli-"))
    trees = [Tree("current", None, work)]
    if a.baseline is not None:
        if not (a.baseline / "indexer" / "embedding.py").is_file():
            raise SystemExit(f"--baseline {a.baseline}: not a checkout of this project")
        trees.append(Tree("baseline", a.baseline, work))
    try:
        for t in trees:
            t.run("index", str(t.library), "--index-dir", str(t.index))  # once, untimed
        times: dict[str, dict[str, list[float]]] = {t.name: {c: [] for c in COMMANDS} for t in trees}
        for r in range(a.repeat):
            for t in trees:
                for c in COMMANDS:
                    times[t.name][c].append(round(t.command(c, r), 3))
            print(f"round {r + 1}/{a.repeat}: " + "; ".join(
                f"{t.name} " + " ".join(f"{c} {times[t.name][c][-1]:.2f}" for c in COMMANDS) for t in trees),
                flush=True)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    medians = {n: {c: round(statistics.median(v), 3) for c, v in cs.items()} for n, cs in times.items()}
    print("median wall seconds (new process each):")
    for c in COMMANDS:
        row = "  ".join(f"{n} {medians[n][c]:6.2f}" for n in medians)
        ratio = (f"  ratio baseline/current {medians['baseline'][c] / medians['current'][c]:.2f}x"
                 if "baseline" in medians else "")
        print(f"  {c:8s} {row}{ratio}")
    write_results("cli.json", {"cpu": cpu_description(), "repeat": a.repeat, "question": QUESTION, "topic": TOPIC,
                               "baseline": str(a.baseline) if a.baseline else None, "seconds": times,
                               "median": medians})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
