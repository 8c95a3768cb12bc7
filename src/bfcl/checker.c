/* checker.c — BFCL's AST checker rules, verdict for verdict.
 *
 * Learned from BFCL's public ast_checker.py (simple, multiple, parallel
 * "no order" checkers, type/string/list/dict checks), written again in C
 * over the Python-semantics values of value.h. Error messages and
 * error_type strings are BFCL's. */
#include <stdlib.h>
#include <string.h>

#include "bfcl/bfcl_internal.h"

/* ---------------------------------------------------------------- helpers */

static bv *msg_list(bfcl_ctx *c, const char *m)
{
    bv *s = bv_cstr(c->a, m ? m : "?");
    return bv_list(c->a, BV_LIST, &s, 1);
}

static bfcl_result fail_r(bfcl_ctx *c, const char *type, const char *m)
{
    bfcl_result r = {0, msg_list(c, m), type, 0};
    return r;
}

static bfcl_result ok_r(bfcl_ctx *c)
{
    bfcl_result r = {1, bv_list(c->a, BV_LIST, NULL, 0), NULL, 0};
    return r;
}

/* Items of a Python iterable the checker indexes: list/tuple items, a str's
 * characters (as one-character strings), a dict's keys. */
static size_t py_len(const bv *v)
{
    if (!v) return 0;
    switch (v->kind) {
    case BV_LIST:
    case BV_TUPLE: return v->u.list.n;
    case BV_DICT: return v->u.dict.n;
    case BV_STR: {
        size_t n = 0;
        for (size_t i = 0; i < v->u.str.len; i++)
            if (((unsigned char)v->u.str.s[i] & 0xc0) != 0x80) n++;
        return n;
    }
    default: return 0;
    }
}

static int py_iterable(const bv *v)
{
    return v && (v->kind == BV_LIST || v->kind == BV_TUPLE || v->kind == BV_DICT || v->kind == BV_STR);
}

static bv *py_item(bfcl_ctx *c, const bv *v, size_t i)
{
    switch (v->kind) {
    case BV_LIST:
    case BV_TUPLE: return v->u.list.items[i];
    case BV_DICT: return v->u.dict.keys[i];
    case BV_STR: {
        size_t k = 0;
        for (size_t b = 0; b < v->u.str.len; b++) {
            if (((unsigned char)v->u.str.s[b] & 0xc0) == 0x80) continue;
            if (k == i) {
                size_t e = b + 1;
                while (e < v->u.str.len && ((unsigned char)v->u.str.s[e] & 0xc0) == 0x80) e++;
                return bv_str(c->a, v->u.str.s + b, e - b);
            }
            k++;
        }
        return NULL;
    }
    default: return NULL;
    }
}

static const bv EMPTY_STR = {.kind = BV_STR, .u.str = {"", 0}};

/* get_possible_answer_type: the kind of the first answer that is not "". */
static int answer_kind(const bv *answers, bv_kind *kind)
{
    if (!answers || !py_iterable(answers)) return 0;
    if (answers->kind == BV_LIST || answers->kind == BV_TUPLE) {
        for (size_t i = 0; i < answers->u.list.n; i++)
            if (!bv_eq(answers->u.list.items[i], &EMPTY_STR)) {
                *kind = answers->u.list.items[i]->kind == BV_TUPLE ? BV_TUPLE : answers->u.list.items[i]->kind;
                return 1;
            }
        return 0;
    }
    if (answers->kind == BV_STR) {
        if (answers->u.str.len) {
            *kind = BV_STR;
            return 1;
        }
        return 0;
    }
    for (size_t i = 0; i < answers->u.dict.n; i++)
        if (!bv_eq(answers->u.dict.keys[i], &EMPTY_STR)) {
            *kind = answers->u.dict.keys[i]->kind;
            return 1;
        }
    return 0;
}

static const char *py_class(bv_kind k)
{
    switch (k) {
    case BV_INT: return "<class 'int'>";
    case BV_FLOAT: return "<class 'float'>";
    case BV_STR: return "<class 'str'>";
    case BV_BOOL: return "<class 'bool'>";
    case BV_LIST: return "<class 'list'>";
    case BV_TUPLE: return "<class 'tuple'>";
    case BV_DICT: return "<class 'dict'>";
    default: return "<class 'NoneType'>";
    }
}

/* ---------------------------------------------------------------- types */

typedef struct {
    int valid;
    bv_vec errors; /* of str */
    const char *error_type;
    int is_variable;
} type_r;

static void add_err(bfcl_ctx *c, type_r *r, const char *m) { bv_vec_push(&r->errors, bv_cstr(c->a, m ? m : "?")); }

/* type_checker(param, value, possible_answer, expected_type_description,
 * expected_type_converted, nested_type_converted); has_nested 0 for None. */
static void type_check(bfcl_ctx *c, const char *param_repr, const bv *value, const bv *answers, const char *type_desc,
                       bv_kind expected, int has_nested, bv_kind nested, type_r *r)
{
    r->valid = 1;
    r->error_type = "type_error:simple";
    r->is_variable = 0;
    int is_variable = 0;
    bv_kind pa_kind;
    int has_pa = answer_kind(answers, &pa_kind);
    if (has_pa && pa_kind != expected) is_variable = 1;

    if (value->kind == expected) {
        if (!has_nested) {
            r->is_variable = is_variable;
            return;
        }
        size_t n = py_len(answers);
        for (size_t i = 0; i < n && py_iterable(answers); i++) {
            bv *item = py_item(c, answers, i);
            int flag = 1;
            if (item && item->kind == BV_LIST) {
                size_t vn = py_len(value);
                for (size_t j = 0; j < vn; j++) {
                    type_r sub = {0};
                    type_check(c, param_repr, py_item(c, value, j), item, py_class(nested), nested, 0, BV_NONE, &sub);
                    bv_vec_free(&sub.errors);
                    if (!sub.valid) {
                        flag = 0;
                        break;
                    }
                }
            }
            if (flag) {
                r->valid = 1;
                r->is_variable = is_variable;
                r->error_type = NULL;
                return;
            }
        }
        r->valid = 0;
        add_err(c, r,
                bfcl_printf(c->a,
                            "Nested type checking failed for parameter %s. Expected outer type %s with inner type %s. "
                            "Parameter value: %s.",
                            param_repr, type_desc, py_class(nested), bv_repr_a(c->a, value)));
        r->error_type = "type_error:nested";
    }
    if (has_pa && value->kind == pa_kind) {
        r->is_variable = 1;
        return;
    }
    r->valid = 0;
    add_err(c, r,
            bfcl_printf(c->a, "Incorrect type for parameter %s. Expected type %s, got %s. Parameter value: %s.",
                        param_repr, type_desc, bv_type_name(value), bv_repr_a(c->a, value)));
    r->error_type = "type_error:simple";
}

/* ---------------------------------------------------------------- values */

static bv *std_if_str(bfcl_ctx *c, bv *v) { return v && v->kind == BV_STR ? bfcl_standardize(c->a, v) : v; }

static bfcl_result string_check(bfcl_ctx *c, const char *param_repr, const bv *value, const bv *answers)
{
    bv *sv = bfcl_standardize(c->a, value);
    size_t n = py_len(answers);
    int found = 0;
    for (size_t i = 0; i < n && py_iterable(answers) && sv && !found; i++) {
        bv *item = py_item(c, answers, i);
        if (item && item->kind == BV_STR) {
            bv *si = bfcl_standardize(c->a, item);
            if (si && bv_eq(si, sv)) found = 1;
        }
    }
    if (found) return ok_r(c);
    bfcl_buf b = {0};
    bv_str_of(&b, answers);
    const char *m = bfcl_printf(c->a, "Invalid value for parameter %s: %s. Expected one of %s. Case insensitive.",
                                param_repr, bv_repr_a(c->a, value), b.s ? b.s : "");
    bfcl_buf_free(&b);
    return fail_r(c, "value_error:string", m);
}

static bfcl_result list_check(bfcl_ctx *c, const char *param_repr, const bv *value, const bv *answers)
{
    size_t vn = py_len(value);
    bv **sv = malloc((vn ? vn : 1) * sizeof *sv);
    if (!sv) return fail_r(c, "value_error:list/tuple", "out of memory");
    for (size_t i = 0; i < vn; i++) sv[i] = std_if_str(c, py_item(c, value, i));
    bv *smodel = bv_list(c->a, BV_LIST, sv, vn);
    free(sv);
    int found = 0;
    size_t n = py_len(answers);
    for (size_t i = 0; i < n && py_iterable(answers) && smodel && !found; i++) {
        bv *ans = py_item(c, answers, i);
        if (!ans || !py_iterable(ans)) continue; /* len() would raise in Python */
        size_t an = py_len(ans);
        bv **items = malloc((an ? an : 1) * sizeof *items);
        if (!items) break;
        for (size_t j = 0; j < an; j++) items[j] = std_if_str(c, py_item(c, ans, j));
        bv *sa = bv_list(c->a, BV_LIST, items, an);
        free(items);
        if (sa && bv_eq(sa, smodel)) found = 1;
    }
    if (found) return ok_r(c);
    bfcl_buf b = {0};
    bv_str_of(&b, answers);
    const char *m = bfcl_printf(c->a, "Invalid value for parameter %s: %s. Expected one of %s.", param_repr,
                                bv_repr_a(c->a, value), b.s ? b.s : "");
    bfcl_buf_free(&b);
    return fail_r(c, "value_error:list/tuple", m);
}

/* dict_checker(param, model_output, possible_answers) */
static bfcl_result dict_check(bfcl_ctx *c, const bv *model, const bv *answers)
{
    bfcl_result result = {0, bv_list(c->a, BV_LIST, NULL, 0), "dict_checker:unclear", 0};
    size_t n = py_len(answers);
    for (size_t i = 0; i < n && py_iterable(answers); i++) {
        bv *pa = py_item(c, answers, i);
        if (!pa || bv_eq(pa, &EMPTY_STR)) continue;
        result = (bfcl_result){0, bv_list(c->a, BV_LIST, NULL, 0), "dict_checker:unclear", 0};
        int flag = 1;
        if (model->kind != BV_DICT) break;
        for (size_t k = 0; k < model->u.dict.n; k++) {
            bv *key = model->u.dict.keys[k], *value = model->u.dict.vals[k];
            bv *allowed = pa->kind == BV_DICT ? bv_dict_get(pa, key) : NULL;
            if (!allowed) {
                bfcl_buf kb = {0};
                bv_str_of(&kb, key);
                result.error = msg_list(c, bfcl_printf(c->a, "Unexpected dict key parameter: '%s'.", kb.s ? kb.s : ""));
                bfcl_buf_free(&kb);
                result.error_type = "value_error:dict_key";
                flag = 0;
                break;
            }
            bv *sval = std_if_str(c, value);
            size_t an = py_len(allowed);
            bv **std = malloc((an ? an : 1) * sizeof *std);
            if (!std) break;
            int found = 0;
            for (size_t j = 0; j < an && py_iterable(allowed); j++) {
                std[j] = std_if_str(c, py_item(c, allowed, j));
                if (std[j] && sval && bv_eq(sval, std[j])) found = 1;
            }
            if (!py_iterable(allowed)) an = 0;
            if (!found) {
                bv *stdl = bv_list(c->a, BV_LIST, std, an);
                result.error = msg_list(c, bfcl_printf(c->a, "Invalid value for parameter %s: %s. Expected one of %s.",
                                                       bv_repr_a(c->a, key), bv_repr_a(c->a, value),
                                                       bv_repr_a(c->a, stdl)));
                result.error_type = "value_error:dict_value";
                flag = 0;
                free(std);
                break;
            }
            free(std);
        }
        if (pa->kind == BV_DICT) {
            for (size_t k = 0; k < pa->u.dict.n; k++) {
                bv *key = pa->u.dict.keys[k];
                if (!bv_dict_get(model, key) && !bv_in(&EMPTY_STR, pa->u.dict.vals[k])) {
                    bfcl_buf kb = {0};
                    bv_str_of(&kb, key);
                    bv *m = bv_cstr(c->a, bfcl_printf(c->a, "Missing dict key parameter: '%s'.", kb.s ? kb.s : ""));
                    bfcl_buf_free(&kb);
                    /* appended to the errors so far (Python appends to result["error"]) */
                    size_t en = result.error ? result.error->u.list.n : 0;
                    bv **items = malloc((en + 1) * sizeof *items);
                    if (!items) break;
                    for (size_t e = 0; e < en; e++) items[e] = result.error->u.list.items[e];
                    items[en] = m;
                    result.error = bv_list(c->a, BV_LIST, items, en + 1);
                    free(items);
                    result.error_type = "value_error:dict_key";
                    flag = 0;
                    break;
                }
            }
        }
        if (flag) return ok_r(c);
    }
    return result;
}

static bfcl_result list_dict_check(bfcl_ctx *c, const bv *model, const bv *answers)
{
    bfcl_result result = {0, bv_list(c->a, BV_LIST, NULL, 0), "list_dict_checker:unclear", 0};
    size_t n = py_len(answers);
    for (size_t ai = 0; ai < n && py_iterable(answers); ai++) {
        bv *pa = py_item(c, answers, ai);
        int flag = 1;
        if (!pa || py_len(model) != py_len(pa) || !py_iterable(pa)) {
            result = fail_r(c, "value_error:list_dict_count", "Wrong number of dictionaries in the list.");
            continue;
        }
        size_t mn = py_len(model);
        for (size_t d = 0; d < mn; d++) {
            bv *one = py_item(c, pa, d);
            bv *wrapped = bv_list(c->a, BV_LIST, &one, 1);
            bv *md = py_item(c, model, d);
            if (!md || md->kind != BV_DICT) { /* Python: AttributeError on .items() */
                result = fail_r(c, "value_error:dict_value", "List item is not a dict.");
                flag = 0;
                break;
            }
            result = dict_check(c, md, wrapped);
            if (!result.valid) {
                flag = 0;
                break;
            }
        }
        if (flag) return ok_r(c);
    }
    return result;
}

/* ---------------------------------------------------------------- functions */

static const bv *find_description(const bv *funcs, const bv *name)
{
    if (!funcs) return NULL;
    if (funcs->kind != BV_LIST) return funcs;
    for (size_t i = 0; i < funcs->u.list.n; i++) {
        bv *n = bv_dict_gets(funcs->u.list.items[i], "name");
        if (n && bv_eq(n, name)) return funcs->u.list.items[i];
    }
    return NULL;
}

static bv *convert_name(bfcl_ctx *c, const bv *name)
{
    if (!c->underscore || name->kind != BV_STR || !memchr(name->u.str.s, '.', name->u.str.len)) return (bv *)name;
    bv *r = bv_str(c->a, name->u.str.s, name->u.str.len);
    if (!r) return (bv *)name;
    char *s = (char *)r->u.str.s;
    for (size_t i = 0; i < r->u.str.len; i++)
        if (s[i] == '.') s[i] = '_';
    return r;
}

static const char *type_str(const bv *details)
{
    bv *t = bv_dict_gets(details, "type");
    return t && t->kind == BV_STR ? t->u.str.s : "";
}

static int python_type(const char *t, bv_kind *k)
{
    static const struct {
        const char *n;
        bv_kind k;
    } T[] = {{"string", BV_STR}, {"integer", BV_INT}, {"float", BV_FLOAT}, {"boolean", BV_BOOL},
             {"array", BV_LIST}, {"tuple", BV_LIST},  {"dict", BV_DICT},   {"any", BV_STR}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (!strcmp(T[i].n, t)) {
            *k = T[i].k;
            return 1;
        }
    return 0;
}

static bfcl_result simple_check(bfcl_ctx *c, const bv *desc, const bv *model_output, const bv *possible, bfcl_lang lang)
{
    if (!desc || desc->kind != BV_DICT) return fail_r(c, "simple_function_checker:unclear", "Function description not found.");
    const bv *pa = possible && possible->kind == BV_DICT && possible->u.dict.n ? possible->u.dict.vals[0] : NULL;
    bv *name = bv_dict_gets(desc, "name");
    bv *params = bv_dict_gets(desc, "parameters");
    bv *details = bv_dict_gets(params, "properties");
    bv *required = bv_dict_gets(params, "required");
    if (!name || name->kind != BV_STR) return fail_r(c, "simple_function_checker:unclear", "Function has no name.");
    bv *fname = convert_name(c, name);

    bv *model_params = model_output && model_output->kind == BV_DICT ? bv_dict_get(model_output, fname) : NULL;
    if (!model_params)
        return fail_r(c, "simple_function_checker:wrong_func_name",
                      bfcl_printf(c->a, "Function name %s not found in model output.", bv_repr_a(c->a, fname)));
    if (model_params->kind != BV_DICT)
        return fail_r(c, "simple_function_checker:unclear", "The arguments are not a dict.");

    if (required && (required->kind == BV_LIST || required->kind == BV_TUPLE))
        for (size_t i = 0; i < required->u.list.n; i++) {
            bv *p = required->u.list.items[i];
            if (!bv_dict_get(model_params, p))
                return fail_r(c, "simple_function_checker:missing_required",
                              bfcl_printf(c->a, "Missing required parameter: %s.", bv_repr_a(c->a, p)));
        }

    for (size_t i = 0; i < model_params->u.dict.n; i++) {
        bv *param = model_params->u.dict.keys[i];
        bv *value = model_params->u.dict.vals[i];
        const char *prepr = bv_repr_a(c->a, param);
        bv *pd = bv_dict_get(details, param);
        bv *answers = pa ? bv_dict_get(pa, param) : NULL;
        if (!pd || !answers)
            return fail_r(c, "simple_function_checker:unexpected_param",
                          bfcl_printf(c->a, "Unexpected parameter: %s.", prepr));
        const char *tdesc = type_str(pd);
        bv_kind expected = BV_STR, nested = BV_NONE;
        int has_nested = 0;
        bv *items = bv_dict_gets(pd, "items");
        const char *ntype = items ? type_str(items) : NULL;

        if (lang == BFCL_LANG_JAVA || lang == BFCL_LANG_JS) {
            int known = lang == BFCL_LANG_JAVA ? bfcl_java_type(tdesc, &expected) : bfcl_js_type(tdesc, &expected);
            if (!known)
                return fail_r(c, lang == BFCL_LANG_JAVA ? "type_error:java" : "type_error:js",
                              bfcl_printf(c->a, "Unsupported type: %s", tdesc));
            if (value->kind != BV_STR)
                return fail_r(c, lang == BFCL_LANG_JAVA ? "type_error:java" : "type_error:js",
                              bfcl_printf(c->a,
                                          "Incorrect type for parameter %s. Expected type String, got %s. Parameter "
                                          "value: %s.",
                                          prepr, bv_type_name(value), bv_repr_a(c->a, value)));
            int nested_list = !strcmp(tdesc, "Array") || !strcmp(tdesc, "ArrayList") || !strcmp(tdesc, "array");
            bv *conv;
            if (nested_list && ntype) {
                int nk = lang == BFCL_LANG_JAVA ? bfcl_java_type(ntype, &nested) : bfcl_js_type(ntype, &nested);
                if (!nk)
                    return fail_r(c, lang == BFCL_LANG_JAVA ? "type_error:java" : "type_error:js",
                                  bfcl_printf(c->a, "Unsupported type: %s", ntype));
                has_nested = 1;
                conv = lang == BFCL_LANG_JAVA ? bfcl_java_convert(c, value, tdesc, ntype)
                                              : bfcl_js_convert(c, value, tdesc, ntype);
            } else {
                conv = lang == BFCL_LANG_JAVA ? bfcl_java_convert(c, value, tdesc, NULL)
                                              : bfcl_js_convert(c, value, tdesc, NULL);
            }
            if (!conv)
                return fail_r(c, lang == BFCL_LANG_JAVA ? "type_error:java" : "type_error:js",
                              bfcl_printf(c->a, "%s conversion is not implemented", tdesc));
            value = conv;
        } else {
            if (!python_type(tdesc, &expected))
                return fail_r(c, "type_error:simple", bfcl_printf(c->a, "Unsupported type: %s", tdesc));
            if ((!strcmp(tdesc, "array") || !strcmp(tdesc, "tuple")) && ntype) {
                if (!python_type(ntype, &nested))
                    return fail_r(c, "type_error:simple", bfcl_printf(c->a, "Unsupported type: %s", ntype));
                has_nested = 1;
            }
        }
        if (!strcmp(tdesc, "tuple") && value->kind == BV_TUPLE)
            value = bv_list(c->a, BV_LIST, value->u.list.items, value->u.list.n);
        if (lang == BFCL_LANG_PYTHON && !strcmp(tdesc, "float") && value->kind == BV_INT)
            value = bv_float(c->a, value->u.in.big ? strtod(value->u.in.big, NULL) : (double)value->u.in.i);
        if (!value) return fail_r(c, "simple_function_checker:unclear", "out of memory");

        type_r tr = {0};
        type_check(c, prepr, value, answers, tdesc, expected, has_nested, nested, &tr);
        if (!tr.valid) {
            bfcl_result r = {0, bv_list(c->a, BV_LIST, tr.errors.v, tr.errors.n), tr.error_type, tr.is_variable};
            bv_vec_free(&tr.errors);
            return r;
        }
        bv_vec_free(&tr.errors);
        if (!tr.is_variable) {
            bfcl_result r;
            int handled = 1;
            if (expected == BV_DICT) r = dict_check(c, value, answers);
            else if (expected == BV_LIST && has_nested && nested == BV_DICT) r = list_dict_check(c, value, answers);
            else if (expected == BV_STR) r = string_check(c, prepr, value, answers);
            else if (expected == BV_LIST) r = list_check(c, prepr, value, answers);
            else handled = 0;
            if (handled) {
                if (!r.valid) return r;
                continue;
            }
        }
        if (!bv_in(value, answers)) {
            bfcl_buf b = {0};
            bv_str_of(&b, answers);
            const char *m = bfcl_printf(c->a, "Invalid value for parameter %s: %s. Expected one of %s.", prepr,
                                        bv_repr_a(c->a, value), b.s ? b.s : "");
            bfcl_buf_free(&b);
            return fail_r(c, "value_error:others", m);
        }
    }

    if (pa && pa->kind == BV_DICT)
        for (size_t i = 0; i < pa->u.dict.n; i++) {
            bv *param = pa->u.dict.keys[i];
            if (!bv_dict_get(model_params, param) && !bv_in(&EMPTY_STR, pa->u.dict.vals[i]))
                return fail_r(c, "simple_function_checker:missing_optional",
                              bfcl_printf(c->a, "Optional parameter %s not provided and not marked as optional.",
                                          bv_repr_a(c->a, param)));
        }
    bfcl_result r = {1, bv_list(c->a, BV_LIST, NULL, 0), "simple_function_checker:unclear", 0};
    return r;
}

static bv *first_key(const bv *d) { return d && d->kind == BV_DICT && d->u.dict.n ? d->u.dict.keys[0] : NULL; }

static bv *pair_dict(bfcl_ctx *c, const char *k, bv *v)
{
    bv *key = bv_cstr(c->a, k);
    return bv_dict(c->a, &key, &v, 1);
}

/* Maximum bipartite matching (Kuhn) of answers to outputs over ok[i*n+j]. */
static int augment(const unsigned char *ok, size_t n, size_t i, int *match_out, unsigned char *seen)
{
    for (size_t j = 0; j < n; j++) {
        if (!ok[i * n + j] || seen[j]) continue;
        seen[j] = 1;
        if (match_out[j] < 0 || augment(ok, n, (size_t)match_out[j], match_out, seen)) {
            match_out[j] = (int)i;
            return 1;
        }
    }
    return 0;
}

static bfcl_result parallel_check(bfcl_ctx *c, const bv *funcs, const bv *out, const bv *answers, bfcl_lang lang)
{
    size_t n = out->u.list.n;
    if (n != answers->u.list.n)
        return fail_r(c, "parallel_function_checker_no_order:wrong_count", "Wrong number of functions.");
    unsigned char *matched = calloc(n ? n : 1, 1);
    if (!matched) return fail_r(c, "parallel_function_checker_no_order:cannot_find_match", "out of memory");

    if (c->strict) { /* optimal assignment: a match exists iff one is found */
        size_t nn = n * n;
        unsigned char *ok = calloc(nn ? nn : 1, 1), *seen = calloc(n ? n : 1, 1);
        int *mo = malloc((n ? n : 1) * sizeof *mo);
        int good = ok && seen && mo;
        for (size_t i = 0; good && i < n; i++)
            for (size_t j = 0; j < n; j++) {
                const bv *desc = find_description(funcs, first_key(answers->u.list.items[i]));
                ok[i * n + j] = (unsigned char)simple_check(c, desc, out->u.list.items[j], answers->u.list.items[i], lang).valid;
            }
        size_t size = 0, first_bad = n;
        for (size_t j = 0; good && j < n; j++) mo[j] = -1;
        for (size_t i = 0; good && i < n; i++) {
            memset(seen, 0, n);
            if (augment(ok, n, i, mo, seen)) size++;
            else if (first_bad == n) first_bad = i;
        }
        free(ok);
        free(seen);
        free(mo);
        free(matched);
        if (good && size == n) return ok_r(c);
        return fail_r(c, "parallel_function_checker_no_order:cannot_find_match",
                      bfcl_printf(c->a, "No one-to-one matching of the model output to the possible answers (index %zu "
                                        "of possible answers has no partner).",
                                  first_bad));
    }

    for (size_t i = 0; i < n; i++) {
        bv *pa = answers->u.list.items[i];
        const bv *desc = find_description(funcs, first_key(pa));
        bv_vec errors = {0};
        bfcl_result r = {0};
        int found = 0;
        for (size_t j = 0; j < n; j++) {
            if (matched[j]) continue;
            r = simple_check(c, desc, out->u.list.items[j], pa, lang);
            if (r.valid) {
                matched[j] = 1;
                found = 1;
                break;
            }
            bv *keys[4], *vals[4];
            keys[0] = bv_cstr(c->a, "sub_error");
            vals[0] = r.error;
            keys[1] = bv_cstr(c->a, "sub_error_type");
            vals[1] = bv_cstr(c->a, r.error_type ? r.error_type : "");
            keys[2] = bv_cstr(c->a, "model_output_item");
            vals[2] = out->u.list.items[j];
            keys[3] = bv_cstr(c->a, "possible_answer_item");
            vals[3] = pa;
            bv *inner = bv_dict(c->a, keys, vals, 4);
            bv_vec_push(&errors, pair_dict(c, bfcl_printf(c->a, "Model Result Index %zu", j), inner));
        }
        if (!found) {
            bfcl_buf b = {0};
            bfcl_buf_puts(&b, "[");
            int first = 1;
            for (size_t j = 0; j < n; j++)
                if (!matched[j]) {
                    bfcl_buf_printf(&b, first ? "%zu" : ", %zu", j);
                    first = 0;
                }
            bfcl_buf_puts(&b, "]");
            bv *head = bv_cstr(c->a, bfcl_printf(c->a,
                                                 "Could not find a matching function among index %s of model output "
                                                 "for index %zu of possible answers.",
                                                 b.s ? b.s : "[]", i));
            bfcl_buf_free(&b);
            bv **all = malloc((errors.n + 1) * sizeof *all);
            bfcl_result fr = {0, NULL, "parallel_function_checker_no_order:cannot_find_match", 0};
            if (all) {
                all[0] = head;
                for (size_t e = 0; e < errors.n; e++) all[e + 1] = errors.v[e];
                fr.error = bv_list(c->a, BV_LIST, all, errors.n + 1);
                free(all);
            }
            bv_vec_free(&errors);
            free(matched);
            return fr;
        }
        bv_vec_free(&errors);
    }
    free(matched);
    return ok_r(c);
}

bfcl_result bfcl_ast_check(bfcl_ctx *c, const bv *functions, const bv *model_output, const bv *possible_answer,
                           bfcl_lang lang, const char *category)
{
    if (!possible_answer || possible_answer->kind != BV_LIST || !possible_answer->u.list.n)
        return fail_r(c, "ast_checker:no_possible_answer", "The entry has no possible answer.");
    if (strstr(category, "parallel")) return parallel_check(c, functions, model_output, possible_answer, lang);
    if (strstr(category, "multiple")) {
        if (model_output->u.list.n != possible_answer->u.list.n)
            return fail_r(c, "multiple_function_checker:wrong_count", "Wrong number of functions.");
        bv *pa = possible_answer->u.list.items[0];
        return simple_check(c, find_description(functions, first_key(pa)), model_output->u.list.items[0], pa, lang);
    }
    if (model_output->u.list.n != 1)
        return fail_r(c, "simple_function_checker:wrong_count", "Wrong number of functions.");
    const bv *desc = functions && functions->kind == BV_LIST ? (functions->u.list.n ? functions->u.list.items[0] : NULL)
                                                            : functions;
    return simple_check(c, desc, model_output->u.list.items[0], possible_answer->u.list.items[0], lang);
}
