#!/bin/sh
# install-test-peers.sh — installs the npm packages the e2e tests check the
# server with (the official OpenAI client library), pinned, under
# build/test-peers/. Exits 0 when installed (or already there), 77 when the
# npm registry cannot be reached (the caller then skips), 1 on other errors.
set -u
OPENAI_VERSION=4.95.0 # the last 4.x line supports Node >= 18 (5+ and 7.x want Node 22)
DIR=${TEST_PEERS_DIR:-build/test-peers}
if [ -f "$DIR/node_modules/openai/package.json" ] &&
    grep -q "\"version\": \"$OPENAI_VERSION\"" "$DIR/node_modules/openai/package.json"; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-test-peers: npm not found" >&2; exit 77; }
mkdir -p "$DIR" || exit 1
[ -f "$DIR/package.json" ] || printf '{"name": "gorilla-test-peers", "private": true}\n' >"$DIR/package.json"
if ! (cd "$DIR" && timeout 300 npm install --silent --no-audit --no-fund --ignore-scripts \
    "openai@$OPENAI_VERSION" >/dev/null 2>npm-error.log); then
    if grep -qiE 'ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network' "$DIR/npm-error.log"; then
        echo "install-test-peers: the npm registry is unreachable" >&2
        exit 77
    fi
    echo "install-test-peers: npm install openai@$OPENAI_VERSION failed (see $DIR/npm-error.log)" >&2
    exit 1
fi
exit 0
