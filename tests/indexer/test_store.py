"""Tests for jianggao.indexer.store: build, search, atomic save/load, and the errors an unusable index gives."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from jianggao.indexer import store as store_mod
from jianggao.indexer.store import (
    CURRENT,
    FORMAT_VERSION,
    VERSIONS,
    DenseHit,
    IndexMismatchError,
    Manifest,
    Store,
    StoreError,
)
from jianggao.indexer.types import Chunk, Speech, SpeechMeta

DIM = 16
PHRASES = ["脱贫攻坚", "校车安全", "疫情防控", "控辍保学", "师德师风", "防溺水", "值班值守", "乱收费"]


def make_parts(n_speeches: int = 4, per_speech: int = 3, seed: int = 0, dim: int = DIM):
    """Speeches, chunks, unit vectors and keyword texts that fit together (no model needed)."""
    rng = np.random.default_rng(seed)
    speeches, chunks, texts = [], [], []
    for s in range(n_speeches):
        parts = [f"第{s}篇第{j}段：做好{PHRASES[(s * per_speech + j) % len(PHRASES)]}工作。" for j in range(per_speech)]
        text = "".join(parts)
        sid = f"sp-{seed}-{s}"
        speeches.append(Speech(id=sid, source=f"f{s}.txt", order=0, start=0, end=len(text), title=f"讲话{s}",
                               page_title=f"页面{s}", text=text, norm=text, meta=SpeechMeta(date="2020年1月1日")))
        pos = 0
        for j, p in enumerate(parts):
            chunks.append(Chunk(id=f"{sid}:{j}", speech_id=sid, order=j, start=pos, end=pos + len(p), text=p, norm=p,
                                heading="一、总体要求" if j == 0 else ""))
            texts.append(p)
            pos += len(p)
    vectors = rng.standard_normal((len(chunks), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return speeches, chunks, vectors, texts


def build(seed: int = 0, index_type: str = "auto", n_speeches: int = 4, per_speech: int = 3, model: str = "test/model"):
    speeches, chunks, vectors, texts = make_parts(n_speeches, per_speech, seed)
    files = {s.source: f"sha-{seed}-{s.source}" for s in speeches}
    return Store.build(speeches, chunks, vectors, texts, model=model, files=files, index_type=index_type)


def queries_near(store: Store, n: int = 5, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = store.vectors[:n] + 0.3 * rng.standard_normal((n, store.vectors.shape[1])).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


# -- building and searching ------------------------------------------------------------------------------------
def test_dense_search_is_cosine_best_first():
    store = build()
    q = queries_near(store)
    hits = store.dense_search_batch(q, 4)
    assert len(hits) == len(q)
    for i, row in enumerate(hits):
        assert all(isinstance(h, DenseHit) for h in row)
        expected = np.argsort(-(store.vectors @ q[i]), kind="stable")[:4]
        assert [h.doc for h in row] == list(expected)
        assert row[0].score == pytest.approx(float(store.vectors[row[0].doc] @ q[i]), abs=1e-5)
    assert store.dense_search_batch(q[:1], 3)[0] == hits[0][:3]  # search(q) == search_batch([q])[0]


def test_k_is_clamped_to_the_corpus_and_validated():
    store = build(n_speeches=2, per_speech=2)
    assert len(store.dense_search_batch(store.vectors[:1], 100)[0]) == 4
    with pytest.raises(ValueError, match="k must be at least 1"):
        store.dense_search_batch(store.vectors[:1], 0)
    with pytest.raises(ValueError, match=rf"shape \(n, {DIM}\)"):
        store.dense_search_batch(np.zeros((1, DIM + 1), np.float32), 3)


def test_index_type_is_flat_for_small_corpora_and_hnsw_above_the_threshold(monkeypatch):
    assert build().manifest.index_type == "flat"
    monkeypatch.setattr(store_mod, "HNSW_MIN_CHUNKS", 10)
    store = build()
    assert store.manifest.index_type == "hnsw"
    assert type(store.index).__name__ == "IndexHNSWFlat"


@pytest.mark.parametrize("index_type", ["hnsw", "ivf"])
def test_approximate_indexes_find_each_vector_itself(index_type, tmp_path):
    store = build(index_type=index_type, n_speeches=20, per_speech=5)
    loaded = _round_trip(store, tmp_path)
    for s in (store, loaded):
        top = s.dense_search_batch(s.vectors, 1)
        assert [row[0].doc for row in top] == list(range(len(s.chunks)))
        assert all(row[0].score == pytest.approx(1.0, abs=1e-4) for row in top)


def test_deep_searches_on_approximate_indexes_are_exact(monkeypatch):
    flat = build(n_speeches=10, per_speech=5)
    hnsw = build(index_type="hnsw", n_speeches=10, per_speech=5)
    monkeypatch.setattr(store_mod, "APPROX_MAX_K", 8)
    q = queries_near(flat)
    assert [[h.doc for h in r] for r in hnsw.dense_search_batch(q, 50)] == [
        [h.doc for h in r] for r in flat.dense_search_batch(q, 50)
    ]


def test_lookup_helpers():
    store = build()
    sid = store.speeches[1].id
    assert store.speech_by_id(sid) is store.speeches[1]
    assert [c.order for c in store.chunks_of(sid)] == [0, 1, 2]
    assert all(c.speech_id == sid for c in store.chunks_of(sid))
    assert store.chunks_of("nope") == []
    with pytest.raises(KeyError, match="nope"):
        store.speech_by_id("nope")


def test_build_refuses_an_empty_corpus_clearly():
    with pytest.raises(StoreError, match="nothing to index: 0 speeches and 0 chunks"):
        Store.build([], [], np.zeros((0, DIM), np.float32), [], model="m", files={})


def test_build_refuses_parts_that_do_not_fit():
    speeches, chunks, vectors, texts = make_parts()
    with pytest.raises(StoreError, match="one vector per chunk"):
        Store.build(speeches, chunks, vectors[:-1], texts, model="m", files={})
    with pytest.raises(StoreError, match="L2-normalised"):
        Store.build(speeches, chunks, vectors * 2, texts, model="m", files={})
    with pytest.raises(StoreError, match="unknown speeches"):
        Store.build(speeches[1:], chunks, vectors, texts, model="m", files={})
    with pytest.raises(ValueError, match="invalid index type 'annoy'"):
        Store.build(speeches, chunks, vectors, texts, model="m", files={}, index_type="annoy")


# -- persistence -----------------------------------------------------------------------------------------------
def _round_trip(store: Store, directory: Path) -> Store:
    store.save(directory)
    return Store.load(directory)


def test_save_load_round_trip(tmp_path):
    speeches, chunks, vectors, texts = make_parts()
    dups = [[] for _ in chunks]
    dups[0], dups[4] = [4], [0]
    store = Store.build(speeches, chunks, vectors, texts, model="test/model", files={"f0.txt": "abc"},
                        chunk_duplicates=dups)
    loaded = _round_trip(store, tmp_path / "index")
    assert loaded.manifest == store.manifest
    assert loaded.speeches == store.speeches and loaded.chunks == store.chunks
    assert loaded.chunk_duplicates == dups
    np.testing.assert_array_equal(loaded.vectors, store.vectors)
    q = queries_near(store)
    assert loaded.dense_search_batch(q, 5) == store.dense_search_batch(q, 5)
    kw = ["脱贫攻坚", "校车安全", "第2篇", "不存在的词"]
    assert loaded.lexical.search_batch(kw, 5) == store.lexical.search_batch(kw, 5)
    assert loaded.lexical.search("校车安全", 5)[0].doc in [i for i, c in enumerate(chunks) if "校车安全" in c.text]


def test_manifest_json_round_trip():
    m = Manifest(FORMAT_VERSION, "m", 8, "flat", 1, 2, {"a.txt": "x"}, "2024-01-01T00:00:00+00:00")
    assert Manifest.from_json(json.loads(json.dumps(m.to_json()))) == m
    with pytest.raises(StoreError, match="manifest is incomplete"):
        Manifest.from_json({"format_version": 1})


def test_saves_keep_the_live_and_previous_versions_only(tmp_path):
    for seed in range(3):
        folder = build(seed=seed).save(tmp_path)
    live = (tmp_path / CURRENT).read_text().strip()
    assert live == folder.name
    assert len(list((tmp_path / VERSIONS).iterdir())) == 2
    assert Store.load(tmp_path).speeches[0].id == "sp-2-0"


def test_no_index_says_to_run_index(tmp_path):
    with pytest.raises(StoreError, match="run `jianggao index` first"):
        Store.load(tmp_path)


def _live_folder(directory: Path) -> Path:
    return directory / VERSIONS / (directory / CURRENT).read_text().strip()


def test_other_format_version_asks_for_a_rebuild(tmp_path):
    build().save(tmp_path)
    manifest = _live_folder(tmp_path) / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(IndexMismatchError, match="jianggao index --rebuild"):
        Store.load(tmp_path)


def test_other_model_or_dimension_asks_for_a_rebuild(tmp_path):
    build(model="test/model").save(tmp_path)
    assert Store.load(tmp_path, expect_model="test/model/").manifest.model == "test/model"  # normalised names
    with pytest.raises(IndexMismatchError, match="jianggao index --rebuild") as err:
        Store.load(tmp_path, expect_model="other/model")
    assert "test/model" in str(err.value)
    with pytest.raises(IndexMismatchError, match="16-d"):
        Store.load(tmp_path, expect_model="test/model", expect_dim=512)
    with pytest.raises(IndexMismatchError):
        Store.load(tmp_path).check_model("other/model")


def test_damaged_version_gives_a_clear_error(tmp_path):
    build().save(tmp_path)
    (_live_folder(tmp_path) / "vectors.npy").write_bytes(b"garbage")
    with pytest.raises(StoreError, match="damaged.*--rebuild"):
        Store.load(tmp_path)
    (tmp_path / CURRENT).write_text("no-such-version\n")
    with pytest.raises(StoreError, match="missing"):
        Store.load(tmp_path)


def test_nothing_is_pickled(tmp_path):
    build().save(tmp_path)
    for path in _live_folder(tmp_path).rglob("*"):
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)
        elif path.suffix in (".json", ".jsonl"):
            path.read_text(encoding="utf-8")  # text, not a pickle
        else:
            assert path.is_dir() or path.name == "dense.faiss", path


# -- atomicity: a save killed with SIGKILL -----------------------------------------------------------------------
# The child saves version A normally, then starts saving version B with one step made to hang after
# signalling; the parent kills it with SIGKILL at that point and checks that version A loads intact.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests_dir!r})
    import test_store as t
    from jianggao.indexer import fileio

    directory, signal_file, step = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    t.build(seed=0).save(directory)
    real = getattr(fileio, step)

    def hang(*args, **kwargs):
        if step == "write_jsonl":
            real(*args, **kwargs)  # half of the new version is on disk when we die
        signal_file.write_text("ready")
        time.sleep(600)

    setattr(fileio, step, hang)
    t.build(seed=1).save(directory)
    """
)


@pytest.mark.parametrize("step", ["write_jsonl", "write_pointer"])
def test_a_save_killed_midway_leaves_the_previous_version_loadable(tmp_path, step):
    directory, ready = tmp_path / "index", tmp_path / "ready"
    script = CHILD.format(tests_dir=str(Path(__file__).parent))
    proc = subprocess.Popen([sys.executable, "-c", script, str(directory), str(ready), step])
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert proc.poll() is None, f"child exited early with {proc.returncode}"
            assert time.monotonic() < deadline, "child never reached the point to kill it at"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(list((directory / VERSIONS).iterdir())) == 2  # the killed save's folder is there ...
    loaded = Store.load(directory)  # ... but CURRENT still names the complete first version
    expected = build(seed=0)
    assert loaded.speeches == expected.speeches and loaded.chunks == expected.chunks
    np.testing.assert_array_equal(loaded.vectors, expected.vectors)
    # The next save succeeds and clears the unfinished folder away.
    build(seed=2).save(directory)
    names = {p.name for p in (directory / VERSIONS).iterdir()}
    assert len(names) == 2 and Store.load(directory).speeches[0].id == "sp-2-0"


def test_chunk_position_maps_each_chunk_id_to_its_place():
    store = build()
    assert store.chunk_position == {c.id: i for i, c in enumerate(store.chunks)}
    assert store.chunk_position is store.chunk_position  # built once per store


def test_checkpoints_reach_listeners_only_while_registered(tmp_path):
    from jianggao.indexer.checkpoints import checkpoint, on_checkpoint

    seen: list[str] = []
    stop = on_checkpoint(seen.append)
    try:
        build().save(tmp_path)
    finally:
        stop()
    assert seen == ["writing", "written", "switched"]
    build(seed=1).save(tmp_path)
    assert len(seen) == 3
    with pytest.raises(ValueError, match="unknown checkpoint"):
        checkpoint("nowhere")


def test_equal_vectors_tie_in_position_order():
    speeches, chunks, vectors, texts = make_parts()
    vectors[7] = vectors[2] = vectors[9]  # three copies of one passage
    store = Store.build(speeches, chunks, vectors, texts, model="m", files={})
    assert [h.doc for h in store.dense_search_batch(vectors[9:10], 3)[0]] == [2, 7, 9]


def test_speech_identities_are_stored_and_reused(tmp_path, monkeypatch):
    """A saved library keeps each speech's identity (self-query's names), so that opening it tags no title; a
    save tags only speeches that are new or changed, and identities stored under other rules are recomputed."""
    from jianggao.indexer import speechnames

    calls = []
    real = speechnames.speech_identity
    monkeypatch.setattr(speechnames, "speech_identity", lambda s: calls.append(s.id) or real(s))
    speeches, chunks, vectors, texts = make_parts(n_speeches=3)
    speeches[1] = Speech(**{**speeches[1].__dict__, "title": "2019年紫阳县防汛工作会议上的讲话",
                            "meta": SpeechMeta(date="2019年6月1日", place="紫阳县", meeting="全县防汛工作会议")})
    store = Store.build(speeches, chunks, vectors, texts, model="test/model", files={"f0.txt": "abc"})
    store.save(tmp_path)
    expected = {s.id: real(s) for s in speeches}
    assert sorted(calls) == sorted(s.id for s in speeches)  # a fresh library: every speech once
    assert "紫阳县" in expected[speeches[1].id].heads and expected[speeches[1].id].meetings == ("全县防汛工作会议",)

    calls.clear()
    loaded = Store.load(tmp_path)
    assert loaded.identities() == expected and calls == []  # read, not recomputed

    # An update: one speech's title changes, the others are unchanged.
    speeches[2] = Speech(**{**speeches[2].__dict__, "title": "在2021年全市教育工作会议上的讲话"})
    Store.build(speeches, chunks, vectors, texts, model="test/model", files={"f0.txt": "abd"}).save(tmp_path)
    assert calls == [speeches[2].id]
    calls.clear()
    assert Store.load(tmp_path).identities()[speeches[2].id] == real(speeches[2])
    assert calls == []

    # Stored under other rules (another dictionary, say): read as missing, computed on use.
    monkeypatch.setattr(speechnames, "names_signature", lambda: "other rules")
    again = Store.load(tmp_path)
    assert calls == []
    assert again.identities() == {s.id: real(s) for s in speeches}
    assert sorted(calls) == sorted(s.id for s in speeches)
