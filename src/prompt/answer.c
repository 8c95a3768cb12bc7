/* answer.c — turns a model answer into fields, from either published style:
 *   <<<domain>>>: X, <<<api_call>>>: Y, <<<api_provider>>>: Z, ...
 *   {'domain': 'X', 'api_call': "Y", 'api_provider': 'Z', ...}
 * with the mess models emit: escaped quotes and newlines (\" \' \n written
 * as two characters), mismatched quotes, a missing closing brace, fields in
 * any order, extra fields. The text is first unescaped once; then every
 * field marker (<<<name>>>, 'name':, "name":, name:) of a known name is
 * found, and a field's value runs from its marker to the next marker. */
#include "prompt/answer.h"
#include "base/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Field names whose markers delimit values. The first five are returned. */
static const char *const NAMES[] = {
    "domain", "api_call", "api_provider", "explanation", "code",
    "api_provider_code", "api_name", "api_arguments", "framework", "functionality",
    "python_environment_requirements", "example_code", "performance", "description",
};
#define N_NAMES (sizeof NAMES / sizeof NAMES[0])
#define N_FIELDS 5

typedef struct {
    size_t at;    /* marker start */
    size_t value; /* value start */
    int name;     /* index in NAMES */
    int arrows;   /* <<<name>>> style */
} marker;

/* One pass of unescaping: \n \t \r \" \' \\ become the characters. */
static char *unescape(const char *s, size_t len, size_t *out_len)
{
    char *o = malloc(len + 1);
    if (!o) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) {
            char c = s[i + 1];
            char r = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r'
                   : (c == '"' || c == '\'' || c == '\\') ? c : 0;
            if (r) {
                o[n++] = r;
                i++;
                continue;
            }
        }
        o[n++] = s[i];
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

static int is_ident(char c) { return isalnum((unsigned char)c) || c == '_'; }

static size_t skip_blanks(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

/* Is there a marker of name k at s[i] (i at the name's first letter)? */
static int marker_at(const char *s, size_t len, size_t i, int k, marker *m)
{
    size_t nl = strlen(NAMES[k]);
    if (i + nl > len || memcmp(s + i, NAMES[k], nl) != 0) return 0;
    size_t e = i + nl;
    if (e < len && is_ident(s[e])) return 0;
    if (i > 0 && is_ident(s[i - 1])) return 0;
    if (i >= 3 && memcmp(s + i - 3, "<<<", 3) == 0 && e + 3 <= len && memcmp(s + e, ">>>", 3) == 0) {
        size_t v = skip_blanks(s, len, e + 3);
        if (v < len && s[v] == ':') v = skip_blanks(s, len, v + 1);
        *m = (marker){i - 3, v, k, 1};
        return 1;
    }
    size_t start = i;
    if (i > 0 && (s[i - 1] == '\'' || s[i - 1] == '"')) {
        if (e >= len || (s[e] != '\'' && s[e] != '"')) return 0;
        start = i - 1;
        e++;
    } else if (k >= N_FIELDS) {
        return 0; /* extra names only count quoted */
    }
    e = skip_blanks(s, len, e);
    if (e >= len || s[e] != ':') return 0;
    /* a bare `name:` counts only at a line start or after a separator */
    if (start == i && i > 0) {
        size_t p = i;
        while (p > 0 && (s[p - 1] == ' ' || s[p - 1] == '\t')) p--;
        if (p > 0 && s[p - 1] != '\n' && s[p - 1] != ',' && s[p - 1] != '{') return 0;
    }
    *m = (marker){start, skip_blanks(s, len, e + 1), k, 0};
    return 1;
}

static int is_trim(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Opening minus closing braces. */
static long braces(const char *s, size_t n)
{
    long d = 0;
    for (size_t i = 0; i < n; i++) d += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
    return d;
}

/* Cleans a value: trims blanks, a trailing separator and brace, and the
 * quotes around it (mismatched ones too). */
static char *clean_value(const char *s, size_t a, size_t b, int last)
{
    while (a < b && is_trim(s[a])) a++;
    for (int changed = 1; changed && b > a;) {
        changed = 0;
        while (b > a && is_trim(s[b - 1])) b--, changed = 1;
        if (b > a && s[b - 1] == ',') b--, changed = 1;
        if (last) {
            size_t e = b;
            while (e > a && (is_trim(s[e - 1]) || s[e - 1] == '"')) e--;
            if (e > a && s[e - 1] == '}' && braces(s + a, e - a) < 0) b = e - 1, changed = 1;
        }
    }
    if (b > a && (s[a] == '\'' || s[a] == '"')) {
        a++;
        if (b > a && (s[b - 1] == '\'' || s[b - 1] == '"')) b--;
    }
    while (a < b && is_trim(s[a])) a++;
    while (b > a && is_trim(s[b - 1])) b--;
    char *o = malloc(b - a + 1);
    if (!o) return NULL;
    memcpy(o, s + a, b - a);
    o[b - a] = '\0';
    return o;
}

void gorilla_answer_clear(gorilla_answer *a)
{
    if (!a) return;
    free(a->domain);
    free(a->api_call);
    free(a->api_provider);
    free(a->explanation);
    free(a->code);
    memset(a, 0, sizeof *a);
}

static char **slot(gorilla_answer *a, int k)
{
    switch (k) {
    case 0: return &a->domain;
    case 1: return &a->api_call;
    case 2: return &a->api_provider;
    case 3: return &a->explanation;
    default: return &a->code;
    }
}

gorilla_status gorilla_answer_parse(const char *text, size_t len, gorilla_answer *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    if (!text) return GORILLA_OK;
    size_t n;
    char *s = unescape(text, len, &n);
    marker *ms = NULL;
    size_t nm = 0, cap = 0;
    if (!s) goto oom;
    for (size_t i = 0; i < n; i++) {
        if (!islower((unsigned char)s[i]) || (i > 0 && is_ident(s[i - 1]))) continue;
        for (int k = 0; k < (int)N_NAMES; k++) {
            marker m;
            if (!marker_at(s, n, i, k, &m)) continue;
            if (nm == cap) {
                size_t nc = cap ? cap * 2 : 16;
                marker *g = realloc(ms, nc * sizeof *g);
                if (!g) goto oom;
                ms = g;
                cap = nc;
            }
            ms[nm++] = m;
            break;
        }
    }
    /* The style is that of the first api_call marker (else the first marker);
     * a field takes its first marker of that style, else of any style. */
    int style = -1;
    for (size_t j = 0; j < nm && style < 0; j++)
        if (ms[j].name == 1) style = ms[j].arrows;
    for (size_t j = 0; j < nm && style < 0; j++) style = ms[j].arrows;
    out->style = nm == 0 ? GORILLA_ANSWER_PLAIN : style ? GORILLA_ANSWER_ARROWS : GORILLA_ANSWER_DICT;
    for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < nm; j++) {
            int k = ms[j].name;
            if (k >= N_FIELDS || *slot(out, k)) continue;
            if (pass == 0 && ms[j].arrows != style) continue;
            size_t end = j + 1 < nm ? ms[j + 1].at : n;
            if (ms[j].value > end) end = ms[j].value;
            char *v = clean_value(s, ms[j].value, end, j + 1 == nm);
            if (!v) goto oom;
            if (!*v) {
                free(v);
                continue;
            }
            *slot(out, k) = v;
        }
    free(ms);
    free(s);
    return GORILLA_OK;
oom:
    free(ms);
    free(s);
    gorilla_answer_clear(out);
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory parsing an answer");
}

size_t answer_normalize_call(const char *s, size_t len, char *out, size_t cap)
{
    if (cap == 0) return 0;
    size_t a = 0, b = len;
    /* outer quotes, commas, blanks, backslashes */
    for (;;) {
        int changed = 0;
        while (a < b && (is_trim(s[a]) || s[a] == '\\' || s[a] == '"' || s[a] == '\'' || s[a] == ',' || s[a] == ':'))
            a++, changed = 1;
        while (b > a && (is_trim(s[b - 1]) || s[b - 1] == '\\' || s[b - 1] == '"' || s[b - 1] == '\'' ||
                         s[b - 1] == ',' || s[b - 1] == '<' || s[b - 1] == '.'))
            b--, changed = 1;
        if (b >= a + 2 && s[b - 2] == '\\' && s[b - 1] == 'n') b -= 2, changed = 1;
        if (!changed) break;
    }
    /* a leading assignment "x = ", "model, utils = " */
    size_t p = a;
    while (p < b && (is_ident(s[p]) || s[p] == ',' || s[p] == ' ' || s[p] == '.')) p++;
    if (p < b && s[p] == '=' && p + 1 < b && s[p + 1] != '=' && p > a) {
        a = p + 1;
        while (a < b && is_trim(s[a])) a++;
    }
    size_t n = 0;
    int space = 0;
    for (size_t i = a; i < b && n + 1 < cap; i++) {
        char c = s[i];
        if (c == '\\') continue;
        if (is_trim(c)) {
            space = 1;
            continue;
        }
        if (space && n > 0 && n + 2 < cap) out[n++] = ' ';
        space = 0;
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

int gorilla_answer_same_call(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t cap = (alen > blen ? alen : blen) + 1;
    char *x = malloc(cap), *y = malloc(cap);
    int same = 0;
    if (x && y) {
        size_t nx = answer_normalize_call(a, alen, x, cap), ny = answer_normalize_call(b, blen, y, cap);
        same = nx == ny && memcmp(x, y, nx) == 0;
        /* quotes inside differ often (' vs "): compare once more without them */
        if (!same) {
            size_t i = 0, j = 0;
            for (size_t k = 0; k < nx; k++)
                if (x[k] != '"' && x[k] != '\'' && x[k] != ' ') x[i++] = x[k];
            for (size_t k = 0; k < ny; k++)
                if (y[k] != '"' && y[k] != '\'' && y[k] != ' ') y[j++] = y[k];
            same = i == j && memcmp(x, y, i) == 0;
        }
    }
    free(x);
    free(y);
    return same;
}

gorilla_status gorilla_answer_parse_call(const char *text, size_t len, gorilla_answer *out, gorilla_error *err)
{
    gorilla_status st = gorilla_answer_parse(text, len, out, err);
    if (st != GORILLA_OK || out->api_call || !text) return st;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) i++;
    if (len - i >= 12 && memcmp(text + i, "<<function>>", 12) == 0) i += 12;
    size_t e = i;
    while (e < len && text[e] != '\n' && text[e] != '\r') e++;
    while (e > i && (text[e - 1] == ' ' || text[e - 1] == '\t')) e--;
    if (e == i) return GORILLA_OK;
    out->api_call = strndup(text + i, e - i);
    if (!out->api_call) {
        gorilla_answer_clear(out);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    return GORILLA_OK;
}
