"""Concurrent users. scripts/load_test.py end to end on a small library: a real ``jianggao serve`` answers a
few concurrent API requests while a file is uploaded through the page's upload event, with no error and no
wrong answer (the figures come from running the script itself). And in process: users asking at once around
an upload share the answer step's sentence vectors.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "ui" / "data"


def test_load_script_runs_clean_against_a_small_library(tmp_path):
    library = tmp_path / "library"
    shutil.copytree(DATA, library)
    before = sorted(p.relative_to(library) for p in library.rglob("*"))
    out = tmp_path / "load.json"
    # No index given: the server builds one in the script's private copy of the library.
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load_test.py"), "--index-dir", str(tmp_path / "no-index"),
         "--library", str(library), "--requests", "12", "--concurrency", "4", "--timeout", "300",
         "--startup-timeout", "300", "--out", str(out)],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["requests"] == 12 and report["concurrency"] == 4
    assert report["errors"] == 0 and report["wrong"] == 0, report
    assert report["upload"]["ok"] and report["upload"]["searchable"], report["upload"]
    for kind in ("ask", "similar", "compare"):
        stats = report["by_kind"][kind]
        assert stats["requests"] == 4 and stats["errors"] == 0
        assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["max_ms"]
    assert "p50" in proc.stdout and "errors 0" in proc.stdout
    # The user's library and index folder are only read.
    assert sorted(p.relative_to(library) for p in library.rglob("*")) == before
    assert not (tmp_path / "no-index").exists()


# -- many users asking at once, around an upload (in process) --------------------------------------------------
class RecordingEncoder:
    """The session's encoder, recording the texts of every multi-text call (the answer step's sentence batches;
    a search encodes its one query alone)."""

    def __init__(self, encoder):
        self._encoder = encoder
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._encoder, name)

    def encode(self, texts, show_progress: bool = False):
        if len(texts) > 1:
            with self._lock:
                self.batches.append(list(texts))
        return self._encoder.encode(texts, show_progress=show_progress)

    def encode_queries(self, texts):
        if len(texts) > 1:
            with self._lock:
                self.batches.append(list(texts))
        return self._encoder.encode_queries(texts)

    def take(self) -> list[str]:
        with self._lock:
            texts, self.batches = [t for b in self.batches for t in b], []
        return texts


def ask_all_at_once(engine, questions: list[str], users: int) -> list:
    barrier = threading.Barrier(users)

    def one(i: int):
        barrier.wait()
        return engine.ask(questions[i % len(questions)])

    with ThreadPoolExecutor(users) as pool:
        return list(pool.map(one, range(users)))


def store_spec(store: str, tmp_path: Path) -> str | None:
    """None (the default FAISS store) or a Milvus Lite database in ``tmp_path``."""
    if store == "faiss":
        return None
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    return f"milvus:{tmp_path / 'lite.db'}"


@pytest.mark.parametrize("store", ["faiss", "milvus"])
def test_users_asking_at_once_embed_no_sentences_also_after_an_upload(tmp_path, encoder, store):
    """Concurrent asks embed no candidate sentence (their vectors come from the index, jianggao.indexer.sentvec, in
    either store), before and after an upload that swaps in a new index: no ask is ever cold because of sentence
    embedding."""
    from jianggao.qa.engine import Engine

    sys.path.insert(0, str(ROOT / "scripts"))
    from load_test import UPLOAD_TEXT

    shutil.copytree(DATA, tmp_path / "library")
    recorder = RecordingEncoder(encoder)
    engine = Engine(index_dir=tmp_path / "index", library_dir=tmp_path / "library", store=store_spec(store, tmp_path))
    engine._encoder = recorder
    engine.ensure_index()
    questions = ["校车安全管理要落实哪些责任？", "怎样帮助残疾人脱贫？"]
    recorder.take()

    first = ask_all_at_once(engine, questions, users=8)
    assert recorder.take() == [], "the answer step embedded sentences at question time"
    assert engine.retriever.store.sentences is not None  # what it reads instead

    engine.add_files([("shuzi.txt", UPLOAD_TEXT.encode("utf-8"))])
    recorder.take()  # the upload's own indexing
    again = ask_all_at_once(engine, questions, users=8)
    assert recorder.take() == [], "the answer step embedded sentences after the upload"
    # The same answers as before the upload: the new speech is about something else. Only the lead excerpt is
    # compared: on this four-speech library one more speech moves the keyword statistics enough to add or drop a
    # runner-up excerpt near the cut-off.
    def lead(answers):
        return [(a.answerable, (a.citations[0].speech_id, a.citations[0].start) if a.citations else None)
                for a in answers]

    assert all(a.answerable for a in first)
    assert lead(again) == lead(first)
    assert len(engine.retriever.store.sentences.spans) > 0  # the new version's, read back after the upload


@pytest.mark.parametrize("store", ["faiss", "milvus"])
def test_searches_running_during_an_upload_never_fail_or_mix_versions(tmp_path, encoder, store):
    """Readers search without pause while an upload builds and switches in a new index version: every search
    succeeds, and every hit is a passage of the version that answered (the old one or the new one)."""
    from jianggao.qa.engine import Engine

    sys.path.insert(0, str(ROOT / "scripts"))
    from load_test import UPLOAD_TEXT

    shutil.copytree(DATA, tmp_path / "library")
    engine = Engine(index_dir=tmp_path / "index", library_dir=tmp_path / "library", store=store_spec(store, tmp_path))
    engine._encoder = encoder
    engine.ensure_index()
    old_ids = set(engine.store.chunk_position)
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[set[str]] = []

    def reader() -> None:
        while not done.is_set():
            try:
                with engine.pinned() as r:
                    hits = r.search("校车安全管理", k=5)
                    assert hits and all(h.chunk_id in r.store.chunk_position for h in hits)
                    seen.append({h.chunk_id for h in hits})
            except BaseException as e:  # noqa: BLE001 - collected and reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        engine.add_files([("shuzi.txt", UPLOAD_TEXT.encode("utf-8"))])
        time.sleep(0.5)  # a few searches on the new version too
    finally:
        done.set()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors[0]
    assert seen
    new_ids = set(engine.store.chunk_position)
    assert new_ids > old_ids
    assert all(ids <= new_ids or ids <= old_ids for ids in seen)
