/* call_variants.c — positional spellings of a call's leading keyword
 * arguments (see call_variants.h). */
#include "decode/call_variants.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

typedef struct {
    size_t at, len;       /* the argument, trimmed */
    size_t val_at, val_len; /* its value after `NAME=`, or the whole */
    int keyword;          /* NAME=VALUE */
    int keyword_string;   /* NAME=<string literal> */
} arg_span;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_ident(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

static void trim(const char *s, size_t *at, size_t *len)
{
    while (*len && is_space(s[*at])) (*at)++, (*len)--;
    while (*len && is_space(s[*at + *len - 1])) (*len)--;
}

/* The argument s[at..at+len): NAME=VALUE with VALUE one string literal? */
static void classify(const char *s, arg_span *a)
{
    size_t i = a->at, end = a->at + a->len;
    a->val_at = a->at;
    a->val_len = a->len;
    a->keyword = a->keyword_string = 0;
    if (i >= end || !is_ident(s[i]) || (s[i] >= '0' && s[i] <= '9')) return;
    while (i < end && is_ident(s[i])) i++;
    while (i < end && is_space(s[i])) i++;
    if (i >= end || s[i] != '=' || (i + 1 < end && s[i + 1] == '=')) return;
    a->keyword = 1;
    size_t v = i + 1, vl = end - v;
    trim(s, &v, &vl);
    if (vl < 2 || (s[v] != '\'' && s[v] != '"') || s[v + vl - 1] != s[v]) return;
    for (size_t k = v + 1; k < v + vl - 1; k++) /* one literal, not 'a' + 'b' */
        if (s[k] == '\\') k++;
        else if (s[k] == s[v]) return;
    a->val_at = v;
    a->val_len = vl;
    a->keyword_string = 1;
}

/* Splits NAME(ARGS) into its top-level arguments; 0 when s is not one. */
static size_t split(const char *s, size_t n, size_t *open, arg_span *args)
{
    if (n < 3 || s[n - 1] != ')') return 0;
    size_t p = 0;
    while (p < n && s[p] != '(') {
        if (s[p] == '\'' || s[p] == '"' || is_space(s[p])) return 0;
        p++;
    }
    if (p == 0 || p >= n) return 0;
    *open = p;
    size_t na = 0, start = p + 1;
    int depth = 0;
    char quote = 0;
    for (size_t i = p + 1; i < n - 1; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\\') i++;
            else if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (--depth < 0) return 0;
        } else if (c == ',' && depth == 0) {
            if (na == MAX_ARGS) return 0;
            args[na].at = start;
            args[na].len = i - start;
            na++;
            start = i + 1;
        }
    }
    if (quote || depth) return 0;
    if (na == MAX_ARGS) return 0;
    args[na].at = start;
    args[na].len = n - 1 - start;
    na++;
    for (size_t k = 0; k < na; k++) {
        trim(s, &args[k].at, &args[k].len);
        if (!args[k].len) return 0; /* f() or a stray comma: no other spelling */
        classify(s, &args[k]);
    }
    return na;
}

int call_variants(const char *s, size_t n, call_variant_fn fn, void *user)
{
    int r = fn(user, s, n);
    if (r) return r;
    arg_span args[MAX_ARGS];
    size_t open = 0, na = split(s, n, &open, args);
    size_t first = 0; /* arguments already positional at the front */
    while (first < na && !args[first].keyword) first++;
    size_t m = 0;
    while (first + m < na && args[first + m].keyword_string) m++;
    if (!m) return 0;
    char *buf = malloc(n + 2 * na + 2);
    if (!buf) return -1;
    for (size_t t = 1; t <= m && !r; t++) {
        size_t len = 0;
        memcpy(buf, s, open + 1);
        len = open + 1;
        for (size_t k = 0; k < na; k++) {
            if (k) buf[len++] = ',', buf[len++] = ' ';
            int pos = k >= first && k < first + t;
            size_t at = pos ? args[k].val_at : args[k].at, l = pos ? args[k].val_len : args[k].len;
            memcpy(buf + len, s + at, l);
            len += l;
        }
        buf[len++] = ')';
        r = fn(user, buf, len);
    }
    free(buf);
    return r;
}
