"""Interrupted and concurrent ``jianggao index`` runs: the index is never lost or corrupted.

Each case starts from a good index of two speech files (tests/ui/data), adds a third file and runs
``jianggao index`` as a real subprocess. The build pauses at a named checkpoint (jianggao.indexer.checkpoints;
the command runs through tests/reliability/paused_cli.py, which listens for it), so the kill (SIGKILL) lands at
a known point:

- embedding: the new texts are about to be embedded (model loaded, nothing written yet);
- embedded: the embedding cache holds the new vectors, no index version written;
- writing:   a new version folder is half written (speeches and chunks only, no manifest);
- written:   the new version is complete on disk but ``CURRENT`` still names the old one;
- switched:  ``CURRENT`` names the new version, older versions not yet pruned, lock still held.

Meanwhile and after the kill the index must load as the previous good version (or, once switched, the new
one); running ``jianggao index`` again must give the same content as an uninterrupted build. Two runs at
once on one folder: the second waits or refuses with a clear message, and the index stays whole.

The reference builds run in this process with the session's model; the subprocesses load their own.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jianggao.indexer.store import VERSIONS, Store

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from benchutil import jianggao  # noqa: E402

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "ui" / "data"
FILES_BEFORE = ["xiaoche_anquan.txt", "canjiren.txt"]
FILE_ADDED = "yiqing_fangkong.txt"
STAGES = ["embedding", "embedded", "writing", "written", "switched"]
START_TIMEOUT_S = 240  # model load on a busy 2-core machine
BUSY_MESSAGE = "another `jianggao index` is writing"


@dataclass
class Snapshot:
    """What an index holds, as loaded through the store's API."""

    files: dict[str, str]
    speeches: list[dict[str, Any]]
    chunks: list[dict[str, Any]]
    duplicates: list[list[int]]
    vectors: np.ndarray
    sentence_spans: np.ndarray
    sentence_vectors: np.ndarray


def snapshot_of(store) -> Snapshot:
    """Any store's snapshot (the FAISS Store, the MilvusStore); both keep sentence vectors."""
    assert store.sentences is not None
    return Snapshot(
        files=dict(store.manifest.files),
        speeches=[s.to_json() for s in store.speeches],
        chunks=[c.to_json() for c in store.chunks],
        duplicates=[list(d) for d in store.chunk_duplicates],
        vectors=np.array(store.vectors),
        sentence_spans=np.array(store.sentences.spans),
        sentence_vectors=np.array(store.sentences.vectors),
    )


def snapshot(index_dir: Path) -> Snapshot:
    return snapshot_of(Store.load(index_dir))


def assert_same(found: Snapshot, expected: Snapshot) -> None:
    assert found.files == expected.files
    assert [s["id"] for s in found.speeches] == [s["id"] for s in expected.speeches]
    assert found.speeches == expected.speeches
    assert [(c["id"], c["start"], c["end"]) for c in found.chunks] == [
        (c["id"], c["start"], c["end"]) for c in expected.chunks
    ]
    assert found.chunks == expected.chunks
    assert found.duplicates == expected.duplicates
    assert found.vectors.shape == expected.vectors.shape
    assert float(np.abs(found.vectors - expected.vectors).max()) <= 1e-6
    np.testing.assert_array_equal(found.sentence_spans, expected.sentence_spans)
    assert found.sentence_vectors.shape == expected.sentence_vectors.shape
    assert float(np.abs(found.sentence_vectors - expected.sentence_vectors).max()) <= 1e-6


@dataclass
class Builds:
    library: Path  # the three files
    previous: Path  # index of the first two, copied by each test
    before: Snapshot
    after: Snapshot  # an uninterrupted update of ``previous`` to the three files
    n_new: int  # texts that update embeds


@pytest.fixture(scope="module")
def builds(tmp_path_factory, encoder) -> Builds:
    from jianggao.indexer.build import build_index

    root = tmp_path_factory.mktemp("interrupt")
    old_lib, library = root / "library-before", root / "library"
    old_lib.mkdir()
    library.mkdir()
    for name in FILES_BEFORE:
        shutil.copy(DATA / name, old_lib / name)
        shutil.copy(DATA / name, library / name)
    shutil.copy(DATA / FILE_ADDED, library / FILE_ADDED)
    previous, reference = root / "previous", root / "reference"
    build_index([old_lib], previous, encoder=encoder)
    shutil.copytree(previous, reference)
    report = build_index([library], reference, encoder=encoder)
    assert report.added == [FILE_ADDED] and report.embedded > 0
    return Builds(library, previous, snapshot(previous), snapshot(reference), report.embedded)


# -- running `jianggao index` -----------------------------------------------------------------------------------
PAUSED_CLI = Path(__file__).with_name("paused_cli.py")


def index_command(index_dir: Path, library: Path, wait: float | None = None, pause: str | None = None,
                  resume: Path | None = None) -> list[str]:
    """``jianggao index``; with ``pause``, through paused_cli.py, which stops at that checkpoint."""
    cmd = [sys.executable, str(PAUSED_CLI), pause, str(resume or "-")] if pause else [*jianggao()]
    cmd += ["index", str(library), "--index-dir", str(index_dir), "--json"]
    return cmd + (["--wait", str(wait)] if wait is not None else [])


def start_index(index_dir: Path, library: Path, log: Path, pause: str | None = None, resume: Path | None = None,
                wait: float | None = None) -> subprocess.Popen:
    """``jianggao index`` in the background; stdout and stderr go to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen(index_command(index_dir, library, wait, pause, resume), stdout=out,
                                stderr=subprocess.STDOUT)


def run_index(index_dir: Path, library: Path, wait: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(index_command(index_dir, library, wait), capture_output=True, text=True,
                          timeout=START_TIMEOUT_S)


def report_of(stdout: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def wait_for_pause(proc: subprocess.Popen, log: Path, stage: str) -> None:
    marker = f"test pause at stage {stage}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while marker not in log.read_text(encoding="utf-8", errors="replace"):
        if proc.poll() is not None:
            pytest.fail(f"`jianggao index` exited with {proc.returncode} before stage {stage}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"`jianggao index` did not reach stage {stage} in {START_TIMEOUT_S}s:\n{log.read_text()}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


# -- killed runs ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", STAGES)
def test_a_killed_index_run_keeps_the_previous_index_and_a_rerun_completes_it(builds, tmp_path, stage):
    index = tmp_path / "index"
    shutil.copytree(builds.previous, index)
    log = tmp_path / "killed.log"
    proc = start_index(index, builds.library, log, pause=stage)
    try:
        wait_for_pause(proc, log, stage)
        # A reader loading the index while the build is under way sees the previous version (or, once
        # switched, the new one), never a mix.
        assert_same(snapshot(index), builds.after if stage == "switched" else builds.before)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    assert_same(snapshot(index), builds.after if stage == "switched" else builds.before)

    # The lock died with the killed process: the rerun need not wait for it.
    rerun = run_index(index, builds.library, wait=5)
    assert rerun.returncode == 0, rerun.stderr
    report = report_of(rerun.stdout)
    assert report["nothing_to_do"] == (stage == "switched")
    if stage == "embedding":
        assert report["embedded"] == builds.n_new  # nothing of the killed run was kept
    elif stage != "switched":
        assert report["embedded"] == 0  # the killed run's vectors were cached before it died
    assert_same(snapshot(index), builds.after)
    # A half-written or orphaned version folder is cleared by the next save: live + previous at most.
    assert len(list((index / VERSIONS).iterdir())) <= 2


def test_an_index_run_killed_at_an_arbitrary_moment_leaves_a_loadable_index(builds, tmp_path):
    """No hook: SIGKILL after a fixed delay, wherever the run happens to be (loading, embedding, saving)."""
    index = tmp_path / "index"
    shutil.copytree(builds.previous, index)
    proc = start_index(index, builds.library, tmp_path / "killed.log")
    try:
        time.sleep(3.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop(proc)
    found = snapshot(index)
    assert_same(found, builds.after if found.files == builds.after.files else builds.before)
    rerun = run_index(index, builds.library, wait=5)
    assert rerun.returncode == 0, rerun.stderr
    assert_same(snapshot(index), builds.after)


# -- two runs at once ---------------------------------------------------------------------------------------------
def test_a_second_index_run_refuses_or_waits_while_one_is_writing(builds, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(builds.previous, index)
    resume = tmp_path / "resume"
    first_log, waiter_log = tmp_path / "first.log", tmp_path / "waiter.log"
    first = start_index(index, builds.library, first_log, pause="embedding", resume=resume)
    waiter = None
    try:
        wait_for_pause(first, first_log, "embedding")  # holds the lock

        refused = run_index(index, builds.library, wait=0.5)
        assert refused.returncode == 1
        assert any(line.startswith("error: ") and BUSY_MESSAGE in line for line in refused.stderr.splitlines())
        assert str(index / ".lock") in refused.stderr and "run again" in refused.stderr
        assert "Traceback" not in refused.stderr and refused.stdout == ""
        assert_same(snapshot(index), builds.before)

        waiter = start_index(index, builds.library, waiter_log, wait=120)
        time.sleep(2.0)
        assert waiter.poll() is None, waiter_log.read_text()  # cannot finish while the lock is held
        resume.touch()
        assert first.wait(timeout=START_TIMEOUT_S) == 0, first_log.read_text()
        assert waiter.wait(timeout=START_TIMEOUT_S) == 0, waiter_log.read_text()
    finally:
        stop(first)
        if waiter is not None:
            stop(waiter)
    waited = json.loads(next(x for x in waiter_log.read_text().splitlines() if x.startswith("{")))
    assert waited["nothing_to_do"]  # it found the first run's work done
    assert_same(snapshot(index), builds.after)


def test_two_index_runs_started_together_leave_one_good_index(builds, tmp_path):
    """No hook: both start at once; each finishes (the later one waited) or refuses with the busy message."""
    index = tmp_path / "index"
    shutil.copytree(builds.previous, index)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start_index(index, builds.library, log) for log in logs]
    try:
        codes = [p.wait(timeout=START_TIMEOUT_S) for p in procs]
    finally:
        for p in procs:
            stop(p)
    outputs = [log.read_text() for log in logs]
    for code, out in zip(codes, outputs):
        assert code == 0 or (code == 1 and BUSY_MESSAGE in out and "Traceback" not in out), out
    assert 0 in codes, outputs
    reports = [json.loads(next(x for x in out.splitlines() if x.startswith("{")))
               for code, out in zip(codes, outputs) if code == 0]
    assert sum(not r["nothing_to_do"] for r in reports) == 1  # the update was done once
    assert_same(snapshot(index), builds.after)


# -- the same guarantees with the Milvus store (Milvus Lite, embedded) ---------------------------------------------
MILVUS_STAGES = ["embedded", "writing", "written", "switched"]


@pytest.fixture(scope="module")
def milvus_previous(builds, tmp_path_factory, encoder):
    """An index of the first two files in Milvus Lite (db folder + index folder), copied by each test."""
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from jianggao.indexer.build import build_index
    from jianggao.indexer.store_api import open_backend

    root = tmp_path_factory.mktemp("milvus-previous")
    old_lib = builds.previous.parent / "library-before"
    db, index = root / "lite.db", root / "index"
    build_index([old_lib], index, encoder=encoder, backend=open_backend(f"milvus:{db}", index))
    open_backend(f"milvus:{db}", index).close()  # let go of the Lite lock: the subprocesses open it
    return root


def milvus_snapshot(db: Path, index: Path) -> Snapshot:
    from jianggao.indexer.store_api import open_backend

    backend = open_backend(f"milvus:{db}", index)
    try:
        return snapshot_of(backend.load())
    finally:
        backend.close()


@pytest.mark.parametrize("stage", MILVUS_STAGES)
def test_a_killed_index_run_keeps_the_previous_milvus_index_and_a_rerun_completes_it(builds, milvus_previous, tmp_path,
                                                                                     stage):
    root = tmp_path / "m"
    shutil.copytree(milvus_previous, root)
    db, index, log = root / "lite.db", root / "index", tmp_path / "killed.log"
    store_args = ["--store", f"milvus:{db}"]
    cmd = [sys.executable, str(PAUSED_CLI), stage, "-", "index", str(builds.library), "--index-dir", str(index),
           "--json", *store_args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_pause(proc, log, stage)
        # Milvus Lite serves one process at a time: the reader looks once the writer is dead (a server would
        # let it look meanwhile).
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    assert_same(milvus_snapshot(db, index), builds.after if stage == "switched" else builds.before)
    rerun = subprocess.run([*jianggao(), "index", str(builds.library), "--index-dir", str(index), "--json",
                            "--wait", "5", *store_args], capture_output=True, text=True, timeout=START_TIMEOUT_S)
    assert rerun.returncode == 0, rerun.stderr
    report = report_of(rerun.stdout)
    assert report["nothing_to_do"] == (stage == "switched")
    if stage != "switched":
        assert report["embedded"] == 0  # the killed run's vectors were cached before it died
    assert_same(milvus_snapshot(db, index), builds.after)
