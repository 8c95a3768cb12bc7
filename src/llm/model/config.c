/* config.c — the hyperparameters from a GGUF file's llama.*, mpt.* or
 * falcon.* metadata (the keys llama.cpp reads),
 * every value range-checked. */
#include "llm/model/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define MAX_CTX (1 << 20)
#define MAX_LAYERS 4096

gorilla_status llm_meta_int(const gguf_file *f, const char *key, int required, int dflt, int lo, int hi, int *out,
                            gorilla_error *err)
{
    int64_t v;
    gorilla_status st = gguf_get_i64(f, key, &v, err);
    if (st == GORILLA_ERR_NOT_FOUND && !required) {
        *out = dflt;
        return GORILLA_OK;
    }
    if (st == GORILLA_ERR_NOT_FOUND)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required metadata key '%s'", gguf_name(f), key);
    if (st) return st;
    if (v < lo || v > hi)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' = %lld is out of range [%d, %d]",
                            gguf_name(f), key, (long long)v, lo, hi);
    *out = (int)v;
    return GORILLA_OK;
}

static gorilla_status get_float(const gguf_file *f, const char *key, float dflt, float *out, gorilla_error *err)
{
    gorilla_status st = gguf_get_f32(f, key, out, err);
    if (st == GORILLA_ERR_NOT_FOUND) {
        *out = dflt;
        return GORILLA_OK;
    }
    if (st) return st;
    if (!isfinite(*out))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is not finite", gguf_name(f), key);
    return GORILLA_OK;
}

/* "ARCH.key" in buf. */
static const char *key(char *buf, size_t cap, const char *arch, const char *k)
{
    snprintf(buf, cap, "%s.%s", arch, k);
    return buf;
}

gorilla_status llm_config_read(const gguf_file *f, const gorilla_model_opts *opts, llm_config *c,
                                  gorilla_error *err)
{
    gguf_str arch;
    gorilla_status st = gguf_get_str(f, "general.architecture", &arch, err);
    if (st == GORILLA_ERR_NOT_FOUND)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required metadata key 'general.architecture'",
                            gguf_name(f));
    if (st) return st;
    const char *a;
    if (gguf_str_eq(arch, "llama")) a = "llama", c->arch = LLM_ARCH_LLAMA;
    else if (gguf_str_eq(arch, "mpt")) a = "mpt", c->arch = LLM_ARCH_MPT;
    else if (gguf_str_eq(arch, "falcon")) a = "falcon", c->arch = LLM_ARCH_FALCON;
    else
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "%s: architecture '%.*s' is not supported (llama, mpt and falcon are)", gguf_name(f),
                            (int)(arch.len > 64 ? 64 : arch.len), arch.ptr);
    char k[96];
#define K(name) key(k, sizeof k, a, name)
    if ((st = llm_meta_int(f, K("embedding_length"), 1, 0, 1, 1 << 16, &c->n_embd, err))) return st;
    if ((st = llm_meta_int(f, K("block_count"), 1, 0, 1, MAX_LAYERS, &c->n_layer, err))) return st;
    if ((st = llm_meta_int(f, K("feed_forward_length"), 1, 0, 1, 1 << 20, &c->n_ff, err))) return st;
    if ((st = llm_meta_int(f, K("attention.head_count"), 1, 0, 1, 1 << 12, &c->n_head, err))) return st;
    if ((st = llm_meta_int(f, K("attention.head_count_kv"), 0, c->n_head, 1, c->n_head, &c->n_head_kv, err)))
        return st;
    if ((st = llm_meta_int(f, K("context_length"), 1, 0, 1, INT32_MAX, &c->n_ctx_train, err))) return st;
    if (c->n_embd % c->n_head)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: embedding length %d is not a multiple of head count %d",
                            gguf_name(f), c->n_embd, c->n_head);
    if (c->n_head % c->n_head_kv)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: head count %d is not a multiple of KV head count %d",
                            gguf_name(f), c->n_head, c->n_head_kv);
    c->head_dim = c->n_embd / c->n_head;
    c->kv_dim = c->head_dim * c->n_head_kv;
    c->rope = c->arch == LLM_ARCH_LLAMA ? LLM_ROPE_NORMAL : c->arch == LLM_ARCH_FALCON ? LLM_ROPE_NEOX : LLM_ROPE_NONE;
    c->n_rot = 0;
    if (c->rope != LLM_ROPE_NONE) {
        if ((st = llm_meta_int(f, K("rope.dimension_count"), 0, c->head_dim, 2, c->head_dim, &c->n_rot, err)))
            return st;
        if (c->n_rot % 2)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rope dimension count %d is odd", gguf_name(f),
                                c->n_rot);
    }
    if (c->arch == LLM_ARCH_LLAMA) {
        if ((st = get_float(f, K("attention.layer_norm_rms_epsilon"), 1e-5f, &c->rms_eps, err))) return st;
    } else {
        /* llama.cpp requires the LayerNorm epsilon of MPT and Falcon */
        if (gguf_get_f32(f, K("attention.layer_norm_epsilon"), &c->rms_eps, NULL) == GORILLA_ERR_NOT_FOUND)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required metadata key '%s'", gguf_name(f), k);
        if ((st = get_float(f, K("attention.layer_norm_epsilon"), 1e-5f, &c->rms_eps, err))) return st;
    }
    if ((st = get_float(f, K("rope.freq_base"), 10000.0f, &c->rope_base, err))) return st;
    if (c->rms_eps < 0 || c->rope_base <= 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: norm epsilon / rope base out of range", gguf_name(f));
    c->alibi_max = c->clamp_kqv = 0;
    if (c->arch == LLM_ARCH_MPT) {
        if (gguf_get_f32(f, K("attention.max_alibi_bias"), &c->alibi_max, NULL) == GORILLA_ERR_NOT_FOUND)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required metadata key '%s'", gguf_name(f), k);
        if ((st = get_float(f, K("attention.max_alibi_bias"), 0.0f, &c->alibi_max, err))) return st;
        if ((st = get_float(f, K("attention.clamp_kqv"), 0.0f, &c->clamp_kqv, err))) return st;
        if (c->alibi_max < 0 || c->clamp_kqv < 0)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: max_alibi_bias / clamp_kqv is negative", gguf_name(f));
    }
    c->rope_scale = 1.0f;
    gguf_str stype;
    st = gguf_get_str(f, K("rope.scaling.type"), &stype, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st && !gguf_str_eq(stype, "none")) {
        if (!gguf_str_eq(stype, "linear"))
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: rope scaling type '%.*s' is not supported",
                                gguf_name(f), (int)(stype.len > 32 ? 32 : stype.len), stype.ptr);
        float factor;
        if ((st = get_float(f, K("rope.scaling.factor"), 1.0f, &factor, err))) return st;
        if (factor <= 0)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rope scaling factor %g is not positive", gguf_name(f),
                                (double)factor);
        c->rope_scale = 1.0f / factor;
    }
#undef K
    c->n_ctx = opts && opts->n_ctx > 0 ? opts->n_ctx : c->n_ctx_train;
    if (c->n_ctx > MAX_CTX)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: context length %d exceeds the limit %d (pass a smaller n_ctx)",
                            gguf_name(f), c->n_ctx, MAX_CTX);
    return GORILLA_OK;
}
