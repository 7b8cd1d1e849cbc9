"""Tests for jianggao.indexer.loaders: encoding detection, format extraction and corpus walking."""
from __future__ import annotations

import codecs
import hashlib
import os
import random
from pathlib import Path

import pytest

from jianggao.indexer import loaders
from jianggao.indexer.loaders import (
    SUPPORTED_SUFFIXES,
    LoaderError,
    decode_text,
    html_text,
    load_corpus,
    load_file,
)
from jianggao.indexer.types import LoadError, RawDocument

SEED = Path(__file__).resolve().parents[2] / "data" / "speeches"

SIMPLIFIED = (
    "各位同志：今天我们召开全市经济工作会议，主要任务是总结过去一年的工作，"
    "分析当前面临的形势，部署今年的重点任务。\n我们必须坚持稳中求进的工作总基调。\n"
)
TRADITIONAL = (
    "各位同志：今天我們召開全市經濟工作會議，主要任務是總結過去一年的工作，"
    "分析當前面臨的形勢，部署今年的重點任務。\n我們必須堅持穩中求進的工作總基調。\n"
)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("在全市安全生产工作会议上的讲话")
    document.add_paragraph("同志们：今天的会议很重要。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "时间"
    table.cell(0, 1).text = "二〇二三年三月"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "合并单元格只出现一次"
    document.add_paragraph("表格之后的段落。")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 10, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(pdf.output()))
    return path


# ------------------------------------------------------------------------------- plain text


def test_gbk_file_is_detected_as_gb18030(tmp_path: Path) -> None:
    f = write(tmp_path / "gbk.txt", SIMPLIFIED.encode("gbk"))
    doc = load_file(f)
    assert doc.encoding == "gb18030"
    assert doc.text == SIMPLIFIED


def test_big5_file_is_detected_although_it_also_decodes_as_gb18030(tmp_path: Path) -> None:
    data = TRADITIONAL.encode("big5")
    # The trap this guards against: Big5 bytes are valid GB18030, decoding into garbage.
    assert data.decode("gb18030") != TRADITIONAL
    doc = load_file(write(tmp_path / "big5.txt", data))
    assert doc.encoding == "big5"
    assert doc.text == TRADITIONAL


@pytest.mark.parametrize(
    ("text", "encoding", "family"),
    [("我们要坚持", "gbk", "gb18030"), ("我們要堅持", "big5", "big5"), ("讲话", "gb2312", "gb18030")],
)
def test_short_texts_decode_in_both_directions(text: str, encoding: str, family: str) -> None:
    decoded = decode_text(text.encode(encoding))
    assert (decoded.text, decoded.encoding) == (text, family)


def test_utf8_with_bom_drops_the_bom(tmp_path: Path) -> None:
    f = write(tmp_path / "bom.txt", codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"))
    doc = load_file(f)
    assert doc.text == SIMPLIFIED
    assert doc.encoding == "utf-8-sig"


def test_utf8_text_that_already_contains_replacement_chars_loads_unchanged(tmp_path: Path) -> None:
    text = "第一行被截断了\ufffd\n第二行完整。\n"
    doc = load_file(write(tmp_path / "cut.txt", text))
    assert (doc.text, doc.encoding) == (text, "utf-8")


def test_utf16_with_bom_loads(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path / "u16.txt", SIMPLIFIED.encode("utf-16")))
    assert doc.text == SIMPLIFIED


@pytest.mark.parametrize("encoding", ["gbk", "big5", "utf-8"])
def test_a_file_cut_mid_character_still_loads(tmp_path: Path, encoding: str) -> None:
    text = SIMPLIFIED if encoding == "gbk" else TRADITIONAL
    data = text.rstrip("\n").encode(encoding)[:-1]  # the last character loses its last byte
    doc = load_file(write(tmp_path / "cut.txt", data))
    assert doc.text.endswith("\ufffd")
    assert doc.text[:-1] == text.rstrip("\n")[:-1]
    assert doc.encoding == ("gb18030" if encoding == "gbk" else encoding)


def test_crlf_line_endings_are_normalised(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path / "crlf.txt", "第一行\r\n第二行\r第三行"))
    assert doc.text == "第一行\n第二行\n第三行"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("sjis.txt", "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。".encode("shift_jis"),
         "convert it to UTF-8"),
        ("u16.txt", "No BOM here, this is UTF-16 text.".encode("utf-16-le"), "UTF-16"),
        ("latin1.txt", "Un café très léger, s'il vous plaît, à la française.".encode("latin-1"),
         "convert it to UTF-8"),
        ("random.txt", random.Random(0).randbytes(4096), "binary file"),
        ("png.txt", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG image"),
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\t\r\n  ", "empty file"),
    ],
)
def test_unusable_text_files_raise_a_clear_error(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    f = write(tmp_path / name, data)
    with pytest.raises(LoaderError) as info:
        load_file(f)
    assert expected in info.value.reason
    assert str(f) in str(info.value)  # the message names the file


def test_size_limit(tmp_path: Path) -> None:
    f = write(tmp_path / "big.txt", SIMPLIFIED * 10)
    with pytest.raises(LoaderError, match="limit"):
        load_file(f, max_bytes=100)
    assert load_file(f, max_bytes=10_000).text == SIMPLIFIED * 10


def test_source_and_sha1(tmp_path: Path) -> None:
    f = write(tmp_path / "a" / "b" / "讲话.txt", SIMPLIFIED)
    assert load_file(f).source == "讲话.txt"
    doc = load_file(f, tmp_path)
    assert doc.source == "a/b/讲话.txt"
    assert doc.sha1 == hashlib.sha1(f.read_bytes()).hexdigest()
    assert isinstance(doc, RawDocument)


def test_unsupported_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    f = write(tmp_path / "notes.xyz", SIMPLIFIED)
    with pytest.raises(LoaderError) as info:
        load_file(f)
    assert "unsupported file type .xyz" in info.value.reason
    assert all(s in info.value.reason for s in SUPPORTED_SUFFIXES)


# ------------------------------------------------------------------------------------- HTML


def test_html_drops_scripts_and_keeps_text(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>页面标题</title>
    <style>p { color: red }</style><script>var secret = "脚本内容";</script></head>
    <body><noscript>请启用脚本</noscript><template><p>模板内容</p></template>
    <div><h1>在全市工作会议上的讲话</h1>
    <p>同志们：<b>今天</b>的会议
       很重要。<img src="x.png" onerror="alert('xss')">图片后的文字</p>
    <p>第二段<br>换行之后</p><!-- 注释 --><ul><li>第一项</li><li>第二项</li></ul></div>
    </body></html>"""
    doc = load_file(write(tmp_path / "page.html", html))
    assert doc.text.split("\n") == [
        "在全市工作会议上的讲话",
        "同志们：今天的会议 很重要。图片后的文字",
        "第二段",
        "换行之后",
        "第一项",
        "第二项",
    ]
    for dropped in ("脚本内容", "color", "页面标题", "请启用脚本", "模板内容", "alert", "注释"):
        assert dropped not in doc.text
    assert doc.encoding == "html/utf-8"


def test_html_uses_declared_charset(tmp_path: Path) -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        f"<body><p>{SIMPLIFIED}</p></body></html>"
    )
    doc = load_file(write(tmp_path / "gb.htm", html.encode("gbk")))
    assert doc.encoding == "html/gb18030"
    assert "我们必须坚持稳中求进的工作总基调" in doc.text


def test_html_saved_as_utf8_with_a_stale_gbk_declaration(tmp_path: Path) -> None:
    html = f'<html><head><meta charset="gbk"></head><body><p>{SIMPLIFIED}</p></body></html>'
    doc = load_file(write(tmp_path / "resaved.html", html.encode("utf-8")))
    assert "我们必须坚持稳中求进的工作总基调" in doc.text


def test_html_without_declaration_is_detected(tmp_path: Path) -> None:
    html = f"<html><body><p>{TRADITIONAL}</p></body></html>"
    doc = load_file(write(tmp_path / "b5.html", html.encode("big5")))
    assert doc.encoding == "html/big5"
    assert "我們必須堅持穩中求進的工作總基調" in doc.text


def test_html_pre_keeps_its_lines() -> None:
    assert html_text("<pre>第一行\n第二行</pre><p>a\n  b</p>") == "第一行\n第二行\na b"


# ------------------------------------------------------------------------------ DOCX / PDF


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    doc = load_file(make_docx(tmp_path / "speech.docx"))
    assert doc.encoding == "docx"
    assert doc.text.split("\n") == [
        "在全市安全生产工作会议上的讲话",
        "同志们：今天的会议很重要。",
        "时间",
        "二〇二三年三月",
        "合并单元格只出现一次",
        "表格之后的段落。",
    ]


def test_truncated_docx(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "whole.docx").read_bytes()
    f = write(tmp_path / "half.docx", data[: len(data) // 2])
    with pytest.raises(LoaderError, match=r"not a valid \.docx \(truncated or corrupt\?\)"):
        load_file(f)


def test_pdf_pages_joined(tmp_path: Path) -> None:
    f = make_pdf(tmp_path / "speech.pdf", ["First page of the annual report.", "Second page, closing remarks."])
    doc = load_file(f)
    assert doc.encoding == "pdf"
    first, second = doc.text.index("First page"), doc.text.index("Second page")
    assert first < second
    assert "\n" in doc.text[first:second]


def test_truncated_pdf(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "whole.pdf", ["Some text. " * 50] * 3).read_bytes()
    f = write(tmp_path / "half.pdf", data[: len(data) // 2])
    with pytest.raises(LoaderError, match="not a valid PDF"):
        load_file(f)


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a "scan": drawing only, no text
    f = write(tmp_path / "scan.pdf", bytes(pdf.output()))
    with pytest.raises(LoaderError, match="OCR"):
        load_file(f)


# ---------------------------------------------------------------------------------- corpus


def test_load_corpus_walks_sorted_and_reports_bad_files(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    write(lib / "b.txt", SIMPLIFIED.encode("gbk"))
    write(lib / "a" / "nested" / "deep.txt", TRADITIONAL.encode("big5"))
    write(lib / "a" / "page.html", f"<p>{SIMPLIFIED}</p>")
    make_docx(lib / "c.docx")
    make_pdf(lib / "d.pdf", ["Plain latin text layer."])
    write(lib / "binary.txt", b"\x00\x01\x02\xff" * 100)
    write(lib / "empty.txt", b"")
    write(lib / "notes.xyz", "whatever")
    data = make_docx(tmp_path / "tmp.docx").read_bytes()
    write(lib / "half.docx", data[: len(data) // 2])
    write(lib / ".hidden.txt", SIMPLIFIED)
    write(lib / ".git" / "x.txt", SIMPLIFIED)
    write(lib / "~$c.docx", b"lock")
    outside = write(tmp_path / "outside.txt", SIMPLIFIED)
    (lib / "link.txt").symlink_to(outside)
    (lib / "inside_link.txt").symlink_to(lib / "b.txt")  # same file again: loaded once

    documents, errors = load_corpus([lib])

    assert [d.source for d in documents] == ["a/nested/deep.txt", "a/page.html", "b.txt", "c.docx", "d.pdf"]
    assert [d.encoding for d in documents] == ["big5", "html/utf-8", "gb18030", "docx", "pdf"]
    assert all(isinstance(e, LoadError) for e in errors)
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert set(reasons) == {"binary.txt", "empty.txt", "notes.xyz", "half.docx", "link.txt"}
    assert "binary file" in reasons["binary.txt"]
    assert "empty file" in reasons["empty.txt"]
    assert reasons["notes.xyz"].startswith("unsupported file type .xyz; supported: ")
    assert "truncated or corrupt" in reasons["half.docx"]
    assert "symlink points outside the library" in reasons["link.txt"]
    # Deterministic: a second run gives the same result.
    assert load_corpus([lib]) == (documents, errors)


def test_load_corpus_explicit_files_and_missing_paths(tmp_path: Path) -> None:
    good = write(tmp_path / "x" / "good.txt", SIMPLIFIED)
    odd = write(tmp_path / "x" / "odd.xyz", "text")
    documents, errors = load_corpus([good, odd, tmp_path / "missing", good])
    assert [d.source for d in documents] == ["good.txt"]  # root is the file's parent; loaded once
    assert [(Path(e.path).name, e.reason.split(";")[0]) for e in errors] == [
        ("odd.xyz", "unsupported file type .xyz"),
        ("missing", "no such file or folder"),
    ]


def test_unreadable_and_crashing_files_do_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("1.txt", "2.txt", "3.txt", "4.txt"):
        write(tmp_path / name, f"{name}: {SIMPLIFIED}")
    real_read, real_extract = loaders._read_bytes, loaders.extract_text

    def read(path: Path, max_bytes: int) -> bytes:
        if path.name == "2.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path, max_bytes)

    def extract(data: bytes, fmt):
        if data.startswith(b"3.txt"):
            raise RuntimeError("boom")
        return real_extract(data, fmt)

    monkeypatch.setattr(loaders, "_read_bytes", read)
    monkeypatch.setattr(loaders, "extract_text", extract)
    documents, errors = load_corpus([tmp_path])
    assert [d.source for d in documents] == ["1.txt", "4.txt"]
    assert [(Path(e.path).name, e.reason.split(";")[0]) for e in errors] == [
        ("2.txt", "permission denied"),
        ("3.txt", "unexpected error (RuntimeError: boom)"),
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_really_unreadable_file(tmp_path: Path) -> None:
    f = write(tmp_path / "locked.txt", SIMPLIFIED)
    f.chmod(0)
    try:
        documents, errors = load_corpus([tmp_path])
    finally:
        f.chmod(0o644)
    assert documents == []
    assert "permission denied" in errors[0].reason


def test_symlinked_folder_loop_is_walked_once(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "sub" / "s.txt", SIMPLIFIED)
    (tmp_path / "lib" / "sub" / "loop").symlink_to(tmp_path / "lib")
    documents, errors = load_corpus([tmp_path / "lib"])
    assert [d.source for d in documents] == ["sub/s.txt"]
    assert errors == []


def test_seed_corpus_loads() -> None:
    documents, errors = load_corpus([SEED])
    assert errors == []
    assert len(documents) == 5
    assert [d.source for d in documents] == sorted(p.name for p in SEED.glob("*.txt"))
    for d in documents:
        assert d.encoding == "utf-8"
        assert len(d.text.strip()) > 1000
    # 004 is Traditional Chinese with (pinyin) annotations; nothing was mangled on the way in.
    assert "講話" in documents[4].text
    assert "持續(xù)" in documents[4].text
    assert documents[4].text == (SEED / documents[4].source).read_text(encoding="utf-8")
