/* json.c — a JSON reader with Python json.loads' rules and messages.
 *
 * Accepts what json.loads accepts (NaN, Infinity, -Infinity, big integers,
 * duplicate keys: the last value at the first key's place) and fails where
 * it fails with the same message and position: "Expecting value: line L
 * column C (char P)", P counted in characters as Python counts them. */
#include "bfcl/value.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    bfcl_arena *a;
    const char *s;
    size_t len, pos;
    const char *msg;
    size_t err_pos;
    int depth;
} jp;

static void *fail(jp *p, const char *what, size_t at)
{
    if (!p->msg) {
        p->msg = what;
        p->err_pos = at;
    }
    return NULL;
}

static void skip_ws(jp *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static bv *parse_value(jp *p);

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_cp(bfcl_buf *b, unsigned c)
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

/* p->pos is just after the opening quote at `start`. */
static bv *parse_string(jp *p, size_t start)
{
    size_t i = p->pos;
    /* fast path: no escapes */
    while (i < p->len) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '"') {
            bv *v = bv_str(p->a, p->s + p->pos, i - p->pos);
            p->pos = i + 1;
            return v;
        }
        if (c == '\\' || c < 0x20) break;
        i++;
    }
    bfcl_buf b = {0};
    bfcl_buf_put(&b, p->s + p->pos, i - p->pos);
    for (;;) {
        if (i >= p->len) {
            bfcl_buf_free(&b);
            return fail(p, "Unterminated string starting at", start);
        }
        unsigned char c = (unsigned char)p->s[i];
        if (c == '"') break;
        if (c < 0x20) {
            bfcl_buf_free(&b);
            return fail(p, "Invalid control character at", i);
        }
        if (c != '\\') {
            size_t j = i;
            while (j < p->len && p->s[j] != '"' && p->s[j] != '\\' && (unsigned char)p->s[j] >= 0x20) j++;
            bfcl_buf_put(&b, p->s + i, j - i);
            i = j;
            continue;
        }
        if (i + 1 >= p->len) {
            bfcl_buf_free(&b);
            return fail(p, "Unterminated string starting at", start);
        }
        char e = p->s[i + 1];
        const char *rep = NULL;
        switch (e) {
        case '"': rep = "\""; break;
        case '\\': rep = "\\"; break;
        case '/': rep = "/"; break;
        case 'b': rep = "\b"; break;
        case 'f': rep = "\f"; break;
        case 'n': rep = "\n"; break;
        case 'r': rep = "\r"; break;
        case 't': rep = "\t"; break;
        case 'u': break;
        default: bfcl_buf_free(&b); return fail(p, "Invalid \\escape", i);
        }
        if (rep) {
            bfcl_buf_put(&b, rep, 1);
            i += 2;
            continue;
        }
        unsigned u;
        if (i + 6 > p->len || hex4(p->s + i + 2, &u) != 0) {
            bfcl_buf_free(&b);
            return fail(p, "Invalid \\uXXXX escape", i + 1);
        }
        i += 6;
        if (u >= 0xd800 && u <= 0xdbff && i + 6 <= p->len && p->s[i] == '\\' && p->s[i + 1] == 'u') {
            unsigned lo;
            if (hex4(p->s + i + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
        }
        put_cp(&b, u);
    }
    bv *v = b.failed ? NULL : bv_str(p->a, b.s ? b.s : "", b.len);
    bfcl_buf_free(&b);
    p->pos = i + 1;
    if (!v) p->a->failed = 1;
    return v;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static bv *parse_number(jp *p)
{
    size_t st = p->pos, i = p->pos;
    if (i < p->len && p->s[i] == '-') i++;
    if (i >= p->len || !is_digit(p->s[i])) return fail(p, "Expecting value", st);
    if (p->s[i] == '0') i++;
    else
        while (i < p->len && is_digit(p->s[i])) i++;
    size_t int_end = i;
    int is_float = 0;
    if (i + 1 < p->len && p->s[i] == '.' && is_digit(p->s[i + 1])) {
        i += 2;
        while (i < p->len && is_digit(p->s[i])) i++;
        is_float = 1;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (p->s[j] == '+' || p->s[j] == '-')) j++;
        if (j < p->len && is_digit(p->s[j])) {
            while (j < p->len && is_digit(p->s[j])) j++;
            i = j;
            is_float = 1;
        }
    }
    p->pos = i;
    if (!is_float) return bfcl_int_from_text(p->a, p->s + st, int_end - st);
    char tmp[128];
    size_t n = i - st;
    char *buf = n < sizeof tmp ? tmp : malloc(n + 1);
    if (!buf) return NULL;
    memcpy(buf, p->s + st, n);
    buf[n] = 0;
    double d = strtod(buf, NULL);
    if (buf != tmp) free(buf);
    return bv_float(p->a, d);
}

static int lit(jp *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
        p->pos += n;
        return 1;
    }
    return 0;
}

static bv *parse_array(jp *p)
{
    bv_vec items = {0};
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return bv_list(p->a, BV_LIST, NULL, 0);
    }
    for (;;) {
        bv *v = parse_value(p);
        if (!v) goto bad;
        bv_vec_push(&items, v);
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            break;
        }
        if (p->pos >= p->len || p->s[p->pos] != ',') {
            fail(p, "Expecting ',' delimiter", p->pos);
            goto bad;
        }
        p->pos++;
        skip_ws(p);
    }
    if (items.failed) goto bad;
    bv *r = bv_list(p->a, BV_LIST, items.v, items.n);
    bv_vec_free(&items);
    return r;
bad:
    bv_vec_free(&items);
    return NULL;
}

static bv *parse_object(jp *p)
{
    bv_vec keys = {0}, vals = {0};
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return bv_dict(p->a, NULL, NULL, 0);
    }
    for (;;) {
        if (p->pos >= p->len || p->s[p->pos] != '"') {
            fail(p, "Expecting property name enclosed in double quotes", p->pos);
            goto bad;
        }
        size_t ks = p->pos++;
        bv *k = parse_string(p, ks);
        if (!k) goto bad;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            fail(p, "Expecting ':' delimiter", p->pos);
            goto bad;
        }
        p->pos++;
        skip_ws(p);
        bv *v = parse_value(p);
        if (!v) goto bad;
        size_t dup = keys.n;
        for (size_t i = 0; i < keys.n && keys.n < 4096; i++)
            if (bv_eq(keys.v[i], k)) {
                dup = i;
                break;
            }
        if (dup < keys.n) vals.v[dup] = v;
        else {
            bv_vec_push(&keys, k);
            bv_vec_push(&vals, v);
        }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            break;
        }
        if (p->pos >= p->len || p->s[p->pos] != ',') {
            fail(p, "Expecting ',' delimiter", p->pos);
            goto bad;
        }
        p->pos++;
        skip_ws(p);
    }
    if (keys.failed || vals.failed) goto bad;
    bv *r = bv_dict(p->a, keys.v, vals.v, keys.n);
    bv_vec_free(&keys);
    bv_vec_free(&vals);
    return r;
bad:
    bv_vec_free(&keys);
    bv_vec_free(&vals);
    return NULL;
}

static bv *parse_value(jp *p)
{
    if (p->pos >= p->len) return fail(p, "Expecting value", p->pos);
    char c = p->s[p->pos];
    switch (c) {
    case '"': {
        size_t st = p->pos++;
        return parse_string(p, st);
    }
    case '{':
    case '[': {
        if (++p->depth > BFCL_MAX_DEPTH) return fail(p, "Nesting too deep (more than 200 levels)", p->pos);
        p->pos++;
        bv *v = c == '{' ? parse_object(p) : parse_array(p);
        p->depth--;
        return v;
    }
    case 'n':
        if (lit(p, "null")) return bv_none(p->a);
        break;
    case 't':
        if (lit(p, "true")) return bv_bool(p->a, 1);
        break;
    case 'f':
        if (lit(p, "false")) return bv_bool(p->a, 0);
        break;
    case 'N':
        if (lit(p, "NaN")) return bv_float(p->a, 0.0 / 0.0);
        break;
    case 'I':
        if (lit(p, "Infinity")) return bv_float(p->a, 1.0 / 0.0);
        break;
    case '-':
        if (lit(p, "-Infinity")) return bv_float(p->a, -1.0 / 0.0);
        return parse_number(p);
    default:
        if (is_digit(c)) return parse_number(p);
    }
    return fail(p, "Expecting value", p->pos);
}

/* Python's position: characters (code points) before byte offset `at`. */
static void position(const char *s, size_t at, size_t *line, size_t *col, size_t *chr)
{
    size_t ch = 0, ln = 1, line_start_ch = 0;
    for (size_t i = 0; i < at; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xc0) == 0x80) continue;
        if (c == '\n') {
            ln++;
            line_start_ch = ch + 1;
        }
        ch++;
    }
    *line = ln;
    *col = ch - line_start_ch + 1;
    *chr = ch;
}

bv *bfcl_json_parse(bfcl_arena *a, const char *text, size_t len, const char **msg)
{
    jp p = {.a = a, .s = text, .len = len};
    *msg = NULL;
    skip_ws(&p);
    bv *v = parse_value(&p);
    if (v) {
        skip_ws(&p);
        if (p.pos < p.len) {
            fail(&p, "Extra data", p.pos);
            v = NULL;
        }
    }
    if (!v) {
        if (!p.msg) {
            *msg = "out of memory";
            return NULL;
        }
        size_t line, col, chr;
        position(text, p.err_pos, &line, &col, &chr);
        *msg = bfcl_printf(a, "%s: line %zu column %zu (char %zu)", p.msg, line, col, chr);
        if (!*msg) *msg = p.msg;
    }
    return v;
}
