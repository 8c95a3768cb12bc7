#!/usr/bin/env bash
# Runs the real gorilla binary ($GORILLA_REAL_BIN) under valgrind's memcheck:
# any memory error or leak makes it exit 99, which the end-to-end tests
# report as a failure (see tests/run.sh and the test-memcheck make target).
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect --track-origins=no "$GORILLA_REAL_BIN" "$@"
