#!/usr/bin/env bash
# End-to-end: `gorilla bench` on a small APIBench-shaped folder written here,
# with a synthetic local model: the run is killed with SIGKILL mid-way and
# rerun; the responses file must hold exactly one answer per question.
. "$(dirname "$0")/lib.sh"
BPID=""
SPID=""
cleanup() {
  [ -n "$BPID" ] && kill -KILL "$BPID" 2>/dev/null
  if [ -n "$SPID" ]; then
    kill -TERM "$SPID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SPID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

expect_ok bench-help "usage: gorilla bench" "$G" bench --help
expect_fail bench-no-hub "--hub is required" "$G" bench --setting 0_shot --out x
expect_fail bench-bad-setting "unknown setting 'zero'" "$G" bench --hub th --setting zero --out x
expect_fail bench-no-out "--out RESPONSES.jsonl is required" "$G" bench --hub th --setting 0_shot --model m
expect_fail bench-no-model "give --model MODEL.gguf or --endpoint URL" "$G" bench --hub th --setting 0_shot --out x

SYNTH=${GORILLA_TOOLS:-}/gguf_synth
if ! [ -x "$SYNTH" ] || ! "$SYNTH" -o "$TMP/m.gguf" --n-ctx 1024 >/dev/null 2>&1; then
  echo "SKIP bench-resume: no gguf_synth tool"
  exit 0
fi

# N questions (fewer under valgrind, where each answer is slow)
N=30
[ "${GORILLA_BUILD_LABEL:-}" = memcheck ] && N=8
D=$TMP/data
mkdir -p "$D/api" "$D/apibench" "$D/questions/torchhub"
cat > "$D/api/torchhub_api.jsonl" <<'J'
{"domain": "Classification", "api_call": "torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)"}
{"domain": "Audio Separation", "api_call": "torch.hub.load(repo_or_dir='sigsep/open-unmix-pytorch', model='umxhq', pretrained=True)"}
J
: > "$D/apibench/torchhub_eval.json"
: > "$D/questions/torchhub/questions_torchhub_0_shot.jsonl"
for i in $(seq $N); do
  echo '{"code": "###Instruction: classify an image\n###Output: x", "api_call": "a", "provider": "PyTorch", "api_data": {"domain": "Classification"}}' >> "$D/apibench/torchhub_eval.json"
  echo "{\"question_id\": $i, \"text\": \"Question $i: which API classifies images of cats?\", \"category\": \"generic\"}" >> "$D/questions/torchhub/questions_torchhub_0_shot.jsonl"
done
OUT=$TMP/resp.jsonl
B=(bench --hub th --setting 0_shot --data "$D" --model "$TMP/m.gguf" -n 6 --out "$OUT")

expect_fail bench-missing-questions "questions_torchhub_bm25.jsonl" "$G" bench --hub th --setting bm25 --data "$D" --model "$TMP/m.gguf" --out "$OUT.x"

# first run, killed with SIGKILL once a few answers are on disk
"$G" "${B[@]}" >"$TMP/run1.out" 2>"$TMP/run1.err" &
BPID=$!
for _ in $(seq 600); do
  [ -f "$OUT" ] && [ "$(wc -l < "$OUT")" -ge 3 ] && break
  kill -0 "$BPID" 2>/dev/null || break
  sleep 0.02
done
kill -KILL "$BPID" 2>/dev/null
wait "$BPID" 2>/dev/null
BPID=""
before=$(wc -l < "$OUT")
if [ "$before" -ge 1 ] && [ "$before" -lt "$N" ]; then pass bench-killed-midway; else echo "SKIP bench-killed-midway: $before of $N answers at the kill (too fast to interrupt)"; fi
# the worst case of a kill: half a line at the end
printf '{"question_id": 99, "text": "torn' >> "$OUT"

expect_ok bench-resume "accuracy" "$G" "${B[@]}"
if grep -qF "$((before)) already answered" "$TMP/err"; then pass bench-resume-skips; else fail bench-resume-skips "$(head -c 300 "$TMP/err")"; fi
ids=$(grep -o '"question_id": [0-9]*' "$OUT" | awk '{print $2}' | sort -n | tr '\n' ' ')
want=$(seq $N | tr '\n' ' ')
if [ "$ids" = "$want" ]; then pass bench-one-answer-each; else fail bench-one-answer-each "ids: $ids"; fi
if [ "$(wc -l < "$OUT")" = "$N" ] && [ "$(tail -c 1 "$OUT" | od -An -c | tr -d ' ')" = '\n' ]; then
  pass bench-no-torn-line
else
  fail bench-no-torn-line "$(wc -l < "$OUT") lines"
fi
if grep -q '"answer_id": "[A-Za-z0-9]\{22\}", "model_id": "m.gguf", "metadata": {}}$' "$OUT"; then pass bench-format; else fail bench-format "$(head -c 300 "$OUT")"; fi
# a third run has nothing to do and writes nothing
cp "$OUT" "$TMP/before.jsonl"
expect_ok bench-rerun-noop "torchhub, $N responses" "$G" "${B[@]}"
if cmp -s "$OUT" "$TMP/before.jsonl"; then pass bench-rerun-unchanged; else fail bench-rerun-unchanged "file changed"; fi
# the file is what `gorilla eval` reads
expect_ok bench-eval "accuracy" "$G" eval --hub th --api "$D/api/torchhub_api.jsonl" --apibench "$D/apibench/torchhub_eval.json" --responses "$OUT"
# a prompt longer than the context: recorded as an empty answer with the
# reason in metadata, and the run goes on
expect_ok bench-context-limit "torchhub, 2 responses" "$G" bench --hub th --setting 0_shot --data "$D" \
  --model "$TMP/m.gguf" --ctx 16 --limit 2 --out "$TMP/short.jsonl"
if [ "$(grep -c '"text": "", .*"metadata": {"error": "the prompt has' "$TMP/short.jsonl")" = 2 ]; then
  pass bench-context-limit-metadata
else
  fail bench-context-limit-metadata "$(head -c 300 "$TMP/short.jsonl")"
fi
# a corrupt line is refused, naming it
printf 'garbage\n' >> "$OUT"
expect_fail bench-corrupt "resp.jsonl:$((N + 1)):" "$G" "${B[@]}"

# prompts built here with the retriever, answered by `gorilla serve --echo`
# (which repeats the question and its document): the echoed api_call is the
# retrieved document's, so the accuracy is the retriever's (here 100%)
"$G" serve --echo --port 0 >"$TMP/serve.log" 2>&1 &
SPID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/serve.log")
  [ -n "$PORT" ] && break
  kill -0 "$SPID" 2>/dev/null || break
  sleep 0.1
done
if [ -n "$PORT" ]; then
  expect_ok bench-endpoint-retriever "accuracy       100.00%  ($N)" "$G" bench --hub th --retriever gorilla --data "$D" \
    --endpoint "http://127.0.0.1:$PORT/v1" -n 1000 --out "$TMP/echo.jsonl"
  expect_fail bench-retriever-setting "drop --setting bm25" "$G" bench --hub th --retriever gorilla --setting bm25 \
    --data "$D" --endpoint "http://127.0.0.1:$PORT/v1" --out "$TMP/echo2.jsonl"
else
  echo "SKIP bench-endpoint: gorilla serve --echo did not start: $(head -c 200 "$TMP/serve.log")"
fi
exit 0
