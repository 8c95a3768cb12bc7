#!/usr/bin/env bash
# Peak resident memory of `gorilla serve --model M` with and without
# --data D (which adds POST /v1/gorilla/ask: retrieval over D's API
# documents, then generation with the served model). The model is loaded
# once and the asker borrows it, so --data should cost the API store and
# little else: done when the ratio is at most 1.25.
#
# Each run: start the server, send one /v1/completions request (every
# weight is read: all of it resident), with --data also one
# /v1/gorilla/ask request, then read the server's VmHWM from
# /proc/PID/status and stop it with SIGTERM.
#
# Usage: bench/serve_memory.sh [BIN] [BASELINE_BIN]
#   BIN            gorilla binary (default build/release/gorilla); gguf_synth
#                  is taken from BIN's dir/tools
#   BASELINE_BIN   optional second binary measured the same way (e.g. the
#                  build before the model was shared), shown beside it
#   MODEL          the GGUF file (default: MODELS_DIR/1b-q4_0.gguf, the
#                  1.1B shape of bench/engine_speed.sh in Q4_0, made with
#                  gguf_synth when missing: 0.6 GB)
#   MODELS_DIR     default /tmp/gorilla-bench-models
#   DATA           the --data root (default data/starter, the bundled store)
#   THREADS        model threads (default 2); CTX context (default 2048)
set -u
bin=${1:-build/release/gorilla}
base=${2:-}
tools=$(dirname "$bin")/tools
models=${MODELS_DIR:-/tmp/gorilla-bench-models}
model=${MODEL:-$models/1b-q4_0.gguf}
data=${DATA:-data/starter}
threads=${THREADS:-2}
ctx=${CTX:-2048}
for t in "$bin" ${base:+"$base"}; do
  if [ ! -x "$t" ]; then echo "serve_memory: $t is missing"; exit 1; fi
done
if ! command -v curl >/dev/null 2>&1; then echo "serve_memory: curl is not installed"; exit 0; fi
if [ ! -s "$model" ]; then
  if [ ! -x "$tools/gguf_synth" ]; then echo "serve_memory: $tools/gguf_synth is missing"; exit 1; fi
  mkdir -p "$(dirname "$model")"
  "$tools/gguf_synth" -o "$model" --n-embd 2048 --n-layer 22 --n-head 32 --n-head-kv 4 --n-ff 5632 \
    --n-vocab 32000 --n-ctx 2048 --type Q4_0 > /dev/null || exit 1
fi

tmp=$(mktemp -d /tmp/gorilla-serve-memory-XXXXXX)
spid=""
cleanup() {
  if [ -n "$spid" ]; then kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# peak BIN [ARGS...]: prints the server's VmHWM in MB after the requests.
peak() {
  local b=$1; shift
  : > "$tmp/log"
  "$b" serve --model "$model" --port 0 --threads "$threads" --ctx "$ctx" "$@" > "$tmp/log" 2>&1 &
  spid=$!
  local port=""
  for _ in $(seq 600); do
    port=$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\)/v1.*|\1|p' "$tmp/log")
    [ -n "$port" ] && break
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then echo "serve_memory: the server did not start: $(head -c 300 "$tmp/log")" >&2; return 1; fi
  local u=http://127.0.0.1:$port/v1
  curl -s -m 300 -H 'Content-Type: application/json' -d '{"prompt": "###USER: load a model\n###ASSISTANT: ", "max_tokens": 8}' \
    "$u/completions" > "$tmp/c.json" || { echo "serve_memory: completion failed" >&2; return 1; }
  if [ $# -gt 0 ]; then
    curl -s -m 300 -H 'Content-Type: application/json' -d '{"task": "separate vocals from a song", "k": 1}' \
      "$u/gorilla/ask" > "$tmp/a.json" || { echo "serve_memory: ask failed" >&2; return 1; }
    grep -q '"verdict"' "$tmp/a.json" || { echo "serve_memory: bad ask answer: $(head -c 300 "$tmp/a.json")" >&2; return 1; }
  fi
  local kb
  kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$spid/status")
  kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=""
  echo $(( (kb + 512) / 1024 ))
}

echo "model: $model ($(( $(stat -L -c %s "$model") / 1048576 )) MB), data: $data, $threads threads, ctx $ctx"
printf '| %-40s | %14s | %17s | %6s |\n' binary "peak MB" "peak MB --data" ratio
printf '|%s|\n' "------------------------------------------|----------------|-------------------|--------"
for b in "$bin" ${base:+"$base"}; do
  a=$(peak "$b") || exit 1
  d=$(peak "$b" --data "$data") || exit 1
  printf '| %-40s | %14s | %17s | %6s |\n' "$b" "$a" "$d" "$(awk -v a="$a" -v d="$d" 'BEGIN {printf "%.2f", d / a}')"
done
