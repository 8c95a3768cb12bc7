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
if [ "$S" -gt 0 ]; then
  # the same test skipped in several builds is listed once, with its builds
  for b in "$@"; do [ -f "$b/test-skipped" ] && sed "s|\$| [$(basename "$b")]|" "$b/test-skipped"; done |
    awk '{k=$0; sub(/ \[[^]]*\]$/, "", k); b=$NF; if (!(k in seen)) {order[++n]=k} seen[k]=seen[k] (seen[k] ? " " : "") b}
         END {print "skipped tests (" n "):"; for (i = 1; i <= n; i++) print "  " order[i] "  " seen[order[i]]}'
fi
[ "$F" -eq 0 ]
