"""Tests for jianggao.indexer.fileio: atomic writes, JSON lines, the version pointer."""
from __future__ import annotations

import pytest

from jianggao.indexer import fileio


def test_atomic_write_replaces_whole_files_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a.bin"
    fileio.atomic_write(path, lambda f: f.write(b"old"))
    fileio.atomic_write(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new"

    def fail(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        fileio.atomic_write(path, fail)
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_jsonl_round_trip_keeps_chinese(tmp_path):
    rows = [{"id": 1, "text": "脱贫攻坚"}, {"id": 2, "text": "校车\n安全"}]
    fileio.write_jsonl(tmp_path / "x.jsonl", rows)
    assert "脱贫攻坚" in (tmp_path / "x.jsonl").read_text(encoding="utf-8")
    assert fileio.read_jsonl(tmp_path / "x.jsonl") == rows


def test_pointer_names_a_version_or_nothing(tmp_path):
    pointer = tmp_path / "CURRENT"
    assert fileio.read_pointer(pointer) is None
    name = fileio.new_version_name()
    fileio.write_pointer(pointer, name)
    assert fileio.read_pointer(pointer) == name
    for bad in ["", "../x", ".."]:
        pointer.write_text(bad)
        with pytest.raises(ValueError, match="does not name a version"):
            fileio.read_pointer(pointer)
    assert fileio.new_version_name() != fileio.new_version_name()
