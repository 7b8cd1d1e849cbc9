"""Helpers shared by the UI tests (fixtures are in conftest.py): test data, markup injection, docx files."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

DATA = Path(__file__).parent / "data"
PAYLOAD = "<img src=x onerror=alert(1)>"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def make_engine(root: Path, encoder):
    from jianggao.qa.engine import Engine

    engine = Engine(index_dir=root / "index", library_dir=root / "library")
    engine._encoder = encoder  # the session's model: never loaded twice
    return engine


def copy_engine(ui_base: Path, dest: Path, encoder):
    """An engine on a private copy of the base library and index (the embedding cache comes along)."""
    shutil.copytree(ui_base, dest)
    return make_engine(dest, encoder)


def inject_markup(engine, title_too: bool = True):
    """Put ``PAYLOAD`` into a loaded speech (its title and the start of its second line) and its chunk.

    The cleaner strips tags from every loaded file, so markup cannot reach a speech through the loaders;
    this stands for text that does (a future loader, an escaped entity): the front end must still show it
    as text. The payload replaces as many characters as it has, so every stored offset stays valid.
    """
    store = engine.store
    speech = next(s for s in store.speeches if s.canonical_id is None and "\n" in s.text)
    i = speech.text.index("\n") + 1
    j = i + len(PAYLOAD)
    speech.text = speech.text[:i] + PAYLOAD + speech.text[j:]
    speech.norm = speech.norm[:i] + PAYLOAD.lower() + speech.norm[j:]
    if title_too:
        speech.title = f"{PAYLOAD}{speech.title}"
    for n, c in enumerate(store.chunks):
        if c.speech_id == speech.id and c.start < j and c.end > i:
            store.chunks[n] = replace(c, text=speech.text[c.start:c.end], norm=speech.norm[c.start:c.end])
    return speech, i


def write_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import docx

    doc = docx.Document()
    doc.add_paragraph(title)
    for p in paragraphs:
        doc.add_paragraph(p)
    doc.save(str(path))
    return path


DOCX_TITLE = "在数字乡村建设推进会上的讲话"
DOCX_PHRASE = "智慧农业示范园"
DOCX_PARAGRAPHS = [
    "同志们：",
    "今天召开全县数字乡村建设推进会，主要任务是总结前一阶段工作，部署下一步重点任务。"
    f"今年以来，我们建成{DOCX_PHRASE}三处，带动周边农户发展设施农业，群众增收效果明显。",
    "一要加快农村宽带网络建设，推动光纤和移动网络覆盖到所有行政村，为数字乡村打好基础。"
    f"二要抓好{DOCX_PHRASE}的运营管理，建立专业团队，做好技术培训和农产品电商销售。",
    "三要压实各级责任，乡镇党委书记是第一责任人，县直各部门要密切配合，形成工作合力，"
    "确保各项任务按期完成。谢谢大家！",
]


@dataclass(frozen=True)
class ContractMeta:
    """Speech metadata with the fields of the identity contract (SpeechMeta's, read by name), for tests that
    give speeches a known place, speaker, date and meeting in memory."""

    date: str | None = None
    place: str | None = None
    body: str | None = None
    speaker: str | None = None
    role: str | None = None
    meeting: str | None = None
    topics: tuple[str, ...] = ()
    origin: str | None = None
    spans: dict = field(default_factory=dict)


# Two county speeches of one kind, as the seed corpus has them: the same title, told apart by place.
COUNTY_TITLE = "全县脱贫攻坚工作会议讲话稿"
COUNTY_META = [
    dict(place="紫阳县", meeting="脱贫攻坚工作会议", date="2016-03-02", speaker="张三"),
    dict(place="商州区", meeting="脱贫攻坚工作会议", date="2017-05", speaker="李四"),
]


def set_meta(engine, speech, title: str | None = None, **fields):
    """Give a loaded speech metadata (and a title) in memory; lasts until the next re-index."""
    speech.meta = ContractMeta(**fields)
    if title is not None:
        speech.title = title
    return speech


def county_speeches(engine):
    """The two canonical speeches about poverty relief (the 扶贫 page, the 残疾人 speech) made into two county
    speeches with the same title: 紫阳县 and 商州区 (COUNTY_META)."""
    canonical = [s for s in engine.speeches() if s.canonical_id is None]
    pair = [next(s for s in canonical if s.source == name) for name in ("fupin_gongcheng.txt", "canjiren.txt")]
    for sp, meta in zip(pair, COUNTY_META):
        set_meta(engine, sp, COUNTY_TITLE, **meta)
    return pair
