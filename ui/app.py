"""The Gradio web front end: ``build_app(engine)`` returns the four-tab page (问答, 相似段落, 专题对比, 文库).

Event handlers live in ``Handlers``: plain methods on plain values (strings, lists, dicts), so tests call them
directly without a server. Rendering is in ``jianggao.ui.render`` (pure, escaped). Every handler turns failures into a
readable Chinese message in the page (an error box plus a ``gr.Warning`` toast) and logs the details; the
app never shows a stack trace and stays usable.

Passage cards are HTML; their buttons (查看全文, 找相似) reach Python through ``gr.HTML``'s ``js_on_load`` hook,
which forwards ``data-*`` attributes of the clicked button as the event's data.

Public API endpoints (``gr.api``): /search, /ask, /similar, /compare, each taking the query text and returning
the same JSON object as the CLI's ``--json`` output for one query.

No ``from __future__ import annotations`` here: Gradio reads the handlers' type hints (gr.EventData,
gr.Progress, the API functions' types) at runtime.
"""
import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence

import gradio as gr

from jianggao.indexer.loaders import SUPPORTED_SUFFIXES
from jianggao.qa.engine import (
    MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, UPLOAD_DIR, Engine, ReadOnlySourceError, UploadError, safe_name,
)
from jianggao.qa.retrieval import MAX_QUERY_CHARS, MODES, Filters, Hit, QueryError, validate_query
from jianggao.ui import render
from jianggao.ui.render import ComparedSpeech, PassageView

if TYPE_CHECKING:
    from jianggao.qa.answer import Answer
    from jianggao.qa.compare import Comparison

log = logging.getLogger(__name__)

# Labels of the retrieval modes; the registry is jianggao.qa.retrieval.MODES (a test checks they match).
MODE_LABELS: dict[str, str] = {"hybrid": "混合", "dense": "语义", "keyword": "关键词"}
EXAMPLE_QUESTIONS = [
    "校车安全管理要落实哪些责任？",
    "怎样帮助残疾人脱贫？",
    "疫情防控期间要做好哪些排查和检测工作？",
    "脱贫攻坚要抓好哪些重点工程？",
]
EXAMPLE_TOPICS = ["脱贫攻坚", "安全责任", "疫情防控"]
UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)
SIMILAR_K = 8
CLOSEST_SHOWN = 3  # passages shown at once under a refusal; the rest fold away
LIBRARY_COLUMNS = ["编号", "标题", "页面标题", "来源文件", "日期", "字数", "重复于"]
INTERNAL_ERROR = "处理时出错了，请稍后再试；如果问题持续，请联系管理员查看服务器日志。"

# Forwards clicks on card buttons (data-action=…) to Python as a "click" event carrying the button's data.
ACTION_JS = """
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-action]');
  if (!b || !element.contains(b)) return;
  ev.preventDefault();
  trigger('click', Object.assign({}, b.dataset));
});
"""
# Scrolls the reading pane (not the window, not sideways) so that the highlighted excerpt sits near its top
# third, whenever a speech is shown.
SCROLL_JS = f"""
const go = (tries) => {{
  const m = element.querySelector('#{render.TARGET_ID}');
  const pane = element.closest('#jg-reader');
  if (m && pane && m.offsetParent !== null) {{
    const top = m.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
    pane.scrollTo({{top: Math.max(0, top - pane.clientHeight / 3), left: 0}});
    return;
  }}
  if (tries > 0) setTimeout(() => go(tries - 1), 150);
}};
watch('value', () => setTimeout(() => go(12), 50));
setTimeout(() => go(12), 50);  // the pane may mount only when first shown, with its speech already set
"""


class UiError(Exception):
    """A problem the user can fix; the message (Chinese) is shown in the page as is."""


# -- input checks (Chinese messages) -----------------------------------------------------------------------
def query_problem(text: Any, what: str = "问题", max_chars: int = MAX_QUERY_CHARS) -> str | None:
    """Why ``text`` cannot be searched, in Chinese; None when it can (same rules as validate_query)."""
    q = text.strip() if isinstance(text, str) else ""
    if not q:
        return f"请先输入{what}。"
    if len(q) > max_chars:
        return f"输入有 {len(q)} 个字，超过了 {max_chars} 字的上限，请缩短后再试。"
    if not any(ch.isalnum() for ch in q):
        return "输入里没有文字或数字，请输入要查找的内容。"
    return None


def checked_query(text: Any, what: str = "问题", max_chars: int = MAX_QUERY_CHARS) -> str:
    problem = query_problem(text, what, max_chars)
    if problem:
        raise UiError(problem)
    return validate_query(text, max_chars=max_chars)


def upload_items(files: Any) -> list[tuple[str, Path]]:
    """(original name, temp path) pairs from what gr.File passes: paths, or (name, path) pairs in tests."""
    items = []
    for f in files or []:
        if isinstance(f, (tuple, list)):
            items.append((str(f[0]), Path(f[1])))
        else:
            path = Path(getattr(f, "name", f))  # a path string, or a tempfile-like object
            items.append((getattr(f, "orig_name", None) or path.name, path))
    return items


def upload_problems(items: Sequence[tuple[str, Path]]) -> list[str]:
    """Everything wrong with a set of uploads, in Chinese; empty when all can go in."""
    if not items:
        return ["请先选择要上传的文件。"]
    problems = []
    if len(items) > MAX_UPLOAD_FILES:
        problems.append(f"一次最多上传 {MAX_UPLOAD_FILES} 个文件，这次选择了 {len(items)} 个，请分批上传。")
    seen: set[str] = set()
    for name, path in items:
        try:
            clean = safe_name(name)
        except UploadError:
            problems.append(f"“{name}”不是可用的文件名，请改名后再上传。")
            continue
        if Path(clean).suffix.lower() not in SUPPORTED_SUFFIXES:
            problems.append(f"“{clean}”的类型不受支持；可以上传 {'、'.join(UPLOAD_TYPES)} 文件。")
            continue
        if clean in seen:
            problems.append(f"“{clean}”选择了两次。")
        seen.add(clean)
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"“{clean}”没有上传成功，请重新选择该文件。")
            continue
        if size == 0:
            problems.append(f"“{clean}”是空文件。")
        elif size > MAX_UPLOAD_BYTES:
            problems.append(
                f"“{clean}”有 {size / 2**20:.1f} MB，超过了 {MAX_UPLOAD_BYTES // 2**20} MB 的上限。"
            )
    return problems


def _mode(mode: Any) -> str:
    if mode not in MODES:
        raise UiError(f"未知的检索方式 {mode!r}，可选：{'、'.join(MODE_LABELS[m] for m in MODES)}。")
    return mode


def snippet(text: str, n: int = 90) -> str:
    """The opening of a passage on one line, for lists."""
    one = " ".join(text.split())
    return one if len(one) <= n else one[:n] + "…"


# -- handlers ----------------------------------------------------------------------------------------------
def one_version(method: Callable) -> Callable:
    """Run a reading handler on one index version (Engine.pinned): an upload finishing mid-request cannot leave
    it answering from one version and rendering the cited speeches from another."""

    @functools.wraps(method)
    def wrapper(self: "Handlers", *args: Any, **kwargs: Any) -> Any:
        with self.engine.pinned():
            return method(self, *args, **kwargs)

    return wrapper


class Handlers:
    """The functions behind the page's events, on one engine. Methods return plain values or gr.update()s."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._chunk_cache: tuple[Any, dict[str, Any]] | None = None  # (store, chunk id -> chunk)

    # -- lookups ---------------------------------------------------------------------------------------------
    def speech(self, speech_id: str):
        try:
            return self.engine.speech(speech_id)
        except KeyError:
            return None

    def speeches_by_id(self) -> dict[str, Any]:
        return {s.id: s for s in self.engine.speeches()}

    def chunk(self, chunk_id: str):
        """The indexed passage with this id in the current index version, or None."""
        store = self.engine.store
        cache = self._chunk_cache
        if cache is None or cache[0] is not store:  # a new index version since the last lookup
            cache = self._chunk_cache = (store, {c.id: c for c in store.chunks})
        return cache[1].get(chunk_id)

    def fail(self, error: Exception) -> str:
        """The Chinese message for a failure; unexpected ones are logged with their traceback."""
        if isinstance(error, UiError):
            msg = str(error)
        elif isinstance(error, QueryError):
            msg = f"无法查询：{error}"
        elif isinstance(error, ReadOnlySourceError):
            msg = f"无法删除：“{error.source}”属于自带文库（只读），只能删除上传的文件。"
        elif isinstance(error, UploadError):
            msg = f"上传被拒绝：{error}"
        else:
            log.exception("handler failed")
            msg = INTERNAL_ERROR
        gr.Warning(msg, title="提示")
        return msg

    # -- page furniture --------------------------------------------------------------------------------------
    def header(self) -> str:
        speeches = self.engine.speeches()
        return render.header_html(len(speeches), len({s.source for s in speeches}))

    def speech_choices(self) -> list[tuple[str, str]]:
        return [(f"{s.title}（{s.id}）", s.id) for s in self.engine.speeches()]

    def source_choices(self) -> list[str]:
        return sorted({s.source for s in self.engine.speeches()})

    # -- 问答 -----------------------------------------------------------------------------------------------
    def passage_views_of_hits(self, hits: Sequence[Hit], with_score: bool = False) -> list[str]:
        by_id = self.speeches_by_id()
        cards = []
        for h in hits:
            view = PassageView(
                h.speech_id, h.title, h.source, h.start, h.end, h.chunk_id, label=f"#{h.rank}",
                score=h.score if with_score else None,
                also_in=tuple((d.speech_id, d.title) for d in h.duplicates),
            )
            cards.append(render.passage_card(view, by_id.get(h.speech_id), h.text, in_context=False))
        return cards

    def answer_views(self, answer: "Answer") -> tuple[str, str]:
        """(chat message in Markdown, cards HTML) for an Answer."""
        by_id = self.speeches_by_id()
        notes = [render.notice_html(w, "warn") for w in answer.warnings if w]
        if answer.answerable and answer.citations:
            cards = []
            for c in answer.citations:
                view = PassageView(c.speech_id, c.title, c.source, c.start, c.end, c.chunk_id, label=f"[{c.n}]",
                                   paragraph=(c.paragraph_start, c.paragraph_end))
                cards.append(render.passage_card(view, by_id.get(c.speech_id), c.text))
            message = render.md_escape(answer.answer)
            how = "由语言模型根据" if answer.generated else "摘自"
            message += f"\n\n*{how} {len(answer.citations)} 处讲话原文，见下方引用。*"
            html = "".join(notes) + render.cards_html(cards, heading="引用原文")
            return message, html
        closest = list(answer.closest)
        if answer.message:  # the engine's own words (Chinese, for the user)
            message = render.md_escape(answer.message)
        else:
            message = "资料中没有找到足够的依据来回答这个问题。"
            message += "下面列出最接近的段落，供参考。" if closest else ""
        message = "**证据不足。** " + message
        cards = self.passage_views_of_hits(closest)
        html = "".join(notes) + render.notice_html("证据不足：以下只是最接近的段落，并不能直接回答问题。", "warn")
        if not cards:
            return message, html + render.empty_html("没有相关段落。")
        shown, more = cards[:CLOSEST_SHOWN], cards[CLOSEST_SHOWN:]
        if more:
            shown.append(f'<details class="jg-more"><summary>再显示 {len(more)} 段</summary>{"".join(more)}</details>')
        return message, html + render.cards_html(shown, heading="最接近的段落")

    @one_version
    def ask(self, question: str, history: list | None, turns: list | None, speech_ids: list | None = None,
            sources: list | None = None, mode: str = "hybrid") -> tuple[list, str, list, str]:
        """Returns (chat history, citation cards, per-turn cards, new question box value)."""
        history, turns = list(history or []), list(turns or [])
        try:
            q = checked_query(question)
            answer = self.engine.ask(q, mode=_mode(mode), filters=Filters.of(speech_ids, sources))
            message, html = self.answer_views(answer)
        except Exception as e:  # noqa: BLE001 - every failure becomes a message in the page
            return history, render.notice_html(self.fail(e), "error"), turns, question
        history += [{"role": "user", "content": render.md_escape(q)}, {"role": "assistant", "content": message}]
        turns.append(html)
        return history, html, turns, ""

    def clear_chat(self) -> tuple[list, str, list]:
        return [], "", []

    def show_turn(self, history: list | None, turns: list | None, index: Any) -> str:
        """The cards of the answer at chat message ``index`` (a click on an earlier message)."""
        history, turns = history or [], turns or []
        i = index[0] if isinstance(index, (list, tuple)) else index
        if not isinstance(i, int) or not 0 <= i < len(history):
            return gr.skip()
        n = sum(1 for m in history[: i + 1] if m.get("role") == "assistant") - 1
        if history[i].get("role") == "user":
            n += 1
        return turns[n] if 0 <= n < len(turns) else gr.skip()

    # -- speech viewer ---------------------------------------------------------------------------------------
    @one_version
    def speech_view(self, speech_id: str, start: Any = None, end: Any = None, locate: str | None = None) -> str:
        """The speech viewer's HTML, the range start:end (or the passage of chunk ``locate``) highlighted."""
        sp = self.speech(speech_id)
        if sp is None:
            raise UiError("找不到这篇讲话，它可能已从文库中删除。")
        highlight = None
        try:
            if start not in (None, "") and end not in (None, ""):
                highlight = (int(start), int(end))
        except (TypeError, ValueError):
            highlight = None
        if highlight is None and locate:
            c = self.chunk(locate)
            if c is not None:
                highlight = self.locate(sp, c.norm)
        canonical = self.speech(sp.canonical_id) if sp.canonical_id else None
        return render.speech_html(sp, highlight, canonical.title if canonical else None)

    @staticmethod
    def locate(speech, norm_passage: str) -> tuple[int, int] | None:
        """Where a (near-)copy of a passage sits in another speech: exact, else by its opening words."""
        for probe in (norm_passage, norm_passage[:40], norm_passage[:16]):
            probe = probe.strip()
            i = speech.norm.find(probe) if probe else -1
            if i >= 0:
                return i, i + (len(norm_passage.strip()) if probe == norm_passage.strip() else len(probe))
        return None

    def open_speech(self, speech_id: str, start: Any = None, end: Any = None, locate: str | None = None):
        """(viewer HTML, reading pane update) — shows the speech in the reading pane."""
        try:
            return self.speech_view(speech_id, start, end, locate), gr.update(visible=True)
        except Exception as e:  # noqa: BLE001
            return render.notice_html(self.fail(e), "error"), gr.update(visible=True)

    @one_version
    def card_action(self, data: dict | None, k: int = SIMILAR_K):
        """A click on a card button. Returns (viewer, reading pane, tabs, similar text, similar cards)."""
        data = data or {}
        action = data.get("action")
        if action == "open":
            viewer, pane = self.open_speech(data.get("speech", ""), data.get("start"), data.get("end"),
                                            data.get("locate"))
            return viewer, pane, gr.skip(), gr.skip(), gr.skip()
        if action == "similar":
            c = self.chunk(data.get("chunk", ""))
            if c is None:
                msg = self.fail(UiError("这个段落已不在索引中，请重新搜索。"))
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), render.notice_html(msg, "error")
            html = self.similar_html(lambda: self.engine.similar(chunk_id=c.id, k=k), with_self=False)
            return gr.skip(), gr.skip(), gr.update(selected="similar"), c.text, html
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()

    # -- 相似段落 -----------------------------------------------------------------------------------------------
    def similar_html(self, run: Callable[[], list[Hit]], with_self: bool = True) -> str:
        try:
            hits = run()
        except Exception as e:  # noqa: BLE001
            return render.notice_html(self.fail(e), "error")
        if not hits:
            return render.empty_html("没有找到相似的段落。")
        n_speeches = len({h.speech_id for h in hits} | {d.speech_id for h in hits for d in h.duplicates})
        return render.cards_html(self.passage_views_of_hits(hits, with_score=True), heading="相似段落",
                                 note=f"共 {len(hits)} 段，分布在 {n_speeches} 篇讲话中；重复出现的段落已合并。")

    @one_version
    def similar(self, text: str, k: Any = SIMILAR_K) -> str:
        try:
            q = checked_query(text, "一段文字", max_chars=self.similar_max_chars())
        except Exception as e:  # noqa: BLE001
            return render.notice_html(self.fail(e), "error")
        return self.similar_html(lambda: self.engine.similar(text=q, k=int(k or SIMILAR_K)))

    @staticmethod
    def similar_max_chars() -> int:
        from jianggao.qa.similar import MAX_TEXT_CHARS

        return MAX_TEXT_CHARS

    # -- 专题对比 -----------------------------------------------------------------------------------------------
    @one_version
    def compare(self, topic: str) -> tuple[str, str]:
        """(comparison HTML, chart HTML)."""
        try:
            t = checked_query(topic, "专题")
            comparison = self.engine.compare(t)
            return self.comparison_views(comparison)
        except Exception as e:  # noqa: BLE001
            return render.notice_html(self.fail(e), "error"), ""

    def comparison_views(self, comparison: "Comparison") -> tuple[str, str]:
        """(comparison HTML, chart HTML) for a jianggao.qa.compare.Comparison."""
        by_id = self.speeches_by_id()
        speeches = list(comparison.speeches)
        if not speeches:
            return render.notice_html(f"没有讲话专门谈到「{comparison.topic}」。", "warn"), ""
        distinctive = comparison.distinctive or {}
        columns = [
            ComparedSpeech(
                s.speech_id, s.title, float(s.score), tuple(s.keywords),
                tuple((p.speech_id or s.speech_id, p.start, p.end, p.chunk_id) for p in s.passages),
                tuple(snippet(p.text) for p in distinctive.get(s.speech_id, [])),
                source=s.source,
            )
            for s in speeches
        ]
        titles = {s.speech_id: s.title for s in speeches}
        shared = [(p.text, [titles.get(x, x) for x in p.speeches]) for p in comparison.shared_points]
        note = "" if len(speeches) > 1 else render.notice_html("只有一篇讲话谈到这个专题，无从对比。", "info")
        html = note + render.comparison_html(comparison.topic, columns, by_id, shared, [comparison.topic])
        chart = render.bar_chart_html(
            [(f"{i}. {s.title}", float(s.score), f"{100 * float(s.score):.0f}%") for i, s in enumerate(speeches, 1)],
            title=f"各篇讲话谈及「{comparison.topic}」的程度（以最多的一篇为 100%）",
        )
        return html, chart

    # -- 文库 -----------------------------------------------------------------------------------------------
    def library_rows(self) -> list[list[Any]]:
        store = self.engine.store
        rows = []
        for s in store.speeches:
            rows.append([s.id, s.title, s.page_title, s.source, s.meta.date or "", len(s.text),
                         s.canonical_id or ""])
        return rows

    def library_table(self):
        import pandas as pd

        return pd.DataFrame(self.library_rows(), columns=LIBRARY_COLUMNS)

    def library_select(self, row_value: Sequence[Any] | None):
        if not row_value:
            return gr.skip(), gr.skip()
        return self.open_speech(str(row_value[0]))

    def refresh(self) -> tuple:
        """Everything that shows the library's contents, after an upload or removal."""
        sp = self.speech_choices()
        src = self.source_choices()
        return (
            self.library_table(),
            self.header(),
            gr.update(choices=sp),  # filter: speeches
            gr.update(choices=src),  # filter: sources
            gr.update(choices=sp, value=None),  # library: open a speech
            gr.update(choices=src, value=None),  # library: remove a source
        )

    def upload(self, files: Any, progress: Any = None) -> tuple:
        """Check, copy and index uploaded files. Returns (status, files box, *refresh())."""
        report_progress = progress or (lambda *a, **k: None)
        items = upload_items(files)
        problems = upload_problems(items)
        if problems:
            msg = "没有上传任何文件：" + "；".join(problems)
            gr.Warning(msg, title="上传失败")
            return (render.notice_html(msg, "error"), gr.skip(), *self.refresh())
        names = [safe_name(n) for n, _ in items]
        try:
            report_progress(0.05, desc="正在保存文件…")
            report = self.engine.add_files(
                [(n, p) for n, p in items], progress=lambda f, d: report_progress(f, desc=d)
            )
        except Exception as e:  # noqa: BLE001
            return (render.notice_html(self.fail(e), "error"), gr.skip(), *self.refresh())
        counts: dict[str, int] = {}
        for sp in self.engine.speeches():
            counts[sp.source] = counts.get(sp.source, 0) + 1
        lines, unusable = [], []
        for n in names:
            src = f"{UPLOAD_DIR}/{n}"
            error = next((e for e in report.errors if Path(e.path).name == n), None)
            if counts.get(src):
                lines.append(f"{n}：识别出 {counts[src]} 篇讲话")
            else:
                lines.append(f"{n}：未能读取（{error.reason}）" if error else f"{n}：没有识别出讲话正文")
                unusable.append(src)
        for src in unusable:  # a file that yields nothing would only warn at every re-index: take it out again
            try:
                self.engine.remove_source(src)
            except Exception:  # noqa: BLE001 - the upload itself is done; the file just stays
                log.exception("could not take out the unusable upload %s", src)
        if unusable:
            lines.append("未能使用的文件已移除，请检查后重新上传")
        ok = len(unusable) < len(names)
        head = "已上传并更新索引，现在即可检索。" if ok else "没有可检索的讲话。"
        status = render.notice_html(head + " " + "；".join(lines) + "。", "warn" if unusable else "info")
        return (status, None, *self.refresh())

    def remove(self, source: str | None, confirmed: bool) -> tuple:
        """Delete a library file and its speeches. Returns (status, confirm box, *refresh())."""
        try:
            if not source:
                raise UiError("请先选择要删除的文件。")
            if source not in self.source_choices():
                raise UiError(f"文库中没有“{source}”这个文件，请从列表中选择。")
            if not confirmed:
                raise UiError("请先勾选“确认删除”。删除后该文件中的讲话将无法再检索。")
            n = sum(1 for s in self.engine.speeches() if s.source == source)
            self.engine.remove_source(source)
        except Exception as e:  # noqa: BLE001
            return (render.notice_html(self.fail(e), "error"), gr.skip(), *self.refresh())
        status = render.notice_html(f"已删除 {source}（{n} 篇讲话），索引已更新。", "info")
        return (status, False, *self.refresh())

    # -- JSON API (same objects as the CLI's --json output for one query) -------------------------------------
    def api_error(self, error: Exception):
        msg = str(error) if isinstance(error, (UiError, QueryError, ValueError)) else INTERNAL_ERROR
        if not isinstance(error, (UiError, QueryError, ValueError)):
            log.exception("API call failed")
        return gr.Error(msg)

    @one_version
    def _api(self, text: str, run: Callable[[str], Any], max_chars: int = MAX_QUERY_CHARS) -> dict:
        """One API call: the query checked, ``run(query)`` -> the CLI's ``--json`` object for it; failures
        become gr.Error with a readable message."""
        try:
            q = validate_query(text, max_chars=max_chars)
            return {"id": None, "query": q, **run(q)}
        except Exception as e:  # noqa: BLE001
            raise self.api_error(e) from None

    def api_search(self, query: str) -> dict:
        return self._api(query, lambda q: {"results": [h.to_json() for h in self.engine.search(q)]})

    def api_ask(self, question: str) -> dict:
        return self._api(question, lambda q: self.engine.ask(q).to_json())

    def api_similar(self, text: str) -> dict:
        return self._api(
            text, lambda q: {"results": [h.to_json() for h in self.engine.similar(text=q, k=SIMILAR_K)]},
            max_chars=self.similar_max_chars(),
        )

    def api_compare(self, topic: str) -> dict:
        return self._api(topic, lambda q: self.engine.compare(q).to_json())


# -- the page ----------------------------------------------------------------------------------------------
FONT_STACK = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "sans-serif"]


def app_theme():
    # System fonts only: the default theme fetches Google fonts, which an offline server cannot reach.
    return gr.themes.Soft(
        primary_hue="red", secondary_hue="amber", neutral_hue="stone",
        font=FONT_STACK, font_mono=["Noto Sans Mono CJK SC", "monospace"],
    )


# Gradio hard-codes the table's search placeholder in English; put it in Chinese whenever the table renders.
PAGE_JS = """
() => {
  const fix = () => document.querySelectorAll('#jg-library input.search-input').forEach((i) => {
    if (i.placeholder !== '在列表中搜索…') { i.placeholder = '在列表中搜索…'; i.setAttribute('aria-label', '在列表中搜索'); }
  });
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  fix();
}
"""


def launch_options() -> dict[str, Any]:
    """theme/css/js for Blocks.launch (Gradio 6 takes them there, not in the Blocks constructor)."""
    return {"theme": app_theme(), "css": render.PAGE_CSS, "js": PAGE_JS}


class JianggaoApp(gr.Blocks):
    """gr.Blocks that launches with the project's theme and stylesheet unless told otherwise."""

    def launch(self, *args, **kwargs):  # type: ignore[override]
        for key, value in launch_options().items():
            kwargs.setdefault(key, value)
        kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)
        kwargs.setdefault("ssr_mode", False)
        return super().launch(*args, **kwargs)


class AskTab(NamedTuple):
    chatbot: Any
    turns: Any
    question: Any
    ask_btn: Any
    clear_btn: Any
    mode: Any
    speech_filter: Any
    source_filter: Any
    cites: Any


class SimilarTab(NamedTuple):
    text: Any
    k: Any
    go: Any
    cards: Any


class CompareTab(NamedTuple):
    topic: Any
    go: Any
    chart: Any
    page: Any


class LibraryTab(NamedTuple):
    table: Any
    pick: Any
    open_btn: Any
    files: Any
    upload_btn: Any
    remove_src: Any
    confirm: Any
    remove_btn: Any
    status: Any


def _ask_tab(h: Handlers) -> AskTab:
    with gr.Tab("问答", id="ask", elem_id="tab-ask"):
        turns = gr.State([])
        chatbot = gr.Chatbot(label="对话", elem_id="jg-chat", height=360, show_label=False,
                             placeholder="向讲话稿文库提问，答案会标注 [n] 并附上原文出处。")
        with gr.Row(equal_height=True):
            question = gr.Textbox(show_label=False, placeholder="输入问题，按回车提问", scale=8,
                                  elem_id="jg-question", lines=1, max_lines=4)
            ask_btn = gr.Button("提问", variant="primary", scale=1, elem_id="jg-ask", min_width=90)
            clear_btn = gr.Button("清空对话", variant="secondary", scale=1, min_width=110)
        gr.Examples(EXAMPLE_QUESTIONS, inputs=[question], label="示例问题")
        with gr.Accordion("高级选项", open=False, elem_id="jg-advanced"):
            mode = gr.Radio([(MODE_LABELS[m], m) for m in MODES], value="hybrid", label="检索方式",
                            info="混合：语义与关键词结合；语义：按意思匹配；关键词：按字词匹配")
            with gr.Row():
                speech_filter = gr.Dropdown(h.speech_choices(), multiselect=True, label="只在这些讲话中查找")
                source_filter = gr.Dropdown(h.source_choices(), multiselect=True, label="只在这些文件中查找")
        cites = gr.HTML("", elem_id="jg-cites", js_on_load=ACTION_JS)
    return AskTab(chatbot, turns, question, ask_btn, clear_btn, mode, speech_filter, source_filter, cites)


def _similar_tab() -> SimilarTab:
    with gr.Tab("相似段落", id="similar", elem_id="tab-similar"):
        text = gr.Textbox(label="粘贴一段文字", lines=5, max_lines=12, elem_id="jg-sim-text",
                          placeholder="粘贴一段讲话内容，查找文库中意思相近或重复的段落；也可以在任一段落卡片上点“找相似”。")
        with gr.Row():
            k = gr.Slider(3, 20, value=SIMILAR_K, step=1, label="结果数量", scale=3)
            go = gr.Button("查找相似段落", variant="primary", scale=1, elem_id="jg-sim-go")
        cards = gr.HTML("", elem_id="jg-sim-cards", js_on_load=ACTION_JS)
    return SimilarTab(text, k, go, cards)


def _compare_tab() -> CompareTab:
    with gr.Tab("专题对比", id="compare", elem_id="tab-compare"):
        with gr.Row(equal_height=True):
            topic = gr.Textbox(show_label=False, placeholder="输入一个专题，例如：脱贫攻坚", scale=8, elem_id="jg-topic")
            go = gr.Button("对比", variant="primary", scale=1, elem_id="jg-cmp-go", min_width=90)
        gr.Examples([[t] for t in EXAMPLE_TOPICS], inputs=[topic], label="示例专题")
        chart = gr.HTML("", elem_id="jg-chart")
        page = gr.HTML("", elem_id="jg-compare", js_on_load=ACTION_JS)
    return CompareTab(topic, go, chart, page)


def _library_tab(h: Handlers) -> LibraryTab:
    with gr.Tab("文库", id="library", elem_id="tab-library"):
        table = gr.Dataframe(h.library_table(), interactive=False, show_search="search", wrap=True, max_height=420,
                             elem_id="jg-library", label="讲话列表（点击一行查看全文）",
                             column_widths=["11%", "24%", "20%", "17%", "10%", "7%", "11%"])
        with gr.Row(equal_height=True):
            pick = gr.Dropdown(h.speech_choices(), label="选择讲话", scale=4, elem_id="jg-pick")
            open_btn = gr.Button("查看全文", scale=1, elem_id="jg-open")
        with gr.Row():
            with gr.Column(scale=3):
                gr.Markdown("#### 上传讲话稿")
                files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="选择文件",
                                elem_id="jg-upload", height=140)
                gr.Markdown(
                    f"支持 {'、'.join(UPLOAD_TYPES)}；一次最多 {MAX_UPLOAD_FILES} 个文件，"
                    f"每个不超过 {MAX_UPLOAD_BYTES // 2**20} MB。上传后自动建立索引，无需重启。",
                    elem_classes=["jg-hint"],
                )
                upload_btn = gr.Button("上传并建立索引", variant="primary", elem_id="jg-upload-go")
            with gr.Column(scale=2):
                gr.Markdown("#### 删除源文件")
                remove_src = gr.Dropdown(h.source_choices(), label="源文件", elem_id="jg-remove-src")
                confirm = gr.Checkbox(False, label="确认删除（该文件中的讲话将从文库中移除）")
                remove_btn = gr.Button("删除", variant="stop", elem_id="jg-remove-go")
        status = gr.HTML("", elem_id="jg-lib-status")
    return LibraryTab(table, pick, open_btn, files, upload_btn, remove_src, confirm, remove_btn, status)


def _api_endpoints(h: Handlers) -> None:
    """The named API: query text in, the CLI's JSON object out. Registered before the UI events, which
    would otherwise claim these names (an event's default api_name is its function's name)."""

    def search(query: str) -> dict:
        """Passages matching the query (hybrid retrieval), as `jianggao search --json`."""
        return h.api_search(query)

    def ask(question: str) -> dict:
        """An answer with numbered citations, as `jianggao ask --json`."""
        return h.api_ask(question)

    def similar(text: str) -> dict:
        """Passages similar to the text, copies grouped, as `jianggao similar --json`."""
        return h.api_similar(text)

    def compare(topic: str) -> dict:
        """Speeches that treat the topic, side by side, as `jianggao compare --json`."""
        return h.api_compare(topic)

    for fn in (search, ask, similar, compare):
        gr.api(fn, api_name=fn.__name__)


def build_app(engine: Engine) -> gr.Blocks:
    """The whole page on one engine; launch it with ``.launch()`` (the CLI's ``jianggao serve``)."""
    h = Handlers(engine)
    private = {"api_visibility": "private"}
    write = {"api_visibility": "private", "concurrency_id": "library-write", "concurrency_limit": 1}

    with JianggaoApp(title="讲稿 · 讲话稿检索与问答", analytics_enabled=False) as demo:
        _api_endpoints(h)
        header = gr.HTML(h.header(), elem_id="jg-header")
        with gr.Row(elem_id="jg-layout"):
            with gr.Column(scale=3, elem_id="jg-main"):
                with gr.Tabs(elem_id="jg-tabs") as tabs:
                    chat = _ask_tab(h)
                    sim = _similar_tab()
                    cmp = _compare_tab()
                    lib = _library_tab(h)
            # The reading pane: hidden until a speech is opened, then sticky beside the tabs.
            with gr.Column(scale=2, visible=False, elem_id="jg-reader", min_width=380) as reader:
                with gr.Row(elem_id="jg-reader-bar"):
                    gr.HTML('<div class="jg-reader-title">讲话全文</div>')
                    close_btn = gr.Button("关闭", size="sm", scale=0, min_width=70, elem_id="jg-reader-close")
                viewer = gr.HTML("", elem_id="jg-viewer", js_on_load=SCROLL_JS)

        # 问答
        ask_io = dict(inputs=[chat.question, chat.chatbot, chat.turns, chat.speech_filter, chat.source_filter, chat.mode],
                      outputs=[chat.chatbot, chat.cites, chat.turns, chat.question], **private)
        chat.ask_btn.click(h.ask, **ask_io)
        chat.question.submit(h.ask, **ask_io)
        chat.clear_btn.click(h.clear_chat, outputs=[chat.chatbot, chat.cites, chat.turns], **private)

        def show_turn(history: list, turn_cards: list, evt: gr.SelectData):
            return h.show_turn(history, turn_cards, evt.index)

        chat.chatbot.select(show_turn, inputs=[chat.chatbot, chat.turns], outputs=[chat.cites], **private)

        # card buttons (查看全文, 找相似) in every tab
        def on_card(k: float, evt: gr.EventData):
            return h.card_action(dict(evt._data or {}), int(k or SIMILAR_K))

        for card_box in (chat.cites, sim.cards, cmp.page):
            card_box.click(on_card, inputs=[sim.k], outputs=[viewer, reader, tabs, sim.text, sim.cards], **private)
        close_btn.click(lambda: gr.update(visible=False), outputs=[reader], **private)

        # 相似段落, 专题对比
        sim.go.click(h.similar, inputs=[sim.text, sim.k], outputs=[sim.cards], **private)
        for trigger in (cmp.go.click, cmp.topic.submit):
            trigger(h.compare, inputs=[cmp.topic], outputs=[cmp.page, cmp.chart], **private)

        # 文库
        def on_row(evt: gr.SelectData):
            return h.library_select(evt.row_value)

        lib.table.select(on_row, outputs=[viewer, reader], **private)
        lib.open_btn.click(lambda sid: h.open_speech(sid) if sid else (gr.skip(), gr.skip()), inputs=[lib.pick],
                           outputs=[viewer, reader], **private)
        refresh_outputs = [lib.table, header, chat.speech_filter, chat.source_filter, lib.pick, lib.remove_src]
        # Each visit shows the library as it is now, not as it was when the app was built.
        demo.load(h.refresh, outputs=refresh_outputs, **private)

        def upload(file_list: list, progress=gr.Progress()):
            return h.upload(file_list, progress)

        lib.upload_btn.click(upload, inputs=[lib.files], outputs=[lib.status, lib.files, *refresh_outputs], **write)
        lib.remove_btn.click(h.remove, inputs=[lib.remove_src, lib.confirm],
                             outputs=[lib.status, lib.confirm, *refresh_outputs], **write)

    demo.queue(default_concurrency_limit=4)
    demo.handlers = h  # for tests and embedding
    return demo
