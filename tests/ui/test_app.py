"""The functions behind the page's events, called directly on a small real engine (no server, no browser)."""
from __future__ import annotations

import html
import re
from types import SimpleNamespace

import gradio as gr
import pytest
from uihelpers import (
    COUNTY_TITLE,
    DOCX_PARAGRAPHS,
    DOCX_PHRASE,
    DOCX_TITLE,
    PAYLOAD,
    county_speeches,
    inject_markup,
    write_docx,
)

from jianggao.indexer.identity import speech_label
from jianggao.qa.engine import MAX_UPLOAD_FILES, UPLOAD_DIR, UploadError, safe_name
from jianggao.qa.retrieval import MODES, QueryError, validate_query
from jianggao.ui import export, render
from jianggao.ui.app import EXAMPLE_QUESTIONS, MODE_LABELS, build_app
from jianggao.ui.checks import upload_problems
from jianggao.ui.handlers import Handlers
from jianggao.ui.messages import INTERNAL_ERROR, query_message

pytestmark = [
    pytest.mark.slow,
    # gr.Warning outside a running app turns into a UserWarning; the handlers' messages are asserted instead.
    pytest.mark.filterwarnings("ignore::UserWarning:gradio.helpers"),
]

MARK_RE = re.compile(r"<mark[^>]*>(.*?)</mark>", re.S)


def no_progress(*args, **kwargs):
    return None


def marked_texts(fragment: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in MARK_RE.findall(fragment)]


def corpus_text(engine) -> str:
    return "\n".join(s.text for s in engine.speeches())


@pytest.fixture(scope="module")
def handlers(ui_engine):
    return Handlers(ui_engine)


# -- registry and app ----------------------------------------------------------------------------------------
def test_mode_labels_cover_the_mode_registry():
    assert list(MODE_LABELS) == list(MODES)


def test_the_app_exposes_exactly_the_four_named_api_endpoints(ui_engine):
    demo = build_app(ui_engine)
    public = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert public == {"search", "ask", "similar", "compare"}


# -- 问答 -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_example_questions_are_answered_from_the_corpus(handlers, ui_engine, question):
    history, cards, turns, box = handlers.ask(question, [], [], None, None, "hybrid")
    assert box == "" and len(history) == 2 and len(turns) == 1
    assert history[0] == {"role": "user", "content": render.md_escape(question)}
    assert "引用原文" in cards and cards.count('class="jg-card"') >= 1
    corpus = corpus_text(ui_engine)
    marks = marked_texts(cards)
    assert marks and all(m in corpus for m in marks)  # every highlighted excerpt is real corpus text
    assert re.search(r"\\\[\d+\\\]", history[1]["content"])  # the [n] markers survive Markdown escaping


def test_follow_up_questions_keep_the_conversation_and_each_turns_cards(handlers):
    history, _, turns, _ = handlers.ask(EXAMPLE_QUESTIONS[0], [], [], None, None, "hybrid")
    history, cards2, turns, _ = handlers.ask(EXAMPLE_QUESTIONS[1], history, turns, None, None, "keyword")
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert len(turns) == 2 and turns[1]["cards"] == cards2
    assert handlers.show_turn(history, turns, 1) == turns[0]["cards"]  # clicking the first answer shows it again
    assert handlers.show_turn(history, turns, 2) == turns[1]["cards"]
    cards, markdown, docx, box = handlers.turn_view(history, turns, 0)  # ... with its own exports
    assert cards == turns[0]["cards"] and EXAMPLE_QUESTIONS[0] in markdown and box["visible"] is True


def test_filters_restrict_the_citations(handlers, ui_engine):
    target = next(s for s in ui_engine.speeches() if "残疾人" in s.title)
    _, cards, _, _ = handlers.ask("要落实哪些工作责任？", [], [], [target.id], None, "hybrid")
    ids = set(re.findall(r'data-speech="([^"]+)"', cards))
    assert ids == {target.id}


def test_bad_questions_get_a_chinese_message_and_keep_the_history(handlers):
    history = [{"role": "user", "content": "旧问题"}, {"role": "assistant", "content": "旧回答"}]
    for bad, expected in [("", "请先输入问题"), ("  🙂🙂 ", "没有文字或数字"), ("长" * 5000, "超过了")]:
        out_history, cards, turns, box = handlers.ask(bad, history, ["x"], None, None, "hybrid")
        assert out_history == history and turns == ["x"] and box == bad
        assert "jg-error" in cards and expected in cards
    _, cards, _, _ = handlers.ask("校车", [], [], None, None, "fuzzy")
    assert "jg-error" in cards and "Traceback" not in cards  # the engine's check_option refuses it


def test_weak_evidence_is_said_plainly_with_the_closest_passages(handlers, ui_engine):
    hit = ui_engine.search("校车", k=1)[0]
    weak = SimpleNamespace(question="火星", answerable=False, answer="", citations=[], message="",
                           closest=[hit], warnings=[])
    message, cards = handlers.answer_views(weak)
    assert "证据不足" in message and "没有找到足够的依据" in message and "最接近的段落" in message
    assert "证据不足" in cards and hit.chunk_id in cards and "<mark" not in cards
    weak.message = "资料中没有找到足够依据回答这个问题。"  # the engine's own message is shown as it is
    message, _ = handlers.answer_views(weak)
    assert "资料中没有找到足够依据回答这个问题" in message


def test_a_question_the_corpus_cannot_answer_is_refused_in_the_page(handlers):
    history, cards, _, _ = handlers.ask("火星探测器用的是什么燃料？", [], [], None, None, "hybrid")
    assert history[1]["content"].startswith("**证据不足。**")
    assert "最接近的段落" in cards and "引用原文" not in cards


def test_an_unexpected_failure_shows_a_message_not_a_traceback(ui_engine, monkeypatch):
    h = Handlers(ui_engine)

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(ui_engine, "ask", boom, raising=False)
    _, cards, _, _ = h.ask("校车安全", [], [], None, None, "hybrid")
    assert INTERNAL_ERROR in cards and "secret" not in cards and "Traceback" not in cards


# -- passages, the speech viewer and 相似段落 -------------------------------------------------------------------
def test_open_action_shows_the_whole_speech_with_the_excerpt_marked(handlers, ui_engine):
    speech = next(s for s in ui_engine.speeches() if "校车" in s.title)
    start = speech.text.index("校车安全")
    viewer, pane, *_ = handlers.card_action(
        {"action": "open", "speech": speech.id, "start": str(start), "end": str(start + 4)}
    )
    assert pane["visible"] is True
    assert f'<mark id="{render.TARGET_ID}">校车安全</mark>' in viewer
    assert viewer.count("<p>") >= 5 and html.escape(speech.title) in viewer


def test_similar_from_a_card_switches_tab_and_groups_copies(handlers, ui_engine):
    dup = next(s for s in ui_engine.speeches() if s.canonical_id)
    chunk = ui_engine.store.chunks_of(dup.id)[2]
    viewer, pane, tabs, text, cards = handlers.card_action({"action": "similar", "chunk": chunk.id})
    assert tabs["selected"] == "similar" and text == chunk.text
    assert "相似度" in cards and cards.count('class="jg-card"') >= 3
    assert "出现在 2 篇讲话中" in cards  # the passage and its copy in the duplicate speech are one result


def test_similar_to_pasted_text_and_opening_a_copy_locates_the_passage(handlers, ui_engine):
    canon = next(s for s in ui_engine.speeches() if s.copies)
    chunk = ui_engine.store.chunks_of(canon.id)[1]
    cards = handlers.similar(chunk.text, 5)
    first = re.search(r'<article class="jg-card">.*?</article>', cards, re.S).group(0)
    assert "相似度 1.00" in first or "相似度 0.99" in first
    copy_id = canon.copies[0]
    viewer, _ = handlers.open_speech(copy_id, locate=chunk.id)
    assert chunk.text[:20] in "".join(marked_texts(viewer))
    assert "重复副本" in viewer


def test_similar_rejects_empty_text(handlers):
    assert "请先输入一段文字" in handlers.similar("   ", 5)


# -- 专题对比 ---------------------------------------------------------------------------------------------------
def test_compare_shows_speeches_side_by_side_and_a_chart(handlers):
    page, chart, record = handlers.compare("安全责任")
    assert page.count('class="jg-col"') >= 2
    assert "关键段落" in page and "<mark>" in page
    assert chart.count('class="jg-bar-row"') == page.count('class="jg-col"') == len(record.speeches)


def test_compare_needs_a_topic(handlers):
    page, chart, record = handlers.compare("")
    assert "请先输入专题" in page and chart == "" and record is None


# -- 文库: listing, upload, removal -----------------------------------------------------------------------------
def test_library_lists_every_speech_with_duplicates_marked(handlers, ui_engine):
    df = handlers.library_table()
    assert list(df.columns) == ["编号", "讲话", "标题", "地点", "讲话人", "日期", "会议", "来源文件", "字数", "重复于"]
    assert df["讲话"].is_unique  # the duplicate pair shares a title; its labels still differ
    assert len(df) == len(ui_engine.speeches())
    dup = next(s for s in ui_engine.speeches() if s.canonical_id)
    assert df.set_index("编号").loc[dup.id, "重复于"] == dup.canonical_id
    viewer, pane = handlers.library_select([dup.id, dup.title])
    assert pane["visible"] is True and "重复副本" in viewer


def test_upload_docx_is_indexed_and_searchable_without_restart(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    before = len(h.library_table())
    path = write_docx(tmp_path / "数字乡村.docx", DOCX_TITLE, DOCX_PARAGRAPHS)
    calls = []
    status, files, table, header, speech_dd, source_dd, *_ = h.upload(
        [str(path)], lambda f, desc=None: calls.append((f, desc))
    )
    assert "jg-info" in status and "识别出 1 篇讲话" in status, status
    assert files is None and len(table) == before + 1
    assert f"{UPLOAD_DIR}/数字乡村.docx" in source_dd["choices"]
    assert calls and calls[-1][0] == 1.0  # progress reached the end
    result = h.api_search(DOCX_PHRASE)
    assert result["results"][0]["source"] == f"{UPLOAD_DIR}/数字乡村.docx"
    assert (fresh_engine.library_dir / UPLOAD_DIR / "数字乡村.docx").is_file()


def test_upload_names_never_leave_the_library(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    body = tmp_path / "body.txt"
    body.write_text(DOCX_TITLE + "\n\n" + "\n".join(DOCX_PARAGRAPHS), encoding="utf-8")
    status, *_ = h.upload([("../../x.txt", body)], no_progress)
    assert "识别出 1 篇讲话" in status
    library = fresh_engine.library_dir.resolve()
    assert (library / UPLOAD_DIR / "x.txt").is_file()
    assert not (library.parent / "x.txt").exists() and not (library.parent.parent / "x.txt").exists()
    written = [p for p in library.parent.parent.rglob("x.txt")]
    assert written == [library / UPLOAD_DIR / "x.txt"]


def test_unusable_uploads_are_reported_and_taken_out_again(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    short = tmp_path / "short.txt"
    short.write_text("你好。", encoding="utf-8")
    status, files_box, table, *_ = h.upload([str(broken), str(short)], no_progress)
    assert "jg-warn" in status and "broken.pdf：未能读取" in status and "short.txt：没有识别出讲话正文" in status
    assert "已移除" in status and len(table) == len(fresh_engine.speeches())
    assert not list((fresh_engine.library_dir / UPLOAD_DIR).iterdir())


@pytest.mark.parametrize(
    "name, expected",
    [("../../x.txt", "x.txt"), ("..\\..\\evil.md", "evil.md"), ("/etc/passwd.txt", "passwd.txt"),
     ("a\x00b\n.pdf", "ab.pdf"), (".hidden.txt", "hidden.txt"), ("讲话 稿.docx", "讲话 稿.docx")],
)
def test_safe_name_keeps_only_a_bare_file_name(name, expected):
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["..", "../", "", "   ", "\x00"])
def test_safe_name_refuses_names_with_nothing_left(name):
    with pytest.raises(UploadError):
        safe_name(name)


def test_upload_refuses_bad_sets_with_chinese_reasons_and_writes_nothing(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    good = tmp_path / "ok.txt"
    good.write_text("讲话内容" * 50, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    cases = [
        ([], "请先选择要上传的文件"),
        ([("a.exe", exe)], "类型不受支持"),
        ([("..", good)], "不是可用的文件名"),
        ([("empty.txt", empty)], "空文件"),
        ([(f"f{i}.txt", good) for i in range(MAX_UPLOAD_FILES + 1)], f"一次最多上传 {MAX_UPLOAD_FILES} 个文件"),
        ([("ok.txt", good), ("a.exe", exe)], "类型不受支持"),  # one bad file stops the whole set
    ]
    for files, expected in cases:
        status, files_box, table, *_ = h.upload(files, no_progress)
        assert "jg-error" in status and expected in status, (files, status)
        assert len(table) == len(fresh_engine.speeches())
    assert not (fresh_engine.library_dir / UPLOAD_DIR).exists()


def test_upload_size_limit_is_checked_before_copying(tmp_path, monkeypatch):
    import jianggao.ui.checks

    monkeypatch.setattr(jianggao.ui.checks, "MAX_UPLOAD_BYTES", 10)
    big = tmp_path / "big.txt"
    big.write_text("讲话" * 10, encoding="utf-8")
    assert any("超过了" in p for p in upload_problems([("big.txt", big)]))


def test_remove_source_needs_confirmation_then_drops_its_speeches(fresh_engine):
    h = Handlers(fresh_engine)
    source = "xiaoche_anquan.txt"
    status, confirm, table, *_ = h.remove(source, False)
    assert "确认删除" in status and (fresh_engine.library_dir / source).exists()
    status, confirm, table, header, speech_dd, source_dd, *_ = h.remove(source, True)
    assert "已删除" in status and confirm is False
    assert not (fresh_engine.library_dir / source).exists()
    assert source not in set(table["来源文件"]) and source not in source_dd["choices"]
    assert all(h["source"] != source for h in h.api_search("校车安全")["results"])
    status, *_ = h.remove("../outside.txt", True)
    assert "jg-error" in status


# -- escaping ----------------------------------------------------------------------------------------------
def test_markup_in_a_speech_is_shown_as_text_everywhere(fresh_engine):
    speech, at = inject_markup(fresh_engine)
    h = Handlers(fresh_engine)
    escaped = html.escape(PAYLOAD)
    viewer, _ = h.open_speech(speech.id, at, at + len(PAYLOAD))
    assert "<img" not in viewer and escaped in viewer
    chunk = next(c for c in fresh_engine.store.chunks_of(speech.id) if c.start <= at < c.end)
    cards = h.similar(chunk.text, 3)
    assert "<img" not in cards and escaped in cards
    page, *_ = h.compare(chunk.text[:30])
    assert "<img" not in page
    assert PAYLOAD in h.library_table()["标题"].tolist()[[s.id for s in fresh_engine.speeches()].index(speech.id)]


def test_user_text_and_file_names_are_escaped(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    history, *_ = h.ask(f"{PAYLOAD} 校车安全怎么管？", [], [], None, None, "hybrid")
    assert "<img" not in history[0]["content"]
    body = tmp_path / "body.txt"
    body.write_text(DOCX_TITLE + "\n\n" + "\n".join(DOCX_PARAGRAPHS), encoding="utf-8")
    name = f"{PAYLOAD}.txt"
    status, *_ = h.upload([(name, body)], no_progress)
    assert "<img" not in status and html.escape(name) in status
    cards = h.similar(DOCX_PARAGRAPHS[1], 3)
    assert "<img" not in cards and html.escape(f"{UPLOAD_DIR}/{name}") in cards


def test_render_escapes_in_attributes_and_marks():
    view = render.PassageView('s"1', PAYLOAD, "a'b.txt", 0, 4, chunk_id='c"><x', label="[1]")
    card = render.passage_card(view, None, PAYLOAD, in_context=False)
    assert "<img" not in card and "<x" not in card and 'data-chunk="c&quot;&gt;&lt;x"' in card
    assert render.marked("a<b>c", [(1, 4)]) == "a<mark>&lt;b&gt;</mark>c"


# -- input checks --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, what, expected", [
    ("  ", "问题", "请先输入问题"), ("", "专题", "请先输入专题"), ("？！…", "问题", "没有文字或数字"),
    ("字" * 3000, "问题", "输入有 3000 个字，超过了 2000 字的上限"),
])
def test_the_engines_query_errors_are_worded_in_chinese(text, what, expected):
    with pytest.raises(QueryError) as err:
        validate_query(text)
    assert expected in query_message(err.value, what)


# -- JSON API --------------------------------------------------------------------------------------------------
def test_api_search_returns_the_cli_json_object(handlers, ui_engine):
    out = handlers.api_search("  校车安全 ")
    assert out == {"id": None, "query": "校车安全", "results": [h.to_json() for h in ui_engine.search("校车安全")]}


def test_api_ask_similar_compare_return_json_objects(handlers):
    import json

    for fn, q in [(handlers.api_ask, EXAMPLE_QUESTIONS[0]), (handlers.api_similar, "加强校车安全管理"),
                  (handlers.api_compare, "安全责任")]:
        out = fn(q)
        assert out["query"] == q
        json.dumps(out, ensure_ascii=False)  # plain JSON all the way down


def test_api_errors_are_gradio_errors_with_a_message(handlers):
    with pytest.raises(gr.Error) as err:
        handlers.api_search("")
    assert "empty" in str(err.value) or "空" in str(err.value)


# -- pure rendering ------------------------------------------------------------------------------------------
def test_context_bounds_trim_long_paragraphs_at_sentence_ends():
    text = "第一句很长很长。" * 30 + "这是引文。" + "后面的句子。" * 30
    start = text.index("这是引文")
    a, b = render.context_bounds(text, start, start + 5, context=30)
    assert a > 0 and text[a - 1] == "。" and start - a <= 30
    assert text[b - 1] == "。" and b - (start + 5) <= 30
    snippet = render.excerpt_html(text, start, start + 5, context=30)
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>这是引文。</mark>" in snippet


def test_paragraphs_mark_a_span_across_lines_once_anchored():
    out = render.paragraphs_html("甲乙\n丙丁", [(1, 4)], "t")
    assert out == '<p>甲<mark id="t">乙</mark></p>\n<p><mark>丙</mark>丁</p>'


def test_term_spans_use_normalised_text_to_mark_any_script():
    from jianggao.indexer.normalize import normalize

    text = "加強疫情防控工作"
    spans = render.term_spans(normalize(text), ["防控", "加强"])
    assert [text[s:e] for s, e in spans] == ["加強", "防控"]


def test_bar_chart_scales_to_the_largest_value():
    chart = render.bar_chart_html([("甲", 2.0, "2"), ("乙<", 1.0, "1")], "标题")
    assert "width:100.0%" in chart and "width:50.0%" in chart and "乙&lt;" in chart


# -- speech identity in the page: labels, metadata columns and filters, exports ------------------------------------
def test_library_shows_metadata_columns_and_filters_by_place_year_and_speaker(fresh_engine):
    zi, shang = county_speeches(fresh_engine)
    h = Handlers(fresh_engine)
    df = h.library_table().set_index("编号")
    assert df.loc[zi.id, ["地点", "讲话人", "日期", "会议"]].tolist() == ["紫阳县", "张三", "2016-03-02", "脱贫攻坚工作会议"]
    assert df.loc[zi.id, "讲话"] == speech_label(zi) and "紫阳县" in speech_label(zi)
    assert df.loc[shang.id, "讲话"] == speech_label(shang) and df.loc[shang.id, "标题"] == COUNTY_TITLE
    assert df["讲话"].is_unique
    assert list(h.library_table(place="商州")["编号"]) == [shang.id]
    in_2016 = set(h.library_table(year="2016")["编号"])  # 紫阳县 (2016-03-02) and the page copy (2016年02月26日)
    assert zi.id in in_2016 and shang.id not in in_2016
    assert list(h.library_table(speaker="张三", year="2017")["编号"]) == []
    assert len(h.library_table(place="全部", year="全部")) == len(fresh_engine.speeches())
    places, years, speakers = h.meta_choices()
    assert {"紫阳县", "商州区"} <= set(places) and {"2016", "2017"} <= set(years) and places[0] == "全部"


def test_ask_and_compare_take_place_year_and_speaker_filters(fresh_engine):
    zi, shang = county_speeches(fresh_engine)
    h = Handlers(fresh_engine)
    _, cards, _, _ = h.ask("脱贫攻坚要抓好哪些工作？", [], [], None, None, "hybrid", "紫阳县", "全部", "全部")
    assert set(re.findall(r'data-speech="([^"]+)"', cards)) == {zi.id}
    page, _, record = h.compare("脱贫", None, "2017", None)
    assert set(re.findall(r'<article class="jg-col" data-speech="([^"]+)"', page)) == {shang.id}
    assert [s.label for s in record.speeches] == [speech_label(shang)]
    _, cards, _, _ = h.ask("脱贫攻坚要抓好哪些工作？", [], [], None, None, "hybrid", None, None, "王五")
    assert "证据不足" in cards and "jg-card" not in cards  # nobody of that name: no passage at all


def test_compare_groups_by_speech_under_distinct_labels_and_exports_them(fresh_engine):
    import csv
    import io

    import docx
    from openpyxl import load_workbook

    pair = county_speeches(fresh_engine)
    h = Handlers(fresh_engine)
    page, chart, record = h.compare("脱贫")
    titles = [html.unescape(t) for t in re.findall(r'<span class="jg-title">([^<]*)</span>', page)]
    labels = [speech_label(s) for s in pair]  # one title, two places: two labels
    assert "紫阳县" in labels[0] and "商州区" in labels[1] and set(labels) <= set(titles)
    assert len(titles) == len(set(titles)) and all(html.escape(label) in chart for label in labels)
    markdown, docx_file, csv_file, xlsx_file, box = h.compare_downloads(record)
    assert box["visible"] is True and "## 1. " in markdown
    excerpts = [e for s in record.speeches for e in s.excerpts]
    assert excerpts and all(f"— {e.source_line()}" in markdown for e in excerpts)
    assert all(f"> {line}" in markdown for e in excerpts for line in e.text.split("\n") if line.strip())
    paragraphs = [p.text for p in docx.Document(docx_file["value"]).paragraphs]
    assert all(e.text in paragraphs and f"出处：{e.source_line()}" in paragraphs for e in excerpts)
    rows = list(csv.reader(io.StringIO(open(csv_file["value"], encoding="utf-8-sig").read())))
    assert [r[0] for r in rows[1:]] == [s.label for s in record.speeches]
    ws = load_workbook(xlsx_file["value"]).active
    assert [c.value for c in ws["A"]][1:] == [s.label for s in record.speeches]
    excerpt_column = export.SPEECH_COLUMNS.index("摘录") + 1
    assert all(e.text in (ws.cell(row=i + 2, column=excerpt_column).value or "")
               for i, s in enumerate(record.speeches) for e in s.excerpts)
    assert h.compare_downloads(None)[-1]["visible"] is False


def test_an_answer_can_be_exported_with_its_citations(handlers):
    import docx

    history, cards, turns, _ = handlers.ask(EXAMPLE_QUESTIONS[0], [], [], None, None, "hybrid")
    markdown, docx_file, box = handlers.answer_downloads(turns)
    record = turns[-1]["export"]
    assert box["visible"] is True and record.excerpts and markdown.startswith(f"# 问题：{EXAMPLE_QUESTIONS[0]}")
    paragraphs = [p.text for p in docx.Document(docx_file["value"]).paragraphs]
    for e in record.excerpts:
        assert f"— {e.source_line()}" in markdown
        assert all(line in markdown for line in e.text.split("\n"))
        assert any(p.endswith(e.text) for p in paragraphs) and f"出处：{e.source_line()}" in paragraphs
    assert handlers.answer_downloads([])[-1]["visible"] is False


def test_answer_view_shows_covered_and_missing_terms_and_says_partial_plainly(handlers, ui_engine):
    from jianggao.qa.answer import Answer

    answer = ui_engine.ask(EXAMPLE_QUESTIONS[0])
    assert answer.citations
    answer.status, answer.covered_terms, answer.missing_terms = "answered", ["校车", "安全"], []
    _, cards = handlers.answer_views(answer)
    assert 'jg-term-ok">校车' in cards and "引文未涉及" not in cards and "引用原文" in cards
    hit = ui_engine.search("校车安全", k=2)
    partial = Answer(question="校车安全的处罚标准是多少？", answerable=False,
                     answer="资料提到了校车安全，但没有给出处罚标准。", closest=hit)
    partial.status, partial.covered_terms, partial.missing_terms = "partial", ["校车安全"], ["处罚标准"]
    message, cards = handlers.answer_views(partial)
    assert message.startswith("**部分相关。**") and "资料提到了校车安全" in message
    assert "文库谈到了这个主题，但没有给出所问的具体内容（处罚标准）" in cards
    assert 'jg-term-miss">处罚标准' in cards and "最接近的段落（并非答案）" in cards and "引用原文" not in cards
    assert hit[0].chunk_id in cards
    record = handlers.answer_record(partial)
    assert record.status == "partial" and record.missing == ("处罚标准",) and "并不是答案" in record.note
    # the best excerpts are other speeches', excerpt [2] the named speech's: no "not the answer" for it
    partial.named_excerpt = 2
    message, cards = handlers.answer_views(partial)
    assert "所问讲话的摘录是[2]" in cards and "最接近的段落（不能确定是答案）" in cards and "并不是答案" not in cards
    assert "所问讲话的摘录是[2]" not in message  # the engine's own message says it; not twice


def test_the_export_folder_goes_with_the_app(ui_engine):
    import gc
    from pathlib import Path

    h = Handlers(ui_engine)
    path = Path(h.save_download("a,b\n".encode(), "对比.csv"))
    assert path.read_text() == "a,b\n"
    folder = path.parent.parent
    del h
    gc.collect()
    assert not folder.exists()
