#!/usr/bin/env bash
# Times `gorilla eval --data ROOT --all` (every released response file of the
# three hubs in one call) over several runs and prints min / median / max wall
# time, for compatible and strict matching, plus the file and response counts.
# Usage: bench/eval_speed.sh [BIN] [RUNS]   (ROOT: $GORILLA_DATA)
set -eu
bin=${1:-build/release/gorilla}
runs=${2:-7}
root=${GORILLA_DATA:-../shared/apibench}
if [ ! -f "$root/README.md" ]; then echo "eval_speed: no APIBench data at $root (set GORILLA_DATA)"; exit 0; fi
files=$(ls "$root"/responses/*/response_*.jsonl | wc -l)
lines=$(cat "$root"/responses/*/response_*.jsonl | wc -l)
echo "gorilla eval --all: $files files, $lines responses, $(nproc) cores, $runs runs"
for mode in compatible strict; do
  flag=""; [ $mode = strict ] && flag=--strict
  ts=()
  for _ in $(seq "$runs"); do
    s=$(date +%s%N)
    "$bin" eval --data "$root" --all $flag > /dev/null
    e=$(date +%s%N)
    ts+=($(( (e - s) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${ts[@]}" | sort -n))
  n=${#sorted[@]}
  printf '  %-10s wall ms: min %d  median %d  max %d\n' $mode "${sorted[0]}" "${sorted[$((n / 2))]}" "${sorted[$((n - 1))]}"
done
