"""Near-duplicate speeches: the same speech copied across pages or inside one, sometimes with figures blanked.

Each speech becomes a set of character shingles of its normalised text in which every run of digits or of
the blank ``x`` is one placeholder, so "2018年" and "20xx年" shingle alike. MinHash LSH Ensemble
(datasketch) finds candidate pairs by *containment* rather than Jaccard, because a truncated copy holds only
part of the original; candidates are then verified exactly. Copies are linked to a canonical speech, never
dropped: the canonical one is the copy with the most real figures, then the longest.
"""
from __future__ import annotations

import re
from itertools import islice
from typing import NamedTuple

SHINGLE = 6
MINHASH_BATCH = 8192  # shingles hashed at a time (8192 x 128 permutations x 8 bytes = 8 MB)
CONTAINMENT = 0.6  # share of the smaller speech's shingles found in the larger one
# A copy is the same speech, not a speech that reuses a few template paragraphs of a longer one.
SIZE_RATIO = 0.5
_KEEP = re.compile(r"[\u3400-\u9fff\uf900-\ufaffa-z0-9#]")
# A run of digits, blanks (x) and dots is one figure: "2018年" and "20xx年", "2.6万" and "x.x万" shingle alike.
_FIGURE = re.compile(r"(?<![a-wyz])[0-9x][0-9x.]*(?![a-wyz])|\*{2,}")
_BLANK = re.compile(r"(?<![a-z0-9])x+(?![a-z])|\*{2,}")


class DuplicateGroup(NamedTuple):
    canonical: int  # index of the canonical speech
    copies: list[int]  # indices of its copies (not including canonical)


def shingle_set(norm: str, k: int = SHINGLE) -> set[str]:
    """Shingles of the matching form: figures and blanks folded to '#', all but letters and digits dropped."""
    s = "".join(_KEEP.findall(_FIGURE.sub("#", norm.lower())))
    if len(s) <= k:
        return {s} if s else set()
    return {s[i : i + k] for i in range(len(s) - k + 1)}


def fullness(norm: str) -> tuple[int, int]:
    """Real figures minus blanked ones, then length: the fuller copy of a speech wins."""
    return (len(re.findall(r"[0-9]+", norm)) - len(_BLANK.findall(norm.lower())), len(norm))


def containment(a: set[str], b: set[str]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 0.0


def _candidate_pairs(sets: list[set[str]], threshold: float) -> set[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSHEnsemble

    hashes = []
    for s in sets:
        m = MinHash(num_perm=128, seed=7)
        # update_batch builds a (shingles x num_perm) uint64 matrix: fed whole, one long speech (a 5 MB file
        # of a single speech) would need gigabytes. Slices give the same minimum with bounded memory.
        it = iter(s)
        while batch := [x.encode("utf-8") for x in islice(it, MINHASH_BATCH)]:
            m.update_batch(batch)
        hashes.append(m)
    entries = [(i, hashes[i], len(sets[i])) for i in range(len(sets)) if sets[i]]
    if not entries:  # no speeches at all (every file was bad): datasketch refuses an empty index
        return set()
    # Slightly lower than the verified threshold: the ensemble is approximate, verification is exact.
    ens = MinHashLSHEnsemble(threshold=max(0.1, threshold - 0.15), num_perm=128, num_part=8)
    ens.index(entries)
    pairs = set()
    for i, m in enumerate(hashes):
        if not sets[i]:
            continue
        for j in ens.query(m, len(sets[i])):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def is_copy(a: set[str], b: set[str], threshold: float = CONTAINMENT, size_ratio: float = SIZE_RATIO) -> bool:
    if not a or not b or min(len(a), len(b)) < size_ratio * max(len(a), len(b)):
        return False
    return containment(a, b) >= threshold


def near_duplicate_pairs(
    norms: list[str], threshold: float = CONTAINMENT, size_ratio: float = SIZE_RATIO
) -> list[tuple[int, int]]:
    """Verified near-duplicate pairs (i < j) among the texts."""
    sets = [shingle_set(n) for n in norms]
    return [p for p in sorted(_candidate_pairs(sets, threshold)) if is_copy(sets[p[0]], sets[p[1]], threshold, size_ratio)]


def find_duplicate_groups(
    norms: list[str], threshold: float = CONTAINMENT, size_ratio: float = SIZE_RATIO
) -> list[DuplicateGroup]:
    """Groups of near-duplicate texts (by index), each with its canonical member; singletons are omitted."""
    parent = list(range(len(norms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in near_duplicate_pairs(norms, threshold, size_ratio):
        parent[find(i)] = find(j)
    members: dict[int, list[int]] = {}
    for i in range(len(norms)):
        members.setdefault(find(i), []).append(i)
    groups = []
    for idx in members.values():
        if len(idx) < 2:
            continue
        canon = max(idx, key=lambda i: (fullness(norms[i]), -i))
        groups.append(DuplicateGroup(canon, [i for i in idx if i != canon]))
    return sorted(groups, key=lambda g: g.canonical)
