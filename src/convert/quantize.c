/* quantize.c — a GGUF file rewritten with its weights in another type.
 *
 * Every metadata key is copied in order (general.file_type,
 * general.quantization_version and general.alignment are rewritten);
 * every tensor keeps its name and shape, 2-D and larger ones take the new
 * type (cv_pick_type), 1-D ones F32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "convert/convert.h"
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"

static int skip_key(const char *k)
{
    return !strcmp(k, "general.file_type") || !strcmp(k, "general.quantization_version") ||
           !strcmp(k, "general.alignment");
}

static uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_u64(const uint8_t *p)
{
    return (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}

/* Copies one key; GORILLA_ERR_UNSUPPORTED for types the writer lacks. */
static gorilla_status copy_kv(gguf_writer *w, const gguf_file *f, const gguf_kv *kv, gorilla_error *err)
{
    int bad = 0;
    switch (kv->type) {
    case GGUF_T_UINT32: bad = gguf_writer_u32(w, kv->key, rd_u32(kv->data)); break;
    case GGUF_T_INT32: bad = gguf_writer_i32(w, kv->key, (int32_t)rd_u32(kv->data)); break;
    case GGUF_T_UINT64: bad = gguf_writer_u64(w, kv->key, rd_u64(kv->data)); break;
    case GGUF_T_BOOL: bad = gguf_writer_bool(w, kv->key, kv->data[0] != 0); break;
    case GGUF_T_FLOAT32: {
        float v;
        uint32_t u = rd_u32(kv->data);
        memcpy(&v, &u, 4);
        bad = gguf_writer_f32(w, kv->key, v);
        break;
    }
    case GGUF_T_STRING: {
        char *s = strndup(kv->str.ptr, (size_t)kv->str.len);
        if (!s) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        if (strlen(s) != kv->str.len) {
            free(s);
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: key '%s': a string with a NUL byte cannot be copied",
                                gguf_name(f), kv->key);
        }
        bad = gguf_writer_str(w, kv->key, s);
        free(s);
        break;
    }
    case GGUF_T_ARRAY:
        if (kv->arr_type == GGUF_T_STRING) {
            char **v = calloc(kv->arr_n ? (size_t)kv->arr_n : 1, sizeof *v);
            if (!v) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            gorilla_status st = GORILLA_OK;
            for (uint64_t i = 0; i < kv->arr_n && !st; i++) {
                gguf_str s = gguf_arr_str(kv, i);
                if (!(v[i] = strndup(s.ptr, (size_t)s.len))) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                else if (strlen(v[i]) != s.len)
                    st = gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                                      "%s: key '%s': element %llu has a NUL byte and cannot be copied", gguf_name(f),
                                      kv->key, (unsigned long long)i);
            }
            if (!st) bad = gguf_writer_arr_str(w, kv->key, (const char *const *)v, (size_t)kv->arr_n);
            for (uint64_t i = 0; i < kv->arr_n; i++) free(v[i]);
            free(v);
            if (st) return st;
        } else if (kv->arr_type == GGUF_T_FLOAT32 || kv->arr_type == GGUF_T_INT32) {
            size_t n = (size_t)kv->arr_n;
            void *v = malloc(n ? n * 4 : 1);
            if (!v) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            for (size_t i = 0; i < n; i++) {
                if (kv->arr_type == GGUF_T_FLOAT32) ((float *)v)[i] = gguf_arr_f32(kv, i);
                else ((int32_t *)v)[i] = gguf_arr_i32(kv, i);
            }
            bad = kv->arr_type == GGUF_T_FLOAT32 ? gguf_writer_arr_f32(w, kv->key, v, n)
                                                 : gguf_writer_arr_i32(w, kv->key, v, n);
            free(v);
        } else {
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: key '%s': arrays of %s cannot be copied yet",
                                gguf_name(f), kv->key, gguf_vtype_name(kv->arr_type));
        }
        break;
    default:
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: key '%s': values of type %s cannot be copied yet",
                            gguf_name(f), kv->key, gguf_vtype_name(kv->type));
    }
    return bad ? gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory") : GORILLA_OK;
}

gorilla_status gorilla_quantize(const char *in_path, const char *out_path, int type, gorilla_convert_info *info,
                                gorilla_error *err)
{
    if (type < 0 || !qtype_get((uint32_t)type))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unsupported output type %d", type);
    gguf_file *f = NULL;
    gorilla_status st = gguf_open(in_path, &f, err);
    if (st) return st;
    cv_plan p;
    if ((st = cv_plan_init(&p, in_path, err))) {
        gguf_close(f);
        return st;
    }
    for (size_t i = 0; i < gguf_n_kv(f) && !st; i++) {
        const gguf_kv *kv = gguf_kv_at(f, i);
        if (!skip_key(kv->key)) st = copy_kv(p.w, f, kv, err);
    }
    if (!st) {
        int bad = gguf_writer_u32(p.w, "general.file_type", cv_file_type((uint32_t)type));
        if (qtype_get((uint32_t)type)->block_size > 1) bad |= gguf_writer_u32(p.w, "general.quantization_version", 2);
        bad |= gguf_writer_alignment(p.w, 32);
        if (bad) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    uint64_t n_params = 0;
    for (size_t i = 0; i < gguf_n_tensors(f) && !st; i++) {
        const gguf_tensor *gt = gguf_tensor_at(f, i);
        cv_tensor t;
        memset(&t, 0, sizeof t);
        if (strlen(gt->name) >= sizeof t.name) {
            st = gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: tensor name '%.64s...' is too long", in_path, gt->name);
            break;
        }
        memcpy(t.name, gt->name, strlen(gt->name) + 1);
        t.n_dims = gt->n_dims;
        memcpy(t.ne, gt->ne, sizeof t.ne);
        t.kind = CV_SRC_QTYPE;
        t.qtype = gt->type;
        t.data = gt->data;
        t.type = (uint32_t)type;
        n_params += gt->n_elems;
        st = cv_plan_add(&p, &t, err);
    }
    if (!st) st = cv_plan_save(&p, out_path, err);
    if (!st && info) {
        memset(info, 0, sizeof *info);
        gguf_str arch;
        if (gguf_get_str(f, "general.architecture", &arch, NULL) == GORILLA_OK)
            snprintf(info->arch, sizeof info->arch, "%.*s", (int)(arch.len < 15 ? arch.len : 15), arch.ptr);
        snprintf(info->format, sizeof info->format, "gguf v%u", gguf_version(f));
        info->n_tensors = p.n;
        info->n_params = n_params;
        const gguf_kv *toks = gguf_find_kv(f, "tokenizer.ggml.tokens");
        if (toks && toks->type == GGUF_T_ARRAY) info->n_vocab = (size_t)toks->arr_n;
    }
    cv_plan_free(&p);
    gguf_close(f);
    return st;
}
