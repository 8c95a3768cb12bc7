#!/usr/bin/env bash
# The library never prints, exits or aborts: lists every printf, puts,
# fprintf, perror, abort, exit, stdout or stderr in the given folders
# (default: every folder of src/ except src/cli) and fails when there is one.
# Writing to a FILE * the caller passed in (fputs(line, out)) is allowed.
# Usage: tools/check-no-print.sh [DIR ...]
set -u
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- $(ls -d src/*/ | sed 's|/$||' | grep -v '^src/cli$'); fi
hits=$(grep -rnE '\b(printf|vprintf|puts|fprintf|vfprintf|perror|abort|exit|_Exit|quick_exit|stdout|stderr)\b' \
         --include='*.c' --include='*.h' "$@" |
       grep -vE '^[^:]*:[0-9]+:\s*(/\*|\*)' |          # comment lines
       grep -vE '__attribute__\(\(format\(printf' || true)
if [ -n "$hits" ]; then
  printf '%s\n' "$hits"
  echo "check-no-print: $(printf '%s\n' "$hits" | wc -l) use(s) of printing/exiting in the library ($*)"
  exit 1
fi
echo "check-no-print: none in $*"
