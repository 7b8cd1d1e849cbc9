#!/usr/bin/env bash
# Run the dev set through the CLI and score it with ../shared/eval/score.py (figures for the issue notes).
# Usage: scripts/eval.sh [INDEX_DIR]   (default: data/index, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
GOLD=${GOLD:-../shared/eval/dev.jsonl}
SCORE=${SCORE:-../shared/eval/score.py}
IDX=${1:-data/index}
OUT=${OUT:-bench-results/eval}
J=.venv/bin/jianggao
PY=.venv/bin/python
mkdir -p "$OUT"
$J index --index-dir "$IDX" >&2
for mode in hybrid dense keyword; do
    $J search --index-dir "$IDX" --mode $mode --queries "$GOLD" --json > "$OUT/search-$mode.jsonl"
    echo "== search --mode $mode"
    $PY "$SCORE" "$GOLD" --search "$OUT/search-$mode.jsonl" --types factual,paraphrase,traditional,similar
done
if $J ask --help >/dev/null 2>&1; then
    $J similar --index-dir "$IDX" --queries "$GOLD" --json > "$OUT/similar.jsonl"
    echo "== similar"
    $PY "$SCORE" "$GOLD" --search "$OUT/similar.jsonl" --types similar
    $J ask --index-dir "$IDX" --queries "$GOLD" --json > "$OUT/ask.jsonl"
    $J compare --index-dir "$IDX" --queries "$GOLD" --json > "$OUT/compare.jsonl"
    echo "== ask + compare"
    $PY "$SCORE" "$GOLD" --ask "$OUT/ask.jsonl" --compare "$OUT/compare.jsonl"
    echo "== ask refusal trade-off"
    $PY scripts/calibrate_ask.py "$GOLD" "$OUT/ask.jsonl" --out "$OUT/ask_calibration.json"
fi
