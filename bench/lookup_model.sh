#!/usr/bin/env bash
# Prompt-lookup drafts on a real model's retriever-aware answers: `gorilla
# bench` over one hub with the default retriever's best document in the
# prompt, once with --draft off and once with --draft lookup (greedy, the
# call free), side by side in one run: decode tokens/s of each, their
# ratio, the drafts' acceptance, and whether every answer is identical.
#
#   bench/lookup_model.sh [MODEL.gguf] [HUB] [LIMIT]   (GORILLA_DATA: APIBench; THREADS, default 1)
set -eu
bin=${BIN:-build/release/gorilla}
model=${1:-data/gorilla-tiny.gguf}
hub=${2:-th}
data=${GORILLA_DATA:-../shared/apibench}
threads=${THREADS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lim=()
[ -n "${3:-}" ] && lim=(--limit "$3")
for d in off lookup; do
  "$bin" bench --hub "$hub" --data "$data" --model "$model" --retriever gorilla --constrain off --draft "$d" \
    -t "$threads" --no-eval --out "$work/$d.jsonl" "${lim[@]}" > /dev/null 2> "$work/$d.log"
  grep 'decoded' "$work/$d.log" | sed "s/^gorilla bench:/draft $d:/"
done
rate() { grep -o '[0-9.]* tokens/s' "$work/$1.log" | awk '{print $1}'; }
same=$(paste -d'\n' "$work/off.jsonl" "$work/lookup.jsonl" | awk 'NR % 2 { a = $0; sub(/"answer_id".*/, "", a); next }
  { b = $0; sub(/"answer_id".*/, "", b); n++; s += (a == b) } END { printf "%d of %d", s, n }')
awk -v a="$(rate off)" -v b="$(rate lookup)" -v s="$same" \
  'BEGIN { printf "lookup / off decode rate: %.2fx; identical answers: %s\n", b / a, s }'
