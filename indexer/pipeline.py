"""The one pipeline driver: load -> clean -> boilerplate -> split -> identify -> dedup -> chunk (then build embeds and
stores).

``process`` is the only place that strings the pure steps together; ``jianggao speeches``
(``jianggao.indexer.corpus.build_corpus``) and ``jianggao index`` (``jianggao.indexer.build.build_index``) both
call it. The index build passes the speeches and chunks of unchanged files so that they are kept, not redone.

``PIPELINE_VERSION`` names the rules of cleaning, splitting, identity and chunking. It is recorded in the index
manifest; when it differs from the index's, ``jianggao index`` processes every file again. Bump it whenever one
of those rules changes what a file turns into.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from jianggao.indexer.boilerplate import Repeated, repeated_lines, strip_boilerplate
from jianggao.indexer.chunking import chunk_speech
from jianggao.indexer.cleaning import clean_text
from jianggao.indexer.dedup import find_duplicate_groups
from jianggao.indexer.identity import choose_title, disambiguate_titles, identify, label_fits, library_topics
from jianggao.indexer.normalize import normalize
from jianggao.indexer.splitting import split_document
from jianggao.indexer.types import Chunk, RawDocument, Speech

log = logging.getLogger(__name__)

# 1: round one (cleaning inside splitting, seed-shaped boundaries).
# 2: clean before split; one-speech documents stay whole; identity fields and spans; unique titles.
# 3: lines repeated across the run's documents (site chrome) removed before split; more place/body signals.
# 4: place/body from a department's report, an unnamed level called ours, cited (quoted) names; no repeated topics.
# 5: the one level a speech names as its scope or ours (全县, even once) is its level, its name unstated; topics
#    ranked against the library's other speeches; no organisation joined into a topic.
# 6: a signature over its date ends a speech (no headline); speaker and date also from the sign-off after the last
#    paragraph; dates in Chinese numerals; a web page's publication date only when the text states none; date
#    lines never boilerplate; offices held together (市委副书记、市长) as one role; .html cut to its article (webpage.py)
#    and .md rendered (extractors.markdown_text).
PIPELINE_VERSION = 6


@dataclass
class PipelineResult:
    speeches: list[Speech]
    chunks: list[Chunk]
    no_speech: list[RawDocument] = field(default_factory=list)  # loaded, but no speech text after cleaning


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


def prepared_text(doc: RawDocument, repeated: Repeated | None = None, cleaned: str | None = None) -> str:
    """clean -> boilerplate: the text a file's speeches are cut from (offsets of speeches point into it)."""
    cleaned = clean_text(doc.text) if cleaned is None else cleaned
    return strip_boilerplate(cleaned, repeated)[0] if repeated is not None else cleaned


def speeches_of(doc: RawDocument, taken: set[str], repeated: Repeated | None = None,
                cleaned: str | None = None) -> list[Speech]:
    """clean -> boilerplate -> split -> identify, for one loaded file (``repeated``: the run's repeated lines;
    without it nothing is removed as boilerplate)."""
    cleaned = prepared_text(doc, repeated, cleaned)
    parts = split_document(cleaned, doc.encoding)
    out = []
    for part in parts:
        norm = normalize(part.text)
        own_document = len(parts) == 1 and not part.page_title
        # A template page's labels are often wrong: identity reads a title line only when it is the speech's own.
        trusted = part.title_line if part.title_line and (
            own_document or part.headline or label_fits(normalize(part.title_line), norm)) else ""
        meta = identify(part.text, norm, trusted)
        title = choose_title(part.text, norm, meta, trusted, part.page_title)
        out.append(Speech(
            id=speech_id(doc.source, norm, taken),
            source=doc.source,
            order=part.order,
            start=part.start,
            end=part.end,
            title=title,
            page_title=part.page_title or part.title_line,
            text=part.text,
            norm=norm,
            meta=meta,
        ))
    return out


def holds_chrome(speeches: Sequence[Speech], cleaned: str, repeated: Repeated) -> bool:
    """Whether speeches made earlier of a file still hold a line that this run judges boilerplate: the site's
    chrome becomes visible only once enough of its pages are in the library (a line must repeat in three
    documents), so the first pages indexed kept it. Such a file is processed again; its unchanged speeches keep
    their ids and the embedding cache (keyed by text) keeps their vectors, so only passages that held chrome are
    embedded again. (The other way, a line removed while it repeated and no longer repeating since files were
    removed, is left as it is: the line was the site's furniture either way.)"""
    removed = {line.strip() for line in strip_boilerplate(cleaned, repeated)[1]}
    if not removed:
        return False
    return any(line.strip() in removed for s in speeches for line in s.text.split("\n"))


def speeches_of_run(documents: Sequence[RawDocument], taken: set[str],
                    kept: Mapping[str, list[Speech]] | None = None,
                    clean: Callable[[str], str] = clean_text) -> tuple[list[Speech], list[RawDocument]]:
    """clean -> boilerplate -> split -> identify for the documents of one run (an index build, or one added batch
    of a segmented library): lines repeated across these documents are their chrome. ``kept``: speeches of
    unchanged files, reused unless they hold what is now chrome (they count for what repeats either way).
    ``clean``: ``clean_text``, or a cached form of it (jianggao.indexer.build). Returns (speeches, documents that
    hold no speech)."""
    kept = kept or {}
    speeches: list[Speech] = []
    no_speech: list[RawDocument] = []
    cleaned = {doc.source: clean(doc.text) for doc in documents}  # clean
    repeated = repeated_lines(cleaned.values())  # what the run's documents repeat
    for doc in documents:
        found = kept.get(doc.source)
        if found and holds_chrome(found, cleaned[doc.source], repeated):
            taken.difference_update(s.id for s in found)  # redone: its unchanged speeches keep their ids
            found = None
        # boilerplate -> split -> identify
        found = found or speeches_of(doc, taken, repeated, cleaned[doc.source])
        if not found:
            no_speech.append(doc)
        speeches.extend(found)
    return speeches, no_speech


def link_duplicates(speeches: list[Speech]) -> None:
    """Point every copy at its canonical speech (in place); copies stay in the corpus."""
    for s in speeches:
        s.canonical_id, s.copies = None, []
    for group in find_duplicate_groups([s.norm for s in speeches]):
        canon = speeches[group.canonical]
        canon.copies = [speeches[i].id for i in group.copies]
        for i in group.copies:
            speeches[i].canonical_id = canon.id


def process(
    documents: Sequence[RawDocument],
    kept: Mapping[str, list[Speech]] | None = None,
    kept_chunks: Mapping[str, list[Chunk]] | None = None,
    clean: Callable[[str], str] = clean_text,
) -> PipelineResult:
    """load (done: ``documents``) -> clean -> boilerplate -> split -> identify -> dedup -> chunk.

    ``kept`` maps a document's source to the speeches an earlier run made of it (unchanged file, same pipeline
    version): they are reused as they are, and ``kept_chunks`` (by speech id) likewise. Duplicate links and
    titles are library-wide, so they are recomputed over all speeches every time. Boilerplate is counted over
    every document of the run, kept ones included; a kept file whose speeches hold a line that the run now judges
    chrome (more pages of its site have come) is processed again (``holds_chrome``).
    """
    kept = kept or {}
    kept_chunks = kept_chunks or {}
    taken = {s.id for group in kept.values() for s in group}
    speeches, no_speech = speeches_of_run(documents, taken, kept, clean)  # clean -> boilerplate -> split -> identify
    link_duplicates(speeches)  # dedup
    # Topics that tell apart the speeches identified in this run (unchanged files' speeches keep theirs: cutting
    # the whole library into words again would cost every small update seconds).
    reused = {id(s) for group in kept.values() for s in group}
    library_topics([s for s in speeches if id(s) not in reused])
    disambiguate_titles(speeches)  # identity across the library: no two distinct speeches share a title
    chunks = [c for s in speeches for c in (kept_chunks.get(s.id) or chunk_speech(s.id, s.text, s.norm))]
    return PipelineResult(speeches, chunks, no_speech)
