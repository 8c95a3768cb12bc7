#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on its corpus (build/fuzz/corpus/<name>,
# seeded from tests/fuzz/seeds/<name>), writes findings to build/fuzz/findings,
# and the counts to build/fuzz/test-counts (one test per target).
# Usage: tests/fuzz/run.sh SECONDS BIN...
set -u
secs=$1; shift
passed=0; failed=0
mkdir -p build/fuzz/findings
for bin in "$@"; do
  name=$(basename "$bin")
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  [ -d "tests/fuzz/seeds/$name" ] && cp -n tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
  # The GGUF target starts from small files written by the synthetic writer.
  if [ "$name" = fuzz_gguf ] && [ -x build/release/tools/gguf_synth ] && [ ! -f "$corpus/seed-f32.gguf" ]; then
    for t in f32 q8_0 q4_k; do
      build/release/tools/gguf_synth -o "$corpus/seed-$t.gguf" --type $t --n-embd 32 --n-layer 1 --n-head 2 \
        --n-head-kv 1 --n-ff 64 --n-vocab 300 >/dev/null 2>&1 || true
    done
  fi
  log=build/fuzz/$name.log
  if "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=build/fuzz/findings/"$name"- "$corpus" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
    [ -n "$runs" ] || runs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "PASS fuzz $name: ${secs}s, ${runs:-?} runs, no finding"
    passed=$((passed + 1))
  else
    echo "FAIL fuzz $name: finding (see $log and build/fuzz/findings)"
    tail -30 "$log"
    failed=$((failed + 1))
  fi
done
echo "$passed $failed 0" > build/fuzz/test-counts
echo "== fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
