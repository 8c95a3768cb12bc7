/* error.c — status names and error records. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Parenthesized so the analyzer-only macro in error.h does not expand here. */
gorilla_status (gorilla_fail)(gorilla_error *err, gorilla_status status, const char *fmt, ...)
{
    if (!err) return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
    return status;
}

void gorilla_error_prefix(gorilla_error *err, const char *prefix)
{
    if (!err) return;
    char tmp[sizeof err->message];
    memcpy(tmp, err->message, sizeof tmp);
    int n = snprintf(err->message, sizeof err->message, "%s: ", prefix);
    if (n > 0 && (size_t)n < sizeof err->message)
        snprintf(err->message + n, sizeof err->message - (size_t)n, "%.*s",
                 (int)(sizeof err->message - (size_t)n - 1), tmp);
}

const char *gorilla_status_name(gorilla_status status)
{
    switch (status) {
    case GORILLA_OK: return "ok";
    case GORILLA_ERR_IO: return "io";
    case GORILLA_ERR_PARSE: return "parse";
    case GORILLA_ERR_INVALID: return "invalid";
    case GORILLA_ERR_NOMEM: return "nomem";
    case GORILLA_ERR_LIMIT: return "limit";
    case GORILLA_ERR_UNSUPPORTED: return "unsupported";
    case GORILLA_ERR_NOT_FOUND: return "not-found";
    }
    return "unknown";
}

const char *gorilla_version(void) { return GORILLA_VERSION; }
