#!/usr/bin/env bash
# End-to-end: `gorilla bfcl run` with a local GGUF model (a synthetic one
# from gguf_synth, so the answers are noise) and against `gorilla serve
# --model` with the same file, on fixtures written here (2 simple_python
# and 2 irrelevance entries), in the three modes; then `gorilla bfcl eval`
# over the result files. What is checked is the structure: one result
# line per entry with BFCL's fields, the score files, verdict counts
# (noise is never a right call; it is an abstention in irrelevance), the
# resume, and that the local run and the served run (greedy, same model,
# same prompt) give the same answers.
. "$(dirname "$0")/lib.sh"
S=${GORILLA_TOOLS:?GORILLA_TOOLS not set}/gguf_synth
SPID=""
cleanup() {
  if [ -n "$SPID" ]; then
    kill -TERM "$SPID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SPID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
if [ ! -x "$S" ]; then
  echo "SKIP bfcl-local: no $S"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP bfcl-local: python3 is not installed (it checks the JSON)"
  exit 0
fi
"$S" -o "$TMP/m.gguf" --n-ctx 4096 >/dev/null 2>&1 || { fail bfcl-local-synth "gguf_synth failed"; exit 0; }

D=$TMP/data
mkdir -p "$D/possible_answer"
F='[{"name": "area", "description": "area of a rectangle", "parameters": {"type": "dict", "properties": {"w": {"type": "integer"}, "h": {"type": "integer"}}, "required": ["w", "h"]}}]'
{
  echo "{\"id\": \"simple_python_0\", \"question\": [[{\"role\": \"user\", \"content\": \"area of a 2 by 3 rectangle\"}]], \"function\": $F}"
  echo "{\"id\": \"simple_python_1\", \"question\": [[{\"role\": \"user\", \"content\": \"area of a 5 by 1 rectangle\"}]], \"function\": $F}"
  echo "{\"id\": \"simple_python_2\", \"question\": [[{\"role\": \"user\", \"content\": \"not asked: beyond --limit\"}]], \"function\": $F}"
} >"$D/BFCL_v4_simple_python.json"
{
  echo '{"id": "simple_python_0", "ground_truth": [{"area": {"w": [2], "h": [3]}}]}'
  echo '{"id": "simple_python_1", "ground_truth": [{"area": {"w": [5], "h": [1]}}]}'
  echo '{"id": "simple_python_2", "ground_truth": [{"area": {"w": [1], "h": [1]}}]}'
} >"$D/possible_answer/BFCL_v4_simple_python.json"
{
  echo "{\"id\": \"irrelevance_0\", \"question\": [[{\"role\": \"user\", \"content\": \"what is the capital of France\"}]], \"function\": $F}"
  echo "{\"id\": \"irrelevance_1\", \"question\": [[{\"role\": \"user\", \"content\": \"tell me a joke\"}]], \"function\": $F}"
} >"$D/BFCL_v4_irrelevance.json"

# check_run NAME OUT FC: the result and score files of a run over the two
# categories (FC: results may be call lists).
check_run() {
  python3 - "$2" "$3" <<'P' && pass "$1" || fail "$1" "$(cat "$TMP/why" 2>/dev/null | head -c 400)"
import json, os, sys
out, fc = sys.argv[1], sys.argv[2] == "1"
why = open(os.environ.get("TMPW", "/dev/null"), "w")
def bad(msg):
    why.write(msg); sys.exit(1)
want = {"simple_python": ["simple_python_0", "simple_python_1"], "irrelevance": ["irrelevance_0", "irrelevance_1"]}
for cat, ids in want.items():
    lines = open(f"{out}/result/BFCL_v4_{cat}_result.json").read().splitlines()
    rows = [json.loads(l) for l in lines]
    if [r["id"] for r in rows] != ids: bad(f"{cat}: ids {[r['id'] for r in rows]}")
    for r in rows:
        if list(r) != ["id", "result", "input_token_count", "output_token_count", "latency"]: bad(f"keys {list(r)}")
        res = r["result"]
        if not (isinstance(res, str) or (fc and isinstance(res, list))): bad(f"result {res!r}")
        if not isinstance(r["input_token_count"], int) or not isinstance(r["output_token_count"], int): bad("counts")
        if r["output_token_count"] > 8: bad(f"output_token_count {r['output_token_count']} > --max-tokens 8")
        if not isinstance(r["latency"], float) or r["latency"] < 0: bad("latency")
    score = [json.loads(l) for l in open(f"{out}/score/BFCL_v4_{cat}_score.json").read().splitlines()]
    head, failed = score[0], score[1:]
    if sorted(head) != ["accuracy", "correct_count", "total_count"] or head["total_count"] != 2: bad(f"{cat}: {head}")
    if len(failed) != head["total_count"] - head["correct_count"]: bad(f"{cat}: {len(failed)} failure lines for {head}")
    for f in failed:
        if f["valid"] is not False or f["test_category"] != cat or ":" not in f["error_type"]: bad(f"{cat}: {f}")
    # noise is no right call, and (compatible mode) an abstention
    if cat == "simple_python" and head["correct_count"] != 0: bad(f"{cat}: {head}")
    if cat == "irrelevance" and head["correct_count"] != 2: bad(f"{cat}: {head}")
    data = [json.loads(l)["id"] for l in open(f"{out}/data/BFCL_v4_{cat}.json")]
    if data != ids: bad(f"{cat}: data subset {data}")
P
}
export TMPW=$TMP/why
CATS=(--category simple_python --category irrelevance)
for m in prompt ofv2 fc; do
  expect_ok "bfcl-local-run-$m" "irrelevance               100.00%      2 / 2" \
    "$G" bfcl run --data "$D" --model "$TMP/m.gguf" "${CATS[@]}" --limit 2 --max-tokens 8 --mode "$m" \
    --out "$TMP/local-$m" --quiet
  check_run "bfcl-local-files-$m" "$TMP/local-$m" "$([ $m = fc ] && echo 1 || echo 0)"
done
grep -qF "simple_python               0.00%      0 / 2" "$TMP/out" && pass bfcl-local-simple-score \
  || fail bfcl-local-simple-score "$(head -c 300 "$TMP/out")"

# resume: nothing new to answer; a torn line is cut and answered again
R=$TMP/local-prompt/result/BFCL_v4_simple_python_result.json
cp "$R" "$TMP/full"
head -n 1 "$TMP/full" >"$R" && printf '{"id": "simple_python_1", "res' >>"$R"
"$G" bfcl run --data "$D" --model "$TMP/m.gguf" "${CATS[@]}" --limit 2 --max-tokens 8 --out "$TMP/local-prompt" \
  >"$TMP/out" 2>"$TMP/err"
if grep -q "1 new entries answered" "$TMP/err" && [ "$(wc -l <"$R")" -eq 2 ] &&
  [ "$(sed -n 2p "$R" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" = \
    "$(sed -n 2p "$TMP/full" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" ]; then
  pass bfcl-local-resume
else fail bfcl-local-resume "$(tail -c 300 "$TMP/err")"; fi

# bfcl eval over the run's files writes the same score files
expect_ok bfcl-local-eval "simple_python               0.00%      0 / 2" \
  "$G" bfcl eval --data "$TMP/local-prompt/data" --results "$TMP/local-prompt/result" --out "$TMP/score-prompt" \
  --model-name gorilla
if cmp -s "$TMP/score-prompt/BFCL_v4_simple_python_score.json" "$TMP/local-prompt/score/BFCL_v4_simple_python_score.json" &&
  cmp -s "$TMP/score-prompt/BFCL_v4_irrelevance_score.json" "$TMP/local-prompt/score/BFCL_v4_irrelevance_score.json"; then
  pass bfcl-local-eval-same-scores
else fail bfcl-local-eval-same-scores "score files differ"; fi

# the same model behind gorilla serve: the same answers, mode by mode
"$G" serve --model "$TMP/m.gguf" --port 0 >"$TMP/serve.log" 2>&1 &
SPID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/serve.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { fail bfcl-local-serve "$(head -c 300 "$TMP/serve.log")"; exit 0; }
for m in prompt ofv2 fc; do
  expect_ok "bfcl-serve-run-$m" "irrelevance               100.00%      2 / 2" \
    "$G" bfcl run --data "$D" --endpoint "http://127.0.0.1:$PORT/v1" "${CATS[@]}" --limit 2 --max-tokens 8 \
    --mode "$m" --out "$TMP/serve-$m" --quiet
  check_run "bfcl-serve-files-$m" "$TMP/serve-$m" "$([ $m = fc ] && echo 1 || echo 0)"
  if python3 - "$TMP/local-$m" "$TMP/serve-$m" <<'P'; then
import json, sys
a, b = sys.argv[1], sys.argv[2]
for cat in ("simple_python", "irrelevance"):
    ra = [json.loads(l)["result"] for l in open(f"{a}/result/BFCL_v4_{cat}_result.json")]
    rb = [json.loads(l)["result"] for l in open(f"{b}/result/BFCL_v4_{cat}_result.json")]
    if ra != rb or not any(ra): sys.exit(1)
P
    pass "bfcl-serve-same-answers-$m"
  else fail "bfcl-serve-same-answers-$m" "local and served answers differ"; fi
done
