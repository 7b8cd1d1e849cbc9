"""Clean the text of scraped speech pages (template "范文" sites, government news pages).

All functions are pure functions on text. ``clean_text`` runs the whole pipeline, in this order:

1. ``strip_html``: tags, comments, script/style blocks, entities, list bullets left over by the markup.
2. ``strip_pinyin``: ``務(wù)`` annotations, the truncated ones at a cut line end (``現(xi�``) and the
   tails that mojibake left without their opening bracket (``?shù)``).
3. Junk characters: U+FFFD, private-use code points, zero-width and control characters, and the ``?``
   a misaligned GBK decoding leaves behind (``??偨Y``, ``當?地``; a real ``怎么办?`` stays).
4. Site chrome, line by line (``DROP_LINE_PATTERNS``): spam keyword lists, breadcrumbs, view counts,
   upload stamps, font-size widgets, editor credits, footers, share links, related-links headers,
   pagination debris; and watermarks pasted into sentences (``INLINE_PATTERNS``).
5. ``join_broken_lines``: words the scraper put on lines of their own, each with a spurious ``。``.
6. Site introductions (``INTRO_STRONG`` / ``INTRO_WEAK``): ``下面是小编为大家整理的…``, ``仅供参考`` ...
7. Tidy: lines stripped (spaces, U+3000, NBSP), no tabs, one ``\\n`` between paragraphs.

Detection runs on ``normalize(line)`` (Simplified, half-width, lower-case), so each pattern is written
once, in Simplified, and still matches Traditional pages; normalisation keeps length, so a span found
in the normalised line is the same span of the original line.

The speech splitter needs title lines (``…讲话 篇1``), salutations (``同志们:``), closings
(``谢谢大家!``), dates and ``来源:`` lines: none of the patterns touch them. Everything here errs on
the side of keeping text: a pattern matches site chrome, never a sentence a speaker could have said.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Callable

from jianggao.indexer.extractors import strip_markup
from jianggao.indexer.normalize import normalize

log = logging.getLogger(__name__)

# CJK ideographs: extension A, the basic block, compatibility ideographs, the astral extensions.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACES = " \t\u00a0\u3000\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
_SPACE_CHARS = re.escape(_SPACES)  # for character classes
_STRIP = _SPACES

# Phrases of site boilerplate that must never be left in a cleaned speech (the corpus tests check every speech
# for them). General marks of template/news sites, not sentences of any page; both scripts are listed because
# the check is on the displayed text. A site's one-off introduction paragraph is not listed here: the splitter
# drops it by its position (untitled text before a page's first speech; see jianggao.indexer.splitting).
BOILERPLATE_MARKERS: tuple[str, ...] = (
    "小编", "小編",
    "仅供参考", "僅供參考",
    "希望对大家有所帮助", "希望對大家有所幫助",
    "隐藏内容", "隱藏內容",
    "责任编辑", "責任編輯",
    "主办单位:", "主辦單位:",
    "运行维护单位", "運行維護單位",
    "页,当前第", "頁,當前第",
    "位置:首页",
    "相关范文推荐", "猜您喜欢",
    "http://", "https://", "www.",
    "中文字幕", "在线观看", "免费视频",
)

# ---------------------------------------------------------------------------------------------------
# 1. HTML
# ---------------------------------------------------------------------------------------------------

# A line that is nothing but a list marker the tags were hanging from: "  • ", "1. ", "2、".
_LIST_DEBRIS = re.compile(rf"^[{_SPACE_CHARS}]*(?:\d{{1,3}}[.、)]|[•·●▪◦■◆◇►▶*-])[{_SPACE_CHARS}]*$", re.M)
# A bullet glyph in front of a content line ("  •   2月25日上午,…"): the glyph goes, the text stays.
_LEADING_BULLET = re.compile(rf"^[{_SPACE_CHARS}]*[•●▪◦■◆◇►▶]+[{_SPACE_CHARS}]*", re.M)


def strip_html(text: str) -> str:
    """Turn stray HTML into text (tags, comments and script/style blocks go, entities are unescaped, block tags
    break lines: ``jianggao.indexer.extractors.strip_markup``, the loaders' HTML path), then drop list-marker debris."""
    text = strip_markup(text)
    text = _LIST_DEBRIS.sub("", text)
    return _LEADING_BULLET.sub("", text)


# ---------------------------------------------------------------------------------------------------
# 2. Pinyin annotations
# ---------------------------------------------------------------------------------------------------

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PY_LETTER = f"a-zü{_TONED}"
# One pinyin syllable carrying a tone mark (the sites annotate no neutral tones), e.g. wù, xiàn, lǜ.
_SYLLABLE = rf"(?=[{_PY_LETTER}]*[{_TONED}])(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?[aeiouü{_TONED}]{{1,4}}(?:ng|n|r)?"
_ANNOTATION = re.compile(
    # After a CJK (or private-use / replacement) character: 務(wù), 務（wù）.
    rf"(?:(?<=[{_CJK}\ue000-\uf8ff\ufffd])"
    # After one ASCII character that mojibake made of a byte between two CJK ones: 到y(tǒng) - it goes too.
    rf"|(?<=[^\x00-\x7f])[A-Za-z^])"
    rf"[(（]{_SYLLABLE}[)）]"
)
# A line cut inside an annotation: 現(xi� or 現(xi at the end of the line.
_TRUNCATED_ANNOTATION = re.compile(rf"(?<=[{_CJK}])[(（][{_PY_LETTER}]{{1,7}}(?:\ufffd+|$)", re.M)
# An annotation whose opening bracket mojibake swallowed: 當?shù)攸h.
_ORPHAN_ANNOTATION = re.compile(rf"(?<=[^\x00-\x7f?]|\?)(?<![(（]){_SYLLABLE}[)）]")


def strip_pinyin(text: str) -> str:
    """Remove ``(pinyin)`` annotations after characters: ``務(wù)`` -> ``務``.

    Only a single tone-marked syllable in brackets right after a CJK character counts, so ``(精选5篇)``,
    ``(一)``, ``(n95)`` or ``(a)`` stay.
    """
    if "(" not in text and "（" not in text and ")" not in text and "）" not in text:
        return text
    text = _ANNOTATION.sub("", text)
    text = _TRUNCATED_ANNOTATION.sub("", text)
    return _ORPHAN_ANNOTATION.sub("", text)


# ---------------------------------------------------------------------------------------------------
# 3. Junk characters and mojibake
# ---------------------------------------------------------------------------------------------------

# Replacement character, private use (mojibake lands there), zero-width and control characters.
_JUNK_CHARS = re.compile(
    "[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\u200b-\u200f\u2028\u2029\u2060\ufeff"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
# Some sites sprinkle backticks into the text against copying ("对学校的`关爱").
_BACKTICK = re.compile(r"(?<=[^\x00-\x7f])`+|`+(?=[^\x00-\x7f])")
_PUA_IN_NUMBER = re.compile(r"(?<=\d)[\ue000-\uf8ff](?=\d)")
# Two or more "?" touching a CJK-page character: bytes a misaligned GBK decoding could not map.
_QUESTION_RUN = re.compile(r"(?<=[^\x00-\x7f])\?{2,}|\?{2,}(?=[^\x00-\x7f])")
_LONE_QUESTION = re.compile(r"(?<=[^\x00-\x7f])\?")
# A clause that really asks something: question particles and words, A-not-A (对不对, 是不是).
_QUESTION_WORDS = re.compile(
    r"[吗嗎呢么麼哪谁誰几幾怎啥咋岂豈]|为何|為何|如何|何[时時处處地种種以]|多少|是否|能否|可否|难道|難道"
    r"|(.)[不没沒]\1"
)
_CLAUSE_END = re.compile(r"[。！!？?，,；;：:\n]")


def _keep_question_mark(text: str, at: int) -> bool:
    start = at
    while start > 0 and at - start < 60 and not _CLAUSE_END.match(text, start - 1):
        start -= 1
    return bool(_QUESTION_WORDS.search(text, start, at))


def remove_junk(text: str) -> str:
    """Drop U+FFFD, private-use and control characters and the ``?`` of GBK mojibake; keep real questions."""
    # Between two digits a private-use character stands for the decimal point the page's font drew
    # there ("47\ue0106%" is 47.6%); dropping it would silently make the number 476.
    text = _PUA_IN_NUMBER.sub(".", text)
    text = _JUNK_CHARS.sub("", text)
    text = _BACKTICK.sub("", text)
    if "?" not in text:
        return text
    text = _QUESTION_RUN.sub("", text)
    return _LONE_QUESTION.sub(lambda m: "?" if _keep_question_mark(m.string, m.start()) else "", text)


# ---------------------------------------------------------------------------------------------------
# 4. Site chrome, line by line
# ---------------------------------------------------------------------------------------------------

# Whole lines that are site chrome. Each is searched in the normalised, stripped line (Simplified,
# half-width punctuation, lower-case), so "字號:" and "【字体：" both meet the pattern for "字号/字体:".
DROP_LINE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?!.*(?:讲话|发言|致辞|讲稿|报告))[\u4e00-\u9fff]{2,4}(?:范文网?|文库|文档网?)$"),  # site name: 天天范文
    re.compile(r"^[\u4e00-\u9fff]{2,10}(?:网|网站|在线|频道)$"),  # a site's name on its own line: 中国政府网, 文秘资源网
    re.compile(r"^(?:[【\[(]?\s*)?(?:https?://|www\.)\S+\s*[】\])]?$"),  # a bare address line
    re.compile(r"^(?:当前)?位置\s*:|首页\s*[>»›/]"),  # breadcrumb: 位置:首页 > 演讲稿 > 发言稿
    re.compile(r"^[\u4e00-\u9fff]{0,8}\s*\d+(?:\.\d+)?\s*[wk万]\+?$"),  # category + view count: 发言稿3.23W
    re.compile(r"^(?=.{0,60}$).*\d{1,2}:\d{2}.*作者\s*:"),  # upload stamp: 时间:2023-11-15 05:46:24 作者:HT书生
    re.compile(r"^[【\[]?(?:字号|字体)\s*:"),  # font-size widget: 字號: / 【字体:大 中 小】
    re.compile(r"^(?:责任编辑|编辑|审核|校对)\s*:.{0,24}$"),  # editor credit: 责任编辑: 刘怡
    re.compile(r"^(?=.{0,24}$)(?:扫一扫|用?手机扫(?:一扫|码)|扫描二维码|微信扫码)"),  # QR prompt: 扫一扫在手机打开当前页
    re.compile(r"^(?:主办单位|承办单位|协办单位|运行维护单位|技术支持|网站标识码|备案号)\s*:"),  # footer credits
    re.compile(r"^(?=.{0,60}$)(?:.*(?:icp备|公网安备|copyright|©)|\s*版权所有)"),  # footer legal line
    re.compile(r"^[(【\[]?版权归.{0,30}所有.{0,30}$"),  # watermark line: 版权归原作者所有
    re.compile(r"^[(【\[]?(?:版权声明|免责声明|声明)\s*:.{0,120}$"),  # copyright / disclaimer notes
    re.compile(r"^[(【\[]?(?:如有侵权|若有侵权|转载请|未经授权|本站|本网).{0,60}$"),  # site notes: 如有侵权请联系删除
    # share / app / print links: 微信, 微博, 客户端, 头条号, 手机版 电脑版, 【打印】【关闭】
    re.compile(
        r"^(?:[【\[]?(?:微信|微博|客户端|头条号|抖音号?|手机版|电脑版|移动版|打印|关闭|收藏|分享到?|"
        r"返回顶部|打印本页|关闭窗口)[】\]]?\s*)+$"
    ),
    re.compile(r"^(?:上一篇|下一篇|上一页|下一页)"),  # prev/next links
    re.compile(r"^[【\[]?(?:本文地址|本文链接|原文地址|原文链接|转载请注明)"),  # 【本文地址:http://…】
    re.compile(r"^(?:相关|热门|推荐|延伸|更多|猜你|猜您)[\u4e00-\u9fff]{0,6}(?:推荐|喜欢|阅读|文章|范文|专题)$"),
    # pagination debris: "共", "2", "页", "页,当前第。", "第2页", "共3页"
    re.compile(r"^(?:共\s*\d*\s*页?|页|首页|尾页|末页|第\s*\d+\s*页|页\s*,?\s*当前第\s*\d*\s*页?[。.]?|\d{1,3})$"),
)

# Chrome, title, label and header lines are short (the longest chrome line in the seed pages has 52
# characters). A longer line is content even when a breadcrumb, page title or date appears in it: it is a page
# saved without line breaks, and dropping it (here) or taking it for a header (jianggao.indexer.splitting) would lose
# the whole page.
MAX_SHORT_LINE = 200

# Watermarks pasted into a sentence; the match is cut out and the sentence around it stays. General shapes, each
# naming a site (…网/站/库) or the reader's screen: an ownership claim (本资料权属…网, 版权归…网), an instruction to
# the reader (放上鼠标…查看…网, 点击…查看), a paywall marker (当前隐藏内容免费查看), an address (http://…, www.…).
_SITE = r"[^\s,。!?;:]{2,12}?(?:网|站|库)"
INLINE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:当前)?隐藏内容\s*(?:免费|付费)?\s*查看"),
    # the claim and the instruction around one site name, the name repeated: 本资料权属X网放上鼠标按照提示查看X网
    re.compile(rf"(?:本资料|本文|资料)?(?:权属|版权归|版权属于)({_SITE})(?:所有)?\S{{0,4}}?鼠标\S{{0,10}}?查看\1"),
    re.compile(rf"(?:本资料|本文|资料)?(?:权属|版权归|版权属于){_SITE}(?:所有)?"),
    re.compile(rf"(?:放上|移动|点击)鼠标\S{{0,10}}?查看(?:{_SITE})?"),
    re.compile(r"(?:https?://|www\.)[a-z0-9./?=&_%#-]+"),
)
# Lines the paywall marker opens continue the previous line (it was cut there to insert the marker).
_CONTINUES_PREVIOUS = re.compile(r"^(?:当前)?隐藏内容")

# A comma-separated list of porn/video spam keywords heads some pages; these words never come 4 at a time
# in a sentence-less line of a speech.
_SPAM_WORDS = (
    "免费", "视频", "在线观看", "中文字幕", "亚洲", "日韩", "欧美", "国产", "动漫", "一区", "二区", "无码",
    "有码", "乱码", "午夜", "成人", "久久", "高清", "伦理", "福利", "精品", "av",
)

_TERMINAL = "。!?;:…”」』)】.！？；：）"


def _is_spam(norm_line: str) -> bool:
    return "。" not in norm_line and sum(w in norm_line for w in _SPAM_WORDS) >= 4


_SPACE_RUN = re.compile(f"[{_SPACE_CHARS}]+")


def _tidy_line(line: str) -> str:
    """Tabs, NBSP, U+3000 and runs of spaces become one space; the ends are stripped."""
    return _SPACE_RUN.sub(" ", line).strip(_STRIP)


def _delete_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out, pos = [], 0
    for s, e in sorted(spans):
        if s >= pos:
            out.append(text[pos:s])
            pos = e
        elif e > pos:
            pos = e
    out.append(text[pos:])
    return "".join(out)


def drop_site_chrome(text: str, norm_line: Callable[[str], str] = normalize) -> str:
    """Drop lines of site chrome (``DROP_LINE_PATTERNS``, spam lists) and cut inline watermarks out."""
    out: list[str] = []
    for raw_line in text.split("\n"):
        line = _tidy_line(raw_line)
        if not line:
            out.append("")
            continue
        norm = norm_line(line)
        if _is_spam(norm) or (len(norm) <= MAX_SHORT_LINE and any(p.search(norm) for p in DROP_LINE_PATTERNS)):
            continue
        spans = [m.span() for p in INLINE_PATTERNS for m in p.finditer(norm)]
        if spans:
            joins_previous = bool(_CONTINUES_PREVIOUS.match(norm))
            line = _tidy_line(_delete_spans(line, spans))
            prev = next((i for i in range(len(out) - 1, -1, -1) if out[i]), None)
            if joins_previous and prev is not None and not out[prev].endswith(tuple(_TERMINAL)):
                out[prev] += line
                del out[prev + 1 :]
                continue
            if not line:
                continue
        out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# 5. Lines the scraper broke
# ---------------------------------------------------------------------------------------------------

# A "fragment": a short run of word characters on its own line, with at most a trailing "。" (checked on
# the normalised line).
_FRAGMENT = re.compile(rf"^[{_CJK}a-z0-9]{{2,8}}。?$")
# Linked keywords are short nouns (疫情, 书记, 责任书, 两学一做) or names of documents (年度工作计划).
# A short sentence of its own ("坚持人民至上。") is neither, and stays on its line.
_MAX_KEYWORD = 4
_DOCUMENT_NOUN = re.compile(r"(?:计划|方案|制度|报告|总结|规划|办法|意见|通知|条例|细则|纲要|协议|合同|责任书|承诺书|讲话稿)$")
# Around a keyword fragment there is a paragraph, not a list of short sentences ("科学立法。\n严格执法。"):
# the line before is longer than this, the line after is no short sentence of its own.
_MIN_PARAGRAPH = 20
_SHORT_SENTENCE = re.compile(r"^[^,;:、]{1,10}。$")
# Starts of a clause ("要加强对", "各督导组要采取"): such a fragment begins a sentence, it does not end one.
_CLAUSE_START = re.compile(r"^(?:要|应|须|必须|请|各|将|把|对|在|由|从|以|让|使|通过)")
# Ends that cannot end a sentence: a function word or a verb still waiting for its object.
_DANGLING_END = re.compile(r"(?:[的对和与及把被向将为是在从于以跟让使给]|采取|按照|根据|围绕|加强对)。?$")
# An opening bracket or quote at the end of a line: the bracketed words are on the next line.
_OPEN_END = re.compile(r"[《“「『(‘]。?$")
# Closing punctuation that cannot start a sentence: "》,形成…", "”学习教育…", ",对。".
_CLOSING_START = re.compile(r"^[》」』”’)\]】,、;:.。!?]")
# Lines with a job of their own, never glued to a fragment.
_ENUMERATION = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.](?!\d)"
    r"|第[一二三四五六七八九十\d]{1,3}[,、:.]|[①-⑳])"
)
_SALUTATION = re.compile(r"^.{0,24}?(?:同志们|同事们|朋友们|大家好|你们好|老师们|同学们|代表们|各位领导|各位来宾)[:,!。]*$")
_CLOSING = re.compile(r"^.{0,12}(?:谢谢|此致|敬礼)")
# Fragments that end an anchor chain rather than continue it, and titles (the splitter needs them).
_PROTECTED_FRAGMENT = re.compile(r"仅供参考|供大家参考|^.{2,}(?:讲话|发言|致辞|讲稿|报告会)|篇[一二三四五六七八九十\d]")


def _is_structural(norm: str | None) -> bool:
    """A line that is a title, heading, salutation or closing, or no line at all."""
    if not norm:
        return True
    if _ENUMERATION.match(norm) or _SALUTATION.search(norm) or _CLOSING.match(norm):
        return True
    # A short line without closing punctuation is a title or heading.
    return len(norm) <= 40 and not norm.endswith(tuple(_TERMINAL)) and not _CLOSING_START.match(norm)


def _fragment_kind(norm: str) -> str | None:
    """'keyword' (a linked word: 疫情。), 'clause' (要加强对。), or None for anything else."""
    if not _FRAGMENT.match(norm) or _PROTECTED_FRAGMENT.search(norm) or _CLOSING.match(norm):
        return None
    core = norm.rstrip("。")
    if sum(1 for c in core if not c.isascii()) < 2:
        return None
    if _CLAUSE_START.match(core):
        return "clause" if _DANGLING_END.search(core) else None
    if len(core) <= _MAX_KEYWORD or (len(core) <= 6 and _DOCUMENT_NOUN.search(core)):
        return "keyword"
    return "clause" if _DANGLING_END.search(core) else None


def _spurious_end(prev_norm: str) -> bool:
    """The previous line ends where a fragment can continue it: a "。" the scraper added, or mid-sentence."""
    # Short lines (headings, titles, items of a list of short sentences) end where they end. A long
    # paragraph may open with "第一," or "一是" and still be cut by the scraper.
    if len(prev_norm) <= _MIN_PARAGRAPH or _SALUTATION.search(prev_norm):
        return False
    return prev_norm.endswith("。") or not prev_norm.endswith(tuple(_TERMINAL))


def _glue(a: str, b: str) -> str:
    return (a[:-1] if a.endswith("。") else a) + b


def join_broken_lines(text: str, norm_line: Callable[[str], str] = normalize) -> str:
    """Re-join words the scraper put on lines of their own, removing the ``。`` it added around them.

    Template sites wrap linked keywords in their own block, so ``落实新冠肺炎疫情防控工作`` arrives as
    ``落实新冠肺炎。\\n疫情。\\n防控工作…`` and ``签订《责任书》,形成`` as ``签订《。\\n责任书。\\n》,形成``.
    A line is glued to the one before it when

    * it starts with punctuation that cannot open a sentence (``》,形成…``, ``”学习教育…``, ``,对。``),
    * the line before ends with an opening bracket or quote (``签订《。``),
    * it is a short keyword fragment (``疫情。``) between a line ending in ``。`` and a line that goes on
      (not a title, heading, salutation or closing) - the line after is then glued to it as well,
    * the line before is a fragment that cannot end a sentence (``要加强对。``, ``各督导组要采取。``).

    Real paragraph breaks stay: two full lines are never joined. Blank lines are dropped; the result
    has one line per paragraph.
    """
    lines = [t for t in (_tidy_line(x) for x in text.split("\n")) if t]
    norms = [norm_line(x) for x in lines]
    out: list[str] = []
    out_norm: list[str] = []
    glue_next = False
    for i, (line, norm) in enumerate(zip(lines, norms)):
        nxt = norms[i + 1] if i + 1 < len(norms) else None
        kind = _fragment_kind(norm)
        nxt_protected = nxt is not None and bool(_PROTECTED_FRAGMENT.search(nxt)) and bool(_FRAGMENT.match(nxt))
        # The next line carries on a sentence this line leaves open (or is the site's "仅供参考。").
        nxt_goes_on = not _is_structural(nxt) and (nxt_protected or not _SHORT_SENTENCE.match(nxt))
        glued = False
        if out:
            prev = out_norm[-1]
            glued = (
                glue_next
                or bool(_CLOSING_START.match(norm))
                or bool(_OPEN_END.search(prev))
                or (kind == "keyword" and nxt_goes_on and _spurious_end(prev))
            )
        if glued:
            out[-1] = _glue(out[-1], line)
            out_norm[-1] = _glue(out_norm[-1], norm)
        else:
            out.append(line)
            out_norm.append(norm)
        # Glue the next line to this one when this one is a fragment that leaves its sentence open.
        glue_next = nxt_goes_on and not nxt_protected and (
            (kind == "keyword" and glued) or (kind == "clause" and bool(_DANGLING_END.search(norm)))
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# 6. Site introductions
# ---------------------------------------------------------------------------------------------------

# Sentences only a template site writes. A short line holding one is the site's introduction and goes
# whole (its other sentences are filler of the same kind); in a long line only these sentences go.
# Phrases only a template site writes: the site's editor (小编), or the site presenting what it collected for the
# reader. (A site's one-off introduction without such a phrase goes by its position: see the splitter.)
INTRO_STRONG = re.compile(
    "|".join(
        (
            r"小编",  # 下面是(本站)小编(为/给)大家整理的…
            r"(?:以下|下面)是(?:本站|网友).{0,30}?(?:整理|分享|收集|精选)",
            r"(?:以下|下面)是.{0,20}?(?:整理|收集|精选)的.{0,20}?(?:范文|模板|例文)",
        )
    )
)
# Phrases a speaker might say too: only their own short sentence goes.
INTRO_WEAK = re.compile(r"仅供参考|供大家参考|希望(?:能)?对(?:大家|你|您)有所帮助")
_MAX_INTRO_LINE = 300
_MAX_WEAK_SENTENCE = 40
_SENTENCE = re.compile(r"[^。!?]*(?:[。!?]+|$)")


def drop_site_intros(text: str, norm_line: Callable[[str], str] = normalize) -> str:
    """Remove the site's introduction paragraphs and sentences (``下面是小编为大家整理的…，仅供参考。``)."""
    out = []
    for line in text.split("\n"):
        norm = norm_line(line)
        strong = INTRO_STRONG.search(norm)
        if not strong and not INTRO_WEAK.search(norm):
            out.append(line)
            continue
        if strong and len(line) <= _MAX_INTRO_LINE:
            continue
        spans = []
        for m in _SENTENCE.finditer(norm):
            sentence = m.group()
            if sentence and (
                INTRO_STRONG.search(sentence)
                or (INTRO_WEAK.search(sentence) and len(sentence) <= _MAX_WEAK_SENTENCE)
            ):
                spans.append(m.span())
        line = _tidy_line(_delete_spans(line, spans))
        if line:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# 7. The pipeline
# ---------------------------------------------------------------------------------------------------

_LONE_PUNCT = re.compile(r"^[\W_]+$")
_PERIOD_AFTER_STOP = re.compile(r"(?<=[:：!！?？])。")  # "汇报如下:。", "亲爱的全体同志:。"
_MAX_PASSES = 4


def _clean_once(text: str, norm_line: Callable[[str], str] = normalize) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = strip_html(text)
    text = strip_pinyin(text)
    text = remove_junk(text)
    text = drop_site_chrome(text, norm_line)
    text = join_broken_lines(text, norm_line)
    text = drop_site_intros(text, norm_line)
    text = _PERIOD_AFTER_STOP.sub("", text)
    lines = (_tidy_line(x) for x in text.split("\n"))
    return "\n".join(x for x in lines if x and not _LONE_PUNCT.match(x))


def clean_text(raw: str) -> str:
    """The cleaned text of a page or a segment of one: one paragraph a line, joined by ``\\n``.

    Idempotent: the pipeline is repeated until the text no longer changes (removing a line can make
    its neighbours meet; one more pass settles them).
    """
    if not isinstance(raw, str):
        raise TypeError(
            f"clean_text expects the decoded text of a page (str), got {type(raw).__name__}; "
            "decode files with jianggao.indexer.loaders first"
        )
    # Steps 4-6 each read every line normalised, and the pass that checks the text has settled reads the same
    # lines again: each distinct line is normalised once per call (a third of the cleaning time of the default
    # corpus). The memo lives for this call only.
    normalized: dict[str, str] = {}

    def norm_line(line: str) -> str:
        found = normalized.get(line)
        if found is None:
            found = normalized[line] = normalize(line)
        return found

    text = raw
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text, norm_line)
        if cleaned == text:
            return cleaned
        text = cleaned
    log.debug("clean_text did not settle in %d passes", _MAX_PASSES)
    return text
