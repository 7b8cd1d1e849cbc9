"""jieba part-of-speech tags (for names: places, persons, organisations), from the project's shared tokenizer
with the domain dictionary (``jianggao.indexer.segment``; never jieba's process-wide one). The tagger lives in the
indexer, which also tags speech titles when it writes a segment (jianggao.indexer.speechnames)."""
from __future__ import annotations

from jianggao.indexer.segment import pos_tag

__all__ = ["pos_tag"]
