#!/usr/bin/env bash
# Bit-for-bit behaviour of two gorilla binaries (before and after an engine
# change): on a synthetic GGUF of every tensor type, for every kernel set
# this CPU has and 1 and 2 threads, compares the output of
#   gorilla logprobs --json                                  (an 80-token prompt)
#   gorilla generate --temp 0 --repeat-penalty 1 --json      (the same ids, and a text prompt)
# byte for byte (generate's two timing fields, prefill_tok_s and
# decode_tok_s, are removed first). 80 tokens is past the batched products'
# 64-token threshold, so the batched tiles run as well as the one-token ones.
#
# Usage: tools/check-engine-identity.sh OLD_BIN NEW_BIN [STORIES.gguf]
#   STORIES.gguf   a converted real model (e.g. llama2.c's stories260K): its
#                  greedy text from both binaries is compared too
#   WORK           scratch directory (default: a new one under /tmp)
#   TYPES          types to check (default: all 13)
# Prints one line per comparison, "identical" or "DIFFERENT", and exits 1
# when any differs.
set -u
old=${1:?usage: check-engine-identity.sh OLD_BIN NEW_BIN [STORIES.gguf]}
new=${2:?usage: check-engine-identity.sh OLD_BIN NEW_BIN [STORIES.gguf]}
stories=${3:-}
synth=$(dirname "$old")/tools/gguf_synth
[ -x "$synth" ] || synth=$(dirname "$new")/tools/gguf_synth
for b in "$old" "$new" "$synth"; do
  if [ ! -x "$b" ]; then echo "check-engine-identity: $b is missing"; exit 2; fi
done
work=${WORK:-$(mktemp -d /tmp/gorilla-identity-XXXXXX)}
mkdir -p "$work"
types=${TYPES:-"F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K"}

# kernel sets this CPU has (as the engine detects them)
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { for f in "$@"; do case " $flags " in *" $f "*) ;; *) return 1 ;; esac; done; }
sets="scalar"
if has avx2 fma f16c; then sets="$sets avx2"; fi
if has avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni; then sets="$sets avx512"; fi
echo "kernel sets: $sets; types: $types; scratch: $work"

ids=$(awk 'BEGIN { for (i = 0; i < 80; i++) printf "%s%d", (i ? " " : ""), (i * 131 + 7) % 512 }')
text="Once upon a time, in a small village at the edge of a great forest, there lived a girl who loved to \
read books about the stars, the sea and the mountains. Every evening she climbed the hill behind her house"
strip() { sed -E 's/"(prefill|decode)_tok_s": *[0-9.eE+-]+,? *//g'; }

fails=0
compare() { # label, then the command after the binary
  local label=$1
  shift
  local a b
  # stdout and the exit status (stderr has timings)
  a=$("$old" "$@" 2> /dev/null | strip; echo "exit ${PIPESTATUS[0]}")
  b=$("$new" "$@" 2> /dev/null | strip; echo "exit ${PIPESTATUS[0]}")
  if [ "$a" = "$b" ] && [ "${a%exit 0}" != "$a" ] && [ "$a" != "exit 0" ]; then
    echo "$label: identical"
  else
    echo "$label: DIFFERENT"
    echo "  old: ${a:0:200}"
    echo "  new: ${b:0:200}"
    fails=$((fails + 1))
  fi
}

for T in $types; do
  f=$work/$T.gguf
  # n_embd 256 and n_ff 512 (multiples of the K-quants' 256), 512 rows of
  # vocabulary: every matrix is packed where its type has a packed layout
  if ! "$synth" -o "$f" --n-embd 256 --n-layer 2 --n-head 4 --n-head-kv 2 --n-ff 512 --n-vocab 512 \
    --n-ctx 256 --type "$T" --seed 5 > /dev/null; then
    echo "$T: cannot write the synthetic model"
    fails=$((fails + 1))
    continue
  fi
  for cpu in $sets; do
    for th in 1 2; do
      export GORILLA_CPU=$cpu
      compare "$T $cpu t$th logprobs" logprobs -m "$f" --tokens "$ids" --top 8 --json -t "$th"
      compare "$T $cpu t$th generate ids" generate -m "$f" --tokens "$ids" -n 24 --temp 0 --repeat-penalty 1 \
        --json -t "$th"
      compare "$T $cpu t$th generate text" generate -m "$f" -p "$text" -n 16 --temp 0 --repeat-penalty 1 \
        --json -t "$th"
      unset GORILLA_CPU
    done
  done
done

if [ -n "$stories" ]; then
  for cpu in $sets; do
    for th in 1 2; do
      export GORILLA_CPU=$cpu
      compare "stories $cpu t$th greedy" generate -m "$stories" -p "Once upon a time" -n 200 --temp 0 \
        --repeat-penalty 1 -t "$th"
      compare "stories $cpu t$th greedy json" generate -m "$stories" -p "Once upon a time" -n 200 --temp 0 \
        --repeat-penalty 1 --json -t "$th"
      unset GORILLA_CPU
    done
  done
fi

[ -n "${WORK:-}" ] || rm -rf "$work"
if [ "$fails" = 0 ]; then echo "all identical"; else echo "$fails comparison(s) DIFFERENT"; exit 1; fi
