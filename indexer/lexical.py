"""Keyword search: BM25 (bm25s) over jieba tokens.

Tokenising. Text is normalised first (Traditional -> Simplified, full-width -> half-width, ASCII lower-cased;
see ``jianggao.indexer.normalize``), so a Simplified query matches a Traditional speech. Words come from the
project's one jieba tokenizer with the domain dictionary (``jianggao.indexer.segment``). Segmentation is jieba's search mode: the
accurate-mode words plus the dictionary words inside long ones (脱贫攻坚 -> 脱贫, 攻坚, 脱贫攻坚), so a query
for 脱贫 still finds 脱贫攻坚 while the whole phrase scores higher where it occurs. Stop words
(``resources/stopwords.txt``), whitespace and pure punctuation are dropped.

Index. bm25s precomputes a sparse document x term score matrix; a query costs one sparse column sum.
Persistence uses bm25s's own save/load, which writes .npy arrays with ``allow_pickle=False`` and JSON for
the vocabulary and parameters (read in bm25s 0.3.16 source), plus a small JSON file of our own.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any, NamedTuple, Protocol, Sequence

import numpy as np

from jianggao.indexer.segment import STOPWORDS, USERDICT, stopwords, tokenizer

log = logging.getLogger(__name__)

LEXICAL_FORMAT = 2  # 2: words + character bigrams
META_NAME = "lexical.json"

# A token is kept only if it holds a letter, digit or CJK character (\w in Python's Unicode sense).
_WORDISH = re.compile(r"\w")


class WordCache(Protocol):
    """Words of lines cut by an earlier build (jianggao.indexer.terms_cache.TermsCache)."""

    def get(self, line: str) -> list[str] | None: ...

    def put(self, line: str, words: list[str]) -> None: ...


class LexicalHit(NamedTuple):
    doc: int  # position of the document in the texts the index was built from
    score: float  # BM25 score, > 0


# -- tokenising ----------------------------------------------------------------------------------------------
@functools.cache
def resources_signature() -> str:
    """Hash of the user dictionary and stop words: an index built with other ones tokenises differently."""
    h = hashlib.sha1()
    for path in (USERDICT, STOPWORDS):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of the normalised ``text``, without stop words, spaces or punctuation."""
    from jianggao.indexer.normalize import normalize

    if not isinstance(text, str):
        raise TypeError(f"tokenize expects str, got {type(text).__name__}")
    return _words(normalize(text))


def _words(norm: str) -> list[str]:
    """``tokenize`` of a text already normalised."""
    stop = stopwords()
    out = []
    for tok in tokenizer().cut_for_search(norm):
        tok = tok.strip()
        if tok and tok not in stop and _WORDISH.search(tok):
            out.append(tok)
    return out


_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
BIGRAM_MARK = "#"  # bigram terms live beside word terms in one vocabulary; the mark keeps them apart


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of the CJK runs of the normalised text, each marked with '#'.

    Words alone miss paraphrases that share characters but not segmentation (穷困户 / 贫困户 share 困户);
    bigrams are the classic Chinese IR complement to word tokens.
    """
    from jianggao.indexer.normalize import normalize

    return _bigrams(normalize(text))


def _bigrams(norm: str) -> list[str]:
    """``bigrams`` of a text already normalised."""
    out = []
    for run in _CJK_RUN.findall(norm):
        out.extend(BIGRAM_MARK + run[i : i + 2] for i in range(len(run) - 1))
    return out


def terms(text: str) -> list[str]:
    """What the keyword index matches on: jieba words plus CJK character bigrams."""
    from jianggao.indexer.normalize import normalize

    if not isinstance(text, str):
        raise TypeError(f"terms expects str, got {type(text).__name__}")
    norm = normalize(text)
    return _words(norm) + _bigrams(norm)


def terms_many(texts: Sequence[str], cache: WordCache | None = None) -> list[list[str]]:
    """``[terms(t) for t in texts]``, the same lists, computed line by line with each distinct line of the batch
    tokenised once.

    A newline ends every unit each step works on: jieba cuts only runs of CJK/alphanumeric characters (a
    newline is none; whitespace tokens are dropped), a bigram run is CJK only, and normalisation converts
    separator-free spans. So the terms of a text are its lines' words, in order, then its lines' bigrams. An
    index repeats lines a lot (every passage of a speech starts with the same identity line; copies of a
    speech repeat whole passages: 17% of the default corpus's characters), which this does not tokenise twice.
    The memo lives for one call only: nothing is kept in a long-running process. Each line is normalised once,
    for its words and its bigrams. ``cache`` (a flat library's build): the words of lines tokenised by an earlier
    build, and where this call's new lines' words go (jianggao.indexer.terms_cache).
    """
    from jianggao.indexer.normalize import normalize

    memo: dict[str, tuple[list[str], list[str]]] = {}
    out = []
    for text in texts:
        words: list[str] = []
        grams: list[str] = []
        for line in text.split("\n"):
            found = memo.get(line)
            if found is None:
                norm = normalize(line)
                cut = cache.get(line) if cache is not None else None
                if cut is None:
                    cut = _words(norm)
                    if cache is not None:
                        cache.put(line, cut)
                found = memo[line] = (cut, _bigrams(norm))
            words += found[0]
            grams += found[1]
        out.append(words + grams)
    return out


# -- index ---------------------------------------------------------------------------------------------------
def _bm25s():
    """bm25s, imported on first use. It sets its own logger to DEBUG at import; put it back under the
    application's logging configuration (WARNING unless asked), so its chatter stays off the CLI's stderr."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


def check_batch(queries: Sequence[str], k: int) -> None:
    """What every keyword index's ``search_batch`` refuses: one string instead of a list, or k < 1."""
    if isinstance(queries, str):
        raise TypeError("search_batch takes a list of queries, not one string")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


class LexicalIndex:
    """BM25 over a fixed list of documents; documents are referred to by their position in that list."""

    def __init__(self, bm25: Any, n_docs: int, signature: str) -> None:
        self._bm25 = bm25  # None when no document has any token: every search is then empty
        self.n_docs = n_docs
        self.signature = signature
        if signature != resources_signature():
            log.warning(
                "the keyword index was built with another user dictionary or stop word list; "
                "keyword search may miss words until you re-index with `jianggao index --rebuild`"
            )

    def __len__(self) -> int:
        return self.n_docs

    @classmethod
    def build(cls, texts: Sequence[str], cache: WordCache | None = None) -> "LexicalIndex":
        """BM25 over ``texts``; ``cache``: see terms_many."""
        if isinstance(texts, str):
            raise TypeError("LexicalIndex.build takes a list of texts, not one string")
        texts = list(texts)
        if not texts:
            raise ValueError("cannot build a keyword index over no documents")
        return cls.from_tokens(terms_many(texts, cache))

    @classmethod
    def from_tokens(cls, docs: Sequence[Sequence[str]]) -> "LexicalIndex":
        bm25s = _bm25s()

        # Our own vocabulary in first-seen order: deterministic across runs (a set's order is not).
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in docs]
        if not vocab:
            log.warning("no document has any keyword token; keyword search will find nothing")
            return cls(None, len(ids), resources_signature())
        bm25 = bm25s.BM25()
        bm25.index((ids, vocab), create_empty_token=False, show_progress=False)
        return cls(bm25, len(ids), resources_signature())

    def search(self, query: str, k: int) -> list[LexicalHit]:
        return self.search_batch([query], k)[0]

    def search_batch(self, queries: Sequence[str], k: int) -> list[list[LexicalHit]]:
        """Up to ``k`` documents per query, best first, only those sharing a token with the query."""
        check_batch(queries, k)
        return [self._search_one(q, k) for q in queries]

    def _search_one(self, query: str, k: int) -> list[LexicalHit]:
        if self._bm25 is None:
            return []
        vocab = self._bm25.vocab_dict
        # Each distinct query word counts once, so repeating a word in a question does not outweigh the rest.
        ids = list(dict.fromkeys(vocab[t] for t in terms(query) if t in vocab))
        if not ids:
            return []
        scores = self._bm25.get_scores(ids)
        matched = np.flatnonzero(scores > 0)
        if len(matched) > k:
            matched = matched[np.argpartition(-scores[matched], k - 1)[:k]]
        # Best first; ties in document order, so results are deterministic.
        order = np.lexsort((matched, -scores[matched]))
        return [LexicalHit(int(matched[i]), float(scores[matched[i]])) for i in order]

    # -- persistence -----------------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(directory), allow_pickle=False, show_progress=False)
        meta = {
            "format": LEXICAL_FORMAT,
            "n_docs": self.n_docs,
            "empty": self._bm25 is None,
            "signature": self.signature,
        }
        (directory / META_NAME).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        bm25s = _bm25s()

        directory = Path(directory)
        meta_path = directory / META_NAME
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValueError(f"keyword index {meta_path} is missing or unreadable ({e})") from e
        if meta.get("format") != LEXICAL_FORMAT:
            raise ValueError(f"keyword index {directory} has format {meta.get('format')!r}, expected {LEXICAL_FORMAT}")
        n_docs = int(meta["n_docs"])
        if meta.get("empty"):
            return cls(None, n_docs, meta.get("signature", ""))
        bm25 = bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False)
        if bm25.scores["num_docs"] != n_docs:
            raise ValueError(f"keyword index {directory} holds {bm25.scores['num_docs']} documents, expected {n_docs}")
        return cls(bm25, n_docs, meta.get("signature", ""))
