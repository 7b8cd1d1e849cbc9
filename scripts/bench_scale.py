"""How the library behaves at 10k, 100k and 1M passages (the segmented scale path, jianggao.indexer.segmented).

Data. Real passages of both corpora (data/speeches and $JIANGGAO_SHARED/corpora/provinces-2025), indexed once
with the real model (cached under --work). Synthetic libraries are recombined from them: each new passage is a
real passage with one sentence replaced by a random real sentence from elsewhere, new speeches hold 8-30 such
passages; so word and bigram statistics stay those of real speeches. **Vectors are not re-embedded**: a new
passage's vector is its base passage's real vector plus small Gaussian noise (cosine ~0.96 to it), renormalised,
so that 1M passages build in minutes. Keyword terms are tokenised once per real sentence and concatenated.
Questions: all of $JIANGGAO_SHARED/eval/dev.jsonl and provinces.jsonl, embedded once.

Measured per size, each in its own process (so peak memory is that size's alone):
* build: time from vectors/terms to a library on disk (keyword postings, dense index, SQLite metadata), peak
  RSS, size on disk; the real tokenising rate is reported separately (tokens are reused, not recomputed);
* serve: process start to ready (imports, model, library open, retriever, one warm search), resident memory
  (anonymous vs file-backed), hybrid / dense / keyword search p50/p95 with query vectors precomputed, dense
  recall@10 of the approximate index vs exact search on the real questions, ask p50 (cold: first time each
  question, sentence vectors not cached), adding one ~5,000-character speech file (load, split, chunk, embed,
  segment, reopen) until a search finds it, removing that file until searches no longer do;
* CLI add: `jianggao index --add FILE` on the library; the add (as the command reports it) and the rest of
  the process's wall time (start-up: interpreter, imports, model) reported apart.

Timings are wall-clock on whatever else the machine runs; on a shared machine they are noisy.

Usage: .venv/bin/python scripts/bench_scale.py [--sizes 10k,100k,1M] [--work /tmp/jianggao-scale] [--out bench-results]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from benchutil import pct  # noqa: E402

SHARED = Path(os.environ.get("JIANGGAO_SHARED", ROOT.parent / "shared"))
NOISE = 0.3  # noise norm relative to a unit vector: cosine ~0.96 to the base passage
BATCH = 100_000
_SENT = re.compile(r"[^。！？；!?;\n]+[。！？；!?;\n]*")


def parse_size(s: str) -> int:
    s = s.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(s[-1], 1)
    return int(float(s[:-1] if s[-1] in "km" else s) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def rss() -> dict[str, float]:
    """This process's resident memory (MB) from /proc: total, anonymous, file-backed, and the peak."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(val.split()[0]) / 1024
    return out


def du(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


# -- the pool of real passages -------------------------------------------------------------------------------
def prepare_pool(work: Path) -> Path:
    """Index both corpora with the real model (once), split their passages into sentences, tokenise each sentence
    once, embed the questions once. Everything lands in work/pool.npz + pool.json."""
    pool = work / "pool.npz"
    if pool.exists():
        return pool
    from jianggao.indexer.build import build_index
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.lexical import terms
    from jianggao.qa.query import normalize_query
    from jianggao.indexer.store import Store

    enc = Encoder()
    sources = {"seeds": ROOT / "data" / "speeches", "provinces": SHARED / "corpora" / "provinces-2025"}
    words: dict[str, int] = {}
    sentences, sent_terms, sent_off = [], [], [0]
    pass_sent, vectors, titles = [[0]], [], []
    t_tok, n_chars = 0.0, 0
    for name, path in sources.items():
        index_dir = work / "src" / name
        print(f"indexing {path} with the real model (once) …", flush=True)
        build_index([path], index_dir, encoder=enc)
        store = Store.load(index_dir)
        for c, v in zip(store.chunks, store.vectors):
            parts = _SENT.findall(c.text) or [c.text]
            for p in parts:
                t0 = time.perf_counter()
                ids = [words.setdefault(t, len(words)) for t in terms(p)]
                t_tok += time.perf_counter() - t0
                n_chars += len(p)
                sentences.append(p)
                sent_terms.extend(ids)
                sent_off.append(len(sent_terms))
            pass_sent.append([len(sentences)])
            vectors.append(v)
        titles += [s.title for s in store.speeches]
    questions = [json.loads(line)["query"] for f in ("dev.jsonl", "provinces.jsonl")
                 for line in (SHARED / "eval" / f).read_text(encoding="utf-8").splitlines() if line.strip()]
    qvec = enc.encode_queries([normalize_query(q) for q in questions])  # as the retriever embeds them
    np.savez(pool, vectors=np.asarray(vectors, np.float32), pass_off=np.array([p[0] for p in pass_sent], np.int64),
             sent_terms=np.asarray(sent_terms, np.int32), sent_off=np.asarray(sent_off, np.int64),
             qvec=qvec.astype(np.float32))
    (work / "pool.json").write_text(json.dumps({
        "sentences": sentences, "words": list(words), "titles": titles, "questions": questions,
        "tokenise_chars_per_s": n_chars / max(t_tok, 1e-9), "model": enc.name, "dim": enc.dim,
    }, ensure_ascii=False), encoding="utf-8")
    return pool


class Pool:
    def __init__(self, work: Path) -> None:
        z = np.load(work / "pool.npz")
        self.vectors, self.pass_off = z["vectors"], z["pass_off"]
        self.sent_terms, self.sent_off, self.qvec = z["sent_terms"], z["sent_off"], z["qvec"]
        meta = json.loads((work / "pool.json").read_text(encoding="utf-8"))
        self.sentences, self.words, self.titles = meta["sentences"], meta["words"], meta["titles"]
        self.questions, self.meta = meta["questions"], meta
        self.n_pass = len(self.vectors)


def synthetic_batch(pool: Pool, n: int, first_speech: int, rng: np.random.Generator):
    """About n passages (whole speeches: the batch may run a little past n), as speeches, chunks, float32
    vectors and the flat term ids + lengths of each passage."""
    from jianggao.indexer.types import Chunk, Speech

    speeches, chunks, sent_lists, bases = [], [], [], []
    made = 0
    si = first_speech
    while made < n:
        per = int(rng.integers(8, 31))
        base = rng.integers(0, pool.n_pass, per)
        parts = []
        for b in base:
            s = list(range(int(pool.pass_off[b]), int(pool.pass_off[b + 1])))
            if len(s) > 1:
                s[int(rng.integers(0, len(s)))] = int(rng.integers(0, len(pool.sentences)))
            parts.append(s)
        texts = ["".join(pool.sentences[i] for i in s) for s in parts]
        text = "".join(texts)
        sid = f"syn{si:07d}"
        speeches.append(Speech(id=sid, source=f"synthetic/{si // 20:06d}.txt", order=si % 20, start=0, end=len(text),
                               title=f"{pool.titles[si % len(pool.titles)]}（合成{si}）", page_title="", text=text,
                               norm=text))
        pos = 0
        for j, t in enumerate(texts):
            chunks.append(Chunk(id=f"{sid}:{j}", speech_id=sid, order=j, start=pos, end=pos + len(t), text=t, norm=t))
            pos += len(t)
        sent_lists.extend(parts)
        made += per
        si += 1
        bases.extend(int(b) for b in base)
    v = pool.vectors[np.asarray(bases)]
    v = v + (NOISE / np.sqrt(v.shape[1])) * rng.standard_normal(v.shape).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    flat_sent = np.fromiter((i for s in sent_lists for i in s), dtype=np.int64)
    per_pass = np.fromiter((len(s) for s in sent_lists), dtype=np.int64)
    s_start, s_len = pool.sent_off[flat_sent], pool.sent_off[flat_sent + 1] - pool.sent_off[flat_sent]
    total = int(s_len.sum())
    gather = np.repeat(s_start - (np.cumsum(s_len) - s_len), s_len) + np.arange(total)
    flat_terms = pool.sent_terms[gather]
    sent_cum = np.concatenate([[0], np.cumsum(s_len)])
    pass_cum = np.concatenate([[0], np.cumsum(per_pass)])
    lens = sent_cum[pass_cum[1:]] - sent_cum[pass_cum[:-1]]
    return speeches, chunks, v.astype(np.float32), flat_terms, lens, si


# -- child: build ----------------------------------------------------------------------------------------------
def child_build(work: Path, n: int) -> dict:
    from jianggao.indexer.ann import DenseIndex
    from jianggao.indexer.lexseg import KeywordSegment, merge
    from jianggao.indexer.metadb import SegmentWriter
    from jianggao.indexer.segmented import SEGMENTS, SegmentedManifest, SegmentedStore, Segment

    pool = Pool(work)
    lib = work / f"lib-{label(n)}"
    shutil.rmtree(lib, ignore_errors=True)
    rng = np.random.default_rng(n)
    name = "base"
    folder = lib / SEGMENTS / name
    (folder / "dense").mkdir(parents=True)
    t_gen = t_kw = t_meta = 0.0
    kw_parts, vec_parts = [], []
    made, si = 0, 0
    with SegmentWriter(folder / "meta.sqlite") as meta:
        while made < n:
            t0 = time.perf_counter()
            speeches, chunks, v, flat, lens, si = synthetic_batch(pool, min(BATCH, n - made), si, rng)
            t1 = time.perf_counter()
            kw_parts.append(KeywordSegment.from_flat(pool.words, flat, lens))
            t2 = time.perf_counter()
            meta.add(speeches, chunks)
            t3 = time.perf_counter()
            vec_parts.append(v.astype(np.float16))
            made += len(chunks)
            t_gen, t_kw, t_meta = t_gen + t1 - t0, t_kw + t2 - t1, t_meta + t3 - t2
            del speeches, chunks, v, flat, lens
        t0 = time.perf_counter()
    t_meta += time.perf_counter() - t0
    t0 = time.perf_counter()
    keyword = merge(kw_parts) if len(kw_parts) > 1 else kw_parts[0]
    del kw_parts
    keyword.save(folder / "keyword")
    t_kw += time.perf_counter() - t0
    t0 = time.perf_counter()
    vectors = np.concatenate(vec_parts)
    del vec_parts
    dense = DenseIndex.build(vectors)
    dense.save(folder / "dense")
    t_dense = time.perf_counter() - t0
    t0 = time.perf_counter()
    seg = Segment(folder)
    empty = SegmentedManifest(1, pool.meta["model"], pool.meta["dim"], [], 0, 0, {})
    store = SegmentedStore(lib, "", empty, [], None, set())._with(
        [seg], None, set(), {f"synthetic/{i:06d}.txt": "synthetic" for i in range((si + 19) // 20)})._publish()
    t_pub = time.perf_counter() - t0
    return {"passages": made, "speeches": si, "dense_kind": dense.kind, "nprobe": dense.nprobe,
            "build_s": round(t_kw + t_meta + t_dense + t_pub, 2),
            "build_parts_s": {"keyword": round(t_kw, 2), "metadata_sqlite": round(t_meta, 2),
                              "dense": round(t_dense, 2), "publish": round(t_pub, 2)},
            "generate_s": round(t_gen, 2), "build_peak_rss_mb": round(rss()["VmHWM"]),
            "disk_mb": round(du(lib)), "disk_parts_mb": {p.name: round(du(p) if p.is_dir() else p.stat().st_size / 2**20)
                              for p in folder.iterdir()},
            "postings": int(keyword.n_postings), "vocabulary": len(keyword.vocab), "version": store.version}


# -- child: serve ----------------------------------------------------------------------------------------------
def new_speech_file(pool: Pool, work: Path, seed: int) -> tuple[Path, str]:
    """A new ~5,000-character speech file of real sentences in a new order, with one sentence found nowhere
    else (real sentences recur in the recombined library); returns it and that sentence."""
    rng = np.random.default_rng(seed)
    picked, size = [], 0
    while size < 5000:
        s = pool.sentences[int(rng.integers(0, len(pool.sentences)))]
        if 20 <= len(s) <= 120:
            picked.append(s)
            size += len(s)
    path = work / "upload" / f"新讲话{seed}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    probe = f"会议确定把锦绣{seed}号工程列为年度头号任务，由专班逐月调度。"
    picked.insert(len(picked) // 2, probe)
    body = "\n".join("".join(picked[i:i + 4]) for i in range(0, len(picked), 4))
    path.write_text(f"在全市重点工作推进会上的讲话（{seed}）\n\n{body}\n", encoding="utf-8")
    return path, probe


def add_file(store, encoder, path: Path):
    """What an upload does on the scale path: load, split into speeches, chunk, embed, add one segment."""
    from jianggao.indexer.build import embedding_text, lexical_text
    from jianggao.indexer.chunking import chunk_speech
    from jianggao.indexer.pipeline import speeches_of
    from jianggao.indexer.lexseg import KeywordSegment
    from jianggao.indexer.loaders import load_corpus

    t0 = time.perf_counter()
    docs, errors = load_corpus([path])
    speeches = [s for d in docs for s in speeches_of(d, set())]
    chunks = [c for s in speeches for c in chunk_speech(s.id, s.text, s.norm)]
    by_id = {s.id: s for s in speeches}
    t1 = time.perf_counter()
    vectors = encoder.encode([embedding_text(by_id[c.speech_id], c) for c in chunks])
    t2 = time.perf_counter()
    keyword = KeywordSegment.from_texts([lexical_text(by_id[c.speech_id], c) for c in chunks])
    new = store.add(speeches, chunks, vectors, keyword, files={d.source: d.sha1 for d in docs})
    t3 = time.perf_counter()
    return new, {"load_split_chunk": t1 - t0, "embed": t2 - t1, "segment_write": t3 - t2, "chunks": len(chunks)}


def child_serve(work: Path, n: int, n_ask: int) -> dict:
    t_start = time.perf_counter()
    from jianggao.indexer.ann import exact_topk, recall_at
    from jianggao.indexer.embedding import Encoder
    from jianggao.indexer.segmented import SegmentedStore
    from jianggao.qa.answer import ask_batch
    from jianggao.qa.retrieval import Retriever

    t_import = time.perf_counter()
    pool = Pool(work)
    lib = work / f"lib-{label(n)}"
    encoder = Encoder()
    encoder.encode(["预热"])
    t_model = time.perf_counter()
    store = SegmentedStore.load(lib, expect_model=encoder.identity)
    retriever = Retriever(store, encoder)
    retriever.ranked_batch([pool.questions[0]], query_vectors=pool.qvec[:1])
    t_ready = time.perf_counter()
    print("READY", flush=True)
    out: dict = {"ready_in_process_s": round(t_ready - t_start, 2),
                 "ready_parts_s": {"imports": round(t_import - t_start, 2), "model": round(t_model - t_import, 2),
                                   "open_library": round(t_ready - t_model, 2)},
                 "rss_ready_mb": {k: round(v) for k, v in rss().items()}}
    # search latency, query vectors precomputed (one query per call, as a user's search)
    lat: dict[str, list[float]] = {"hybrid": [], "dense": [], "keyword": []}
    for rep in range(3):
        for qi, q in enumerate(pool.questions):
            for mode in lat:
                t0 = time.perf_counter()
                r = retriever.ranked_batch([q], mode=mode, query_vectors=pool.qvec[qi:qi + 1])[0]
                retriever.hits_from_ranked(r, 10)
                if rep:  # the first pass warms the page cache
                    lat[mode].append(time.perf_counter() - t0)
    for mode, v in lat.items():
        out[f"{mode}_p50_ms"] = round(1000 * pct(v, 0.5), 1)
        out[f"{mode}_p95_ms"] = round(1000 * pct(v, 0.95), 1)
    # dense recall of the approximate index vs exact, on the real questions
    found = np.array([[h.doc for h in row] + [-1] * (10 - len(row)) for row in store.dense_search_batch(pool.qvec, 10)])
    truth = exact_topk(store.segments[0].dense.vectors, pool.qvec, 10)[1]
    out["dense_recall_at_10"] = round(recall_at(found, truth, 10), 4)
    n_dev = sum(1 for line in (SHARED / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    out["dense_recall_at_10_dev"] = round(recall_at(found[:n_dev], truth[:n_dev], 10), 4)
    out["dense_recall_at_10_provinces"] = round(recall_at(found[n_dev:], truth[n_dev:], 10), 4)
    dense = store.segments[0].dense
    if dense.kind != "flat":  # the recall/latency curve around the tuned nprobe
        curve = {}
        for step in sorted({max(1, dense.nprobe // 2), dense.nprobe, dense.nprobe * 2}):
            t0 = time.perf_counter()
            f = np.vstack([dense.search(pool.qvec[i:i + 1], 10, nprobe=step)[1] for i in range(len(pool.qvec))])
            curve[str(step)] = {"recall_at_10": round(recall_at(f, truth, 10), 4),
                                "ms_per_query": round(1000 * (time.perf_counter() - t0) / len(pool.qvec), 1)}
        out["nprobe_curve"] = curve
    out["rss_after_search_mb"] = {k: round(v) for k, v in rss().items()}
    # ask, cold: each question asked for the first time
    asks = []
    for q in pool.questions[:n_ask]:
        t0 = time.perf_counter()
        ask_batch(retriever, [q], k=8)
        asks.append(time.perf_counter() - t0)
    out["ask_cold_p50_s"] = round(pct(asks, 0.5), 2)
    out["ask_cold_max_s"] = round(max(asks), 2)
    out["ask_n"] = len(asks)
    out["rss_after_ask_mb"] = {k: round(v) for k, v in rss().items()}
    # add one ~5,000-character speech until a search finds it, then remove it; twice: the first add in a process
    # pays one-time initialisations (jieba dictionaries of splitting/identity), the second is a running serve's
    for turn in ("first", "second"):
        path, probe = new_speech_file(pool, work, seed=n % 997 + (turn == "second"))
        t0 = time.perf_counter()
        new_store, parts = add_file(store, encoder, path)
        retriever2 = Retriever(new_store, encoder)
        hits = retriever2.search(probe, k=5)  # hybrid, the question embedded: what a user's search does
        out[f"add_5000_chars_{turn}_s"] = round(time.perf_counter() - t0, 2)
        out[f"add_parts_{turn}_s"] = {k: round(v, 2) if isinstance(v, float) else v for k, v in parts.items()}
        out[f"add_found_by_search_{turn}"] = any(h.source == path.name for h in hits)
        t0 = time.perf_counter()
        store = new_store.remove_sources([path.name])
        retriever3 = Retriever(store, encoder)
        hits = retriever3.search(probe, k=5)
        out[f"remove_file_{turn}_s"] = round(time.perf_counter() - t0, 2)
        out[f"remove_gone_from_search_{turn}"] = not any(h.source == path.name for h in hits)
    out["rss_end_mb"] = {k: round(v) for k, v in rss().items()}
    return out


def cli_add(pool: Pool, work: Path, n: int) -> dict:
    """`jianggao index --add FILE` on the library: the process's wall time, the add as the command reports it
    (load, split, chunk, embed, write the segment, publish), and the difference (start-up: interpreter, imports,
    model). The file is removed again afterwards (not timed)."""
    from benchutil import cli_env, jianggao

    from jianggao.indexer.segmented import SegmentedStore

    lib = work / f"lib-{label(n)}"
    path, _ = new_speech_file(pool, work, seed=n % 991 + 7)
    t0 = time.perf_counter()
    proc = subprocess.run([*jianggao(), "index", "--add", str(path), "--index-dir", str(lib), "--json"],
                          capture_output=True, text=True, env=cli_env(), timeout=1800)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-500:]}
    report = json.loads(proc.stdout)
    SegmentedStore.load(lib).remove_sources(report["added"] + report["changed"])
    return {"command": "jianggao index --add FILE --index-dir LIB --json", "process_wall_s": round(wall, 2),
            "add_s": round(report["seconds"], 2), "startup_s": round(wall - report["seconds"], 2),
            "chunks_after": report["chunks"]}


# -- parent ----------------------------------------------------------------------------------------------------
def run_child(args: list[str], timeout: float) -> tuple[dict, float, float | None]:
    """Run this script as a child; returns its JSON, its wall time and (serve) the wall time until READY."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    ready = None
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "READY" and ready is None:
            ready = time.perf_counter() - t0
        else:
            lines.append(line)
    proc.wait(timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed with exit code {proc.returncode}")
    return json.loads(lines[-1]), wall, ready


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,1M", help="comma-separated passage counts (10k, 100k, 1M)")
    ap.add_argument("--work", default="/tmp/jianggao-scale", help="libraries and the real-passage pool go here")
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    ap.add_argument("--asks", type=int, default=10, help="questions asked cold per size")
    ap.add_argument("--keep", action="store_true", help="keep the built libraries (default: delete each after)")
    ap.add_argument("--child", nargs=2, metavar=("WHAT", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.child:
        what, n = args.child[0], int(args.child[1])
        fn = {"build": lambda: child_build(work, n), "serve": lambda: child_serve(work, n, args.asks),
              }[what]
        print(json.dumps(fn(), ensure_ascii=False), flush=True)
        return

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    prepare_pool(work)
    pool = Pool(work)
    print(f"pool: {pool.n_pass} real passages, {len(pool.sentences)} sentences, {len(pool.questions)} questions; "
          f"vectors reused with noise {NOISE} (not re-embedded); real tokenising rate "
          f"{pool.meta['tokenise_chars_per_s'] / 1000:.0f}k chars/s (tokens reused, not recomputed)", flush=True)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    results = {"machine": {"cpu": cpu, "cores": os.cpu_count(),
                           "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
                           "note": "shared machine: other processes ran meanwhile; timings are noisy"},
               "method": {"vectors": f"real passage vectors + Gaussian noise (norm {NOISE}), renormalised; not re-embedded",
                          "passages": "real passages with one sentence swapped for a random real sentence",
                          "questions": len(pool.questions), "tokenise_chars_per_s": round(pool.meta["tokenise_chars_per_s"]),
                          "command": "scripts/bench_scale.py --sizes " + args.sizes},
               "sizes": {}}
    for n in sizes:
        print(f"\n== {label(n)} passages ==", flush=True)
        build, _, _ = run_child(["--work", str(work), "--child", "build", str(n)], 7200)
        print(json.dumps(build, ensure_ascii=False), flush=True)
        serve, _, ready = run_child(["--work", str(work), "--asks", str(args.asks), "--child", "serve", str(n)], 7200)
        serve["ready_wall_s"] = round(ready or float("nan"), 2)
        print(json.dumps(serve, ensure_ascii=False), flush=True)
        cli = cli_add(pool, work, n)
        print(json.dumps(cli, ensure_ascii=False), flush=True)
        results["sizes"][label(n)] = {"build": build, "serve": serve, "cli_add": cli}
        if not args.keep:
            shutil.rmtree(work / f"lib-{label(n)}", ignore_errors=True)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "scale.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")

    print("\nsize   build_s  peak_MB  disk_MB  ready_s  rss_MB(anon+file)  hybrid_p50/p95_ms  recall@10  ask_p50_s  "
          "add_s first/second (cli: start+add)  remove_s")
    for name, r in results["sizes"].items():
        b, s, c = r["build"], r["serve"], r["cli_add"]
        m = s["rss_end_mb"]
        print(f"{name:6} {b['build_s']:8} {b['build_peak_rss_mb']:8} {b['disk_mb']:8} {s['ready_wall_s']:8} "
              f"{m['VmRSS']:6} ({m['RssAnon']}+{m['RssFile']})   {s['hybrid_p50_ms']}/{s['hybrid_p95_ms']}"
              f"   {s['dense_recall_at_10']}   {s['ask_cold_p50_s']}   {s['add_5000_chars_first_s']}/"
              f"{s['add_5000_chars_second_s']} ({c['startup_s']}+{c['add_s']})   {s['remove_file_second_s']}")
    print(f"wrote {Path(args.out) / 'scale.json'}")


if __name__ == "__main__":
    main()
