/* decode.c — model output to calls, as BFCL's decode_ast does.
 *
 * FC models: the result is a list of {"name": "<arguments as JSON text>"};
 * each becomes {name: json.loads(arguments)} (the handlers of models whose
 * results hold the arguments already decoded, {"name": {...}}, keep them). Prompting models: the result
 * is text, stripped of "`", newlines and spaces at both ends, wrapped in
 * [ ] when not already, then parsed as Python (decode_py.c), Java
 * (decode_java.c) or JavaScript (decode_js.c) call syntax. */
#include <string.h>

#include "bfcl/bfcl_internal.h"

bv *bfcl_decode_fc(bfcl_ctx *c, const bv *result, const char **why)
{
    *why = NULL;
    if (!result) {
        *why = "'NoneType' object is not iterable";
        return NULL;
    }
    if (result->kind == BV_STR) {
        if (result->u.str.len == 0) return bv_list(c->a, BV_LIST, NULL, 0);
        *why = "'str' object has no attribute 'keys'";
        return NULL;
    }
    if (result->kind == BV_DICT) {
        if (result->u.dict.n == 0) return bv_list(c->a, BV_LIST, NULL, 0);
        /* iterating a dict yields its keys: strings */
        *why = bfcl_printf(c->a, "'%s' object has no attribute 'keys'", bv_type_name(result->u.dict.keys[0]));
        return NULL;
    }
    if (result->kind != BV_LIST && result->kind != BV_TUPLE) {
        *why = bfcl_printf(c->a, "'%s' object is not iterable", bv_type_name(result));
        return NULL;
    }
    size_t n = result->u.list.n;
    bv_vec calls = {0};
    for (size_t i = 0; i < n; i++) {
        bv *item = result->u.list.items[i];
        if (item->kind != BV_DICT) {
            *why = bfcl_printf(c->a, "'%s' object has no attribute 'keys'", bv_type_name(item));
            goto bad;
        }
        if (item->u.dict.n == 0) {
            *why = "list index out of range";
            goto bad;
        }
        bv *name = item->u.dict.keys[0], *args = item->u.dict.vals[0];
        if (args->kind == BV_DICT) { /* handlers that store the arguments decoded (Claude, Gemini, local FC) */
            bv *call = bv_dict(c->a, &name, &args, 1);
            if (!call) {
                *why = "out of memory";
                goto bad;
            }
            bv_vec_push(&calls, call);
            continue;
        }
        if (args->kind != BV_STR) {
            *why = bfcl_printf(c->a, "the JSON object must be str, bytes or bytearray, not %s", bv_type_name(args));
            goto bad;
        }
        const char *msg;
        bv *params = bfcl_json_parse(c->a, args->u.str.s, args->u.str.len, &msg);
        if (!params) {
            *why = msg;
            goto bad;
        }
        bv *call = bv_dict(c->a, &name, &params, 1);
        if (!call) {
            *why = "out of memory";
            goto bad;
        }
        bv_vec_push(&calls, call);
    }
    if (calls.failed) {
        *why = "out of memory";
        goto bad;
    }
    bv *r = bv_list(c->a, BV_LIST, calls.v, calls.n);
    bv_vec_free(&calls);
    return r;
bad:
    bv_vec_free(&calls);
    return NULL;
}

bv *bfcl_decode_prompt(bfcl_ctx *c, const bv *text, bfcl_lang lang, const char **why)
{
    *why = NULL;
    if (!text || text->kind != BV_STR) {
        *why = bfcl_printf(c->a, "'%s' object has no attribute 'strip'", text ? bv_type_name(text) : "NoneType");
        return NULL;
    }
    const char *s = text->u.str.s;
    size_t len = text->u.str.len;
    bfcl_strip(&s, &len, "`\n ");
    int open = len && s[0] == '[', close = len && s[len - 1] == ']';
    bfcl_buf b = {0};
    if (!open) bfcl_buf_puts(&b, "[");
    bfcl_buf_put(&b, s, len);
    if (!close) bfcl_buf_puts(&b, "]");
    if (b.failed) {
        bfcl_buf_free(&b);
        *why = "out of memory";
        return NULL;
    }
    const char *w = b.s ? b.s : "";
    size_t wn = b.len;
    bv *r;
    if (lang == BFCL_LANG_JAVA) r = wn >= 2 ? bfcl_decode_java(c, w + 1, wn - 2, why) : NULL;
    else if (lang == BFCL_LANG_JS) r = wn >= 2 ? bfcl_decode_js(c, w + 1, wn - 2, why) : NULL;
    else r = bfcl_decode_python(c, w, wn, why);
    if (!r && !*why) *why = "decode failed";
    bfcl_buf_free(&b);
    return r;
}

int bfcl_is_call_list(const bv *d)
{
    if (!d || d->kind != BV_LIST) return 0;
    for (size_t i = 0; i < d->u.list.n; i++) {
        const bv *it = d->u.list.items[i];
        if (it->kind != BV_DICT || it->u.dict.n != 1 || it->u.dict.vals[0]->kind != BV_DICT) return 0;
    }
    return 1;
}

int bfcl_is_empty_output(const bv *d)
{
    if (!bfcl_is_call_list(d)) return 1;
    if (d->u.list.n == 0) return 1;
    if (d->u.list.n == 1 && d->u.list.items[0]->u.dict.n == 0) return 1;
    return 0;
}
