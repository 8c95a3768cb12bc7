#!/usr/bin/env bash
# End-to-end: `gorilla convert` and `gorilla quantize` — flags, errors, and
# the real llama2.c model (../shared/models/llama2c, skipped when absent):
# converted, its greedy text equals llama2.c's own run.c output.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
M=${GORILLA_MODELS:-$ROOT/../shared/models}/llama2c
full() { [ "${GORILLA_BUILD_LABEL:-}" != memcheck ]; }
# expect_wrote NAME NEEDLE CMD...: exit 0 and the summary on stderr contains NEEDLE.
expect_wrote() {
  local name=$1 needle=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
  if [ $rc -ne 0 ]; then fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"; return; fi
  if ! grep -qF -- "$needle" "$TMP/err"; then fail "$name" "stderr lacks '$needle': $(head -c 300 "$TMP/err")"; return; fi
  pass "$name"
}

expect_ok convert-help "usage: gorilla convert" "$G" convert --help
expect_ok quantize-help "usage: gorilla quantize" "$G" quantize --help
full && expect_ok convert-in-help "convert" "$G" help
expect_fail convert-no-input "INPUT is required" "$G" convert -o "$TMP/x.gguf"
expect_fail convert-no-output "-o OUT.gguf is required" "$G" convert "$TMP/x.bin"
expect_fail convert-bad-type "unknown type 'Q7'" "$G" convert "$TMP/x.bin" -o "$TMP/x.gguf" --type Q7
expect_fail convert-missing "$TMP/nope.bin" "$G" convert "$TMP/nope.bin" -o "$TMP/x.gguf"
expect_fail quantize-args "IN.gguf OUT.gguf TYPE are required" "$G" quantize "$TMP/a.gguf"
expect_fail quantize-missing "$TMP/nope.gguf" "$G" quantize "$TMP/nope.gguf" "$TMP/b.gguf" Q8_0
printf 'not a checkpoint, just some text of no use at all' > "$TMP/junk.bin"
expect_fail convert-junk "implausible llama2.c header" "$G" convert "$TMP/junk.bin" -o "$TMP/x.gguf" --tokenizer "$TMP/junk.bin"
mkdir -p "$TMP/hf"
echo '{"architectures": ["LlamaForCausalLM"], "hidden_size": 32}' > "$TMP/hf/config.json"
expect_fail convert-hf-config "missing required key 'intermediate_size'" "$G" convert "$TMP/hf" -o "$TMP/x.gguf"
[ ! -e "$TMP/x.gguf" ] && pass convert-no-partial-output || fail convert-no-partial-output "x.gguf exists"

if [ ! -f "$M/stories260K.bin" ]; then
  echo "SKIP convert-stories260k: no $M (../shared/models)"
else
  expect_wrote convert-stories260k "llama2.c legacy, llama, 47 tensors, 260032 parameters" \
    "$G" convert "$M/stories260K.bin" --tokenizer "$M/tok512.bin" -o "$TMP/s.gguf"
  n=200; full || n=24
  "$G" generate -m "$TMP/s.gguf" -p "" -n $n --temp 0 --repeat-penalty 1 >"$TMP/gen.txt" 2>"$TMP/err"
  # run.c drops the leading space of the first piece after BOS
  sed '1s/^ //' "$TMP/gen.txt" > "$TMP/gen2.txt"
  if full; then
    cmp -s "$TMP/gen2.txt" "$M/stories260K.greedy.txt" && pass convert-stories260k-greedy \
      || fail convert-stories260k-greedy "$(diff "$TMP/gen2.txt" "$M/stories260K.greedy.txt" | head -5)"
  else
    head -c 60 "$M/stories260K.greedy.txt" > "$TMP/want60"; head -c 60 "$TMP/gen2.txt" > "$TMP/got60"
    cmp -s "$TMP/want60" "$TMP/got60" && pass convert-stories260k-greedy || fail convert-stories260k-greedy "differs"
  fi
  expect_wrote quantize-q8_0 "weights Q8_0" "$G" quantize "$TMP/s.gguf" "$TMP/s8.gguf" Q8_0
  expect_ok quantize-q8_0-info "Q8_0: 31" "$G" info -m "$TMP/s8.gguf"
  expect_ok quantize-q8_0-generate "Once upon a time" "$G" generate -m "$TMP/s8.gguf" -p "" -n 8 --temp 0
  full && expect_wrote convert-type-q4_0 "weights Q4_0" "$G" convert "$M/stories260K.bin" --tokenizer "$M/tok512.bin" -o "$TMP/s4.gguf" --type Q4_0
  head -c 1000 "$M/stories260K.bin" > "$TMP/short.bin"
  expect_fail convert-wrong-size "wrong size for a llama2.c legacy checkpoint" "$G" convert "$TMP/short.bin" --tokenizer "$M/tok512.bin" -o "$TMP/x.gguf"
fi
