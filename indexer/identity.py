"""Which speech is which: place, organisation, speaker, role, date, meeting, topics and title, read from the text.

Pure functions on a speech's cleaned text (and its normalised form, same length, so one offset serves both).
Nothing is guessed: a field the text does not state stays None, a placeholder year (20xx) stays unknown, and
every field read from the text records where (``SpeechMeta.spans``: offsets into the speech's text) so a reader
can see the line it came from.

Where each field comes from, strongest first:

* the **header** of the speech: the lines before its salutation (``各位代表：``) at the top, e.g. a report's
  ``——2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议上`` / ``省长 王予波`` / ``来源：…``; and its
  title line (a report's "<year><province> government work report" line, ``在全县脱贫攻坚工作会议上的讲话``);
* the **opening** (first few hundred characters): ``今天召开的全市…会议``, ``市委书记张剡出席会议并强调``;
* the **whole text** for self-references: ``我县`` / ``我市`` / ``我省`` / ``我区`` + the place name of that level the
  text uses most (``紫阳县``), and for topics (dictionary part-of-speech + IDF from jieba, no word lists).
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import replace
from functools import lru_cache
from typing import Callable, Collection, Iterable, NamedTuple, Sequence

from jianggao.indexer.normalize import normalize
from jianggao.indexer.types import Speech, SpeechMeta

HEADER_LINES = 8  # a header is a few short lines
HEADER_MAX_LINE = 120
OPENING_CHARS = 600
TOKEN_SCOPE = 30_000

_CJK = r"\u4e00-\u9fff"
# Offices a speaker holds, as the header / news text writes them before or after the name.
ROLE = (
    r"(?:(?:省委|市委|县委|区委|州委|旗委|党委|党组|党工委)(?:副)?书记"
    r"|(?:常务|代理)?(?:副)?(?:省长|市长|县长|区长|旗长|州长|镇长|乡长|主席|理事长|董事长|总经理|局长|厅长|部长|主任|校长|院长))"
)
ROLE_RE = re.compile(ROLE)
# A person's name: 2-3 Han characters, or a transcribed name with a middle dot (艾尔肯·吐尼亚孜).
_NAME = rf"[{_CJK}]{{2,6}}·[{_CJK}]{{2,8}}|[{_CJK}]{{2,3}}"
# Characters that do not occur in a name but do around one (function words, verbs of reporting).
_NOT_NAME = re.compile(r"[的在是和与及对就都已再又将要还也了着为把被从向等作之其该本我你他们]|同志|代表|出席|会议")
# A signature line: "省长 王予波", "四川省人民政府省长 施小琳", "自治区主席 艾尔肯·吐尼亚孜".
# The line holds nothing else, so a four-character name (嘎玛泽登) is safe to take here.
# Offices held together are listed with 、 (市委副书记、市长 / 党组书记、局长): the role is the whole list.
SIGNATURE_RE = re.compile(
    rf"^(?P<org>[{_CJK}]{{0,16}}?)(?P<role>(?:[{_CJK}]{{2,10}}、)*{ROLE})\s*(?P<name>{_NAME}|[{_CJK}]{{4}})(?:同志)?$"
)
# "<city>市长 <name>同志作<report>", "市委书记张剡出席会议并强调", "主席王莉霞在…".
ROLE_NAME_RE = re.compile(
    rf"(?P<role>{ROLE})\s*(?P<name>{_NAME}?)(?:同志)?(?=作|在|出席|强调|指出|要求|讲话|表示|主持|代表|说)"
)
# The speaker as a closing note names them, before the date and place of the speech: "副市长王某2021年3月9日在…".
NOTE_SPEAKER_RE = re.compile(
    rf"(?P<role>{ROLE})\s*(?P<name>{_NAME})(?:同志)?\s*(?:(?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)?\s*在"
)
# "2025年1月15日龚正市长在上海市…": name before the role, after a date, a dash or a line start.
NAME_ROLE_RE = re.compile(rf"(?:日|——|--|^|\s)(?P<name>[{_CJK}]{{2,3}}?)(?P<role>{ROLE})(?=在|作|出席)", re.M)

FULL_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-./](\d{1,2})[-./](\d{1,2})(?!\d))"
)
# Official documents write dates in Chinese numerals: 二〇二一年三月九日 (○ and 零 stand for 〇 too).
_CN_DIGIT = "〇○零一二三四五六七八九"
CN_DATE_RE = re.compile(
    rf"(?<![{_CN_DIGIT}])([{_CN_DIGIT}]{{4}})\s*年\s*(十[一二]?|[一二三四五六七八九])\s*月"
    r"\s*(三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])\s*[日号]"
)


# A line of a web page's furniture that dates the page: 发布时间：…, 浏览次数, 今天是…星期一.
_PAGE_DATE_LINE = re.compile(r"发布|浏览|点击|更新|今天是|星期|访问|阅读")
# A line that states the speech it closes: "（本文系王某同志2021年3月9日在全市某某会议上的讲话，有删节）".
SPEECH_NOTE_RE = re.compile(r"在[^，,。；;\n]{2,50}?(?:上|时)?的?(?:讲话|发言|致辞|报告)")


def _cn_int(numeral: str) -> int:
    """二十三 -> 23, 十 -> 10, 七 -> 7 (month and day numerals)."""
    value = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if "十" not in numeral:
        return value[numeral]
    tens, _, units = numeral.partition("十")
    return (value[tens] if tens else 1) * 10 + (value[units] if units else 0)


def _cn_full_date(m: re.Match[str]) -> str | None:
    year = "".join(str(_cn_int(c)) for c in m.group(1).replace("〇", "零").replace("○", "零"))
    return _fmt(year, str(_cn_int(m.group(2))), str(_cn_int(m.group(3))))


def is_date_line(norm: str) -> bool:
    """Whether a (normalised) line is a full date and nothing else: 2021年3月9日, 2021.03.09, 二〇二一年三月九日."""
    line = norm.strip().strip("（()）")
    m = FULL_DATE_RE.fullmatch(line) or CN_DATE_RE.fullmatch(line)
    return m is not None


MONTH_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
YEAR_RE = re.compile(r"(?<![\dx])((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")

_MEETING_WORD = (
    r"(?:人民代表大会第[一二三四五六七八九十]+次会议|代表大会|工作会议|工作大会|视频会议|电视电话会议|推进会议?"
    r"|座谈会|动员会|动员大会|部署会|现场会|调度会议?|观摩会|专题会议?|全体会议|常委会议?|大会|会议)"
)
# "在…会议上(的讲话)", "在…会议的<report>": the meeting a header or title names.
AT_MEETING_RE = re.compile(rf"在(?P<m>[^,，。;；:：“”\n]{{2,50}}?{_MEETING_WORD})(?:上|的|开幕|闭幕|$)")
# A title that is the meeting's name plus 讲话/讲话稿: "全县脱贫攻坚工作会议" + "讲话稿".
TITLE_MEETING_RE = re.compile(rf"^(?P<m>[^,，。]{{2,40}}?{_MEETING_WORD})(?:上的?)?(?:领导)?(?:讲话|发言|致辞|报告)")
# In the opening: "召开…会议", "这次…会议".
OPENING_MEETING_RE = re.compile(
    rf"(?:召开|参加|出席|举行|这次|本次|此次|今天的)(?:的|了|这次|今天的|本次)?"
    rf"(?P<m>[^,，。;；!！:：“”\n]{{2,30}}?{_MEETING_WORD})"
)
_GENERIC_MEETING = re.compile(r"^(?:一次|这次|本次|此次|今天|今年|这个|一个|专题|重要|全体|相关|有关|各类|各种|各项)|^.{0,2}(?:会议|大会)$")

SOURCE_RE = re.compile(r"来源\s*[:：]\s*(?P<v>[^\s\n]{2,30})")
# The organisation a speaker speaks for: "我代表上海市人民政府", "代表省人民政府".
BODY_RE = re.compile(
    rf"我(?:谨)?代表(?P<v>[{_CJK}]{{0,16}}?(?:人民政府|政府|委员会|常委会|联合会|协会|学会|党委|党组|公司|集团|局|厅))"
)
# A name that is a place: ends in an administrative level.
_LEVELS = "省市县区旗州盟镇乡"
_PLACE_TAIL = re.compile(rf"(?:自治区|自治州|自治县|特别行政区|[{_LEVELS}])$")
_PROVINCE_NAMES = re.compile(
    r"^(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南"
    r"|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)"
)
# Words that end like a place but are not one: 全县, 我市, 本区, 各乡镇, 城区, 贫困县 ...
_GENERIC_PLACE = re.compile(r"^(?:全|我|本|各|该|外|广大|城乡|贫困|地|市区|城区|社区|园区|景区|小区|山区|辖区|片区|新区$)")
_INSIDE_OURS = re.compile(r"(?:我|本|全|外)(?:国|省|市|州|区)$")
SELF_REF_RE = re.compile(r"(?:我|本|全)(省|市|县|区|旗|州|镇|乡)")
# Only 我 is first person: 本县 also means "each county's own" ("根据本县市区情况") and 全县 is a scope.
FIRST_PERSON_LEVEL_RE = re.compile(r"我(省|市|县|区|旗|州|镇|乡)")
# A self-reference whose level a template left blank: 我------, 全____ .
_BLANK_SELF = re.compile(r"[全我本](?:[-_＿—…]{2,}|[xX×]{2,})")
# The value of a body whose level the text states but whose name it does not (a Chinese UI word: "unnamed").
UNNAMED = "（未具名）"
# A bare level (市政府, 县委): says which level speaks, not which place; the level fallback reads those.
_BARE_LEVEL = re.compile(rf"^[{_LEVELS}]?(?:人民政府|政府|委|党委|常委会)$")
# The speaker calling their own organ by its kind, as words of their own ("局里将派出人员", "我厅", "本局"; not
# the 本局 inside 基本局面): the organ of that kind the text names ("教育局") is the body.
_ORGAN_KINDS = ("局", "厅", "院", "办")

# Parts of speech (jieba dictionary tags) that can name a topic; r (pronouns), p, c, u, d, m, q, f, t, ns, nr
# (places and people are fields of their own) never do.
TOPIC_POS = frozenset({"n", "nz", "vn", "nt", "nw", "j", "l", "i"})
# Self-references and administrative words (全区, 自治区, 县委, 省政府) say where, not what about.
_NOT_TOPIC = re.compile(rf"^[全我本各该][{_LEVELS}区疆]$|(?:自治区|政府|党委|[{_LEVELS}]委)$|^(?:党中央|中央|国务院)$")
# Words in the commonest 1% of jieba's IDF table (工作, 问题, 发展, 同志 ...) are too general to tell speeches apart.
GENERIC_IDF_PERCENTILE = 1.0


class Found(NamedTuple):
    value: str
    start: int  # offsets into the speech text (-1: read from the title line, not the text)
    end: int


def _segmenter():
    """The project's one jieba tokenizer (domain dictionary included: 脱贫攻坚 stays one word)."""
    from jianggao.indexer.segment import tokenizer

    return tokenizer()


def is_traditional(text: str, norm: str) -> bool:
    """Whether the displayed text is written in Traditional characters (Han characters that normalise)."""
    han = [(a, b) for a, b in zip(text[:3000], norm[:3000]) if "\u4e00" <= b <= "\u9fff"]
    return bool(han) and sum(a != b for a, b in han) > 0.03 * len(han)


def header_end(norm: str) -> int:
    """End offset of the header: the short lines at the top before the salutation or the first paragraph."""
    pos = 0
    for i, line in enumerate(norm.split("\n")):
        stripped = line.strip()
        if i >= HEADER_LINES or len(stripped) > HEADER_MAX_LINE or re.search(r"(?:代表|同志|朋友|大家)[们好]?[:：]$", stripped):
            return pos
        if len(stripped) > 60 and stripped.endswith(("。", "!", "！")) and not re.search(r"作.{0,6}报告。$", stripped):
            return pos
        pos += len(line) + 1
    return min(pos, len(norm))


# -- dates -------------------------------------------------------------------------------------------------
def _fmt(y: str, m: str | None = None, d: str | None = None) -> str | None:
    if m is not None and not 1 <= int(m) <= 12:
        return None
    if d is not None and not 1 <= int(d) <= 31:
        return None
    return "-".join([y] + [f"{int(x):02d}" for x in (m, d) if x is not None])


def find_date(norm: str, title: str = "") -> Found | None:
    """The speech's date as its header or its sign-off states it (a web page's own date only when neither does);
    else the header's month, the title's date or year, the header's year."""
    head = header_end(norm)
    page_date: Found | None = None
    # The header, then the sign-off after the last paragraph: a date on a short line of its own ("2019年3月5日"
    # under a signature) or in a line that states the speech ("（副市长王某2021年3月9日在…上的讲话）"); a date
    # inside a sentence is what the speech talks about. A web page's publication date (发布时间, 今天是…) is the
    # page's, not the speech's: it serves only when the text states no other.
    for s, e, closing in ((0, head, False), (max(closing_start(norm), head), len(norm), True)):
        found = [(m.start(), m, _fmt(m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)))
                 for m in FULL_DATE_RE.finditer(norm, s, e)]
        found += [(m.start(), m, _cn_full_date(m)) for m in CN_DATE_RE.finditer(norm, s, e)]
        for _, m, v in sorted(found, key=lambda x: x[0]):
            ls, le = norm.rfind("\n", 0, m.start()) + 1, norm.find("\n", m.end())
            line = norm[ls:le if le >= 0 else len(norm)].strip()
            if not v or (closing and len(line) > 30 and not SPEECH_NOTE_RE.search(line)):
                continue
            if _PAGE_DATE_LINE.search(line):
                page_date = page_date or Found(v, m.start(), m.end())
                continue
            return Found(v, m.start(), m.end())
    if page_date is not None:
        return page_date
    for m in MONTH_RE.finditer(norm, 0, head):
        if v := _fmt(m.group(1), m.group(2)):
            return Found(v, m.start(), m.end())
    t = normalize(title)
    if m := FULL_DATE_RE.search(t):
        if v := _fmt(m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)):
            return Found(v, -1, -1)
    if m := YEAR_RE.search(t):
        return Found(m.group(1), -1, -1)
    for m in YEAR_RE.finditer(norm, 0, head):
        return Found(m.group(1), m.start(), m.end())
    return None


# -- speaker and role --------------------------------------------------------------------------------------
def _boundary_at(words: list[str], at: int) -> bool:
    pos = 0
    for w in words:
        pos += len(w)
        if pos >= at:
            return pos == at
    return False


def _is_name(name: str, role: str = "") -> bool:
    """A plausible person's name after (or before) a role: no function word or role in it, and the role is a word
    of its own there ("主席团工作" is not 主席 + 团工)."""
    if len(name) < 2 or _NOT_NAME.search(name) or ROLE_RE.search(name):
        return False
    if role:
        seg = _segmenter()
        if not (_boundary_at(seg.lcut(role + name, HMM=False), len(role))
                and _boundary_at(seg.lcut(name + role, HMM=False), len(name))):
            return False
    return True


def is_signature(line: str) -> bool:
    """Whether a (normalised) line is a signature, ``<organisation><role> <name>`` and nothing else."""
    return _signature_in(line, 0, len(line)) is not None


def _signature_in(norm: str, s: int, e: int) -> tuple[Found, Found, str] | None:
    """(speaker, role, organisation) of the first signature line in norm[s:e]."""
    pos = s
    for line in norm[s:e].split("\n"):
        m = SIGNATURE_RE.match(line.strip())
        if m and _is_name(m.group("name"), m.group("role")):
            off = pos + (len(line) - len(line.lstrip()))
            return (Found(m.group("name"), off + m.start("name"), off + m.end("name")),
                    Found(m.group("role"), off + m.start("role"), off + m.end("role")), m.group("org"))
        pos += len(line) + 1
    return None


CLOSING_LINES = 6  # a sign-off block (signature, date) and the page's leftovers after it are a few short lines
_PARAGRAPH_LINE = re.compile(r"^.{41,}$|[。！？!?]$")


def closing_start(norm: str) -> int:
    """Offset where the short lines after a speech's last paragraph begin (its sign-off: a signature, a date; and
    whatever page furniture follows), at most CLOSING_LINES lines from the end."""
    lines = norm.rstrip().split("\n")
    pos = len(norm.rstrip())
    for i, line in enumerate(reversed(lines)):
        if i >= CLOSING_LINES or _PARAGRAPH_LINE.search(line.strip()):
            break
        pos -= len(line) + (1 if i < len(lines) - 1 else 0)
    return max(pos, 0)


def find_speaker(norm: str) -> tuple[Found, Found, str] | None:
    """(speaker, role, organisation before the role) from the header lines, else a signature among the last lines
    (a speech signed at its end: "某某县人民政府副县长 王某某" over the date), else the opening."""
    head = header_end(norm)
    opening = max(head, OPENING_CHARS)
    for s, e, reads_text in ((0, head, True), (max(closing_start(norm), head), len(norm), False),
                             (0, opening, True)):
        if found := _signature_in(norm, s, e):
            return found
        if not reads_text:
            # The end of a speech names people in its sentences too: only a signature line counts there, or a line
            # that states the speech (SPEECH_NOTE_RE: "（副市长王某2021年3月9日在…上的讲话）").
            for m in NOTE_SPEAKER_RE.finditer(norm, s, e):
                le = norm.find("\n", m.end())
                if SPEECH_NOTE_RE.search(norm, m.start(), le if le >= 0 else len(norm)) \
                        and _is_name(m.group("name"), m.group("role")):
                    return (Found(m.group("name"), m.start("name"), m.end("name")),
                            Found(m.group("role"), m.start("role"), m.end("role")), "")
            continue
        for rx in (NAME_ROLE_RE, ROLE_NAME_RE):
            for m in rx.finditer(norm, s, e):
                if _is_name(m.group("name"), m.group("role")):
                    return (Found(m.group("name"), m.start("name"), m.end("name")),
                            Found(m.group("role"), m.start("role"), m.end("role")), "")
    return None


# -- meeting -----------------------------------------------------------------------------------------------
def _meeting_span(norm: str, s: int, e: int) -> tuple[int, int] | None:
    # Drop modifiers before the meeting's name ("高规格、大规模的全县…会议" -> "全县…会议").
    cut = max(norm.rfind("的", s, e - 4), norm.rfind("、", s, e - 4))
    s = cut + 1 if cut >= 0 else s
    if _GENERIC_MEETING.search(norm[s:e]) or e - s < 5:
        return None
    return s, e


def find_meeting(norm: str, title: str = "") -> Found | None:
    """The meeting or occasion: named in the header, the title, or the opening."""
    head = header_end(norm)
    for m in AT_MEETING_RE.finditer(norm, 0, head):
        if sp := _meeting_span(norm, *m.span("m")):
            return Found(norm[sp[0] : sp[1]], *sp)
    t = normalize(title)
    for rx in (AT_MEETING_RE, TITLE_MEETING_RE):
        m = rx.search(t)
        if m and (sp := _meeting_span(t, *m.span("m"))):
            at = norm.find(t[sp[0] : sp[1]])
            # normalisation keeps length: the title's own characters at the same offsets (its script)
            return Found(title[sp[0] : sp[1]], at, at + sp[1] - sp[0]) if at >= 0 else Found(title[sp[0] : sp[1]], -1, -1)
    for m in OPENING_MEETING_RE.finditer(norm, 0, min(len(norm), head + OPENING_CHARS)):
        s, e = m.span("m")
        e += norm.startswith("议", e)  # the lazy match stops at "调度会" in "调度会议"
        if sp := _meeting_span(norm, s, e):
            return Found(norm[sp[0] : sp[1]], *sp)
    return None


# -- place and body ----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """Dictionary part-of-speech tags (jieba's), without running the HMM tagger over the text."""
    from jianggao.indexer.segment import pos_tagger

    _segmenter()  # built first: segment's builders share one non-reentrant lock, and this one builds on it
    return pos_tagger().word_tag_tab


def _tag(word: str) -> str:
    # A word the dictionary has no tag for was cut as one word by the domain dictionary (脱贫攻坚, 控辍保学): a
    # phrase of the domain, a noun phrase for our purposes. Single characters without a tag are unknown.
    return _tags().get(word) or ("nz" if len(word) >= 2 else "x")


def tokens(norm: str) -> list[tuple[str, int]]:
    """(word, start offset) for the text, with the shared segmenter's dictionary cut (no HMM: fast, deterministic)."""
    out, pos = [], 0
    for w in _segmenter().lcut(norm, HMM=False):
        out.append((w, pos))
        pos += len(w)
    return out


def _place_names(toks: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Place names in the text: a dictionary place word ending in a level (紫阳县), or one followed by its level
    (紫阳 + 县); generic words (全县, 本市, 城区) are not places."""
    tags = _tags()
    out = []
    for i, (w, at) in enumerate(toks):
        if len(w) < 2 or _GENERIC_PLACE.search(w):
            continue
        if tags.get(w) == "ns" and _PLACE_TAIL.search(w) and len(w) >= 3:
            out.append((w, at))
        elif tags.get(w) == "ns" and i + 1 < len(toks) and re.fullmatch(rf"[{_LEVELS}]|自治区|自治州|自治县", toks[i + 1][0]):
            out.append((w + toks[i + 1][0], at))
    return out


# Characters that do not begin a place name but stand before one (verbs, prepositions, function words).
_NOT_NAME_START = re.compile(r"[的在是和与及对就都已再又将要还也了着为把被从向等作之其该本我你他们到于给让驻赴派各全举占走开入]")
_NAME_WORD_TAGS = frozenset({"ns", "nr", "nrt", "nz"})
_ONE_CJK = re.compile(rf"[{_CJK}]")


# The dictionary knows the provinces and cities; the names it lacks are of counties, banners, towns and townships.
# (Above them, a run of single characters before 省/市 is an abbreviation: "延包整省试点".)
_UNLISTED_LEVELS = "县旗镇乡"
_ADDRESS_NEXT = re.compile(rf"[{_CJK}]{{2,4}}(?:镇|乡|村|街道|社区)")


def _recurring_names(norm: str, toks: list[tuple[str, int]], level: str) -> list[tuple[str, int]]:
    """Place names the dictionary does not know ("古鲁板蒿镇"): the segmenter cuts an unknown name into single
    characters, so a run of 2-4 such characters (or name words) right before the level character, which the text
    writes at least twice. Ordinary words (重点镇, 贫困地区, 全县) are dictionary words and never form such a run."""
    tags = _tags()
    out: list[tuple[str, int]] = []
    if level not in _UNLISTED_LEVELS:
        return out
    for i, (w, at) in enumerate(toks):
        if w != level:
            continue
        j, size = i, 0
        while j > 0:
            prev = toks[j - 1][0]
            ok = (len(prev) == 1 and not _NOT_NAME_START.match(prev) and prev not in _LEVELS
                  and _ONE_CJK.fullmatch(prev)) or (len(prev) >= 2 and tags.get(prev) in _NAME_WORD_TAGS)
            if not ok or size + len(prev) > 4:
                break
            size += len(prev)
            j -= 1
        if size < 2:
            continue
        start = toks[j][1]
        name = norm[start : at + 1]
        if norm.count(name) >= 2 and not _GENERIC_PLACE.search(name):
            out.append((name, start))
    return out


def _province_of(name: str) -> str | None:
    return name if _PROVINCE_NAMES.match(name) else None


PLACE_IN_TEXT_RE = re.compile(
    rf"(?P<p>[{_CJK}]{{2,10}}?(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市|自治州|县|区|旗|盟))"
)


def find_place(norm: str, toks: list[tuple[str, int]], title: str = "", meeting: Found | None = None) -> Found | None:
    """The place that speaks or is addressed."""
    # 1. The meeting names it: "上海市第十六届人民代表大会", "全省…会议" does not.
    if meeting is not None:
        m = re.match(rf"(?P<p>[{_CJK}]{{2,12}}?(?:维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|自治州|县|区|旗))第",
                     meeting.value)
        if m and not _GENERIC_PLACE.search(m.group("p")):
            s = meeting.start + m.start("p") if meeting.start >= 0 else -1
            return Found(m.group("p"), s, s + len(m.group("p")) if s >= 0 else -1)
    # 2. The title names it (a report titled "<year><province> government work report").
    year = re.match(r"^(?:19|20)\d{2}年", title)
    t = normalize(title)[year.end() if year else 0 :]
    for w, _ in tokens(t)[:3] if t else []:
        if _tags().get(w) == "ns" and not _GENERIC_PLACE.search(w):
            name = w
            full = PLACE_IN_TEXT_RE.match(t[t.find(w):])
            if full and full.group("p").startswith(w) and len(full.group("p")) <= len(w) + 6:
                name = full.group("p")
            at = norm.find(name)
            # A province named short in the title (宁夏) is named in full by the text (宁夏回族自治区).
            longer = PLACE_IN_TEXT_RE.match(norm[at:]) if at >= 0 else None
            if longer and longer.group("p").startswith(name) and len(longer.group("p")) <= len(name) + 6:
                name = longer.group("p")
            return Found(name, at, at + len(name)) if at >= 0 else Found(name, -1, -1)
    # 3. Self-references (我县, 全市 ...) and the place of that level the text names: named in the opening, or
    # more than once and more often than any other of its level (a place named once in passing is elsewhere).
    levels = Counter(m.group(1) for m in SELF_REF_RE.finditer(norm))
    first_person = Counter(m.group(1) for m in FIRST_PERSON_LEVEL_RE.finditer(norm))
    names = _place_names(toks)
    opening = header_end(norm) + OPENING_CHARS // 2
    top_level = levels.most_common(1)[0][1] if levels else 0
    # The meeting's own scope (全市…会议) is the level the speech speaks for, however often it says 全省.
    scope = re.search(rf"全([{_LEVELS}])", meeting.value) if meeting is not None else None
    for level, n in levels.most_common():
        # "我省日照市报告多例病例": a place inside the area the speaker calls ours is one of its parts, not the speaker's.
        of_level = [(w, at) for w, at in names + _recurring_names(norm, toks, level)
                    if w.endswith(level) and not _INSIDE_OURS.search(norm, max(0, at - 2), at)]
        if not of_level:
            continue
        # "<city><town>有3所学校受损": a place followed by one of its towns is an address of something, not the speaker.
        early = sorted((at, w) for w, at in of_level
                       if at < opening and not _ADDRESS_NEXT.match(norm, at + len(w)))
        if early:
            return Found(early[0][1], early[0][0], early[0][0] + len(early[0][1]))
        # The same holds further on: a place written as the address of one of its towns is not counted as the
        # speaker's (a city's report naming a county-level city under it by one of its towns).
        of_level = [(w, at) for w, at in of_level if not _ADDRESS_NEXT.match(norm, at + len(w))]
        if not of_level:
            continue
        if first_person and not first_person[level] and not (scope and scope.group(1) == level):
            # A city that says 我市 and "全省" ("率先在全省…", "我市代表吉林省…") ranks itself within its province: a
            # level never called "ours" while another is, is the area above, and its name is not the speaker's.
            continue
        if n * 2 < top_level and not (scope and scope.group(1) == level):
            # A county speech says 全州/全省 now and then for the area above it; a place of that level it names later
            # is rarely its own (a prefecture named in a reprimand): only levels it speaks for often are counted.
            continue
        count = Counter(w for w, _ in of_level).most_common(2)
        if count[0][1] >= 2 and (len(count) == 1 or count[0][1] > count[1][1]):
            best = count[0][0]
            at = next(at for w, at in of_level if w == best)
            return Found(best, at, at + len(best))
    return None


# A department reporting on its own work at a meeting: "我就民政部门如何完成…任务作简要发言", "下面我就教育局
# 工作作汇报". The organisation is the subject of the report the speaker gives (发言/汇报/表态), the speaker's own.
REPORTS_FOR_RE = re.compile(
    rf"我(?:就|把)(?P<v>[{_CJK}]{{1,12}}?(?:部门|局|委员会|办公室|中心|公司|集团|学校|协会|联合会|系统))"
    rf"[^。!！?？;；\n]{{0,40}}?(?:作|做)了?(?:一个|一下|简要|简短|个)?的?(?:发言|汇报|表态发言|表态)"
)
SELF_INTRO_RE = re.compile(
    rf"(?:我是|我们是|作为)(?P<v>[{_CJK}*x]{{0,10}}?(?:派出所|公司|集团|局|厅|办公室|中心|学校|医院|协会|委员会))[,，。]"
)
_ORG_TAIL = re.compile(r"(?:联|协会|学会|公司|集团|委员会|银行|大学|学院)$")
_SUPERIOR_BODY = re.compile(r"^(?:党中央|中共中央|国务院|全国人大|全国政协|中央)")


def _organ_of_meeting(meeting: Found) -> Found | None:
    """The organisation whose meeting it is, when the meeting's name opens with one ("民政厅…专题会", "中国残联
    改革工作部署会"); a bare level (省委…会议) names who convened it, not the speaker's body."""
    if meeting.start < 0:
        return None
    first = _segmenter().lcut(normalize(meeting.value), HMM=False)[0]
    if len(first) >= 3 and (_tags().get(first) == "nt" or _ORG_TAIL.search(first)) and not _BARE_LEVEL.match(first) \
            and not _SUPERIOR_BODY.match(first):
        return Found(first, meeting.start, meeting.start + len(first))
    return None


def _organ_self_reference(toks: list[tuple[str, int]]) -> Found | None:
    """"局里" / "我局" / "本厅" as words + the one organ of that kind the text names ("教育局")."""
    kinds = Counter()
    for i, (w, _) in enumerate(toks):
        if w[:1] in _ORGAN_KINDS and w[1:] == "里":
            kinds[w[0]] += 1
        elif w in ("我", "本") and i + 1 < len(toks) and toks[i + 1][0] in _ORGAN_KINDS:
            kinds[toks[i + 1][0]] += 1
    for kind, _n in kinds.most_common():
        named = Counter(w for w, _ in toks if len(w) >= 3 and w.endswith(kind) and _tags().get(w) in ("n", "nt")
                        and not _SUPERIOR_BODY.match(w))
        top = named.most_common(2)
        if top and (len(top) == 1 or top[0][1] > top[1][1]):
            at = next(at for w, at in toks if w == top[0][0])
            return Found(top[0][0], at, at + len(top[0][0]))
    return None


# Parts of speech that never stand inside an organisation's name: pronouns and demonstratives (这次), time words
# (今年), particles (的), prepositions, conjunctions, adverbs, numerals, measure words, locatives.
_NOT_IN_ORG_NAME = frozenset({"r", "t", "u", "p", "c", "d", "m", "q", "f", "y", "e", "o"})


def _names_an_organisation(v: str) -> bool:
    """Whether a phrase ending in an organisation's kind is a name (民政部门, 县教育局), not a phrase that happens to
    end so (今年的中心 of 中心工作, 这次会议中心), a scope (全县…, 各…) or a bare level or superior body."""
    if _BARE_LEVEL.match(v) or _SUPERIOR_BODY.match(v) or re.match(r"^[全各本该]", v):
        return False
    return not any(_tags().get(w) in _NOT_IN_ORG_NAME for w in _segmenter().lcut(v, HMM=False))


_QUOTED_RE = re.compile(r"“[^“”\n]{1,30}”|「[^「」\n]{1,30}」|\"[^\"\n]{1,30}\"")


def _quoted_spans(norm: str) -> list[tuple[int, int]]:
    """Short quoted stretches (a name, a slogan): (start, end) offsets."""
    return [m.span() for m in _QUOTED_RE.finditer(norm)]


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    return any(s < at < e for s, e in spans)


def find_body(norm: str, toks: list[tuple[str, int]], org: str = "", place: Found | None = None,
              meeting: Found | None = None) -> Found | None:
    """The organisation: "我代表上海市人民政府" (a bare "省人民政府" takes the place's name), else the organisation
    before the speaker's role in the header, the organisation whose meeting it is, the organ the speaker calls
    their own (局里 + 教育局), the organisation the speech keeps naming, the level it speaks for."""
    # "我代表教育局向…表示感谢" is first person wherever it stands (thanks often come at the end).
    m = BODY_RE.search(norm, 0, min(len(norm), TOKEN_SCOPE))
    if m:
        v = m.group("v")
        if place is not None and re.match(rf"^[{_LEVELS}]?(?:人民)?政府$", v):
            # "我代表省人民政府" in 云南省's report: 云南省人民政府 (a value composed from two read fields)
            return Found(place.value + v.lstrip(_LEVELS), m.start("v"), m.end("v"))
        if len(v) >= 3 and not _BARE_LEVEL.match(v):
            return Found(v, m.start("v"), m.end("v"))
    if org and len(org) >= 4:
        at = norm.find(org)
        return Found(org, at, at + len(org)) if at >= 0 else Found(org, -1, -1)
    m = REPORTS_FOR_RE.search(norm, 0, min(len(norm), header_end(norm) + OPENING_CHARS))
    if m and _names_an_organisation(m.group("v")):
        return Found(m.group("v"), m.start("v"), m.end("v"))
    # An organisation the speech keeps naming (中国残联, 集团公司), not a superior body it reports to.
    tags = _tags()
    # The speaker introducing the body they speak for: "我是**派出所", "我们集团公司".
    m = SELF_INTRO_RE.search(norm, 0, min(len(norm), header_end(norm) + OPENING_CHARS))
    if m:
        return Found(m.group("v"), m.start("v"), m.end("v"))
    if meeting is not None and (f := _organ_of_meeting(meeting)):
        return f
    if f := _organ_self_reference(toks):
        return f
    levels = Counter(m.group(1) for m in SELF_REF_RE.finditer(norm))
    first_person = Counter(m.group(1) for m in FIRST_PERSON_LEVEL_RE.finditer(norm))
    # A name in quotation marks is cited, not spoken for: a speaker presents another organisation by its full
    # name in quotes (代表“…公司”向大家介绍), while their own is named plainly, again and again.
    quoted = _quoted_spans(norm)
    orgs = Counter(w for w, at in toks if (tags.get(w) == "nt" or w.endswith(("公司", "集团"))) and len(w) >= 3
                   and _ORG_TAIL.search(w) and not _SUPERIOR_BODY.match(w) and not _inside(quoted, at))
    if orgs:
        w, n = orgs.most_common(1)[0]
        if n >= 2:
            at = norm.find(w)
            return Found(w, at, at + len(w))
    # The level the speech speaks for (我县 / 全县 ...) and its organs as the text names them: "县委、县政府".
    if levels:
        level, n = levels.most_common(1)[0]
        # The committee as the text writes it: 县委, or 镇党委 ("根据镇党委、政府的意见").
        committee = next((o for o in (f"{level}委", f"{level}党委") if o in norm), None)
        organs = [o for o in (committee, f"{level}政府") if o and o in norm]
        if n >= 2 and organs:
            at = norm.find(organs[0])
            return Found("、".join(organs), at, at + len(organs[0]))
        # No organ of that level is named, but the speaker calls the level theirs more than once ("我区水土流失
        # 面积…", "抵达我市后"): the body is of that level, its name unstated. Said so, not guessed.
        if first_person[level] >= 2:
            at = next(m.start() for m in FIRST_PERSON_LEVEL_RE.finditer(norm) if m.group(1) == level)
            return Found(f"{level}{UNNAMED}", at, at + 2)
        # The speech names one level only, as its own scope or first person (全县 / 我县), never another: a short
        # speech ("推动全县农业再上台阶") may say it once, and that once is all the text says of the level it
        # speaks at. 本县 alone is not enough (it also means "each county's own"), nor a template that leaves the
        # speaker's own level blank elsewhere ("我省和我------的工作": its one stated level may be the area above),
        # nor a speech whose place was read (北京市 saying 全省 once speaks for the city).
        if (place is None and len(levels) == 1 and re.search(f"[全我]{level}", norm)
                and not _BLANK_SELF.search(norm)):
            at = next(m.start() for m in SELF_REF_RE.finditer(norm) if m.group(1) == level)
            return Found(f"{level}{UNNAMED}", at, at + 2)
    return None


# -- topics ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float, float]:
    from jianggao.indexer.segment import keyword_extractor

    _segmenter()  # built first (see _tags)
    ex = keyword_extractor()
    table = ex.idf_freq
    values = sorted(table.values())
    floor = values[int(len(values) * GENERIC_IDF_PERCENTILE / 100)]
    return table, ex.median_idf, floor


class TopicTerms(NamedTuple):
    tf: Counter[str]  # how often the speech says each word that may be a topic
    first: dict[str, int]  # where it says it first


def topic_terms(toks: Iterable[tuple[str, int]]) -> TopicTerms:
    """The words of a speech that may be topics (a noun-like dictionary tag, not a stop word, not in the commonest
    1% of jieba's IDF table, not a self-reference), with their counts and first offsets."""
    from jianggao.indexer.segment import stopwords

    stop = stopwords()
    idf, median, floor = _idf()
    tf: Counter[str] = Counter()
    first: dict[str, int] = {}
    for w, at in toks:
        if len(w) < 2 or not re.fullmatch(rf"[{_CJK}]+", w):
            continue
        if _tag(w) not in TOPIC_POS or w in stop:
            continue
        if idf.get(w, median) < floor or _NOT_TOPIC.search(w):
            continue
        tf[w] += 1
        first.setdefault(w, at)
    return TopicTerms(tf, first)


def _compound_part(word: str) -> bool:
    """Whether a word may be part of a joined topic (疫情 + 防控): not an organisation (民政厅 + 脱贫攻坚 says who
    works on the topic, not what it is)."""
    return _tag(word) != "nt"


def topic_words(toks: Iterable[tuple[str, int]], norm: str, k: int = 6) -> list[tuple[str, int]]:
    """The speech's topical words (TF-IDF over jieba's IDF), as (word, first offset); compounds that the text
    always writes together (脱贫 + 攻坚) are joined."""
    return pick_topics(topic_terms(toks), norm, k)


def pick_topics(terms: TopicTerms, norm: str, k: int = 6,
                library_weight: Callable[[str], float] | None = None) -> list[tuple[str, int]]:
    """``topic_words`` from the speech's ``topic_terms``, each word's TF-IDF times its ``library_weight`` when
    given (``library_topics``); a word weighed 0 is no topic."""
    idf, median, _ = _idf()
    tf, first = terms
    weight = library_weight or (lambda w: 1.0)
    score = {w: n * idf.get(w, median) * weight(w) for w, n in tf.items()}
    scored = sorted((w for w in tf if score[w] > 0), key=lambda w: (-score[w], first[w]))[: k * 3]
    out: list[str] = []
    used: set[str] = set()
    for w in scored:
        if w in used:
            continue
        joined = None
        for other in scored:
            if other in used or other == w or not (_compound_part(w) and _compound_part(other)):
                continue
            for pair in (w + other, other + w):
                n = norm.count(pair)
                if n >= 2 and n >= 0.5 * min(tf[w], tf[other]):
                    joined = pair
                    break
            if joined:
                used.add(other)
                break
        used.add(w)
        if joined is None and _tag(w) == "vn":
            continue  # an action alone (深化, 培育) is no topic; inside a compound (疫情防控) it is
        if (joined or w) in out:
            continue  # a compound joined from two words (疫情 + 防控) can also be a word of its own
        out.append(joined or w)
        if len(out) >= k:
            break
    return [(w, norm.find(w)) for w in out]


# -- titles ------------------------------------------------------------------------------------------------
def label_fits(label_norm: str, body_norm: str, threshold: float = 0.6) -> bool:
    """Whether a page/篇 label describes this speech: its specific words (IDF-weighted) mostly recur in the body
    (at least twice each)."""
    idf, median, floor = _idf()
    words = {
        w for w in _segmenter().lcut(label_norm)
        if len(w) >= 2 and re.fullmatch(rf"[{_CJK}]+", w) and idf.get(w, median) >= floor
        and _tag(w) not in ("p", "u", "r", "c", "f", "m", "q")
    }
    if not words:
        return True
    total = sum(idf.get(w, median) for w in words)
    present = sum(idf.get(w, median) for w in words if body_norm.count(w) >= 2)
    return present >= threshold * total


def _shown(text: str, f: Found | None) -> str | None:
    """A field as displayed: the text's own characters where it was read from the text (original script)."""
    if f is None:
        return None
    return text[f.start : f.end] if f.start >= 0 else f.value


def generated_title(text: str, norm: str, meta: SpeechMeta) -> str:
    """A title from the content, in the speech's own script: the meeting, else place/speaker and main topics."""
    trad = is_traditional(text, norm)
    at, on, about = ("在", "上的講話", "關於") if trad else ("在", "上的讲话", "关于")
    if meta.meeting:
        return f"{at}{meta.meeting}{on}"
    topics = "、".join(meta.topics[:2]) if meta.topics else text[:12]
    who = meta.place or ""
    return f"{who}{about}{topics}{on[1:]}"


def choose_title(text: str, norm: str, meta: SpeechMeta, title_line: str, page_title: str) -> str:
    """The speech's title: its own title line (the caller passes it only when it is the speech's own: a one-speech
    document's first line, a headline, a page label that fits the body), else the page title when it fits, else
    a title generated from its identity."""
    if title_line:
        return title_line
    if not title_line and page_title and label_fits(normalize(page_title), norm):
        return page_title
    return generated_title(text, norm, meta)


# -- the whole record --------------------------------------------------------------------------------------
def identify(text: str, norm: str | None = None, title_line: str = "", page_title: str = "") -> SpeechMeta:
    """Every identity field the text states, with its span (offsets into ``text``)."""
    norm = normalize(text) if norm is None else norm
    # Words are read from the first TOKEN_SCOPE characters only: a report is ~20-30k characters, and a word list of
    # a whole huge file would take ~60 bytes a character (places and topics are stated early and often anyway).
    toks = tokens(norm[:TOKEN_SCOPE])
    spans: dict[str, tuple[int, int]] = {}
    title = title_line or ""

    def keep(name: str, f: Found | None) -> str | None:
        if f is not None and f.start >= 0:
            spans[name] = (f.start, f.end)
        if f is not None and f.start >= 0 and norm[f.start : f.end] != f.value:
            return f.value  # composed from two read fields (云南省 + 人民政府): the span shows where it was read
        return _shown(text, f)

    date = find_date(norm, title)
    who = find_speaker(norm)
    meeting = find_meeting(norm, title)
    place = find_place(norm, toks, title, meeting)
    body = find_body(norm, toks, who[2] if who else "", place, meeting)
    origin = SOURCE_RE.search(norm, 0, min(len(norm), header_end(norm) + 200))
    terms = topic_terms(toks)
    _remember_terms(norm, terms)
    topics = pick_topics(terms, norm)
    if topics:
        w, at = topics[0]
        spans["topics"] = (at, at + len(w))
    meta = SpeechMeta(
        date=date.value if date else None,
        place=keep("place", place),
        speaker=keep("speaker", who[0] if who else None),
        role=keep("role", who[1] if who else None),
        body=keep("body", body),
        meeting=keep("meeting", meeting),
        origin=keep("origin", Found(origin.group("v"), *origin.span("v")) if origin else None),
        topics=tuple(text[at : at + len(w)] if at >= 0 else w for w, at in topics),
        spans=spans,
    )
    if date is not None and date.start >= 0:
        spans["date"] = (date.start, date.end)
    return meta


# -- labels and library-wide titles ------------------------------------------------------------------------
def _short_meeting(meeting: str | None, place: str | None) -> str | None:
    if not meeting:
        return None
    if place and meeting.startswith(place):
        meeting = meeting[len(place) :]
    return meeting


def speech_label(speech: Speech) -> str:
    """A short label that tells a speech apart: "紫阳县 · 脱贫攻坚工作会议", "上海市 · 2025-01-15 · 龚正";
    the title when the text states none of these."""
    m = getattr(speech, "meta", None) or SpeechMeta()
    where = getattr(m, "place", None) or getattr(m, "body", None)
    parts = [where, _short_meeting(getattr(m, "meeting", None), where) if not m.date or not m.speaker else None,
             getattr(m, "date", None), getattr(m, "speaker", None)]
    parts = [p for p in parts if p]
    if len(parts) < 2 and speech.title:
        # A generated title opens with the place already ("古鲁板蒿镇关于…的讲话"): it is not said twice.
        parts = ([where] if where and where not in speech.title else []) + [speech.title]
    return " · ".join(parts[:3]) if parts else speech.title


# The topic terms of the speeches identified last (by their normalised text), so that ranking them against the
# library right after does not cut them into words again; kept for a bounded number of speeches (a build of more
# cuts the oldest again).
_TERMS_KEPT = 512
_terms_memo: "OrderedDict[str, TopicTerms]" = OrderedDict()
_terms_lock = threading.Lock()


def _remember_terms(norm: str, terms: TopicTerms) -> None:
    with _terms_lock:
        _terms_memo[norm] = terms
        _terms_memo.move_to_end(norm)
        while len(_terms_memo) > _TERMS_KEPT:
            _terms_memo.popitem(last=False)


def _recalled_terms(norm: str) -> TopicTerms | None:
    with _terms_lock:
        return _terms_memo.get(norm)


def library_topics(speeches: Sequence[Speech], k: int = 6) -> None:
    """Each speech's topics ranked against the speeches indexed with it (in place; ``speeches``: those identified
    in one run, a whole library when it is built): a word that most of them also treat (深化, 高质量 in every
    government work report) tells none of them apart. Each word's TF-IDF is weighed by its smoothed inverse
    document frequency among the N distinct speeches, ln((1+N)/(1+df)) + 1
    (scikit-learn's smooth idf), and a word that more than half of them say is no topic of any one (from three
    speeches on: of two, "most" is both). With one distinct speech the topics are those ``identify`` gave."""
    distinct = [s for s in speeches if not s.canonical_id]
    if len(distinct) < 2:
        return
    terms = {s.id: _recalled_terms(s.norm) or topic_terms(tokens(s.norm[:TOKEN_SCOPE])) for s in speeches}
    df = Counter(w for s in distinct for w in terms[s.id].tf)
    n = len(distinct)

    def weight(w: str) -> float:
        if n >= 3 and df[w] * 2 > n:
            return 0.0  # most of the library treats it: a theme of the library, not of this speech
        return math.log((1 + n) / (1 + df[w])) + 1

    for s in speeches:
        topics = pick_topics(terms[s.id], s.norm, k, weight)
        spans = {f: v for f, v in s.meta.spans.items() if f != "topics"}
        if topics and topics[0][1] >= 0:
            spans["topics"] = (topics[0][1], topics[0][1] + len(topics[0][0]))
        s.meta = replace(s.meta, topics=tuple(s.text[at : at + len(w)] if at >= 0 else w for w, at in topics),
                         spans=spans)


def disambiguate_titles(speeches: Sequence[Speech], others: Collection[str] = ()) -> None:
    """Make the titles of distinct speeches unique (in place): a title shared by several gets what separates
    them (place, meeting, date, speaker), and a running number as the last resort. Copies of a speech take their
    canonical speech's title. Starts from ``meta.base_title`` every time, so it can be run again.

    ``others``: titles of speeches outside ``speeches`` that stay as they are (the rest of a segmented library,
    when a batch is added to it); a title of the batch that one of them already holds is told apart too."""
    for s in speeches:
        if s.meta.base_title is None:
            s.meta = replace(s.meta, base_title=s.title)
        s.title = s.meta.base_title or s.title
    distinct = [s for s in speeches if s.canonical_id is None]
    groups: dict[str, list[Speech]] = {}
    for s in distinct:
        groups.setdefault(normalize(s.title), []).append(s)
    held = {normalize(t) for t in others}
    taken = {k for k, g in groups.items() if len(g) == 1 and k not in held} | held
    for key, group in groups.items():
        if len(group) == 1 and key not in held:
            continue
        # Only what varies inside the group separates its speeches (five "县委" say nothing); speeches whose title
        # the library already holds are told apart from it by whatever they know of themselves.
        columns = [[a(s.meta) for s in group] for a in _SEPARATORS]
        columns = [c for c in columns if len({normalize(v) for v in c if v}) >= (1 if key in held else 2)]
        for i, s in enumerate(group):
            # A value's own brackets ("区（未具名）") are flattened inside the title's bracket: "（区，未具名）".
            extra = [re.sub(r"（(.*)）$", r"，\1", c[i]) for c in columns if c[i] and normalize(c[i]) not in key][:2]
            s.title = f"{s.title}（{' · '.join(extra)}）" if extra else s.title
        counts = Counter(normalize(s.title) for s in group)
        n = Counter({k: 1 for k in counts if k in held})  # the library's speech of that title counts as the first
        for s in group:
            k = normalize(s.title)
            if counts[k] > 1 or k in taken:
                base = s.title
                while True:  # past numbers the library may already hold ("…（之二）" from an earlier batch)
                    n[k] += 1
                    s.title = f"{base}（{'之' + _cn_number(n[k])}）"
                    if normalize(s.title) not in taken:
                        break
            taken.add(normalize(s.title))
    by_id = {s.id: s for s in speeches}
    for s in speeches:
        if s.canonical_id and s.canonical_id in by_id:
            s.title = by_id[s.canonical_id].title


_SEPARATORS = (
    lambda m: m.place or m.body,
    lambda m: m.meeting,
    lambda m: m.date,
    lambda m: m.speaker,
)


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return str(n)
