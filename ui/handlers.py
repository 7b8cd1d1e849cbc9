"""The functions behind the page's events: ``Handlers``, plain methods on plain values (strings, lists, dicts,
records), so tests call them directly without a server or a browser.

Every handler turns failures into a readable Chinese message in the page (an error box plus a ``gr.Warning``
toast; wording in ``jianggao.ui.messages``) and logs the details; the app never shows a stack trace and stays
usable. Rendering is in ``jianggao.ui.render`` (pure, escaped), exports in ``jianggao.ui.export`` (pure); the
layout that wires these handlers to components is ``jianggao.ui.app``.

No ``from __future__ import annotations`` here: Gradio reads the type hints of functions it calls at runtime.
"""
import functools
import logging
import shutil
import tempfile
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import gradio as gr

from jianggao.qa.engine import UPLOAD_DIR, Engine, safe_name
from jianggao.qa.retrieval import MAX_QUERY_CHARS, Filters, Hit, validate_query
from jianggao.ui import export, render
from jianggao.ui.checks import UiError, upload_items, upload_problems
from jianggao.ui.labels import distinct_labels, meta_value, place_of, year_of
from jianggao.ui.messages import INTERNAL_ERROR, user_message
from jianggao.ui.render import ComparedSpeech, PassageView

if TYPE_CHECKING:
    from jianggao.qa.answer import Answer
    from jianggao.qa.compare import Comparison

log = logging.getLogger(__name__)

SIMILAR_K = 8
CLOSEST_SHOWN = 3  # passages shown at once under a refusal; the rest fold away
LIBRARY_COLUMNS = ["编号", "讲话", "标题", "地点", "讲话人", "日期", "会议", "来源文件", "字数", "重复于"]
ALL = "全部"  # the "no restriction" choice of the place / year / speaker dropdowns
EXPORTS_KEPT = 200  # export folders kept on disk per app; older ones are deleted


def one_version(method: Callable) -> Callable:
    """Run a reading handler on one index version (Engine.pinned): an upload finishing mid-request cannot leave
    it answering from one version and rendering the cited speeches from another."""

    @functools.wraps(method)
    def wrapper(self: "Handlers", *args: Any, **kwargs: Any) -> Any:
        with self.engine.pinned():
            return method(self, *args, **kwargs)

    return wrapper


def snippet(text: str, n: int = 90) -> str:
    """The opening of a passage on one line, for lists."""
    one = " ".join(text.split())
    return one if len(one) <= n else one[:n] + "…"


def meta_filters(speech_ids: Sequence[str] | None = None, sources: Sequence[str] | None = None,
                 place: Any = None, year: Any = None, speaker: Any = None) -> Filters:
    """The engine's Filters from the page's advanced options (empty or 全部: no restriction)."""
    def chosen(v: Any) -> Any:
        return None if v in (None, "", ALL) else v

    return Filters.of(speech_ids, sources, place=chosen(place), year=chosen(year), speaker=chosen(speaker))


def hidden_download():
    return gr.update(value=None, visible=False)


class Handlers:
    """The functions behind the page's events, on one engine. Methods return plain values or gr.update()s."""

    def __init__(self, engine: Engine, export_dir: Path | None = None):
        self.engine = engine
        self._export_dir = export_dir

    # -- lookups ---------------------------------------------------------------------------------------------
    def speech(self, speech_id: str):
        try:
            return self.engine.speech(speech_id)
        except KeyError:
            return None

    def speeches_by_id(self) -> dict[str, Any]:
        return {s.id: s for s in self.engine.speeches()}

    def labels(self) -> dict[str, str]:
        """speech id -> a label unique in the library (recomputed: metadata may change with any re-index)."""
        return distinct_labels(self.engine.speeches())

    def chunk(self, chunk_id: str):
        """The indexed passage with this id in the current index version, or None."""
        store = self.engine.store
        i = store.chunk_position.get(chunk_id)
        return None if i is None else store.chunks[i]

    def fail(self, error: Exception, what: str = "问题") -> str:
        """The Chinese message for a failure, also shown as a toast."""
        msg = user_message(error, what)
        gr.Warning(msg, title="提示")
        return msg

    # -- page furniture --------------------------------------------------------------------------------------
    def header(self) -> str:
        speeches = self.engine.speeches()
        return render.header_html(len(speeches), len({s.source for s in speeches}))

    def speech_choices(self) -> list[tuple[str, str]]:
        labels = self.labels()
        return [(f"{labels[s.id]}（{s.id}）", s.id) for s in self.engine.speeches()]

    def source_choices(self) -> list[str]:
        return sorted({s.source for s in self.engine.speeches()})

    def meta_choices(self) -> tuple[list[str], list[str], list[str]]:
        """(places, years, speakers) known in the library, each led by the "全部" choice."""
        speeches = self.engine.speeches()
        places = sorted({place_of(s) for s in speeches} - {""})
        years = sorted({year_of(meta_value(s, "date")) for s in speeches} - {""}, reverse=True)
        speakers = sorted({meta_value(s, "speaker") for s in speeches} - {""})
        return tuple([ALL, *values] for values in (places, years, speakers))

    # -- downloads -------------------------------------------------------------------------------------------
    def save_download(self, data: bytes, name: str) -> str:
        """Write an export where the page can serve it (the system temp folder); returns its path."""
        if self._export_dir is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="jianggao-exports-"))
            # The folder is this app's own: it goes when the app does (or at exit), not left behind in /tmp.
            weakref.finalize(self, shutil.rmtree, str(self._export_dir), True)
        folders = sorted(self._export_dir.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - EXPORTS_KEPT + 1)]:
            shutil.rmtree(old, ignore_errors=True)
        folder = self._export_dir / uuid.uuid4().hex
        folder.mkdir(parents=True)
        path = folder / name
        path.write_bytes(data)
        return str(path)

    # -- 问答 -----------------------------------------------------------------------------------------------
    def passage_views_of_hits(self, hits: Sequence[Hit], with_score: bool = False) -> list[str]:
        by_id, labels = self.speeches_by_id(), self.labels()
        cards = []
        for h in hits:
            view = PassageView(
                h.speech_id, h.title, h.source, h.start, h.end, h.chunk_id, label=f"#{h.rank}",
                score=h.score if with_score else None,
                also_in=tuple((d.speech_id, labels.get(d.speech_id, d.title)) for d in h.duplicates),
                speech_label=labels.get(h.speech_id, ""),
            )
            cards.append(render.passage_card(view, by_id.get(h.speech_id), h.text, in_context=False))
        return cards

    def citation_cards(self, answer: "Answer") -> list[str]:
        by_id, labels = self.speeches_by_id(), self.labels()
        cards = []
        for c in answer.citations:
            view = PassageView(c.speech_id, c.title, c.source, c.start, c.end, c.chunk_id, label=f"[{c.n}]",
                               paragraph=(c.paragraph_start, c.paragraph_end),
                               speech_label=labels.get(c.speech_id, ""))
            cards.append(render.passage_card(view, by_id.get(c.speech_id), c.text))
        return cards

    @staticmethod
    def partial_note(answer: "Answer") -> str:
        """For a "partial" answer: plainly, that the library treats the subject but not the asked detail; or, when
        the best excerpts are from other speeches than the one asked about, which excerpt is from that one."""
        n = getattr(answer, "named_excerpt", 0)
        if n:
            return f"最接近的摘录出自其他讲话；所问讲话的摘录是[{n}]，不能确定它回答了这个问题。"
        missing = list(getattr(answer, "missing_terms", None) or [])
        detail = f"（{'、'.join(missing)}）" if missing else ""
        return f"文库谈到了这个主题，但没有给出所问的具体内容{detail}。下面的段落最接近，但并不是答案。"

    def answer_views(self, answer: "Answer") -> tuple[str, str]:
        """(chat message in Markdown, cards HTML) for an Answer; its status and key terms shown when it has them."""
        notes = [render.notice_html(w, "warn") for w in answer.warnings if w]
        terms = render.terms_html(getattr(answer, "covered_terms", None) or (),
                                  getattr(answer, "missing_terms", None) or ())
        status = export.answer_status(answer)
        if status == "answered" and answer.citations:
            message = render.md_escape(answer.answer)
            how = "由语言模型根据" if answer.generated else "摘自"
            message += f"\n\n*{how} {len(answer.citations)} 处讲话原文，见下方引用。*"
            html = "".join(notes) + terms + render.cards_html(self.citation_cards(answer), heading="引用原文")
            return message, html
        if status == "partial":
            said = answer.answer or answer.message
            named = getattr(answer, "named_excerpt", 0)
            # The engine's message already says which excerpt is the named speech's; the note would say it twice.
            note = "" if named else self.partial_note(answer)
            message = "**部分相关。** " + render.md_escape(f"{said} {note}".strip())
            html = "".join(notes) + render.notice_html("部分相关：" + self.partial_note(answer), "warn") + terms
            cards = self.citation_cards(answer) or self.passage_views_of_hits(answer.closest)
            heading = "最接近的段落（不能确定是答案）" if named else "最接近的段落（并非答案）"
            return message, html + self._fold_cards(cards, heading)
        closest = list(answer.closest)
        if answer.message:  # the engine's own words (Chinese, for the user)
            message = render.md_escape(answer.message)
        else:
            message = "资料中没有找到足够的依据来回答这个问题。"
            message += "下面列出最接近的段落，供参考。" if closest else ""
        message = "**证据不足。** " + message
        html = "".join(notes) + render.notice_html("证据不足：以下只是最接近的段落，并不能直接回答问题。", "warn") + terms
        return message, html + self._fold_cards(self.passage_views_of_hits(closest), "最接近的段落")

    @staticmethod
    def _fold_cards(cards: list[str], heading: str) -> str:
        if not cards:
            return render.empty_html("没有相关段落。")
        shown, more = cards[:CLOSEST_SHOWN], cards[CLOSEST_SHOWN:]
        if more:
            shown.append(f'<details class="jg-more"><summary>再显示 {len(more)} 段</summary>{"".join(more)}</details>')
        return render.cards_html(shown, heading=heading)

    def answer_record(self, answer: "Answer") -> export.AnswerExport:
        status = export.answer_status(answer)
        note = self.partial_note(answer) if status == "partial" else ""
        return export.answer_export(answer, self.speeches_by_id(), self.labels(), note)

    @one_version
    def ask(self, question: str, history: list | None, turns: list | None, speech_ids: list | None = None,
            sources: list | None = None, mode: str = "hybrid", place: Any = None, year: Any = None,
            speaker: Any = None) -> tuple[list, str, list, str]:
        """Returns (chat history, citation cards, turns, new question box value). Each turn is
        {"cards": HTML, "export": AnswerExport} so an earlier answer can be shown and exported again."""
        history, turns = list(history or []), list(turns or [])
        try:
            filters = meta_filters(speech_ids, sources, place, year, speaker)
            answer = self.engine.ask(question, mode=mode, filters=filters)
            message, html = self.answer_views(answer)
            record = self.answer_record(answer)
        except Exception as e:  # noqa: BLE001 - every failure becomes a message in the page
            return history, render.notice_html(self.fail(e), "error"), turns, question
        history += [{"role": "user", "content": render.md_escape(answer.question)},
                    {"role": "assistant", "content": message}]
        turns.append({"cards": html, "export": record})
        return history, html, turns, ""

    def clear_chat(self) -> tuple:
        return [], "", [], "", hidden_download(), gr.update(visible=False)

    def turn_index(self, history: list | None, turns: list | None, index: Any) -> int | None:
        """The turn of chat message ``index`` (a click on an earlier message), or None."""
        history, turns = history or [], turns or []
        i = index[0] if isinstance(index, (list, tuple)) else index
        if not isinstance(i, int) or not 0 <= i < len(history):
            return None
        n = sum(1 for m in history[: i + 1] if m.get("role") == "assistant") - 1
        if history[i].get("role") == "user":
            n += 1
        return n if 0 <= n < len(turns) else None

    def show_turn(self, history: list | None, turns: list | None, index: Any):
        """The cards of the turn at chat message ``index``, or gr.skip()."""
        n = self.turn_index(history, turns, index)
        return gr.skip() if n is None else turns[n]["cards"]

    def answer_downloads(self, turns: list | None, index: int = -1) -> tuple:
        """(Markdown, .docx download, export box) for turn ``index`` (the latest by default)."""
        turns = turns or []
        if not turns or not -len(turns) <= index < len(turns):
            return "", hidden_download(), gr.update(visible=False)
        record: export.AnswerExport = turns[index]["export"]
        try:
            docx = self.save_download(export.answer_docx(record), export.file_name("问答", record.question, ".docx"))
        except Exception as e:  # noqa: BLE001
            log.exception("answer export failed")
            return self.fail(e), hidden_download(), gr.update(visible=True)
        return export.answer_markdown(record), gr.update(value=docx, visible=True), gr.update(visible=True)

    def turn_view(self, history: list | None, turns: list | None, index: Any) -> tuple:
        """A click on an earlier chat message: its cards and its exports."""
        n = self.turn_index(history, turns, index)
        if n is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (turns[n]["cards"], *self.answer_downloads(turns, n))

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
        return render.speech_html(sp, highlight, canonical.title if canonical else None,
                                  label=self.labels().get(sp.id, ""))

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
    def similar_html(self, run: Callable[[], list[Hit]], with_self: bool = True, what: str = "一段文字") -> str:
        try:
            hits = run()
        except Exception as e:  # noqa: BLE001
            return render.notice_html(self.fail(e, what), "error")
        if not hits:
            return render.empty_html("没有找到相似的段落。")
        n_speeches = len({h.speech_id for h in hits} | {d.speech_id for h in hits for d in h.duplicates})
        return render.cards_html(self.passage_views_of_hits(hits, with_score=True), heading="相似段落",
                                 note=f"共 {len(hits)} 段，分布在 {n_speeches} 篇讲话中；重复出现的段落已合并。")

    @one_version
    def similar(self, text: str, k: Any = SIMILAR_K) -> str:
        return self.similar_html(lambda: self.engine.similar(text=text, k=int(k or SIMILAR_K)))

    @staticmethod
    def similar_max_chars() -> int:
        from jianggao.qa.similar import MAX_TEXT_CHARS

        return MAX_TEXT_CHARS

    # -- 专题对比 -----------------------------------------------------------------------------------------------
    @one_version
    def compare(self, topic: str, place: Any = None, year: Any = None, speaker: Any = None) -> tuple:
        """(comparison HTML, chart HTML, export record or None)."""
        try:
            comparison = self.engine.compare(topic, filters=meta_filters(None, None, place, year, speaker))
            page, chart = self.comparison_views(comparison)
            record = (export.comparison_export(comparison, self.speeches_by_id(), self.labels())
                      if comparison.speeches else None)
            return page, chart, record
        except Exception as e:  # noqa: BLE001
            return render.notice_html(self.fail(e, "专题"), "error"), "", None

    def comparison_views(self, comparison: "Comparison") -> tuple[str, str]:
        """(comparison HTML, chart HTML) for a jianggao.qa.compare.Comparison; speeches shown by their labels."""
        by_id, labels = self.speeches_by_id(), self.labels()
        speeches = list(comparison.speeches)
        if not speeches:
            return render.notice_html(f"没有讲话专门谈到「{comparison.topic}」。", "warn"), ""
        distinctive = comparison.distinctive or {}
        columns = [
            ComparedSpeech(
                s.speech_id, s.title, float(s.score), tuple(s.keywords),
                tuple((p.speech_id or s.speech_id, p.start, p.end, p.chunk_id) for p in s.passages),
                tuple(snippet(p.text) for p in distinctive.get(s.speech_id, [])),
                source=s.source, label=labels.get(s.speech_id, s.title),
            )
            for s in speeches
        ]
        shared = [(p.text, [labels.get(x, x) for x in p.speeches]) for p in comparison.shared_points]
        note = "" if len(speeches) > 1 else render.notice_html("只有一篇讲话谈到这个专题，无从对比。", "info")
        html = note + render.comparison_html(comparison.topic, columns, by_id, shared, [comparison.topic])
        chart = render.bar_chart_html(
            [(f"{i}. {c.label}", c.score, f"{100 * c.score:.0f}%") for i, c in enumerate(columns, 1)],
            title=f"各篇讲话谈及「{comparison.topic}」的程度（以最多的一篇为 100%）",
        )
        return html, chart

    def compare_downloads(self, record: export.ComparisonExport | None) -> tuple:
        """(Markdown, .docx, .csv, .xlsx downloads, export box) for a comparison record."""
        if record is None:
            hidden = hidden_download()
            return "", hidden, hidden, hidden, gr.update(visible=False)
        try:
            files = [
                self.save_download(make(record), export.file_name("专题对比", record.topic, suffix))
                for make, suffix in ((export.comparison_docx, ".docx"), (export.comparison_csv, ".csv"),
                                     (export.comparison_xlsx, ".xlsx"))
            ]
        except Exception as e:  # noqa: BLE001
            log.exception("comparison export failed")
            hidden = hidden_download()
            return self.fail(e), hidden, hidden, hidden, gr.update(visible=True)
        return (export.comparison_markdown(record), *(gr.update(value=f, visible=True) for f in files),
                gr.update(visible=True))

    # -- 文库 -----------------------------------------------------------------------------------------------
    def library_rows(self, place: Any = None, year: Any = None, speaker: Any = None) -> list[list[Any]]:
        """One row per speech (LIBRARY_COLUMNS), only those matching the place / year / speaker filters."""
        labels = self.labels()
        keep = meta_filters(None, None, place, year, speaker)
        rows = []
        for s in self.engine.store.speeches:
            if not keep.allows(s.id, s.source, s):
                continue
            rows.append([s.id, labels[s.id], s.title, place_of(s), meta_value(s, "speaker"), meta_value(s, "date"),
                         meta_value(s, "meeting"), s.source, len(s.text), s.canonical_id or ""])
        return rows

    def library_table(self, place: Any = None, year: Any = None, speaker: Any = None):
        import pandas as pd

        return pd.DataFrame(self.library_rows(place, year, speaker), columns=LIBRARY_COLUMNS)

    def library_select(self, row_value: Sequence[Any] | None):
        if not row_value:
            return gr.skip(), gr.skip()
        return self.open_speech(str(row_value[0]))

    def refresh(self) -> tuple:
        """Everything that shows the library's contents, after an upload or removal (or a page load):
        (table, header, speech filter, source filter, open-a-speech, remove-a-source, places, years, speakers).
        The table shows every speech, so the place / year / speaker choices go back to 全部."""
        sp = self.speech_choices()
        src = self.source_choices()
        places, years, speakers = self.meta_choices()
        return (
            self.library_table(),
            self.header(),
            gr.update(choices=sp),  # filter: speeches
            gr.update(choices=src),  # filter: sources
            gr.update(choices=sp, value=None),  # library: open a speech
            gr.update(choices=src, value=None),  # library: remove a source
            gr.update(choices=places, value=ALL),
            gr.update(choices=years, value=ALL),
            gr.update(choices=speakers, value=ALL),
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
        from jianggao.qa.retrieval import QueryError

        known = (UiError, QueryError, ValueError)
        msg = str(error) if isinstance(error, known) else INTERNAL_ERROR
        if not isinstance(error, known):
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
