"""Where things live by default, and the environment variables that move them."""
from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The corpus that ships with the project (tracked in git): indexed by default, never written by the app.
DEFAULT_CORPUS = PROJECT_ROOT / "data" / "speeches"

# In an index folder, beside its versions (so that --rebuild still reuses them): cached vectors and keyword terms.
CACHE_DIR = "embcache"

ENV_INDEX_DIR = "JIANGGAO_INDEX_DIR"
ENV_LIBRARY_DIR = "JIANGGAO_LIBRARY_DIR"
ENV_MODEL = "JIANGGAO_MODEL"
ENV_DEVICE = "JIANGGAO_DEVICE"
ENV_AUTH = "JIANGGAO_AUTH"


def default_index_dir() -> Path:
    """``$JIANGGAO_INDEX_DIR`` or ``data/index`` in the project."""
    env = os.environ.get(ENV_INDEX_DIR)
    return Path(env).expanduser() if env else PROJECT_ROOT / "data" / "index"


def default_library_dir() -> Path:
    """The user's own library, where uploads go: ``$JIANGGAO_LIBRARY_DIR`` or ``data/library`` (git-ignored)."""
    env = os.environ.get(ENV_LIBRARY_DIR)
    return Path(env).expanduser() if env else PROJECT_ROOT / "data" / "library"


def default_sources() -> list[Path]:
    """What the index covers by default: the bundled corpus, plus the user's library once it exists."""
    library = default_library_dir()
    return [DEFAULT_CORPUS, *([library] if library.is_dir() else [])]


def package_version(dist: str) -> str:
    """An installed distribution's version, read from its metadata (no import: importing torch to learn its
    version costs a second), or "unknown". Caches record the versions that decide their contents."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"
