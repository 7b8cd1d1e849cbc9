"""Side by side on one Milvus Lite collection: search p50 with and without the epoch filter (jianggao.indexer.milvus_store).

    .venv/bin/python scripts/probe_milvus_filter.py [N_SPEECHES]   (4 passages each, 512-d random vectors, no sentences)
"""
import statistics, sys, tempfile, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "indexer"))
from test_store import make_parts
from jianggao.indexer.store_api import open_backend

n_sp = int(sys.argv[1]) if len(sys.argv) > 1 else 250
tmp = Path(tempfile.mkdtemp(prefix="milvus-probe-"))
b = open_backend(f"milvus:{tmp/'x.db'}", tmp / "idx")
speeches, chunks, vectors, texts = make_parts(n_sp, 4, 0, dim=512)
ms = b.build(speeches, chunks, vectors, texts, model="m", files={s.source: "x" for s in speeches})
t = time.perf_counter(); b.save(ms); print("save", round(time.perf_counter() - t, 1), "s", len(chunks), "chunks")
rng = np.random.default_rng(1)
q = vectors[rng.choice(len(vectors), 20)]
kw = ["脱贫攻坚", "校车安全工作", "第2篇", "困户"] * 5
def p50(fn):
    ts = []
    for i in range(20):
        t = time.perf_counter(); fn(i); ts.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(ts), 1)
cls = type(ms)
real = cls.filter
for rnd in range(2):
    for label, f in (("filter", real), ("none", property(lambda s: ""))):
        cls.filter = f
        print(rnd, label, "dense", p50(lambda i: ms.dense_search_batch(q[i:i+1], 60)), "keyword", p50(lambda i: ms.lexical.search_batch([kw[i]], 60)), flush=True)
cls.filter = real
b.close()
