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
    """Who spoke where, when and at which meeting, as the speech's own text states it (see indexer/identity.py).

    Every field may be None/empty: nothing is guessed. ``date`` is "YYYY", "YYYY-MM" or "YYYY-MM-DD" (a
    placeholder such as 20xx stays unknown). ``spans`` maps a field name to the (start, end) offsets in
    ``Speech.text`` of the words it was read from (a field read from the title line only has no span).
    ``base_title`` is the speech's title before library-wide disambiguation (kept so that a later build can
    disambiguate again from scratch).
    """

    date: str | None = None
    place: str | None = None  # county, city, province ... that speaks or is addressed: 紫阳县, 上海市
    speaker: str | None = None  # a person's name: 龚正
    origin: str | None = None  # the page's 来源 (a newspaper, a site, an office)
    body: str | None = None  # the organisation: 上海市人民政府, 中国残联, 县委
    role: str | None = None  # the speaker's office: 市长, 省长, 市委书记
    meeting: str | None = None  # 上海市第十六届人民代表大会第三次会议, 全县脱贫攻坚工作会议
    topics: tuple[str, ...] = ()
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    base_title: str | None = None

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> "SpeechMeta":
        """Tolerant of older indexes: unknown keys are ignored, missing ones default."""
        d = dict(d or {})
        known = {f for f in cls.__dataclass_fields__}
        d = {k: v for k, v in d.items() if k in known}
        d["topics"] = tuple(d.get("topics") or ())
        d["spans"] = {str(k): (int(v[0]), int(v[1])) for k, v in (d.get("spans") or {}).items()}
        return cls(**d)

    def fields(self) -> dict[str, Any]:
        """The identity fields consumers show (``speeches --json`` meta), without bookkeeping."""
        return {
            "place": self.place, "body": self.body, "speaker": self.speaker, "role": self.role,
            "date": self.date, "meeting": self.meeting, "topics": list(self.topics),
        }


@dataclass
class Speech:
    id: str
    source: str  # RawDocument.source
    order: int  # position of the segment in its source file, from 0
    start: int  # character range of the segment in the file's cleaned text (indexer/cleaning.py)
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
        d["meta"] = SpeechMeta.from_json(d.get("meta"))
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
