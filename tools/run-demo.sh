#!/usr/bin/env bash
# `make run`: evaluates the bundled sample, then, when APIBench is beside the
# project (../shared/apibench or $GORILLA_DATA), every released response file.
set -eu
bin=${1:-build/release/gorilla}
cd "$(dirname "$0")/.."
echo "== gorilla eval on the bundled sample (examples/sample)"
"$bin" eval --data examples/sample --all
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
