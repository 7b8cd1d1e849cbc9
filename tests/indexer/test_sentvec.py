"""jianggao.indexer.sentvec: sentence spans per chunk and token mean-pooling (pure), and the encoder's token
API against its own encode (real model)."""
from __future__ import annotations

import numpy as np
import pytest

from jianggao.indexer.sentvec import pool_spans, sentence_spans
from jianggao.indexer.types import Chunk


def test_sentence_spans_are_clipped_to_the_chunk():
    chunk = Chunk("s:0", "s", 0, 5, 20, "x" * 15, "x" * 15)
    sentences = [(0, 4), (4, 10), (10, 18), (18, 25), (25, 30)]
    assert sentence_spans(sentences, chunk) == [(5, 10), (10, 18), (18, 20)]


def test_pool_spans_means_the_tokens_inside_each_span_and_reports_empty_ones():
    vectors = np.array([[1, 0], [0, 1], [3, 0], [0, 0]], dtype=np.float32)
    offsets = np.array([[0, 2], [2, 4], [4, 6], [6, 8]], dtype=np.int32)
    pooled, empty = pool_spans(vectors, offsets, [(0, 4), (4, 6), (20, 30)])
    assert np.allclose(pooled[0], [np.sqrt(0.5), np.sqrt(0.5)])  # mean of the first two, normalised
    assert np.allclose(pooled[1], [1, 0])
    assert empty == [2] and np.allclose(pooled[2], 0)  # beyond the tokens the model saw


def test_encode_with_tokens_gives_encode_and_token_spans(encoder):
    texts = ["标题一行\n今年要办好十件实事。", "第二段文字"]
    vectors, tokens = encoder.encode_with_tokens(texts)
    assert np.allclose(vectors, encoder.encode(texts), atol=2e-3)
    assert len(tokens) == 2
    for text, tv in zip(texts, tokens):
        assert tv.vectors.shape == (len(tv.offsets), vectors.shape[1])
        assert (tv.offsets[:, 0] < tv.offsets[:, 1]).all() and tv.offsets.max() <= len(text)
    with pytest.raises(TypeError):
        encoder.encode_with_tokens("一个字符串")
