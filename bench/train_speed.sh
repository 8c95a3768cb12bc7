#!/usr/bin/env bash
# Training speed: tokens/s and MFU of `gorilla train` from scratch on a
# 10M- and a 50M-parameter LLaMA shape at context 512, 2 threads.
#
# MFU = model FLOPs per second (6 x matrix parameters + causal attention,
# forward and backward, per row token) over the machine's measured peak:
# the best rate of the trainer's own f32 product on a cache-resident
# 240 x 256 x 256 GEMM on the same threads (printed by gorilla train).
# Steps after the first are timed (the first pays page faults).
#
# Usage: bench/train_speed.sh [BIN]
#   BIN      gorilla binary (default build/release/gorilla); gguf_synth is
#            taken from BIN's dir/tools
#   STEPS    steps per shape (default 5)
#   THREADS  threads (default 2)
#   SHAPES   "10m 50m" (default)
set -eu
BIN=${1:-build/release/gorilla}
SYNTH=$(dirname "$BIN")/tools/gguf_synth
STEPS=${STEPS:-5}
THREADS=${THREADS:-2}
SHAPES=${SHAPES:-"10m 50m"}
TMP=$(mktemp -d /tmp/gorilla-train-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# a synthetic 8000-token vocabulary, and conversations long enough to
# fill rows of 512 tokens
"$SYNTH" -o "$TMP/vocab.gguf" --n-vocab 8000 --n-embd 32 --n-layer 1 --n-head 2 --n-head-kv 1 --n-ff 32 >/dev/null
awk 'BEGIN { srand(3); printf "[";
  for (i = 0; i < 64; i++) { q = ""; a = "";
    for (j = 0; j < 60; j++) q = q " w" int(rand() * 500);
    for (j = 0; j < 120; j++) a = a " x" int(rand() * 500);
    printf "%s{\"id\": \"%d\", \"conversations\": [{\"from\": \"human\", \"value\": \"%s\"}, {\"from\": \"gpt\", \"value\": \"%s\"}]}", (i ? "," : ""), i, q, a }
  print "]" }' > "$TMP/data.json"

printf '%-5s %-44s %10s %9s %8s %10s %7s\n' shape "dim/layers/heads/kv/ff/vocab" params "tok/s" "s/step" "GFLOP/s" MFU
for s in $SHAPES; do
  case $s in
    10m) F="--dim 288 --layers 8 --heads 6 --kv-heads 6 --ff 768" ;;
    50m) F="--dim 512 --layers 14 --heads 8 --kv-heads 8 --ff 1376" ;;
    *) echo "unknown shape $s" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  "$BIN" train --init --vocab "$TMP/vocab.gguf" --data "$TMP/data.json" $F --tied --ctx 512 --batch 1 \
    --steps "$STEPS" --warmup 1 -t "$THREADS" --quiet --log "$TMP/$s.log" -o "$TMP/$s.gguf" 2>"$TMP/$s.err" >/dev/null
  params=$(sed -n 's/^gorilla train: \([0-9]*\) parameters.*/\1/p' "$TMP/$s.err")
  fpt=$(sed -n 's/.*: \([0-9.e+]*\) model FLOPs per token.*/\1/p' "$TMP/$s.err")
  peak=$(sed -n 's/.*product peak \([0-9.]*\) GFLOP.*/\1/p' "$TMP/$s.err")
  awk -v s="$s" -v f="$F" -v p="$params" -v fpt="$fpt" -v peak="$peak" '
    { match($0, /"elapsed":[0-9.]*/); e[NR] = substr($0, RSTART + 10, RLENGTH - 10) + 0
      match($0, /"tokens":[0-9]*/); tok = substr($0, RSTART + 9, RLENGTH - 9) + 0 }
    END { n = NR; dt = e[n] - e[1]; tps = (n - 1) * tok / dt; gf = tps * fpt / 1e9
          gsub(/--[a-z-]* /, "", f); gsub(/ /, "/", f)
          printf "%-5s %-44s %10d %9.0f %8.2f %10.1f %6.1f%%\n", s, f "/8000 tied", p, tps, dt / (n - 1), gf, 100 * gf / peak }' "$TMP/$s.log"
done
echo "peak: the trainer's f32 product on a 240x256x256 GEMM, $THREADS threads: $(sed -n 's/.*product peak \([0-9.]*\) GFLOP.*/\1/p' "$TMP/10m.err" 2>/dev/null || true) GFLOP/s"
