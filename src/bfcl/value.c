/* value.c — arena, Python-semantics values, repr(), json.dumps(). */
#include "bfcl/value.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- arena */

struct bfcl_chunk {
    bfcl_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define BFCL_CHUNK ((size_t)64 * 1024)

void *bfcl_alloc(bfcl_arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0) n = 16;
    bfcl_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > BFCL_CHUNK / 2 ? n : BFCL_CHUNK;
        bfcl_chunk *nc = malloc(sizeof *nc + cap);
        if (!nc) {
            a->failed = 1;
            return NULL;
        }
        nc->cap = cap;
        nc->used = 0;
        if (c && n > BFCL_CHUNK / 2) { /* big: keep the current chunk on top */
            nc->next = c->next;
            c->next = nc;
            nc->used = n;
            return (char *)nc->data;
        }
        nc->next = c;
        a->head = nc;
        c = nc;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *bfcl_strndup(bfcl_arena *a, const char *s, size_t n)
{
    char *p = bfcl_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *bfcl_printf(bfcl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = bfcl_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    if ((size_t)n < sizeof small) {
        memcpy(p, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return p;
}

void bfcl_arena_free(bfcl_arena *a)
{
    bfcl_chunk *c = a->head;
    while (c) {
        bfcl_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

/* ---------------------------------------------------------------- values */

static bv *bv_new(bfcl_arena *a, bv_kind k)
{
    bv *v = bfcl_alloc(a, sizeof *v);
    if (v) {
        memset(v, 0, sizeof *v);
        v->kind = k;
    }
    return v;
}

bv *bv_none(bfcl_arena *a) { return bv_new(a, BV_NONE); }

bv *bv_bool(bfcl_arena *a, int b)
{
    bv *v = bv_new(a, BV_BOOL);
    if (v) v->u.b = b != 0;
    return v;
}

bv *bv_int(bfcl_arena *a, int64_t i)
{
    bv *v = bv_new(a, BV_INT);
    if (v) v->u.in.i = i;
    return v;
}

bv *bv_float(bfcl_arena *a, double f)
{
    bv *v = bv_new(a, BV_FLOAT);
    if (v) v->u.f = f;
    return v;
}

bv *bv_str(bfcl_arena *a, const char *s, size_t len)
{
    bv *v = bv_new(a, BV_STR);
    if (!v) return NULL;
    v->u.str.s = bfcl_strndup(a, s, len);
    v->u.str.len = len;
    if (!v->u.str.s) return NULL;
    return v;
}

bv *bv_cstr(bfcl_arena *a, const char *s) { return bv_str(a, s, strlen(s)); }

bv *bv_list(bfcl_arena *a, bv_kind kind, bv *const *items, size_t n)
{
    bv *v = bv_new(a, kind);
    if (!v) return NULL;
    if (n) {
        v->u.list.items = bfcl_alloc(a, n * sizeof *items);
        if (!v->u.list.items) return NULL;
        memcpy(v->u.list.items, items, n * sizeof *items);
    }
    v->u.list.n = n;
    return v;
}

bv *bv_dict(bfcl_arena *a, bv *const *keys, bv *const *vals, size_t n)
{
    bv *v = bv_new(a, BV_DICT);
    if (!v) return NULL;
    if (n) {
        v->u.dict.keys = bfcl_alloc(a, n * sizeof *keys);
        v->u.dict.vals = bfcl_alloc(a, n * sizeof *vals);
        if (!v->u.dict.keys || !v->u.dict.vals) return NULL;
        memcpy(v->u.dict.keys, keys, n * sizeof *keys);
        memcpy(v->u.dict.vals, vals, n * sizeof *vals);
    }
    v->u.dict.n = n;
    return v;
}

void bv_vec_push(bv_vec *vec, bv *x)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 8;
        bv **nv = realloc(vec->v, cap * sizeof *nv);
        if (!nv) {
            vec->failed = 1;
            return;
        }
        vec->v = nv;
        vec->cap = cap;
    }
    vec->v[vec->n++] = x;
}

void bv_vec_free(bv_vec *vec)
{
    free(vec->v);
    vec->v = NULL;
    vec->n = vec->cap = 0;
}

int bv_is_str(const bv *v, const char *s)
{
    size_t n = strlen(s);
    return v && v->kind == BV_STR && v->u.str.len == n && memcmp(v->u.str.s, s, n) == 0;
}

bv *bv_dict_get(const bv *d, const bv *key)
{
    if (!d || d->kind != BV_DICT) return NULL;
    for (size_t i = 0; i < d->u.dict.n; i++)
        if (bv_eq(d->u.dict.keys[i], key)) return d->u.dict.vals[i];
    return NULL;
}

bv *bv_dict_gets(const bv *d, const char *key)
{
    if (!d || d->kind != BV_DICT) return NULL;
    for (size_t i = 0; i < d->u.dict.n; i++)
        if (bv_is_str(d->u.dict.keys[i], key)) return d->u.dict.vals[i];
    return NULL;
}

static int is_num(const bv *v) { return v->kind == BV_BOOL || v->kind == BV_INT || v->kind == BV_FLOAT; }

static int num_eq(const bv *a, const bv *b)
{
    if (a->kind == BV_INT && b->kind == BV_INT) {
        if (a->u.in.big || b->u.in.big)
            return a->u.in.big && b->u.in.big && strcmp(a->u.in.big, b->u.in.big) == 0;
        return a->u.in.i == b->u.in.i;
    }
    double x, y;
    if (a->kind == BV_BOOL) x = a->u.b;
    else if (a->kind == BV_INT) x = a->u.in.big ? strtod(a->u.in.big, NULL) : (double)a->u.in.i;
    else x = a->u.f;
    if (b->kind == BV_BOOL) y = b->u.b;
    else if (b->kind == BV_INT) y = b->u.in.big ? strtod(b->u.in.big, NULL) : (double)b->u.in.i;
    else y = b->u.f;
    if ((a->kind == BV_INT && !a->u.in.big) && b->kind == BV_FLOAT) /* exact int/float */
        return y == x && (fabs(y) > 9007199254740992.0 ? (int64_t)y == a->u.in.i : 1);
    if ((b->kind == BV_INT && !b->u.in.big) && a->kind == BV_FLOAT)
        return y == x && (fabs(x) > 9007199254740992.0 ? (int64_t)x == b->u.in.i : 1);
    return x == y;
}

int bv_eq(const bv *a, const bv *b)
{
    if (!a || !b) return a == b;
    if (is_num(a) && is_num(b)) return num_eq(a, b);
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case BV_NONE: return 1;
    case BV_STR: return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case BV_LIST:
    case BV_TUPLE:
        if (a->u.list.n != b->u.list.n) return 0;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!bv_eq(a->u.list.items[i], b->u.list.items[i])) return 0;
        return 1;
    case BV_DICT:
        if (a->u.dict.n != b->u.dict.n) return 0;
        for (size_t i = 0; i < a->u.dict.n; i++) {
            bv *o = bv_dict_get(b, a->u.dict.keys[i]);
            if (!o || !bv_eq(a->u.dict.vals[i], o)) return 0;
        }
        return 1;
    default: return 0;
    }
}

int bv_in(const bv *x, const bv *seq)
{
    if (!seq) return 0;
    switch (seq->kind) {
    case BV_LIST:
    case BV_TUPLE:
        for (size_t i = 0; i < seq->u.list.n; i++)
            if (bv_eq(x, seq->u.list.items[i])) return 1;
        return 0;
    case BV_DICT: return bv_dict_get(seq, x) != NULL;
    case BV_STR:
        if (x->kind != BV_STR) return 0;
        if (x->u.str.len == 0) return 1;
        return memmem(seq->u.str.s, seq->u.str.len, x->u.str.s, x->u.str.len) != NULL;
    default: return 0;
    }
}

const char *bv_type_name(const bv *v)
{
    switch (v->kind) {
    case BV_NONE: return "NoneType";
    case BV_BOOL: return "bool";
    case BV_INT: return "int";
    case BV_FLOAT: return "float";
    case BV_STR: return "str";
    case BV_LIST: return "list";
    case BV_TUPLE: return "tuple";
    case BV_DICT: return "dict";
    }
    return "object";
}

/* ---------------------------------------------------------------- buffers */

void bfcl_buf_put(bfcl_buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void bfcl_buf_puts(bfcl_buf *b, const char *s) { bfcl_buf_put(b, s, strlen(s)); }

void bfcl_buf_printf(bfcl_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        bfcl_buf_put(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    bfcl_buf_put(b, big, (size_t)n);
    free(big);
}

void bfcl_buf_free(bfcl_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------- repr */

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length (1 for
 * a stray byte, whose value is then returned as is). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n) {
        *cp = c;
        return 1;
    }
    uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

void bfcl_float_repr(bfcl_buf *b, double f)
{
    if (isnan(f)) {
        bfcl_buf_puts(b, "nan");
        return;
    }
    if (isinf(f)) {
        bfcl_buf_puts(b, f < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f) break;
    }
    /* tmp: [-]d[.ddd]e[+-]XX */
    char digits[32] = {0};
    size_t nd = 0;
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    int exp10 = (int)strtol(p + 1, NULL, 10);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    if (neg) bfcl_buf_puts(b, "-");
    if (exp10 < -4 || exp10 >= 16) {
        bfcl_buf_put(b, digits, 1);
        if (nd > 1) {
            bfcl_buf_puts(b, ".");
            bfcl_buf_put(b, digits + 1, nd - 1);
        }
        bfcl_buf_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (exp10 < 0) {
        bfcl_buf_puts(b, "0.");
        for (int i = 0; i < -exp10 - 1; i++) bfcl_buf_puts(b, "0");
        bfcl_buf_put(b, digits, nd);
    } else {
        size_t ip = (size_t)exp10 + 1;
        if (nd <= ip) {
            bfcl_buf_put(b, digits, nd);
            for (size_t i = nd; i < ip; i++) bfcl_buf_puts(b, "0");
            bfcl_buf_puts(b, ".0");
        } else {
            bfcl_buf_put(b, digits, ip);
            bfcl_buf_puts(b, ".");
            bfcl_buf_put(b, digits + ip, nd - ip);
        }
    }
}

static int py_printable(uint32_t c)
{
    if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad) return 0;
    if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f)) return 0;
    if (c == 0x3000 || c == 0xfeff || (c >= 0xd800 && c <= 0xf8ff) || c == 0x1680 || c > 0x10ffff) return 0;
    if (c >= 0xfff9 && c <= 0xfffb) return 0;
    return 1;
}

static void repr_str(bfcl_buf *b, const char *s, size_t len)
{
    int has_sq = memchr(s, '\'', len) != NULL, has_dq = memchr(s, '"', len) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    bfcl_buf_put(b, &q, 1);
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t n = utf8_next(u + i, len - i, &c);
        if (c == (uint32_t)q || c == '\\') {
            char e[2] = {'\\', (char)c};
            bfcl_buf_put(b, e, 2);
        } else if (c == '\n') bfcl_buf_puts(b, "\\n");
        else if (c == '\r') bfcl_buf_puts(b, "\\r");
        else if (c == '\t') bfcl_buf_puts(b, "\\t");
        else if (!py_printable(c) || (n == 1 && c >= 0x80)) {
            if (c <= 0xff) bfcl_buf_printf(b, "\\x%02x", c);
            else if (c <= 0xffff) bfcl_buf_printf(b, "\\u%04x", c);
            else bfcl_buf_printf(b, "\\U%08x", c);
        } else bfcl_buf_put(b, s + i, n);
        i += n;
    }
    bfcl_buf_put(b, &q, 1);
}

static void int_text(bfcl_buf *b, const bv *v)
{
    if (v->u.in.big) bfcl_buf_puts(b, v->u.in.big);
    else bfcl_buf_printf(b, "%lld", (long long)v->u.in.i);
}

void bv_repr(bfcl_buf *b, const bv *v)
{
    if (!v) {
        bfcl_buf_puts(b, "None");
        return;
    }
    switch (v->kind) {
    case BV_NONE: bfcl_buf_puts(b, "None"); break;
    case BV_BOOL: bfcl_buf_puts(b, v->u.b ? "True" : "False"); break;
    case BV_INT: int_text(b, v); break;
    case BV_FLOAT: bfcl_float_repr(b, v->u.f); break;
    case BV_STR: repr_str(b, v->u.str.s, v->u.str.len); break;
    case BV_LIST:
    case BV_TUPLE:
        bfcl_buf_puts(b, v->kind == BV_LIST ? "[" : "(");
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) bfcl_buf_puts(b, ", ");
            bv_repr(b, v->u.list.items[i]);
        }
        if (v->kind == BV_TUPLE && v->u.list.n == 1) bfcl_buf_puts(b, ",");
        bfcl_buf_puts(b, v->kind == BV_LIST ? "]" : ")");
        break;
    case BV_DICT:
        bfcl_buf_puts(b, "{");
        for (size_t i = 0; i < v->u.dict.n; i++) {
            if (i) bfcl_buf_puts(b, ", ");
            bv_repr(b, v->u.dict.keys[i]);
            bfcl_buf_puts(b, ": ");
            bv_repr(b, v->u.dict.vals[i]);
        }
        bfcl_buf_puts(b, "}");
        break;
    }
}

void bv_str_of(bfcl_buf *b, const bv *v)
{
    if (v && v->kind == BV_STR) bfcl_buf_put(b, v->u.str.s, v->u.str.len);
    else bv_repr(b, v);
}

const char *bv_repr_a(bfcl_arena *a, const bv *v)
{
    bfcl_buf b = {0};
    bv_repr(&b, v);
    const char *r = b.failed ? NULL : bfcl_strndup(a, b.s ? b.s : "", b.len);
    bfcl_buf_free(&b);
    return r ? r : "?";
}

/* ---------------------------------------------------------------- dumps */

/* As json.dumps(..., ensure_ascii=False), which BFCL's score files use:
 * only '"', '\\' and control characters are escaped. */
static void dumps_str(bfcl_buf *b, const char *s, size_t len)
{
    bfcl_buf_puts(b, "\"");
    size_t i = 0, run = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            run++;
            continue;
        }
        if (run) bfcl_buf_put(b, s + i - run, run);
        run = 0;
        switch (c) {
        case '"': bfcl_buf_puts(b, "\\\""); break;
        case '\\': bfcl_buf_puts(b, "\\\\"); break;
        case '\n': bfcl_buf_puts(b, "\\n"); break;
        case '\r': bfcl_buf_puts(b, "\\r"); break;
        case '\t': bfcl_buf_puts(b, "\\t"); break;
        case '\b': bfcl_buf_puts(b, "\\b"); break;
        case '\f': bfcl_buf_puts(b, "\\f"); break;
        default: bfcl_buf_printf(b, "\\u%04x", c);
        }
        i++;
    }
    if (run) bfcl_buf_put(b, s + i - run, run);
    bfcl_buf_puts(b, "\"");
}

static void dumps_float(bfcl_buf *b, double f)
{
    if (isnan(f)) bfcl_buf_puts(b, "NaN");
    else if (isinf(f)) bfcl_buf_puts(b, f < 0 ? "-Infinity" : "Infinity");
    else bfcl_float_repr(b, f);
}

void bv_dumps(bfcl_buf *b, const bv *v)
{
    if (!v) {
        bfcl_buf_puts(b, "null");
        return;
    }
    switch (v->kind) {
    case BV_NONE: bfcl_buf_puts(b, "null"); break;
    case BV_BOOL: bfcl_buf_puts(b, v->u.b ? "true" : "false"); break;
    case BV_INT: int_text(b, v); break;
    case BV_FLOAT: dumps_float(b, v->u.f); break;
    case BV_STR: dumps_str(b, v->u.str.s, v->u.str.len); break;
    case BV_LIST:
    case BV_TUPLE:
        bfcl_buf_puts(b, "[");
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) bfcl_buf_puts(b, ", ");
            bv_dumps(b, v->u.list.items[i]);
        }
        bfcl_buf_puts(b, "]");
        break;
    case BV_DICT:
        bfcl_buf_puts(b, "{");
        for (size_t i = 0; i < v->u.dict.n; i++) {
            if (i) bfcl_buf_puts(b, ", ");
            const bv *k = v->u.dict.keys[i];
            if (k->kind == BV_STR) dumps_str(b, k->u.str.s, k->u.str.len);
            else {
                bfcl_buf kb = {0};
                if (k->kind == BV_FLOAT) dumps_float(&kb, k->u.f);
                else if (k->kind == BV_INT || k->kind == BV_BOOL || k->kind == BV_NONE) bv_dumps(&kb, k);
                else bv_repr(&kb, k); /* Python raises TypeError here */
                dumps_str(b, kb.s ? kb.s : "", kb.len);
                bfcl_buf_free(&kb);
            }
            bfcl_buf_puts(b, ": ");
            bv_dumps(b, v->u.dict.vals[i]);
        }
        bfcl_buf_puts(b, "}");
        break;
    }
}

/* ---------------------------------------------------------------- strings */

/* Lowercase of one code point, as str.lower() does for the common scripts. */
static uint32_t py_lower(uint32_t c)
{
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if ((c >= 0xc0 && c <= 0xde && c != 0xd7)) return c + 32;
    if (c >= 0x100 && c <= 0x17f) {
        if (c == 0x130) return 'i'; /* (Python gives "i̇") */
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) return (c & 1) ? c + 1 : c;
        if (c == 0x178) return 0xff;
        if (c == 0x138 || c == 0x149 || c == 0x17f) return c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3ab && c != 0x3a2) return c + 32;
    if (c >= 0x410 && c <= 0x42f) return c + 32;
    if (c >= 0x400 && c <= 0x40f) return c + 80;
    if (c >= 0xff21 && c <= 0xff3a) return c + 32;
    return c;
}

static void put_utf8(bfcl_buf *b, uint32_t c)
{
    char o[4];
    size_t n;
    if (c < 0x80) {
        o[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        o[0] = (char)(0xf0 | (c >> 18));
        o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    bfcl_buf_put(b, o, n);
}

bv *bfcl_standardize(bfcl_arena *a, const bv *s)
{
    bfcl_buf b = {0};
    const unsigned char *u = (const unsigned char *)s->u.str.s;
    size_t i = 0, len = s->u.str.len;
    while (i < len) {
        uint32_t c;
        size_t n = utf8_next(u + i, len - i, &c);
        if (n == 1 && u[i] >= 0x80) { /* stray byte: keep */
            bfcl_buf_put(&b, (const char *)u + i, 1);
        } else if (strchr(" ,./-_*^", (int)c) && c != 0) {
            /* dropped */
        } else if (c == '\'') {
            bfcl_buf_puts(&b, "\"");
        } else {
            put_utf8(&b, py_lower(c));
        }
        i += n;
    }
    bv *r = b.failed ? NULL : bv_str(a, b.s ? b.s : "", b.len);
    bfcl_buf_free(&b);
    return r;
}

static int py_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13) || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x1f; }

void bfcl_strip(const char **s, size_t *len, const char *chars)
{
    const char *p = *s;
    size_t n = *len;
    if (chars) {
        while (n && strchr(chars, p[0]) && p[0]) p++, n--;
        while (n && strchr(chars, p[n - 1]) && p[n - 1]) n--;
    } else {
        while (n && py_space((unsigned char)p[0])) p++, n--;
        while (n && py_space((unsigned char)p[n - 1])) n--;
    }
    *s = p;
    *len = n;
}

bv *bfcl_int_from_text(bfcl_arena *a, const char *s, size_t len)
{
    char tmp[64];
    if (len < 20) {
        memcpy(tmp, s, len);
        tmp[len] = 0;
        long long v = strtoll(tmp, NULL, 10);
        return bv_int(a, (int64_t)v);
    }
    /* may not fit: normalise (sign, no leading zeros) and test the range */
    int neg = len && s[0] == '-';
    size_t i = neg || (len && s[0] == '+') ? 1 : 0;
    while (i + 1 < len && s[i] == '0') i++;
    size_t nd = len - i;
    if (nd < 19 || (nd == 19 && memcmp(s + i, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0)) {
        char t2[40];
        snprintf(t2, sizeof t2, "%s%.*s", neg ? "-" : "", (int)nd, s + i);
        errno = 0;
        long long v = strtoll(t2, NULL, 10);
        return bv_int(a, (int64_t)v);
    }
    bv *v = bv_int(a, 0);
    if (!v) return NULL;
    v->u.in.big = bfcl_printf(a, "%s%.*s", neg ? "-" : "", (int)nd, s + i);
    return v;
}

int bfcl_py_int(bfcl_arena *a, const char *s, size_t len, bv **out)
{
    bfcl_strip(&s, &len, NULL);
    if (!len) return -1;
    char *clean = malloc(len + 1);
    if (!clean) return -1;
    size_t n = 0, i = 0;
    if (s[0] == '+' || s[0] == '-') clean[n++] = s[i++] == '-' ? '-' : '+';
    int prev_digit = 0, any = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            clean[n++] = c;
            prev_digit = 1;
            any = 1;
        } else if (c == '_' && prev_digit && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
            prev_digit = 0;
        } else {
            free(clean);
            return -1;
        }
    }
    if (!any) {
        free(clean);
        return -1;
    }
    *out = bfcl_int_from_text(a, clean[0] == '+' ? clean + 1 : clean, clean[0] == '+' ? n - 1 : n);
    free(clean);
    return *out ? 0 : -1;
}

int bfcl_py_float(const char *s, size_t len, double *out)
{
    bfcl_strip(&s, &len, NULL);
    if (!len || len > 400) return -1;
    char tmp[512];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '_') {
            if (i == 0 || i + 1 >= len || !(s[i - 1] >= '0' && s[i - 1] <= '9') || !(s[i + 1] >= '0' && s[i + 1] <= '9'))
                return -1;
            continue;
        }
        tmp[n++] = c;
    }
    tmp[n] = 0;
    const char *p = tmp;
    int sign = 1;
    if (*p == '+' || *p == '-') {
        if (*p == '-') sign = -1;
        p++;
    }
    if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
        *out = sign * INFINITY;
        return 0;
    }
    if (strcasecmp(p, "nan") == 0) {
        *out = NAN;
        return 0;
    }
    /* digits [. digits] [e [+-] digits], at least one digit in the mantissa */
    const char *q = p;
    int md = 0;
    while (*q >= '0' && *q <= '9') q++, md++;
    if (*q == '.') {
        q++;
        while (*q >= '0' && *q <= '9') q++, md++;
    }
    if (!md) return -1;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-') q++;
        int ed = 0;
        while (*q >= '0' && *q <= '9') q++, ed++;
        if (!ed) return -1;
    }
    if (*q) return -1;
    *out = strtod(tmp, NULL);
    return 0;
}
