/* convert.c — BFCL's Java and JavaScript type converters.
 *
 * In the Java and JavaScript categories every argument is a string (source
 * text); BFCL turns it into a Python value by the parameter's declared type
 * with a handful of regular expressions, falling back to the string itself.
 * The same expressions are used here (PCRE2, whose syntax and matching
 * match Python's `re` for them: lazy quantifiers, `$` also before a final
 * newline, `.` not matching a newline unless DOTALL). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdlib.h>
#include <string.h>

#include "bfcl/bfcl_internal.h"

enum {
    RX_INT,        /* ^-?\d+$ */
    RX_J_FLOATF,   /* ^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$ */
    RX_J_DOUBLE,   /* ^-?\d+(\.\d+)?([eE][+-]?\d+)?$ */
    RX_J_LONG,     /* ^-?\d+[lL]$ */
    RX_J_ASLIST,   /* new ArrayList<T>(Arrays.asList(...)) */
    RX_J_ADDBLOCK, /* new ArrayList<T>() {{ ... }} */
    RX_J_ADD,      /* add(...) */
    RX_J_ALEMPTY,  /* new ArrayList<T>() */
    RX_J_ARRAY,    /* new T[]{...} */
    RX_J_HASHMAP,  /* new HashMap<..>() {{ ... }} */
    RX_J_PUT,      /* put("k", v) */
    RX_J_HMEMPTY,  /* new HashMap<..>() */
    RX_S_FLOAT,    /* ^-?\d+(\.\d+)?$ */
    RX_S_BIGINT,   /* ^-?\d+n$ */
    RX_S_2D,
    RX_S_INNER,    /* \[(.*?)\] */
    RX_S_1D,
    RX_S_DICT,     /* \{(.*?)\} */
    RX_S_PAIRS,
    RX_COUNT
};

static const struct {
    const char *re;
    uint32_t flags;
} PATTERNS[RX_COUNT] = {
    [RX_INT] = {"^-?\\d+$", 0},
    [RX_J_FLOATF] = {"^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?[fF]$", 0},
    [RX_J_DOUBLE] = {"^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$", 0},
    [RX_J_LONG] = {"^-?\\d+[lL]$", 0},
    [RX_J_ASLIST] = {"new\\s+ArrayList<\\w*>\\(Arrays\\.asList\\((.+?)\\)\\)", 0},
    [RX_J_ADDBLOCK] = {"new\\s+ArrayList<\\w*>\\(\\)\\s*\\{\\{\\s*(.+?)\\s*\\}\\}", PCRE2_DOTALL},
    [RX_J_ADD] = {"add\\((.+?)\\)", 0},
    [RX_J_ALEMPTY] = {"new\\s+ArrayList<\\w*>\\(\\)", 0},
    [RX_J_ARRAY] = {"new\\s+\\w+\\[\\]\\s*\\{(.*?)\\}", 0},
    [RX_J_HASHMAP] = {"new\\s+HashMap<.*?>\\s*\\(\\)\\s*\\{\\s*\\{?\\s*(.*?)\\s*\\}?\\s*\\}", PCRE2_DOTALL},
    [RX_J_PUT] = {"put\\(\\\"(.*?)\\\",\\s*(.*?)\\)", 0},
    [RX_J_HMEMPTY] = {"new\\s+HashMap<.*?>\\s*\\(\\)", 0},
    [RX_S_FLOAT] = {"^-?\\d+(\\.\\d+)?$", 0},
    [RX_S_BIGINT] = {"^-?\\d+n$", 0},
    [RX_S_2D] = {"\\[\\s*\\[.*?\\]\\s*(,\\s*\\[.*?\\]\\s*)*\\]|\\bnew\\s+Array\\(\\s*\\[.*?\\]\\s*(,\\s*\\[.*?\\]\\s*)*\\)",
                 0},
    [RX_S_INNER] = {"\\[(.*?)\\]", 0},
    [RX_S_1D] = {"\\[(.*?)\\]|\\bnew\\s+Array\\((.*?)\\)", 0},
    [RX_S_DICT] = {"\\{(.*?)\\}", 0},
    [RX_S_PAIRS] = {"([^:]+):\\s*(.*?)(?:,\\s*(?=[^,]+:)|$)", 0},
};

struct bfcl_regex {
    pcre2_code *re[RX_COUNT];
    pcre2_match_data *md;
    pcre2_match_context *mc;
};

bfcl_regex *bfcl_regex_new(void)
{
    bfcl_regex *rx = calloc(1, sizeof *rx);
    if (!rx) return NULL;
    for (int i = 0; i < RX_COUNT; i++) {
        int code;
        PCRE2_SIZE off;
        rx->re[i] = pcre2_compile((PCRE2_SPTR)PATTERNS[i].re, PCRE2_ZERO_TERMINATED, PATTERNS[i].flags, &code, &off,
                                  NULL);
        if (!rx->re[i]) {
            bfcl_regex_free(rx);
            return NULL;
        }
    }
    rx->md = pcre2_match_data_create(8, NULL);
    rx->mc = pcre2_match_context_create(NULL);
    if (!rx->md || !rx->mc) {
        bfcl_regex_free(rx);
        return NULL;
    }
    pcre2_set_match_limit(rx->mc, 1000000); /* backtracking bound on hostile input */
    return rx;
}

void bfcl_regex_free(bfcl_regex *rx)
{
    if (!rx) return;
    for (int i = 0; i < RX_COUNT; i++) pcre2_code_free(rx->re[i]);
    pcre2_match_data_free(rx->md);
    pcre2_match_context_free(rx->mc);
    free(rx);
}

typedef struct {
    size_t start, end;
    size_t g[3][2]; /* groups 1..3: [start, end), start SIZE_MAX when unset */
} rx_m;

/* re.search (anchored 0) or re.match (anchored 1) from `from`. */
static int rx_find(bfcl_ctx *c, int id, const char *s, size_t len, size_t from, int anchored, rx_m *m)
{
    int rc = pcre2_match(c->rx->re[id], (PCRE2_SPTR)s, len, from, anchored ? PCRE2_ANCHORED : 0, c->rx->md,
                         c->rx->mc);
    if (rc <= 0) return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->rx->md);
    m->start = ov[0];
    m->end = ov[1];
    for (int i = 0; i < 3; i++) {
        size_t gi = 2 * ((size_t)i + 1);
        if (i + 1 < rc && ov[gi] != PCRE2_UNSET) {
            m->g[i][0] = ov[gi];
            m->g[i][1] = ov[gi + 1];
        } else {
            m->g[i][0] = m->g[i][1] = (size_t)-1;
        }
    }
    return 1;
}

static int rx_is(bfcl_ctx *c, int id, const char *s, size_t len)
{
    rx_m m;
    return rx_find(c, id, s, len, 0, 1, &m);
}

static int grp_set(const rx_m *m, int g) { return m->g[g][0] != (size_t)-1; }

/* ---------------------------------------------------------------- Java */

int bfcl_java_type(const char *t, bv_kind *kind)
{
    static const struct {
        const char *name;
        bv_kind kind;
    } T[] = {{"byte", BV_INT},     {"short", BV_INT},      {"integer", BV_INT}, {"float", BV_FLOAT},
             {"double", BV_FLOAT}, {"long", BV_INT},       {"boolean", BV_BOOL}, {"char", BV_STR},
             {"Array", BV_LIST},   {"ArrayList", BV_LIST}, {"Set", BV_NONE},    {"HashMap", BV_DICT},
             {"Hashtable", BV_DICT}, {"Queue", BV_LIST},   {"Stack", BV_LIST},  {"String", BV_STR},
             {"any", BV_STR}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strcmp(T[i].name, t) == 0) {
            *kind = T[i].kind;
            return 1;
        }
    return 0;
}

/* Removes a final [fF]/[lL] (Python: re.sub(r"[fF]$", "", v)). */
static size_t drop_suffix(const char *s, size_t len, char lo)
{
    char up = (char)(lo - 32);
    if (len && (s[len - 1] == lo || s[len - 1] == up)) return len - 1;
    if (len >= 2 && s[len - 1] == '\n' && (s[len - 2] == lo || s[len - 2] == up)) {
        return len - 2; /* "$" before a final newline; the newline goes too (harmless for float()) */
    }
    return len;
}

static bv *py_int_or_str(bfcl_ctx *c, const char *s, size_t len)
{
    bv *v;
    if (bfcl_py_int(c->a, s, len, &v) == 0) return v;
    return bv_str(c->a, s, len);
}

/* parse_java_value: a value without a declared type. */
static bv *java_value(bfcl_ctx *c, const char *s, size_t len)
{
    if (len == 4 && memcmp(s, "true", 4) == 0) return bv_bool(c->a, 1);
    if (len == 5 && memcmp(s, "false", 5) == 0) return bv_bool(c->a, 0);
    if (len >= 1 && s[0] == '"' && s[len - 1] == '"') return bv_str(c->a, s + 1, len >= 2 ? len - 2 : 0);
    if (rx_is(c, RX_J_LONG, s, len)) return py_int_or_str(c, s, len - 1 - (s[len - 1] == '\n'));
    double d;
    if (rx_is(c, RX_J_FLOATF, s, len) && bfcl_py_float(s, drop_suffix(s, len, 'f'), &d) == 0) return bv_float(c->a, d);
    bv *v;
    if (bfcl_py_int(c->a, s, len, &v) == 0) return v;
    if (bfcl_py_float(s, len, &d) == 0) return bv_float(c->a, d);
    return bv_str(c->a, s, len);
}

/* An ArrayList element: char/String lose their first and last character,
 * other declared types go through the converter, no type: parse_java_value.
 * An Array element (as_array): the converter for any declared type. */
static bv *java_element(bfcl_ctx *c, const char *s, size_t len, const char *nested, int as_array)
{
    bfcl_strip(&s, &len, NULL);
    if (!as_array && nested && (strcmp(nested, "char") == 0 || strcmp(nested, "String") == 0))
        return bv_str(c->a, len >= 2 ? s + 1 : s, len >= 2 ? len - 2 : 0); /* element_str[1:-1] */
    if (nested) {
        bv *sv = bv_str(c->a, s, len);
        return sv ? bfcl_java_convert(c, sv, nested, NULL) : NULL;
    }
    return java_value(c, s, len);
}

/* Python's str.split(","), each piece an element; as_array drops pieces
 * that are empty after strip (parse_array's `if x.strip()`). */
static bv *split_list(bfcl_ctx *c, const char *s, size_t len, int as_array, const char *nested)
{
    bv_vec items = {0};
    size_t i = 0;
    for (;;) {
        const char *comma = memchr(s + i, ',', len - i);
        size_t end = comma ? (size_t)(comma - s) : len;
        const char *q = s + i;
        size_t qn = end - i;
        bfcl_strip(&q, &qn, NULL);
        if (!(as_array && qn == 0)) {
            bv *v = java_element(c, s + i, end - i, nested, as_array);
            if (!v) {
                bv_vec_free(&items);
                return NULL;
            }
            bv_vec_push(&items, v);
        }
        if (!comma) break;
        i = end + 1;
    }
    bv *r = items.failed ? NULL : bv_list(c->a, BV_LIST, items.v, items.n);
    bv_vec_free(&items);
    return r;
}

static bv *java_arraylist(bfcl_ctx *c, const bv *in, const char *nested)
{
    const char *s = in->u.str.s;
    size_t len = in->u.str.len;
    rx_m m;
    if (rx_find(c, RX_J_ASLIST, s, len, 0, 0, &m))
        return split_list(c, s + m.g[0][0], m.g[0][1] - m.g[0][0], 0, nested);
    if (rx_find(c, RX_J_ADDBLOCK, s, len, 0, 0, &m)) {
        const char *adds = s + m.g[0][0];
        size_t alen = m.g[0][1] - m.g[0][0], from = 0;
        bv_vec items = {0};
        rx_m a;
        while (from <= alen && rx_find(c, RX_J_ADD, adds, alen, from, 0, &a)) {
            bv *v = java_element(c, adds + a.g[0][0], a.g[0][1] - a.g[0][0], nested, 0);
            if (!v) {
                bv_vec_free(&items);
                return NULL;
            }
            bv_vec_push(&items, v);
            from = a.end > a.start ? a.end : a.end + 1;
        }
        bv *r = items.failed ? NULL : bv_list(c->a, BV_LIST, items.v, items.n);
        bv_vec_free(&items);
        return r;
    }
    if (rx_find(c, RX_J_ALEMPTY, s, len, 0, 0, &m)) return bv_list(c->a, BV_LIST, NULL, 0);
    return (bv *)in;
}

static bv *java_array(bfcl_ctx *c, const bv *in, const char *nested)
{
    rx_m m;
    if (!rx_find(c, RX_J_ARRAY, in->u.str.s, in->u.str.len, 0, 0, &m)) return (bv *)in;
    return split_list(c, in->u.str.s + m.g[0][0], m.g[0][1] - m.g[0][0], 1, nested);
}

static bv *java_hashmap(bfcl_ctx *c, const bv *in)
{
    const char *s = in->u.str.s;
    size_t len = in->u.str.len;
    rx_m m;
    if (rx_find(c, RX_J_HASHMAP, s, len, 0, 0, &m)) {
        const char *puts = s + m.g[0][0];
        size_t plen = m.g[0][1] - m.g[0][0], from = 0;
        bv_vec keys = {0}, vals = {0};
        const char *t = puts;
        size_t tn = plen;
        bfcl_strip(&t, &tn, NULL);
        rx_m p;
        while (tn && from <= plen && rx_find(c, RX_J_PUT, puts, plen, from, 0, &p)) {
            bv *k = bv_str(c->a, puts + p.g[0][0], p.g[0][1] - p.g[0][0]);
            const char *vs = puts + p.g[1][0];
            size_t vn = p.g[1][1] - p.g[1][0];
            bfcl_strip(&vs, &vn, NULL);
            bv *v = java_value(c, vs, vn);
            if (!k || !v) break;
            size_t at = keys.n;
            for (size_t i = 0; i < keys.n; i++)
                if (bv_eq(keys.v[i], k)) at = i;
            if (at < keys.n) vals.v[at] = v;
            else {
                bv_vec_push(&keys, k);
                bv_vec_push(&vals, v);
            }
            from = p.end > p.start ? p.end : p.end + 1;
        }
        bv *r = (keys.failed || vals.failed) ? NULL : bv_dict(c->a, keys.v, vals.v, keys.n);
        bv_vec_free(&keys);
        bv_vec_free(&vals);
        return r;
    }
    if (rx_find(c, RX_J_HMEMPTY, s, len, 0, 0, &m)) return bv_dict(c->a, NULL, NULL, 0);
    return (bv *)in;
}

bv *bfcl_java_convert(bfcl_ctx *c, const bv *value, const char *t, const char *nested)
{
    const char *s = value->u.str.s;
    size_t len = value->u.str.len;
    double d;
    if (!strcmp(t, "byte") || !strcmp(t, "short") || !strcmp(t, "integer"))
        return rx_is(c, RX_INT, s, len) ? py_int_or_str(c, s, len) : (bv *)value;
    if (!strcmp(t, "float"))
        return rx_is(c, RX_J_FLOATF, s, len) && bfcl_py_float(s, drop_suffix(s, len, 'f'), &d) == 0 ? bv_float(c->a, d)
                                                                                                    : (bv *)value;
    if (!strcmp(t, "double"))
        return rx_is(c, RX_J_DOUBLE, s, len) && bfcl_py_float(s, len, &d) == 0 ? bv_float(c->a, d) : (bv *)value;
    if (!strcmp(t, "long"))
        return rx_is(c, RX_J_LONG, s, len) ? py_int_or_str(c, s, drop_suffix(s, len, 'l')) : (bv *)value;
    if (!strcmp(t, "boolean")) {
        if (bv_is_str(value, "true")) return bv_bool(c->a, 1);
        if (bv_is_str(value, "false")) return bv_bool(c->a, 0);
        return (bv *)value;
    }
    if (!strcmp(t, "char") || !strcmp(t, "String") || !strcmp(t, "any")) return (bv *)value;
    if (!strcmp(t, "ArrayList")) return java_arraylist(c, value, nested);
    if (!strcmp(t, "Array")) return java_array(c, value, nested);
    if (!strcmp(t, "HashMap")) return java_hashmap(c, value);
    return NULL; /* Set, Hashtable, Queue, Stack: NotImplementedError in BFCL */
}

/* ---------------------------------------------------------------- JavaScript */

int bfcl_js_type(const char *t, bv_kind *kind)
{
    static const struct {
        const char *name;
        bv_kind kind;
    } T[] = {{"String", BV_STR},  {"integer", BV_INT}, {"float", BV_FLOAT}, {"Bigint", BV_INT},
             {"Boolean", BV_BOOL}, {"dict", BV_DICT},  {"array", BV_LIST},  {"any", BV_STR}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strcmp(T[i].name, t) == 0) {
            *kind = T[i].kind;
            return 1;
        }
    return 0;
}

static int quoted(const char *s, size_t len)
{
    return len >= 1 && ((s[0] == '"' && s[len - 1] == '"') || (s[0] == '\'' && s[len - 1] == '\''));
}

/* parse_js_value */
static bv *js_value(bfcl_ctx *c, const char *s, size_t len)
{
    bfcl_strip(&s, &len, NULL);
    if (len == 4 && memcmp(s, "true", 4) == 0) return bv_bool(c->a, 1);
    if (len == 5 && memcmp(s, "false", 5) == 0) return bv_bool(c->a, 0);
    if (quoted(s, len)) return bv_str(c->a, s + 1, len >= 2 ? len - 2 : 0);
    bv *v;
    if (bfcl_py_int(c->a, s, len, &v) == 0) return v;
    double d;
    if (bfcl_py_float(s, len, &d) == 0) return bv_float(c->a, d);
    return bv_str(c->a, s, len);
}

/* Python str.split(",") of s[0..len) into pieces (start, len) pairs. */
typedef struct {
    const char *s;
    size_t n;
} piece;

static size_t split_commas(const char *s, size_t len, piece *out, size_t max)
{
    size_t k = 0, i = 0;
    for (;;) {
        const char *comma = memchr(s + i, ',', len - i);
        size_t end = comma ? (size_t)(comma - s) : len;
        if (k < max) out[k] = (piece){s + i, end - i};
        k++;
        if (!comma) break;
        i = end + 1;
    }
    return k;
}

static bv *js_collection(bfcl_ctx *c, const bv *in, const char *type, const char *nested);

static bv *js_array(bfcl_ctx *c, const bv *in, const char *code, size_t len, const char *nested)
{
    rx_m m;
    if (rx_find(c, RX_S_2D, code, len, 0, 1, &m)) {
        const char *es = code + m.start;
        size_t elen = m.end - m.start, from = 0;
        bv_vec outer = {0};
        rx_m im;
        int idx = 0;
        while (from <= elen && rx_find(c, RX_S_INNER, es, elen, from, 0, &im)) {
            const char *is = es + im.g[0][0];
            size_t in_n = im.g[0][1] - im.g[0][0];
            bfcl_strip(&is, &in_n, NULL);
            if (idx == 0 && in_n && is[0] == '[') is++, in_n--;
            size_t np = split_commas(is, in_n, NULL, 0);
            piece *ps = calloc(np, sizeof *ps);
            bv **vals = calloc(np, sizeof *vals);
            if (!ps || !vals) {
                free(ps);
                free(vals);
                bv_vec_free(&outer);
                return NULL;
            }
            split_commas(is, in_n, ps, np);
            for (size_t k = 0; k < np; k++) vals[k] = js_value(c, ps[k].s, ps[k].n);
            bv_vec_push(&outer, bv_list(c->a, BV_LIST, vals, np));
            free(ps);
            free(vals);
            from = im.end > im.start ? im.end : im.end + 1;
            idx++;
        }
        bv *r = outer.failed ? NULL : bv_list(c->a, BV_LIST, outer.v, outer.n);
        bv_vec_free(&outer);
        return r;
    }
    if (!rx_find(c, RX_S_1D, code, len, 0, 1, &m)) return (bv *)in;
    int g = grp_set(&m, 0) ? 0 : grp_set(&m, 1) ? 1 : -1;
    if (g < 0) return bv_list(c->a, BV_LIST, NULL, 0);
    const char *es = code + m.g[g][0];
    size_t elen = m.g[g][1] - m.g[g][0];
    bfcl_strip(&es, &elen, NULL);
    if (!elen) return bv_list(c->a, BV_LIST, NULL, 0);
    size_t np = split_commas(es, elen, NULL, 0);
    piece *ps = calloc(np, sizeof *ps);
    bv **vals = calloc(np, sizeof *vals);
    if (!ps || !vals) {
        free(ps);
        free(vals);
        return NULL;
    }
    split_commas(es, elen, ps, np);
    bv *r = NULL;
    for (size_t k = 0; k < np; k++) {
        const char *e = ps[k].s;
        size_t en = ps[k].n;
        bfcl_strip(&e, &en, NULL);
        if (nested) {
            bv *ev = bv_str(c->a, e, en);
            bv_kind kind;
            if (!ev || !bfcl_js_type(nested, &kind)) goto out; /* ValueError: `except: return code` */
            int q = en && (e[0] == '\'' || e[0] == '"');
            vals[k] = bfcl_js_convert(c, ev, nested, q ? "String" : NULL);
            if (!vals[k]) goto out;
        } else {
            vals[k] = js_value(c, e, en);
        }
    }
    r = bv_list(c->a, BV_LIST, vals, np);
out:
    free(ps);
    free(vals);
    return r ? r : (bv *)in;
}

static bv *js_dict(bfcl_ctx *c, const bv *in, const char *code, size_t len)
{
    if (len == 2 && code[0] == '{' && code[1] == '}') return bv_dict(c->a, NULL, NULL, 0);
    rx_m m;
    if (!rx_find(c, RX_S_DICT, code, len, 0, 1, &m)) return (bv *)in;
    const char *content = code + m.g[0][0];
    size_t clen = m.g[0][1] - m.g[0][0], from = 0;
    bv_vec keys = {0}, vals = {0};
    rx_m p;
    while (from <= clen && rx_find(c, RX_S_PAIRS, content, clen, from, 0, &p)) {
        const char *ks = content + p.g[0][0];
        size_t kn = p.g[0][1] - p.g[0][0];
        bfcl_strip(&ks, &kn, NULL);
        bfcl_strip(&ks, &kn, "'\"");
        const char *vs = content + p.g[1][0];
        size_t vn = p.g[1][1] - p.g[1][0];
        bfcl_strip(&vs, &vn, NULL);
        bv *k = bv_str(c->a, ks, kn), *v;
        if (vn && vs[0] == '[' && vs[vn - 1] == ']') {
            bv *sv = bv_str(c->a, vs, vn);
            v = sv ? js_collection(c, sv, "array", NULL) : NULL;
        } else if (vn && vs[0] == '{' && vs[vn - 1] == '}') {
            bv *sv = bv_str(c->a, vs, vn);
            v = sv ? js_collection(c, sv, "dict", NULL) : NULL;
        } else {
            bfcl_strip(&vs, &vn, "'\"");
            v = js_value(c, vs, vn);
        }
        if (!k || !v) break;
        size_t at = keys.n;
        for (size_t i = 0; i < keys.n; i++)
            if (bv_eq(keys.v[i], k)) at = i;
        if (at < keys.n) vals.v[at] = v;
        else {
            bv_vec_push(&keys, k);
            bv_vec_push(&vals, v);
        }
        from = p.end > p.start ? p.end : p.end + 1;
    }
    bv *r = (keys.failed || vals.failed) ? NULL : bv_dict(c->a, keys.v, vals.v, keys.n);
    bv_vec_free(&keys);
    bv_vec_free(&vals);
    return r ? r : (bv *)in;
}

static bv *js_collection(bfcl_ctx *c, const bv *in, const char *type, const char *nested)
{
    const char *code = in->u.str.s;
    size_t len = in->u.str.len;
    bfcl_strip(&code, &len, NULL);
    bv *stripped = bv_str(c->a, code, len); /* `return code` returns the stripped text */
    if (!stripped) return NULL;
    if (!strcmp(type, "array")) return js_array(c, stripped, stripped->u.str.s, len, nested);
    return js_dict(c, stripped, stripped->u.str.s, len);
}

bv *bfcl_js_convert(bfcl_ctx *c, const bv *value, const char *t, const char *nested)
{
    const char *s = value->u.str.s;
    size_t len = value->u.str.len;
    double d;
    if (!strcmp(t, "String")) return quoted(s, len) ? bv_str(c->a, s + 1, len >= 2 ? len - 2 : 0) : (bv *)value;
    if (!strcmp(t, "integer")) return rx_is(c, RX_INT, s, len) ? py_int_or_str(c, s, len) : (bv *)value;
    if (!strcmp(t, "float"))
        return rx_is(c, RX_S_FLOAT, s, len) && bfcl_py_float(s, len, &d) == 0 ? bv_float(c->a, d) : (bv *)value;
    if (!strcmp(t, "Bigint")) {
        if (!rx_is(c, RX_S_BIGINT, s, len)) return (bv *)value;
        size_t n = len - (s[len - 1] == '\n' ? 1 : 0);
        return py_int_or_str(c, s, n - 1);
    }
    if (!strcmp(t, "Boolean")) {
        if (bv_is_str(value, "true")) return bv_bool(c->a, 1);
        if (bv_is_str(value, "false")) return bv_bool(c->a, 0);
        return (bv *)value;
    }
    if (!strcmp(t, "dict") || !strcmp(t, "array")) return js_collection(c, value, t, nested);
    if (!strcmp(t, "any")) return (bv *)value;
    return NULL;
}
