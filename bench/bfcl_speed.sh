#!/usr/bin/env bash
# Times `gorilla bfcl eval` over all 13 BFCL v4 AST categories of one model
# (../shared/bfcl/results/gpt-oss-120b, 3641 entries; score files written)
# over several runs and prints min / median / max wall time, for the
# compatible and the --strict mode.
# Usage: bench/bfcl_speed.sh [BIN] [RUNS]   (data: $GORILLA_BFCL or ../shared/bfcl)
set -eu
bin=${1:-build/release/gorilla}
runs=${2:-7}
root=${GORILLA_BFCL:-../shared/bfcl}
res=$root/results/gpt-oss-120b/result
if [ ! -f "$root/data/BFCL_v4_simple_python.json" ] || [ ! -d "$res" ]; then
  echo "bfcl_speed: no BFCL data at $root (set GORILLA_BFCL)"; exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
entries=$(cat "$res"/BFCL_v4_*_result.json | wc -l)
echo "gorilla bfcl eval: $(ls "$res"/BFCL_v4_*_result.json | wc -l) categories, $entries entries, $(nproc) cores, $runs runs"
for mode in compatible strict; do
  flag=""; [ $mode = strict ] && flag=--strict
  ts=()
  for _ in $(seq "$runs"); do
    s=$(date +%s%N)
    "$bin" bfcl eval --data "$root/data" --results "$res" --out "$out" $flag > /dev/null
    e=$(date +%s%N)
    ts+=($(( (e - s) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${ts[@]}" | sort -n))
  n=${#sorted[@]}
  printf '  %-10s wall ms: min %d  median %d  max %d\n' $mode "${sorted[0]}" "${sorted[$((n / 2))]}" "${sorted[$((n - 1))]}"
done
