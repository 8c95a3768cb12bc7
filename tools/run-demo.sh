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
