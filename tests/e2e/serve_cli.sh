#!/usr/bin/env bash
# End-to-end: `gorilla serve --echo` on a free loopback port (--port 0),
# probed with curl; every server started here is stopped at exit.
. "$(dirname "$0")/lib.sh"

PIDS=""
cleanup() {
  for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
  for p in $PIDS; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v curl >/dev/null 2>&1; then
  echo "SKIP serve: curl is not installed"
  exit 0
fi

expect_ok serve-help "--echo" "$G" serve --help
expect_fail serve-no-model "no model" "$G" serve
expect_fail serve-both "either --model or --echo" "$G" serve --echo --model x.gguf
expect_fail serve-bad-port "--port needs" "$G" serve --echo --port 70000
expect_fail serve-key-unset "GORILLA_E2E_UNSET_KEY" env -u GORILLA_E2E_UNSET_KEY "$G" serve --echo --api-key-env GORILLA_E2E_UNSET_KEY
expect_fail serve-bad-host "not a numeric" "$G" serve --echo --port 0 --host localhost
expect_fail serve-missing-model "nope.gguf" "$G" serve --model "$TMP/nope.gguf" --port 0

# start NAME ARGS...: starts a server in the background, sets PORT and SPID.
start() {
  local name=$1; shift
  : > "$TMP/$name.log"
  "$G" serve --echo --port 0 "$@" >"$TMP/$name.log" 2>&1 &
  SPID=$!
  PIDS="$PIDS $SPID"
  PORT=""
  for _ in $(seq 300); do   # up to 30 s (slow under valgrind)
    PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/$name.log")
    [ -n "$PORT" ] && return 0
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# probe NAME WANT_CODE NEEDLE CURL_ARGS...: HTTP status and body check.
probe() {
  local name=$1 want=$2 needle=$3; shift 3
  local code
  code=$(curl -s --max-time 20 -o "$TMP/body" -w '%{http_code}' "$@")
  if [ "$code" != "$want" ]; then fail "$name" "HTTP $code, expected $want: $(head -c 300 "$TMP/body")"; return; fi
  if ! grep -qF -- "$needle" "$TMP/body"; then fail "$name" "body lacks '$needle': $(head -c 300 "$TMP/body")"; return; fi
  pass "$name"
}

if ! start echo; then
  fail serve-start "did not start: $(head -c 300 "$TMP/echo.log")"
  exit 1
fi
pass serve-start
U="http://127.0.0.1:$PORT"
J=(-H 'Content-Type: application/json')
probe serve-models 200 '"id":"gorilla-echo"' "$U/v1/models"
probe serve-health 200 '"status":"ok"' "$U/health"
probe serve-chat 200 '"content":"find a model for image classification"' "${J[@]}" \
  -d '{"model": "x", "messages": [{"role": "user", "content": "find a model for image classification"}]}' "$U/v1/chat/completions"
probe serve-chat-length 200 '"finish_reason":"length"' "${J[@]}" \
  -d '{"messages": [{"role": "user", "content": "a b c d"}], "max_tokens": 2}' "$U/v1/chat/completions"
probe serve-completions 200 '"text":"one two "' "${J[@]}" \
  -d '{"prompt": "one two three", "stop": ["three"]}' "$U/v1/completions"
probe serve-stream 200 'data: [DONE]' -N "${J[@]}" \
  -d '{"stream": true, "messages": [{"role": "user", "content": "hi there"}]}' "$U/v1/chat/completions"
if grep -q '"object":"chat.completion.chunk"' "$TMP/body" && [ "$(tail -c 14 "$TMP/body")" = "data: [DONE]" ] ; then
  pass serve-stream-format
else
  fail serve-stream-format "$(head -c 300 "$TMP/body")"
fi
probe serve-ask 200 '{"echo":{"instruction":"x"}}' "${J[@]}" -d '{"instruction": "x"}' "$U/v1/gorilla/ask"
probe serve-malformed 400 '"type":"invalid_request_error"' "${J[@]}" -d '{"messages": [' "$U/v1/chat/completions"
probe serve-missing-field 400 "'messages'" "${J[@]}" -d '{"prompt": "x"}' "$U/v1/chat/completions"
probe serve-404 404 'no such endpoint' "$U/v2/nothing"
probe serve-405 405 'not allowed' "$U/v1/chat/completions"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$TMP/big.json"
probe serve-413 413 'larger than 1048576 bytes' "${J[@]}" --data-binary @"$TMP/big.json" "$U/v1/completions"
probe serve-alive 200 'gorilla-echo' "$U/v1/models"

# SIGTERM: a clean exit (status 0; under valgrind also no leaks)
kill -TERM "$SPID"
rc=""
for _ in $(seq 200); do
  if ! kill -0 "$SPID" 2>/dev/null; then wait "$SPID"; rc=$?; break; fi
  sleep 0.1
done
if [ "$rc" = 0 ] && grep -q 'SIGTERM received, stopping' "$TMP/echo.log"; then pass serve-sigterm
else fail serve-sigterm "exit '$rc': $(tail -c 300 "$TMP/echo.log")"; fi

# bearer token
export GORILLA_E2E_KEY="e2e-token-123"
if start auth --api-key-env GORILLA_E2E_KEY; then
  U="http://127.0.0.1:$PORT"
  probe serve-auth-missing 401 'authentication_error' "$U/v1/models"
  probe serve-auth-wrong 401 'authentication_error' -H 'Authorization: Bearer nope' "$U/v1/models"
  probe serve-auth-ok 200 'gorilla-echo' -H "Authorization: Bearer $GORILLA_E2E_KEY" "$U/v1/models"
  if grep -q "$GORILLA_E2E_KEY" "$TMP/auth.log"; then fail serve-auth-no-leak "the key is in the log"; else pass serve-auth-no-leak; fi
  kill -INT "$SPID"
  wait "$SPID"; rc=$?
  if [ "$rc" = 0 ]; then pass serve-sigint; else fail serve-sigint "exit $rc"; fi
else
  fail serve-auth-start "did not start: $(head -c 300 "$TMP/auth.log")"
fi

# /v1/gorilla/ask over an API store (the starter store; the echo backend
# generates nothing, so the answer is retrieval only)
STARTER="$(cd "$(dirname "$0")/../.." && pwd)/data/starter"
if [ -f "$STARTER/torchhub_api.jsonl" ]; then
  expect_fail serve-data-and-api "not both" "$G" serve --echo --data "$STARTER" --api "$STARTER/torchhub_api.jsonl"
  expect_fail serve-bad-data "no API files" "$G" serve --echo --port 0 --data "$TMP"
  if start store --data "$STARTER" --log; then
    U="http://127.0.0.1:$PORT"
    probe serve-ask-store 200 '"hub":"torchhub"' "${J[@]}" -d '{"task": "classify images of birds", "hub": "th", "k": 2}' "$U/v1/gorilla/ask"
    probe serve-ask-store-docs 200 '"documents":[' "${J[@]}" -d '{"task": "translate English to French"}' "$U/v1/gorilla/ask"
    probe serve-ask-bad 400 'invalid_request_error' "${J[@]}" -d '{"hub": "th"}' "$U/v1/gorilla/ask"
    probe serve-ask-malformed 400 'malformed JSON' "${J[@]}" -d '{"task": ' "$U/v1/gorilla/ask"
    # the library's client end to end: `gorilla ask` against this server
    expect_ok serve-client-ask "torch.hub.load" "$G" ask --endpoint "$U/v1" --data "$STARTER" --hub th --retries 0 \
      "classify images of birds"
    kill -TERM "$SPID"; wait "$SPID"; rc=$?
    if [ "$rc" = 0 ]; then pass serve-store-exit; else fail serve-store-exit "exit $rc"; fi
    if grep -q 'gorilla serve: POST /v1/gorilla/ask 200 ' "$TMP/store.log" && grep -q 'POST /v1/gorilla/ask 400 ' "$TMP/store.log"
    then pass serve-access-log; else fail serve-access-log "$(head -c 300 "$TMP/store.log")"; fi
  else
    fail serve-store-start "did not start: $(head -c 300 "$TMP/store.log")"
  fi
else
  echo "SKIP serve-ask-store: no data/starter"
fi

# a synthetic GGUF model behind the server (random weights: the text is noise)
S=${GORILLA_TOOLS:-}/gguf_synth
if [ -n "${GORILLA_TOOLS:-}" ] && [ -x "$S" ] && "$S" -o "$TMP/m.gguf" --type Q4_0 --n-ctx 64 >/dev/null 2>&1; then
  : > "$TMP/model.log"
  "$G" serve --model "$TMP/m.gguf" --port 0 --threads 1 >"$TMP/model.log" 2>&1 &
  SPID=$!; PIDS="$PIDS $SPID"; PORT=""
  for _ in $(seq 300); do
    PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/model.log")
    [ -n "$PORT" ] && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$PORT" ]; then
    U="http://127.0.0.1:$PORT"
    probe serve-model-id 200 '"id":"m"' "$U/v1/models"
    probe serve-model-chat 200 '"object":"chat.completion"' "${J[@]}" \
      -d '{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "temperature": 0}' "$U/v1/chat/completions"
    probe serve-model-stream 200 'data: [DONE]' "${J[@]}" \
      -d '{"prompt": "hello", "max_tokens": 4, "stream": true}' "$U/v1/completions"
    long=$(printf 'hello world %.0s' $(seq 100))
    probe serve-model-too-long 400 'context holds 64' "${J[@]}" -d "{\"prompt\": \"$long\"}" "$U/v1/completions"
  else
    fail serve-model-start "did not start: $(head -c 300 "$TMP/model.log")"
  fi
else
  echo "SKIP serve-model: no gguf_synth"
fi
