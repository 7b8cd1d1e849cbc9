"""The jieba words of each line of a library, kept in its index folder, so that an update re-tokenises new lines only.

A flat library's keyword index is one BM25 matrix over every passage, rebuilt on each update (jianggao.indexer.store).
Building the matrix is quick; cutting every passage with jieba again is not (the default corpus's 1,192 passages:
1.2 s of a ~10 s CLI update, 0.1 s with this cache; it grows with the library, while an update adds a few lines).
``lexical.terms_many`` works line by line, so the cache maps a line to its words; bigrams and normalisation are
cheap and stay computed (a cache of them would be several times the text's size).

One JSON file (jianggao.indexer.keyed_cache): a header naming what decides the words (the format, the user
dictionary and stop words, jieba's version), then ``text_key(line) -> [word, ...]`` (the vector cache's key, sha1
of the text) for the lines of the last build only.
"""
from __future__ import annotations

from pathlib import Path

from jianggao.indexer.config import package_version
from jianggao.indexer.keyed_cache import KeyedCache

TERMS_CACHE_FORMAT = 2  # 2: keys are embedding_cache.text_key (whole sha1)
TERMS_CACHE_NAME = "terms.json"  # in the index folder's embedding-cache folder (config.CACHE_DIR)


def header(resources: str) -> dict:
    """What decides the cached words; ``resources``: lexical.resources_signature() (dictionary and stop words)."""
    return {"format": TERMS_CACHE_FORMAT, "resources": resources, "jieba": package_version("jieba")}


class TermsCache(KeyedCache):
    """Words of lines: the lexical.WordCache a build's terms_many takes."""

    def __init__(self, path: Path, resources: str) -> None:
        super().__init__(path, header(resources), "keyword terms", lambda words: isinstance(words, list))
