"""jianggao.indexer.sentvec: sentence spans per chunk and token mean-pooling (pure), and the encoder's token
API against its own encode (real model)."""
from __future__ import annotations

import numpy as np
import pytest

from stand_ins import HashEncoder

from jianggao.indexer.sentvec import encode_chunks, longest_first, pool_spans, sentence_spans
from jianggao.indexer.types import Chunk, Speech


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


def test_longest_first_orders_by_length_and_keeps_ties_in_order():
    texts = ["aa", "a", "aaaa", "bb", "", "cccc"]
    assert longest_first([0, 1, 2, 3, 4, 5], texts) == [2, 5, 0, 3, 1, 4]
    assert longest_first([1, 3], texts) == [3, 1]  # only the positions given
    assert longest_first([], texts) == []


class _Recording(HashEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def encode_with_tokens(self, texts):
        self.calls.append(list(texts))
        return super().encode_with_tokens(texts)


def test_encode_chunks_embeds_longest_first_but_returns_vectors_in_chunk_order(tmp_path):
    # Passages of varied length, in an order that is not by length: the encoder sees them longest first, and
    # every passage and sentence vector still lands on its own chunk.
    bodies = ["短句。", "这是一个比较长的句子。第二句在这里。", "中等长度的话。", "最长的一段文字，有好几个分句。还有一句。再来一句。"]
    speeches, chunks = [], []
    for n, body in enumerate(bodies):
        sid = f"s{n}"
        speeches.append(Speech(sid, f"f{n}.txt", 0, 0, len(body), f"标题{n}", "", body, body))
        chunks.append(Chunk(f"{sid}:0", sid, 0, 0, len(body), body, body))
    texts = [f"标题{n}\n{c.norm}" for n, c in enumerate(chunks)]
    enc = _Recording()
    out = encode_chunks(enc, speeches, chunks, texts, tmp_path / "cache")
    seen = [t for call in enc.calls for t in call]
    assert sorted(seen) == sorted(texts) and [len(t) for t in seen] == sorted(map(len, texts), reverse=True)
    assert np.allclose(out.passages, HashEncoder().encode(texts))
    assert out.n_encoded == len(texts)
    # Each sentence row points at its own chunk, and its vector is that chunk's (one "token" vector per text).
    for (chunk, a, b), v in zip(out.sentences.spans, out.sentences.vectors):
        assert 0 <= a < b <= len(chunks[chunk].norm)
        assert np.allclose(v, out.passages[chunk], atol=1e-6)


def test_identical_passages_are_embedded_once_and_each_copy_gets_its_own_sentence_rows(tmp_path):
    # Two copies of a speech (same passage text and context line) and one other speech: the model sees each
    # distinct text once, and every chunk still gets its passage vector and sentence rows.
    bodies = ["今年要办好十件实事。第二件是修路。", "今年要办好十件实事。第二件是修路。", "另一篇讲话的内容。"]
    speeches, chunks = [], []
    for n, body in enumerate(bodies):
        sid = f"s{n}"
        speeches.append(Speech(sid, f"f{n}.txt", 0, 0, len(body), "标题", "", body, body))
        chunks.append(Chunk(f"{sid}:0", sid, 0, 0, len(body), body, body))
    texts = [f"标题\n{c.norm}" for c in chunks]
    enc = _Recording()
    out = encode_chunks(enc, speeches, chunks, texts, tmp_path / "cache")
    seen = [t for call in enc.calls for t in call]
    assert sorted(seen) == sorted(set(texts))
    assert out.n_encoded == 3  # passages that needed vectors, copies included
    assert np.allclose(out.passages, HashEncoder().encode(texts))
    rows_of = [[r for r, (c, _, _) in enumerate(out.sentences.spans) if c == i] for i in range(3)]
    assert len(rows_of[0]) == len(rows_of[1]) == 2 and len(rows_of[2]) == 1
    assert np.allclose(out.sentences.vectors[rows_of[0]], out.sentences.vectors[rows_of[1]])
    # A second run finds both copies in the cache.
    again = encode_chunks(_Recording(), speeches, chunks, texts, tmp_path / "cache")
    assert again.n_encoded == 0 and np.allclose(again.passages, out.passages)


class _Unloaded(HashEncoder):
    """An encoder whose model must not be loaded: asking its dimension (which loads the real model) fails."""

    @property
    def dim(self):
        raise AssertionError("the model was loaded although every vector was cached")

    @dim.setter
    def dim(self, value):
        pass

    def encode_with_tokens(self, texts):
        raise AssertionError("the model ran although every vector was cached")


def _one_speech(body: str, sid: str = "s0"):
    speech = Speech(sid, f"{sid}.txt", 0, 0, len(body), "标题", "", body, body)
    chunk = Chunk(f"{sid}:0", sid, 0, 0, len(body), body, body)
    return speech, chunk, f"标题\n{body}"


def test_an_update_whose_vectors_are_all_cached_never_loads_the_model(tmp_path):
    s0, c0, t0 = _one_speech("今年要办好十件实事。第二件是修路。")
    s1, c1, t1 = _one_speech("另一篇讲话的内容。还有一句。", "s1")
    first = encode_chunks(HashEncoder(), [s0, s1], [c0, c1], [t0, t1], tmp_path / "cache")
    # A file removed: what is left is all in the cache, and its vectors are the ones computed before.
    left = encode_chunks(_Unloaded(), [s1], [c1], [t1], tmp_path / "cache")
    assert left.n_encoded == 0
    assert np.allclose(left.passages[0], first.passages[1])
    # Something new does need the model: the dimension is asked, and the model's answer is checked.
    s2, c2, t2 = _one_speech("新的一段话。", "s2")
    with pytest.raises(AssertionError, match="model was loaded"):
        encode_chunks(_Unloaded(), [s2], [c2], [t2], tmp_path / "cache")
    with pytest.raises(ValueError, match="dimension 32, the model gives 16: delete"):
        encode_chunks(HashEncoder(dim=16), [s2], [c2], [t2], tmp_path / "cache")
