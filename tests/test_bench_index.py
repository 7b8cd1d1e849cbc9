"""scripts/bench_index.py: the split of a timed build into stages (pure)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from bench_index import STAGES, stage_split  # noqa: E402


def test_stage_split_cuts_a_build_at_its_embedding_checkpoints():
    split = stage_split(10.0, {"embedding": 12.0, "embedded": 17.5, "writing": 18.0}, 20.0)
    assert list(split) == list(STAGES)
    assert split == pytest.approx({"before embedding": 2.0, "embedding": 5.5, "after embedding": 2.5})


def test_stage_split_of_a_build_that_embedded_nothing_is_all_before():
    assert stage_split(0.0, {}, 3.0) == {"before embedding": 3.0, "embedding": 0.0, "after embedding": 0.0}
