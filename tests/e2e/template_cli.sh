#!/usr/bin/env bash
# End-to-end: the Gorilla models' prompt templates — listed by `gorilla info`,
# chosen by --template on `gorilla ask` (a synthetic model: the answer is
# noise, the prompt is what is checked).
. "$(dirname "$0")/lib.sh"
S=${GORILLA_TOOLS:?GORILLA_TOOLS not set}/gguf_synth
expect_fail template-unknown "--template is gorilla-v0, openfunctions-v1 or openfunctions-v2, not 'alpaca'" \
  "$G" ask --template alpaca "x"
if [ ! -x "$S" ]; then
  echo "SKIP template-synth: no $S"
  exit 0
fi
"$S" -o "$TMP/m.gguf" --n-ctx 4096 >/dev/null 2>&1 || { fail template-synth "gguf_synth failed"; exit 0; }
expect_ok template-info "prompt template: gorilla-v0 (from general.name" "$G" info -m "$TMP/m.gguf"
expect_ok template-info-list "openfunctions-v2 {system}\n### Instruction: <<function>>{functions}" "$G" info -m "$TMP/m.gguf"
expect_ok template-ask-v2 '"prompt":"You are an AI programming assistant, utilizing the Gorilla LLM model' \
  "$G" ask --data data/starter --model "$TMP/m.gguf" --template openfunctions-v2 -n 2 -k 1 --json "separate vocals from a song"
grep -qF '### Instruction: <<function>>[{\"domain\": ' "$TMP/out" && pass template-ask-v2-fn \
  || fail template-ask-v2-fn "$(head -c 300 "$TMP/out")"
expect_ok template-ask-v1 '"prompt":"USER: <<question>> separate vocals from a song <<function>> [{' \
  "$G" ask --data data/starter --model "$TMP/m.gguf" --template openfunctions-v1 -n 2 -k 1 --json "separate vocals from a song"
expect_ok template-ask-v0 '"prompt":"###USER: separate vocals from a song \n Use this API documentation' \
  "$G" ask --data data/starter --model "$TMP/m.gguf" -n 2 -k 1 --json "separate vocals from a song"
