/* testutil.h — what every cmocka test file includes. */
#ifndef GORILLA_TESTUTIL_H
#define GORILLA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gorilla.h"

/* The APIBench data root for integration tests ($GORILLA_DATA; the Makefile
 * sets it to ../shared/apibench when that exists, `GORILLA_DATA=` hides it),
 * or NULL after saying why. The caller then calls cmocka's skip(), so that
 * the test is counted as skipped:  if (!root) skip(); */
static inline const char *test_data_root(const char *test)
{
    const char *root = getenv("GORILLA_DATA");
    if (!root || !*root) {
        printf("  skipped: %s: no APIBench data (set GORILLA_DATA or put it at ../shared/apibench)\n", test);
        return NULL;
    }
    return root;
}

/* Writes `text` to a fresh temporary file and returns its path (static buffer
 * per call site is the caller's concern: the result is malloc'd). */
static inline char *test_write_temp(const char *text, size_t len)
{
    char *path = strdup("/tmp/gorilla-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) { free(path); return NULL; }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
    return path;
}

#endif
