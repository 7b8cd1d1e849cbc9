"""Reciprocal-rank fusion of ranked lists (Cormack et al., 2009).

score(d) = sum_i  w_i / (k + rank_i(d)),  rank from 1. Pure: works on document ids, knows nothing of the index.
"""
from __future__ import annotations

from typing import Hashable, NamedTuple, Sequence, TypeVar

# The paper's constant is 60; with short lists of ~60 candidates a smaller k keeps the heads of the lists apart.
# Measured on both dev sets (scripts/measure_retrieval.py --sweep rrf_k=3,5,10,20,40,60, hybrid hit@5): the seed
# set prefers small k (0.933 at 3 down to 0.700 at 60), the provinces set larger k (0.857 at 3, 0.929 from 20).
# 10 is where the two trends cross, NOT a plateau on both: a corpus like either one may prefer another value.
# Configurable per call.
K = 10

T = TypeVar("T", bound=Hashable)


class Fused(NamedTuple):
    doc: Hashable
    score: float


def rrf(rankings: Sequence[Sequence[T]], weights: Sequence[float] | None = None, k: int = K) -> list[Fused]:
    """Fuse ranked lists of ids (best first). Ties break by first appearance, so the result is deterministic."""
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    if any(w < 0 for w in weights):
        raise ValueError("fusion weights must be >= 0")
    scores: dict[T, float] = {}
    first: dict[T, int] = {}
    pos = 0
    for ranking, w in zip(rankings, weights):
        for rank, doc in enumerate(ranking, 1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
            if doc not in first:
                first[doc] = pos
                pos += 1
    return [Fused(d, s) for d, s in sorted(scores.items(), key=lambda kv: (-kv[1], first[kv[0]]))]
