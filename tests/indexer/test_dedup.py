import numpy as np
import pytest

from jianggao.indexer import dedup
from jianggao.indexer.dedup import (
    containment,
    find_duplicate_groups,
    fullness,
    is_copy,
    matching_form,
    minhash,
    near_duplicate_pairs,
    shingle_set,
)

SPEECH = (
    "同志们:今天召开全县脱贫攻坚工作会议,主要任务是总结2018年工作,部署2019年任务。全县共有贫困村70个,"
    "贫困人口2.6万人。我们要坚持精准扶贫、精准脱贫,确保如期完成脱贫任务。一要抓实产业发展,二要抓实易地搬迁,"
    "三要抓实教育扶贫,四要抓实健康扶贫,五要抓实社会保障兜底。"
)
OTHER = "今年春季学期于2月9日正式上课,关于开学的有关准备工作,教育局要求各校抓好校园环境整治,上好开学第一课,规范收费行为。" * 2
TOPICS = ("消防安全", "春耕生产", "计划生育", "基层党建", "疫情防控", "水土保持", "机关事务", "义务教育")


def string_shingles(norm: str, k: int = dedup.SHINGLE) -> set[str]:
    """The shingles as strings (the set the hashes stand for)."""
    s = matching_form(norm)
    return {s} if 0 < len(s) <= k else {s[i : i + k] for i in range(len(s) - k + 1)}


@pytest.fixture(params=["exact", "lsh"])
def path(request, monkeypatch):
    """Run a test through exact overlap counting and through the MinHash LSH Ensemble (forced)."""
    if request.param == "lsh":
        monkeypatch.setattr(dedup, "EXACT_MAX_SHINGLES", 0)
    return request.param


def test_figures_and_blanks_shingle_alike():
    blanked = SPEECH.replace("2018", "20xx").replace("2019", "20xx").replace("70", "xx").replace("2.6", "x.x")
    assert np.array_equal(shingle_set(SPEECH), shingle_set(blanked))
    assert fullness(SPEECH) > fullness(blanked)


@pytest.mark.parametrize("text", [SPEECH, OTHER, OTHER * 3, "abc 12 同志", "同志们好", "", "!!!", "a"])
def test_shingle_set_is_one_sorted_unique_hash_per_distinct_shingle(text):
    hashes = shingle_set(text)
    assert hashes.dtype == np.uint64
    assert np.all(hashes[1:] > hashes[:-1])  # sorted and unique
    assert len(hashes) == len(string_shingles(text))


def test_shingle_hashes_depend_on_the_shingle_not_its_place():
    a, b = shingle_set(SPEECH), shingle_set(OTHER + SPEECH)
    assert np.isin(a, b).all()
    # Containment of the string sets and of the hash sets agree.
    sa, sb = string_shingles(SPEECH), string_shingles(OTHER + SPEECH[:100])
    assert containment(a, shingle_set(OTHER + SPEECH[:100])) == len(sa & sb) / len(sa)


def test_minhash_in_bounded_slices_is_datasketch_s_minhash_of_the_whole_set(monkeypatch):
    """Feeding update_batch slice by slice gives the sketch of one call over all hashes (the min is associative),
    and that sketch is datasketch's own: same permutations as a MinHash of the same (num_perm, seed)."""
    datasketch = pytest.importorskip("datasketch")
    shingles = shingle_set(OTHER * 3 + SPEECH * 200 + "".join(TOPICS) * 50)
    reference = datasketch.MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, hashfunc=int)
    reference.update_batch(dedup._fold32(shingles).tolist())
    monkeypatch.setattr(dedup, "MINHASH_BATCH", 13)  # many slices, the last one partial
    sliced = minhash(shingles)
    assert len(shingles) > 10 * 13 and len(shingles) % 13
    assert sliced == reference  # datasketch compares seed, permutations and hash values
    assert np.array_equal(sliced.hashvalues, reference.hashvalues)


def test_minhash_estimates_jaccard():
    a, b = shingle_set(SPEECH * 3), shingle_set(SPEECH[: len(SPEECH) // 2])
    exact = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
    assert abs(minhash(a).jaccard(minhash(b)) - exact) < 0.15
    assert minhash(a).jaccard(minhash(shingle_set(OTHER))) < 0.1


def test_blanked_copy_links_to_the_copy_with_real_figures(path):
    blanked = SPEECH.replace("2018", "20xx").replace("70", "xx")
    groups = find_duplicate_groups([blanked, OTHER, SPEECH])
    assert len(groups) == 1
    assert groups[0].canonical == 2 and groups[0].copies == [0]


def test_truncated_copy_is_still_a_copy(path):
    truncated = SPEECH[: int(len(SPEECH) * 0.7)]
    assert containment(shingle_set(truncated), shingle_set(SPEECH)) > 0.95
    assert near_duplicate_pairs([SPEECH, truncated]) == [(0, 1)]


def test_template_reuse_in_a_much_longer_speech_is_not_a_copy(path):
    other_topics = "".join(f"{t}工作要抓紧抓实,{t}任务要分解到人,{t}考核要严格兑现。" for t in TOPICS)
    long = SPEECH + OTHER + other_topics * 1
    assert not is_copy(shingle_set(SPEECH), shingle_set(long))
    assert find_duplicate_groups([SPEECH, long]) == []


def test_unrelated_texts_are_not_grouped(path):
    assert find_duplicate_groups([SPEECH, OTHER, ""]) == []
    assert near_duplicate_pairs(["", "", "!!"]) == []


def test_exact_counting_and_the_lsh_ensemble_find_the_same_pairs(monkeypatch):
    """Many variants (copies, truncations, blanked figures, unrelated texts): both ways agree pair for pair."""
    base = [SPEECH, OTHER, "".join(f"{t}工作要抓紧抓实,{t}任务要分解到人。" for t in TOPICS)]
    texts = []
    for b in base:
        texts += [b, b[: int(len(b) * 0.8)], b.replace("2", "x"), b[len(b) // 3 :], b + OTHER[:20]]
    exact = near_duplicate_pairs(texts)
    assert len(exact) >= 10  # the variants of each base text are copies of each other
    assert all(i // 5 == j // 5 for i, j in exact)  # and of nothing else
    monkeypatch.setattr(dedup, "EXACT_MAX_PAIRS", 0)  # over the budget: the ensemble is used
    assert near_duplicate_pairs(texts) == exact


def test_a_huge_single_text_is_shingled_in_bounded_slices(monkeypatch):
    """The rolling hash runs in slices (HASH_BATCH positions): slice edges must not change the set."""
    text = (SPEECH + OTHER) * 40
    whole = shingle_set(text)
    monkeypatch.setattr(dedup, "HASH_BATCH", 97)
    assert np.array_equal(shingle_set(text), whole)
    assert len(whole) == len(string_shingles(text))


def test_identical_texts_are_compared_once_and_paired_with_each_others_copies(path):
    truncated = SPEECH[: int(len(SPEECH) * 0.8)]
    texts = [SPEECH, OTHER, truncated, SPEECH, "", SPEECH.replace("2018", "20xx"), ""]
    sets, holders = dedup._distinct_shingle_sets(texts)
    assert holders == [[0, 3, 5], [1], [2], [4, 6]]  # blanked figures shingle alike; empty texts are no copies
    assert near_duplicate_pairs(texts) == [(0, 2), (0, 3), (0, 5), (2, 3), (2, 5), (3, 5)]
    [group] = find_duplicate_groups(texts)
    assert group.canonical == 0 and group.copies == [2, 3, 5]
