# lib.sh — helpers for end-to-end CLI tests: PASS/FAIL lines that
# tests/run.sh counts. Source it; GORILLA_BIN points at the binary.
G=${GORILLA_BIN:?GORILLA_BIN not set}
TMP=$(mktemp -d /tmp/gorilla-e2e-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# expect_fail NAME NEEDLE CMD...: the command exits 1 or 2 (not a crash or
# a signal) and its stderr contains NEEDLE.
expect_fail() {
  local name=$1 needle=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
  if [ $rc -eq 0 ]; then fail "$name" "exit 0, expected failure"; return; fi
  if [ $rc -gt 2 ]; then fail "$name" "exit $rc (crash?): $(head -c 300 "$TMP/err")"; return; fi
  if ! grep -qF -- "$needle" "$TMP/err"; then fail "$name" "stderr lacks '$needle': $(head -c 300 "$TMP/err")"; return; fi
  pass "$name"
}

# expect_ok NAME NEEDLE CMD...: exit 0 and stdout contains NEEDLE.
expect_ok() {
  local name=$1 needle=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
  if [ $rc -ne 0 ]; then fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"; return; fi
  if ! grep -qF -- "$needle" "$TMP/out"; then fail "$name" "stdout lacks '$needle': $(head -c 300 "$TMP/out")"; return; fi
  pass "$name"
}
