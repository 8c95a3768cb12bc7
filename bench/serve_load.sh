#!/usr/bin/env bash
# Load test of `gorilla serve --echo` on loopback with wrk: POST
# /v1/chat/completions from C connections for D seconds, then abusive
# clients (malformed, oversized, stalled and truncated requests), checking
# that the server still answers. Prints requests/s, latency, non-2xx
# responses and the server's RSS (VmRSS) before and after.
# Usage: bench/serve_load.sh [BIN] [DURATION_S] [CONNECTIONS] [WRK_THREADS]
# (defaults: build/release/gorilla 30 50 4). Traffic goes to 127.0.0.1 only.
set -u
bin=${1:-build/release/gorilla}
dur=${2:-30}
conns=${3:-50}
wthreads=${4:-4}
if ! command -v wrk >/dev/null 2>&1; then echo "serve_load: wrk is not installed (Debian package wrk)"; exit 0; fi
if ! command -v curl >/dev/null 2>&1; then echo "serve_load: curl is not installed"; exit 0; fi
[ "$wthreads" -le "$conns" ] || wthreads=$conns

tmp=$(mktemp -d /tmp/gorilla-serve-load-XXXXXX)
spid=""
cleanup() {
  [ -n "$spid" ] && kill -TERM "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# The queue and connection limits are raised so that every wrk connection
# is served (with the defaults, 16 waiting requests, the rest would get 503).
queue=$((conns * 2 + 16)); maxconn=$((conns * 2 + 64))
: > "$tmp/server.log"
"$bin" serve --echo --port 0 --max-queue "$queue" --max-connections "$maxconn" --timeout 5 >"$tmp/server.log" 2>&1 &
spid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$tmp/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then echo "serve_load: the server did not start: $(cat "$tmp/server.log")"; exit 1; fi
url="http://127.0.0.1:$port"
rss() { awk '/^VmRSS/ {print $2 " " $3}' "/proc/$spid/status"; }
alive() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$url/v1/models"; }

cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "gorilla-echo", "max_tokens": 32, "messages": [{"role": "user", "content": "I want to classify images of animals with a pretrained model"}]}'
LUA

echo "gorilla serve --echo load test: $conns connections, $wthreads wrk threads, ${dur}s, $(nproc) cores"
echo "server RSS before:       $(rss)"
timeout $((dur * 2 + 30)) wrk -t"$wthreads" -c"$conns" -d"${dur}s" --timeout 10s --latency -s "$tmp/post.lua" \
  "$url/v1/chat/completions" > "$tmp/wrk.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || echo "wrk exited $rc"
reqs=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.txt")
total=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$tmp/wrk.txt")
errs=$(grep 'Socket errors' "$tmp/wrk.txt" || true)
lat_avg=$(awk '$1 == "Latency" && NF >= 4 {print $2; exit}' "$tmp/wrk.txt")
lat_max=$(awk '$1 == "Latency" && NF >= 4 {print $4; exit}' "$tmp/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.txt")
p90=$(awk '$1 == "90%" {print $2}' "$tmp/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt")
echo "requests:                ${total:-?} in ${dur}s"
echo "requests/s:              ${reqs:-?}"
echo "latency avg / max:       ${lat_avg:-?} / ${lat_max:-?}"
echo "latency p50 / p90 / p99: ${p50:-?} / ${p90:-?} / ${p99:-?}"
echo "non-2xx responses:       ${non2xx:-0}"
[ -z "$errs" ] || echo "wrk: $errs"
echo "server RSS after load:   $(rss)"

# Abuse, then check that the server still answers.
bad=0
check() { # NAME EXPECTED GOT
  if [ "$2" = "$3" ]; then echo "  ok    $1 ($3)"; else echo "  FAIL  $1: got $3, expected $2"; bad=1; fi
}
echo "abusive clients:"
for i in $(seq 200); do
  curl -s --max-time 5 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d '{"messages": [{"role": "user", "content": "x"}' "$url/v1/chat/completions"
done > "$tmp/malformed.txt"
check "200 malformed JSON bodies -> 400" 200 "$(grep -c '^400$' "$tmp/malformed.txt")"
head -c $((2 << 20)) /dev/zero | tr '\0' 'a' > "$tmp/big.json"
for i in $(seq 20); do
  curl -s --max-time 10 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    --data-binary @"$tmp/big.json" "$url/v1/completions"
done > "$tmp/big.txt"
check "20 bodies of 2 MiB -> 413" 20 "$(grep -c '^413$' "$tmp/big.txt")"
# 40 clients that send headers (announcing a body) and then stall
stalled=()
for i in $(seq 40); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || continue
  printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"messages": [' >&"$fd"
  stalled+=("$fd")
done
check "server answers while 40 clients stall" 200 "$(alive)"
# 40 truncated requests: partial body, then the client closes
for i in $(seq 40); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || continue
  printf 'POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"prompt": "trunc' >&"$fd"
  exec {fd}>&-
done
check "server answers after 40 truncated requests" 200 "$(alive)"
# the stalled clients are dropped after the idle timeout (--timeout 5):
# count the server's sockets before closing our ends
sleep 6
open=$(ls -l /proc/$spid/fd 2>/dev/null | grep -c socket)
check "stalled clients dropped after the idle timeout (server sockets left, listener only)" 1 "$open"
for fd in "${stalled[@]}"; do exec {fd}>&-; done
check "server answers after the abuse" 200 "$(alive)"
code=$(curl -s --max-time 5 -o "$tmp/chat.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"messages": [{"role": "user", "content": "still here"}]}' "$url/v1/chat/completions")
check "chat completion after the abuse" 200 "$code"
echo "server RSS after abuse:  $(rss)"
kill -TERM "$spid"; wait "$spid"; src=$?; spid=""
check "clean exit on SIGTERM" 0 "$src"
exit $bad
