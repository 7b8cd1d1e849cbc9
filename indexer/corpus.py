"""From files to a corpus: load, split into speeches, link near-duplicates, chunk.

This is the only place that strings the pure steps together; it does no embedding (see ``jianggao.indexer.build``).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Sequence

from jianggao.indexer.chunking import chunk_speech
from jianggao.indexer.config import DEFAULT_CORPUS
from jianggao.indexer.dedup import find_duplicate_groups
from jianggao.indexer.loaders import load_corpus
from jianggao.indexer.splitting import split_page
from jianggao.indexer.types import Chunk, Corpus, RawDocument, Speech

log = logging.getLogger(__name__)



def speech_id(source: str, norm: str, taken: set[str]) -> str:
    """A stable id from the speech's source and content; the same speech re-indexed keeps its id."""
    digest = hashlib.sha1(f"{source}\0{norm}".encode("utf-8")).hexdigest()
    sid = f"sp-{digest[:10]}"
    n = 1
    while sid in taken:  # the same text twice in one file
        n += 1
        sid = f"sp-{digest[:10]}-{n}"
    taken.add(sid)
    return sid


def speeches_of(doc: RawDocument, taken: set[str]) -> list[Speech]:
    return [
        Speech(
            id=speech_id(doc.source, d.norm, taken),
            source=doc.source,
            order=d.order,
            start=d.start,
            end=d.end,
            title=d.title,
            page_title=d.page_title,
            text=d.text,
            norm=d.norm,
            meta=d.meta,
        )
        for d in split_page(doc.text)
    ]


def link_duplicates(speeches: list[Speech]) -> None:
    """Point every copy at its canonical speech (in place); copies stay in the corpus."""
    for s in speeches:
        s.canonical_id, s.copies = None, []
    for group in find_duplicate_groups([s.norm for s in speeches]):
        canon = speeches[group.canonical]
        canon.copies = [speeches[i].id for i in group.copies]
        for i in group.copies:
            speeches[i].canonical_id = canon.id


def chunks_of(speeches: Sequence[Speech]) -> list[Chunk]:
    return [c for s in speeches for c in chunk_speech(s.id, s.text, s.norm)]


def build_corpus(paths: Sequence[Path] | None = None) -> Corpus:
    """Load every supported file under ``paths`` (default: the bundled corpus) into speeches and chunks."""
    paths = list(paths) if paths else [DEFAULT_CORPUS]
    documents, errors = load_corpus(paths)
    taken: set[str] = set()
    speeches: list[Speech] = []
    for doc in documents:
        found = speeches_of(doc, taken)
        if not found:
            log.warning("%s: no speech text found after cleaning", doc.source)
        speeches.extend(found)
    link_duplicates(speeches)
    root = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
    return Corpus(speeches=speeches, chunks=chunks_of(speeches), documents=documents, errors=errors, root=root)
