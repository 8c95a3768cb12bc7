#!/usr/bin/env bash
# Prompt-lookup drafts (same tool as bench/constrain_speed.sh): decode
# tokens/s with and without --draft lookup on a retriever-aware prompt,
# acceptance, and whether the greedy output is identical; also the
# constraint cost. Store-constrained calls: decode ms/token with and without the constraint
# (the call field from the first token, every call of the hub's API file in
# the trie), the filter's own time per step inside a call, and prompt-lookup
# drafts' tokens/s and acceptance, on the 1.1B synthetic shape
# (tools/decode_speed).
#
# Usage: bench/constrain_speed.sh [BIN_DIR]
#   BIN_DIR     build dir holding tools/ (default build/release)
#   MODELS_DIR  where 1b-q4_0.gguf is (written when missing; default
#               /tmp/gorilla-bench-models, as bench/engine_speed.sh)
#   API         the API file (default ../shared/apibench/api/huggingface_api.jsonl)
#   DECODE      tokens per run (default 24), THREADS (default 2)
set -eu
bd=${1:-build/release}
models=${MODELS_DIR:-/tmp/gorilla-bench-models}
api=${API:-../shared/apibench/api/huggingface_api.jsonl}
f=$models/1b-q4_0.gguf
if [ ! -f "$api" ]; then echo "lookup_speed: $api is missing (set API)"; exit 1; fi
mkdir -p "$models"
if [ ! -f "$f" ]; then
  "$bd/tools/gguf_synth" -o "$f" --n-embd 2048 --n-layer 22 --n-head 32 --n-head-kv 4 --n-ff 5632 \
    --n-vocab 32000 --n-ctx 2048 --type Q4_0
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bd/tools/decode_speed" "$f" "$api" "${DECODE:-24}" "${THREADS:-2}"
