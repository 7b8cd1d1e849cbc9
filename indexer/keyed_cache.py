"""A per-text cache kept in an index folder: ``text_key(text) -> value`` in one JSON file, for what an update would
otherwise recompute from every file of a flat library (jianggao.indexer.terms_cache: the jieba words of each line;
jianggao.indexer.build: each document's cleaned text).

The file starts with a header naming what decides the values (a format, rule and package versions); a file with
another header, or one that cannot be read, is ignored with a log line and replaced at the next save: it is a
cache, the index never depends on it. A save keeps the entries used by this build only, so the cache follows the
library and forgets removed files. Written atomically.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

from jianggao.indexer.embedding_cache import text_key

log = logging.getLogger(__name__)


class KeyedCache:
    """Values of texts: ``get`` before computing a text's value, ``put`` after, ``save`` once the build is done."""

    def __init__(self, path: Path, header: dict, what: str, valid: Callable[[Any], bool]) -> None:
        self.path = Path(path)
        self.header = header
        self.what = what  # for log lines: "keyword terms", "cleaned texts"
        self._valid = valid
        self._stored: dict[str, Any] = self._read()
        self._used: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as e:
            log.info("%s cache %s unreadable (%s): computing every entry", self.what, self.path, e)
            return {}
        try:
            data = json.loads(raw)
            if data.get("header") != self.header:
                log.info("%s cache %s was made under other rules or versions: computing every entry",
                         self.what, self.path)
                return {}
            entries = data["lines"]
            if not isinstance(entries, dict):
                raise ValueError("'lines' is not an object")
            return entries
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            log.warning("%s cache %s is damaged (%s); it will be rewritten", self.what, self.path, e)
            return {}

    def get(self, text: str) -> Any:
        """The text's value (the caller must not change it), or None."""
        key = text_key(text)
        value = self._used.get(key)
        if value is None:
            value = self._stored.get(key)
            if value is None or not self._valid(value):
                self.misses += 1
                return None
            self._used[key] = value
        self.hits += 1
        return value

    def put(self, text: str, value: Any) -> None:
        self._used[text_key(text)] = value

    def cached(self, compute: Callable[[str], Any]) -> Callable[[str], Any]:
        """``compute`` with this cache in front of it (it must be a pure function of the text)."""

        def run(text: str) -> Any:
            value = self.get(text)
            if value is None:
                value = compute(text)
                self.put(text, value)
            return value

        return run

    def save(self) -> None:
        """Write the entries of this build (and no other) atomically."""
        from jianggao.indexer.fileio import atomic_write

        body = json.dumps({"header": self.header, "lines": self._used}, ensure_ascii=False).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, lambda f: f.write(body))
