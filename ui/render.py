"""Pure HTML rendering for the web front end: records in, escaped HTML strings out.

Every piece of text that comes from the corpus or from a user goes through ``esc`` before it is put in
markup: the scraped seeds hold HTML fragments, uploaded file names are arbitrary, and ``gr.HTML`` inserts its
value with ``innerHTML``, where an ``<img onerror=…>`` would run. Nothing here imports gradio or touches the
engine, so every function can be tested on plain values.

Passage cards carry their actions as ``<button data-action=… data-speech=… data-start=… data-end=…
data-chunk=…>``; the page's ``gr.HTML`` components forward clicks on them to Python (see ``jianggao.ui.app``).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

# Characters of context shown on each side of a cited excerpt when its paragraph is long.
CONTEXT_CHARS = 110
TARGET_ID = "jg-target"  # the <mark> the speech viewer scrolls to
_SENTENCE_END = "。！？!?；;"

META_LABELS = (("date", "日期"), ("place", "地点"), ("body", "单位"), ("speaker", "讲话人"), ("meeting", "会议"),
               ("origin", "来源"))


def esc(text: Any) -> str:
    """HTML-escape any value (quotes included, so it is safe inside attributes too)."""
    return html.escape("" if text is None else str(text), quote=True)


# -- highlighting ------------------------------------------------------------------------------------------
def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Clip spans to [0, length), drop empty ones, merge overlaps; sorted."""
    clipped = sorted((max(0, s), min(length, e)) for s, e in spans if min(length, e) > max(0, s))
    out: list[tuple[int, int]] = []
    for s, e in clipped:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def marked(text: str, spans: Iterable[tuple[int, int]], mark_id: str | None = None, offset: int = 0) -> str:
    """``text`` escaped, with the given spans (offsets relative to ``text`` + ``offset``) in ``<mark>``.

    ``mark_id`` goes on the first mark only, so the page has one anchor to scroll to.
    """
    spans = merge_spans(((s - offset, e - offset) for s, e in spans), len(text))
    parts, pos = [], 0
    for i, (s, e) in enumerate(spans):
        parts.append(esc(text[pos:s]))
        attr = f' id="{esc(mark_id)}"' if mark_id and i == 0 else ""
        parts.append(f"<mark{attr}>{esc(text[s:e])}</mark>")
        pos = e
    parts.append(esc(text[pos:]))
    return "".join(parts)


def paragraphs_html(text: str, spans: Sequence[tuple[int, int]] = (), mark_id: str | None = None) -> str:
    """The whole text as ``<p>`` per line, spans marked; a span crossing lines is marked in each line."""
    out, pos, anchored = [], 0, False
    spans = merge_spans(spans, len(text))
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        inside = [(max(s, start), min(e, end)) for s, e in spans if s < end and e > start]
        mid = mark_id if inside and not anchored else None
        anchored = anchored or bool(inside)
        out.append(f"<p>{marked(line, inside, mid, offset=start)}</p>")
    return "\n".join(out)


def context_bounds(text: str, start: int, end: int, context: int = CONTEXT_CHARS,
                   paragraph: tuple[int, int] | None = None) -> tuple[int, int]:
    """The paragraph around text[start:end] (the line, or ``paragraph`` when given), cut to about
    ``context`` characters either side.

    Cuts prefer a sentence end, so the context reads as whole sentences where it can.
    """
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if paragraph and paragraph[0] <= start and end <= paragraph[1] <= len(text):
        a, b = paragraph
    else:
        a = text.rfind("\n", 0, start) + 1
        b = text.find("\n", end)
        b = len(text) if b < 0 else b
    if start - a > context:  # keep the most whole sentences that fit in ``context`` before the excerpt
        lo = start - context
        cuts = [i for i in (text.find(p, lo, start) for p in _SENTENCE_END) if i >= 0]
        a = min(cuts) + 1 if cuts else lo
    if b - end > context:  # ... and after it
        hi = end + context
        cut = max(text.rfind(p, end, hi) for p in _SENTENCE_END)
        b = cut + 1 if cut >= 0 else hi
    return a, max(a, b)


def excerpt_html(text: str, start: int, end: int, context: int = CONTEXT_CHARS,
                 paragraph: tuple[int, int] | None = None) -> str:
    """The cited words highlighted inside their (trimmed) paragraph; lines joined with <br>."""
    a, b = context_bounds(text, start, end, context, paragraph)
    para = text[a:b]
    body = marked(para, [(start, end)], offset=a).replace("\n", "<br>")
    lead = "…" if a > 0 and text[a - 1] != "\n" else ""
    tail = "…" if b < len(text) and text[b] != "\n" else ""
    return f"{lead}{body}{tail}"


def term_spans(norm: str, terms: Iterable[str], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Where any of ``terms`` occurs in norm[start:end], as absolute offsets.

    Matching runs on the normalised text (Simplified, half-width, lower case); because normalisation keeps
    lengths, the same offsets mark the displayed text, whatever its script.
    """
    end = len(norm) if end is None else end
    spans = []
    for term in {t.strip().lower() for t in terms if t and t.strip()}:
        for m in re.finditer(re.escape(term), norm[start:end]):
            spans.append((start + m.start(), start + m.end()))
    return merge_spans(spans, len(norm))


# -- small pieces ------------------------------------------------------------------------------------------
def meta_source_line(speech, key: str) -> str:
    """The line of the speech a metadata field was read from (``meta.spans[key]``, offsets into its text);
    "" when the field carries no span."""
    spans = getattr(getattr(speech, "meta", None), "spans", None) or {}
    span = spans.get(key) if isinstance(spans, dict) else None
    text = getattr(speech, "text", "") or ""
    try:
        start, end = int(span[0]), int(span[1])
    except (TypeError, ValueError, IndexError):
        return ""
    if not 0 <= start <= end <= len(text):
        return ""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return text[a:len(text) if b < 0 else b].strip()[:200]


def meta_html(speech, source: str | None = None) -> str:
    """The speech's known metadata as chips; hovering one shows the line it was read from, when known."""
    items = []
    for key, label in META_LABELS:
        value = getattr(getattr(speech, "meta", None), key, None)
        if not value:
            continue
        line = meta_source_line(speech, key)
        tip = f' title="读自：{esc(line)}"' if line else ""
        items.append(f'<span class="jg-chip"{tip}>{esc(label)}：{esc(value)}</span>')
    src = source if source is not None else getattr(speech, "source", "")
    if src:
        items.append(f'<span class="jg-chip jg-file">文件：{esc(src)}</span>')
    return f'<div class="jg-meta">{"".join(items)}</div>'


def label_chip(label: str, title: str = "") -> str:
    """The speech's distinguishing label, when it says more than its title."""
    if not label or label == title:
        return ""
    return f'<span class="jg-speech-label">{esc(label)}</span>'


def terms_html(covered: Sequence[str] = (), missing: Sequence[str] = ()) -> str:
    """Which of the question's key terms the cited excerpts cover and which they lack; "" when none given."""
    if not covered and not missing:
        return ""
    ok = "".join(f'<span class="jg-term jg-term-ok">{esc(t)}</span>' for t in covered)
    miss = "".join(f'<span class="jg-term jg-term-miss">{esc(t)}</span>' for t in missing)
    rows = []
    if covered:
        rows.append(f'<div class="jg-terms-row"><span class="jg-terms-head">引文涵盖：</span>{ok}</div>')
    if missing:
        rows.append(f'<div class="jg-terms-row"><span class="jg-terms-head">引文未涉及：</span>{miss}</div>')
    return f'<div class="jg-terms">{"".join(rows)}</div>'


def action_button(action: str, label: str, **data: Any) -> str:
    attrs = "".join(f' data-{esc(k)}="{esc(v)}"' for k, v in data.items() if v is not None)
    return f'<button type="button" class="jg-act" data-action="{esc(action)}"{attrs}>{esc(label)}</button>'


def notice_html(message: str, kind: str = "info") -> str:
    """A boxed message; kind is info, warn or error."""
    return f'<div class="jg-notice jg-{esc(kind)}" role="status">{esc(message)}</div>'


def empty_html(message: str) -> str:
    return f'<div class="jg-empty">{esc(message)}</div>'


# -- passages ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassageView:
    """What a passage card shows; built by ``jianggao.ui.app`` from hits, citations or comparison passages."""

    speech_id: str
    title: str
    source: str
    start: int
    end: int
    chunk_id: str | None = None
    label: str = ""  # e.g. "[1]" or "#3"
    score: float | None = None  # shown as 相似度 when set
    also_in: tuple[tuple[str, str], ...] = ()  # (speech_id, title) of other speeches holding the passage
    paragraph: tuple[int, int] | None = None  # the paragraph around a citation, when the answer gives it
    speech_label: str = ""  # what tells the speech apart (place · meeting …), shown beside its title


def passage_card(view: PassageView, speech=None, text: str | None = None, in_context: bool = True) -> str:
    """One passage card: title, metadata, the passage, copies, and actions.

    With ``in_context`` (citations) the cited words are highlighted inside their paragraph of ``speech``;
    otherwise (whole retrieved passages) the passage is shown as it is, ``text`` standing in when the
    speech is unknown.
    """
    head = f'<span class="jg-label">{esc(view.label)}</span>' if view.label else ""
    score = f'<span class="jg-score" title="相似度">相似度 {view.score:.2f}</span>' if view.score is not None else ""
    if speech is not None and in_context:
        body = excerpt_html(speech.text, view.start, view.end, paragraph=view.paragraph)
    else:
        shown = speech.text[view.start:view.end] if speech is not None else (text or "")
        body = esc(shown.strip()).replace("\n", "<br>")
    meta = meta_html(speech, view.source)
    copies = ""
    if view.also_in:
        links = "".join(
            f"<li>{esc(title)} {action_button('open', '查看', speech=sid, locate=view.chunk_id)}</li>"
            for sid, title in view.also_in
        )
        copies = (f'<details class="jg-copies"><summary>出现在 {len(view.also_in) + 1} 篇讲话中</summary>'
                  f"<ul>{links}</ul></details>")
    actions = action_button("open", "查看全文", speech=view.speech_id, start=view.start, end=view.end)
    if view.chunk_id:
        actions += action_button("similar", "找相似", chunk=view.chunk_id)
    return (
        f'<article class="jg-card">'
        f'<header>{head}<span class="jg-title">{esc(view.title)}</span>{label_chip(view.speech_label, view.title)}'
        f'{score}</header>'
        f"{meta}<blockquote class=\"jg-excerpt\">{body}</blockquote>{copies}"
        f'<div class="jg-actions">{actions}</div></article>'
    )


def cards_html(cards: Sequence[str], heading: str = "", note: str = "") -> str:
    head = f'<h3 class="jg-h">{esc(heading)}</h3>' if heading else ""
    note_html = f'<p class="jg-note">{esc(note)}</p>' if note else ""
    return f'<section class="jg-cards">{head}{note_html}{"".join(cards)}</section>'


# -- speech viewer -----------------------------------------------------------------------------------------
def speech_html(speech, highlight: tuple[int, int] | None = None, canonical_title: str | None = None,
                label: str = "") -> str:
    """A whole speech for the viewer; ``highlight`` is marked with id ``TARGET_ID`` to scroll to."""
    spans = [highlight] if highlight else []
    dup = ""
    if getattr(speech, "canonical_id", None):
        dup = notice_html(f"这篇讲话是《{canonical_title or speech.canonical_id}》的重复副本。", "info")
    elif getattr(speech, "copies", None):
        dup = notice_html(f"这篇讲话另有 {len(speech.copies)} 个重复副本。", "info")
    page = ""
    if speech.page_title and speech.page_title != speech.title:
        page = f'<div class="jg-sub">页面标题：{esc(speech.page_title)}</div>'
    return (
        f'<div class="jg-speech" data-speech="{esc(speech.id)}">'
        f'<h2 class="jg-speech-title">{esc(speech.title)}</h2>{label_chip(label, speech.title)}{page}'
        f'{meta_html(speech)}<div class="jg-sub">编号 {esc(speech.id)} · {len(speech.text)} 字</div>{dup}'
        f'<div class="jg-speech-body">{paragraphs_html(speech.text, spans, TARGET_ID)}</div></div>'
    )


# -- answers -----------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&])")


def md_escape(text: str) -> str:
    """Text for a Markdown message (the chat history): HTML-escaped, Markdown syntax neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False)).replace("\n", "  \n")


# -- comparison --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComparedSpeech:
    """One column of the comparison view, built by ``jianggao.ui.app`` from the engine's comparison."""

    speech_id: str
    title: str
    score: float
    keywords: tuple[str, ...]
    passages: tuple[tuple[str, int, int, str | None], ...]  # (speech_id, start, end, chunk_id); a copy's
    # passage may be shown from its canonical speech, hence a speech id per passage
    distinctive: tuple[str, ...] = ()  # short snippets of what only this speech says
    source: str = ""
    label: str = ""  # what tells the speech apart from the others (place · meeting …); the title if empty


def comparison_html(topic: str, columns: Sequence[ComparedSpeech], speeches: Mapping[str, Any],
                    shared: Sequence[tuple[str, Sequence[str]]], topic_terms: Sequence[str] = ()) -> str:
    """Speeches side by side under their labels, then the shared points; ``shared`` is (point, [speech labels])."""
    cols = []
    for i, col in enumerate(columns, 1):
        sp = speeches.get(col.speech_id)
        chips = "".join(f'<span class="jg-kw">{esc(k)}</span>' for k in col.keywords)
        passages = []
        for sid, start, end, chunk in col.passages:
            psp = speeches.get(sid)
            if psp is None:
                continue
            terms = term_spans(psp.norm, [*col.keywords, *topic_terms], start, end)
            body = marked(psp.text[start:end].strip("\n"), terms, offset=start).replace("\n", "<br>")
            passages.append(
                f'<li><blockquote class="jg-excerpt">{body}</blockquote><div class="jg-actions">'
                f'{action_button("open", "查看全文", speech=sid, start=start, end=end)}'
                f'{action_button("similar", "找相似", chunk=chunk) if chunk else ""}</div></li>'
            )
        own = "".join(f"<li>{esc(d)}</li>" for d in col.distinctive)
        own_html = f'<div class="jg-own"><h4>独有内容</h4><ul>{own}</ul></div>' if own else ""
        sub = f'<div class="jg-sub">{esc(col.title)}</div>' if col.label and col.label != col.title else ""
        cols.append(
            f'<article class="jg-col" data-speech="{esc(col.speech_id)}"><header><span class="jg-label">{i}</span>'
            f'<span class="jg-title">{esc(col.label or col.title)}</span></header>{sub}'
            f'{meta_html(sp, col.source or None) if sp is not None else ""}'
            f'<div class="jg-kws">{chips}</div>{own_html}'
            f'<h4>关键段落</h4><ul class="jg-passages">{"".join(passages)}</ul></article>'
        )
    shared_items = "".join(
        f'<li>{esc(point)}<span class="jg-who">（{esc("、".join(who))}）</span></li>' for point, who in shared
    )
    shared_html = (f'<section class="jg-shared"><h3 class="jg-h">共同点</h3><ul>{shared_items}</ul></section>'
                   if shared_items else "")
    return (f'<section class="jg-compare"><h3 class="jg-h">「{esc(topic)}」在 {len(columns)} 篇讲话中</h3>'
            f'<div class="jg-cols">{"".join(cols)}</div></section>{shared_html}')


def bar_chart_html(rows: Sequence[tuple[str, float, str]], title: str, unit: str = "") -> str:
    """A horizontal bar chart in plain HTML: rows of (label, value, value text), longest bar = max value."""
    if not rows:
        return ""
    top = max(v for _, v, _ in rows) or 1.0
    bars = "".join(
        f'<div class="jg-bar-row"><span class="jg-bar-label" title="{esc(label)}">{esc(label)}</span>'
        f'<span class="jg-bar-track"><span class="jg-bar" style="width:{max(2.0, 100 * v / top):.1f}%"></span></span>'
        f'<span class="jg-bar-value">{esc(text)}{esc(unit)}</span></div>'
        for label, v, text in rows
    )
    return f'<figure class="jg-chart"><figcaption>{esc(title)}</figcaption>{bars}</figure>'


# -- page furniture ----------------------------------------------------------------------------------------
def header_html(n_speeches: int, n_files: int) -> str:
    return (
        '<div class="jg-header"><div class="jg-brand">讲稿 · 讲话稿智能检索与问答</div>'
        f'<div class="jg-stats">文库共 <b>{n_speeches}</b> 篇讲话，来自 <b>{n_files}</b> 个文件</div></div>'
    )


# -- stylesheet (passed to Blocks.launch) ------------------------------------------------------------------
PAGE_CSS = """
:root { --jg-red: #b4232a; --jg-ink: #292524; --jg-muted: #78716c; --jg-line: #e7e5e4; --jg-paper: #fffdf8; }
body, .gradio-container, .gradio-container * { font-family: "Noto Sans CJK SC", "Source Han Sans SC",
  "PingFang SC", "Microsoft YaHei", sans-serif; }
.gradio-container { max-width: 1180px !important; margin: 0 auto !important;
  overflow: clip !important; }  /* not hidden: a scroll container would stop the reading pane sticking */
.jg-header { display: flex; align-items: baseline; justify-content: space-between; flex-wrap: wrap; gap: 8px;
  padding: 14px 20px; border-radius: 12px; color: #fff;
  background: linear-gradient(120deg, #8f1d22 0%, #b4232a 55%, #c2410c 100%); }
.jg-header, .jg-header * { color: #fff !important; }
.jg-brand { font-size: 1.45rem; font-weight: 700; letter-spacing: .08em; }
.jg-stats { font-size: .95rem; opacity: .92; }
.jg-stats b { font-weight: 700; }
.jg-h { font-size: 1.05rem; font-weight: 700; color: var(--jg-ink); margin: 14px 0 8px;
  border-left: 4px solid var(--jg-red); padding-left: 8px; }
.jg-note { color: var(--jg-muted); margin: 0 0 8px; font-size: .9rem; }
.jg-cards { display: flex; flex-direction: column; gap: 10px; }
.jg-card, .jg-col { background: var(--jg-paper); border: 1px solid var(--jg-line); border-radius: 10px;
  padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.04); color: var(--jg-ink); }
.jg-card header, .jg-col header { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.jg-label { color: var(--jg-red); font-weight: 700; font-variant-numeric: tabular-nums; }
.jg-title { font-weight: 700; font-size: 1rem; }
.jg-score { margin-left: auto; font-size: .85rem; color: #fff; background: var(--jg-red); border-radius: 999px;
  padding: 1px 10px; }
.jg-meta { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.jg-chip { font-size: .8rem; color: #57534e; background: #f5f5f4; border-radius: 6px; padding: 1px 8px; }
.jg-excerpt { margin: 8px 0 6px; padding: 8px 12px; border-left: 3px solid #fca5a5; background: #fff;
  line-height: 1.85; font-size: .95rem; color: #44403c; border-radius: 0 6px 6px 0; }
.jg-card mark, .jg-col mark, .jg-speech mark { background: #fde68a; color: inherit; padding: 0 1px;
  border-radius: 2px; }
.jg-actions { display: flex; gap: 8px; flex-wrap: wrap; }
.jg-act { font-size: .85rem; border: 1px solid #fecaca; color: var(--jg-red); background: #fff;
  border-radius: 6px; padding: 2px 12px; cursor: pointer; }
.jg-act:hover { background: #fef2f2; }
.jg-copies { font-size: .88rem; color: #57534e; margin: 4px 0 8px; }
.jg-copies summary, .jg-more summary { cursor: pointer; color: #9a3412; }
.jg-more > .jg-card { margin-top: 10px; }
.jg-copies ul { margin: 4px 0 0 18px; }
.jg-notice { border-radius: 8px; padding: 9px 12px; margin: 6px 0; font-size: .93rem; line-height: 1.6; }
.jg-info { background: #eff6ff; border: 1px solid #bfdbfe; color: #1e3a8a; }
.jg-warn { background: #fffbeb; border: 1px solid #fde68a; color: #78350f; }
.jg-error { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; }
.jg-empty { color: var(--jg-muted); padding: 18px; text-align: center; border: 1px dashed var(--jg-line);
  border-radius: 10px; }
.jg-speech { color: var(--jg-ink); }
.jg-speech-title { font-size: 1.2rem; font-weight: 700; margin: 4px 0; }
.jg-sub { color: var(--jg-muted); font-size: .85rem; margin: 2px 0; }
.jg-speech-body { margin-top: 10px; line-height: 1.9; font-size: .98rem; overflow-wrap: anywhere; }
.jg-speech-body p { margin: 0 0 .7em; text-indent: 2em; }
.jg-speech mark#jg-target { background: #fcd34d; box-shadow: 0 0 0 2px #f59e0b; }
.jg-cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.jg-col h4, .jg-own h4 { font-size: .9rem; color: #57534e; margin: 10px 0 4px; }
.jg-kws { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.jg-kw { font-size: .8rem; color: #9a3412; background: #ffedd5; border-radius: 999px; padding: 1px 9px; }
.jg-passages { list-style: none; padding: 0; margin: 0; }
.jg-passages .jg-excerpt { display: -webkit-box; -webkit-line-clamp: 7; -webkit-box-orient: vertical;
  overflow: hidden; }  /* the whole passage is one click away (查看全文) */
.jg-own ul, .jg-shared ul { margin: 2px 0 0 18px; line-height: 1.7; }
.jg-who { color: var(--jg-muted); font-size: .85rem; }
.jg-chart { margin: 6px 0 10px; padding: 10px 14px; border: 1px solid var(--jg-line); border-radius: 10px;
  background: #fff; }
.jg-chart figcaption { font-weight: 700; margin-bottom: 8px; color: var(--jg-ink); }
.jg-bar-row { display: grid; grid-template-columns: minmax(120px, 34%) 1fr 64px; align-items: center; gap: 10px;
  margin: 5px 0; font-size: .9rem; }
.jg-bar-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.jg-bar-track { background: #f5f5f4; border-radius: 4px; height: 14px; }
.jg-bar { display: block; height: 100%; border-radius: 4px; background: linear-gradient(90deg, #f87171, #b4232a); }
.jg-bar-value { text-align: right; font-variant-numeric: tabular-nums; color: #57534e; }
#jg-reader { position: sticky; top: 8px; align-self: flex-start; max-height: calc(100vh - 16px);
  overflow-y: auto; overflow-x: hidden; flex-wrap: nowrap !important; background: var(--jg-paper);
  border: 1px solid var(--jg-line); border-radius: 12px;
  padding: 10px 16px 16px; }
#jg-reader-bar { align-items: center; border-bottom: 1px solid var(--jg-line); padding: 4px 0 6px;
  position: sticky; top: -10px; z-index: 2; background: var(--jg-paper); }
.jg-reader-title { font-weight: 700; color: var(--jg-red); letter-spacing: .1em; }
.jg-hint { color: var(--jg-muted); font-size: .85rem; }
.jg-speech-label { font-size: .8rem; color: #7c2d12; background: #fef3c7; border: 1px solid #fde68a;
  border-radius: 6px; padding: 0 8px; }
.jg-terms { margin: 6px 0; display: flex; flex-direction: column; gap: 4px; font-size: .88rem; }
.jg-terms-row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.jg-terms-head { color: #57534e; }
.jg-term { border-radius: 999px; padding: 0 9px; }
.jg-term-ok { background: #dcfce7; color: #166534; }
.jg-term-miss { background: #fee2e2; color: #991b1b; text-decoration: line-through; }
#jg-cmp-export, #jg-ask-export { border: 1px solid var(--jg-line); border-radius: 10px; padding: 8px 12px; }
"""
