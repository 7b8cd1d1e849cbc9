"""jieba part-of-speech tags (for names: places, persons, organisations), from a private tokenizer with the
domain dictionary (never jieba's process-wide one), loaded on first use."""
from __future__ import annotations

import logging
import threading
from typing import Any

_tagger_lock = threading.Lock()
_tagger: Any = None


def pos_tag(text: str) -> list[tuple[str, str]]:
    """jieba's (word, POS flag) pairs for ``text``, from a private tokenizer with the domain dictionary
    (never jieba's process-wide one), loaded on first use."""
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import jieba
                import jieba.posseg

                from jianggao.indexer.lexical import USERDICT

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                tok.load_userdict(str(USERDICT))
                _tagger = jieba.posseg.POSTokenizer(tok)
    return [(p.word, p.flag) for p in _tagger.cut(text)]


