#!/usr/bin/env bash
# Compares our SentencePiece-style tokenizer on the LLaMA vocabulary
# (ggml-vocab-llama-spm.gguf) with Debian's spm_encode (package
# sentencepiece) on the LLaMA 2 SentencePiece model, over the text lines of
# APIBench: instructions and outputs (`code`), API calls, example code and
# descriptions. spm_encode encodes line by line, so every text is one line.
#   tools/check-spm.sh            (from the project root, after make)
# Env: GORILLA_TOOLS (default build/release/tools), GORILLA_DATA (APIBench,
# default ../shared/apibench), GORILLA_MODELS (default ../shared/models),
# SPM_MIN_TEXTS (default 5000). Prints PASS/FAIL/SKIP lines.
set -u
tools=${GORILLA_TOOLS:-build/release/tools}
data=${GORILLA_DATA:-../shared/apibench}
models=${GORILLA_MODELS:-../shared/models}
min=${SPM_MIN_TEXTS:-5000}
vocab=$models/vocab/ggml-vocab-llama-spm.gguf
spm=$models/sentencepiece/llama2-tokenizer.model
tl=$tools/tokenize_lines
if ! command -v spm_encode >/dev/null 2>&1; then echo "SKIP tokenize-spm: no spm_encode (Debian package sentencepiece)"; exit 0; fi
for f in "$vocab" "$spm" "$data/apibench/torchhub_train.json" "$data/api/huggingface_api.jsonl"; do
  if [ ! -f "$f" ]; then echo "SKIP tokenize-spm: no $f"; exit 0; fi
done
if [ ! -x "$tl" ]; then echo "SKIP tokenize-spm: no $tl (make)"; exit 0; fi
tmp=$(mktemp -d /tmp/gorilla-spm-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
{ "$tl" extract code,api_call "$data"/apibench/*.json
  "$tl" extract api_call,example_code,description,functionality "$data"/api/*.jsonl; } | LC_ALL=C sort -u > "$tmp/texts"
n=$(wc -l < "$tmp/texts")
if [ "$n" -lt "$min" ]; then echo "FAIL tokenize-spm: only $n texts (want >= $min)"; exit 0; fi
if ! spm_encode --model "$spm" --output_format=id < "$tmp/texts" > "$tmp/spm" 2>"$tmp/err"; then
  echo "FAIL tokenize-spm: spm_encode: $(head -c 200 "$tmp/err")"; exit 0
fi
if ! "$tl" encode "$vocab" < "$tmp/texts" > "$tmp/ours" 2>"$tmp/err"; then
  echo "FAIL tokenize-spm: tokenize_lines: $(head -c 200 "$tmp/err")"; exit 0
fi
same=$(paste -d'\t' "$tmp/spm" "$tmp/ours" | awk -F'\t' '$1 == $2 { s++ } END { print s + 0 }')
if [ "$same" -eq "$n" ] && [ "$(wc -l < "$tmp/ours")" -eq "$n" ]; then
  echo "PASS tokenize-spm: $same/$n APIBench lines give the same ids as spm_encode"
else
  echo "FAIL tokenize-spm: $same/$n APIBench lines give the same ids as spm_encode; first differences:"
  paste -d'\t' "$tmp/texts" "$tmp/spm" "$tmp/ours" | awk -F'\t' '$2 != $3' | head -3
fi
