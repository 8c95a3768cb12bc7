/* error.h — filling gorilla_error records (internal). */
#ifndef GORILLA_BASE_ERROR_H
#define GORILLA_BASE_ERROR_H

#include "gorilla.h"

/* Sets err (when non-NULL) to status and a printf-formatted message, and
 * returns status, so that callers can write `return gorilla_fail(...)`. */
gorilla_status gorilla_fail(gorilla_error *err, gorilla_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __clang_analyzer__
/* The static analyzer cannot see into error.c, so without this it assumes
 * `return gorilla_fail(err, GORILLA_ERR_..., ...)` may return GORILLA_OK and
 * walks impossible "failed but succeeded" paths (reading outputs that are
 * only set on success). Spell the contract out for it: the result is
 * `status`. Only the analyzer sees this; compiled code is unchanged. */
#define gorilla_fail(err, status, ...) (gorilla_fail((err), (status), __VA_ARGS__), (status))
#endif

/* Prefixes err's message with "prefix: " (for adding context on the way up). */
void gorilla_error_prefix(gorilla_error *err, const char *prefix);

#endif
