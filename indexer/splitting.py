"""Split a cleaned document into speech segments.

Input is the text that ``jianggao.indexer.cleaning.clean_text`` made of one file (one paragraph a line);
cleaning runs before splitting (see ``jianggao.indexer.pipeline``), never inside it. Offsets are into that
cleaned text.

Document-level evidence comes first: most files hold ONE speech (a .docx report, a clean .txt that opens with
its title line). A file is cut into several speeches only when it shows that it is a page of many:

* a page title that counts its pieces (``…的讲话(精选5篇)``, ``…(模板14篇)``);
* two or more 篇 markers (``…的讲话 篇3``, ``…講話篇十一``) or bracketed label lines (``【残联发言稿范文】``);
* in a plain-text file (not a .docx/.pdf report): two or more title lines that open a speech (a title over a
  salutation, or a news headline: a short line over a date or 来源 line), each followed by a speech's worth of
  text.

Inside such a page every boundary signal cuts, strongest first: 篇 markers and label lines; title lines and
headlines; a salutation (``同志们:``) once the current segment already holds a speech's worth of text; the line
after a closing (``谢谢大家!``). Untitled text before the first titled speech of such a page is the page's own
introduction (its position says so), not a speech. All functions here are pure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from jianggao.indexer.cleaning import MAX_SHORT_LINE
from jianggao.indexer.identity import is_signature
from jianggao.indexer.normalize import normalize

# Segments with less text than this are page debris, not speeches.
MIN_SPEECH_CHARS = 120
# A salutation or title only opens a new speech when the current one already has this much text;
# below it, the salutation belongs to the speech whose title we just saw.
MIN_BODY_BEFORE_SPLIT = 300
# A page introduction is one or two paragraphs; more untitled text before the first title is a speech.
MAX_PREAMBLE_LINES = 2

_NUM = r"(?:\d{1,3}|[一二三四五六七八九十百零〇两]{1,4})"
PIAN_RE = re.compile(rf"^(?P<title>.{{2,60}}?)\s*[(（]?\s*篇\s*{_NUM}\s*[)）]?$")
LABEL_RE = re.compile(r"^【[^】]{2,24}】[。.]?$")
TITLE_RE = re.compile(
    r"(?:讲话|讲话稿|讲话提纲|发言|发言稿|发言材料|致辞|动员讲话|表态发言)(?:范文|材料)?(?:[(（][^)）]{0,12}[)）])?$"
    r"|在.{2,40}(?:会|会议|大会|仪式|座谈会|推进会)上的?(?:讲话|发言|致辞)"
)
PAGE_COUNT_RE = re.compile(r"[(（](?:精选|模板|通用|优秀|热门)?\s*\d{1,3}\s*篇[)）]")
SALUTATION_RE = re.compile(
    r"^(?:(?:尊敬的|各位|亲爱的)[^:：。]{0,30}?)?"
    r"(?:同志们|同事们|朋友们|大家好|全体同志|老师们|同学们|各位代表)[:：,，!！。]*$"
)
CLOSING_RE = re.compile(r"^.{0,24}谢谢(?:大家|各位|您们)?[!！。.]*$")
DATE_SOURCE_RE = re.compile(r"^(?:\d{4}[年-]\d{1,2}[月-]\d{1,2}日?|.{0,6}来源\s*[:：]).{0,40}$")
# A document's own title line: short, no sentence punctuation at its end, not a salutation or a date.
_SENTENCE_END = re.compile(r"[。！？!?；;：:，,、]$")
_OUTLINE_START = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.])")
REPORT_ENCODINGS = ("docx", "pdf")  # formats of finished documents: one speech unless a page count says otherwise


class Line(NamedTuple):
    start: int  # offsets of the line in the cleaned text, without its newline
    end: int
    probe: str  # normalised (Simplified, half-width, lower-case), stripped: for detection only


class Segment(NamedTuple):
    start: int
    end: int
    label: Line | None  # the segment's own title line (篇 title, title line or headline)


@dataclass(frozen=True)
class SpeechPart:
    """One speech cut out of a cleaned document: its text, and the title lines that came with it."""

    order: int
    start: int  # offsets into the cleaned document text
    end: int
    text: str  # the speech's lines without its title line and the page's furniture (page title repeats)
    title_line: str  # its own title line as displayed ("" when it has none)
    headline: bool  # the title line is a news headline (always names its article)
    page_title: str  # the page's title, when the page has one


def text_lines(text: str) -> list[Line]:
    out, pos = [], 0
    for piece in text.split("\n"):
        out.append(Line(pos, pos + len(piece), normalize(piece).strip(" \t\u3000\xa0\r\ufeff•·")))
        pos += len(piece) + 1
    return out


def is_title(p: str) -> bool:
    """A line that names a speech: ``…工作会议上的讲话``, ``…讲话稿``, ``在…会上的发言``."""
    if not (4 <= len(p) <= 48) or "," in p[:-1] or "，" in p or ">" in p:  # ">": a breadcrumb, not a title
        return False
    if p.endswith("。"):
        # A title the scraper closed with a full stop ("…同志的讲话。"), not a lone "讲话稿。" fragment.
        p = p[:-1]
        if len(p) < 6:
            return False
    return bool(TITLE_RE.search(p.replace("_", " ").split(" ")[0]) or TITLE_RE.search(p))


def is_own_title(p: str) -> bool:
    """A first line that reads as the document's title (a report's "<year><place> work report" line,
    ``在…会议上的讲话``)."""
    if not (4 <= len(p) <= 60) or _SENTENCE_END.search(p) or _OUTLINE_START.match(p):
        return False
    if SALUTATION_RE.match(p) or DATE_SOURCE_RE.match(p) or p.startswith(("——", "--", "—")):
        return False
    return sum("\u4e00" <= c <= "\u9fff" for c in p) >= 4


def page_title_line(lines: list[Line]) -> Line | None:
    """The page's own label near the top: a '(精选5篇)' line, else a 篇 title, else any title line."""
    top = [ln for ln in lines[:40] if ln.probe and ">" not in ln.probe and len(ln.probe) <= MAX_SHORT_LINE]
    tests = (
        lambda p: bool(PAGE_COUNT_RE.search(p)),
        lambda p: bool((m := PIAN_RE.match(p)) and TITLE_RE.search(m.group("title"))),
        is_title,
    )
    for test in tests:
        for ln in top:
            if test(ln.probe):
                return ln
    return None


def label_text(line: str) -> str:
    """A label line as displayed: without its '(精选5篇)' count, 篇 marker or '_seo tail'."""
    t = line.strip()
    count = PAGE_COUNT_RE.search(normalize(t))  # normalisation keeps length: its offsets are t's
    counted = count is not None
    if count:
        t = t[: count.start()] + t[count.end() :]
    m = PIAN_RE.match(normalize(t))
    if m:
        t = t[: len(m.group("title"))]
    if counted:
        # On a page that counts its pieces the leading year is the upload's ("2023年在…的讲话范文(19篇)"),
        # and "范文" the site's word; a document's own title keeps its year.
        t = re.sub(r"^(?:19|20)\d{2}年(?=在)", "", t)
        t = re.sub(r"(?:范文|範文)$", "", t)
    return t.split("_")[0].strip(" 。.:：")


def _is_headline(p: str, nxt: str) -> bool:
    """A news headline: a short line over a date or 来源 line. Not a signature over its date (a speech signed at its
    end: "副县长 王某某" / "2021年3月9日"), which ends a speech instead of opening one."""
    return (len(p) <= 40 and not re.search(r"[。！!？?,，]$", p) and bool(DATE_SOURCE_RE.match(nxt))
            and not is_signature(p))


def many_speech_evidence(lines: list[Line], encoding: str = "") -> str | None:
    """Why this document holds several speeches, or None when it is one speech (the default)."""
    probes = [ln.probe for ln in lines if ln.probe]
    if any(PAGE_COUNT_RE.search(p) for p in probes[:40] if len(p) <= 80):
        return "page title counts its pieces"
    if sum(bool(PIAN_RE.match(p)) for p in probes) >= 2:
        return "篇 markers"
    if sum(bool(LABEL_RE.match(p)) for p in probes) >= 2:
        return "label lines"
    if encoding.split("/")[0] in REPORT_ENCODINGS:
        return None
    # Title lines that open a speech (a headline over its date/来源 line, or a title over a salutation), each
    # followed by a speech's worth of text before the next one. A title quoted alone inside a report does not count.
    titled, body = 0, MIN_BODY_BEFORE_SPLIT
    for i, p in enumerate(probes):
        nxt = probes[i + 1] if i + 1 < len(probes) else ""
        opens = _is_headline(p, nxt) or (is_title(p) and bool(SALUTATION_RE.match(nxt)))
        if opens and not SALUTATION_RE.match(p):
            if body >= MIN_BODY_BEFORE_SPLIT:
                titled += 1
            body = 0
        else:
            body += len(p)
    if titled >= 2 and body >= MIN_BODY_BEFORE_SPLIT:
        return "title lines"
    return None


def find_segments(lines: list[Line], headlines: set[int] | None = None) -> list[Segment]:
    """Cut a page of many speeches at boundary signals; returns offset ranges with their label line.

    The start offsets of news-style headlines (a short line followed by a date or 来源 line) are added to
    ``headlines`` when given: such a headline is the article's own title and always names its speech.
    """
    headlines = set() if headlines is None else headlines
    segments: list[Segment] = []
    cur_start: int | None = None
    cur_label: Line | None = None
    body = 0  # characters of content since the segment started
    pending = False  # a closing was seen: the next content line starts a new speech

    def close(at: int) -> None:
        nonlocal cur_start
        if cur_start is not None:
            segments.append(Segment(cur_start, at, cur_label))
        cur_start = None

    def open_(ln: Line, label: Line | None) -> None:
        nonlocal cur_start, cur_label, body, pending
        close(ln.start)
        cur_start, cur_label, body, pending = ln.start, label, 0, False

    for i, ln in enumerate(lines):
        p = ln.probe
        if not p:
            continue
        nxt = next((x.probe for x in lines[i + 1 : i + 4] if x.probe), "")
        if PIAN_RE.match(p):
            open_(ln, ln)
            continue
        if LABEL_RE.match(p):
            open_(ln, None)
            continue
        headline = _is_headline(p, nxt)
        if headline:
            headlines.add(ln.start)
        if (is_title(p) or headline) and not PAGE_COUNT_RE.search(p):
            if cur_start is None or body >= MIN_BODY_BEFORE_SPLIT or pending:
                open_(ln, ln)
            elif cur_label is None:
                open_(ln, ln)  # what came before this title was page debris (too short to be a speech)
            continue
        if SALUTATION_RE.match(p):
            if cur_start is None or body >= MIN_BODY_BEFORE_SPLIT or pending:
                open_(ln, None)
            body += len(p)
            continue
        if pending or cur_start is None:
            open_(ln, None)
        body += len(p)
        if CLOSING_RE.match(p):
            pending = True
    if lines:
        close(lines[-1].end)
    return segments


def _is_furniture(p: str, page_probe: str) -> bool:
    """Lines of the page, not of the speech: 篇 markers, counted page titles and their repeats."""
    return len(p) <= MAX_SHORT_LINE and bool(
        PIAN_RE.match(p)
        or LABEL_RE.match(p)
        or (len(p) <= 80 and PAGE_COUNT_RE.search(p))
        or (page_probe and p.startswith(page_probe) and len(p) <= len(page_probe) + 12)
    )


def split_document(cleaned: str, encoding: str = "") -> list[SpeechPart]:
    """Split one cleaned document into speeches (debris segments are dropped)."""
    lines = text_lines(cleaned)
    evidence = many_speech_evidence(lines, encoding)
    headlines: set[int] = set()
    if evidence is None:
        first = next((ln for ln in lines if ln.probe), None)
        label = first if first is not None and is_own_title(first.probe) else None
        segments = [Segment(first.start, len(cleaned), label)] if first is not None else []
        page_line = None
    else:
        segments = find_segments(lines, headlines)
        # The page's introduction: untitled, short text before its first titled speech.
        first_titled = next((i for i, s in enumerate(segments) if s.label is not None), None)
        if first_titled:
            keep = []
            for i, s in enumerate(segments):
                n_lines = sum(1 for ln in lines if s.start <= ln.start < s.end and ln.probe)
                if i < first_titled and s.label is None and n_lines <= MAX_PREAMBLE_LINES:
                    continue
                keep.append(s)
            segments = keep
        page_line = page_title_line(lines)
    page_display = label_text(cleaned[page_line.start : page_line.end]) if page_line else ""
    page_probe = normalize(page_display)
    parts: list[SpeechPart] = []
    for seg in segments:
        kept = [
            cleaned[ln.start : ln.end]
            for ln in lines
            if seg.start <= ln.start < seg.end and ln.probe
            and ln is not seg.label
            and not (evidence and _is_furniture(ln.probe, page_probe))
        ]
        text = "\n".join(kept)
        if sum(not c.isspace() for c in text) < MIN_SPEECH_CHARS:
            continue
        title_line = label_text(cleaned[seg.label.start : seg.label.end]) if seg.label else ""
        parts.append(
            SpeechPart(
                order=len(parts),
                start=seg.start,
                end=seg.end,
                text=text,
                title_line=title_line,
                headline=seg.label is not None and seg.label.start in headlines,
                page_title=page_display,
            )
        )
    return parts
