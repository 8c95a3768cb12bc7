#!/usr/bin/env bash
# End-to-end: tool calls of `gorilla serve --echo` checked with the official
# OpenAI client library for Node (installed, pinned, by
# tools/install-test-peers.sh into build/test-peers; SKIP without npm or
# the registry), and gorilla-cli's two requests with its exact bodies.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

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

if ! command -v curl >/dev/null 2>&1; then
  echo "SKIP tools: curl is not installed"
  exit 0
fi
"$G" serve --echo --port 0 >"$TMP/serve.log" 2>&1 &
SPID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/serve.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
if [ -z "$PORT" ]; then
  fail tools-serve-start "$(head -c 300 "$TMP/serve.log")"
  exit 0
fi
URL=http://127.0.0.1:$PORT

# post NAME PATH BODY STATUS NEEDLE: the answer has that status and contains NEEDLE.
post() {
  local name=$1 path=$2 body=$3 want=$4 needle=$5
  local code
  code=$(curl -s -o "$TMP/body" -w '%{http_code}' "$URL$path" -H 'Content-Type: application/json' -d "$body")
  if [ "$code" != "$want" ]; then fail "$name" "HTTP $code, expected $want: $(head -c 300 "$TMP/body")"; return; fi
  if ! grep -qF -- "$needle" "$TMP/body"; then fail "$name" "body lacks '$needle': $(head -c 300 "$TMP/body")"; return; fi
  pass "$name"
}

# gorilla-cli (go_cli.py): these are the bodies it sends.
post gcli-commands /commands \
  '{"user_id": "dev@example.com", "user_input": "list all files in this folder", "interaction_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "system_info": "Linux"}' \
  200 '["list all files in this folder"]'
post gcli-commands-models /commands \
  '{"user_id": "dev@example.com", "user_input": "ls -la", "interaction_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "system_info": "Darwin", "models": ["gorilla-7b"]}' \
  200 '["ls -la"]'
post gcli-result /command-execution-result \
  '{"user_id": "dev@example.com", "command": "ls -la", "exit_condition": "0", "interaction_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}' \
  200 '"ok"'
post gcli-no-input /commands '{"user_id": "dev@example.com", "interaction_id": "x"}' 400 "user_input"
post gcli-result-bad /command-execution-result '{"user_id": "u", "command": 5}' 400 "command"

# Bad tools: 400 with a clear message.
MSG='"messages": [{"role": "user", "content": "hi"}]'
post tools-not-list /v1/chat/completions "{$MSG, \"tools\": {\"type\": \"function\"}}" 400 "'tools' must be a list"
post tools-no-name /v1/chat/completions "{$MSG, \"tools\": [{\"type\": \"function\", \"function\": {\"parameters\": {}}}]}" 400 "tools[0].function.name"
post tools-params-not-object /v1/chat/completions "{$MSG, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": \"x\"}}]}" 400 "parameters must be a JSON Schema object"
post tools-bad-choice /v1/chat/completions "{$MSG, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}}" 400 "not among the tools"
post tools-call /v1/chat/completions '{"messages": [{"role": "user", "content": "[f(a=1)]"}], "tools": [{"type": "function", "function": {"name": "f"}}]}' 200 '"arguments":"{\"a\":1}"'
post tools-choice-none /v1/chat/completions '{"messages": [{"role": "user", "content": "[f(a=1)]"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "none"}' 200 '"content":"[f(a=1)]"'
post tools-garbled /v1/chat/completions '{"messages": [{"role": "user", "content": "[f(a=1"}], "tools": [{"type": "function", "function": {"name": "f"}}]}' 200 '"content":"[f(a=1"'

# The official client library.
"$ROOT/tools/install-test-peers.sh"
rc=$?
if [ $rc -eq 77 ]; then
  echo "SKIP tools-openai: the npm registry is unreachable (openai not installed)"
  exit 0
elif [ $rc -ne 0 ]; then
  fail tools-openai-install "tools/install-test-peers.sh exited $rc"
  exit 0
fi
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP tools-openai: node is not installed"
  exit 0
fi
node "$ROOT/tests/e2e/tools_openai.mjs" "$URL/v1" "$ROOT/${TEST_PEERS_DIR:-build/test-peers}" >"$TMP/node.out" 2>"$TMP/node.err"
nrc=$?
cat "$TMP/node.out"
if [ $nrc -ne 0 ] && ! grep -q '^FAIL' "$TMP/node.out"; then
  fail tools-openai-run "node exited $nrc: $(head -c 400 "$TMP/node.err")"
fi
