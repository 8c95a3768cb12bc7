#!/usr/bin/env bash
# Sums the counts that tests/run.sh wrote for each build and prints the
# closing line "tests: N passed, N failed, N skipped".
set -u
P=0; F=0; S=0
for b in "$@"; do
  read -r p f s < "$b/test-counts" || { echo "missing counts for $b"; exit 1; }
  P=$((P + p)); F=$((F + f)); S=$((S + s))
done
echo "tests: $P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
