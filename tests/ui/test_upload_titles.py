"""Titles of uploaded speeches are in the script of their text (a reported bug: a .docx of Simplified text got a
generated title in Traditional characters). Through the real upload path: Handlers.upload -> Engine.add_files ->
the index build -> pipeline -> identity."""
from __future__ import annotations

import docx

from jianggao.indexer.normalize import normalize
from jianggao.qa.engine import UPLOAD_DIR
from jianggao.ui.handlers import Handlers

# Text written for the test: no title line and no meeting named, so the title is generated from the content.
PARAGRAPHS = [
    "近年来，农村公路建设取得明显成效，群众出行条件持续改善，乡村产业发展有了更好的交通基础。",
    "农村公路建设事关群众切身利益，各乡镇要压实属地责任，加快项目进度，确保工程质量和施工安全。" * 3,
    "养护管理要常态化，养护资金要足额落实、规范使用，路况检测和隐患排查要定期开展，发现问题及时整改。" * 3,
    "要加强农村客运和物流站点建设，推动客货邮融合发展，让农产品出得去、消费品进得来。" * 3,
]
TRADITIONAL = [
    "近年來，農村公路建設取得明顯成效，群眾出行條件持續改善，鄉村產業發展有了更好的交通基礎。",
    "農村公路建設事關群眾切身利益，各鄉鎮要壓實屬地責任，加快項目進度，確保工程質量和施工安全。" * 3,
    "養護管理要常態化，養護資金要足額落實、規範使用，路況檢測和隱患排查要定期開展，發現問題及時整改。" * 3,
]


def no_progress(*args, **kwargs):
    return None


def write(path, paragraphs):
    if path.suffix == ".docx":
        d = docx.Document()
        for p in paragraphs:
            d.add_paragraph(p)
        d.save(str(path))
    else:
        path.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def uploaded(engine, name):
    return [s for s in engine.speeches() if s.source == f"{UPLOAD_DIR}/{name}"]


def test_simplified_uploads_get_simplified_generated_titles(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    files = [write(tmp_path / "公路.docx", PARAGRAPHS), write(tmp_path / "公路养护.txt", PARAGRAPHS[1:] + PARAGRAPHS[:1])]
    status, *_ = h.upload([str(p) for p in files], no_progress)
    assert "识别出 1 篇讲话" in status, status
    for p in files:
        (speech,) = uploaded(fresh_engine, p.name)
        assert speech.title and speech.title == normalize(speech.title), speech.title  # no Traditional character
        assert "讲话" in speech.title or "关于" in speech.title, speech.title  # generated, not a first line
        label = h.labels()[speech.id]
        assert label == normalize(label)


def test_a_traditional_upload_keeps_its_script_in_the_title(fresh_engine, tmp_path):
    h = Handlers(fresh_engine)
    path = write(tmp_path / "公路繁體.docx", TRADITIONAL)
    status, *_ = h.upload([str(path)], no_progress)
    assert "识别出 1 篇讲话" in status, status
    (speech,) = uploaded(fresh_engine, path.name)
    assert speech.title != normalize(speech.title), speech.title
