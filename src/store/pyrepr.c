/* pyrepr.c — Python str()/repr()/json.dumps() of jansson values, byte for byte. */
#include "store/pyrepr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---- */

/* Decodes one code point at s[*i] (len bytes total). Returns the code point
 * and advances *i; returns -1 (advancing by one byte) on invalid UTF-8. */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    size_t need;
    unsigned long cp;
    if (c < 0x80) {
        (*i)++;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3;
        cp = c & 0x07;
    } else {
        (*i)++;
        return -1;
    }
    if (*i + need >= len) { /* truncated sequence */
        (*i)++;
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned cc = s[*i + k];
        if ((cc & 0xC0) != 0x80) {
            (*i)++;
            return -1;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    static const unsigned long MIN[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < MIN[need] || cp > 0x10FFFF) {
        (*i)++;
        return -1;
    }
    *i += need + 1;
    return (long)cp;
}

/* ---- printability (Python str.isprintable) ---- */

typedef struct {
    unsigned lo, hi;
} cp_range;

/* Code points that are not printable in Python 3: the Cc, Cf, Zl, Zp, Zs
 * (except U+0020), Cs and Co categories, plus the best-known unassigned
 * blocks and the noncharacters. Sorted. */
static const cp_range NONPRINT[] = {
    {0x0000, 0x001F}, {0x007F, 0x00A0}, {0x00AD, 0x00AD}, {0x0378, 0x0379}, {0x0380, 0x0383},
    {0x038B, 0x038B}, {0x038D, 0x038D}, {0x03A2, 0x03A2}, {0x0530, 0x0530}, {0x0557, 0x0558},
    {0x058B, 0x058C}, {0x0590, 0x0590}, {0x05C8, 0x05CF}, {0x05EB, 0x05EE}, {0x05F5, 0x0605},
    {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070E, 0x070F}, {0x074B, 0x074C}, {0x07B2, 0x07BF},
    {0x07FB, 0x07FC}, {0x082E, 0x082F}, {0x083F, 0x083F}, {0x085C, 0x085D}, {0x085F, 0x085F},
    {0x086B, 0x086F}, {0x088F, 0x0897}, {0x08E2, 0x08E2}, {0x1680, 0x1680}, {0x180E, 0x180E},
    {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x2064}, {0x2065, 0x206F}, {0x2072, 0x2073},
    {0x208F, 0x208F}, {0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFDD0, 0xFDEF}, {0xFEFF, 0xFEFF},
    {0xFFF0, 0xFFFB}, {0xFFFE, 0xFFFF}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0xE0000, 0xE0FFF}, {0xF0000, 0x10FFFF},
};

int py_isprintable(unsigned cp)
{
    if (cp >= 0x20 && cp < 0x7F) return 1;
    if ((cp & 0xFFFE) == 0xFFFE) return 0; /* noncharacters U+xxFFFE/F */
    size_t lo = 0, hi = sizeof NONPRINT / sizeof NONPRINT[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < NONPRINT[mid].lo) hi = mid;
        else if (cp > NONPRINT[mid].hi) lo = mid + 1;
        else return 0;
    }
    return 1;
}

/* ---- repr of str ---- */

void py_repr_string_append(pybuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    int has_sq = memchr(s, '\'', len) != NULL, has_dq = memchr(s, '"', len) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    pybuf_putc(b, q);
    size_t i = 0;
    char tmp[16];
    while (i < len) {
        size_t start = i;
        long cp = utf8_next(u, len, &i);
        if (cp < 0) {
            pybuf_append(b, s + start, 1);
            continue;
        }
        if (cp == q || cp == '\\') {
            pybuf_putc(b, '\\');
            pybuf_putc(b, (char)cp);
        } else if (cp == '\t') {
            pybuf_puts(b, "\\t");
        } else if (cp == '\n') {
            pybuf_puts(b, "\\n");
        } else if (cp == '\r') {
            pybuf_puts(b, "\\r");
        } else if (cp >= 0x20 && cp < 0x7F) {
            pybuf_putc(b, (char)cp);
        } else if (py_isprintable((unsigned)cp)) {
            pybuf_append(b, s + start, i - start);
        } else {
            if (cp < 0x100) snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)cp);
            else if (cp < 0x10000) snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
            else snprintf(tmp, sizeof tmp, "\\U%08x", (unsigned)cp);
            pybuf_puts(b, tmp);
        }
    }
    pybuf_putc(b, q);
}

/* ---- float repr ---- */

size_t py_float_repr(double x, char *out, size_t cap)
{
    char buf[64];
    if (isnan(x)) return (size_t)snprintf(out, cap, "nan");
    if (isinf(x)) return (size_t)snprintf(out, cap, x < 0 ? "-inf" : "inf");
    if (x == 0) return (size_t)snprintf(out, cap, signbit(x) ? "-0.0" : "0.0");
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        if (strtod(buf, NULL) == x) break;
    }
    /* buf: [-]d[.ddd]e[+-]XX */
    char digits[32] = {0};
    size_t nd = 0;
    const char *c = buf;
    int neg = 0;
    if (*c == '-') {
        neg = 1;
        c++;
    }
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9' && nd < sizeof digits - 1) digits[nd++] = *c;
    if (nd == 0) digits[nd++] = '0';
    /* %e writes a decimal exponent within +-324, so it always fits an int. */
    int e10 = *c == 'e' ? (int)strtol(c + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = '\0';
    int decpt = e10 + 1;
    char res[64];
    size_t r = 0;
    if (neg) res[r++] = '-';
    if (decpt <= -4 || decpt > 16) {
        res[r++] = digits[0];
        if (nd > 1) {
            res[r++] = '.';
            for (size_t k = 1; k < nd; k++) res[r++] = digits[k];
        }
        int ex = decpt - 1;
        r += (size_t)snprintf(res + r, sizeof res - r, "e%c%02d", ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    } else if (decpt <= 0) {
        res[r++] = '0';
        res[r++] = '.';
        for (int k = 0; k < -decpt; k++) res[r++] = '0';
        for (size_t k = 0; k < nd; k++) res[r++] = digits[k];
    } else if ((size_t)decpt >= nd) {
        for (size_t k = 0; k < nd; k++) res[r++] = digits[k];
        for (size_t k = nd; k < (size_t)decpt; k++) res[r++] = '0';
        res[r++] = '.';
        res[r++] = '0';
    } else {
        for (size_t k = 0; k < nd; k++) {
            if (k == (size_t)decpt) res[r++] = '.';
            res[r++] = digits[k];
        }
    }
    res[r] = '\0';
    return (size_t)snprintf(out, cap, "%s", res);
}

/* ---- repr of values ---- */

void py_repr_append(pybuf *b, const json_t *v)
{
    char tmp[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        pybuf_putc(b, '{');
        const char *key;
        json_t *val;
        int first = 1;
        void *it = json_object_iter((json_t *)v);
        while (it) {
            key = json_object_iter_key(it);
            val = json_object_iter_value(it);
            if (!first) pybuf_puts(b, ", ");
            first = 0;
            py_repr_string_append(b, key, strlen(key));
            pybuf_puts(b, ": ");
            py_repr_append(b, val);
            it = json_object_iter_next((json_t *)v, it);
        }
        pybuf_putc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        pybuf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) pybuf_puts(b, ", ");
            py_repr_append(b, json_array_get(v, i));
        }
        pybuf_putc(b, ']');
        break;
    }
    case JSON_STRING:
        py_repr_string_append(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        pybuf_puts(b, tmp);
        break;
    case JSON_REAL:
        py_float_repr(json_real_value(v), tmp, sizeof tmp);
        pybuf_puts(b, tmp);
        break;
    case JSON_TRUE:
        pybuf_puts(b, "True");
        break;
    case JSON_FALSE:
        pybuf_puts(b, "False");
        break;
    case JSON_NULL:
    default:
        pybuf_puts(b, "None");
        break;
    }
}

void py_str_append(pybuf *b, const json_t *v)
{
    if (json_is_string(v)) pybuf_append(b, json_string_value(v), json_string_length(v));
    else py_repr_append(b, v);
}

/* ---- json.dumps ---- */

void py_json_string_append(pybuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    char tmp[32];
    pybuf_putc(b, '"');
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        long cp = utf8_next(u, len, &i);
        if (cp < 0) {
            pybuf_append(b, s + start, 1);
            continue;
        }
        switch (cp) {
        case '"': pybuf_puts(b, "\\\""); continue;
        case '\\': pybuf_puts(b, "\\\\"); continue;
        case '\n': pybuf_puts(b, "\\n"); continue;
        case '\r': pybuf_puts(b, "\\r"); continue;
        case '\t': pybuf_puts(b, "\\t"); continue;
        case '\b': pybuf_puts(b, "\\b"); continue;
        case '\f': pybuf_puts(b, "\\f"); continue;
        default: break;
        }
        if (cp >= 0x20 && cp < 0x7F) {
            pybuf_putc(b, (char)cp);
        } else if (cp < 0x10000) {
            snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
            pybuf_puts(b, tmp);
        } else {
            unsigned long c2 = (unsigned long)cp - 0x10000;
            snprintf(tmp, sizeof tmp, "\\u%04lx\\u%04lx", 0xD800 + (c2 >> 10), 0xDC00 + (c2 & 0x3FF));
            pybuf_puts(b, tmp);
        }
    }
    pybuf_putc(b, '"');
}

void py_json_dumps_append(pybuf *b, const json_t *v)
{
    char tmp[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        pybuf_putc(b, '{');
        int first = 1;
        void *it = json_object_iter((json_t *)v);
        while (it) {
            const char *key = json_object_iter_key(it);
            if (!first) pybuf_puts(b, ", ");
            first = 0;
            py_json_string_append(b, key, strlen(key));
            pybuf_puts(b, ": ");
            py_json_dumps_append(b, json_object_iter_value(it));
            it = json_object_iter_next((json_t *)v, it);
        }
        pybuf_putc(b, '}');
        break;
    }
    case JSON_ARRAY:
        pybuf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) pybuf_puts(b, ", ");
            py_json_dumps_append(b, json_array_get(v, i));
        }
        pybuf_putc(b, ']');
        break;
    case JSON_STRING:
        py_json_string_append(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        pybuf_puts(b, tmp);
        break;
    case JSON_REAL: {
        double x = json_real_value(v);
        if (isnan(x)) pybuf_puts(b, "NaN");
        else if (isinf(x)) pybuf_puts(b, x < 0 ? "-Infinity" : "Infinity");
        else {
            py_float_repr(x, tmp, sizeof tmp);
            pybuf_puts(b, tmp);
        }
        break;
    }
    case JSON_TRUE:
        pybuf_puts(b, "true");
        break;
    case JSON_FALSE:
        pybuf_puts(b, "false");
        break;
    case JSON_NULL:
    default:
        pybuf_puts(b, "null");
        break;
    }
}

char *py_repr(const json_t *v)
{
    pybuf b;
    pybuf_init(&b);
    py_repr_append(&b, v);
    return pybuf_take(&b);
}

char *py_str(const json_t *v)
{
    pybuf b;
    pybuf_init(&b);
    py_str_append(&b, v);
    return pybuf_take(&b);
}

char *py_json_dumps(const json_t *v)
{
    pybuf b;
    pybuf_init(&b);
    py_json_dumps_append(&b, v);
    return pybuf_take(&b);
}
