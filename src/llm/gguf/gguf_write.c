/* gguf_write.c — the GGUF v3 writer. */
#include "llm/gguf/gguf_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf;

typedef struct {
    char *name;
    uint32_t type, n_dims;
    uint64_t ne[GGUF_MAX_DIMS];
    uint64_t n_bytes, offset;
    void *data;
} wtensor;

struct gguf_writer {
    buf kv;
    uint64_t n_kv;
    wtensor *t;
    size_t n_t, cap_t;
    uint32_t alignment;
};

static void put(buf *b, const void *p, size_t n)
{
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_le(buf *b, uint64_t v, int n)
{
    uint8_t x[8];
    for (int i = 0; i < n; i++) x[i] = (uint8_t)(v >> (8 * i));
    put(b, x, (size_t)n);
}

static void put_str(buf *b, const char *s)
{
    size_t n = strlen(s);
    put_le(b, n, 8);
    put(b, s, n);
}

static void put_f32(buf *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_le(b, u, 4);
}

gguf_writer *gguf_writer_new(void)
{
    gguf_writer *w = calloc(1, sizeof *w);
    if (w) w->alignment = GGUF_DEFAULT_ALIGNMENT;
    return w;
}

void gguf_writer_free(gguf_writer *w)
{
    if (!w) return;
    free(w->kv.p);
    for (size_t i = 0; i < w->n_t; i++) {
        free(w->t[i].name);
        free(w->t[i].data);
    }
    free(w->t);
    free(w);
}

static int key(gguf_writer *w, const char *k, gguf_vtype t)
{
    put_str(&w->kv, k);
    put_le(&w->kv, (uint64_t)t, 4);
    w->n_kv++;
    return w->kv.oom ? -1 : 0;
}

/* The setters' result: -1 when a buffer could not grow, else 0. */
static int done(const gguf_writer *w) { return w->kv.oom ? -1 : 0; }

int gguf_writer_u32(gguf_writer *w, const char *k, uint32_t v) { key(w, k, GGUF_T_UINT32); put_le(&w->kv, v, 4); return done(w); }
int gguf_writer_i32(gguf_writer *w, const char *k, int32_t v) { key(w, k, GGUF_T_INT32); put_le(&w->kv, (uint32_t)v, 4); return done(w); }
int gguf_writer_u64(gguf_writer *w, const char *k, uint64_t v) { key(w, k, GGUF_T_UINT64); put_le(&w->kv, v, 8); return done(w); }
int gguf_writer_f32(gguf_writer *w, const char *k, float v) { key(w, k, GGUF_T_FLOAT32); put_f32(&w->kv, v); return done(w); }
int gguf_writer_bool(gguf_writer *w, const char *k, int v) { key(w, k, GGUF_T_BOOL); put_le(&w->kv, v ? 1 : 0, 1); return done(w); }
int gguf_writer_str(gguf_writer *w, const char *k, const char *v) { key(w, k, GGUF_T_STRING); put_str(&w->kv, v); return done(w); }

int gguf_writer_arr_str(gguf_writer *w, const char *k, const char *const *v, size_t n)
{
    key(w, k, GGUF_T_ARRAY);
    put_le(&w->kv, GGUF_T_STRING, 4);
    put_le(&w->kv, n, 8);
    for (size_t i = 0; i < n; i++) put_str(&w->kv, v[i]);
    return done(w);
}

int gguf_writer_arr_f32(gguf_writer *w, const char *k, const float *v, size_t n)
{
    key(w, k, GGUF_T_ARRAY);
    put_le(&w->kv, GGUF_T_FLOAT32, 4);
    put_le(&w->kv, n, 8);
    for (size_t i = 0; i < n; i++) put_f32(&w->kv, v[i]);
    return done(w);
}

int gguf_writer_arr_i32(gguf_writer *w, const char *k, const int32_t *v, size_t n)
{
    key(w, k, GGUF_T_ARRAY);
    put_le(&w->kv, GGUF_T_INT32, 4);
    put_le(&w->kv, n, 8);
    for (size_t i = 0; i < n; i++) put_le(&w->kv, (uint32_t)v[i], 4);
    return done(w);
}

int gguf_writer_alignment(gguf_writer *w, uint32_t alignment)
{
    if (alignment == 0 || (alignment & (alignment - 1))) return -1;
    w->alignment = alignment;
    return gguf_writer_u32(w, "general.alignment", alignment);
}

int gguf_writer_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne,
                       const void *data)
{
    const qtype_traits *tr = qtype_get(type);
    if (!tr || n_dims < 1 || n_dims > GGUF_MAX_DIMS) return -1;
    if (w->n_t == w->cap_t) {
        size_t cap = w->cap_t ? 2 * w->cap_t : 16;
        wtensor *t = realloc(w->t, cap * sizeof *t);
        if (!t) return -1;
        w->t = t;
        w->cap_t = cap;
    }
    wtensor *t = &w->t[w->n_t];
    memset(t, 0, sizeof *t);
    uint64_t n = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = d < n_dims ? ne[d] : 1;
    for (uint32_t d = 0; d < n_dims; d++) n *= ne[d];
    if (ne[0] % tr->block_size) return -1;
    t->type = type;
    t->n_dims = n_dims;
    t->n_bytes = n / tr->block_size * tr->type_size;
    if (!(t->name = strdup(name))) return -1;
    if (data) {
        if (!(t->data = malloc(t->n_bytes ? t->n_bytes : 1))) {
            free(t->name);
            return -1;
        }
        memcpy(t->data, data, t->n_bytes);
    }
    w->n_t++;
    return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* Header, metadata and tensor infos; assigns data offsets. */
static void build_header(gguf_writer *w, buf *h)
{
    put_le(h, GGUF_MAGIC, 4);
    put_le(h, 3, 4);
    put_le(h, w->n_t, 8);
    put_le(h, w->n_kv, 8);
    put(h, w->kv.p, w->kv.len);
    uint64_t off = 0;
    for (size_t i = 0; i < w->n_t; i++) {
        wtensor *t = &w->t[i];
        put_str(h, t->name);
        put_le(h, t->n_dims, 4);
        for (uint32_t d = 0; d < t->n_dims; d++) put_le(h, t->ne[d], 8);
        put_le(h, t->type, 4);
        t->offset = off;
        put_le(h, off, 8);
        off = align_up(off + t->n_bytes, w->alignment);
    }
}

uint8_t *gguf_writer_header(gguf_writer *w, size_t *len)
{
    buf h = {0};
    build_header(w, &h);
    if (h.oom || w->kv.oom) {
        free(h.p);
        return NULL;
    }
    *len = h.len;
    return h.p;
}

static int pad(FILE *fp, uint64_t pos, uint64_t a)
{
    static const uint8_t zeros[64] = {0};
    uint64_t n = align_up(pos, a) - pos;
    while (n > 0) {
        size_t k = n > sizeof zeros ? sizeof zeros : (size_t)n;
        if (fwrite(zeros, 1, k, fp) != k) return -1;
        n -= k;
    }
    return 0;
}

gorilla_status gguf_writer_save(gguf_writer *w, const char *path, gguf_fill_fn fill, void *ctx, gorilla_error *err)
{
    buf h = {0};
    build_header(w, &h);
    if (h.oom || w->kv.oom) {
        free(h.p);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        free(h.p);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    gorilla_status st = GORILLA_OK;
    int bad = fwrite(h.p, 1, h.len, fp) != h.len || pad(fp, h.len, w->alignment);
    free(h.p);
    uint64_t pos = 0;
    for (size_t i = 0; !bad && !st && i < w->n_t; i++) {
        wtensor *t = &w->t[i];
        const void *data = t->data;
        void *tmp = NULL;
        if (!data) {
            if (!fill) {
                st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor '%s' has no data", path, t->name);
                break;
            }
            tmp = malloc(t->n_bytes ? t->n_bytes : 1);
            if (!tmp) {
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            st = fill(ctx, i, tmp, t->n_bytes, err);
            data = tmp;
        }
        if (!st) {
            bad = fwrite(data, 1, t->n_bytes, fp) != t->n_bytes;
            pos += t->n_bytes;
            if (!bad && i + 1 < w->n_t) {
                bad = pad(fp, pos, w->alignment);
                pos = align_up(pos, w->alignment);
            }
        }
        free(tmp);
    }
    if (fclose(fp) != 0) bad = 1;
    if (!st && bad) st = gorilla_fail(err, GORILLA_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    return st;
}
