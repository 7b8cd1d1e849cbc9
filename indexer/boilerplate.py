"""Boilerplate that repeats across the documents of one indexing run: site footers, watermarks, "本文来源…" lines,
navigation. Found by repetition, not by a list of phrases: a line is boilerplate when its normalised form occurs in
several documents of the run (document frequency), and where it stands or how common it is says it is not speech.

Pure functions: ``repeated_lines`` counts over the cleaned texts of a run, ``strip_boilerplate`` removes the lines
of one text. Speech content that legitimately repeats is protected:

* a line must occur in at least ``min_docs`` documents (a slogan quoted in two speeches does not);
* and either stand at a page edge (no paragraph and fewer than ``edge_lines`` other lines from the top or bottom:
  headers, footers), or occur in a high share of the run's documents (``high_fraction``: a watermark on every
  page) -- a repeated line in the middle of a page, in a few documents, stays;
* lines that are only a date (a speech's date under its title or signature) are never boilerplate;
* lines shorter than ``min_chars`` (同志们：, 谢谢大家！), lines that open what follows (ending in a colon:
  各位领导、同志们：), outline headings (一、…) and lines that name a speech (…会议上的讲话) are never boilerplate:
  they are the formulae and structure of speeches, which speeches of one kind all repeat;
* lines longer than ``max_chars`` are paragraphs, never chrome.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from jianggao.indexer.identity import is_date_line
from jianggao.indexer.normalize import normalize
from jianggao.indexer.splitting import _OUTLINE_START, is_title


@dataclass(frozen=True)
class BoilerplateRule:
    min_docs: int = 3
    high_fraction: float = 0.5  # of the run's documents, with at least min_docs of them
    edge_lines: int = 3
    min_chars: int = 6
    max_chars: int = 200


DEFAULT_RULE = BoilerplateRule()

_DIGITS = re.compile(r"\d+")
_NOISE = re.compile(r"[\s\u3000·•|>»/\\\-—_=*#]+")
_OPENS = re.compile(r"[:：]$")
_PARAGRAPH = re.compile(r"^.{31,}$|[。;；]$")


def _key(norm: str) -> str:
    return _DIGITS.sub("0", _NOISE.sub("", norm))


def line_key(line: str) -> str:
    """A line's identity for counting: normalised (script, width), spaces and separators dropped, numbers as 0 (a
    footer with a page number or a date is the same footer)."""
    return _key(normalize(line).strip())


def _candidate(line: str, rule: BoilerplateRule) -> str | None:
    stripped = line.strip()
    norm = normalize(stripped)
    key = _key(norm)
    if not rule.min_chars <= len(key) <= rule.max_chars or _OPENS.search(stripped):
        return None
    # The structure of speeches repeats across a corpus of one kind: outline headings (一、…工作回顾) and lines that
    # name a speech (…会议上的讲话, a page's 篇 labels, which splitting needs) are content, not chrome.
    if _OUTLINE_START.match(norm) or is_title(norm):
        return None
    # A line that is only a date is a speech's date (under its title, or under the signature at its end); with its
    # digits as 0 every such line looks the same, so it would count as repeated in any run of signed speeches.
    if is_date_line(norm):
        return None
    return key


@dataclass(frozen=True)
class Repeated:
    """What a run repeats: document frequency of each candidate line key, and the number of documents."""

    df: dict[str, int]
    documents: int

    def is_common(self, key: str, rule: BoilerplateRule) -> bool:
        n = self.df.get(key, 0)
        return n >= rule.min_docs and n >= rule.high_fraction * self.documents

    def is_repeated(self, key: str, rule: BoilerplateRule) -> bool:
        return self.df.get(key, 0) >= rule.min_docs


def repeated_lines(texts: Iterable[str], rule: BoilerplateRule = DEFAULT_RULE) -> Repeated:
    """Document frequency of the candidate lines of a run's cleaned texts (each document counts a line once)."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update({k for line in text.split("\n") if (k := _candidate(line, rule))})
    return Repeated({k: v for k, v in df.items() if v >= rule.min_docs}, n)


def boilerplate_lines(text: str, repeated: Repeated, rule: BoilerplateRule = DEFAULT_RULE) -> list[int]:
    """Indexes of the lines of ``text`` that are boilerplate of this run: repeated lines near an edge (no paragraph
    and fewer than ``edge_lines`` other lines between them and the top or the bottom, so stacked chrome goes whole),
    and lines common to most of the run's documents wherever they stand."""
    lines = text.split("\n")
    keys = [_candidate(line, rule) for line in lines]
    rep = [k is not None and repeated.is_repeated(k, rule) for k in keys]
    out = {i for i, k in enumerate(keys) if k is not None and repeated.is_common(k, rule)}
    for order in (range(len(lines)), range(len(lines) - 1, -1, -1)):
        others = 0
        for i in order:
            if not lines[i].strip():
                continue
            if rep[i]:
                out.add(i)
                continue
            others += 1
            # The first paragraph of the speech ends the page's edge; a few short lines (a date, 谢谢大家！) do not.
            if others >= rule.edge_lines or _PARAGRAPH.search(normalize(lines[i]).strip()):
                break
    return sorted(out)


def strip_boilerplate(text: str, repeated: Repeated, rule: BoilerplateRule = DEFAULT_RULE) -> tuple[str, list[str]]:
    """``text`` without its boilerplate lines, and the lines removed (in order)."""
    drop = set(boilerplate_lines(text, repeated, rule))
    if not drop:
        return text, []
    lines = text.split("\n")
    removed = [lines[i] for i in sorted(drop)]
    return "\n".join(line for i, line in enumerate(lines) if i not in drop), removed
