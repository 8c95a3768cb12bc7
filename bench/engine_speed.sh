#!/usr/bin/env bash
# Engine speed: prefill and decode tokens/s of `gorilla generate --json` on
# synthetic LLaMA files (random weights, real shapes), side by side with
# llama.cpp when it is present, and decode as a fraction of the machine's
# measured read bandwidth.
#
# Usage: bench/engine_speed.sh [BIN]
#   BIN             gorilla binary (default build/release/gorilla); the
#                   tools gguf_synth and membw are taken from BIN's dir/tools
#   OLD_BIN         a second gorilla binary (e.g. before a change): it runs
#                   beside BIN in every round (the two alternate) and the
#                   ratio columns become BIN / OLD_BIN
#   MODELS_DIR      where the synthetic files are written (default
#                   /tmp/gorilla-bench-models; 0.6 + 1.2 GB, +3.6 GB for 7B)
#   SHAPES          "1b-q4_0 1b-q8_0" (default); also 1b-q4_k, 1b-q5_k,
#                   1b-q6_k (the 1.1B shape in K-quants) and 7b-q4_0 (the 7B
#                   shape)
#   THREADS         thread counts (default "2")
#   PROMPT, DECODE  prompt tokens (default 256) and generated tokens (64)
#   ROUNDS          rounds; engines alternate within a round and the best
#                   round of each is reported (default 3)
#   PATHS_CHECK     1 (default): also run every kernel set this CPU has
#                   (GORILLA_CPU=scalar|avx2|avx512, tools/llm_speed, an
#                   8-token prompt and 4 greedy tokens) and compare the
#                   digests of their logits and tokens; 0 skips it
#   LLAMA_CPP_DIR   a directory where `npm install node-llama-cpp@3.22.1`
#                   was run (its CPU build of llama.cpp is used through
#                   bench/llamacpp_speed.mjs); unset or missing: ours alone
#
# Decode reads every weight once per token (all tensors but the token
# embedding, of which one row is read), so decode tok/s x those bytes is the
# bandwidth used; the fraction is that over membw's best 2-thread read rate.
set -eu
bin=${1:-build/release/gorilla}
tools=$(dirname "$bin")/tools
here=$(cd "$(dirname "$0")" && pwd)
models=${MODELS_DIR:-/tmp/gorilla-bench-models}
shapes=${SHAPES:-"1b-q4_0 1b-q8_0"}
threads_list=${THREADS:-2}
np=${PROMPT:-256}
nd=${DECODE:-64}
rounds=${ROUNDS:-3}

old=${OLD_BIN:-}
for t in "$bin" "$tools/gguf_synth" "$tools/membw" "$tools/llm_speed" ${old:+"$old"}; do
  if [ ! -x "$t" ]; then echo "engine_speed: $t is missing (make $t)"; exit 1; fi
done
mkdir -p "$models"

# shape -> "n_embd n_layer n_head n_head_kv n_ff vocab type"
shape_args() {
  case $1 in
    1b-q4_0) echo "2048 22 32 4 5632 32000 Q4_0" ;;
    1b-q8_0) echo "2048 22 32 4 5632 32000 Q8_0" ;;
    1b-q4_k) echo "2048 22 32 4 5632 32000 Q4_K" ;;
    1b-q5_k) echo "2048 22 32 4 5632 32000 Q5_K" ;;
    1b-q6_k) echo "2048 22 32 4 5632 32000 Q6_K" ;;
    7b-q4_0) echo "4096 32 32 32 11008 32000 Q4_0" ;;
    *) echo "engine_speed: unknown shape $1" >&2; exit 1 ;;
  esac
}
bytes_per_weight() { case $1 in Q4_0) echo "18 32" ;; Q8_0) echo "34 32" ;; Q4_K) echo "144 256" ;; Q5_K) echo "176 256" ;; Q6_K) echo "210 256" ;; esac; }

jget() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }

llama=""
if [ -n "${LLAMA_CPP_DIR:-}" ] && [ -d "$LLAMA_CPP_DIR/node_modules/node-llama-cpp" ] && command -v node > /dev/null; then
  llama=$LLAMA_CPP_DIR
  echo "llama.cpp: node-llama-cpp under $LLAMA_CPP_DIR (its prebuilt CPU build)"
else
  echo "llama.cpp: ABSENT (set LLAMA_CPP_DIR to a directory where 'npm install node-llama-cpp@3.22.1' was run);"
  echo "           reporting gorilla alone"
fi

bw=$("$tools/membw" -t 2 -m 1024 -r 5 --json | jget read_gb_s)
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), read bandwidth ${bw} GB/s (membw, 2 threads)"
echo "kernels: ${GORILLA_CPU:-auto} (GORILLA_CPU); prompt $np tokens, decode $nd tokens, best of $rounds rounds"
if [ -n "$old" ]; then echo "engines: gorilla = $bin, old = $old (alternating in each round; ratios gorilla / old)"; fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine skews both engines; llama.cpp's threads busy-wait)"
echo

# prompt ids: i * 7919 + 13 mod vocab (the same in llamacpp_speed.mjs)
ids=$(awk -v n="$np" 'BEGIN { for (i = 0; i < n; i++) printf "%s%d", (i ? " " : ""), (i * 7919 + 13) % 32000 }')

printf '| %-8s | %2s | %-10s | %11s | %11s | %14s | %14s |\n' model thr engine "prefill t/s" "decode t/s" "prefill ratio" "decode ratio"
printf '|%s|\n' "----------|----|------------|-------------|-------------|----------------|----------------"
notes=()
for shape in $shapes; do
  read -r E L H KV FF V T <<< "$(shape_args "$shape")"
  f=$models/$shape.gguf
  if [ ! -s "$f" ]; then
    "$tools/gguf_synth" -o "$f" --n-embd "$E" --n-layer "$L" --n-head "$H" --n-head-kv "$KV" --n-ff "$FF" \
      --n-vocab "$V" --n-ctx 2048 --type "$T" > /dev/null
  fi
  read -r bb bs <<< "$(bytes_per_weight "$T")"
  size=$(stat -L -c %s "$f")
  per_tok=$(( size - V * E * bb / bs ))  # bytes read per decoded token
  for th in $threads_list; do
    gp=(); gd=(); lp=(); ld=(); op=(); od=()
    for _ in $(seq "$rounds"); do
      out=$("$bin" generate -m "$f" --tokens "$ids" -n "$nd" --temp 0 --ctx $((np + nd + 8)) -t "$th" --json)
      gp+=("$(echo "$out" | jget prefill_tok_s)"); gd+=("$(echo "$out" | jget decode_tok_s)")
      if [ -n "$old" ]; then
        out=$("$old" generate -m "$f" --tokens "$ids" -n "$nd" --temp 0 --ctx $((np + nd + 8)) -t "$th" --json)
        op+=("$(echo "$out" | jget prefill_tok_s)"); od+=("$(echo "$out" | jget decode_tok_s)")
      fi
      if [ -n "$llama" ]; then
        out=$(LLAMA_CPP_DIR=$llama node "$here/llamacpp_speed.mjs" "$f" "$th" "$np" "$nd")
        lp+=("$(echo "$out" | jget prefill_tok_s)"); ld+=("$(echo "$out" | jget decode_tok_s)")
      fi
    done
    bp=$(best "${gp[@]}"); bd=$(best "${gd[@]}")
    frac=$(awk -v d="$bd" -v b="$per_tok" -v bw="$bw" 'BEGIN { printf "%.0f%%", 100 * d * b / 1e9 / bw }')
    if [ -n "$old" ]; then
      obp=$(best "${op[@]}"); obd=$(best "${od[@]}")
      rp=$(awk -v a="$bp" -v b="$obp" 'BEGIN { printf "%.3fx", a / b }')
      rd=$(awk -v a="$bd" -v b="$obd" 'BEGIN { printf "%.3fx", a / b }')
      printf '| %-8s | %2s | %-10s | %11.1f | %11.1f | %14s | %14s |\n' "$shape" "$th" gorilla "$bp" "$bd" "$rp" "$rd"
      printf '| %-8s | %2s | %-10s | %11.1f | %11.1f | %14s | %14s |\n' "$shape" "$th" old "$obp" "$obd" "" ""
      if [ -n "$llama" ]; then
        lbp=$(best "${lp[@]}"); lbd=$(best "${ld[@]}")
        printf '| %-8s | %2s | %-10s | %11.1f | %11.1f | %14s | %14s |\n' "$shape" "$th" llama.cpp "$lbp" "$lbd" "" ""
      fi
    elif [ -n "$llama" ]; then
      lbp=$(best "${lp[@]}"); lbd=$(best "${ld[@]}")
      rp=$(awk -v a="$bp" -v b="$lbp" 'BEGIN { printf "%.2fx", a / b }')
      rd=$(awk -v a="$bd" -v b="$lbd" 'BEGIN { printf "%.2fx", a / b }')
      printf '| %-8s | %2s | %-10s | %11.1f | %11.1f | %14s | %14s |\n' "$shape" "$th" gorilla "$bp" "$bd" "$rp" "$rd"
      printf '| %-8s | %2s | %-10s | %11.1f | %11.1f | %14s | %14s |\n' "$shape" "$th" llama.cpp "$lbp" "$lbd" "" ""
    else
      printf '| %-8s | %2s | %-10s | %11.1f | %11.1f | %14s | %14s |\n' "$shape" "$th" gorilla "$bp" "$bd" "-" "-"
    fi
    notes+=("$shape, $th threads: $(awk -v b="$per_tok" 'BEGIN { printf "%.0f", b / 1048576 }') MiB of weights read per decoded token; gorilla decode reads $(awk -v d="$bd" -v b="$per_tok" 'BEGIN { printf "%.1f", d * b / 1e9 }') GB/s = $frac of the measured ${bw} GB/s")
  done
done
echo
echo "decode bandwidth (bytes of weights per token x decode tok/s):"
for n in "${notes[@]}"; do echo "  $n"; done
if [ "${PATHS_CHECK:-1}" = 1 ]; then
  echo
  echo "kernel paths (8-token prompt, 4 greedy tokens; digest of the logits and tokens):"
  for shape in $shapes; do
    f=$models/$shape.gguf
    line="  $shape:"; first=""; same=1
    for cpu in scalar avx2 avx512; do
      out=$(GORILLA_CPU=$cpu "$tools/llm_speed" "$f" -t 2 -p 8 -n 4 --json 2> /dev/null || true)
      k=$(echo "$out" | sed -n 's/.*"kernels": "\([a-z0-9]*\)".*/\1/p')
      [ "$k" = "$cpu" ] || continue # this CPU lacks the set
      d=$(echo "$out" | sed -n 's/.*"digest": "\([0-9a-f]*\)".*/\1/p')
      line="$line $cpu $d"
      if [ -z "$first" ]; then first=$d; elif [ "$d" != "$first" ]; then same=0; fi
    done
    if [ "$same" = 1 ]; then echo "$line -> identical"; else echo "$line -> DIFFERENT"; fi
  done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
