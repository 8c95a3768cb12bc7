/* call_check.h — the tests' independent statement of what the store
 * constraint allows (test-only): at most 4 spaces, an optional assignment
 * `name = ` (lower case or `_` first, at most 16 bytes, at most one space
 * on each side of `=`; then no escape), then a
 * store call in one of its spellings (call_variants.h) or an escape
 * ("None", "no suitable API"), then the end of the text or a terminator
 * byte; with cut (the answer stopped by max_tokens), a prefix of that. */
#ifndef GORILLA_TEST_CALL_CHECK_H
#define GORILLA_TEST_CALL_CHECK_H

#include <stddef.h>

int call_check(const char *s, size_t n, const char *const *calls, size_t n_calls, int cut);

#endif
