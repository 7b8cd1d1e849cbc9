"""Take the work away: a comparison or an answer with its citations as Markdown, .docx, .csv or .xlsx.

Two steps, both pure: ``comparison_export`` / ``answer_export`` turn the engine's results into small records
(every excerpt with its speech label, file and position), and the format functions turn a record into text or
bytes. Nothing here writes files or imports gradio; ``jianggao.ui.handlers`` saves the bytes for download.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any, Mapping

from jianggao.ui.labels import meta_value, position_text

SPEECH_COLUMNS = ["讲话", "标题", "日期", "地点", "机构", "讲话人", "会议", "来源文件", "相关程度", "摘录"]
STATUS_LABELS = {"answered": "已回答", "partial": "部分相关", "refused": "证据不足"}


@dataclass(frozen=True)
class Excerpt:
    text: str
    label: str  # the speech's label (distinct among those exported)
    file: str  # the speech's source file in the library
    position: str  # e.g. "第 3 段，第 120–180 字"
    marker: str = ""  # e.g. "[1]" for a citation

    def source_line(self) -> str:
        # A label made distinct by its file name already names the file.
        parts = [self.label] + ([self.file] if self.file and self.file not in self.label else []) + [self.position]
        return "，".join(parts)


@dataclass(frozen=True)
class SpeechExport:
    label: str
    title: str
    date: str
    place: str
    speaker: str
    meeting: str
    file: str
    score: float
    excerpts: tuple[Excerpt, ...]
    body: str = ""  # the organisation that speaks (县委、县政府, 中国残联), apart from the place


@dataclass(frozen=True)
class ComparisonExport:
    topic: str
    speeches: tuple[SpeechExport, ...]
    shared: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (point, labels of the speeches making it)


@dataclass(frozen=True)
class AnswerExport:
    question: str
    status: str  # answered, partial, refused
    answer: str  # the answer text with its [n] markers, or the engine's message
    excerpts: tuple[Excerpt, ...]  # the citations, or the closest passages when not answered
    covered: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    note: str = ""  # what the status means, in a sentence (partial / refused)


# -- from the engine's results -------------------------------------------------------------------------------
def _excerpt(speeches: Mapping[str, Any], labels: Mapping[str, str], speech_id: str, start: int, end: int,
             text: str, source: str = "", marker: str = "") -> Excerpt:
    sp = speeches.get(speech_id)
    body = sp.text[start:end] if sp is not None else text
    position = position_text(sp.text, start, end) if sp is not None else f"第 {start + 1}–{end} 字"
    label = labels.get(speech_id) or (sp.title if sp is not None else speech_id)
    file = source or (sp.source if sp is not None else "")
    return Excerpt(body.strip(), label, file, position, marker)


def comparison_export(comparison: Any, speeches: Mapping[str, Any], labels: Mapping[str, str]) -> ComparisonExport:
    """A ``jianggao.qa.compare.Comparison`` as a record; ``speeches``: id -> Speech, ``labels``: id -> label."""
    out = []
    for ev in comparison.speeches:
        sp = speeches.get(ev.speech_id)
        excerpts = tuple(
            _excerpt(speeches, labels, p.speech_id or ev.speech_id, p.start, p.end, p.text) for p in ev.passages
        )
        out.append(SpeechExport(
            labels.get(ev.speech_id, ev.title), ev.title, meta_value(sp, "date"), meta_value(sp, "place"),
            meta_value(sp, "speaker"), meta_value(sp, "meeting"), ev.source, float(ev.score), excerpts,
            body=meta_value(sp, "body"),
        ))
    shared = tuple(
        (p.text.strip(), tuple(labels.get(s, s) for s in p.speeches)) for p in comparison.shared_points
    )
    return ComparisonExport(comparison.topic, tuple(out), shared)


def answer_status(answer: Any) -> str:
    """The Answer's status; answers without one (older engines) read "answered" or "refused"."""
    status = getattr(answer, "status", None)
    if status in STATUS_LABELS:
        return status
    return "answered" if getattr(answer, "answerable", False) else "refused"


def answer_export(answer: Any, speeches: Mapping[str, Any], labels: Mapping[str, str], note: str = "") -> AnswerExport:
    """A ``jianggao.qa.answer.Answer`` as a record: its citations, or its closest passages when it has none."""
    status = answer_status(answer)
    if answer.citations:
        excerpts = tuple(_excerpt(speeches, labels, c.speech_id, c.start, c.end, c.text, c.source, f"[{c.n}]")
                         for c in answer.citations)
    else:
        excerpts = tuple(_excerpt(speeches, labels, h.speech_id, h.start, h.end, h.text, h.source, f"#{h.rank}")
                         for h in answer.closest)
    text = answer.answer if status == "answered" or (status == "partial" and answer.answer) else ""
    text = text or answer.message or ""
    return AnswerExport(answer.question, status, text, excerpts, tuple(getattr(answer, "covered_terms", None) or ()),
                        tuple(getattr(answer, "missing_terms", None) or ()), note)


# -- Markdown --------------------------------------------------------------------------------------------------
def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.split("\n"))


def _md_excerpt(e: Excerpt) -> str:
    head = f"{e.marker} " if e.marker else ""
    return f"{_quote(head + e.text)}\n\n— {e.source_line()}"


def _speech_facts(s: SpeechExport) -> list[tuple[str, str]]:
    facts = [("标题", s.title), ("日期", s.date), ("地点", s.place), ("机构", s.body), ("讲话人", s.speaker),
             ("会议", s.meeting), ("来源文件", s.file)]
    return [(k, v) for k, v in facts if v]


def comparison_markdown(record: ComparisonExport) -> str:
    parts = [f"# 专题对比：{record.topic}", f"共 {len(record.speeches)} 篇讲话谈到这个专题。"]
    for i, s in enumerate(record.speeches, 1):
        parts.append(f"## {i}. {s.label}")
        parts.append("；".join(f"{k}：{v}" for k, v in _speech_facts(s)) + f"；相关程度：{100 * s.score:.0f}%")
        parts.extend(_md_excerpt(e) for e in s.excerpts)
    if record.shared:
        parts.append("## 共同点")
        parts.extend(f"- {point}（{'、'.join(who)}）" for point, who in record.shared)
    return "\n\n".join(parts) + "\n"


def answer_markdown(record: AnswerExport) -> str:
    parts = [f"# 问题：{record.question}", f"**{STATUS_LABELS[record.status]}**"]
    if record.answer:
        parts.append(record.answer)
    if record.note:
        parts.append(record.note)
    terms = _terms_line(record)
    if terms:
        parts.append(terms)
    if record.excerpts:
        parts.append("## 引用原文" if record.status == "answered" else "## 最接近的段落（并非答案）")
        parts.extend(_md_excerpt(e) for e in record.excerpts)
    return "\n\n".join(parts) + "\n"


def _terms_line(record: AnswerExport) -> str:
    out = []
    if record.covered:
        out.append(f"引文涵盖：{'、'.join(record.covered)}")
    if record.missing:
        out.append(f"引文未涉及：{'、'.join(record.missing)}")
    return "；".join(out)


# -- .docx -----------------------------------------------------------------------------------------------------
def _docx_bytes(build) -> bytes:
    import docx

    doc = docx.Document()
    build(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _docx_excerpt(doc, e: Excerpt) -> None:
    head = f"{e.marker} " if e.marker else ""
    try:
        doc.add_paragraph(head + e.text, style="Quote")
    except KeyError:  # a template without the Quote style
        doc.add_paragraph(head + e.text)
    source = doc.add_paragraph()
    run = source.add_run(f"出处：{e.source_line()}")
    run.italic = True


def comparison_docx(record: ComparisonExport) -> bytes:
    def build(doc) -> None:
        doc.add_heading(f"专题对比：{record.topic}", level=1)
        doc.add_paragraph(f"共 {len(record.speeches)} 篇讲话谈到这个专题。")
        for i, s in enumerate(record.speeches, 1):
            doc.add_heading(f"{i}. {s.label}", level=2)
            doc.add_paragraph("；".join(f"{k}：{v}" for k, v in _speech_facts(s)))
            for e in s.excerpts:
                _docx_excerpt(doc, e)
        if record.shared:
            doc.add_heading("共同点", level=2)
            for point, who in record.shared:
                doc.add_paragraph(f"{point}（{'、'.join(who)}）", style="List Bullet")

    return _docx_bytes(build)


def answer_docx(record: AnswerExport) -> bytes:
    def build(doc) -> None:
        doc.add_heading(f"问题：{record.question}", level=1)
        doc.add_paragraph(STATUS_LABELS[record.status]).runs[0].bold = True
        for text in (record.answer, record.note, _terms_line(record)):
            if text:
                doc.add_paragraph(text)
        if record.excerpts:
            doc.add_heading("引用原文" if record.status == "answered" else "最接近的段落（并非答案）", level=2)
            for e in record.excerpts:
                _docx_excerpt(doc, e)

    return _docx_bytes(build)


# -- .csv / .xlsx (one row per speech) -------------------------------------------------------------------------
def comparison_rows(record: ComparisonExport) -> list[list[Any]]:
    """Header + one row per speech; the excerpts of a speech in one cell, each with its position."""
    rows: list[list[Any]] = [list(SPEECH_COLUMNS)]
    for s in record.speeches:
        excerpts = "\n\n".join(f"（{e.position}）{e.text}" for e in s.excerpts)
        rows.append([s.label, s.title, s.date, s.place, s.body, s.speaker, s.meeting, s.file, round(s.score, 4),
                     excerpts])
    return rows


def comparison_csv(record: ComparisonExport) -> bytes:
    """UTF-8 with a byte-order mark, which spreadsheet programs need to read Chinese correctly."""
    buf = io.StringIO()
    csv.writer(buf).writerows(comparison_rows(record))
    return buf.getvalue().encode("utf-8-sig")


def comparison_xlsx(record: ComparisonExport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "专题对比"
    for row in comparison_rows(record):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [28, 28, 12, 12, 16, 12, 22, 24, 10, 90]
    for col, width in zip(ws.columns, widths):
        ws.column_dimensions[col[0].column_letter].width = width
        for cell in col[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if record.shared:
        sh = wb.create_sheet("共同点")
        sh.append(["共同点", "讲话"])
        for point, who in record.shared:
            sh.append([point, "、".join(who)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- file names ------------------------------------------------------------------------------------------------
def file_name(kind: str, subject: str, suffix: str) -> str:
    """A safe download name such as "专题对比-安全责任.docx"."""
    clean = re.sub(r"[\\/:*?\"<>|\s\x00-\x1f]+", "_", subject).strip("._")[:40] or "导出"
    return f"{kind}-{clean}{suffix}"
