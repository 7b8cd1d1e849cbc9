"""Engine facade: index version pinning for readers (pure: no model, no index)."""
from __future__ import annotations

import threading

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
