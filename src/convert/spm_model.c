/* spm_model.c — a minimal protobuf reader for SentencePiece models. */
#include "convert/spm_model.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

typedef struct {
    const uint8_t *p, *end;
    const char *name;
    const uint8_t *base;
} pb;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static int varint(pb *b, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end) return -1;
        uint8_t c = *b->p++;
        x |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Reads a field key; 1 at the end, 0 ok, -1 malformed. For LEN fields
 * sets *sub to the payload. Skips nothing: the caller calls skip(). */
static int field(pb *b, uint32_t *num, int *wt, pb *sub)
{
    if (b->p == b->end) return 1;
    uint64_t k;
    if (varint(b, &k) || (k >> 3) == 0 || (k >> 3) > 0x1FFFFFFF) return -1;
    *num = (uint32_t)(k >> 3);
    *wt = (int)(k & 7);
    if (*wt == WT_LEN) {
        uint64_t n;
        if (varint(b, &n) || n > (uint64_t)(b->end - b->p)) return -1;
        sub->p = b->p;
        sub->end = b->p + n;
        sub->name = b->name;
        sub->base = b->base;
        b->p += n;
    }
    return 0;
}

/* Consumes the value of a non-LEN field (LEN payloads are already past). */
static int skip_value(pb *b, int wt, uint64_t *v)
{
    uint64_t x = 0;
    switch (wt) {
    case WT_VARINT: return varint(b, v ? v : &x);
    case WT_I64:
        if (b->end - b->p < 8) return -1;
        b->p += 8;
        return 0;
    case WT_I32:
        if (b->end - b->p < 4) return -1;
        if (v) *v = (uint64_t)b->p[0] | (uint64_t)b->p[1] << 8 | (uint64_t)b->p[2] << 16 | (uint64_t)b->p[3] << 24;
        b->p += 4;
        return 0;
    case WT_LEN: return 0;
    default: return -1; /* groups (3, 4) and reserved types */
    }
}

static gorilla_status malformed(const pb *b, const char *what, gorilla_error *err)
{
    return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: malformed SentencePiece model (%s, near byte %zu)", b->name, what,
                        (size_t)(b->p - b->base));
}

static gorilla_status piece_fields(pb *b, spm_model *m, size_t i, gorilla_error *err)
{
    uint32_t num;
    int wt, r;
    pb sub;
    while ((r = field(b, &num, &wt, &sub)) == 0) {
        uint64_t v = 0;
        if (skip_value(b, wt, &v)) return malformed(b, "piece field", err);
        if (num == 1 && wt == WT_LEN) {
            size_t n = (size_t)(sub.end - sub.p);
            if (memchr(sub.p, 0, n)) return malformed(b, "a piece with a NUL byte", err);
            char *s = malloc(n + 1);
            if (!s) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            memcpy(s, sub.p, n);
            s[n] = 0;
            free(m->pieces[i]);
            m->pieces[i] = s;
        } else if (num == 2 && wt == WT_I32) {
            uint32_t u = (uint32_t)v;
            memcpy(&m->scores[i], &u, 4);
        } else if (num == 3 && wt == WT_VARINT) {
            if (v < 1 || v > 6) return malformed(b, "piece type out of range", err);
            m->types[i] = (int32_t)v;
        }
    }
    if (r < 0) return malformed(b, "piece", err);
    if (!m->pieces[i] && !(m->pieces[i] = calloc(1, 1))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return GORILLA_OK;
}

static gorilla_status piece(pb *b, spm_model *m, gorilla_error *err)
{
    size_t i = m->n;
    m->scores[i] = 0;
    m->types[i] = 1;
    m->pieces[i] = NULL;
    gorilla_status st = piece_fields(b, m, i, err);
    if (st) {
        free(m->pieces[i]);
        m->pieces[i] = NULL;
        return st;
    }
    m->n++;
    return GORILLA_OK;
}

static int32_t as_i32(uint64_t v) { return (int32_t)(uint32_t)v; }

static gorilla_status spec(pb *b, spm_model *m, int trainer, gorilla_error *err)
{
    uint32_t num;
    int wt, r;
    pb sub;
    while ((r = field(b, &num, &wt, &sub)) == 0) {
        uint64_t v = 0;
        if (skip_value(b, wt, &v)) return malformed(b, trainer ? "trainer_spec" : "normalizer_spec", err);
        if (wt != WT_VARINT) continue;
        if (trainer) {
            if (num == 35) m->byte_fallback = v != 0;
            else if (num == 40) m->unk_id = as_i32(v);
            else if (num == 41) m->bos_id = as_i32(v);
            else if (num == 42) m->eos_id = as_i32(v);
            else if (num == 43) m->pad_id = as_i32(v);
        } else if (num == 3) {
            m->add_dummy_prefix = v != 0;
        }
    }
    return r < 0 ? malformed(b, trainer ? "trainer_spec" : "normalizer_spec", err) : GORILLA_OK;
}

void spm_model_free(spm_model *m)
{
    if (!m) return;
    if (m->pieces)
        for (size_t i = 0; i < m->n; i++) free(m->pieces[i]);
    free(m->pieces);
    free(m->scores);
    free(m->types);
    memset(m, 0, sizeof *m);
}

gorilla_status spm_model_parse(const char *name, const uint8_t *data, size_t len, spm_model *m, gorilla_error *err)
{
    memset(m, 0, sizeof *m);
    m->unk_id = 0;
    m->bos_id = 1;
    m->eos_id = 2;
    m->pad_id = -1;
    m->add_dummy_prefix = 1;
    pb b = {data, data + len, name, data};
    /* count pieces first, so the arrays are allocated once */
    size_t count = 0;
    uint32_t num;
    int wt, r;
    pb sub;
    while ((r = field(&b, &num, &wt, &sub)) == 0) {
        if (skip_value(&b, wt, NULL)) return malformed(&b, "top-level field", err);
        if (num == 1 && wt == WT_LEN) count++;
    }
    if (r < 0) return malformed(&b, "top-level field", err);
    if (count == 0) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: no pieces: not a SentencePiece model", name);
    if (count > SPM_MAX_PIECES)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: %zu pieces (at most %u)", name, count, SPM_MAX_PIECES);
    m->pieces = calloc(count, sizeof *m->pieces);
    m->scores = calloc(count, sizeof *m->scores);
    m->types = calloc(count, sizeof *m->types);
    if (!m->pieces || !m->scores || !m->types) {
        spm_model_free(m);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    b.p = data;
    gorilla_status st = GORILLA_OK;
    while (!st && field(&b, &num, &wt, &sub) == 0) {
        skip_value(&b, wt, NULL);
        if (wt != WT_LEN) continue;
        if (num == 1) st = piece(&sub, m, err);
        else if (num == 2) st = spec(&sub, m, 1, err);
        else if (num == 3) st = spec(&sub, m, 0, err);
    }
    if (st) spm_model_free(m);
    return st;
}
