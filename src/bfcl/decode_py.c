/* decode_py.c — prompting models' Python call text, decoded as BFCL does.
 *
 * BFCL parses "[f(a=1), m.g(b='x')]" with Python's ast (mode "eval") and
 * resolves each call: the name from its attribute chain, keyword arguments
 * only; constants as themselves, names as their text, -constant negated
 * (any unary operator negates), lists/dicts/tuples item by item, arithmetic
 * evaluated, a call without keywords as its unparsed text, a call with
 * keywords as a nested {name: {args}}, a subscript as its text; anything
 * else fails ("Unsupported AST type"). This is a small recursive-descent
 * parser for that expression subset with those rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bfcl/bfcl_internal.h"

typedef enum {
    N_CONST, N_ELLIPSIS, N_NAME, N_ATTR, N_CALL, N_LIST, N_TUPLE, N_DICT, N_SET, N_UNARY, N_BINOP, N_SUBSCRIPT,
    N_LAMBDA, N_SLICE, N_OTHER
} nkind;

typedef struct node node;
struct node {
    nkind kind;
    bv *value;          /* N_CONST */
    const char *text;   /* N_NAME id, N_ATTR attr, N_OTHER class name, op for N_UNARY/N_BINOP */
    node *a, *b;        /* ATTR/SUBSCRIPT value (a), slice (b); UNARY operand (a); BINOP l, r; CALL func (a); LAMBDA body (a) */
    node **items;       /* LIST/TUPLE/SET items, CALL positional args, DICT keys */
    node **vals;        /* DICT values, CALL keyword values */
    const char **names; /* CALL keyword names (NULL for **kw) */
    size_t n, nkw;
};

typedef struct {
    bfcl_ctx *c;
    const char *s;
    size_t len, pos;
    const char *err;
    int depth;
} pp;

#define PY_MAX_DEPTH 400 /* two per bracket level: about 200 levels, as CPython */

static node *mk(pp *p, nkind k)
{
    node *n = bfcl_alloc(p->c->a, sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->kind = k;
    }
    return n;
}

static void *perr(pp *p, const char *m)
{
    if (!p->err) {
        size_t line = 1;
        for (size_t i = 0; i < p->pos && i < p->len; i++)
            if (p->s[i] == '\n') line++;
        p->err = bfcl_printf(p->c->a, "%s (<unknown>, line %zu)", m, line);
    }
    return NULL;
}

/* A runtime error (no position suffix), as eval() raises. */
static void *rerr(pp *p, const char *m)
{
    if (!p->err) p->err = m ? m : "error";
    return NULL;
}

static void ws(pp *p)
{
    while (p->pos < p->len) {
        char ch = p->s[p->pos];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') p->pos++;
        else if (ch == '\\' && p->pos + 1 < p->len && p->s[p->pos + 1] == '\n') p->pos += 2;
        else if (ch == '#') {
            while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
        } else break;
    }
}

static int peek(pp *p, const char *t)
{
    ws(p);
    size_t n = strlen(t);
    return p->len - p->pos >= n && memcmp(p->s + p->pos, t, n) == 0;
}

static int eat(pp *p, const char *t)
{
    if (!peek(p, t)) return 0;
    p->pos += strlen(t);
    return 1;
}

static int id_start(unsigned char ch) { return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80; }
static int id_char(unsigned char ch) { return id_start(ch) || (ch >= '0' && ch <= '9'); }

static int is_keyword(const char *s, size_t n)
{
    static const char *const K[] = {"and", "or", "not", "in", "is", "if", "else", "for", "lambda", "await", "yield",
                                    "import", "from", "as", "with", "def", "class", "return", "pass", "del",
                                    "global", "nonlocal", "assert", "while", "try", "except", "finally", "raise",
                                    "break", "continue", "elif"};
    for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
        if (strlen(K[i]) == n && memcmp(K[i], s, n) == 0) return 1;
    return 0;
}

static node *parse_expr(pp *p);

/* ---------------------------------------------------------------- literals */

static void put_cp(bfcl_buf *b, unsigned long c)
{
    char o[4];
    size_t n;
    if (c < 0x80) o[0] = (char)c, n = 1;
    else if (c < 0x800) o[0] = (char)(0xc0 | (c >> 6)), o[1] = (char)(0x80 | (c & 0x3f)), n = 2;
    else if (c < 0x10000)
        o[0] = (char)(0xe0 | (c >> 12)), o[1] = (char)(0x80 | ((c >> 6) & 0x3f)), o[2] = (char)(0x80 | (c & 0x3f)), n = 3;
    else
        o[0] = (char)(0xf0 | (c >> 18)), o[1] = (char)(0x80 | ((c >> 12) & 0x3f)),
        o[2] = (char)(0x80 | ((c >> 6) & 0x3f)), o[3] = (char)(0x80 | (c & 0x3f)), n = 4;
    bfcl_buf_put(b, o, n);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* One string literal (prefix already read) into b; 0 ok. */
static int string_lit(pp *p, int raw, bfcl_buf *b)
{
    char q = p->s[p->pos];
    int triple = p->len - p->pos >= 3 && p->s[p->pos + 1] == q && p->s[p->pos + 2] == q;
    p->pos += triple ? 3 : 1;
    for (;;) {
        if (p->pos >= p->len) return perr(p, "unterminated string literal"), -1;
        char ch = p->s[p->pos];
        if (ch == q && (!triple || (p->len - p->pos >= 3 && p->s[p->pos + 1] == q && p->s[p->pos + 2] == q))) {
            p->pos += triple ? 3 : 1;
            return 0;
        }
        if (ch == '\n' && !triple) return perr(p, "unterminated string literal"), -1;
        if (ch != '\\') {
            bfcl_buf_put(b, &ch, 1);
            p->pos++;
            continue;
        }
        if (p->pos + 1 >= p->len) return perr(p, "unterminated string literal"), -1;
        char e = p->s[p->pos + 1];
        if (raw) {
            bfcl_buf_put(b, p->s + p->pos, 2);
            p->pos += 2;
            continue;
        }
        p->pos += 2;
        switch (e) {
        case '\n': break;
        case '\\': bfcl_buf_puts(b, "\\"); break;
        case '\'': bfcl_buf_puts(b, "'"); break;
        case '"': bfcl_buf_puts(b, "\""); break;
        case 'a': bfcl_buf_puts(b, "\a"); break;
        case 'b': bfcl_buf_puts(b, "\b"); break;
        case 'f': bfcl_buf_puts(b, "\f"); break;
        case 'n': bfcl_buf_puts(b, "\n"); break;
        case 'r': bfcl_buf_puts(b, "\r"); break;
        case 't': bfcl_buf_puts(b, "\t"); break;
        case 'v': bfcl_buf_puts(b, "\v"); break;
        case 'x':
        case 'u':
        case 'U': {
            int nd = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            unsigned long v = 0;
            for (int i = 0; i < nd; i++) {
                int h = p->pos < p->len ? hexval(p->s[p->pos]) : -1;
                if (h < 0) return perr(p, "(unicode error) truncated escape"), -1;
                v = v * 16 + (unsigned long)h;
                p->pos++;
            }
            if (v > 0x10ffff) return perr(p, "(unicode error) illegal Unicode character"), -1;
            put_cp(b, v);
            break;
        }
        case 'N': return perr(p, "(unicode error) \\N escapes are not supported"), -1;
        default:
            if (e >= '0' && e <= '7') {
                unsigned long v = (unsigned long)(e - '0');
                for (int i = 0; i < 2 && p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '7'; i++)
                    v = v * 8 + (unsigned long)(p->s[p->pos++] - '0');
                put_cp(b, v);
            } else {
                bfcl_buf_put(b, p->s + p->pos - 2, 2); /* unknown escape: kept */
            }
        }
    }
}

/* Adjacent string literals with their prefixes; at p->pos. */
static node *strings(pp *p)
{
    bfcl_buf b = {0};
    int fstr = 0, bytes = 0, any = 0;
    for (;;) {
        ws(p);
        size_t st = p->pos, k = st;
        int raw = 0, f = 0, by = 0;
        while (k < p->len && k - st < 2 && strchr("rRuUbBfF", p->s[k]) && p->s[k]) {
            char ch = p->s[k];
            if (ch == 'r' || ch == 'R') raw = 1;
            if (ch == 'f' || ch == 'F') f = 1;
            if (ch == 'b' || ch == 'B') by = 1;
            k++;
        }
        if (k >= p->len || (p->s[k] != '\'' && p->s[k] != '"')) {
            if (!any) return perr(p, "invalid syntax");
            break;
        }
        p->pos = k;
        if (string_lit(p, raw, &b) != 0) {
            bfcl_buf_free(&b);
            return NULL;
        }
        any = 1;
        fstr |= f;
        bytes |= by;
    }
    node *n;
    if (fstr) {
        n = mk(p, N_OTHER);
        if (n) n->text = "JoinedStr";
    } else if (bytes) {
        n = mk(p, N_OTHER);
        if (n) n->text = "bytes";
    } else {
        n = mk(p, N_CONST);
        if (n) n->value = bv_str(p->c->a, b.s ? b.s : "", b.len);
    }
    bfcl_buf_free(&b);
    return n;
}

static node *number(pp *p)
{
    size_t st = p->pos, i = st;
    char tmp[128];
    size_t n = 0;
    int is_float = 0;
    if (p->len - i >= 2 && p->s[i] == '0' && strchr("xXoObB", p->s[i + 1]) && p->s[i + 1]) {
        int base = (p->s[i + 1] == 'x' || p->s[i + 1] == 'X') ? 16 : (p->s[i + 1] == 'o' || p->s[i + 1] == 'O') ? 8 : 2;
        i += 2;
        unsigned long long v = 0;
        int digits = 0;
        while (i < p->len && (hexval(p->s[i]) >= 0 || p->s[i] == '_')) {
            if (p->s[i] != '_') {
                int h = hexval(p->s[i]);
                if (h >= base) return perr(p, "invalid digit in literal");
                v = v * (unsigned)base + (unsigned)h;
                digits++;
            }
            i++;
        }
        if (!digits) return perr(p, "invalid syntax");
        p->pos = i;
        node *r = mk(p, N_CONST);
        if (r) r->value = bv_int(p->c->a, (int64_t)v);
        return r;
    }
    while (i < p->len && ((p->s[i] >= '0' && p->s[i] <= '9') || p->s[i] == '_')) i++;
    if (i < p->len && p->s[i] == '.') {
        is_float = 1;
        i++;
        while (i < p->len && ((p->s[i] >= '0' && p->s[i] <= '9') || p->s[i] == '_')) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (p->s[j] == '+' || p->s[j] == '-')) j++;
        if (j < p->len && p->s[j] >= '0' && p->s[j] <= '9') {
            while (j < p->len && p->s[j] >= '0' && p->s[j] <= '9') j++;
            i = j;
            is_float = 1;
        }
    }
    if (i < p->len && (p->s[i] == 'j' || p->s[i] == 'J')) {
        p->pos = i + 1;
        node *r = mk(p, N_OTHER);
        if (r) r->text = "complex";
        return r;
    }
    for (size_t k = st; k < i && n < sizeof tmp - 1; k++)
        if (p->s[k] != '_') tmp[n++] = p->s[k];
    tmp[n] = 0;
    p->pos = i;
    if (i < p->len && id_char((unsigned char)p->s[i])) return perr(p, "invalid decimal literal");
    node *r = mk(p, N_CONST);
    if (!r) return NULL;
    r->value = is_float ? bv_float(p->c->a, strtod(tmp, NULL)) : bfcl_int_from_text(p->c->a, tmp, n);
    return r;
}

/* ---------------------------------------------------------------- expressions */

/* Comma-separated items until `close`; trailing comma allowed. *had_comma
 * tells a parenthesized tuple from a grouping. */
static int seq(pp *p, const char *close, bv_vec *out, int *had_comma)
{
    *had_comma = 0;
    if (eat(p, close)) return 0;
    for (;;) {
        if (eat(p, "*")) { /* starred: unsupported as a value */
            node *s = parse_expr(p);
            if (!s) return -1;
            node *st = mk(p, N_OTHER);
            if (!st) return -1;
            st->text = "Starred";
            bv_vec_push(out, (bv *)st);
        } else {
            node *e = parse_expr(p);
            if (!e) return -1;
            bv_vec_push(out, (bv *)e);
        }
        if (eat(p, close)) return 0;
        if (!eat(p, ",")) return perr(p, "invalid syntax. Perhaps you forgot a comma?"), -1;
        *had_comma = 1;
        if (eat(p, close)) return 0;
    }
}

static node **nodes_of(pp *p, bv_vec *v)
{
    if (!v->n) return NULL;
    node **a = bfcl_alloc(p->c->a, v->n * sizeof *a);
    if (a) memcpy(a, v->v, v->n * sizeof *a);
    return a;
}

static node *atom(pp *p)
{
    ws(p);
    if (p->pos >= p->len) return perr(p, "invalid syntax");
    char ch = p->s[p->pos];
    if (ch == '(' || ch == '[') {
        p->pos++;
        bv_vec items = {0};
        int comma;
        int rc = seq(p, ch == '(' ? ")" : "]", &items, &comma);
        node *n = NULL;
        if (rc == 0 && !items.failed) {
            if (ch == '(' && items.n == 1 && !comma) n = (node *)items.v[0];
            else {
                n = mk(p, ch == '(' ? N_TUPLE : N_LIST);
                if (n) {
                    n->items = nodes_of(p, &items);
                    n->n = items.n;
                }
            }
        }
        bv_vec_free(&items);
        return n;
    }
    if (ch == '{') {
        p->pos++;
        bv_vec keys = {0}, vals = {0};
        node *n = NULL;
        int is_set = -1;
        if (eat(p, "}")) is_set = 0;
        else
            for (;;) {
                node *k;
                if (eat(p, "**")) {
                    k = NULL;
                    is_set = 0;
                } else {
                    k = parse_expr(p);
                    if (!k) goto out;
                }
                if (k && eat(p, ":")) {
                    if (is_set == 1) {
                        perr(p, "invalid syntax");
                        goto out;
                    }
                    is_set = 0;
                } else if (k) {
                    if (is_set == 0) {
                        perr(p, "':' expected after dictionary key");
                        goto out;
                    }
                    is_set = 1;
                }
                if (is_set == 1) {
                    bv_vec_push(&keys, (bv *)k);
                } else {
                    node *v = parse_expr(p);
                    if (!v) goto out;
                    bv_vec_push(&keys, (bv *)k);
                    bv_vec_push(&vals, (bv *)v);
                }
                if (eat(p, "}")) break;
                if (!eat(p, ",")) {
                    perr(p, "'{' was never closed");
                    goto out;
                }
                if (eat(p, "}")) break;
            }
        if (keys.failed || vals.failed) goto out;
        n = mk(p, is_set == 1 ? N_SET : N_DICT);
        if (n) {
            n->items = nodes_of(p, &keys);
            n->vals = nodes_of(p, &vals);
            n->n = keys.n;
        }
    out:
        bv_vec_free(&keys);
        bv_vec_free(&vals);
        return n;
    }
    if ((ch >= '0' && ch <= '9') || (ch == '.' && p->pos + 1 < p->len && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9'))
        return number(p);
    if (ch == '\'' || ch == '"') return strings(p);
    if (p->len - p->pos >= 3 && memcmp(p->s + p->pos, "...", 3) == 0) {
        p->pos += 3;
        return mk(p, N_ELLIPSIS);
    }
    if (id_start((unsigned char)ch)) {
        size_t st = p->pos;
        while (p->pos < p->len && id_char((unsigned char)p->s[p->pos])) p->pos++;
        size_t n = p->pos - st;
        if (n <= 2 && p->pos < p->len && (p->s[p->pos] == '\'' || p->s[p->pos] == '"')) {
            int prefix = 1;
            for (size_t k = st; k < p->pos; k++)
                if (!strchr("rRuUbBfF", p->s[k])) prefix = 0;
            if (prefix) {
                p->pos = st;
                return strings(p);
            }
        }
        const char *w = p->s + st;
        node *r;
        int cst = (n == 4 && !memcmp(w, "True", 4)) ? 1 : (n == 5 && !memcmp(w, "False", 5)) ? 2
                  : (n == 4 && !memcmp(w, "None", 4))                                      ? 3
                                                                                           : 0;
        if (cst) {
            r = mk(p, N_CONST);
            if (r) r->value = cst == 3 ? bv_none(p->c->a) : bv_bool(p->c->a, cst == 1);
        } else if (n == 6 && !memcmp(w, "lambda", 6)) {
            /* lambda params: body */
            while (p->pos < p->len && p->s[p->pos] != ':') p->pos++;
            if (!eat(p, ":")) return perr(p, "invalid syntax");
            node *body = parse_expr(p);
            if (!body) return NULL;
            r = mk(p, N_LAMBDA);
            if (r) r->a = body;
        } else if (is_keyword(w, n)) return perr(p, "invalid syntax");
        else {
            r = mk(p, N_NAME);
            if (r) r->text = bfcl_strndup(p->c->a, w, n);
        }
        return r;
    }
    return perr(p, "invalid syntax");
}

/* A subscript item: an expression or a slice [lower]:[upper][:[step]]. */
static node *slice_item(pp *p)
{
    node *lo = NULL;
    if (!peek(p, ":")) {
        lo = parse_expr(p);
        if (!lo) return NULL;
        if (!peek(p, ":")) return lo;
    }
    node *sl = mk(p, N_SLICE);
    if (!sl) return NULL;
    sl->items = bfcl_alloc(p->c->a, 3 * sizeof *sl->items);
    if (!sl->items) return NULL;
    sl->items[0] = lo;
    sl->items[1] = sl->items[2] = NULL;
    sl->n = 2;
    for (int part = 1; part <= 2 && eat(p, ":"); part++) {
        if (part == 2) sl->n = 3;
        if (!peek(p, ":") && !peek(p, "]") && !peek(p, ",")) {
            sl->items[part] = parse_expr(p);
            if (!sl->items[part]) return NULL;
        }
    }
    return sl;
}

static node *postfix(pp *p)
{
    node *n = atom(p);
    while (n) {
        if (eat(p, ".")) {
            ws(p);
            size_t st = p->pos;
            while (p->pos < p->len && id_char((unsigned char)p->s[p->pos])) p->pos++;
            if (p->pos == st) return perr(p, "invalid syntax");
            node *a = mk(p, N_ATTR);
            if (!a) return NULL;
            a->a = n;
            a->text = bfcl_strndup(p->c->a, p->s + st, p->pos - st);
            n = a;
        } else if (peek(p, "(")) {
            p->pos++;
            bv_vec args = {0}, kwv = {0};
            const char **names = NULL;
            size_t nkw = 0, capkw = 0;
            node *call = NULL;
            if (!eat(p, ")"))
                for (;;) {
                    ws(p);
                    const char *kname = NULL;
                    int is_kw = 0;
                    size_t save = p->pos;
                    if (eat(p, "**")) is_kw = 1;
                    else if (p->pos < p->len && id_start((unsigned char)p->s[p->pos])) {
                        size_t st = p->pos;
                        while (p->pos < p->len && id_char((unsigned char)p->s[p->pos])) p->pos++;
                        size_t en = p->pos;
                        if (peek(p, "=") && !peek(p, "==")) {
                            p->pos++;
                            kname = bfcl_strndup(p->c->a, p->s + st, en - st);
                            is_kw = 1;
                        } else p->pos = save;
                    }
                    if (!is_kw && eat(p, "*")) { /* *args: positional, ignored */
                    }
                    node *v = parse_expr(p);
                    if (!v) goto done;
                    if (is_kw) {
                        if (nkw == capkw) {
                            capkw = capkw ? capkw * 2 : 8;
                            const char **nn = realloc(names, capkw * sizeof *nn);
                            if (!nn) goto done;
                            names = nn;
                        }
                        names[nkw++] = kname;
                        bv_vec_push(&kwv, (bv *)v);
                    } else {
                        if (nkw) {
                            perr(p, "positional argument follows keyword argument");
                            goto done;
                        }
                        bv_vec_push(&args, (bv *)v);
                    }
                    if (eat(p, ")")) break;
                    if (!eat(p, ",")) {
                        perr(p, "invalid syntax. Perhaps you forgot a comma?");
                        goto done;
                    }
                    if (eat(p, ")")) break;
                }
            if (args.failed || kwv.failed) goto done;
            call = mk(p, N_CALL);
            if (call) {
                call->a = n;
                call->items = nodes_of(p, &args);
                call->n = args.n;
                call->vals = nodes_of(p, &kwv);
                call->nkw = nkw;
                if (nkw) {
                    call->names = bfcl_alloc(p->c->a, nkw * sizeof *call->names);
                    if (call->names) memcpy(call->names, names, nkw * sizeof *names);
                }
            }
        done:
            bv_vec_free(&args);
            bv_vec_free(&kwv);
            free(names);
            n = call;
        } else if (peek(p, "[")) {
            p->pos++;
            bv_vec items = {0};
            int comma = 0;
            node *s = NULL;
            while (!p->err && !peek(p, "]")) {
                node *it = slice_item(p);
                if (!it) break;
                bv_vec_push(&items, (bv *)it);
                if (!eat(p, ",")) break;
                comma = 1;
            }
            if (!p->err && eat(p, "]") && !items.failed && items.n) {
                s = mk(p, N_SUBSCRIPT);
                if (s) {
                    s->a = n;
                    if (items.n == 1 && !comma) s->b = (node *)items.v[0];
                    else {
                        node *t = mk(p, N_TUPLE);
                        if (t) {
                            t->items = nodes_of(p, &items);
                            t->n = items.n;
                        }
                        s->b = t;
                    }
                }
            } else if (!p->err) perr(p, "invalid syntax");
            bv_vec_free(&items);
            n = s;
        } else break;
    }
    return n;
}

static node *unary(pp *p);

static node *power(pp *p)
{
    node *b = postfix(p);
    if (b && peek(p, "**")) {
        p->pos += 2;
        node *e = unary(p);
        if (!e) return NULL;
        node *n = mk(p, N_BINOP);
        if (!n) return NULL;
        n->text = "**";
        n->a = b;
        n->b = e;
        return n;
    }
    return b;
}

static node *unary(pp *p)
{
    if (++p->depth > PY_MAX_DEPTH) return perr(p, "too many nested parentheses");
    node *r;
    const char *op = NULL;
    ws(p);
    if (peek(p, "-")) op = "-";
    else if (peek(p, "+")) op = "+";
    else if (peek(p, "~")) op = "~";
    else if (peek(p, "not") && p->pos + 3 < p->len && !id_char((unsigned char)p->s[p->pos + 3])) op = "not";
    if (op) {
        p->pos += strlen(op);
        node *o = unary(p);
        r = o ? mk(p, N_UNARY) : NULL;
        if (r) {
            r->text = op;
            r->a = o;
        }
    } else r = power(p);
    p->depth--;
    return r;
}

static node *binary(pp *p, int level)
{
    static const char *const OPS[2][5] = {{"+", "-", NULL}, {"//", "*", "/", "%", "@"}};
    node *l = level == 1 ? unary(p) : binary(p, level + 1);
    while (l) {
        const char *op = NULL;
        ws(p);
        for (int i = 0; i < 5 && OPS[level][i]; i++)
            if (peek(p, OPS[level][i]) && !(OPS[level][i][0] == '*' && peek(p, "**"))) {
                op = OPS[level][i];
                break;
            }
        if (!op || peek(p, "->") || (op[0] == '/' && peek(p, "/=")) || peek(p, "+=") || peek(p, "-=")) break;
        p->pos += strlen(op);
        node *r = level == 1 ? unary(p) : binary(p, level + 1);
        if (!r) return NULL;
        node *n = mk(p, N_BINOP);
        if (!n) return NULL;
        n->text = op;
        n->a = l;
        n->b = r;
        l = n;
    }
    return l;
}

static node *parse_expr(pp *p)
{
    if (++p->depth > PY_MAX_DEPTH) return perr(p, "too many nested parentheses");
    node *n = binary(p, 0);
    p->depth--;
    if (!n) return NULL;
    /* comparisons, boolean operators, conditional expressions: parsed (so
     * the syntax is accepted) but unsupported as values, as in BFCL */
    static const char *const TAILS[][2] = {{"==", "Compare"}, {"!=", "Compare"}, {"<=", "Compare"},
                                           {">=", "Compare"}, {"<", "Compare"},  {">", "Compare"},
                                           {"and ", "BoolOp"}, {"or ", "BoolOp"}, {"if ", "IfExp"},
                                           {"in ", "Compare"}, {"is ", "Compare"}, {"|", "BinOp"},
                                           {"&", "BinOp"},   {"^", "BinOp"},    {"<<", "BinOp"},
                                           {">>", "BinOp"}};
    for (;;) {
        const char *cls = NULL;
        size_t tl = 0;
        for (size_t i = 0; i < sizeof TAILS / sizeof TAILS[0]; i++)
            if (peek(p, TAILS[i][0])) {
                cls = TAILS[i][1];
                tl = strlen(TAILS[i][0]);
                break;
            }
        if (!cls) break;
        p->pos += tl;
        if (!strcmp(cls, "IfExp")) {
            if (!parse_expr(p)) return NULL;
            if (!eat(p, "else")) return perr(p, "expected 'else' after 'if' expression");
        }
        if (!parse_expr(p)) return NULL;
        node *o = mk(p, N_OTHER);
        if (!o) return NULL;
        o->text = cls;
        n = o;
    }
    return n;
}

/* ---------------------------------------------------------------- unparse */

static void unparse(bfcl_buf *b, const node *n);

static void unparse_seq(bfcl_buf *b, node *const *items, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        if (i) bfcl_buf_puts(b, ", ");
        unparse(b, items[i]);
    }
}

static const char *class_name(const node *n)
{
    switch (n->kind) {
    case N_CONST:
    case N_ELLIPSIS: return "Constant";
    case N_NAME: return "Name";
    case N_ATTR: return "Attribute";
    case N_CALL: return "Call";
    case N_LIST: return "List";
    case N_TUPLE: return "Tuple";
    case N_DICT: return "Dict";
    case N_SET: return "Set";
    case N_UNARY: return "UnaryOp";
    case N_BINOP: return "BinOp";
    case N_SUBSCRIPT: return "Subscript";
    case N_LAMBDA: return "Lambda";
    case N_SLICE: return "Slice";
    default: return n->text ? n->text : "expr";
    }
}

/* Operator precedence as ast.unparse parenthesises by it. */
static int prec(const node *n)
{
    if (n->kind == N_BINOP) {
        if (!strcmp(n->text, "+") || !strcmp(n->text, "-")) return 1;
        if (!strcmp(n->text, "**")) return 4;
        return 2;
    }
    if (n->kind == N_UNARY) return strcmp(n->text, "not") == 0 ? 0 : 3;
    if (n->kind == N_OTHER || n->kind == N_LAMBDA) return -1;
    return 9;
}

static void unparse(bfcl_buf *b, const node *n)
{
    if (!n) return;
    switch (n->kind) {
    case N_CONST: bv_repr(b, n->value); break;
    case N_ELLIPSIS: bfcl_buf_puts(b, "..."); break;
    case N_NAME: bfcl_buf_puts(b, n->text); break;
    case N_ATTR:
        unparse(b, n->a);
        bfcl_buf_printf(b, ".%s", n->text);
        break;
    case N_CALL:
        unparse(b, n->a);
        bfcl_buf_puts(b, "(");
        unparse_seq(b, n->items, n->n);
        for (size_t i = 0; i < n->nkw; i++) {
            if (i || n->n) bfcl_buf_puts(b, ", ");
            if (n->names[i]) bfcl_buf_printf(b, "%s=", n->names[i]);
            else bfcl_buf_puts(b, "**");
            unparse(b, n->vals[i]);
        }
        bfcl_buf_puts(b, ")");
        break;
    case N_LIST:
        bfcl_buf_puts(b, "[");
        unparse_seq(b, n->items, n->n);
        bfcl_buf_puts(b, "]");
        break;
    case N_TUPLE:
        bfcl_buf_puts(b, "(");
        unparse_seq(b, n->items, n->n);
        if (n->n == 1) bfcl_buf_puts(b, ",");
        bfcl_buf_puts(b, ")");
        break;
    case N_SET:
        bfcl_buf_puts(b, "{");
        unparse_seq(b, n->items, n->n);
        bfcl_buf_puts(b, "}");
        break;
    case N_DICT:
        bfcl_buf_puts(b, "{");
        for (size_t i = 0; i < n->n; i++) {
            if (i) bfcl_buf_puts(b, ", ");
            if (n->items[i]) {
                unparse(b, n->items[i]);
                bfcl_buf_puts(b, ": ");
            } else bfcl_buf_puts(b, "**");
            unparse(b, n->vals[i]);
        }
        bfcl_buf_puts(b, "}");
        break;
    case N_UNARY: {
        bfcl_buf_puts(b, n->text);
        if (!strcmp(n->text, "not")) bfcl_buf_puts(b, " ");
        int paren = prec(n->a) < prec(n);
        if (paren) bfcl_buf_puts(b, "(");
        unparse(b, n->a);
        if (paren) bfcl_buf_puts(b, ")");
        break;
    }
    case N_BINOP: {
        int pw = !strcmp(n->text, "**");
        int pl = pw ? prec(n->a) <= prec(n) : prec(n->a) < prec(n);
        int pr = pw ? prec(n->b) < prec(n) : prec(n->b) <= prec(n);
        if (pl) bfcl_buf_puts(b, "(");
        unparse(b, n->a);
        if (pl) bfcl_buf_puts(b, ")");
        bfcl_buf_printf(b, " %s ", n->text);
        if (pr) bfcl_buf_puts(b, "(");
        unparse(b, n->b);
        if (pr) bfcl_buf_puts(b, ")");
        break;
    }
    case N_SUBSCRIPT:
        unparse(b, n->a);
        bfcl_buf_puts(b, "[");
        if (n->b && n->b->kind == N_TUPLE) unparse_seq(b, n->b->items, n->b->n);
        else unparse(b, n->b);
        bfcl_buf_puts(b, "]");
        break;
    case N_LAMBDA:
        bfcl_buf_puts(b, "lambda: ");
        unparse(b, n->a);
        break;
    case N_SLICE:
        unparse(b, n->items[0]);
        bfcl_buf_puts(b, ":");
        unparse(b, n->items[1]);
        if (n->n == 3 && n->items[2]) {
            bfcl_buf_puts(b, ":");
            unparse(b, n->items[2]);
        }
        break;
    default: bfcl_buf_puts(b, "..."); break;
    }
}

static bv *unparse_v(pp *p, const node *n)
{
    bfcl_buf b = {0};
    unparse(&b, n);
    bv *v = bv_str(p->c->a, b.s ? b.s : "", b.len);
    bfcl_buf_free(&b);
    return v;
}

/* ---------------------------------------------------------------- eval (BinOp) */

static bv *eval_node(pp *p, const node *n);

static int as_num(const bv *v, double *d, int *is_int, int64_t *i)
{
    if (v->kind == BV_BOOL) *i = v->u.b, *is_int = 1, *d = v->u.b;
    else if (v->kind == BV_INT && !v->u.in.big) *i = v->u.in.i, *is_int = 1, *d = (double)v->u.in.i;
    else if (v->kind == BV_FLOAT) *d = v->u.f, *is_int = 0;
    else return 0;
    return 1;
}

static bv *binop(pp *p, const char *op, const bv *l, const bv *r)
{
    bfcl_arena *a = p->c->a;
    double x, y;
    int li = 0, ri = 0;
    int64_t lx = 0, ry = 0;
    if (as_num(l, &x, &li, &lx) && as_num(r, &y, &ri, &ry)) {
        int ints = li && ri;
        if (!strcmp(op, "+")) return ints ? bv_int(a, lx + ry) : bv_float(a, x + y);
        if (!strcmp(op, "-")) return ints ? bv_int(a, lx - ry) : bv_float(a, x - y);
        if (!strcmp(op, "*")) return ints ? bv_int(a, lx * ry) : bv_float(a, x * y);
        if (!strcmp(op, "/")) {
            if (y == 0) return rerr(p, "division by zero");
            return bv_float(a, x / y);
        }
        if (!strcmp(op, "//") || !strcmp(op, "%")) {
            if (y == 0) return rerr(p, "integer division or modulo by zero");
            if (ints) {
                int64_t q = lx / ry, m = lx % ry;
                if (m != 0 && ((m < 0) != (ry < 0))) q--, m += ry;
                return bv_int(a, op[0] == '/' ? q : m);
            }
            double q = floor(x / y), m = x - q * y;
            return bv_float(a, op[0] == '/' ? q : m);
        }
        if (!strcmp(op, "**")) {
            if (ints && ry >= 0 && ry < 64) {
                int64_t v = 1;
                for (int64_t k = 0; k < ry; k++) v *= lx;
                return bv_int(a, v);
            }
            return bv_float(a, pow(x, y));
        }
    }
    if (!strcmp(op, "+") && l->kind == BV_STR && r->kind == BV_STR) {
        char *s = bfcl_alloc(a, l->u.str.len + r->u.str.len + 1);
        if (!s) return NULL;
        memcpy(s, l->u.str.s, l->u.str.len);
        memcpy(s + l->u.str.len, r->u.str.s, r->u.str.len);
        return bv_str(a, s, l->u.str.len + r->u.str.len);
    }
    if (!strcmp(op, "+") && l->kind == BV_LIST && r->kind == BV_LIST) {
        size_t n = l->u.list.n + r->u.list.n;
        bv **items = bfcl_alloc(a, (n ? n : 1) * sizeof *items);
        if (!items) return NULL;
        for (size_t i = 0; i < l->u.list.n; i++) items[i] = l->u.list.items[i];
        for (size_t i = 0; i < r->u.list.n; i++) items[l->u.list.n + i] = r->u.list.items[i];
        return bv_list(a, BV_LIST, items, n);
    }
    return rerr(p, bfcl_printf(a, "unsupported operand type(s) for %s: '%s' and '%s'", op, bv_type_name(l),
                               bv_type_name(r)));
}

static bv *eval_node(pp *p, const node *n)
{
    switch (n->kind) {
    case N_CONST: return n->value;
    case N_BINOP: {
        bv *l = eval_node(p, n->a);
        bv *r = l ? eval_node(p, n->b) : NULL;
        return r ? binop(p, n->text, l, r) : NULL;
    }
    case N_UNARY: {
        bv *v = eval_node(p, n->a);
        if (!v) return NULL;
        double d;
        int is_int;
        int64_t i;
        if (!strcmp(n->text, "not")) {
            int truth = v->kind == BV_NONE ? 0 : as_num(v, &d, &is_int, &i) ? d != 0 : 1;
            return bv_bool(p->c->a, !truth);
        }
        if (!as_num(v, &d, &is_int, &i))
            return rerr(p, bfcl_printf(p->c->a, "bad operand type for unary %s: '%s'", n->text, bv_type_name(v)));
        if (!strcmp(n->text, "+")) return is_int ? bv_int(p->c->a, i) : bv_float(p->c->a, d);
        if (!strcmp(n->text, "~")) {
            if (!is_int) return rerr(p, "bad operand type for unary ~: 'float'");
            return bv_int(p->c->a, ~i);
        }
        return is_int ? bv_int(p->c->a, -i) : bv_float(p->c->a, -d);
    }
    case N_LIST:
    case N_TUPLE: {
        bv **items = bfcl_alloc(p->c->a, (n->n ? n->n : 1) * sizeof *items);
        if (!items) return NULL;
        for (size_t i = 0; i < n->n; i++)
            if (!(items[i] = eval_node(p, n->items[i]))) return NULL;
        return bv_list(p->c->a, n->kind == N_LIST ? BV_LIST : BV_TUPLE, items, n->n);
    }
    case N_NAME: return rerr(p, bfcl_printf(p->c->a, "name '%s' is not defined", n->text));
    default: return rerr(p, bfcl_printf(p->c->a, "cannot evaluate a %s", class_name(n)));
    }
}

/* ---------------------------------------------------------------- resolve */

static bv *resolve_call(pp *p, const node *call);

static bv *resolve(pp *p, const node *n)
{
    if (!n) return rerr(p, "Unsupported AST type: <class 'NoneType'>");
    switch (n->kind) {
    case N_CONST: return n->value;
    case N_ELLIPSIS: return bv_cstr(p->c->a, "...");
    case N_UNARY: {
        /* BFCL: -value.operand.value, whatever the operator */
        if (n->a->kind == N_ELLIPSIS) return rerr(p, "bad operand type for unary -: 'ellipsis'");
        if (n->a->kind != N_CONST)
            return rerr(p, bfcl_printf(p->c->a, "'%s' object has no attribute 'value'", class_name(n->a)));
        bv *v = n->a->value;
        if (v->kind == BV_BOOL) return bv_int(p->c->a, -(int64_t)v->u.b);
        if (v->kind == BV_INT) {
            if (v->u.in.big) {
                bv *r = bv_int(p->c->a, 0);
                if (r) r->u.in.big = v->u.in.big[0] == '-' ? v->u.in.big + 1 : bfcl_printf(p->c->a, "-%s", v->u.in.big);
                return r;
            }
            return bv_int(p->c->a, -v->u.in.i);
        }
        if (v->kind == BV_FLOAT) return bv_float(p->c->a, -v->u.f);
        return rerr(p, bfcl_printf(p->c->a, "bad operand type for unary -: '%s'", bv_type_name(v)));
    }
    case N_LIST:
    case N_TUPLE: {
        bv **items = bfcl_alloc(p->c->a, (n->n ? n->n : 1) * sizeof *items);
        if (!items) return NULL;
        for (size_t i = 0; i < n->n; i++)
            if (!(items[i] = resolve(p, n->items[i]))) return NULL;
        return bv_list(p->c->a, n->kind == N_LIST ? BV_LIST : BV_TUPLE, items, n->n);
    }
    case N_DICT: {
        bv **ks = bfcl_alloc(p->c->a, (n->n ? n->n : 1) * sizeof *ks);
        bv **vs = bfcl_alloc(p->c->a, (n->n ? n->n : 1) * sizeof *vs);
        if (!ks || !vs) return NULL;
        size_t m = 0;
        for (size_t i = 0; i < n->n; i++) {
            bv *k = resolve(p, n->items[i]);
            bv *v = k ? resolve(p, n->vals[i]) : NULL;
            if (!v) return NULL;
            if (k->kind == BV_LIST || k->kind == BV_DICT) return rerr(p, "unhashable type");
            size_t at = m;
            for (size_t j = 0; j < m; j++)
                if (bv_eq(ks[j], k)) at = j;
            ks[at] = at == m ? k : ks[at];
            vs[at] = v;
            if (at == m) m++;
        }
        return bv_dict(p->c->a, ks, vs, m);
    }
    case N_BINOP: return eval_node(p, n);
    case N_NAME: return bv_cstr(p->c->a, n->text);
    case N_CALL: return n->nkw == 0 ? unparse_v(p, n) : resolve_call(p, n);
    case N_LAMBDA: return rerr(p, bfcl_printf(p->c->a, "'%s' object is not subscriptable", class_name(n->a)));
    case N_SUBSCRIPT: {
        bfcl_buf b = {0};
        unparse(&b, n);
        bv *v = bv_str(p->c->a, b.s ? b.s : "", b.len);
        bfcl_buf_free(&b);
        return v;
    }
    case N_OTHER:
        if (!strcmp(n->text, "complex") || !strcmp(n->text, "bytes"))
            return rerr(p, bfcl_printf(p->c->a, "Unsupported constant type: %s", n->text));
        return rerr(p, bfcl_printf(p->c->a, "Unsupported AST type: <class 'ast.%s'>", n->text));
    default: return rerr(p, bfcl_printf(p->c->a, "Unsupported AST type: <class 'ast.%s'>", class_name(n)));
    }
}

static bv *resolve_call(pp *p, const node *call)
{
    /* name: the attribute chain down to a Name */
    const node *f = call->a;
    const char *parts[64];
    size_t np = 0;
    while (f && f->kind == N_ATTR && np < 64) {
        parts[np++] = f->text;
        f = f->a;
    }
    if (f && f->kind == N_NAME && np < 64) parts[np++] = f->text;
    bfcl_buf b = {0};
    for (size_t i = np; i > 0; i--) {
        bfcl_buf_puts(&b, parts[i - 1]);
        if (i > 1) bfcl_buf_puts(&b, ".");
    }
    bv *name = bv_str(p->c->a, b.s ? b.s : "", b.len);
    bfcl_buf_free(&b);
    bv **ks = bfcl_alloc(p->c->a, (call->nkw ? call->nkw : 1) * sizeof *ks);
    bv **vs = bfcl_alloc(p->c->a, (call->nkw ? call->nkw : 1) * sizeof *vs);
    if (!name || !ks || !vs) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < call->nkw; i++) {
        bv *k = call->names[i] ? bv_cstr(p->c->a, call->names[i]) : bv_none(p->c->a);
        bv *v = resolve(p, call->vals[i]);
        if (!k || !v) return NULL;
        size_t at = m;
        for (size_t j = 0; j < m; j++)
            if (bv_eq(ks[j], k)) at = j;
        if (at == m) ks[m++] = k;
        vs[at] = v;
    }
    bv *args = bv_dict(p->c->a, ks, vs, m);
    return args ? bv_dict(p->c->a, &name, &args, 1) : NULL;
}

bv *bfcl_decode_python(bfcl_ctx *c, const char *s, size_t len, const char **why)
{
    *why = NULL;
    bfcl_strip(&s, &len, NULL);
    bfcl_strip(&s, &len, "'");
    pp p = {.c = c, .s = s, .len = len};
    node *body = parse_expr(&p);
    if (body) {
        ws(&p);
        if (p.pos < p.len) body = perr(&p, "invalid syntax");
    }
    if (!body) {
        *why = p.err ? p.err : "out of memory";
        return NULL;
    }
    bv_vec calls = {0};
    bv *r = NULL;
    if (body->kind == N_CALL) {
        bv *one = resolve_call(&p, body);
        if (one) r = bv_list(c->a, BV_LIST, &one, 1);
    } else if (body->kind == N_LIST || body->kind == N_TUPLE || body->kind == N_SET) {
        for (size_t i = 0; i < body->n; i++) {
            if (body->items[i]->kind != N_CALL) {
                p.err = "";
                break;
            }
            bv *one = resolve_call(&p, body->items[i]);
            if (!one) break;
            bv_vec_push(&calls, one);
        }
        if (!p.err && !calls.failed) r = bv_list(c->a, BV_LIST, calls.v, calls.n);
    } else {
        p.err = bfcl_printf(c->a, "'%s' object has no attribute 'elts'", class_name(body));
    }
    bv_vec_free(&calls);
    if (!r) *why = p.err ? p.err : "out of memory";
    return r;
}
