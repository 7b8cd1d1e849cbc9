"""Side-by-side in one process, on a library built by ``bench_scale.py --keep``: hybrid p50/p95 of the previous
hybrid path (self-query NameIndex built from every speech, one Chunk read per boost candidate, serial lists) and
of the current one, with each change toggled alone, the variants interleaved per question so that they share the
machine's load; the serial split (dense / keyword / names / hits); with a third argument, a cProfile of hybrid.

Usage: .venv/bin/python scripts/bench_scale_ab.py WORK LIBRARY [prof]   (WORK: bench_scale's --work, for the pool)
"""
import cProfile, io, json, os, pstats, sys, time
from pathlib import Path

import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import Pool
from benchutil import pct
work, lib = Path(sys.argv[1]), Path(sys.argv[2])
from jianggao.indexer.segmented import SegmentedStore
from jianggao.indexer.speechnames import speech_identity
from jianggao.qa import retrieval
from jianggao.qa.retrieval import Retriever
from jianggao.qa.selfquery import NameIndex

class E:  # query vectors are precomputed; no model needed
    identity = name = None
pool = Pool(work)
t0 = time.perf_counter(); store = SegmentedStore.load(lib); t_open = time.perf_counter() - t0
r = Retriever(store, E())
t0 = time.perf_counter(); r.named_speeches(["预热"]); t_names_stored = time.perf_counter() - t0
out = {"open_s": round(t_open, 2), "names_stored_first_query_s": round(t_names_stored, 3), "load": os.getloadavg()}
old = Retriever(store, E())
t0 = time.perf_counter()
old._identities = NameIndex({s.id: speech_identity(s) for s in store.speeches})
out["names_built_from_speeches_s"] = round(time.perf_counter() - t0, 2)
same = all(r.named_speeches([q]) == old.named_speeches([q]) for q in pool.questions)
out["named_equal_on_all_questions"] = same
per_chunk = lambda self, docs: {d: self.store.chunks[d].speech_id for d in dict.fromkeys(docs)}
batch = Retriever._speech_ids
variants = {
    "old(names in memory, per-chunk ids, serial)": (old, per_chunk, 10**12),
    "new(stored names, batch ids, parallel)": (r, batch, retrieval.PARALLEL_FROM),
    "new but serial": (r, batch, 10**12),
    "new but per-chunk ids": (r, per_chunk, retrieval.PARALLEL_FROM),
    "old names + new rest": (old, batch, retrieval.PARALLEL_FROM),
}
lat = {k: [] for k in variants}
qs = pool.questions
for rep in range(3):
    for qi, q in enumerate(qs):
        for name, (ret, ids, par) in variants.items():
            Retriever._speech_ids = ids
            retrieval.PARALLEL_FROM = par
            store.chunks._one.cache_clear()  # per-chunk lookups are not served from the previous variant's cache
            t0 = time.perf_counter()
            ranked = ret.ranked_batch([q], query_vectors=pool.qvec[qi:qi + 1])[0]
            ret.hits_from_ranked(ranked, 10)
            if rep:
                lat[name].append(time.perf_counter() - t0)
for name, v in lat.items():
    out[name] = {"p50_ms": round(1000 * pct(v, .5), 1), "p95_ms": round(1000 * pct(v, .95), 1)}
# split of the new path
Retriever._speech_ids = batch; retrieval.PARALLEL_FROM = 10**12
parts = {"dense": [], "keyword": [], "named": [], "hits": []}
from jianggao.qa.query import normalize_query
for qi, q in enumerate(qs):
    t = time.perf_counter(); r.dense_candidates(pool.qvec[qi:qi+1], 60); parts["dense"].append(time.perf_counter() - t)
    t = time.perf_counter(); r.keyword_candidates([normalize_query(q)], 60); parts["keyword"].append(time.perf_counter() - t)
    t = time.perf_counter(); r.named_speeches([q]); parts["named"].append(time.perf_counter() - t)
    ranked = r.ranked_batch([q], query_vectors=pool.qvec[qi:qi + 1])[0]
    t = time.perf_counter(); r.hits_from_ranked(ranked, 10); parts["hits"].append(time.perf_counter() - t)
out["serial_parts_p50_ms"] = {k: round(1000 * pct(v, .5), 1) for k, v in parts.items()}
out["load_end"] = os.getloadavg()
print(json.dumps(out, ensure_ascii=False, indent=1))
if len(sys.argv) > 3:
    retrieval.PARALLEL_FROM = 10**12
    pr = cProfile.Profile(); pr.enable()
    for qi, q in enumerate(qs):
        r.hits_from_ranked(r.ranked_batch([q], query_vectors=pool.qvec[qi:qi + 1])[0], 10)
    pr.disable(); s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(35); print(s.getvalue()[:9000])
