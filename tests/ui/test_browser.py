"""End-to-end flows in headless Chromium (Debian's, see scripts/setup-browser.sh) against the running app.

One app per module, on a private copy of the small test library, served from a background thread; one
browser per module, a fresh page per test. Every test leaves a full-page screenshot in test-artifacts/.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from uihelpers import (
    ARTIFACTS,
    DOCX_PARAGRAPHS,
    DOCX_TITLE,
    PAYLOAD,
    copy_engine,
    county_speeches,
    inject_markup,
    write_docx,
)

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect, sync_playwright  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from benchutil import free_port  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 90_000  # a 2-core machine answering with a CPU model


@pytest.fixture(scope="module")
def served(ui_base, encoder, tmp_path_factory):
    from jianggao.ui.app import build_app

    engine = copy_engine(ui_base, tmp_path_factory.mktemp("browser") / "ui", encoder)
    demo = build_app(engine)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", engine=engine)
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: run scripts/setup-browser.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, served, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.dialogs, pg.errors = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(served.url)
    pg.wait_for_selector("#jg-header")
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def corpus_text(engine) -> str:
    return "\n".join(s.text for s in engine.speeches())


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def ask(page, question: str) -> None:
    page.locator("#jg-question textarea").fill(question)
    page.locator("#jg-ask").click()
    page.wait_for_selector("#jg-cites .jg-card")


def test_ask_shows_an_answer_with_highlighted_citations_from_the_corpus(page, served):
    page.get_by_text("校车安全管理要落实哪些责任？").first.click()  # an example question fills the box
    expect(page.locator("#jg-question textarea")).to_have_value("校车安全管理要落实哪些责任？")
    page.locator("#jg-ask").click()
    page.wait_for_selector("#jg-cites .jg-card")
    expect(page.locator("#jg-chat")).to_contain_text("[1]")
    marks = page.locator("#jg-cites .jg-excerpt mark").all_inner_texts()
    corpus = corpus_text(served.engine)
    assert marks and all(m.strip() and m.strip() in corpus for m in marks), marks
    assert not page.errors


def test_opening_a_citation_shows_the_speech_scrolled_to_the_excerpt(page, served):
    ask(page, "怎样帮助残疾人脱贫？")
    card = page.locator("#jg-cites .jg-card").first
    cited = card.locator(".jg-excerpt mark").first.inner_text()
    card.get_by_role("button", name="查看全文").click()
    target = page.locator("#jg-viewer mark#jg-target")
    expect(target).to_be_visible()
    expect(target).to_be_in_viewport()
    assert target.inner_text().strip() == cited.strip()
    title = card.locator(".jg-title").inner_text()
    expect(page.locator("#jg-viewer .jg-speech-title")).to_have_text(title)


def test_similar_passages_from_pasted_text_and_from_a_card(page, served):
    dup = next(s for s in served.engine.speeches() if s.canonical_id)
    passage = served.engine.store.chunks_of(dup.id)[1].text
    open_tab(page, "相似段落")
    page.locator("#jg-sim-text textarea").fill(passage)
    page.locator("#jg-sim-go").click()
    page.wait_for_selector("#jg-sim-cards .jg-card")
    first = page.locator("#jg-sim-cards .jg-card").first
    expect(first.locator(".jg-score")).to_contain_text(re.compile(r"相似度 (1\.00|0\.9\d)"))
    expect(first).to_contain_text("出现在 2 篇讲话中")
    first.get_by_role("button", name="查看全文").click()
    expect(page.locator("#jg-viewer .jg-speech-title")).to_be_visible()
    # 找相似 on a citation card brings its passage here
    open_tab(page, "问答")
    ask(page, "脱贫攻坚要抓好哪些重点工程？")
    page.locator("#jg-cites").get_by_role("button", name="找相似").first.click()
    expect(page.get_by_role("tab", name="相似段落")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#jg-sim-text textarea")).not_to_have_value("")
    expect(page.locator("#jg-sim-cards .jg-card").first).to_be_visible()


def test_comparison_shows_speeches_side_by_side_with_a_chart(page):
    open_tab(page, "专题对比")
    page.locator("#jg-topic textarea").fill("安全责任")
    page.locator("#jg-cmp-go").click()
    page.wait_for_selector("#jg-compare .jg-col")
    assert page.locator("#jg-compare .jg-col").count() >= 2
    assert page.locator("#jg-chart .jg-bar-row").count() == page.locator("#jg-compare .jg-col").count()
    expect(page.locator("#jg-compare .jg-col mark").first).to_be_visible()


def test_uploaded_docx_is_searchable_at_once(page, served, tmp_path):
    path = write_docx(tmp_path / "数字乡村讲话.docx", DOCX_TITLE, DOCX_PARAGRAPHS)
    open_tab(page, "文库")
    page.locator("#jg-upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#jg-upload").get_by_role("link")).to_contain_text("KB")  # the upload has finished
    page.locator("#jg-upload-go").click()
    expect(page.locator("#jg-lib-status .jg-info")).to_contain_text("识别出 1 篇讲话")
    expect(page.locator("#jg-library")).to_contain_text("uploads/数字乡村讲话.docx")
    expect(page.locator("#jg-header")).to_contain_text("来自 5 个文件")
    open_tab(page, "相似段落")
    page.locator("#jg-sim-text textarea").fill(DOCX_PARAGRAPHS[2])
    page.locator("#jg-sim-go").click()
    first = page.locator("#jg-sim-cards .jg-card").first
    expect(first).to_contain_text("uploads/数字乡村讲话.docx")
    expect(first.locator(".jg-excerpt")).to_contain_text(DOCX_PARAGRAPHS[2][:20])


def test_markup_in_a_speech_is_shown_as_text(page, served):
    injected, _ = inject_markup(served.engine)  # in memory: lasts until the next re-index
    page.reload()  # the page loads the library as it is now
    page.wait_for_selector("#jg-header")
    open_tab(page, "文库")
    row = page.locator("#jg-library").get_by_role("gridcell").filter(has_text=PAYLOAD).first
    expect(row).to_be_visible()
    row.click()
    viewer = page.locator("#jg-viewer")
    expect(viewer.locator(".jg-speech-title")).to_contain_text(PAYLOAD)
    expect(viewer.locator(".jg-speech-body")).to_contain_text(PAYLOAD)
    open_tab(page, "相似段落")
    page.locator("#jg-sim-text textarea").fill(injected.text[:200])
    page.locator("#jg-sim-go").click()
    expect(page.locator("#jg-sim-cards .jg-card").first).to_contain_text(PAYLOAD)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("#jg-viewer img, #jg-sim-cards img, #jg-library img").count() == 0
    assert page.dialogs == [] and not page.errors


def with_counties(page, served) -> list[str]:
    """Two speeches with one title, told apart by place (in memory, until the next re-index); page reloaded.
    Returns their labels (紫阳县 …, 商州区 …)."""
    from jianggao.indexer.identity import speech_label

    labels = [speech_label(s) for s in county_speeches(served.engine)]
    assert "紫阳县" in labels[0] and "商州区" in labels[1]
    page.reload()
    page.wait_for_selector("#jg-header")
    return labels


def choose(page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def download(page, button: str, dest: Path) -> Path:
    with page.expect_download() as info:
        page.locator(button).click()
    path = dest / info.value.suggested_filename
    info.value.save_as(str(path))
    return path


def test_library_table_shows_place_speaker_date_meeting_and_filters_them(page, served):
    county_labels = with_counties(page, served)
    open_tab(page, "文库")
    table = page.locator("#jg-library")
    for header in ("讲话", "地点", "讲话人", "日期", "会议"):
        expect(table.get_by_role("columnheader", name=header, exact=True).first).to_be_visible()
    for label in county_labels:
        expect(table).to_contain_text(label)
    expect(table).to_contain_text("2016-03-02")
    choose(page, "#jg-lib-place", "紫阳县")
    expect(table).not_to_contain_text(county_labels[1])
    expect(table).to_contain_text(county_labels[0])
    choose(page, "#jg-lib-place", "全部")
    expect(table).to_contain_text(county_labels[1])
    choose(page, "#jg-lib-year", "2017")
    expect(table).to_contain_text(county_labels[1])
    expect(table).not_to_contain_text(county_labels[0])
    assert not page.errors


def test_compare_shows_distinct_labels_and_its_exports_download_and_open(page, served, tmp_path):
    import csv

    import docx
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from jianggao.ui.export import SPEECH_COLUMNS

    county_labels = with_counties(page, served)
    open_tab(page, "专题对比")
    page.locator("#jg-topic textarea").fill("脱贫")
    page.locator("#jg-cmp-go").click()
    page.wait_for_selector("#jg-compare .jg-col")
    titles = page.locator("#jg-compare .jg-col .jg-title").all_inner_texts()
    assert set(county_labels) <= set(titles) and len(titles) == len(set(titles)), titles
    expect(page.locator("#jg-cmp-export")).to_be_visible()
    excerpts = [t.strip() for t in page.locator("#jg-compare .jg-passages .jg-excerpt").all_inner_texts()]
    assert excerpts
    markdown = page.locator("#jg-cmp-md textarea").input_value()
    assert all(label in markdown for label in county_labels)
    paragraphs = [p.text for p in docx.Document(str(download(page, "#jg-cmp-docx", tmp_path))).paragraphs]
    body = "\n".join(paragraphs)
    assert all(label in body for label in county_labels)
    assert any(p.startswith("出处：" + county_labels[0]) for p in paragraphs)
    with open(download(page, "#jg-cmp-csv", tmp_path), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == titles
    ws = load_workbook(download(page, "#jg-cmp-xlsx", tmp_path)).active
    assert [c.value for c in ws["A"]][1:] == titles
    excerpt_column = get_column_letter(SPEECH_COLUMNS.index("摘录") + 1)
    cells = "\n".join(str(c.value or "") for c in ws[excerpt_column])
    for text in excerpts:  # what the page shows (line breaks aside) is in the files
        start = text.replace("\n", "")[:20]
        assert start in body.replace("\n", "") and start in cells.replace("\n", ""), start
    assert not page.errors


def test_an_answer_exports_as_markdown_and_docx_with_its_citations(page, served, tmp_path):
    import docx

    ask(page, "校车安全管理要落实哪些责任？")
    expect(page.locator("#jg-ask-export")).to_be_visible()
    markdown = page.locator("#jg-ask-md textarea").input_value()
    marks = [m.strip() for m in page.locator("#jg-cites .jg-excerpt mark").all_inner_texts()]
    assert markdown.startswith("# 问题：校车安全管理要落实哪些责任？") and marks
    assert all(m.replace("\n", "")[:15] in markdown.replace("\n", "") for m in marks)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#jg-ask-md").get_by_role("button").first.click()  # the copy button
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == markdown
    paragraphs = [p.text for p in docx.Document(str(download(page, "#jg-ask-docx", tmp_path))).paragraphs]
    assert paragraphs[0] == "问题：校车安全管理要落实哪些责任？"
    assert any(p.startswith("出处：") and "xiaoche_anquan.txt" in p for p in paragraphs)
    assert not page.errors


# The table draws its rows as div[role=row] (virtualised); aria-rowindex is their place on screen.
ROW_IDS_JS = """() => Array.from(document.querySelectorAll('#jg-library [role=row][aria-rowindex]'))
  .filter((r) => r.querySelector('[role=gridcell]'))
  .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
  .map((r) => r.querySelector('[role=gridcell]').innerText.trim())"""


def test_library_table_sorts_by_a_column(page, served):
    open_tab(page, "文库")
    speeches = served.engine.speeches()
    size = {s.id: len(s.text) for s in speeches}
    header = page.locator("#jg-library th[title='字数']").first
    expect(page.locator("#jg-library")).to_contain_text(speeches[0].id)
    for item, expected in (("升序排序", sorted(size.values())), ("降序排序", sorted(size.values(), reverse=True))):
        header.hover()
        header.locator("button.cell-menu-button").click(force=True)  # the ⋮ shows on hover
        page.get_by_role("menuitem", name=item).click()
        page.wait_for_timeout(300)
        ids = [i for i in page.evaluate(ROW_IDS_JS) if i in size]
        assert [size[i] for i in ids] == expected, (item, ids)
    assert not page.errors
