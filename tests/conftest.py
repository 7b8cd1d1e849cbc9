"""Shared fixtures. The real embedding model is loaded once per test session, on first use."""
from __future__ import annotations

import pytest


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
