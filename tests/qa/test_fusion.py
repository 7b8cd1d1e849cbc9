import pytest

from jianggao.qa.fusion import K, rrf


def test_rrf_rewards_agreement_between_lists():
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]])
    assert [f.doc for f in fused] == ["b", "c", "a", "d"]
    assert fused[0].score == pytest.approx(1 / (K + 2) + 1 / (K + 1))


def test_rrf_weights_shift_the_order():
    dense, keyword = ["a", "b"], ["b", "a"]
    assert rrf([dense, keyword], weights=[2.0, 1.0])[0].doc == "a"
    assert rrf([dense, keyword], weights=[1.0, 2.0])[0].doc == "b"


def test_rrf_zero_weight_ignores_a_list():
    assert [f.doc for f in rrf([["a"], ["z", "a"]], weights=[1.0, 0.0])][:1] == ["a"]


def test_rrf_ties_break_by_first_appearance():
    assert [f.doc for f in rrf([["x"], ["y"]])] == ["x", "y"]


def test_rrf_rejects_bad_weights():
    with pytest.raises(ValueError, match="2 rankings"):
        rrf([["a"], ["b"]], weights=[1.0])
    with pytest.raises(ValueError, match=">= 0"):
        rrf([["a"]], weights=[-1.0])


def test_rrf_empty():
    assert rrf([[], []]) == []
