/* pybuf.h — a growing text buffer (internal). Named for its first use, the
 * Python renderings of store/pyrepr.h; any module may build text with it. */
#ifndef GORILLA_BASE_PYBUF_H
#define GORILLA_BASE_PYBUF_H

#include <stddef.h>

/* A growing byte buffer, always NUL-terminated when p != NULL. `oom` is set
 * (and further appends ignored) after a failed allocation. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} pybuf;

void pybuf_init(pybuf *b);
void pybuf_free(pybuf *b);
void pybuf_append(pybuf *b, const char *s, size_t len);
void pybuf_puts(pybuf *b, const char *s);
void pybuf_putc(pybuf *b, char c);
/* Returns the text (caller frees) and resets b; NULL when an allocation failed. */
char *pybuf_take(pybuf *b);

#endif
