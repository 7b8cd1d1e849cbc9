"""Split a scraped page into speech segments, and give each a title and metadata.

Template sites put many speeches on one page, with wrong or missing 篇 markers, so a page is cut at every
boundary signal the text offers, strongest first:

* a 篇 marker line (``…的讲话 篇3``, ``…講話篇十一``) or a bracketed label line (``【残联发言稿范文】``);
* a title line (``…工作会议上的讲话``, ``…讲话稿``, ``在…会上的发言``) or a short headline followed by a date/来源 line;
* a salutation (``同志们:``, ``各位领导、同志们:``) once the current segment already holds a speech's worth of text;
* the line after a closing (``谢谢大家!``) or after pagination debris (``共 2 页,当前第``).

Detection runs on a *probe* of each raw line (tags and pinyin annotations removed, normalised to Simplified)
while the segment boundaries are kept as offsets into the raw file, so every speech knows its character range
in the source. All functions here are pure.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

from jianggao.indexer.cleaning import MAX_SHORT_LINE, clean_text, strip_html, strip_pinyin
from jianggao.indexer.normalize import normalize
from jianggao.indexer.segment import quiet_jieba as _quiet_jieba
from jianggao.indexer.types import SpeechMeta

# Segments with less cleaned text than this are page debris, not speeches.
MIN_SPEECH_CHARS = 120
# A salutation or title only opens a new speech when the current one already has this much text;
# below it, the salutation belongs to the speech whose title we just saw.
MIN_BODY_BEFORE_SPLIT = 300

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
PAGINATION_RE = re.compile(r"^(?:共|页|\d{1,3}|页,?当前第[。.]?|第\d+页)$")
DATE_SOURCE_RE = re.compile(r"^(?:\d{4}[年-]\d{1,2}[月-]\d{1,2}日?|.{0,6}来源[:：]).{0,40}$")

DATE_RE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日|(?:19|20)\d{2}-\d{2}-\d{2}")
ORIGIN_RE = re.compile(r"来源[:：]\s*([^\s\n]{2,30})")
SPEAKER_RE = re.compile(
    r"((?:省委|市委|县委|区委|州委|旗委|党委|党组)?(?:副)?(?:书记|省长|市长|县长|区长|旗长|主席|主任|局长|厅长|部长|理事长|镇长|乡长))"
    r"([^\W\d_a-z还也的将要是在重具体反复和与及对就都已再又]{2,3}?)(?=出席|强调|指出|要求|在讲话|在会上|表示|主持会议)"
)
_GENERIC_PLACE = re.compile(r"^(?:全|我|本|各|该|外|广大|城乡|贫困|地)")
MEETING_RE = re.compile(
    r"(?:召开|参加|出席|举行)(?:的|了|这次|今天的|本次)?"
    r"([^,，。;；!！:：“”\n]{2,30}?(?:工作会议|工作大会|推进会|座谈会|动员会|部署会|现场会|调度会|大会|会议|视频会议))"
)
_TITLE_GENERIC = frozenset("在 上 的 讲话 讲话稿 发言 发言稿 会议 工作 工作会议 范文 材料 领导 年 全体 稿".split())


class Line(NamedTuple):
    start: int  # offsets of the line in the raw text, without its newline
    end: int
    probe: str  # tags and annotations removed, Simplified, stripped: for detection only


class Segment(NamedTuple):
    start: int
    end: int
    label: Line | None  # the segment's own title line (篇 title, title line or headline)


@dataclass(frozen=True)
class SpeechDraft:
    """A split segment, cleaned and titled; ids and duplicate links are added later."""

    order: int
    start: int
    end: int
    title: str
    page_title: str
    text: str
    norm: str
    meta: SpeechMeta


def probe_line(line: str) -> str:
    return normalize(strip_pinyin(strip_html(line))).strip(" \t\u3000\xa0\r\ufeff•·")


def raw_lines(raw: str) -> list[Line]:
    out, pos = [], 0
    for piece in raw.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        out.append(Line(pos, pos + len(body), probe_line(body)))
        pos += len(piece)
    return out


def _is_title(p: str) -> bool:
    if not (4 <= len(p) <= 48) or "," in p[:-1] or "，" in p or ">" in p:  # ">": a breadcrumb, not a title
        return False
    if p.endswith("。"):
        # A title cut off its sentence by the scraper ("周耀宜同志的讲话。"), not a lone "讲话稿。" fragment.
        p = p[:-1]
        if len(p) < 6 or not re.search(r"同志.{0,4}的讲话$", p):
            return False
    return bool(TITLE_RE.search(p.replace("_", " ").split(" ")[0]) or TITLE_RE.search(p))


def page_title_line(lines: list[Line]) -> Line | None:
    """The page's own label near the top: a '(精选5篇)' line, else a 篇 title, else any title line."""
    top = [ln for ln in lines[:40] if ln.probe and ">" not in ln.probe and len(ln.probe) <= MAX_SHORT_LINE]
    tests = (
        lambda p: bool(PAGE_COUNT_RE.search(p)),
        lambda p: bool((m := PIAN_RE.match(p)) and TITLE_RE.search(m.group("title"))),
        _is_title,
    )
    for test in tests:
        for ln in top:
            if test(ln.probe):
                return ln
    return None


def label_text(raw_line: str) -> str:
    """A label line as displayed: cleaned, without its '(精选5篇)' count, 篇 marker, upload year or '_seo tail'."""
    t = clean_text(raw_line).replace("\n", " ")
    t = PAGE_COUNT_RE.sub("", t)
    m = PIAN_RE.match(normalize(t))
    if m:
        t = t[: len(m.group("title"))]
    t = re.sub(r"^(?:19|20)\d{2}年", "", t)  # "2023年在…的讲话": the meeting, not the upload year
    return t.split("_")[0].strip(" 。.:：")


def find_segments(lines: list[Line], headlines: set[int] | None = None) -> list[Segment]:
    """Cut the page into segments at boundary signals; returns raw-offset ranges with their label line.

    The start offsets of news-style headlines (a short line followed by a date or 来源 line) are added to
    ``headlines`` when given: such a headline is the article's own title and always names its speech.
    """
    headlines = set() if headlines is None else headlines
    segments: list[Segment] = []
    cur_start: int | None = None
    cur_label: Line | None = None
    body = 0  # probe characters of content since the segment started
    pending = False  # a closing or pagination debris was seen: the next content line starts a new speech

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
        pian = PIAN_RE.match(p)
        if pian:
            open_(ln, ln)
            continue
        if LABEL_RE.match(p):
            open_(ln, None)
            continue
        headline = len(p) <= 40 and not re.search(r"[。！!？?,，]$", p) and bool(DATE_SOURCE_RE.match(nxt))
        if headline:
            headlines.add(ln.start)
        if (_is_title(p) or headline) and not PAGE_COUNT_RE.search(p):
            if cur_start is None or body >= MIN_BODY_BEFORE_SPLIT or pending:
                open_(ln, ln)
            elif cur_label is None:
                open_(ln, ln)  # what came before this title was page debris (too short to be a speech)
            continue
        if PAGINATION_RE.match(p):
            pending = pending or body >= MIN_BODY_BEFORE_SPLIT
            continue
        if SALUTATION_RE.match(p):
            if cur_start is None or body >= MIN_BODY_BEFORE_SPLIT or pending:
                open_(ln, None)
            body += len(p)
            continue
        if pending:
            open_(ln, None)
        elif cur_start is None:
            open_(ln, None)
        body += len(p)
        if CLOSING_RE.match(p):
            pending = True
    if lines:
        close(lines[-1].end)
    return segments


def topic_words(norm: str, k: int = 8) -> list[str]:
    """The speech's main topical words (jieba TF-IDF), blanks and figures left out."""
    import jieba.analyse

    _quiet_jieba()

    return [t for t in jieba.analyse.extract_tags(norm[:4000], topK=k + 4) if len(t) >= 2 and not _JUNK_TAG.search(t)][:k]


_JUNK_TAG = re.compile(r"^[0-9x.%]+$|xx|[a-z]")


def label_fits(label_norm: str, body_norm: str, threshold: float = 0.6) -> bool:
    """Whether a page/篇 label describes this speech.

    The label's words, weighted by IDF so that specific words (校车, 疫情) count more than generic ones (安全,
    管理), must mostly recur in the body (at least twice each).
    """
    import jieba
    import jieba.analyse

    _quiet_jieba()
    idf = jieba.analyse.default_tfidf.idf_freq
    median = jieba.analyse.default_tfidf.median_idf
    words = {w for w in jieba.lcut(label_norm) if len(w) >= 2 and w not in _TITLE_GENERIC and not _JUNK_TAG.search(w)}
    if not words:
        return True
    total = sum(idf.get(w, median) for w in words)
    present = sum(idf.get(w, median) for w in words if body_norm.count(w) >= 2)
    return present >= threshold * total


_GENERIC_MEETING = re.compile(r"^(?:一次|这次|本次|此次|今天|今年|这个|一个)|^.{0,2}(?:会议|大会)$")


def derive_title(text: str, norm: str, meta: SpeechMeta) -> str:
    """A title from the content: the meeting it was given at, else its speaker and main topic."""
    traditional = sum(a != b for a, b in zip(text[:600], norm[:600])) > 5
    at, on, speech = ("在", "上的講話", "關於") if traditional else ("在", "上的讲话", "关于")
    for m in MEETING_RE.finditer(norm[:400]):
        s, e = m.span(1)
        e += norm.startswith("议", e)  # the lazy match stops at "调度会" in "调度会议"
        # Drop modifiers before the meeting's name ("高规格、大规模的全县…会议" -> "全县…会议").
        cut = norm.rfind("的", s, e - 4)
        s = cut + 1 if cut >= 0 else s
        if _GENERIC_MEETING.search(norm[s:e]) or e - s < 5:
            continue
        return f"{at}{text[s:e].strip()}{on}"
    # Keywords come from the normalised text; find them in the displayed text to keep the original script.
    shown = []
    for t in topic_words(norm, 2):
        i = norm.find(t)
        shown.append(text[i : i + len(t)] if i >= 0 else t)
    topic = "、".join(shown) if shown else text[:12]
    who = meta.speaker or ""
    return f"{who}{speech}{topic}{on[1:]}"


def _first_place(norm: str) -> tuple[int, int] | None:
    """Span of the first specific place name (jieba POS tag 'ns') in the text, skipping 全市/我县/中国."""
    import jieba.posseg

    _quiet_jieba()
    pos = 0
    for word, flag in jieba.posseg.cut(norm):
        if flag == "ns" and 3 <= len(word) <= 8 and word[-1] in "省市县区旗州盟镇乡村" and not _GENERIC_PLACE.search(word):
            return pos, pos + len(word)
        pos += len(word)
    return None


def extract_meta(text: str, norm: str, header_norm: str = "") -> SpeechMeta:
    """Date, place, speaker and origin where the text states them (header lines first, then the opening)."""
    scope = header_norm + "\n" + norm[:600]

    def shown(m: re.Match, group: int = 0) -> str:
        # Offsets into norm are offsets into text (normalisation keeps length); header matches stay normalised.
        s, e = m.span(group)
        off = len(header_norm) + 1
        return text[s - off : e - off] if s >= off else m.group(group)

    dates = list(DATE_RE.finditer(header_norm)) or list(DATE_RE.finditer(scope))
    date = dates[-1] if dates else None  # the last header date is the speech's, earlier ones are the page's
    origin = ORIGIN_RE.search(scope)
    speaker = SPEAKER_RE.search(scope)
    place = _first_place(norm[:400])
    return SpeechMeta(
        date=shown(date) if date else None,
        place=text[place[0] : place[1]] if place else None,
        speaker=(shown(speaker, 1) + shown(speaker, 2)) if speaker else None,
        origin=shown(origin, 1) if origin else None,
    )


def split_page(raw: str) -> list[SpeechDraft]:
    """Split one loaded page into cleaned, titled speech drafts (debris segments are dropped)."""
    lines = raw_lines(raw)
    page_line = page_title_line(lines)
    page_display = label_text(raw[page_line.start : page_line.end]) if page_line else ""
    page_probe = normalize(page_display)
    drafts: list[SpeechDraft] = []
    headlines: set[int] = set()
    starts = [ln.start for ln in lines]
    for seg in find_segments(lines, headlines):
        # Lines are in offset order: a slice, not a scan of every line per segment (quadratic on big pages).
        seg_lines = lines[bisect_left(starts, seg.start) : bisect_left(starts, seg.end)]
        # The label line and header lines (dates, 来源, page-title repeats) are metadata, not speech text.
        body_start = seg.start
        header: list[str] = []
        for ln in seg_lines:
            p = ln.probe
            if not p:
                continue
            is_header = len(p) <= MAX_SHORT_LINE and bool(
                ln is seg.label
                or PIAN_RE.match(p)
                or LABEL_RE.match(p)
                or PAGE_COUNT_RE.search(p)
                or (page_probe and p.startswith(page_probe) and len(p) <= len(page_probe) + 12)
                or (DATE_SOURCE_RE.match(p) and len(header) < 6)
                or (len(header) < 6 and re.match(r"^(?:•\s*)?(?:【?字体|\d{4}年\d{1,2}月\d{1,2}日)", p))
            )
            if not is_header:
                break
            header.append(p)
            body_start = ln.end
        text = "\n".join(
            line
            for line in clean_text(raw[body_start : seg.end]).split("\n")
            if not (len(line) <= 60 and PAGE_COUNT_RE.search(normalize(line)))  # the page title, repeated
        )
        if len(text) < MIN_SPEECH_CHARS:
            continue
        norm = normalize(text)
        header_norm = "\n".join(header)
        meta = extract_meta(text, norm, header_norm)
        label_display = label_text(raw[seg.label.start : seg.label.end]) if seg.label else ""
        if label_display and (seg.label.start in headlines or label_fits(normalize(label_display), norm)):
            title = label_display
        elif not label_display and page_display and label_fits(page_probe, norm):
            title = page_display
        else:
            title = derive_title(text, norm, meta)
        drafts.append(
            SpeechDraft(
                order=len(drafts),
                start=seg.start,
                end=seg.end,
                title=title,
                page_title=page_display or label_display,
                text=text,
                norm=norm,
                meta=meta,
            )
        )
    return drafts
