/* pybuf.c — the growing text buffer of base/pybuf.h. */
#include "base/pybuf.h"

#include <stdlib.h>
#include <string.h>

void pybuf_init(pybuf *b)
{
    b->p = NULL;
    b->n = b->cap = 0;
    b->oom = 0;
}

void pybuf_free(pybuf *b)
{
    free(b->p);
    pybuf_init(b);
}

static int pybuf_reserve(pybuf *b, size_t extra)
{
    if (b->oom) return -1;
    if (b->n + extra + 1 <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->n + extra + 1) {
        if (ncap > ((size_t)-1) / 2) {
            b->oom = 1;
            return -1;
        }
        ncap *= 2;
    }
    char *np = realloc(b->p, ncap);
    if (!np) {
        b->oom = 1;
        return -1;
    }
    b->p = np;
    b->cap = ncap;
    return 0;
}

void pybuf_append(pybuf *b, const char *s, size_t len)
{
    if (pybuf_reserve(b, len) != 0 || !b->p) return;
    if (len) memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void pybuf_puts(pybuf *b, const char *s) { pybuf_append(b, s, strlen(s)); }

void pybuf_putc(pybuf *b, char c) { pybuf_append(b, &c, 1); }

char *pybuf_take(pybuf *b)
{
    if (b->oom) {
        pybuf_free(b);
        return NULL;
    }
    if (!b->p) pybuf_append(b, "", 0);
    if (b->oom) {
        pybuf_free(b);
        return NULL;
    }
    char *p = b->p;
    pybuf_init(b);
    return p;
}
