"""Peak memory (RSS) and time of the ingester on oversized input: a 50 MB text file and a 100,000-character line.

Every measurement runs in a fresh subprocess under its own parent, so each peak belongs to that run alone:

* ``load``: ``jianggao.indexer.loaders.load_corpus`` on the file (read, detect the encoding, decode), for a 50 MB
  UTF-8 and a 50 MB GB18030 file; the extra peak over the interpreter's is what the file costs;
* ``speeches``: ``jianggao speeches FILE --json`` (load, clean, split, link duplicates, chunk: everything but
  the model), for a small speech file (the baseline), the 100k-character line, a 1 MB single speech and the
  50 MB file (the last takes minutes on 2 cores; ``--quick`` skips it);
* ``index``: ``jianggao index`` of the 100k-character line with the model (``--quick`` skips it).

The files are generated in a temporary folder from data/speeches and deleted afterwards.
Prints a table and writes bench-results/bad_input.json.

Usage: .venv/bin/python scripts/bench_bad_input.py [--quick] [--out bench-results]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchutil import cli_env, jianggao

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "speeches"
SMALL = ROOT / "tests" / "ui" / "data" / "canjiren.txt"
MB = 2**20
KB = 1 if sys.platform == "darwin" else 1024  # unit of ru_maxrss

# Loads a folder or file and prints the peak RSS before and after, the characters of each document, the errors.
LOAD = """
import json, resource, sys
from pathlib import Path
from jianggao.indexer.loaders import load_corpus
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
docs, errors = load_corpus([Path(sys.argv[1])])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before": before, "after": after, "docs": {d.source: len(d.text) for d in docs},
                  "errors": [str(e) for e in errors]}, ensure_ascii=False))
"""

PEAK_OF_CHILD = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(json.dumps({"rc": r.returncode, "seconds": time.perf_counter() - t,
                  "peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stdout_lines": r.stdout.count(b"\\n"),
                  "stdout_tail": r.stdout[-2000:].decode("utf-8", "replace"),
                  "stderr": r.stderr.decode("utf-8", "replace")}))
"""


def measure(args: list[str], env: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """Exit status, seconds, peak RSS (``peak_bytes`` and ``peak_mb``), stdout tail and line count, and stderr of
    ``args`` run as the only child of a fresh parent, so that the peak is that run's alone."""
    proc = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, *args], capture_output=True, text=True,
                          env=env or cli_env(), cwd=ROOT, check=True, timeout=timeout)
    out = json.loads(proc.stdout)
    out["peak_bytes"] = out.pop("peak") * KB
    out["peak_mb"] = round(out["peak_bytes"] / MB, 1)
    out["seconds"] = round(out["seconds"], 2)
    return out


def seed_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.txt")))


def big_bytes(size: int, encoding: str) -> bytes:
    """About ``size`` bytes of real speech text (the seed pages, repeated), cut after a line: b"\\n" is never
    part of a UTF-8 or GB18030 multi-byte character."""
    unit = seed_text().encode(encoding)
    data = (unit * (size // len(unit) + 1))[:size]
    return data[: data.rfind(b"\n") + 1]


def one_line(text: str, length: int = 100_000) -> str:
    """``text`` without any whitespace, repeated to exactly ``length`` characters: a scraped page saved without
    line breaks (chrome, titles and several speeches on one line)."""
    flat = re.sub(r"\s+", "", text)
    return (flat * (length // len(flat) + 1))[:length]


def random_speech(size: int) -> str:
    """About ``size`` bytes (UTF-8) of common Chinese characters in random order, ~120 to a sentence: one long
    speech in which every shingle is new."""
    sys.path.insert(0, str(ROOT))
    from jianggao.indexer.decoding import common_chars

    han = sorted(c for c in common_chars() if "\u4e00" <= c <= "\u9fff")
    rng = random.Random(0)
    return "\n".join("".join(rng.choices(han, k=120)) + "。" for _ in range(size // 364 + 1))


def write(path: Path, data: bytes | str) -> int:
    """``data`` written to ``path`` (str as UTF-8); returns the file size."""
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the 50 MB pipeline run and the model index run")
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    args = ap.parse_args()

    env = cli_env()
    results: dict = {"cpus": os.cpu_count(), "quick": args.quick, "runs": {}}
    runs = results["runs"]

    def report(name: str, size: int, run: dict, extra: str = "") -> None:
        run["file_mb"] = round(size / MB, 2)
        runs[name] = run
        run["stderr_tail"] = run.pop("stderr")[-1000:]
        run.pop("peak_bytes")
        ok = "ok" if run["rc"] == 0 else f"EXIT {run['rc']}: {run['stderr_tail'][-200:]!r}"
        print(f"{name:<28} {size / MB:>8.2f} MB  peak {run['peak_mb']:>7.1f} MB  {run['seconds']:>7.1f} s  {extra}{ok}",
              flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-bad-input-") as tmp:
        tmp = Path(tmp)
        files = {
            "utf8_50mb": (tmp / "big_utf8.txt", write(tmp / "big_utf8.txt", big_bytes(50 * MB, "utf-8"))),
            "gb18030_50mb": (tmp / "big_gb18030.txt", write(tmp / "big_gb18030.txt", big_bytes(50 * MB, "gb18030"))),
            "line_100k": (tmp / "line.txt", write(tmp / "line.txt", one_line(seed_text()) + "\n")),
            "one_speech_1mb": (tmp / "one_speech.txt", write(tmp / "one_speech.txt", random_speech(MB))),
            "small": (SMALL, SMALL.stat().st_size),
        }

        print("loading (read + detect + decode):")
        for name in ("utf8_50mb", "gb18030_50mb", "line_100k"):
            path, size = files[name]
            run = measure([sys.executable, "-c", LOAD, str(path)], env)
            load = json.loads(run.pop("stdout_tail"))
            run.pop("stdout_lines")
            run["extra_mb"] = round(run["peak_mb"] - load["before"] * KB / MB, 1)
            run["extra_per_file_byte"] = round(run["extra_mb"] * MB / size, 2)
            run["chars"], run["errors"] = sum(load["docs"].values()), load["errors"]
            report(f"load {name}", size, run, f"(+{run['extra_mb']:.1f} MB = {run['extra_per_file_byte']:.2f}x) ")

        print("jianggao speeches (load, clean, split, duplicates, chunks):")
        names = ["small", "line_100k", "one_speech_1mb"] + ([] if args.quick else ["utf8_50mb"])
        for name in names:
            path, size = files[name]
            run = measure([*jianggao(), "speeches", str(path), "--json"], env)
            run["speeches"] = run.pop("stdout_lines")  # one JSON line per speech
            run.pop("stdout_tail")
            if name != "small":
                run["extra_over_small_mb"] = round(run["peak_mb"] - runs["speeches small"]["peak_mb"], 1)
            report(f"speeches {name}", size, run)

        if not args.quick:
            print("jianggao index (with the model):")
            path, size = files["line_100k"]
            run = measure([*jianggao(), "index", str(path), "--index-dir", str(tmp / "index"), "--json",
                           "--device", "cpu"], env)
            run.pop("stdout_lines")
            try:
                run["report"] = json.loads(run.pop("stdout_tail"))
            except json.JSONDecodeError:
                pass  # the tail is kept: it says what went wrong
            report("index line_100k", size, run)

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bad_input.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out_dir / 'bad_input.json'}")


if __name__ == "__main__":
    main()
