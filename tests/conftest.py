"""Shared fixtures. The real embedding model is loaded once per test session, on first use."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def encoder():
    """indexer.embedding.Encoder() with the real m3e-small model (512-d), shared by every test that asks."""
    from indexer.embedding import Encoder

    enc = Encoder()
    enc.dim  # load the model now, so that a missing model fails here with its install hint
    return enc
