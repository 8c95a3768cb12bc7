/* decode_js.c — prompting models' JavaScript call text, decoded as BFCL does.
 *
 * BFCL parses the text inside the outer [ ] with a JavaScript grammar and
 * keeps the first expression statement that is a call: its callee as
 * written, and each `name = value` argument with the value's source text
 * (one pair of matching quotes removed); a bare identifier or `true` goes
 * under the key None. A statement that is not a call decodes to nothing
 * (None, which BFCL rejects as the wrong format); text that does not parse
 * fails as "Error js parsing the source code.". Parsing here is at the
 * token level: strings, template literals, comments, balanced brackets,
 * statements split at top-level ';' or at a newline between a ')' and a
 * name. */
#include <stdlib.h>
#include <string.h>

#include "bfcl/bfcl_internal.h"

#define JS_MAX_DEPTH 200

/* Skips a string or template literal at *i; 0 ok, -1 unterminated. */
static int skip_str(const char *s, size_t n, size_t *i)
{
    char q = s[*i];
    size_t k = *i + 1;
    while (k < n && s[k] != q) {
        if (q != '`' && s[k] == '\n') return -1;
        k += s[k] == '\\' ? 2 : 1;
    }
    if (k >= n) return -1;
    *i = k + 1;
    return 0;
}

/* Finds top-level separators: balanced brackets checked; returns -1 on a
 * syntax error. seps[] gets the offsets of top-level `sep` characters. */
static int scan(const char *s, size_t n, char sep, size_t *seps, size_t max, size_t *nseps)
{
    char stack[JS_MAX_DEPTH];
    int d = 0;
    *nseps = 0;
    for (size_t i = 0; i < n;) {
        char ch = s[i];
        if (ch == '"' || ch == '\'' || ch == '`') {
            if (skip_str(s, n, &i) != 0) return -1;
            continue;
        }
        if (ch == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n') i++;
            continue;
        }
        if (ch == '/' && i + 1 < n && s[i + 1] == '*') {
            const char *e = NULL;
            for (size_t k = i + 2; k + 1 < n; k++)
                if (s[k] == '*' && s[k + 1] == '/') {
                    e = s + k;
                    break;
                }
            if (!e) return -1;
            i = (size_t)(e - s) + 2;
            continue;
        }
        if (ch == '(' || ch == '[' || ch == '{') {
            if (d >= JS_MAX_DEPTH) return -1;
            stack[d++] = ch == '(' ? ')' : ch == '[' ? ']' : '}';
        } else if (ch == ')' || ch == ']' || ch == '}') {
            if (!d || stack[d - 1] != ch) return -1;
            d--;
        } else if (d == 0 && ch == sep) {
            if (*nseps < max) seps[*nseps] = i;
            (*nseps)++;
        }
        i++;
    }
    return d == 0 ? 0 : -1;
}

static void trim(const char **s, size_t *n) { bfcl_strip(s, n, " \t\r\n"); }

static int is_ident(const char *s, size_t n)
{
    if (!n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        int ok = ch == '_' || ch == '$' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80 ||
                 (i && ch >= '0' && ch <= '9');
        if (!ok) return 0;
    }
    return 1;
}

/* Offset of a top-level assignment '=' in an argument, or n. */
static size_t assign_at(const char *s, size_t n)
{
    int d = 0;
    for (size_t i = 0; i < n;) {
        char ch = s[i];
        if (ch == '"' || ch == '\'' || ch == '`') {
            if (skip_str(s, n, &i) != 0) return n;
            continue;
        }
        if (ch == '(' || ch == '[' || ch == '{') d++;
        else if (ch == ')' || ch == ']' || ch == '}') d--;
        else if (d == 0 && ch == '=') {
            char prev = i ? s[i - 1] : 0, next = i + 1 < n ? s[i + 1] : 0;
            if (next != '=' && next != '>' && !strchr("=!<>+-*/%&|^", prev ? prev : ' ')) return i;
            if (next == '=' || next == '>') i++;
        }
        i++;
    }
    return n;
}

bv *bfcl_decode_js(bfcl_ctx *c, const char *s, size_t len, const char **why)
{
    *why = NULL;
    size_t semis[1];
    size_t nsemi;
    if (scan(s, len, ';', semis, 1, &nsemi) != 0) {
        *why = "Error js parsing the source code.";
        return NULL;
    }
    /* the first statement: up to the first top-level ';', or a top-level
     * newline between a ')' and a name (where JavaScript inserts one) */
    const char *st = s;
    size_t sn = nsemi ? semis[0] : len;
    size_t nls[64], nnl;
    if (scan(s, sn, '\n', nls, 64, &nnl) == 0)
        for (size_t k = 0; k < nnl && k < 64; k++) {
            size_t a = nls[k], b = nls[k];
            while (a > 0 && strchr(" \t\r\n", s[a - 1])) a--;
            while (b < sn && strchr(" \t\r\n", s[b])) b++;
            if (a > 0 && s[a - 1] == ')' && b < sn && (is_ident(s + b, 1) || s[b] == '_')) {
                sn = nls[k];
                break;
            }
        }
    trim(&st, &sn);
    if (!sn) return bv_none(c->a);
    /* a call: callee ( args ) with nothing after the last top-level ')' */
    if (st[sn - 1] != ')') return bv_none(c->a);
    /* the top-level '(' whose ')' ends the statement */
    size_t open = sn, last_open = sn;
    int depth = 0;
    for (size_t i = 0; i < sn;) {
        char ch = st[i];
        if (ch == '"' || ch == '\'' || ch == '`') {
            if (skip_str(st, sn, &i) != 0) break;
            continue;
        }
        if (ch == '(' || ch == '[' || ch == '{') {
            if (depth == 0 && ch == '(') last_open = i;
            depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
            depth--;
            if (depth == 0 && i == sn - 1 && ch == ')') open = last_open;
        }
        i++;
    }
    if (open == sn || open == 0) return bv_none(c->a);
    const char *callee = st;
    size_t cn = open;
    trim(&callee, &cn);
    /* a sequence (a(), b()) or an operator expression is not a call statement */
    size_t commas[1], nc;
    if (scan(callee, cn, ',', commas, 1, &nc) != 0 || nc) return bv_none(c->a);
    for (size_t i = 0; i < cn; i++)
        if (strchr("=+-*/%<>!&|?:", callee[i]) && callee[i]) return bv_none(c->a);
    const char *args = st + open + 1;
    size_t an = sn - open - 2;
    size_t *cs = NULL;
    size_t ncs;
    if (scan(args, an, ',', NULL, 0, &ncs) != 0) {
        *why = "Error js parsing the source code.";
        return NULL;
    }
    bv_vec keys = {0}, vals = {0};
    size_t seps_buf[64];
    size_t *seps = ncs <= 64 ? seps_buf : (cs = malloc(ncs * sizeof *cs));
    if (!seps) return NULL;
    scan(args, an, ',', seps, ncs, &ncs);
    bv *r = NULL;
    int dup = 0;
    for (size_t k = 0; k <= ncs; k++) {
        size_t a = k ? seps[k - 1] + 1 : 0, b = k < ncs ? seps[k] : an;
        const char *e = args + a;
        size_t en = b - a;
        trim(&e, &en);
        if (!en) continue;
        size_t eq = assign_at(e, en);
        bv *key = NULL, *val = NULL;
        if (eq < en) {
            const char *ln = e, *vs = e + eq + 1;
            size_t lnn = eq, vn = en - eq - 1;
            trim(&ln, &lnn);
            trim(&vs, &vn);
            if (vn >= 2 && ((vs[0] == '"' && vs[vn - 1] == '"') || (vs[0] == '\'' && vs[vn - 1] == '\'')))
                vs++, vn -= 2;
            key = bv_str(c->a, ln, lnn);
            val = bv_str(c->a, vs, vn);
        } else if (is_ident(e, en)) {
            key = bv_none(c->a);
            val = bv_str(c->a, e, en);
        }
        if (key && val) {
            for (size_t i = 0; i < keys.n; i++)
                if (bv_eq(keys.v[i], key)) dup = 1;
            bv_vec_push(&keys, key);
            bv_vec_push(&vals, val);
        }
    }
    if (dup) *why = "Error: Multiple arguments with the same name are not supported.";
    else if (!keys.failed && !vals.failed) {
        bv *name = bv_str(c->a, callee, cn);
        bv *argd = bv_dict(c->a, keys.v, vals.v, keys.n);
        bv *call = name && argd ? bv_dict(c->a, &name, &argd, 1) : NULL;
        r = call ? bv_list(c->a, BV_LIST, &call, 1) : NULL;
    }
    bv_vec_free(&keys);
    bv_vec_free(&vals);
    free(cs);
    return r;
}
