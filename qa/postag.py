"""jieba part-of-speech tags (for names: places, persons, organisations), from the project's shared tokenizer
with the domain dictionary (``jianggao.indexer.segment``; never jieba's process-wide one)."""
from __future__ import annotations


def pos_tag(text: str) -> list[tuple[str, str]]:
    """jieba's (word, POS flag) pairs for ``text``."""
    from jianggao.indexer.segment import pos_tagger, tokenizer

    # The shared tokenizer first: building the POS tagger builds it under the same (non-reentrant) lock
    # otherwise, which deadlocks when the tagger is the first thing asked for.
    tokenizer()
    return [(p.word, p.flag) for p in pos_tagger().cut(text)]
