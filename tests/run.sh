#!/usr/bin/env bash
# Runs every cmocka test binary under BUILD/tests and every end-to-end script
# in tests/e2e against BUILD/gorilla; writes the counts to BUILD/test-counts.
# Usage: tests/run.sh BUILD LABEL [BIN]   (BIN: the gorilla command the
# end-to-end scripts run, default BUILD/gorilla; with BIN given, only the
# end-to-end scripts run — used for the memcheck pass). Skips are counted:
# cmocka's skip() ("[  SKIPPED ] N test(s)") and e2e "SKIP name" lines;
# their names go to BUILD/test-skipped.
set -u
build=$1; label=$2; bin=${3:-}
export GORILLA_BIN=${bin:+$PWD/$bin} GORILLA_BUILD_LABEL=$label
[ -n "$bin" ] || GORILLA_BIN=$PWD/$build/gorilla
export GORILLA_TOOLS=$PWD/${GORILLA_TOOLS_BUILD:-$build}/tools
# Sums cmocka's "[  PASSED  ] N test(s)." style totals (they may share a line
# with other output when stdout and stderr interleave).
count() { printf '%s\n' "$1" | grep -o "\[  $2\] [0-9]* test" | awk '{s+=$(NF-1)} END {print s+0}'; }
passed=0; failed=0; skipped=0; failures=""
skiplist=$build/test-skipped; : > "$skiplist"
for t in "$build"/tests/test_*; do
  [ -z "$bin" ] || break
  [ -x "$t" ] || continue
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out"
  p=$(count "$out" 'PASSED  ')
  f=$(count "$out" 'FAILED  ')
  s=$(count "$out" 'SKIPPED ')
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or aborted
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$f" -eq 0 ] || failures="$failures $(basename "$t")"
  # cmocka's skip() names each skipped test twice (when run, and in its list)
  printf '%s\n' "$out" | grep -o '\[  SKIPPED \] [A-Za-z_][A-Za-z_0-9]*$' | sed 's/.*\] //' | sort -u |
    sed "s|^|$(basename "$t"): |" >> "$skiplist"
done
for e in tests/e2e/*_cli.sh; do
  [ -f "$e" ] || continue
  out=$(bash "$e" 2>&1); rc=$?
  printf '%s\n' "$out"
  p=$(printf '%s\n' "$out" | grep -c '^PASS ')
  f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
  s=$(printf '%s\n' "$out" | grep -c '^SKIP ')
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$f" -eq 0 ] || failures="$failures $(basename "$e")"
  printf '%s\n' "$out" | grep '^SKIP ' | sed "s|^SKIP |$(basename "$e"): |" >> "$skiplist"
done
echo "$passed $failed $skipped" > "$build/test-counts"
echo "== $label: $passed passed, $failed failed, $skipped skipped${failures:+ (failing:$failures)}"
[ "$skipped" -eq 0 ] || { echo "   skipped ($label):"; sed 's/^/     /' "$skiplist"; }
[ "$failed" -eq 0 ]
