"""Near-duplicate speeches: the same speech copied across pages or inside one, sometimes with figures blanked.

Each speech becomes a set of character shingles of its normalised text in which every run of digits or of
the blank ``x`` is one placeholder, so "2018年" and "20xx年" shingle alike. MinHash LSH Ensemble
(datasketch) finds candidate pairs by *containment* rather than Jaccard, because a truncated copy holds only
part of the original; candidates are then verified exactly. Copies are linked to a canonical speech, never
dropped: the canonical one is the copy with the most real figures, then the longest.

A shingle set is a sorted array of unique 64-bit hashes, computed and MinHashed in numpy: a Python set of
6-character strings took ~55 bytes of memory per byte of text (2.8 GB for a 50 MB file) and hashing each
shingle with SHA-1 in Python was slow. 8 bytes a shingle, and containment is a binary search of
one sorted array in the other.

When the texts share few shingles (the corpus's ~1200 chunks: ~150,000 shared (shingle, text, text)
incidences), every pair's overlap is counted exactly instead, from the sorted shingles of all texts at once:
that takes a tenth of a second where building and querying the LSH Ensemble takes seconds, and it finds
every pair the ensemble finds (it is exact, the ensemble approximate). Many copies of the same text (a
50 MB file of repeated pages) make that count quadratic, so past a budget the ensemble is used.
"""
from __future__ import annotations

import hashlib
import re
from itertools import combinations
from typing import NamedTuple

import numpy as np

SHINGLE = 6
MINHASH_BATCH = 8192  # hashes given to MinHash.update_batch at a time (8192 x 128 permuted values: 4-8 MB)
HASH_BATCH = 1 << 20  # text positions hashed at a time, so the temporaries of a huge speech stay ~30 MB
NUM_PERM = 128
SEED = 7
# Exact overlap counting is used while all shingles fit in one 16 MB array and the texts share at most this
# many (shingle, text, text) incidences (~100 MB of temporaries); past either, the MinHash LSH Ensemble.
EXACT_MAX_SHINGLES = 2_000_000
EXACT_MAX_PAIRS = 2_000_000
CONTAINMENT = 0.6  # share of the smaller speech's shingles found in the larger one
# A copy is the same speech, not a speech that reuses a few template paragraphs of a longer one.
SIZE_RATIO = 0.5
# Everything but these is dropped before shingling (a negated class with sub(), not findall() of the kept
# characters: findall makes one Python string per character, ~80 bytes each, for a whole speech).
_DROP = re.compile(r"[^\u3400-\u9fff\uf900-\ufaffa-z0-9#]+")
# A run of digits, blanks (x) and dots is one figure: "2018年" and "20xx年", "2.6万" and "x.x万" shingle alike.
_FIGURE = re.compile(r"(?<![a-wyz])[0-9x][0-9x.]*(?![a-wyz])|\*{2,}")
_BLANK = re.compile(r"(?<![a-z0-9])x+(?![a-z])|\*{2,}")

# Polynomial rolling hash over the code points, mod 2^64 (numpy's uint64 wrap-around), then the splitmix64
# finaliser so that every bit depends on every character: the 32-bit fold fed to MinHash must be uniform.
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


class DuplicateGroup(NamedTuple):
    canonical: int  # index of the canonical speech
    copies: list[int]  # indices of its copies (not including canonical)


def matching_form(norm: str) -> str:
    """Figures and blanks folded to '#', all but letters, digits and Chinese characters dropped."""
    return _DROP.sub("", _FIGURE.sub("#", norm.lower()))


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place (a bijection on uint64: distinct shingle hashes stay distinct)."""
    h ^= h >> _S30
    h *= _MIX1
    h ^= h >> _S27
    h *= _MIX2
    h ^= h >> _S31
    return h


def shingle_set(norm: str, k: int = SHINGLE) -> np.ndarray:
    """Sorted unique uint64 hashes of the k-character shingles of the matching form (see ``matching_form``).

    A text shorter than ``k`` is one shingle (itself); an empty one has none. Memory: ~20 bytes a character
    at the peak, 8 bytes a distinct shingle kept. Two different shingles could in principle share a hash,
    but among 2^64 values that is vanishingly rare, so set sizes and containment are those of the strings.
    """
    s = matching_form(norm)
    if not s:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)  # kept characters are all in the BMP
    del s
    n = max(len(codes) - k + 1, 1)
    width = min(k, len(codes))
    out = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, n, HASH_BATCH):
            hi = min(lo + HASH_BATCH, n)
            h = codes[lo:hi].astype(np.uint64)
            for j in range(1, width):
                h *= _BASE
                h += codes[lo + j : hi + j]
            out[lo:hi] = _mix(h)
    del codes, h  # 4 bytes a character: gone before the sorted copy is made
    out.sort()  # in place, then keep the first of each run: np.unique would sort a copy
    if n > 1:
        keep = np.empty(n, dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def fullness(norm: str) -> tuple[int, int]:
    """Real figures minus blanked ones, then length: the fuller copy of a speech wins."""
    return (len(re.findall(r"[0-9]+", norm)) - len(_BLANK.findall(norm.lower())), len(norm))


def _overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Number of common elements of two sorted unique arrays."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not len(small):
        return 0
    # Binary search of the smaller in the larger: O(small log large), no merged copy as np.intersect1d makes.
    at = np.searchsorted(large, small)
    at[at == len(large)] = 0  # past the end: not there (a 0 index then compares unequal or is a real match)
    return int(np.count_nonzero(large[at] == small))


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the smaller shingle set found in the larger one."""
    small = min(len(a), len(b))
    return _overlap(a, b) / small if small else 0.0


def _fold32(h: np.ndarray) -> np.ndarray:
    """64-bit shingle hashes to 32-bit input hashes (the width of datasketch's default input hash, SHA-1 cut to
    32 bits): the high half folded onto the low one, so that every bit of the 64-bit hash still counts."""
    return (h ^ (h >> _S32)) & _LOW32


def minhash(shingles: np.ndarray, num_perm: int = NUM_PERM, seed: int = SEED):
    """The datasketch ``MinHash`` of a shingle set, fed through its public ``update_batch`` in slices of
    MINHASH_BATCH hashes, so that the permuted-hash temporaries stay bounded (MINHASH_BATCH x num_perm values) for
    a speech of any length. The input hashes are uniform already (``shingle_set``): the hash function given to
    datasketch is the identity (``int``)."""
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    for lo in range(0, len(shingles), MINHASH_BATCH):
        m.update_batch(_fold32(shingles[lo : lo + MINHASH_BATCH]).tolist())
    return m


def _candidate_pairs(sets: list[np.ndarray], threshold: float) -> set[tuple[int, int]]:
    from datasketch import LeanMinHash, MinHashLSHEnsemble

    hashes = {i: LeanMinHash(minhash(s)) for i, s in enumerate(sets) if len(s)}
    if not hashes:  # no speeches at all (every file was bad): datasketch refuses an empty index
        return set()
    # Slightly lower than the verified threshold: the ensemble is approximate, verification is exact.
    ens = MinHashLSHEnsemble(threshold=max(0.1, threshold - 0.15), num_perm=NUM_PERM, num_part=8)
    ens.index([(i, m, len(sets[i])) for i, m in hashes.items()])
    pairs = set()
    for i, m in hashes.items():
        for j in ens.query(m, len(sets[i])):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def _exact_pairs(sets: list[np.ndarray], threshold: float, size_ratio: float) -> list[tuple[int, int]] | None:
    """Every pair passing ``is_copy``, from exact overlap counts; None when that would cost too much."""
    n = len(sets)
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=n)
    total = int(sizes.sum())
    if total > EXACT_MAX_SHINGLES:
        return None
    if total == 0:
        return []
    hashes = np.concatenate(sets)
    docs = np.repeat(np.arange(n, dtype=np.int64), sizes)
    order = np.argsort(hashes, kind="stable")  # stable: within a run of one shingle, texts stay ascending
    hashes, docs = hashes[order], docs[order]
    del order
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    del hashes
    runs = np.diff(np.append(starts, total))  # texts holding each distinct shingle
    n_pairs = int((runs * (runs - 1) // 2).sum())
    if n_pairs > EXACT_MAX_PAIRS:
        return None
    # Each position pairs with the later positions of its run: left/right index all those pairs at once.
    after = np.repeat(starts + runs, runs) - np.arange(total) - 1
    left = np.repeat(np.arange(total), after)
    right = left + 1 + np.arange(n_pairs) - np.repeat(np.cumsum(after) - after, after)
    keys, overlap = np.unique(docs[left] * n + docs[right], return_counts=True)  # each shingle set is unique
    i, j = np.divmod(keys, n)
    small, large = np.minimum(sizes[i], sizes[j]), np.maximum(sizes[i], sizes[j])
    # The test of is_copy(sets[i], sets[j]), in the same float64 arithmetic.
    ok = (small >= size_ratio * large) & (overlap / small >= threshold)
    return list(zip(i[ok].tolist(), j[ok].tolist()))  # keys are sorted: so are the pairs


def _distinct_shingle_sets(norms: list[str]) -> tuple[list[np.ndarray], list[list[int]]]:
    """Each distinct shingle set once, with the (ascending) indices of the texts that have it.

    A page saved twice or a speech repeated on a page gives identical sets: they are kept and compared once
    (a 50 MB file of repeated pages holds ~70 distinct speeches among ~4000), in memory and in the LSH.
    """
    seen: dict[bytes, int] = {}
    sets: list[np.ndarray] = []
    holders: list[list[int]] = []
    for i, norm in enumerate(norms):
        s = shingle_set(norm)
        key = hashlib.blake2b(s, digest_size=16).digest()  # a 128-bit digest: equal means identical
        at = seen.setdefault(key, len(sets))
        if at == len(sets):
            sets.append(s)
            holders.append([i])
        else:
            holders[at].append(i)
    return sets, holders


def is_copy(a: np.ndarray, b: np.ndarray, threshold: float = CONTAINMENT, size_ratio: float = SIZE_RATIO) -> bool:
    if not len(a) or not len(b) or min(len(a), len(b)) < size_ratio * max(len(a), len(b)):
        return False
    return containment(a, b) >= threshold


def near_duplicate_pairs(
    norms: list[str], threshold: float = CONTAINMENT, size_ratio: float = SIZE_RATIO
) -> list[tuple[int, int]]:
    """Verified near-duplicate pairs (i < j) among the texts."""
    sets, holders = _distinct_shingle_sets(norms)
    pairs = _exact_pairs(sets, threshold, size_ratio)
    if pairs is None:
        pairs = [p for p in _candidate_pairs(sets, threshold) if is_copy(sets[p[0]], sets[p[1]], threshold, size_ratio)]
    out: set[tuple[int, int]] = set()
    for texts, s in zip(holders, sets):  # texts with the same shingles are copies of each other ...
        if len(s):
            out.update(combinations(texts, 2))
    for u, v in pairs:  # ... and of whatever the one set of theirs is a copy of
        out.update((min(i, j), max(i, j)) for i in holders[u] for j in holders[v])
    return sorted(out)


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
