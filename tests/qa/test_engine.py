"""Engine facade: index version pinning for readers (pure: no model, no index)."""
from __future__ import annotations

import threading

import pytest

from jianggao.qa.engine import Engine


def test_a_pinned_thread_keeps_its_index_version_while_others_see_the_new_one(tmp_path):
    engine = Engine(index_dir=tmp_path / "index", library_dir=tmp_path / "library")
    old, new = object(), object()
    engine._retriever = old  # what a loaded index would be
    seen_elsewhere = []
    with engine.pinned() as pinned:
        assert pinned is old
        engine._retriever = new  # an upload switches versions mid-request
        assert engine.retriever is old  # this request keeps reading the version it started with
        with engine.pinned() as inner:  # nested: still the outer version
            assert inner is old
        assert engine.retriever is old
        other = threading.Thread(target=lambda: seen_elsewhere.append(engine.retriever))
        other.start()
        other.join()
    assert seen_elsewhere == [new]  # other requests see the new version at once
    assert engine.retriever is new  # and so does this thread after its request


# -- folders: the bundled corpus is read-only, uploads go to the library ---------------------------------------
def test_by_default_the_index_covers_the_bundled_corpus_and_the_library(tmp_path, monkeypatch):
    from jianggao.indexer.config import DEFAULT_CORPUS

    library = tmp_path / "my-library"
    monkeypatch.setenv("JIANGGAO_LIBRARY_DIR", str(library))
    engine = Engine(index_dir=tmp_path / "index")
    assert engine.library_dir == library and engine.read_only_dirs == [DEFAULT_CORPUS]
    assert engine.sources() == [DEFAULT_CORPUS]  # no library folder yet: nothing to add
    library.mkdir()
    assert engine.sources() == [DEFAULT_CORPUS, library]


def test_the_default_library_is_not_the_tracked_corpus(monkeypatch):
    from jianggao.indexer.config import DEFAULT_CORPUS, PROJECT_ROOT, default_library_dir

    monkeypatch.delenv("JIANGGAO_LIBRARY_DIR", raising=False)
    assert default_library_dir() == PROJECT_ROOT / "data" / "library" != DEFAULT_CORPUS
    ignored = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "data/library/" in ignored


def test_a_given_library_stands_alone(tmp_path):
    engine = Engine(index_dir=tmp_path / "index", library_dir=tmp_path / "library")
    assert engine.read_only_dirs == [] and engine.sources() == [tmp_path / "library"]


def test_a_bundled_file_cannot_be_removed(tmp_path):
    from jianggao.qa.engine import ReadOnlySourceError, UploadError

    bundled, library = tmp_path / "bundled", tmp_path / "library"
    bundled.mkdir()
    (bundled / "speech.txt").write_text("同志们：今天开会。", encoding="utf-8")
    engine = Engine(index_dir=tmp_path / "index", library_dir=library, read_only_dirs=[bundled])
    engine._build = lambda progress=False: pytest.fail("nothing may be rebuilt")  # refused before any work
    with pytest.raises(ReadOnlySourceError, match="read-only"):
        engine.remove_source("speech.txt")
    assert (bundled / "speech.txt").is_file()
    with pytest.raises(UploadError):  # the same file reached from the library by a relative path
        engine.remove_source("../bundled/speech.txt")
    assert (bundled / "speech.txt").is_file()


def test_uploads_never_land_in_the_bundled_corpus(tmp_path):
    from jianggao.indexer.config import DEFAULT_CORPUS
    from jianggao.qa.engine import UploadError

    before = sorted(DEFAULT_CORPUS.rglob("*"))
    engine = Engine(index_dir=tmp_path / "index", library_dir=DEFAULT_CORPUS)
    engine._build = lambda progress=False: pytest.fail("nothing may be rebuilt")
    with pytest.raises(UploadError, match="read-only"):
        engine.add_files([("x.txt", "同志们：今天开会。".encode())])
    with pytest.raises(UploadError, match="read-only"):
        engine.remove_source(before[0].relative_to(DEFAULT_CORPUS).as_posix())
    assert sorted(DEFAULT_CORPUS.rglob("*")) == before
