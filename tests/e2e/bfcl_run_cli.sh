#!/usr/bin/env bash
# End-to-end: `gorilla bfcl run` against `gorilla serve --echo` on a
# fixture subset written here (questions whose text is the right call, so
# the echo answers correctly: 100%), in prompt and fc modes, resumed; and
# 5 entries of simple_python from ../shared/bfcl (skipped without it).
. "$(dirname "$0")/lib.sh"
SPID=""
cleanup() { [ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
"$G" serve --echo --port 0 >"$TMP/serve.log" 2>&1 &
SPID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/serve.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { fail bfcl-run-serve "$(head -c 300 "$TMP/serve.log")"; exit 0; }
URL=http://127.0.0.1:$PORT/v1
D=$TMP/data
mkdir -p "$D/possible_answer"
F='[{"name": "area", "description": "area of a rectangle", "parameters": {"type": "dict", "properties": {"w": {"type": "integer"}, "h": {"type": "integer"}}, "required": ["w", "h"]}}]'
{
  echo "{\"id\": \"simple_python_0\", \"question\": [[{\"role\": \"user\", \"content\": \"[area(w=2, h=3)]\"}]], \"function\": $F}"
  echo "{\"id\": \"simple_python_1\", \"question\": [[{\"role\": \"user\", \"content\": \"area(w=5, h=1)\"}]], \"function\": $F}"
  echo "{\"id\": \"simple_python_2\", \"question\": [[{\"role\": \"user\", \"content\": \"no idea\"}]], \"function\": $F}"
} >"$D/BFCL_v4_simple_python.json"
{
  echo '{"id": "simple_python_0", "ground_truth": [{"area": {"w": [2], "h": [3]}}]}'
  echo '{"id": "simple_python_1", "ground_truth": [{"area": {"w": [5], "h": [1]}}]}'
  echo '{"id": "simple_python_2", "ground_truth": [{"area": {"w": [1], "h": [1]}}]}'
} >"$D/possible_answer/BFCL_v4_simple_python.json"

expect_ok bfcl-run-prompt "66.67%      2 / 3" \
  "$G" bfcl run --data "$D" --endpoint "$URL" --category simple_python --out "$TMP/p" --quiet
expect_ok bfcl-run-fc "66.67%      2 / 3" \
  "$G" bfcl run --data "$D" --endpoint "$URL" --category simple_python --out "$TMP/f" --mode fc --quiet
if grep -q '"result": \[{"area": "{\\"w\\":2,\\"h\\":3}"}\]' "$TMP/f/result/BFCL_v4_simple_python_result.json"; then
  pass bfcl-run-fc-format
else fail bfcl-run-fc-format "$(head -c 300 "$TMP/f/result/BFCL_v4_simple_python_result.json")"; fi
# resume: a torn last line is cut, answered ids are skipped
head -n 2 "$TMP/p/result/BFCL_v4_simple_python_result.json" >"$TMP/r" && printf '{"id": "simple_py' >>"$TMP/r"
cp "$TMP/r" "$TMP/p/result/BFCL_v4_simple_python_result.json"
"$G" bfcl run --data "$D" --endpoint "$URL" --category simple_python --out "$TMP/p" >"$TMP/out" 2>"$TMP/err"
if grep -q "1 new entries answered" "$TMP/err" && [ "$(wc -l <"$TMP/p/result/BFCL_v4_simple_python_result.json")" -eq 3 ]; then
  pass bfcl-run-resume
else fail bfcl-run-resume "$(tail -c 300 "$TMP/err")"; fi
expect_fail bfcl-run-no-target "--model MODEL.gguf or --endpoint" "$G" bfcl run --data "$D" --category simple_python --out "$TMP/x"
expect_fail bfcl-run-bad-category "unknown category" "$G" bfcl run --data "$D" --endpoint "$URL" --category nope --out "$TMP/x"

SHARED=${GORILLA_BFCL_DATA:-$(dirname "$0")/../../../shared/bfcl/data}
if [ -f "$SHARED/BFCL_v4_simple_python.json" ]; then
  expect_ok bfcl-run-shared-5 "0 / 5" \
    "$G" bfcl run --data "$SHARED" --endpoint "$URL" --category simple_python --limit 5 --out "$TMP/s" --quiet
else
  echo "SKIP bfcl-run-shared-5: ../shared/bfcl/data not found"
fi
