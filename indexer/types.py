"""Typed records shared by the indexer and the QA layer.

Offsets are Python string indices (code points). A speech's ``text`` is the cleaned text shown to
users, in its original script; ``norm`` is the form used for matching (Traditional -> Simplified,
full-width -> half-width, lower-cased). Normalisation is length-preserving by construction, so an
offset into ``norm`` is the same offset into ``text``: the mapping back to the displayed text is the
identity and never needs to be stored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RawDocument:
    """One file as loaded from disk, before cleaning."""

    source: str  # path relative to the corpus root, with forward slashes
    text: str
    encoding: str  # "utf-8", "gb18030", "big5", "docx", "pdf", "html/utf-8", ...
    sha1: str  # hash of the file's bytes


@dataclass(frozen=True)
class LoadError:
    """A file that could not be loaded; the run goes on without it."""

    path: str
    reason: str  # what is wrong and what to do, in one line

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class SpeechMeta:
    date: str | None = None
    place: str | None = None
    speaker: str | None = None
    origin: str | None = None  # e.g. the news page's 来源


@dataclass
class Speech:
    id: str
    source: str  # RawDocument.source
    order: int  # position of the segment in its source file, from 0
    start: int  # character range of the segment in the loaded file text
    end: int
    title: str
    page_title: str
    text: str  # cleaned, displayed text (original script)
    norm: str  # normalised text, same length as ``text``
    meta: SpeechMeta = field(default_factory=SpeechMeta)
    canonical_id: str | None = None  # set when this speech is a near-duplicate copy of another
    copies: list[str] = field(default_factory=list)  # on a canonical speech: ids of its copies

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Speech":
        d = dict(d)
        d["meta"] = SpeechMeta(**d.get("meta") or {})
        return cls(**d)


@dataclass(frozen=True)
class Chunk:
    id: str  # f"{speech_id}:{order}"
    speech_id: str
    order: int
    start: int  # offsets into the speech's ``text``
    end: int
    text: str  # == speech.text[start:end]
    norm: str  # == speech.norm[start:end]
    heading: str = ""  # outline heading the chunk sits under (embedding context, not shown)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Chunk":
        return cls(**d)


@dataclass
class Corpus:
    """Everything the indexer derives from a set of files."""

    speeches: list[Speech]
    chunks: list[Chunk]
    documents: list[RawDocument]
    errors: list[LoadError]
    root: Path | None = None
