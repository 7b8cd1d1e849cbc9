"""Exports (jianggao.ui.export) on plain records: the files open with their own libraries and hold every
excerpt with its speech label, file and position. No engine, no browser."""
from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from jianggao.ui import export
from jianggao.ui.labels import position_text

TEXT_A = "同志们：\n今天召开全县脱贫攻坚工作会议。\n我县要坚持一票否决，压实各级责任。\n谢谢大家！"
TEXT_B = "同志们：\n全区脱贫攻坚进入关键阶段。\n对贫困发生率反弹的乡镇，实行一票否决。"


def speech(sid, text, source, **meta):
    return SimpleNamespace(id=sid, text=text, title="全县脱贫攻坚工作会议讲话稿", source=source,
                           meta=SimpleNamespace(**meta))


SPEECHES = {
    "a": speech("a", TEXT_A, "ziyang.txt", place="紫阳县", date="2016-03-02", meeting="脱贫攻坚工作会议"),
    "b": speech("b", TEXT_B, "shangzhou.docx", place="商州区", date="2017", speaker="李四"),
}
LABELS = {"a": "紫阳县 · 脱贫攻坚工作会议", "b": "商州区 · 2017 · 李四"}


def span(sid, phrase):
    i = SPEECHES[sid].text.index(phrase)
    return i, i + len(phrase)


def passage(sid, phrase):
    start, end = span(sid, phrase)
    return SimpleNamespace(text=phrase, start=start, end=end, chunk_id=f"{sid}:0", speech_id=sid, score=1.0)


def comparison():
    evidence = [
        SimpleNamespace(speech_id="a", title=SPEECHES["a"].title, source="ziyang.txt", score=1.0,
                        passages=[passage("a", "我县要坚持一票否决，压实各级责任。")]),
        SimpleNamespace(speech_id="b", title=SPEECHES["b"].title, source="shangzhou.docx", score=0.6,
                        passages=[passage("b", "对贫困发生率反弹的乡镇，实行一票否决。"),
                                  passage("b", "全区脱贫攻坚进入关键阶段。")]),
    ]
    shared = [SimpleNamespace(text="实行一票否决", speeches=["a", "b"])]
    return SimpleNamespace(topic="一票否决", speeches=evidence, shared_points=shared)


@pytest.fixture
def record():
    return export.comparison_export(comparison(), SPEECHES, LABELS)


EXCERPTS = ["我县要坚持一票否决，压实各级责任。", "对贫困发生率反弹的乡镇，实行一票否决。", "全区脱贫攻坚进入关键阶段。"]


def test_the_record_gives_each_excerpt_its_label_file_and_position(record):
    a, b = record.speeches
    assert (a.label, a.place, a.date, a.meeting, a.file) == (LABELS["a"], "紫阳县", "2016-03-02", "脱贫攻坚工作会议",
                                                             "ziyang.txt")
    assert (b.label, b.speaker, b.meeting) == (LABELS["b"], "李四", "")  # unknown fields stay empty
    first = a.excerpts[0]
    assert first.text == EXCERPTS[0] and first.file == "ziyang.txt" and first.label == LABELS["a"]
    assert first.position == "第 3 段，第 {}–{} 字".format(span("a", EXCERPTS[0])[0] + 1, span("a", EXCERPTS[0])[1])
    assert record.shared == (("实行一票否决", (LABELS["a"], LABELS["b"])),)


def test_comparison_markdown_holds_labels_excerpts_and_sources(record):
    md = export.comparison_markdown(record)
    assert md.startswith("# 专题对比：一票否决")
    assert "## 1. 紫阳县 · 脱贫攻坚工作会议" in md and "## 2. 商州区 · 2017 · 李四" in md
    for text in EXCERPTS:
        assert f"> {text}" in md
    assert f"— {LABELS['a']}，ziyang.txt，{record.speeches[0].excerpts[0].position}" in md
    assert "## 共同点" in md


def test_comparison_docx_opens_and_holds_every_excerpt_with_its_source(record):
    import docx

    doc = docx.Document(io.BytesIO(export.comparison_docx(record)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "专题对比：一票否决"
    assert "1. 紫阳县 · 脱贫攻坚工作会议" in paragraphs and "2. 商州区 · 2017 · 李四" in paragraphs
    for s in record.speeches:
        for e in s.excerpts:
            i = paragraphs.index(e.text)
            assert paragraphs[i + 1] == f"出处：{e.label}，{e.file}，{e.position}"


def test_comparison_csv_has_one_row_per_speech(record):
    data = export.comparison_csv(record)
    assert data.startswith("\ufeff".encode("utf-8"))  # spreadsheet programs need the mark to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == export.SPEECH_COLUMNS
    assert [r[0] for r in rows[1:]] == [LABELS["a"], LABELS["b"]]
    assert rows[1][2] == "2016-03-02" and rows[2][2] == "2017"
    assert EXCERPTS[0] in rows[1][-1] and EXCERPTS[1] in rows[2][-1] and EXCERPTS[2] in rows[2][-1]
    assert "第 2 段" in rows[2][-1] and "第 3 段" in rows[2][-1]


def test_comparison_xlsx_opens_with_openpyxl_and_matches_the_csv(record):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export.comparison_xlsx(record)))
    ws = wb["专题对比"]
    rows = [[("" if v is None else v) for v in row] for row in ws.iter_rows(values_only=True)]
    csv_rows = list(csv.reader(io.StringIO(export.comparison_csv(record).decode("utf-8-sig"))))
    score = export.SPEECH_COLUMNS.index("相关程度")
    assert [r[:score] + r[score + 1:] for r in rows] == [r[:score] + r[score + 1:] for r in csv_rows]
    assert [float(r[score]) for r in rows[1:]] == [float(r[score]) for r in csv_rows[1:]] == [1.0, 0.6]
    assert wb["共同点"]["A2"].value == "实行一票否决"


def answer(status=None, **extra):
    start, end = span("a", "我县要坚持一票否决，压实各级责任。")
    cite = SimpleNamespace(n=1, speech_id="a", title=SPEECHES["a"].title, source="ziyang.txt",
                           text=TEXT_A[start:end], start=start, end=end)
    a = SimpleNamespace(question="怎样落实一票否决？", answerable=status in (None, "answered"),
                        answer="要坚持一票否决，压实各级责任[1]。", citations=[cite], message="", closest=[], **extra)
    if status:
        a.status = status
    return a


def test_answer_markdown_and_docx_hold_the_answer_and_its_citations():
    import docx

    record = export.answer_export(answer(), SPEECHES, LABELS)
    assert record.status == "answered" and record.covered == () and record.missing == ()  # fields absent: fine
    md = export.answer_markdown(record)
    assert "# 问题：怎样落实一票否决？" in md and "压实各级责任[1]" in md and "## 引用原文" in md
    assert f"> [1] 我县要坚持一票否决，压实各级责任。\n\n— {LABELS['a']}，ziyang.txt，第 3 段" in md
    paragraphs = [p.text for p in docx.Document(io.BytesIO(export.answer_docx(record))).paragraphs]
    assert "[1] 我县要坚持一票否决，压实各级责任。" in paragraphs
    assert any(p.startswith(f"出处：{LABELS['a']}，ziyang.txt，第 3 段") for p in paragraphs)


def test_a_partial_answer_says_what_is_covered_and_what_is_missing():
    a = answer("partial", covered_terms=["一票否决"], missing_terms=["处分标准"])
    a.answer = "资料提到了一票否决，但没有给出处分标准。"
    record = export.answer_export(a, SPEECHES, LABELS, note="文库谈到了这个主题，但没有给出所问的具体内容。")
    md = export.answer_markdown(record)
    assert "**部分相关**" in md and "引文涵盖：一票否决" in md and "引文未涉及：处分标准" in md
    assert "## 最接近的段落（并非答案）" in md and "## 引用原文" not in md


def test_position_counts_paragraphs_and_characters_from_one():
    assert position_text("甲\n\n乙丙", 3, 5) == "第 2 段，第 4–5 字"


def test_file_names_are_safe():
    assert export.file_name("专题对比", "安全/责任 ..", ".docx") == "专题对比-安全_责任.docx"
    assert export.file_name("问答", "///", ".docx") == "问答-导出.docx"


def test_the_body_has_its_own_column_and_is_not_called_a_place():
    sp = speech("c", TEXT_B, "canlian.txt", body="中国残联", meeting="改革工作部署会")
    evidence = [SimpleNamespace(speech_id="c", title=sp.title, source="canlian.txt", score=1.0,
                                passages=[passage("b", "全区脱贫攻坚进入关键阶段。")])]
    rec = export.comparison_export(SimpleNamespace(topic="改革", speeches=evidence, shared_points=[]),
                                   {"c": sp}, {"c": "中国残联 · 改革工作部署会"})
    rows = export.comparison_rows(rec)
    row = dict(zip(rows[0], rows[1]))
    assert (row["地点"], row["机构"], row["会议"]) == ("", "中国残联", "改革工作部署会")
    md = export.comparison_markdown(rec)
    assert "机构：中国残联" in md and "地点：" not in md


def test_a_label_that_names_its_file_does_not_repeat_it():
    e = export.Excerpt("正文", "县委、县政府 · 观摩推进会 · page.txt · 第 13 篇", "page.txt", "第 2 段，第 1–2 字")
    assert e.source_line() == "县委、县政府 · 观摩推进会 · page.txt · 第 13 篇，第 2 段，第 1–2 字"


def test_exports_carry_the_identity_read_from_the_speeches():
    # Two county speeches titled alike (as in the default corpus): the export tells them apart by place and meeting.
    from jianggao.indexer.identity import identify
    from jianggao.ui.labels import distinct_labels

    body = "全县上下要坚持一票否决，压实各级责任，确保脱贫攻坚任务落到实处。" * 6
    texts = {"z": f"同志们:\n今天召开全县脱贫攻坚工作会议。我县是紫阳县，紫阳县要打赢脱贫攻坚战。\n{body}",
             "s": f"同志们:\n今天召开全区脱贫攻坚推进会议。我区是商州区，商州区要打赢脱贫攻坚战。\n{body}"}
    speeches = {k: SimpleNamespace(id=k, text=t, title="脱贫攻坚工作会议讲话稿", source=f"{k}.txt", order=0,
                                   canonical_id=None, meta=identify(t)) for k, t in texts.items()}
    labels = distinct_labels(speeches.values())
    start = texts["z"].index("全县上下")
    evidence = [SimpleNamespace(speech_id=k, title=s.title, source=s.source, score=1.0,
                                passages=[SimpleNamespace(text="", start=start, end=start + 20, chunk_id=f"{k}:0",
                                                          speech_id=k, score=1.0)]) for k, s in speeches.items()]
    rec = export.comparison_export(SimpleNamespace(topic="一票否决", speeches=evidence, shared_points=[]),
                                   speeches, labels)
    rows = export.comparison_rows(rec)
    assert [r[0] for r in rows[1:]] == ["紫阳县 · 全县脱贫攻坚工作会议", "商州区 · 全区脱贫攻坚推进会议"]
    assert [r[3] for r in rows[1:]] == ["紫阳县", "商州区"]
    md = export.comparison_markdown(rec)
    assert "## 1. 紫阳县 · 全县脱贫攻坚工作会议" in md and "— 商州区 · 全区脱贫攻坚推进会议，s.txt，" in md
