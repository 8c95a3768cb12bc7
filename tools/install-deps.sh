#!/usr/bin/env bash
# Installs what gorilla builds with, and nothing else:
#  - Debian 12 packages, by name, only when missing (needs root or sudo);
#  - the tree-sitter Python grammar sources from the npm registry, pinned by
#    version and SHA-256, unpacked under build/deps/ (never committed).
# Safe to run again: it does nothing when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages. Versions are those of Debian 12 (bookworm); the build
# checks the minimum library versions through pkg-config (see Makefile).
PKGS="gcc make pkg-config g++ clang libclang-rt-14-dev npm
      libjansson-dev libtree-sitter-dev libcmocka-dev
      libcurl4-openssl-dev libmicrohttpd-dev valgrind wrk curl
      cppcheck clang-tidy libpcre2-dev sentencepiece"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # npm may come from outside Debian (nodesource); accept it when on PATH.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  echo "install-deps: installing Debian packages:$missing" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >&2
fi

# Grammar: tree-sitter-python 0.20.1 is the closest published version to the
# compiled 0.20.2 the APIBench evaluator used (see docs/eval.md).
GRAMMAR=tree-sitter-python
GRAMMAR_VERSION=0.20.1
GRAMMAR_SHA256=9851a143a72f2213ba5dde4e42468eeec7851aa82f8891f50e0509ae27d15962
dest=build/deps/$GRAMMAR-$GRAMMAR_VERSION
if [ ! -f "$dest/src/parser.c" ]; then
  mkdir -p build/deps
  tgz=build/deps/$GRAMMAR-$GRAMMAR_VERSION.tgz
  if [ ! -f "$tgz" ]; then
    echo "install-deps: fetching $GRAMMAR@$GRAMMAR_VERSION from the npm registry" >&2
    (cd build/deps && npm pack --silent "$GRAMMAR@$GRAMMAR_VERSION" >/dev/null)
  fi
  got=$(sha256sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$GRAMMAR_SHA256" ]; then
    echo "install-deps: $tgz: SHA-256 $got, expected $GRAMMAR_SHA256" >&2
    rm -f "$tgz"; exit 1
  fi
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  tar xzf "$tgz" -C "$dest.tmp" --strip-components=1 package/src package/LICENSE
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
fi
