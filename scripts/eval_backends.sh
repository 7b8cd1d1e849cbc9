#!/usr/bin/env bash
# Retrieval quality of each encoder backend (issue 12): for each backend, a from-scratch index of both dev corpora
# in its own folder, `jianggao search --json` (hybrid and dense) and `jianggao ask --json`, scored by the shared
# score.py. A backend is acceptable when hit@5 and MRR@10 stay within 0.01 of torch fp32 and the cited share
# within 0.02 (compare the printed tables).
# Usage: scripts/eval_backends.sh [BACKEND ...]   (default: torch torch-bf16 onnx-int8; OUT=bench-results/backends)
#        SETS="dev provinces" selects the dev sets (default both).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${JIANGGAO_SHARED:-../shared}
OUT=${OUT:-bench-results/backends}
J=.venv/bin/jianggao
PY=.venv/bin/python
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(torch torch-bf16 onnx-int8)
mkdir -p "$OUT"
for b in "${BACKENDS[@]}"; do
    for name in ${SETS:-dev provinces}; do
        corpus=data/speeches
        [ "$name" = dev ] || corpus="$SHARED/corpora/provinces-2025"
        gold="$SHARED/eval/$name.jsonl"
        idx="$OUT/index-$b-$name"; res="$OUT/$b-$name"
        rm -rf "$idx"
        JIANGGAO_BACKEND=$b $J index --index-dir "$idx" "$corpus" >&2
        for mode in hybrid dense; do
            JIANGGAO_BACKEND=$b $J search --index-dir "$idx" --mode $mode --queries "$gold" --json > "$res-search-$mode.jsonl"
        done
        JIANGGAO_BACKEND=$b $J ask --index-dir "$idx" --queries "$gold" --json > "$res-ask.jsonl"
        for mode in hybrid dense; do
            echo "== $b $name search $mode"
            $PY "$SHARED/eval/score.py" "$gold" --search "$res-search-$mode.jsonl" --ask "$res-ask.jsonl" --json > "$res-score-$mode.json" || true
            $PY "$SHARED/eval/score.py" "$gold" --search "$res-search-$mode.jsonl" --ask "$res-ask.jsonl"
        done
    done
done
