/* text.c — buffers, normalised text, word sets and Jaccard similarity. */
#include "dataset/dataset_internal.h"
#include "base/hashmap.h"
#include "base/rng.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_buf_init(ds_buf *b)
{
    b->p = NULL;
    b->n = b->cap = 0;
    b->oom = 0;
}

void ds_buf_free(ds_buf *b)
{
    free(b->p);
    ds_buf_init(b);
}

void ds_buf_add(ds_buf *b, const char *s, size_t len)
{
    if (b->oom) return;
    if (b->n + len + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->n + len + 1) nc *= 2;
        char *g = realloc(b->p, nc);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->p = g;
        b->cap = nc;
    }
    if (len) memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void ds_buf_puts(ds_buf *b, const char *s)
{
    if (s) ds_buf_add(b, s, strlen(s));
}

void ds_buf_printf(ds_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        ds_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ds_buf_add(b, big, (size_t)n);
    free(big);
}

char *ds_buf_take(ds_buf *b)
{
    if (b->oom) {
        ds_buf_free(b);
        return NULL;
    }
    if (!b->p) ds_buf_add(b, "", 0);
    char *p = b->p;
    ds_buf_init(b);
    return p;
}

char *ds_strdup(const char *s, int *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

char *gorilla_text_normalize(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        int sep = c == '-' || c == '/' || c == '_';
        if (c < 0x80 && ispunct(c) && !sep) continue;
        if (c < 0x80 && (isspace(c) || sep)) {
            space = 1;
            continue;
        }
        if (space && o) out[o++] = ' ';
        space = 0;
        out[o++] = (char)(c < 0x80 ? tolower(c) : c);
    }
    out[o] = '\0';
    return out;
}

int ds_words_split(const char *text, ds_words *out)
{
    out->w = NULL;
    out->n = 0;
    char *norm = gorilla_text_normalize(text);
    if (!norm) return -1;
    size_t cap = 0;
    for (char *s = norm; *s;) {
        char *e = strchr(s, ' ');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **g = realloc(out->w, nc * sizeof *g);
            if (!g) goto oom;
            out->w = g;
            cap = nc;
        }
        out->w[out->n] = strndup(s, len);
        if (!out->w[out->n]) goto oom;
        out->n++;
        s += len;
        if (*s) s++;
    }
    free(norm);
    return 0;
oom:
    free(norm);
    ds_words_free(out);
    return -1;
}

void ds_words_free(ds_words *w)
{
    for (size_t i = 0; i < w->n; i++) free(w->w[i]);
    free(w->w);
    w->w = NULL;
    w->n = 0;
}

/* Adds the distinct words of w to m (values unused). */
static int word_set(const ds_words *w, gorilla_hashmap *m)
{
    for (size_t i = 0; i < w->n; i++)
        if (gorilla_hashmap_put(m, w->w[i], strlen(w->w[i]), 1) != 0) return -1;
    return 0;
}

double gorilla_text_jaccard(const char *a, const char *b)
{
    ds_words wa, wb;
    if (ds_words_split(a, &wa) != 0) return 0.0;
    if (ds_words_split(b, &wb) != 0) {
        ds_words_free(&wa);
        return 0.0;
    }
    gorilla_hashmap sa, sb;
    gorilla_hashmap_init(&sa);
    gorilla_hashmap_init(&sb);
    double j = 0.0;
    if (word_set(&wa, &sa) == 0 && word_set(&wb, &sb) == 0) {
        size_t inter = 0;
        for (size_t i = 0; i < sa.cap; i++) {
            int64_t v;
            if (sa.keys[i] && gorilla_hashmap_get(&sb, sa.keys[i], sa.key_lens[i], &v)) inter++;
        }
        size_t uni = sa.count + sb.count - inter;
        j = uni ? (double)inter / (double)uni : 1.0;
    }
    gorilla_hashmap_free(&sa);
    gorilla_hashmap_free(&sb);
    ds_words_free(&wa);
    ds_words_free(&wb);
    return j;
}

double ds_unit_hash(uint64_t seed, const char *s, size_t len)
{
    uint64_t st = seed ^ gorilla_hash_bytes(s, len);
    uint64_t x = gorilla_splitmix64(&st);
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

char *ds_json_dumps_py(const json_t *v)
{
    return json_dumps(v, JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

char *ds_json_text(const json_t *v)
{
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (json_is_array(v)) {
        int all_str = 1;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) all_str &= json_is_string(e) ? 1 : 0;
        if (all_str) {
            ds_buf b;
            ds_buf_init(&b);
            json_array_foreach(v, i, e)
            {
                if (i) ds_buf_puts(&b, "\n");
                ds_buf_puts(&b, json_string_value(e));
            }
            return ds_buf_take(&b);
        }
    }
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}
