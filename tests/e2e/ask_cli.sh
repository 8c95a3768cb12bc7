#!/usr/bin/env bash
# End-to-end: `gorilla ask` and `gorilla chat` on the starter store
# (retrieval only, a synthetic local model, and `gorilla serve --echo` as an
# OpenAI-compatible endpoint).
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S=$ROOT/data/starter
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
# under valgrind (the memcheck pass) every run is slow: skip the variants
full() { [ "${GORILLA_BUILD_LABEL:-}" != memcheck ]; }

expect_ok ask-help "usage: gorilla ask" "$G" ask --help
full && expect_ok ask-in-help "ask" "$G" help
expect_fail ask-no-task "no task given" "$G" ask
expect_fail ask-bad-hub "unknown hub 'pytorch'" "$G" ask "x" --hub pytorch
expect_fail ask-data-and-api "not both" "$G" ask "x" --data "$S" --api "$S/torchhub_api.jsonl"
full && expect_fail ask-bad-retriever "unknown retriever 'nope'" "$G" ask "x" --data "$S" --retriever nope
expect_fail ask-missing-api "nope.jsonl" "$G" ask "x" --api "$TMP/nope.jsonl" --hub th
full && expect_fail ask-api-no-hub "give --hub" "$G" ask "x" --api "$TMP/x.jsonl"
full && expect_fail ask-bad-k "-k needs" "$G" ask "x" -k 0
full && expect_fail ask-missing-model "nope.gguf" "$G" ask "x" --data "$S" --model "$TMP/nope.gguf"

expect_ok ask-vocals "[torchhub #49, Audio Separation]" "$G" ask "find a model that separates vocals from music" --data "$S"
full && expect_ok ask-vocals-example "example:" "$G" ask "find a model that separates vocals from music" --data "$S"
expect_ok ask-json '"verdict":"retrieval_only"' "$G" ask "summarize a news article" --data "$S" --json
full && expect_ok ask-hub "Image pose detection" "$G" ask "estimate the pose of a person in a photo" --data "$S" --hub tf -k 1
expect_ok ask-api-file "facebook/bart-large-cnn" "$G" ask "summarize a long news article" --api "$S/huggingface_api.jsonl" -k 1
full && expect_ok ask-no-retrieval "no API document found" "$G" ask "anything" --data "$S" --retriever none
# the default store: the starter store next to the binary, from anywhere
(cd "$TMP" && env -u GORILLA_DATA "$G" ask "separate vocals from a song" -k 1 >"$TMP/def.out" 2>"$TMP/def.err")
if grep -qF "Audio Separation" "$TMP/def.out"; then pass ask-default-starter; else fail ask-default-starter "$(head -c 300 "$TMP/def.err")"; fi

# chat from a pipe, retrieval only
printf 'separate vocals from a song\n\n/reset\nsummarize a long news article\n/quit\nnot reached\n' > "$TMP/chat.in"
"$G" chat --data "$S" -k 1 <"$TMP/chat.in" >"$TMP/chat.out" 2>"$TMP/chat.err"; rc=$?
if [ $rc -eq 0 ] && grep -qF "Audio Separation" "$TMP/chat.out" && grep -qF "history cleared" "$TMP/chat.out" \
   && grep -qF "Summarization" "$TMP/chat.out" && [ "$(grep -c '^1\. ' "$TMP/chat.out")" = 2 ]; then
  pass chat-pipe
else
  fail chat-pipe "rc $rc: $(head -c 300 "$TMP/chat.out") $(head -c 300 "$TMP/chat.err")"
fi

# a local model: a synthetic GGUF (random weights; the answer is noise)
SYNTH=${GORILLA_TOOLS:-}/gguf_synth
# (under valgrind without retrieval: a prompt with a document is thousands of tokens)
R=(); full || R=(--retriever none)
if [ -x "$SYNTH" ] && "$SYNTH" -o "$TMP/m.gguf" --n-ctx 4096 >/dev/null 2>&1; then
  expect_ok ask-local-model "answer (m.gguf)" "$G" ask "classify bird photos" --data "$S" -k 1 --model "$TMP/m.gguf" -n 8 "${R[@]}"
  full && expect_ok ask-local-json '"answer_text":' "$G" ask "classify bird photos" --data "$S" -k 1 --model "$TMP/m.gguf" -n 8 --json
  printf 'classify bird photos\nnow detect objects\n' | "$G" chat --data "$S" -k 1 --model "$TMP/m.gguf" -n 4 "${R[@]}" >"$TMP/chatm.out" 2>&1
  if [ "$(grep -c '^answer (m.gguf)' "$TMP/chatm.out")" = 2 ]; then pass chat-local-model; else fail chat-local-model "$(head -c 300 "$TMP/chatm.out")"; fi
else
  echo "SKIP ask-local-model: no gguf_synth tool"
fi

# an endpoint: `gorilla serve --echo` repeats the user message (the task with
# its retrieved document), so the api_call it returns is the document's own
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
  expect_ok ask-endpoint "check: known API: torchhub document" \
    "$G" ask "separate vocals from a song" --data "$S" -k 1 --endpoint "http://127.0.0.1:$PORT/v1"
  full && expect_ok ask-endpoint-json '"verdict":"known"' \
    "$G" ask "separate vocals from a song" --data "$S" -k 1 --endpoint "http://127.0.0.1:$PORT/v1" --json
  expect_fail ask-endpoint-down "127.0.0.1:1" "$G" ask "x" --data "$S" --endpoint "http://127.0.0.1:1/v1" --retries 0
else
  echo "SKIP ask-endpoint: gorilla serve --echo did not start: $(head -c 200 "$TMP/serve.log")"
fi
exit 0
