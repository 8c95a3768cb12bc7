/* decode_java.c — prompting models' Java call text, decoded as BFCL does.
 *
 * BFCL parses the text inside the outer [ ] with a Java grammar and takes
 * the first method invocation: its name (object text + "." + method), and
 * its `name = value` arguments (a bare identifier or class literal goes
 * under the key None). Every value stays source text, the way BFCL's tree
 * walk renders it: a string or char literal without its quotes at the top
 * (with them inside something), identifiers and method invocations as
 * written, `new T[]{...}` and `new T(args)` rebuilt (a class body dropped),
 * anything else as its tokens joined without spaces. Text that does not
 * parse fails as "Error parsing java the source code."; no invocation at
 * all decodes to {} (which BFCL then rejects as the wrong format). */
#include <stdlib.h>
#include <string.h>

#include "bfcl/bfcl_internal.h"

typedef struct {
    bfcl_ctx *c;
    const char *s;
    size_t len, pos;
    int bad, depth;
    /* the first method invocation (smallest start, then largest end) */
    int have;
    size_t best_start, best_end;
    bv *best;
} jp;

typedef struct {
    char *nested; /* rendering inside another node */
    char *top;    /* rendering as an argument value */
    int kind;     /* 1 identifier, 2 class literal, 0 other */
    size_t start;
} jv;

#define J_MAX_DEPTH 400

static void jws(jp *p)
{
    for (;;) {
        while (p->pos < p->len && strchr(" \t\r\n\f", p->s[p->pos]) && p->s[p->pos]) p->pos++;
        if (p->len - p->pos >= 2 && p->s[p->pos] == '/' && p->s[p->pos + 1] == '/') {
            while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
        } else if (p->len - p->pos >= 2 && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
            const char *e = p->len - p->pos > 2 ? strstr(p->s + p->pos + 2, "*/") : NULL;
            if (!e || (size_t)(e - p->s) >= p->len) {
                p->bad = 1;
                p->pos = p->len;
                return;
            }
            p->pos = (size_t)(e - p->s) + 2;
        } else return;
    }
}

static int jpeek(jp *p, const char *t)
{
    jws(p);
    size_t n = strlen(t);
    return p->len - p->pos >= n && memcmp(p->s + p->pos, t, n) == 0;
}

static int jeat(jp *p, const char *t)
{
    if (!jpeek(p, t)) return 0;
    p->pos += strlen(t);
    return 1;
}

static int jid(unsigned char ch) { return ch == '_' || ch == '$' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch >= 0x80; }

static char *sub(jp *p, size_t a, size_t b) { return bfcl_strndup(p->c->a, p->s + a, b - a); }

static jv leaf(jp *p, size_t a, size_t b, int kind)
{
    char *t = sub(p, a, b);
    jv v = {t, t, kind, a};
    return v;
}

static char *cat2(jp *p, const char *x, const char *y)
{
    return bfcl_printf(p->c->a, "%s%s", x ? x : "", y ? y : "");
}

static jv jexpr(jp *p);

/* Type text as BFCL renders it: tokens joined ("HashMap<String,Integer>"). */
static char *jtype(jp *p)
{
    jws(p);
    char *out = bfcl_strndup(p->c->a, "", 0);
    int angle = 0;
    for (;;) {
        jws(p);
        if (p->pos >= p->len) break;
        char ch = p->s[p->pos];
        if (jid((unsigned char)ch)) {
            size_t st = p->pos;
            while (p->pos < p->len && jid((unsigned char)p->s[p->pos])) p->pos++;
            out = cat2(p, out, sub(p, st, p->pos));
        } else if (ch == '.' || ch == '?' || (angle && ch == ',')) {
            out = cat2(p, out, ch == '.' ? "." : ch == '?' ? "?" : ",");
            p->pos++;
        } else if (ch == '<') {
            angle++;
            out = cat2(p, out, "<");
            p->pos++;
        } else if (ch == '>' && angle) {
            angle--;
            out = cat2(p, out, ">");
            p->pos++;
        } else break;
    }
    if (angle) p->bad = 1;
    return out;
}

/* Skips a balanced {...} (a class body). */
static void skip_braces(jp *p)
{
    int d = 0;
    while (p->pos < p->len) {
        char ch = p->s[p->pos];
        if (ch == '"' || ch == '\'') {
            p->pos++;
            while (p->pos < p->len && p->s[p->pos] != ch) p->pos += p->s[p->pos] == '\\' ? 2 : 1;
        } else if (ch == '{') d++;
        else if (ch == '}' && --d == 0) {
            p->pos++;
            return;
        }
        p->pos++;
    }
    p->bad = 1;
}

/* {a, b, {c}}: tokens joined. */
static char *jinit(jp *p)
{
    if (!jeat(p, "{")) {
        p->bad = 1;
        return "";
    }
    char *out = "{";
    while (!p->bad && !jeat(p, "}")) {
        jv e = jpeek(p, "{") ? (jv){jinit(p), NULL, 0, p->pos} : jexpr(p);
        out = cat2(p, out, e.nested);
        if (jeat(p, ",")) out = cat2(p, out, ",");
        else if (!jpeek(p, "}")) p->bad = 1;
        if (p->pos >= p->len) p->bad = 1;
    }
    return cat2(p, out, "}");
}

static void record_call(jp *p, size_t start, size_t end, const char *name, bv_vec *keys, bv_vec *vals, int dup)
{
    if (p->have && (start > p->best_start || (start == p->best_start && end <= p->best_end))) return;
    if (dup) {
        p->have = 1;
        p->best_start = start;
        p->best_end = end;
        p->best = NULL; /* "Multiple arguments with the same name" */
        return;
    }
    bv *n = bv_cstr(p->c->a, name);
    bv *args = bv_dict(p->c->a, keys->v, vals->v, keys->n);
    p->have = 1;
    p->best_start = start;
    p->best_end = end;
    p->best = n && args ? bv_dict(p->c->a, &n, &args, 1) : NULL;
}

/* ( args ) of an invocation starting at `start` named `name`. */
static void jargs(jp *p, size_t start, const char *name)
{
    bv_vec keys = {0}, vals = {0};
    int dup = 0;
    if (!jeat(p, "(")) {
        p->bad = 1;
        return;
    }
    while (!p->bad && !jeat(p, ")")) {
        jws(p);
        size_t lst = p->pos;
        jv lhs = jexpr(p);
        size_t lend = p->pos;
        bv *key = NULL, *val = NULL;
        if (jpeek(p, "=") && !jpeek(p, "==")) {
            p->pos++;
            jv rhs = jexpr(p);
            key = bv_str(p->c->a, p->s + lst, lend - lst);
            while (key && key->u.str.len && strchr(" \t\r\n", key->u.str.s[key->u.str.len - 1])) key->u.str.len--;
            val = bv_cstr(p->c->a, rhs.top ? rhs.top : "");
        } else if (lhs.kind == 1 || lhs.kind == 2) {
            key = bv_none(p->c->a);
            val = bv_cstr(p->c->a, lhs.top ? lhs.top : "");
        }
        if (key && val) {
            for (size_t i = 0; i < keys.n; i++)
                if (bv_eq(keys.v[i], key)) dup = 1;
            bv_vec_push(&keys, key);
            bv_vec_push(&vals, val);
        }
        if (!jeat(p, ",") && !jpeek(p, ")")) p->bad = 1;
    }
    if (!p->bad && !keys.failed && !vals.failed) record_call(p, start, p->pos, name, &keys, &vals, dup);
    bv_vec_free(&keys);
    bv_vec_free(&vals);
}

static jv jprimary(jp *p)
{
    jws(p);
    jv none = {"", "", 0, p->pos};
    if (p->pos >= p->len || ++p->depth > J_MAX_DEPTH) {
        p->bad = 1;
        return none;
    }
    size_t st = p->pos;
    char ch = p->s[st];
    jv r = none;
    if (ch == '"' || ch == '\'') {
        if (p->len - st >= 3 && ch == '"' && !memcmp(p->s + st, "\"\"\"", 3)) { /* text block */
            const char *e = strstr(p->s + st + 3, "\"\"\"");
            if (!e || (size_t)(e - p->s) >= p->len) p->bad = 1;
            else p->pos = (size_t)(e - p->s) + 3;
        } else {
            p->pos++;
            while (p->pos < p->len && p->s[p->pos] != ch && p->s[p->pos] != '\n')
                p->pos += p->s[p->pos] == '\\' ? 2 : 1;
            if (p->pos >= p->len || p->s[p->pos] != ch) p->bad = 1;
            else p->pos++;
        }
        size_t q = ch == '"' && p->pos - st >= 6 && !memcmp(p->s + st, "\"\"\"", 3) ? 3 : 1;
        r.nested = sub(p, st, p->pos);
        r.top = p->pos - st >= 2 * q ? sub(p, st + q, p->pos - q) : r.nested;
    } else if (ch == '(') {
        p->pos++;
        jv in = jexpr(p);
        if (!jeat(p, ")")) p->bad = 1;
        char *t = bfcl_printf(p->c->a, "(%s)", in.nested ? in.nested : "");
        /* a cast: (Type) operand */
        jws(p);
        if (!p->bad && p->pos < p->len && (jid((unsigned char)p->s[p->pos]) || p->s[p->pos] == '"' || p->s[p->pos] == '(') &&
            in.kind == 1) {
            jv operand = jprimary(p);
            t = cat2(p, t, operand.nested);
        }
        r.nested = r.top = t;
    } else if (jid((unsigned char)ch)) {
        while (p->pos < p->len && jid((unsigned char)p->s[p->pos])) p->pos++;
        /* number suffix/exponent/fraction */
        if (ch >= '0' && ch <= '9') {
            while (p->pos < p->len && (jid((unsigned char)p->s[p->pos]) || p->s[p->pos] == '.' ||
                                       ((p->s[p->pos] == '+' || p->s[p->pos] == '-') &&
                                        (p->s[p->pos - 1] == 'e' || p->s[p->pos - 1] == 'E'))))
                p->pos++;
            r = leaf(p, st, p->pos, 0);
        } else if (p->pos - st == 3 && !memcmp(p->s + st, "new", 3)) {
            char *type = jtype(p);
            if (jpeek(p, "[")) {
                while (jeat(p, "[")) {
                    jws(p);
                    if (!jpeek(p, "]")) (void)jexpr(p);
                    if (!jeat(p, "]")) p->bad = 1;
                }
                char *init = jpeek(p, "{") ? jinit(p) : "";
                r.nested = r.top = bfcl_printf(p->c->a, "new %s[]%s", type, init);
            } else if (jpeek(p, "(")) {
                p->pos++;
                char *args = "";
                int first = 1;
                while (!p->bad && !jeat(p, ")")) {
                    jv a = jexpr(p);
                    args = bfcl_printf(p->c->a, "%s%s%s", args, first ? "" : ", ", a.nested ? a.nested : "");
                    first = 0;
                    if (!jeat(p, ",") && !jpeek(p, ")")) p->bad = 1;
                }
                if (jpeek(p, "{")) skip_braces(p);
                r.nested = r.top = bfcl_printf(p->c->a, "new %s(%s)", type, args);
            } else p->bad = 1;
        } else {
            r = leaf(p, st, p->pos, 1);
        }
    } else if (ch == '{') {
        r.nested = r.top = jinit(p);
    } else {
        p->bad = 1;
    }
    r.start = st;
    /* postfix chain: .name, .name(args), (args), [i], .class, ++/-- */
    for (;;) {
        if (p->bad) break;
        if (jpeek(p, "::")) {
            p->pos += 2;
            jws(p);
            size_t a = p->pos;
            while (p->pos < p->len && jid((unsigned char)p->s[p->pos])) p->pos++;
            r.nested = r.top = bfcl_printf(p->c->a, "%s::%s", r.nested, sub(p, a, p->pos));
            r.kind = 0;
        } else if (jpeek(p, ".") && !(p->pos + 1 < p->len && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')) {
            size_t obj_end = p->pos;
            while (obj_end > st && strchr(" \t\r\n", p->s[obj_end - 1])) obj_end--;
            p->pos++;
            jws(p);
            if (jpeek(p, "<")) (void)jtype(p); /* explicit type arguments */
            jws(p);
            size_t a = p->pos;
            while (p->pos < p->len && jid((unsigned char)p->s[p->pos])) p->pos++;
            if (a == p->pos) {
                p->bad = 1;
                break;
            }
            char *name = sub(p, a, p->pos);
            if (!strcmp(name, "class")) {
                r.nested = r.top = cat2(p, r.nested, ".class");
                r.kind = 2;
            } else if (jpeek(p, "(")) {
                char *full = bfcl_printf(p->c->a, "%s.%s", sub(p, st, obj_end), name);
                jargs(p, st, full);
                r = leaf(p, st, p->pos, 0);
            } else {
                r.nested = r.top = bfcl_printf(p->c->a, "%s.%s", r.nested, name);
                r.kind = 0;
            }
        } else if (jpeek(p, "(") && r.kind == 1) {
            char *name = r.top;
            jargs(p, st, name);
            r = leaf(p, st, p->pos, 0);
        } else if (jpeek(p, "[")) {
            p->pos++;
            jv i = jexpr(p);
            if (!jeat(p, "]")) p->bad = 1;
            r.nested = r.top = bfcl_printf(p->c->a, "%s[%s]", r.nested, i.nested ? i.nested : "");
            r.kind = 0;
        } else if (jpeek(p, "++") || jpeek(p, "--")) {
            r.nested = r.top = cat2(p, r.nested, jpeek(p, "++") ? "++" : "--");
            p->pos += 2;
            r.kind = 0;
        } else break;
    }
    p->depth--;
    r.start = st;
    return r;
}

static jv junary(jp *p)
{
    static const char *const PRE[] = {"++", "--", "!", "~", "-", "+"};
    for (size_t i = 0; i < sizeof PRE / sizeof PRE[0]; i++)
        if (jpeek(p, PRE[i])) {
            p->pos += strlen(PRE[i]);
            if (++p->depth > J_MAX_DEPTH) {
                p->bad = 1;
                return (jv){"", "", 0, p->pos};
            }
            jv o = junary(p);
            p->depth--;
            char *t = cat2(p, PRE[i], o.nested);
            return (jv){t, t, 0, o.start};
        }
    return jprimary(p);
}

static jv jexpr(jp *p)
{
    static const char *const BIN[] = {">>>=", "<<=", ">>=", ">>>", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>",
                                      "->",   "+=",  "-=",  "*=",  "/=", "+",  "-",  "*",  "/",  "%",  "<",  ">",
                                      "&",    "|",   "^",   "?",   ":",  "instanceof"};
    if (++p->depth > J_MAX_DEPTH) {
        p->bad = 1;
        return (jv){"", "", 0, p->pos};
    }
    jv l = junary(p);
    for (;;) {
        if (p->bad) break;
        const char *op = NULL;
        for (size_t i = 0; i < sizeof BIN / sizeof BIN[0]; i++)
            if (jpeek(p, BIN[i])) {
                op = BIN[i];
                break;
            }
        if (!op) break;
        p->pos += strlen(op);
        jv r;
        if (!strcmp(op, "->") && jpeek(p, "{")) {
            size_t a = p->pos;
            skip_braces(p);
            r = leaf(p, a, p->pos, 0);
        } else r = junary(p);
        char *t = bfcl_printf(p->c->a, "%s%s%s", l.nested ? l.nested : "", op, r.nested ? r.nested : "");
        l = (jv){t, t, 0, l.start};
    }
    p->depth--;
    return l;
}

bv *bfcl_decode_java(bfcl_ctx *c, const char *s, size_t len, const char **why)
{
    *why = NULL;
    jp p = {.c = c, .s = s, .len = len};
    jws(&p);
    while (!p.bad && p.pos < p.len) {
        (void)jexpr(&p);
        jws(&p);
        if (p.pos < p.len && !jeat(&p, ";")) p.bad = 1;
        jws(&p);
    }
    if (p.bad) {
        *why = "Error parsing java the source code.";
        return NULL;
    }
    if (!p.have) return bv_dict(c->a, NULL, NULL, 0);
    if (!p.best) {
        *why = "Error: Multiple arguments with the same name are not supported.";
        return NULL;
    }
    return bv_list(c->a, BV_LIST, &p.best, 1);
}
