"""The jieba words of each line of a library, kept in its index folder, so that an update re-tokenises new lines only.

A flat library's keyword index is one BM25 matrix over every passage, rebuilt on each update (jianggao.indexer.store).
Building the matrix is quick; cutting every passage with jieba again is not (the default corpus's 1,192 passages:
1.2 s of a ~10 s CLI update, 0.1 s with this cache; it grows with the library, while an update adds a few lines).
``lexical.terms_many`` works line by line, so the cache maps a line to its words; bigrams and normalisation are
cheap and stay computed (a cache of them would be several times the text's size).

One JSON file: a header naming what decides the words (the format, the user dictionary and stop words, jieba's
version), then ``text_key(line) -> [word, ...]`` (the vector cache's key, sha1 of the text) for the lines of the
last build only, so it follows the library and forgets removed files. A file with another header, or one that
cannot be read, is ignored with a log line and replaced at the next save: it is a cache, the index never depends
on it. Written atomically.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from jianggao.indexer.config import package_version
from jianggao.indexer.embedding_cache import text_key

log = logging.getLogger(__name__)

TERMS_CACHE_FORMAT = 2  # 2: keys are embedding_cache.text_key (whole sha1)
TERMS_CACHE_NAME = "terms.json"  # in the index folder's embedding-cache folder (config.CACHE_DIR)


def header(resources: str) -> dict:
    """What decides the cached words; ``resources``: lexical.resources_signature() (dictionary and stop words)."""
    return {"format": TERMS_CACHE_FORMAT, "resources": resources, "jieba": package_version("jieba")}


class TermsCache:
    """Words of lines: ``get`` before tokenising a line, ``put`` after, ``save`` once the build is done (the
    lexical.WordCache a build's terms_many takes)."""

    def __init__(self, path: Path, resources: str) -> None:
        self.path = Path(path)
        self.header = header(resources)
        self._stored: dict[str, list[str]] = self._read()
        self._used: dict[str, list[str]] = {}
        self.hits = 0
        self.misses = 0

    def _read(self) -> dict[str, list[str]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as e:
            log.info("keyword terms cache %s unreadable (%s): tokenising every line", self.path, e)
            return {}
        try:
            data = json.loads(raw)
            if data.get("header") != self.header:
                log.info("keyword terms cache %s was made with other words (dictionary, stop words or jieba): "
                         "tokenising every line", self.path)
                return {}
            lines = data["lines"]
            if not isinstance(lines, dict):
                raise ValueError("'lines' is not an object")
            return lines
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            log.warning("keyword terms cache %s is damaged (%s); it will be rewritten", self.path, e)
            return {}

    def get(self, line: str) -> list[str] | None:
        """The line's words (a list the caller must not change), or None."""
        key = text_key(line)
        words = self._used.get(key)
        if words is None:
            words = self._stored.get(key)
            if not isinstance(words, list):
                self.misses += 1
                return None
            self._used[key] = words
        self.hits += 1
        return words

    def put(self, line: str, words: list[str]) -> None:
        self._used[text_key(line)] = words

    def save(self) -> None:
        """Write the lines of this build (and no other) atomically."""
        from jianggao.indexer.fileio import atomic_write

        body = json.dumps({"header": self.header, "lines": self._used}, ensure_ascii=False).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, lambda f: f.write(body))
