"""Bad input, end to end: what the ingester and the command line do with files and queries they cannot use.

One library folder holds four good speeches (a name with spaces and Chinese, one in a sub-folder with a space,
an HTML page full of scripts and event handlers whose very file name is markup, a 100,000-character line)
beside every kind of bad file: empty, blank, a PNG and random bytes named ``.txt``, a truncated ``.docx`` and
``.pdf``, Shift-JIS text, an old ``.doc``, and symlinks to a file and a folder outside the library. Each bad
file must get its own message (which file, what is wrong, what to do) while the good ones are still indexed
and searchable, through the Python API and ``jianggao index``.

Queries that are empty, blank, 10,000 characters long, emoji only, English only, or full of regex and SQL
metacharacters go to search/ask/similar/compare through the Engine and the CLI: each returns results, a clean
refusal or a QueryError naming the problem; the CLI exits 1 with ``error: ...`` on stderr, never a traceback.

Memory is checked in subprocesses (peak RSS): loading a 50 MB file must hold only the bytes and a decoded copy
or two, and splitting a long single speech must not build a matrix per shingle (the MinHash regression).
Large files are generated in tmp_path at test time. Figures are printed by scripts/bench_bad_input.py.
"""
from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from bench_bad_input import KB, LOAD, big_bytes, measure, one_line, random_speech  # noqa: E402
from benchutil import cli_env  # noqa: E402
from benchutil import jianggao as cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
UI_DATA = ROOT / "tests" / "ui" / "data"
SEED = ROOT / "data" / "speeches"
MB = 2**20
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
EVENT_ATTR = re.compile(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=", re.IGNORECASE)  # an event handler inside a real tag
TRACEBACK = "Traceback (most recent call last)"

# ---------------------------------------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------------------------------------

MARKUP_NAME = "evil <img src=x onerror=alert(1)>.html"
LONG_LINE = "long_line.txt"
GOOD_SOURCES = ("sub dir/疫 情 防控.txt", "讲话 稿（残疾人）.txt", MARKUP_NAME, LONG_LINE)


class BadFile(NamedTuple):
    name: str
    expected: tuple[str, ...]  # phrases the reason must hold: what is wrong and what to do


BAD_FILES = (
    BadFile("empty.txt", ("empty file", "nothing to index")),
    BadFile("空白 文件.txt", ("empty file", "nothing to index")),
    BadFile("photo.txt", ("binary file, not text", "PNG")),
    BadFile("noise.txt", ("binary file, not text", "convert it to UTF-8")),
    BadFile("坏 文件（截断）.docx", ("not a valid .docx", "truncated or corrupt", "re-save it from Word")),
    BadFile("slides.pdf", ("not a valid PDF", "truncated or corrupt", "export it again")),
    BadFile("shift_jis.txt",
            ("cannot tell the text encoding", "not UTF-8, GB18030/GBK or Big5", "convert it to UTF-8")),
    BadFile("old.doc", ("unsupported file type .doc", "supported: .docx")),
    BadFile("link.txt", ("symlink points outside the library", "copy the file in instead")),
    BadFile("外部 目录", ("symlink points outside the library", "copy the file in instead")),
)
SECRET = "这是文库之外的机密文件，绝不能进入索引。"
# A file that loads but holds no speech: a notice far under splitting.MIN_SPEECH_CHARS once cleaned.
NO_SPEECH = "会议 通知.txt"
NOTICE = "关于召开全县安全生产工作会议的通知：请各单位主要负责同志于本周五上午九点到县政府三楼会议室参加会议。"


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def scripted_html(body_lines: list[str]) -> str:
    """A page wrapping real paragraphs in every way of running script, with escaped markup in the text."""
    lines = list(body_lines)
    # Escaped in the source, so this is text after parsing: a tag-like string and a bare "<" reach the cleaner.
    lines.insert(3, "引用示例：&lt;img src=x onerror=alert(1)&gt; 以及 &lt;script&gt;alert(5)&lt;/script&gt;，"
                    "超载率由 8&lt;9 降到 3 &lt; 5 以下。")
    paras = "\n".join(f'<p onclick="alert(2)" onmouseover=alert(3)>{line}</p>' for line in lines)
    return (
        "<!DOCTYPE html><html><head><title>校车</title><script>alert('head')</script>"
        "<style>p{color:red}</style></head>"
        '<body onload="alert(4)"><script>document.write("<p>脚本写入的文字</p>")</script>'
        '<img src=x onerror=alert(1)><a href="javascript:alert(6)">链接</a>'
        f"{paras}"
        '<iframe src="javascript:alert(7)"></iframe><svg onload=alert(8)></svg><noscript>请启用脚本</noscript>'
        "</body></html>"
    )


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(3):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 10, "Speech at the county work conference. " * 20)
    return bytes(pdf.output())


def make_library(root: Path) -> Path:
    """The mixed library under ``root/library`` (and a file and folder outside it, under ``root/outside``)."""
    lib = root / "library"
    (lib / "sub dir").mkdir(parents=True)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET * 20, encoding="utf-8")

    # Good files.
    (lib / "讲话 稿（残疾人）.txt").write_text(text_of(UI_DATA / "canjiren.txt"), encoding="utf-8")
    (lib / "sub dir" / "疫 情 防控.txt").write_text(text_of(UI_DATA / "yiqing_fangkong.txt"), encoding="utf-8")
    xiaoche = [line for line in text_of(UI_DATA / "xiaoche_anquan.txt").split("\n") if line.strip()]
    (lib / MARKUP_NAME).write_text(scripted_html(xiaoche), encoding="utf-8")
    # A repeated speech, so that its few distinct passages are embedded once (the line is what is tested).
    (lib / LONG_LINE).write_text(one_line(text_of(UI_DATA / "fupin_gongcheng.txt"), 100_000) + "\n", encoding="utf-8")
    (lib / NO_SPEECH).write_text(NOTICE + "\n", encoding="utf-8")  # loads fine, but is no speech

    # Bad files.
    rng = random.Random(6)
    (lib / "empty.txt").write_bytes(b"")
    (lib / "空白 文件.txt").write_bytes(b" \n\t\r\n \xe3\x80\x80\n")  # U+3000 too
    (lib / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(3000))
    (lib / "noise.txt").write_bytes(b"\x00" + rng.randbytes(4000))
    good_docx = docx_bytes(["在全县安全生产工作会议上的讲话", "同志们：今天的会议很重要。" * 30])
    (lib / "坏 文件（截断）.docx").write_bytes(good_docx[: len(good_docx) // 2])
    pdf = pdf_bytes()
    (lib / "slides.pdf").write_bytes(pdf[: len(pdf) // 2])
    (lib / "shift_jis.txt").write_bytes(("日本語のテキストです。これはシフトJISで書かれています。" * 30).encode("shift_jis"))
    (lib / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(2000))
    os.symlink(outside / "secret.txt", lib / "link.txt")
    os.symlink(outside, lib / "外部 目录", target_is_directory=True)
    return lib


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return make_library(tmp_path_factory.mktemp("bad-input"))


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*cli(), *args], capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          env=cli_env(), cwd=ROOT)


def assert_reason(reason: str, case: BadFile) -> None:
    for phrase in case.expected:
        assert phrase in reason, (case.name, reason)


def find_error(errors, library: Path, name: str):
    matches = [e for e in errors if Path(e.path) == library / name]
    assert len(matches) == 1, (name, [str(e) for e in errors])
    return matches[0]


# ---------------------------------------------------------------------------------------------------------
# Ingest: Python API and `jianggao index`
# ---------------------------------------------------------------------------------------------------------


def test_each_bad_file_gets_its_own_message_and_the_good_files_still_load(library: Path) -> None:
    from jianggao.indexer.corpus import build_corpus

    corpus = build_corpus([library])
    for case in BAD_FILES:
        assert_reason(find_error(corpus.errors, library, case.name).reason, case)
    assert len(corpus.errors) == len(BAD_FILES), [str(e) for e in corpus.errors]
    assert {d.source for d in corpus.documents} == {*GOOD_SOURCES, NO_SPEECH}
    assert {s.source for s in corpus.speeches} == set(GOOD_SOURCES)
    assert not any(SECRET[:10] in s.text for s in corpus.speeches)  # the symlinks were not followed


def test_a_folder_of_only_bad_files_is_reported_not_a_crash(tmp_path: Path, library: Path) -> None:
    """Regression: with no speech at all, duplicate detection raised datasketch's "entries is empty"."""
    from jianggao.indexer.corpus import build_corpus

    only_bad = tmp_path / "only-bad"
    only_bad.mkdir()
    plain = [c for c in BAD_FILES if not (library / c.name).is_symlink()]
    for case in plain:
        shutil.copyfile(library / case.name, only_bad / case.name)
    corpus = build_corpus([only_bad])
    assert corpus.speeches == [] and corpus.chunks == []
    assert {Path(e.path).name for e in corpus.errors} == {c.name for c in plain}

    proc = run_cli("speeches", str(only_bad))
    assert proc.returncode == 0 and TRACEBACK not in proc.stderr, proc.stderr
    for case in plain:
        assert f"warning: skipped {only_bad / case.name}: " in proc.stderr
    assert "0 speeches" in proc.stderr


@pytest.fixture(scope="module")
def indexed(library: Path, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``jianggao index LIBRARY --json`` run once as a real subprocess; returns it and the index folder."""
    index_dir = tmp_path_factory.mktemp("bad-input-index") / "index"
    proc = run_cli("index", str(library), "--index-dir", str(index_dir), "--json", "--device", "cpu")
    return proc, index_dir


@pytest.mark.slow
def test_cli_index_warns_once_per_bad_file_and_indexes_the_good_ones(indexed, library: Path) -> None:
    proc, index_dir = indexed
    assert proc.returncode == 0, proc.stderr
    assert TRACEBACK not in proc.stderr
    for case in BAD_FILES:
        prefix = f"warning: skipped {library / case.name}: "
        lines = [line for line in proc.stderr.splitlines() if line.startswith(prefix)]
        assert len(lines) == 1, (case.name, proc.stderr)  # said once, not once per log handler
        assert_reason(lines[0][len(prefix):], case)
    assert "EOF marker" not in proc.stderr  # pypdf's own note, which names no file
    no_speech = [line for line in proc.stderr.splitlines() if line.startswith(f"warning: {library / NO_SPEECH}: ")]
    assert len(no_speech) == 1 and "no speech found after cleaning" in no_speech[0], proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(report["added"]) == sorted([*GOOD_SOURCES, NO_SPEECH])
    assert {Path(e["path"]).name for e in report["errors"]} == {c.name for c in BAD_FILES}
    assert [Path(e["path"]) for e in report["no_speech"]] == [library / NO_SPEECH]
    assert report["speeches"] >= len(GOOD_SOURCES) and (index_dir / "CURRENT").exists()


@pytest.fixture(scope="module")
def engine(indexed, library: Path, encoder):
    from jianggao.qa.engine import Engine

    proc, index_dir = indexed
    assert proc.returncode == 0, proc.stderr
    eng = Engine(index_dir=index_dir, library_dir=library)
    eng._encoder = encoder  # the session's model: never loaded twice
    return eng


def probe_queries(engine) -> dict[str, str]:
    """For each good file, a query made of words from its first passage (normalised: Simplified)."""
    out = {}
    for source in GOOD_SOURCES:
        speech = next(s for s in engine.speeches() if s.source == source)
        chunk = next(c for c in engine.store.chunks if c.speech_id == speech.id)
        out[source] = re.sub(r"\W+", " ", chunk.norm[20:60]).strip()
    return out


@pytest.mark.slow
def test_good_files_beside_bad_ones_are_searchable(engine) -> None:
    for source, query in probe_queries(engine).items():
        hits = engine.search(query, k=3)
        assert any(h.source == source for h in hits), (source, query, [(h.source, h.text[:30]) for h in hits])


@pytest.mark.slow
def test_scripts_and_event_handlers_never_reach_the_text_or_the_page(engine) -> None:
    from jianggao.ui import render
    from jianggao.ui.render import PassageView

    speech = next(s for s in engine.speeches() if s.source == MARKUP_NAME)
    for needle in ("alert(", "onerror", "onclick", "onload", "javascript:", "document.write", "脚本写入", "color:red"):
        assert needle not in speech.text, needle
    assert not TAG.search(speech.text), TAG.search(speech.text)
    assert "8<9" in speech.text  # a real "<" in the text survives the cleaning ...
    page = render.speech_html(speech)
    at = speech.text.index("8<9")
    card = render.passage_card(PassageView(speech.id, speech.title, speech.source, at, at + 3), speech)
    for html in (page, card):
        assert "8&lt;9" in html  # ... and is escaped on the page
        assert "<img" not in html and "<script" not in html and "<iframe" not in html
        assert not EVENT_ATTR.search(html), EVENT_ATTR.search(html)  # "onerror=" shows only as escaped text
        assert "evil &lt;img src=x onerror=alert(1)&gt;.html" in html  # the file name is text too


def test_a_100k_character_line_is_kept_split_and_chunked(tmp_path: Path) -> None:
    """A scraped page saved without line breaks: site chrome, page title and several speeches on one line.

    Regression: a breadcrumb (``位置:首页>``) or a page-title count (``(精选5篇)``) anywhere in the line made the
    cleaner drop it as chrome and the splitter take it for a header line, so the file silently lost all text.
    """
    from jianggao.indexer.corpus import build_corpus

    raw = "".join(text_of(p) for p in sorted(SEED.glob("*.txt")))
    line = one_line(raw, 100_000)
    assert "首页>" in line[:100] and "(精选5篇)" in line[:200]
    folder = tmp_path / "one-line"
    folder.mkdir()
    (folder / "page.txt").write_text(line, encoding="utf-8")
    corpus = build_corpus([folder])
    assert not corpus.errors
    [speech] = corpus.speeches
    assert len(speech.text) > 0.95 * len(line)
    middle = line[50_000:50_040]
    assert middle in speech.text
    assert corpus.chunks and max(len(c.text) for c in corpus.chunks) <= 600
    assert corpus.chunks[-1].end >= len(speech.text) - 10  # chunked to the end


def test_a_file_that_loads_but_holds_no_speech_is_reported_not_silent(tmp_path: Path, encoder) -> None:
    """Regression: a file too short to be a speech once cleaned was indexed as nothing, without a word."""
    from jianggao.indexer.build import build_index
    from jianggao.indexer.splitting import MIN_SPEECH_CHARS
    from jianggao.indexer.store import StoreError

    lib = tmp_path / "library"
    lib.mkdir()
    shutil.copyfile(UI_DATA / "canjiren.txt", lib / "讲话.txt")
    (lib / NO_SPEECH).write_text(f"\n  {NOTICE}\n\n", encoding="utf-8")
    first = build_index([lib], tmp_path / "index", encoder=encoder)
    again = build_index([lib], tmp_path / "index", encoder=encoder)  # nothing changed: still said
    assert again.nothing_to_do
    for report in (first, again):
        assert report.errors == [] and report.speeches >= 1
        [error] = report.no_speech
        assert Path(error.path) == lib / NO_SPEECH
        left = len(re.sub(r"\s", "", NOTICE))
        assert left < MIN_SPEECH_CHARS
        assert error.reason == (f"no speech found after cleaning ({left} characters left; a speech has at least "
                                f"{MIN_SPEECH_CHARS}); is it a speech?")
        assert report.to_json()["no_speech"] == [{"path": error.path, "reason": error.reason}]

    only = tmp_path / "only-notice"
    only.mkdir()
    shutil.copyfile(lib / NO_SPEECH, only / NO_SPEECH)
    with pytest.raises(StoreError, match=re.escape(f"{only / NO_SPEECH}: no speech found after cleaning")):
        build_index([only / NO_SPEECH], tmp_path / "index-2", encoder=encoder)  # a file given, not a folder


# ---------------------------------------------------------------------------------------------------------
# Uploads (jianggao.qa.engine.add_files / safe_name)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../讲话 稿.txt", "讲话 稿.txt"),
        ("..\\..\\Windows\\讲话.txt", "讲话.txt"),
        ("/etc/cron.d/evil.txt", "evil.txt"),
        ("sub/../../.hidden.txt", "hidden.txt"),
        ("  讲话\x00稿\n.txt ", "讲话稿.txt"),
    ],
)
def test_safe_name_keeps_only_a_bare_file_name(name: str, expected: str) -> None:
    from jianggao.qa.engine import safe_name

    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["..", "../", "", "   ", "/", "\\..\\"])
def test_unusable_upload_names_are_refused_with_a_message(name: str, tmp_path: Path) -> None:
    from jianggao.qa.engine import Engine, UploadError

    engine = Engine(index_dir=tmp_path / "index", library_dir=tmp_path / "library")
    with pytest.raises(UploadError, match="is not a usable file name"):
        engine.add_files([(name, "同志们：今天的会议很重要。".encode())])
    assert not (tmp_path / "library").exists()


def test_oversize_and_unsupported_uploads_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    from jianggao.qa.engine import MAX_UPLOAD_BYTES, Engine, UploadError

    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: nothing is read to refuse it
    engine = Engine(index_dir=tmp_path / "index", library_dir=tmp_path / "library")
    with pytest.raises(UploadError) as err:
        engine.add_files([("../大 文件.txt", big)])
    msg = str(err.value)
    assert "大 文件.txt" in msg and f"over the {MAX_UPLOAD_BYTES // MB} MB limit" in msg and "split it" in msg
    with pytest.raises(UploadError, match=r"程序\.exe: unsupported file type; supported: .*\.docx"):
        engine.add_files([("程序.exe", b"MZ\x90\x00")])
    assert not (tmp_path / "library").exists()


@pytest.mark.slow
def test_uploads_with_hostile_names_stay_in_the_library_and_bad_content_is_reported(
    indexed, library: Path, encoder, tmp_path: Path
) -> None:
    from jianggao.qa.engine import UPLOAD_DIR, Engine

    _, index_dir = indexed
    root = tmp_path / "root"
    shutil.copytree(library.parent, root, symlinks=True)  # library, outside/ and the built index's parent
    shutil.copytree(index_dir, root / "index")
    before = {p for p in root.rglob("*")}
    engine = Engine(index_dir=root / "index", library_dir=root / "library")
    engine._encoder = encoder
    speech = text_of(UI_DATA / "canjiren.txt").encode()
    report = engine.add_files([
        ("../../讲话 稿 上传.txt", speech),
        ("..\\..\\outside\\secret.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
    ])
    uploads = root / "library" / UPLOAD_DIR
    created = {p for p in root.rglob("*")} - before
    written = {p for p in created if p.is_file() and p.parent == uploads}
    assert written == {uploads / "讲话 稿 上传.txt", uploads / "secret.txt"}
    assert all(p == uploads or p.parent == uploads or (root / "index") in p.parents for p in created), created
    for outside in (root / "outside", library.parent / "outside"):
        assert [p.name for p in outside.iterdir()] == ["secret.txt"]
        assert text_of(outside / "secret.txt") == SECRET * 20  # untouched
    error = find_error(report.errors, root / "library", f"{UPLOAD_DIR}/secret.txt")
    assert "binary file, not text" in error.reason and "PNG" in error.reason
    sources = {s.source for s in engine.speeches()}
    assert f"{UPLOAD_DIR}/讲话 稿 上传.txt" in sources and set(GOOD_SOURCES) <= sources


# ---------------------------------------------------------------------------------------------------------
# Queries: Python API and CLI
# ---------------------------------------------------------------------------------------------------------

LONG_QUERY = "校车安全" * 2500  # 10,000 characters: over the query limit, within similar's text limit
REFUSED = {  # query -> phrase of the QueryError, for every function except where noted
    "empty": ("", "the query is empty"),
    "whitespace": (" \t\n\u3000 ", "the query is empty"),
    "emoji": ("😀🎉🔥👍🏻", "no words or figures"),
    "metacharacters": (r".*+?[](){}|\^$", "no words or figures"),
    "long": (LONG_QUERY, "10000 characters long; keep it under 2000"),
}
ANSWERED = {
    "english": "school bus safety inspection for disabled students",
    "sql": "'; DROP TABLE speeches; --",
    "regex words": r"校车.*安全(管理)?[0-9]+|残疾人$ \d{4}",
}
FUNCTIONS = ("search", "ask", "similar", "compare")


def call(engine, function: str, query: str):
    return getattr(engine, function)(query)


def check_result(function: str, result) -> None:
    """A usable result: hits from the library, an answer with citations or a refusal with a message."""
    if function in ("search", "similar"):
        assert isinstance(result, list) and all(h.source in GOOD_SOURCES for h in result)
    elif function == "ask":
        assert (result.answerable and result.citations) or (not result.answerable and result.message)
    else:
        assert all(s.source in GOOD_SOURCES for s in result.speeches)


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS)
def test_python_api_refuses_unsearchable_queries_with_a_query_error(engine, function: str) -> None:
    from jianggao.qa.retrieval import QueryError

    for kind, (query, phrase) in REFUSED.items():
        if kind == "long" and function == "similar":
            check_result(function, call(engine, function, query))  # a long pasted text is what similar is for
            continue
        with pytest.raises(QueryError) as err:
            call(engine, function, query)
        assert phrase in str(err.value), (function, kind, str(err.value))


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS)
def test_python_api_answers_odd_but_wordy_queries(engine, function: str) -> None:
    for query in ANSWERED.values():
        check_result(function, call(engine, function, query))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_cli_refuses_unsearchable_queries_on_stderr_without_a_traceback(tmp_path: Path, function: str) -> None:
    for kind, (query, phrase) in REFUSED.items():
        if kind == "long" and function == "similar":
            continue
        proc = run_cli(function, query, "--index-dir", str(tmp_path / "no-index"), timeout=60)
        assert proc.returncode == 1, (function, kind, proc.stderr)
        assert proc.stderr.startswith("error: ") and phrase in proc.stderr, (function, kind, proc.stderr)
        assert TRACEBACK not in proc.stderr and proc.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS)
def test_cli_answers_odd_but_wordy_queries(indexed, engine, tmp_path: Path, function: str) -> None:
    """One batch per command (one model load): each query gets its JSON line, exit 0, no traceback."""
    _, index_dir = indexed
    queries = dict(ANSWERED)
    if function == "similar":
        queries["long"] = LONG_QUERY
    if function == "search":
        queries.update(probe_queries(engine))  # the good files, found through the CLI as well
    batch = tmp_path / "queries.jsonl"
    batch.write_text("".join(json.dumps({"id": k, "query": q}, ensure_ascii=False) + "\n"
                             for k, q in queries.items()), encoding="utf-8")
    proc = run_cli(function, "--queries", str(batch), "--json", "--index-dir", str(index_dir), "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert TRACEBACK not in proc.stderr
    rows = {row["id"]: row for row in map(json.loads, proc.stdout.splitlines())}
    assert set(rows) == set(queries)
    for key in ANSWERED:
        assert rows[key]["query"] == queries[key].strip()
    if function == "search":
        for source in GOOD_SOURCES:
            assert any(h["source"] == source for h in rows[source]["results"][:3]), rows[source]


# ---------------------------------------------------------------------------------------------------------
# Memory (peak RSS of subprocesses)
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_50_mb_text_file_loads_with_the_bytes_and_at_most_two_decoded_copies(tmp_path: Path, encoding: str) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    data = big_bytes(50 * MB, encoding)
    (folder / "big.txt").write_bytes(data)
    del data
    shutil.copyfile(UI_DATA / "xiaoche_anquan.txt", folder / "small.txt")
    size = (folder / "big.txt").stat().st_size
    proc = subprocess.run([sys.executable, "-c", LOAD, str(folder)], capture_output=True, text=True,
                          encoding="utf-8", timeout=300, env=cli_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert not out["errors"] and set(out["docs"]) == {"big.txt", "small.txt"}
    extra = (out["after"] - out["before"]) * KB
    # The loader's promise (indexer/loaders.py): the bytes plus at most two decoded copies. A decoded copy of
    # Chinese text takes 2 bytes a character: 0.7x the UTF-8 size, 1x the GB18030 size. So < 4x in all.
    assert extra < 4 * size, f"loading {size / MB:.0f} MB ({encoding}) took {extra / MB:.0f} MB extra"


def test_a_file_over_the_size_limit_is_refused_with_a_message_without_reading_it(tmp_path: Path) -> None:
    from jianggao.indexer.loaders import DEFAULT_MAX_BYTES, load_corpus

    folder = tmp_path / "huge"
    folder.mkdir()
    with open(folder / "huge.txt", "wb") as f:
        f.truncate(DEFAULT_MAX_BYTES + MB)  # sparse: reading it would take 201 MB
    shutil.copyfile(UI_DATA / "canjiren.txt", folder / "good.txt")
    docs, errors = load_corpus([folder])
    assert [d.source for d in docs] == ["good.txt"]
    [error] = errors
    assert Path(error.path).name == "huge.txt"
    assert f"over the {DEFAULT_MAX_BYTES // MB} MB limit" in error.reason and "split it" in error.reason


def test_splitting_one_long_speech_keeps_memory_bounded(tmp_path: Path) -> None:
    """``jianggao speeches`` on a 1 MB single speech and on the 100k-character line, against a small file.

    Regression: MinHash.update_batch got all shingles at once and built a (shingles x 128) uint64 matrix:
    +400 MB for 1 MB of text (gigabytes for a big file). Then the shingle sets, Python sets of strings, took
    ~55 bytes per byte of text (+59 MB for the 1 MB speech); as arrays of 64-bit hashes the whole run takes
    ~6 MB more than the small file. The bound, 30x the file size, leaves room for the noise of the baseline.
    """
    small = UI_DATA / "canjiren.txt"
    speech = tmp_path / "one_speech.txt"
    speech.write_text(random_speech(MB), encoding="utf-8")
    line = tmp_path / "line.txt"
    line.write_text(one_line("".join(text_of(p) for p in sorted(SEED.glob("*.txt"))), 100_000), encoding="utf-8")
    peaks = {}
    for path in (small, speech, line):
        run = measure([*cli(), "speeches", str(path), "--json"], timeout=300)
        peaks[path] = run["peak_bytes"]
        assert run["rc"] == 0 and TRACEBACK not in run["stderr"], run["stderr"]
    for path in (speech, line):
        size, extra = path.stat().st_size, peaks[path] - peaks[small]
        assert extra < 30 * size, f"{path.name}: {size / MB:.2f} MB of text took {extra / MB:.0f} MB more"


DEDUP_AND_MEASURE = """
import gc, json, resource, sys
from pathlib import Path
import datasketch.lshensemble  # the imports are not what is measured
from jianggao.indexer.dedup import find_duplicate_groups
from jianggao.indexer.normalize import normalize
text = normalize(Path(sys.argv[1]).read_text(encoding="utf-8"))
texts = [text, text[: len(text) * 3 // 4]]  # the speech and a truncated copy of it
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
groups = find_duplicate_groups(texts)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"extra": after - before, "groups": [[g.canonical, g.copies] for g in groups]}))
"""


def test_duplicate_detection_on_one_long_speech_takes_a_few_bytes_per_byte(tmp_path: Path) -> None:
    """``find_duplicate_groups`` on a 4 MB single speech and a truncated copy of it, measured alone.

    Shingle sets are sorted arrays of 64-bit hashes (indexer/dedup.py): ~8x the file size at the peak here,
    where Python sets of 6-character strings took ~90x (+370 MB). Bound: 16x.
    """
    path = tmp_path / "one_speech.txt"
    path.write_text(random_speech(4 * MB), encoding="utf-8")
    size = path.stat().st_size
    proc = subprocess.run([sys.executable, "-c", DEDUP_AND_MEASURE, str(path)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env=cli_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["groups"] == [[0, [1]]]  # the copy is still found
    extra = out["extra"] * KB
    assert extra < 16 * size, f"{size / MB:.1f} MB speech: duplicate detection took {extra / MB:.0f} MB"
