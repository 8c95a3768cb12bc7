#!/usr/bin/env bash
# End-to-end: `gorilla tokenize` on synthetic GGUF models (tools/gguf_synth).
. "$(dirname "$0")/lib.sh"
S=${GORILLA_TOOLS:?GORILLA_TOOLS not set}/gguf_synth

expect_ok tokenize-help "usage: gorilla tokenize" "$G" tokenize --help
expect_fail tokenize-no-model "missing -m" "$G" tokenize -p hi
expect_fail tokenize-no-text "exactly one of" "$G" tokenize -m x.gguf
expect_fail tokenize-bad-flag "unknown flag" "$G" tokenize -m x.gguf -p hi --frob
expect_fail tokenize-missing-file "nope.gguf" "$G" tokenize -m "$TMP/nope.gguf" -p hi

if [ ! -x "$S" ]; then
  echo "SKIP tokenize-synth: no $S"
  exit 0
fi
"$S" -o "$TMP/m.gguf" --n-vocab 400 >/dev/null 2>&1 || { fail tokenize-synth "gguf_synth failed"; exit 0; }
"$S" -o "$TMP/novocab.gguf" --no-vocab >/dev/null 2>&1 || { fail tokenize-synth "gguf_synth failed"; exit 0; }

# BOS (1), the space prefix (▁ = 259 in the synthetic vocab) and 'x'
expect_ok tokenize-json "[1, 259, " "$G" tokenize -m "$TMP/m.gguf" -p "x" --json
expect_ok tokenize-text "     1 -> '<s>'" "$G" tokenize -m "$TMP/m.gguf" -p "x"
expect_ok tokenize-no-bos "[259, " "$G" tokenize -m "$TMP/m.gguf" -p "x" --json --no-bos
# "<s>" is text unless --parse-special
expect_ok tokenize-special "[1, 259, " "$G" tokenize -m "$TMP/m.gguf" -p "<s>x" --json --no-bos --parse-special
expect_ok tokenize-not-special "[259, " "$G" tokenize -m "$TMP/m.gguf" -p "<s>x" --json --no-bos
# a newline is the byte token <0x0A> = 13, shown escaped
expect_ok tokenize-newline "    13 -> '\\n'" "$G" tokenize -m "$TMP/m.gguf" -p $'a\nb'
printf 'x' > "$TMP/in.txt"
expect_ok tokenize-file "[1, 259, " "$G" tokenize -m "$TMP/m.gguf" -f "$TMP/in.txt" --json
expect_fail tokenize-no-vocab "tokenizer.ggml.model" "$G" tokenize -m "$TMP/novocab.gguf" -p hi
