#!/usr/bin/env bash
# retrieve_scale.sh — the retriever at scale: builds a synthetic store of
# 1,000,000 API documents and reports index build time, index file size,
# open time and query latency (p50, p99) on one core.
# Usage: bench/retrieve_scale.sh [BUILD/gorilla] [N] [QUERIES]
# (the tool is BUILD/tools/retrieve_bench, next to the gorilla binary).
set -eu
bin=${1:-build/release/gorilla}
n=${2:-1000000}
q=${3:-1000}
tool=$(dirname "$bin")/tools/retrieve_bench
if [ ! -x "$tool" ]; then
  make --no-print-directory "$tool" >/dev/null
fi
idx=$(mktemp /tmp/gorilla-bench-XXXXXX.gidx)
trap 'rm -f "$idx"' EXIT
# One core: the library is single-threaded per retriever; pin when taskset exists.
if command -v taskset >/dev/null 2>&1; then
  taskset -c 0 "$tool" "$n" "$q" "$idx"
else
  "$tool" "$n" "$q" "$idx"
fi
# The APIBench hubs, when the data is there: per-query time of the real thing.
if [ -n "${GORILLA_DATA:-}" ] && [ -d "$GORILLA_DATA/api" ]; then
  "$bin" retrieve --eval --data "$GORILLA_DATA"
fi
