"""Shared fixtures. The real embedding model is loaded once per test session, on first use."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# `make test` (the README's test command, run by .ci/run) installs everything the tests need and sets
# JIANGGAO_FULL_SETUP=1. There a test skipped for a missing piece of setup (a package that does not import, no
# chromium, no ../shared, no console script) is a broken install and fails instead of hiding as a skip; skips
# that depend on the machine (running as root, a CPU without native bf16) stay skips. A bare `pytest` skips.
FULL_SETUP = os.environ.get("JIANGGAO_FULL_SETUP") == "1"
_SETUP_SKIPS = ("could not import", "no /usr/bin/chromium", "no shared eval folder", "no shared corpora folder",
                "console script not installed")


def _fail_setup_skip(report) -> None:
    if FULL_SETUP and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(s in reason for s in _SETUP_SKIPS):
            report.outcome = "failed"
            report.longrepr = f"skipped for missing setup under `make test` ({reason}): the install is broken"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_setup_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # a module-level pytest.importorskip skips the whole file at collection
    outcome = yield
    _fail_setup_skip(outcome.get_result())


def _shared(*parts: str) -> Path | None:
    """$JIANGGAO_SHARED/<parts>, else ../shared/<parts> beside the repository; None when that folder is missing."""
    for base in (os.environ.get("JIANGGAO_SHARED"), Path(__file__).resolve().parents[1].parent / "shared"):
        if base and Path(base, *parts).is_dir():
            return Path(base, *parts)
    return None


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    """The shared eval folder (dev.jsonl, provinces.jsonl, score.py)."""
    folder = _shared("eval")
    if folder is None:
        pytest.skip("no shared eval folder: set JIANGGAO_SHARED or put shared/ beside the repository")
    return folder


@pytest.fixture(scope="session")
def provinces_dir() -> Path:
    """The shared provincial reports (31 .docx)."""
    folder = _shared("corpora", "provinces-2025")
    if folder is None:
        pytest.skip("no shared corpora folder: set JIANGGAO_SHARED or put shared/ beside the repository")
    return folder


@pytest.fixture(scope="session")
def encoder():
    """jianggao.indexer.embedding.Encoder() with the real m3e-small model (512-d), shared by every test that asks."""
    from jianggao.indexer.embedding import Encoder

    enc = Encoder()
    enc.dim  # load the model now, so that a missing model fails here with its install hint
    return enc


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, encoder):
    """An index of the default corpus (data/speeches), built once per test session with the real model (a few
    minutes on a 2-core CPU). Returns the index folder; tests only read it."""
    from jianggao.indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("corpus-index")
    build_index(None, index_dir, encoder=encoder)
    return index_dir
