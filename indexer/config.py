"""Where things live by default, and the environment variables that move them."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "data" / "speeches"

ENV_INDEX_DIR = "JIANGGAO_INDEX_DIR"
ENV_MODEL = "JIANGGAO_MODEL"
ENV_DEVICE = "JIANGGAO_DEVICE"


def default_index_dir() -> Path:
    """``$JIANGGAO_INDEX_DIR`` or ``data/index`` in the project."""
    env = os.environ.get(ENV_INDEX_DIR)
    return Path(env).expanduser() if env else PROJECT_ROOT / "data" / "index"
