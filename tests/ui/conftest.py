"""Fixtures for the web front end: a small engine over four real speech files (tests/ui/data), indexed once.

The files are speeches cut from the seed corpus: 校车安全 (Simplified), 残疾人 (Simplified), 疫情防控
(Traditional) and the 扶贫工程 page as scraped, which holds the same speech twice (a duplicate pair).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from uihelpers import DATA, copy_engine, make_engine


@pytest.fixture(scope="session")
def ui_base(tmp_path_factory, encoder) -> Path:
    """A library folder and its built index; copied, never changed."""
    root = tmp_path_factory.mktemp("ui-base")
    shutil.copytree(DATA, root / "library")
    make_engine(root, encoder).ensure_index()
    return root


@pytest.fixture(scope="session")
def ui_engine(ui_base, encoder):
    """A shared engine for tests that only read."""
    return make_engine(ui_base, encoder)


@pytest.fixture
def fresh_engine(ui_base, encoder, tmp_path):
    """An engine of its own, for tests that upload, remove or alter speeches."""
    return copy_engine(ui_base, tmp_path / "ui", encoder)
