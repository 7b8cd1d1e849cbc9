"""From files to a corpus (``jianggao speeches``): load the files, then run the pipeline on them.

The steps themselves are strung together in one place, ``jianggao.indexer.pipeline.process``; the index build
(``jianggao.indexer.build``) calls the same function. This module does no embedding.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from jianggao.indexer.config import DEFAULT_CORPUS
from jianggao.indexer.loaders import load_corpus
from jianggao.indexer.pipeline import process
from jianggao.indexer.types import Corpus

log = logging.getLogger(__name__)


def build_corpus(paths: Sequence[Path] | None = None) -> Corpus:
    """Load every supported file under ``paths`` (default: the bundled corpus) into speeches and chunks."""
    paths = list(paths) if paths else [DEFAULT_CORPUS]
    documents, errors = load_corpus(paths)
    result = process(documents)
    for doc in result.no_speech:
        log.warning("%s: no speech text found after cleaning", doc.source)
    root = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
    return Corpus(speeches=result.speeches, chunks=result.chunks, documents=documents, errors=errors, root=root)
