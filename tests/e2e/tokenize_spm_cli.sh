#!/usr/bin/env bash
# End-to-end: tokenizers on the real vocabularies of ../shared/models (SKIP
# without them): `gorilla tokenize` on the texts where the pre-tokenizers
# differ, and the LLaMA vocabulary against Debian's spm_encode on APIBench
# (tools/check-spm.sh).
. "$(dirname "$0")/lib.sh"
V=${GORILLA_MODELS:-../shared/models}/vocab
if [ ! -f "$V/ggml-vocab-deepseek-coder.gguf" ]; then
  echo "SKIP tokenize-vocab: no $V"
else
  # ½ is a number: deepseek-coder isolates it (ids as llama.cpp gives them)
  expect_ok tokenize-deepseek-coder "[1050, 207, 19, 207, 19192, 4217]" \
    "$G" tokenize -m "$V/ggml-vocab-deepseek-coder.gguf" -p "ied 4 ½ months" --json --no-bos
  expect_ok tokenize-falcon-digits "[22287, 30]" "$G" tokenize -m "$V/ggml-vocab-falcon.gguf" -p "3333" --json --no-bos
  expect_ok tokenize-bert "[29464, 2094, 1018, 1092, 2706]" \
    "$G" tokenize -m "$V/ggml-vocab-bert-bge.gguf" -p "ied 4 ½ months" --json --no-bos
fi
GORILLA_TOOLS=${GORILLA_TOOLS:-build/release/tools} bash "$(dirname "$0")/../../tools/check-spm.sh"
