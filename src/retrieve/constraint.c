/* constraint.c — metadata filters over API documents ("params_m<10"). */
#include "retrieve/retrieve_internal.h"
#include "base/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int numeric;
} field_def;

static const field_def FIELDS[] = {
    {"params_m", 1}, {"top1", 1}, {"top5", 1}, {"accuracy", 1},
    {"dataset", 0}, {"domain", 0}, {"framework", 0}, {"api_name", 0}, {"functionality", 0}, {"api_call", 0},
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

/* Lower-cases and keeps only letters and digits: "Top-1 Acc" -> "top1acc". */
static void squash(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (isalnum((unsigned char)*s)) out[n++] = (char)tolower((unsigned char)*s);
    out[n] = '\0';
}

/* First decimal number in s (after `from`), 1 when found. */
static int first_number(const char *s, double *out)
{
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
            int neg = p > s && p[-1] == '-' && (p - 1 == s || !isalnum((unsigned char)p[-2]));
            char *end;
            errno = 0;
            double v = strtod(p, &end);
            if (end == p || errno) return 0;
            *out = neg ? -v : v;
            return 1;
        }
    }
    return 0;
}

static int value_number(const store_value *v, double *out)
{
    if (store_value_number(v, out)) return 1;
    const char *str = store_value_string(v, NULL);
    return str ? first_number(str, out) : 0;
}

/* Looks for a key (squashed) starting with `prefix` and not containing
 * "error" in an object, one level of nesting included. */
static int find_keyed_number(const store_value *obj, const char *prefix, double *out)
{
    if (store_value_kind(obj) != STORE_OBJECT) return 0;
    char sq[128];
    for (store_iter it = store_iter_begin(obj); it.value; store_iter_next(&it)) {
        squash(it.key, sq, sizeof sq);
        if (strncmp(sq, prefix, strlen(prefix)) == 0 && !strstr(sq, "error") && value_number(it.value, out))
            return 1;
    }
    for (store_iter it = store_iter_begin(obj); it.value; store_iter_next(&it))
        if (find_keyed_number(it.value, prefix, out)) return 1;
    return 0;
}

/* In free text, the number after a label: "Top-1: 77.3%", "top1 acc 71". */
static int find_labelled_number(const char *s, const char *label, double *out)
{
    char sq[4096];
    size_t n = 0;
    /* Map squashed positions back to the original text. */
    size_t pos[4096];
    for (size_t i = 0; s[i] && n + 1 < sizeof sq; i++) {
        if (isalnum((unsigned char)s[i])) {
            pos[n] = i;
            sq[n++] = (char)tolower((unsigned char)s[i]);
        }
    }
    sq[n] = '\0';
    const char *hit = strstr(sq, label);
    if (!hit) return 0;
    size_t at = pos[(size_t)(hit - sq) + strlen(label) - 1] + 1;
    return first_number(s + at, out);
}

int rt_doc_number(const store_value *doc, const char *field, double *out)
{
    const store_value *perf = store_value_get(doc, "performance");
    const store_value *acc = store_value_get(perf, "accuracy");
    const char *acc_text = store_value_string(acc, NULL);
    if (strcmp(field, "params_m") == 0) {
        if (find_keyed_number(perf, "params", out)) return 1;
        const char *desc = store_value_get_string(doc, "description");
        return desc ? find_labelled_number(desc, "paramsm", out) : 0;
    }
    if (strcmp(field, "top1") == 0 || strcmp(field, "top5") == 0) {
        if (find_keyed_number(acc, field, out)) return 1;
        if (find_keyed_number(perf, field, out)) return 1;
        if (acc_text && find_labelled_number(acc_text, field, out)) return 1;
        /* A lone accuracy figure is a top-1 figure. */
        if (strcmp(field, "top1") == 0 && (store_value_kind(acc) == STORE_NUMBER || acc_text)) {
            if (acc_text && strchr(acc_text, ',')) return 0;
            return value_number(acc, out);
        }
        return 0;
    }
    if (strcmp(field, "accuracy") == 0) {
        if (value_number(acc, out)) return 1;
        for (store_iter it = store_iter_begin(acc); it.value; store_iter_next(&it))
            if (value_number(it.value, out)) return 1;
        return 0;
    }
    return 0;
}

static void lower_in_place(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static int text_match(const rt_constraint *c, const char *value)
{
    char *low = strdup(value);
    if (!low) return 0;
    lower_in_place(low);
    int r;
    if (c->op == RT_OP_CONTAINS) r = strstr(low, c->text) != NULL;
    else if (c->op == RT_OP_EQ) r = strcmp(low, c->text) == 0;
    else r = strcmp(low, c->text) != 0; /* RT_OP_NE */
    free(low);
    return r;
}

/* Text values of a field: dataset may be a string, a list, or {name: ...}. */
static int text_test(const rt_constraint *c, const store_value *v)
{
    store_kind kind = store_value_kind(v);
    if (kind == STORE_STRING) return text_match(c, store_value_string(v, NULL));
    if (kind == STORE_ARRAY) {
        int any = 0;
        for (size_t i = 0, n = store_value_size(v); i < n; i++) {
            const store_value *x = store_value_at(v, i);
            store_kind xk = store_value_kind(x);
            if (xk != STORE_STRING && xk != STORE_OBJECT) continue;
            any = 1;
            int m = text_test(c, x);
            if (c->op == RT_OP_NE ? !m : m) return c->op == RT_OP_NE ? 0 : 1;
        }
        return any && c->op == RT_OP_NE;
    }
    if (kind == STORE_OBJECT) {
        const char *name = store_value_get_string(v, "name");
        if (name) return text_match(c, name);
    }
    return 0;
}

int rt_constraint_test(const rt_constraint *c, const store_value *doc)
{
    if (!doc) return 0;
    const char *fname = FIELDS[c->field].name;
    if (c->numeric) {
        double v;
        if (!rt_doc_number(doc, fname, &v)) return 0;
        switch (c->op) {
        case RT_OP_LT: return v < c->num;
        case RT_OP_LE: return v <= c->num;
        case RT_OP_GT: return v > c->num;
        case RT_OP_GE: return v >= c->num;
        case RT_OP_EQ: return v == c->num;
        case RT_OP_NE: return v != c->num;
        default: return 0;
        }
    }
    const store_value *v = strcmp(fname, "dataset") == 0 ? store_value_get(store_value_get(doc, "performance"), "dataset")
                                                         : store_value_get(doc, fname);
    return text_test(c, v);
}

void rt_constraint_free(rt_constraint *c)
{
    if (!c) return;
    free(c->text);
    c->text = NULL;
}

gorilla_status rt_constraint_parse(const char *expr, rt_constraint *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    if (!expr) return gorilla_fail(err, GORILLA_ERR_INVALID, "empty constraint");
    const char *p = expr;
    while (isspace((unsigned char)*p)) p++;
    const char *fs = p;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    size_t flen = (size_t)(p - fs);
    while (isspace((unsigned char)*p)) p++;
    rt_op op;
    size_t olen = 1;
    if (p[0] == '<' && p[1] == '=') op = RT_OP_LE, olen = 2;
    else if (p[0] == '>' && p[1] == '=') op = RT_OP_GE, olen = 2;
    else if (p[0] == '!' && p[1] == '=') op = RT_OP_NE, olen = 2;
    else if (p[0] == '=' && p[1] == '=') op = RT_OP_EQ, olen = 2;
    else if (p[0] == '<') op = RT_OP_LT;
    else if (p[0] == '>') op = RT_OP_GT;
    else if (p[0] == '=') op = RT_OP_EQ;
    else if (p[0] == '~') op = RT_OP_CONTAINS;
    else
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "constraint '%s': expected FIELD OP VALUE with OP one of < <= > >= = != ~", expr);
    if (flen == 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "constraint '%s': names no field", expr);
    int field = -1;
    for (size_t f = 0; f < N_FIELDS; f++)
        if (strlen(FIELDS[f].name) == flen && strncmp(FIELDS[f].name, fs, flen) == 0) field = (int)f;
    if (field < 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "constraint '%s': unknown field '%.*s' (known: params_m top1 top5 accuracy dataset "
                            "domain framework api_name functionality api_call)",
                            expr, (int)(flen > 64 ? 64 : flen), fs);
    p += olen;
    while (isspace((unsigned char)*p)) p++;
    size_t vlen = strlen(p);
    while (vlen && isspace((unsigned char)p[vlen - 1])) vlen--;
    if (vlen == 0) return gorilla_fail(err, GORILLA_ERR_INVALID, "constraint '%s': no value", expr);
    out->field = field;
    out->op = op;
    out->numeric = FIELDS[field].numeric;
    if (out->numeric) {
        if (op == RT_OP_CONTAINS)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "constraint '%s': ~ applies to text fields", expr);
        char buf[64];
        if (vlen >= sizeof buf)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "constraint '%s': malformed number", expr);
        memcpy(buf, p, vlen);
        buf[vlen] = '\0';
        size_t bl = vlen;
        if (bl && buf[bl - 1] == '%') buf[--bl] = '\0';
        char *end;
        errno = 0;
        double v = strtod(buf, &end);
        if (bl == 0 || *end || errno || !isfinite(v))
            return gorilla_fail(err, GORILLA_ERR_INVALID, "constraint '%s': malformed number '%s'", expr, buf);
        out->num = v;
    } else {
        if (op != RT_OP_EQ && op != RT_OP_NE && op != RT_OP_CONTAINS)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "constraint '%s': text fields take = != or ~", expr);
        out->text = strndup(p, vlen);
        if (!out->text) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        lower_in_place(out->text);
    }
    return GORILLA_OK;
}
