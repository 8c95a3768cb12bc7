#!/usr/bin/env bash
# `make run`: evaluates the bundled sample, then, when APIBench is beside the
# project (../shared/apibench or $GORILLA_DATA), every released response file.
set -eu
bin=${1:-build/release/gorilla}
cd "$(dirname "$0")/.."
echo "== gorilla eval on the bundled sample (examples/sample)"
"$bin" eval --data examples/sample --all
if [ -z "${GORILLA_DATA:-}" ] && [ -f ../shared/apibench/README.md ]; then
  GORILLA_DATA=$(cd ../shared/apibench && pwd)
fi
if [ -n "${GORILLA_DATA:-}" ] && [ -f "$GORILLA_DATA/README.md" ]; then
  echo
  echo "== gorilla eval on the released Gorilla responses ($GORILLA_DATA)"
  "$bin" eval --data "$GORILLA_DATA" --all
else
  echo
  echo "(APIBench not found: set GORILLA_DATA to evaluate the released responses)"
fi

echo
echo "== gorilla ask on the starter store (data/starter; retrieval only, no model needed)"
for task in "find a model that separates vocals from music" \
            "summarize a long news article in a few sentences" \
            "estimate the body pose of a person in a photo"; do
  echo
  echo "\$ gorilla ask \"$task\" -k 2"
  "$bin" ask "$task" --data data/starter -k 2
done

model=data/gorilla-tiny.gguf
if [ -f "$model" ]; then
  store=data/starter
  [ -n "${GORILLA_DATA:-}" ] && [ -f "$GORILLA_DATA/api/torchhub_api.jsonl" ] && store=$GORILLA_DATA
  echo
  echo "== gorilla ask with the shipped model ($model, 1.3M parameters trained here; store: $store)"
  echo "   retrieve, prompt with the best document, generate (the call limited to the store's calls),"
  echo "   parse, check the call against the store"
  for task in "find a model that separates vocals from music" \
              "I want to classify images of dog breeds" \
              "detect objects in a street photo"; do
    echo
    echo "\$ gorilla ask \"$task\" -m $model -k 1"
    "$bin" ask "$task" --data "$store" -m "$model" -k 1 | sed -n '/^1\./p; /^answer/,$p'
  done
  echo
  task="estimate the body pose of a person in a photo"
  echo "\$ gorilla ask \"$task\" -m $model -k 1 --constrain retrieved   # the call must be the retrieved document's"
  "$bin" ask "$task" --data "$store" -m "$model" -k 1 --constrain retrieved | sed -n '/^1\./p; /^answer/,$p'
fi
