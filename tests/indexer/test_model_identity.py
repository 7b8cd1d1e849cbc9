"""Tests for jianggao.indexer.model_identity: a model is its name + the hash of its weights, wherever it lies."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from jianggao.indexer.model_identity import (
    ModelNotFoundError,
    default_model,
    locate_model,
    model_identity,
    resolve_model_name,
    same_model,
)
from jianggao.indexer.store import IndexMismatchError, Store
from jianggao.indexer.types import Chunk, Speech, SpeechMeta


def fake_model(folder: Path, weights: bytes = b"\x00\x01weights") -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 4}', encoding="utf-8")
    (folder / "pytorch_model.bin").write_bytes(weights)
    (folder / "README.md").write_text("about the model", encoding="utf-8")
    return folder


def test_identity_is_the_folder_name_and_a_hash_of_the_content(tmp_path):
    a = fake_model(tmp_path / "one" / "m3e-small")
    ident = model_identity(str(a))
    assert ident.startswith("m3e-small@sha256:") and len(ident.split(":")[1]) == 16
    assert model_identity(ident) == ident  # idempotent: an index's identity compares to itself
    # A copy elsewhere (a new venv, another user) is the same model; a path spelled differently too.
    b = tmp_path / "two" / "m3e-small"
    shutil.copytree(a, b)
    assert model_identity(str(b)) == ident
    assert model_identity(str(tmp_path / "one" / ".." / "one" / "m3e-small") + "/") == ident
    # Documentation does not change the vectors; weights and configuration do.
    (b / "README.md").write_text("edited", encoding="utf-8")
    assert model_identity(str(b)) == ident
    (b / "config.json").write_text('{"hidden_size": 8}', encoding="utf-8")
    assert model_identity(str(b)) != ident
    c = fake_model(tmp_path / "three" / "m3e-small", weights=b"\x00\x02weights")
    assert model_identity(str(c)) != ident


def test_hub_names_and_missing_folders_are_their_own_identity(tmp_path):
    assert model_identity("org/name/") == "org/name"
    gone = str(tmp_path / "gone" / "m3e-small")
    assert model_identity(gone) == gone
    assert same_model("org/name", "org/name/") and not same_model("org/name", "org/other")


def test_packaged_model_identity_survives_a_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("JIANGGAO_MODEL", raising=False)
    packaged = default_model()
    copy = tmp_path / "venv2" / "m3e-small"
    shutil.copytree(packaged, copy)
    assert model_identity(str(copy)) == model_identity(packaged)


def test_locate_model_finds_the_installed_folder_for_an_identity(tmp_path, monkeypatch):
    model = fake_model(tmp_path / "m")
    monkeypatch.setenv("JIANGGAO_MODEL", str(model))
    assert locate_model(model_identity(str(model))) == str(model.resolve())
    assert locate_model(str(model)) == resolve_model_name(str(model))
    with pytest.raises(ModelNotFoundError, match="no installed model has those weights.*re-index"):
        locate_model("m@sha256:0123456789abcdef")


def tiny_store(model: str) -> Store:
    text = "做好校车安全工作。"
    speech = Speech(id="s1", source="a.txt", order=0, start=0, end=len(text), title="t", page_title="t",
                    text=text, norm=text, meta=SpeechMeta())
    chunk = Chunk(id="s1:0", speech_id="s1", order=0, start=0, end=len(text), text=text, norm=text)
    vec = np.zeros((1, 4), np.float32)
    vec[0, 0] = 1
    return Store.build([speech], [chunk], vec, [text], model=model, files={"a.txt": "x"})


def test_store_compares_identities_and_accepts_an_old_manifest_path_with_the_same_weights(tmp_path):
    model = fake_model(tmp_path / "venv1" / "m3e-small")
    copy = tmp_path / "venv2" / "m3e-small"
    shutil.copytree(model, copy)
    # New manifests hold the identity: any copy of the weights matches, other weights do not.
    store = tiny_store(model_identity(str(model)))
    store.check_model(str(copy), 4)
    other = fake_model(tmp_path / "other" / "m3e-small", weights=b"different")
    with pytest.raises(IndexMismatchError, match="jianggao index --rebuild"):
        store.check_model(str(other))
    # An old manifest holds an absolute path: accepted while that folder exists with the same weights ...
    old = tiny_store(str(model))
    old.check_model(str(copy), 4)
    # ... and a clear "re-index" once it is gone (e.g. the old venv was deleted).
    shutil.rmtree(model)
    with pytest.raises(IndexMismatchError, match="re-index with `jianggao index --rebuild`"):
        old.check_model(str(copy))
