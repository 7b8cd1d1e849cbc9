"""The one jieba word segmenter of the project, with the domain dictionary, built once and shared.

jieba's process-wide tokenizer (``jieba.dt``) is global state any imported code may customise; this module builds
a private ``jieba.Tokenizer`` instead, loads ``resources/userdict.txt`` into it (the fixed phrases of the domain:
脱贫攻坚, 两不愁三保障, 控辍保学 ..., which the general dictionary would cut apart), and hands the same instance to
every user: keyword search (``jianggao.indexer.lexical``), TF-IDF keywords (``keyword_extractor``) and
part-of-speech tagging (``pos_tagger``). Loading the dictionary takes about a second, on first use only.
"""
from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent / "resources"
USERDICT = RESOURCES / "userdict.txt"
STOPWORDS = RESOURCES / "stopwords.txt"

_lock = threading.RLock()  # one thread builds each object; the others wait for it and share it (re-entrant:
# building the POS tagger asks for the tokenizer under the same lock)
_built: dict[str, Any] = {}


@functools.cache
def stopwords() -> frozenset[str]:
    """The domain stop words (``resources/stopwords.txt``; ``#`` starts a comment line)."""
    words = set()
    for line in STOPWORDS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line)
    return frozenset(words)


def quiet_jieba() -> None:
    """jieba logs its dictionary loading to stderr: not the user's business unless we log at DEBUG."""
    import jieba

    jieba.setLogLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.WARNING)


def _once(key: str, make) -> Any:
    obj = _built.get(key)
    if obj is None:
        with _lock:
            obj = _built.get(key)
            if obj is None:
                obj = _built[key] = make()
    return obj


def _make_tokenizer() -> Any:
    import jieba

    quiet_jieba()
    tok = jieba.Tokenizer()
    tok.initialize()
    tok.load_userdict(str(USERDICT))
    return tok


def tokenizer() -> Any:
    """The shared ``jieba.Tokenizer`` with the domain dictionary."""
    return _once("tokenizer", _make_tokenizer)


def _make_keyword_extractor() -> Any:
    import copy

    import jieba.analyse
    from jieba.analyse.tfidf import DEFAULT_IDF, IDFLoader

    # Importing jieba.analyse already read jieba's IDF table into its module-level extractor; a new TFIDF() would
    # read the same file again (about half a second). Take the table from it while it still holds that file.
    shared = jieba.analyse.default_tfidf
    if shared.idf_loader.path == DEFAULT_IDF:
        ex = copy.copy(shared)
        ex.idf_loader = IDFLoader()  # our own loader object (same read-only table): set_idf_path stays private
        ex.idf_loader.path, ex.idf_loader.idf_freq, ex.idf_loader.median_idf = DEFAULT_IDF, *shared.idf_loader.get_idf()
    else:
        ex = jieba.analyse.TFIDF()
    ex.tokenizer = tokenizer()
    ex.stop_words = set(ex.stop_words) | set(stopwords())
    return ex


def keyword_extractor() -> Any:
    """A ``jieba.analyse.TFIDF`` on the shared tokenizer, with jieba's and the domain's stop words."""
    return _once("keywords", _make_keyword_extractor)


def _make_pos_tagger() -> Any:
    import jieba.posseg

    own = tokenizer()
    shared = jieba.posseg.dt  # built at import of jieba.posseg: jieba's tag table, read from its dictionary
    if shared.tokenizer.dictionary == own.dictionary:
        # Same dictionary file: take a copy of that table instead of reading the file again (POSTokenizer(own)
        # would; about half a second). The copy, because posseg adds user-word tags to its own table.
        tagger = object.__new__(jieba.posseg.POSTokenizer)
        tagger.tokenizer = own
        tagger.word_tag_tab = dict(shared.word_tag_tab)
        return tagger
    return jieba.posseg.POSTokenizer(own)


def pos_tagger() -> Any:
    """A ``jieba.posseg.POSTokenizer`` on the shared tokenizer."""
    return _once("pos", _make_pos_tagger)


def pos_tag(text: str) -> list[tuple[str, str]]:
    """jieba's (word, POS flag) pairs for ``text``."""
    return [(p.word, p.flag) for p in pos_tagger().cut(text)]
