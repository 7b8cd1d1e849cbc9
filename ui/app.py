"""The Gradio web front end's layout: ``build_app(engine)`` returns the four-tab page (问答, 相似段落, 专题对比, 文库)
and wires its components to ``jianggao.ui.handlers.Handlers``.

Passage cards are HTML; their buttons (查看全文, 找相似) reach Python through ``gr.HTML``'s ``js_on_load`` hook,
which forwards ``data-*`` attributes of the clicked button as the event's data.

Public API endpoints (``gr.api``): /search, /ask, /similar, /compare, each taking the query text and returning
the same JSON object as the CLI's ``--json`` output for one query.

No ``from __future__ import annotations`` here: Gradio reads the handlers' type hints (gr.EventData,
gr.Progress, the API functions' types) at runtime.
"""
from typing import Any, NamedTuple

import gradio as gr

from jianggao.qa.engine import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, Engine
from jianggao.qa.retrieval import MODES
from jianggao.ui import render
from jianggao.ui.checks import UPLOAD_TYPES
from jianggao.ui.handlers import ALL, SIMILAR_K, Handlers

# Labels of the retrieval modes; the registry is jianggao.qa.retrieval.MODES (a test checks they match).
MODE_LABELS: dict[str, str] = {"hybrid": "混合", "dense": "语义", "keyword": "关键词"}
EXAMPLE_QUESTIONS = [
    "校车安全管理要落实哪些责任？",
    "怎样帮助残疾人脱贫？",
    "疫情防控期间要做好哪些排查和检测工作？",
    "脱贫攻坚要抓好哪些重点工程？",
]
EXAMPLE_TOPICS = ["脱贫攻坚", "安全责任", "疫情防控"]

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


class MetaFilters(NamedTuple):
    """Place / year / speaker dropdowns (one set per tab that filters)."""

    place: Any
    year: Any
    speaker: Any


class AnswerExportBox(NamedTuple):
    box: Any
    markdown: Any
    docx: Any


class CompareExportBox(NamedTuple):
    box: Any
    markdown: Any
    docx: Any
    csv: Any
    xlsx: Any


class AskTab(NamedTuple):
    chatbot: Any
    turns: Any
    question: Any
    ask_btn: Any
    clear_btn: Any
    mode: Any
    speech_filter: Any
    source_filter: Any
    meta: MetaFilters
    cites: Any
    exports: AnswerExportBox


class SimilarTab(NamedTuple):
    text: Any
    k: Any
    go: Any
    cards: Any


class CompareTab(NamedTuple):
    topic: Any
    go: Any
    meta: MetaFilters
    chart: Any
    page: Any
    record: Any
    exports: CompareExportBox


class LibraryTab(NamedTuple):
    meta: MetaFilters
    table: Any
    pick: Any
    open_btn: Any
    files: Any
    upload_btn: Any
    remove_src: Any
    confirm: Any
    remove_btn: Any
    status: Any


def _meta_filters(h: Handlers, prefix: str) -> MetaFilters:
    places, years, speakers = h.meta_choices()
    common = {"value": ALL, "allow_custom_value": True, "min_width": 140}
    return MetaFilters(
        gr.Dropdown(places, label="地点 / 单位", elem_id=f"{prefix}-place",
                    info="可输入地名的一部分，如“紫阳”", **common),
        gr.Dropdown(years, label="年份", elem_id=f"{prefix}-year", **{**common, "allow_custom_value": False}),
        gr.Dropdown(speakers, label="讲话人", elem_id=f"{prefix}-speaker", **common),
    )


def _markdown_box(elem_id: str) -> Any:
    return gr.Textbox(label="Markdown（点右上角按钮复制，可粘贴到自己的文档）", lines=6, max_lines=16, interactive=False,
                      buttons=["copy"], elem_id=elem_id)


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
                meta = _meta_filters(h, "jg-ask")
            with gr.Row():
                speech_filter = gr.Dropdown(h.speech_choices(), multiselect=True, label="只在这些讲话中查找")
                source_filter = gr.Dropdown(h.source_choices(), multiselect=True, label="只在这些文件中查找")
        cites = gr.HTML("", elem_id="jg-cites", js_on_load=ACTION_JS)
        with gr.Column(visible=False, elem_id="jg-ask-export") as box:
            gr.Markdown("#### 导出这次回答（含引文出处）")
            docx = gr.DownloadButton("下载 Word（.docx）", elem_id="jg-ask-docx", size="sm")
            markdown = _markdown_box("jg-ask-md")
    return AskTab(chatbot, turns, question, ask_btn, clear_btn, mode, speech_filter, source_filter, meta, cites,
                  AnswerExportBox(box, markdown, docx))


def _similar_tab() -> SimilarTab:
    with gr.Tab("相似段落", id="similar", elem_id="tab-similar"):
        text = gr.Textbox(label="粘贴一段文字", lines=5, max_lines=12, elem_id="jg-sim-text",
                          placeholder="粘贴一段讲话内容，查找文库中意思相近或重复的段落；也可以在任一段落卡片上点“找相似”。")
        with gr.Row():
            k = gr.Slider(3, 20, value=SIMILAR_K, step=1, label="结果数量", scale=3)
            go = gr.Button("查找相似段落", variant="primary", scale=1, elem_id="jg-sim-go")
        cards = gr.HTML("", elem_id="jg-sim-cards", js_on_load=ACTION_JS)
    return SimilarTab(text, k, go, cards)


def _compare_tab(h: Handlers) -> CompareTab:
    with gr.Tab("专题对比", id="compare", elem_id="tab-compare"):
        record = gr.State(None)
        with gr.Row(equal_height=True):
            topic = gr.Textbox(show_label=False, placeholder="输入一个专题，例如：脱贫攻坚", scale=8, elem_id="jg-topic")
            go = gr.Button("对比", variant="primary", scale=1, elem_id="jg-cmp-go", min_width=90)
        gr.Examples([[t] for t in EXAMPLE_TOPICS], inputs=[topic], label="示例专题")
        with gr.Accordion("高级选项", open=False, elem_id="jg-cmp-advanced"):
            with gr.Row():
                meta = _meta_filters(h, "jg-cmp")
        chart = gr.HTML("", elem_id="jg-chart")
        page = gr.HTML("", elem_id="jg-compare", js_on_load=ACTION_JS)
        with gr.Column(visible=False, elem_id="jg-cmp-export") as box:
            gr.Markdown("#### 导出对比结果（每段摘录附讲话、文件和位置）")
            with gr.Row():
                docx = gr.DownloadButton("下载 Word（.docx）", elem_id="jg-cmp-docx", size="sm")
                csv = gr.DownloadButton("下载 CSV", elem_id="jg-cmp-csv", size="sm")
                xlsx = gr.DownloadButton("下载 Excel（.xlsx）", elem_id="jg-cmp-xlsx", size="sm")
            markdown = _markdown_box("jg-cmp-md")
    return CompareTab(topic, go, meta, chart, page, record, CompareExportBox(box, markdown, docx, csv, xlsx))


def _library_tab(h: Handlers) -> LibraryTab:
    with gr.Tab("文库", id="library", elem_id="tab-library"):
        with gr.Row(elem_id="jg-lib-filters"):
            meta = _meta_filters(h, "jg-lib")
        table = gr.Dataframe(h.library_table(), interactive=False, show_search="search", wrap=True, max_height=420,
                             elem_id="jg-library", label="讲话列表（点表头排序，点击一行查看全文）",
                             column_widths=["9%", "17%", "15%", "8%", "8%", "8%", "10%", "12%", "6%", "7%"])
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
    return LibraryTab(meta, table, pick, open_btn, files, upload_btn, remove_src, confirm, remove_btn, status)


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


def _choices_only(update: dict) -> dict:
    """A dropdown update that changes the choices and keeps the user's current choice."""
    return {k: v for k, v in update.items() if k != "value"}


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
                    cmp = _compare_tab(h)
                    lib = _library_tab(h)
            # The reading pane: hidden until a speech is opened, then sticky beside the tabs.
            with gr.Column(scale=2, visible=False, elem_id="jg-reader", min_width=380) as reader:
                with gr.Row(elem_id="jg-reader-bar"):
                    gr.HTML('<div class="jg-reader-title">讲话全文</div>')
                    close_btn = gr.Button("关闭", size="sm", scale=0, min_width=70, elem_id="jg-reader-close")
                viewer = gr.HTML("", elem_id="jg-viewer", js_on_load=SCROLL_JS)

        # 问答
        ask_exports = [chat.exports.markdown, chat.exports.docx, chat.exports.box]
        ask_io = dict(inputs=[chat.question, chat.chatbot, chat.turns, chat.speech_filter, chat.source_filter,
                              chat.mode, *chat.meta],
                      outputs=[chat.chatbot, chat.cites, chat.turns, chat.question], **private)
        for trigger in (chat.ask_btn.click, chat.question.submit):
            trigger(h.ask, **ask_io).then(h.answer_downloads, inputs=[chat.turns], outputs=ask_exports, **private)
        chat.clear_btn.click(h.clear_chat, outputs=[chat.chatbot, chat.cites, chat.turns, *ask_exports], **private)

        def show_turn(history: list, turns: list, evt: gr.SelectData):
            return h.turn_view(history, turns, evt.index)

        chat.chatbot.select(show_turn, inputs=[chat.chatbot, chat.turns], outputs=[chat.cites, *ask_exports],
                            **private)

        # card buttons (查看全文, 找相似) in every tab
        def on_card(k: float, evt: gr.EventData):
            return h.card_action(dict(evt._data or {}), int(k or SIMILAR_K))

        for card_box in (chat.cites, sim.cards, cmp.page):
            card_box.click(on_card, inputs=[sim.k], outputs=[viewer, reader, tabs, sim.text, sim.cards], **private)
        close_btn.click(lambda: gr.update(visible=False), outputs=[reader], **private)

        # 相似段落, 专题对比
        sim.go.click(h.similar, inputs=[sim.text, sim.k], outputs=[sim.cards], **private)
        cmp_exports = [cmp.exports.markdown, cmp.exports.docx, cmp.exports.csv, cmp.exports.xlsx, cmp.exports.box]
        for trigger in (cmp.go.click, cmp.topic.submit):
            trigger(h.compare, inputs=[cmp.topic, *cmp.meta], outputs=[cmp.page, cmp.chart, cmp.record],
                    **private).then(h.compare_downloads, inputs=[cmp.record], outputs=cmp_exports, **private)

        # 文库
        def on_row(evt: gr.SelectData):
            return h.library_select(evt.row_value)

        lib.table.select(on_row, outputs=[viewer, reader], **private)
        for dropdown in lib.meta:
            dropdown.change(h.library_table, inputs=[*lib.meta], outputs=[lib.table], **private)
        lib.open_btn.click(lambda sid: h.open_speech(sid) if sid else (gr.skip(), gr.skip()), inputs=[lib.pick],
                           outputs=[viewer, reader], **private)
        refresh_outputs = [lib.table, header, chat.speech_filter, chat.source_filter, lib.pick, lib.remove_src,
                           *lib.meta, *chat.meta, *cmp.meta]

        def refreshed(values: tuple) -> tuple:
            """h.refresh()'s values for refresh_outputs: the other tabs' filters keep their choice."""
            meta = values[6:9]
            return (*values, *(_choices_only(u) for u in meta), *(_choices_only(u) for u in meta))

        # Each visit shows the library as it is now, not as it was when the app was built.
        demo.load(lambda: refreshed(h.refresh()), outputs=refresh_outputs, **private)

        def upload(file_list: list, progress=gr.Progress()):
            status, files, *rest = h.upload(file_list, progress)
            return (status, files, *refreshed(tuple(rest)))

        def remove(source: str, confirmed: bool):
            status, confirm, *rest = h.remove(source, confirmed)
            return (status, confirm, *refreshed(tuple(rest)))

        lib.upload_btn.click(upload, inputs=[lib.files], outputs=[lib.status, lib.files, *refresh_outputs], **write)
        lib.remove_btn.click(remove, inputs=[lib.remove_src, lib.confirm],
                             outputs=[lib.status, lib.confirm, *refresh_outputs], **write)

    demo.queue(default_concurrency_limit=4)
    demo.handlers = h  # for tests and embedding
    return demo
