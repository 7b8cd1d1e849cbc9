"""The one pipeline driver: order of the steps, shared by `jianggao speeches` and `jianggao index`, and the
pipeline version that makes `jianggao index` process files again after the rules change."""
from __future__ import annotations

import json

import pytest
from stand_ins import HashEncoder

from jianggao.indexer import build as build_module
from jianggao.indexer.build import build_index
from jianggao.indexer.corpus import build_corpus
from jianggao.indexer.loaders import load_corpus
from jianggao.indexer.pipeline import PIPELINE_VERSION, process
from jianggao.indexer.store import Store

BODY = "全县脱贫攻坚工作要抓实,脱贫攻坚任务要落实到人,贫困户帮扶措施要精准,易地搬迁要稳妥推进。" * 8
REPORT = (
    "2025年云南省政府工作报告\n来源：北京日报\n——2025年1月18日在云南省第十四届人民代表大会第三次会议上\n省长 王予波\n"
    "各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n一、2024年工作回顾\n"
    + "高原特色农业加快发展，绿色能源装机突破一亿千瓦，民族团结进步示范区建设成效明显。" * 8
)


@pytest.fixture()
def library(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "report.txt").write_text(REPORT, encoding="utf-8")
    (lib / "county.txt").write_text(f"在全县脱贫攻坚工作会议上的讲话\n同志们:\n我县是紫阳县。{BODY}\n谢谢大家!\n", encoding="utf-8")
    return lib


def test_process_runs_every_step(library):
    docs, _ = load_corpus([library])
    result = process(docs)
    by_source = {s.source: s for s in result.speeches}
    report = by_source["report.txt"]
    assert report.title == "2025年云南省政府工作报告"  # split: one speech, its own title line
    assert report.meta.place == "云南省" and report.meta.speaker == "王予波" and report.meta.date == "2025-01-18"
    assert report.text.startswith("来源：北京日报")  # cleaned and split, header kept for identity spans
    assert by_source["county.txt"].meta.place == "紫阳县"
    assert {c.speech_id for c in result.chunks} == {s.id for s in result.speeches}  # chunked
    for c in result.chunks:
        s = next(x for x in result.speeches if x.id == c.speech_id)
        assert s.text[c.start : c.end] == c.text


def test_speeches_and_index_build_make_the_same_speeches(library, tmp_path):
    corpus = build_corpus([library])
    build_index([library], tmp_path / "idx", encoder=HashEncoder())
    store = Store.load(tmp_path / "idx", expect_model=HashEncoder().name)
    assert sorted((s.id, s.title, s.meta.place) for s in corpus.speeches) == sorted(
        (s.id, s.title, s.meta.place) for s in store.speeches)
    assert store.manifest.pipeline_version == PIPELINE_VERSION


def test_index_reprocesses_files_when_the_pipeline_version_changes(library, tmp_path, monkeypatch):
    idx = tmp_path / "idx"
    build_index([library], idx, encoder=HashEncoder())
    again = build_index([library], idx, encoder=HashEncoder())
    assert again.nothing_to_do and not again.pipeline_changed

    monkeypatch.setattr(build_module, "PIPELINE_VERSION", PIPELINE_VERSION + 1)
    calls = []
    real = build_module.process

    def spy(documents, kept=None, kept_chunks=None, **kw):
        calls.append(dict(kept or {}))
        return real(documents, kept, kept_chunks, **kw)

    monkeypatch.setattr(build_module, "process", spy)
    report = build_index([library], idx, encoder=HashEncoder())
    assert report.pipeline_changed and not report.nothing_to_do
    assert calls == [{}]  # nothing kept: every file went through the pipeline again
    assert report.cached == report.chunks  # the vectors of unchanged text still come from the cache
    assert Store.load(idx, expect_model=HashEncoder().name).manifest.pipeline_version == PIPELINE_VERSION + 1
    assert build_index([library], idx, encoder=HashEncoder()).nothing_to_do


def test_an_index_from_before_the_pipeline_version_is_processed_again(library, tmp_path):
    idx = tmp_path / "idx"
    build_index([library], idx, encoder=HashEncoder())
    current = (idx / "CURRENT").read_text().strip()
    manifest_path = idx / "versions" / current / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["pipeline_version"]  # as round one wrote it
    manifest_path.write_text(json.dumps(manifest))
    assert Store.load(idx, expect_model=HashEncoder().name).manifest.pipeline_version == 0
    report = build_index([library], idx, encoder=HashEncoder())
    assert report.pipeline_changed and not report.nothing_to_do


def test_unchanged_files_keep_their_speeches_when_a_file_is_added(library, tmp_path, monkeypatch):
    idx = tmp_path / "idx"
    build_index([library], idx, encoder=HashEncoder())
    before = {s.id: s.title for s in Store.load(idx, expect_model=HashEncoder().name).speeches}
    (library / "other.txt").write_text(f"在全市教育工作会议上的讲话\n同志们:\n{BODY.replace('脱贫', '教育')}\n",
                                       encoding="utf-8")
    calls = []
    real = build_module.process
    monkeypatch.setattr(build_module, "process",
                        lambda d, kept=None, kc=None, **kw: calls.append(sorted(kept or {})) or real(d, kept, kc, **kw))
    report = build_index([library], idx, encoder=HashEncoder())
    assert report.added == ["other.txt"] and calls == [["county.txt", "report.txt"]]
    after = {s.id: s.title for s in Store.load(idx, expect_model=HashEncoder().name).speeches}
    assert all(after[k] == v for k, v in before.items())


def test_an_update_cleans_only_new_or_changed_files(library, tmp_path, monkeypatch):
    """Cleaning is cached by a document's text in the index folder: an update cleans the new file only, and the
    library it makes equals one built without the cache; another pipeline version ignores the cache."""
    cleaned = []
    real = build_module.clean_text
    monkeypatch.setattr(build_module, "clean_text", lambda text: cleaned.append(text[:10]) or real(text))
    idx = tmp_path / "idx"
    build_index([library], idx, encoder=HashEncoder())
    assert len(cleaned) == 2
    cache_file = idx / build_module.CACHE_DIR / build_module.CLEANED_CACHE_NAME
    assert cache_file.is_file()

    cleaned.clear()
    (library / "new.txt").write_text(f"在全县防汛工作会议上的讲话\n同志们:\n{BODY[::-1]}\n", encoding="utf-8")
    build_index([library], idx, encoder=HashEncoder())
    assert cleaned == ["在全县防汛工作会议上"]  # the two unchanged files came from the cache
    with_cache = Store.load(idx)

    cache_file.unlink()
    fresh = tmp_path / "fresh"
    build_index([library], fresh, encoder=HashEncoder())
    assert [(s.id, s.title, s.text) for s in Store.load(fresh).speeches] == \
           [(s.id, s.title, s.text) for s in with_cache.speeches]

    # The cache keeps this build's documents only, and another pipeline version does not trust it.
    assert len(json.loads((fresh / build_module.CACHE_DIR / build_module.CLEANED_CACHE_NAME).read_text(
        encoding="utf-8"))["lines"]) == 3
    cleaned.clear()
    monkeypatch.setattr(build_module, "PIPELINE_VERSION", PIPELINE_VERSION + 1)
    build_index([library], fresh, encoder=HashEncoder())
    assert len(cleaned) == 3
