/* hf.c — Hugging Face checkpoints (config.json + safetensors + tokenizer)
 * to GGUF, with llama.cpp's tensor names and layouts:
 *  - LLaMA (LlamaForCausalLM, MistralForCausalLM; DeepSeek-Coder is a
 *    LLaMA): q_proj/k_proj rows permuted from HF's rotate-half order to
 *    GGUF's adjacent pairs (inside each head, row 2i+s <- row s*D/2+i).
 *  - MPT: the fused Wqkv kept as attn_qkv.
 *  - Falcon: the fused query_key_value regrouped from per-KV-group
 *    [q.. k v] blocks to [all q | all k | all v] ("jploski" layout).
 * Every tensor the architecture needs must be present with the shape
 * config.json implies; any other tensor is an error (nothing is silently
 * dropped), except rotary inv_freq buffers. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "convert/convert.h"
#include "convert/hf.h"
#include "convert/hf_vocab.h"
#include "convert/safetensors.h"
#include "llm/quant/quant.h"

/* ---- config.json -------------------------------------------------------- */

typedef struct {
    const json_t *root;
    const char *path;
    gorilla_error *err;
    gorilla_status st;
} cfg_reader;

/* The first key present among `keys` (NULL-terminated). */
static const json_t *cfg_find(const json_t *o, const char *const *keys, const char **which)
{
    for (; *keys; keys++) {
        const json_t *v = json_object_get(o, *keys);
        if (v && !json_is_null(v)) {
            if (which) *which = *keys;
            return v;
        }
    }
    return NULL;
}

/* A positive integer; `def` 0 means required. */
static uint64_t cfg_int(cfg_reader *r, const json_t *o, const char *const *keys, uint64_t def)
{
    if (r->st) return 0;
    const char *which = keys[0];
    const json_t *v = cfg_find(o, keys, &which);
    if (!v) {
        if (def) return def;
        r->st = gorilla_fail(r->err, GORILLA_ERR_INVALID, "%s: missing required key '%s'", r->path, keys[0]);
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > ((json_int_t)1 << 32)) {
        r->st = gorilla_fail(r->err, GORILLA_ERR_INVALID, "%s: '%s' is not a positive integer", r->path, which);
        return 0;
    }
    return (uint64_t)json_integer_value(v);
}

static double cfg_num(cfg_reader *r, const json_t *o, const char *const *keys, double def, int required)
{
    if (r->st) return 0;
    const char *which = keys[0];
    const json_t *v = cfg_find(o, keys, &which);
    if (!v) {
        if (required) r->st = gorilla_fail(r->err, GORILLA_ERR_INVALID, "%s: missing required key '%s'", r->path, keys[0]);
        return def;
    }
    if (!json_is_number(v)) {
        r->st = gorilla_fail(r->err, GORILLA_ERR_INVALID, "%s: '%s' is not a number", r->path, which);
        return 0;
    }
    return json_number_value(v);
}

static int cfg_bool(const json_t *o, const char *key, int def)
{
    const json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

gorilla_status hf_config_read(const char *path, const json_t *root, hf_config *c, gorilla_error *err)
{
    memset(c, 0, sizeof *c);
    if (!json_is_object(root)) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not a JSON object", path);
    const json_t *archs = json_object_get(root, "architectures");
    const char *a = json_string_value(json_array_get(archs, 0));
    const char *mt = json_string_value(json_object_get(root, "model_type"));
    if (!a && !mt) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required key 'architectures'", path);
    snprintf(c->hf_name, sizeof c->hf_name, "%s", a ? a : mt);
    if ((a && (!strcmp(a, "LlamaForCausalLM") || !strcmp(a, "MistralForCausalLM"))) ||
        (!a && (!strcmp(mt, "llama") || !strcmp(mt, "mistral"))))
        c->arch = HF_LLAMA;
    else if ((a && !strcmp(a, "MPTForCausalLM")) || (!a && !strcmp(mt, "mpt")))
        c->arch = HF_MPT;
    else if ((a && (!strcmp(a, "FalconForCausalLM") || !strcmp(a, "RWForCausalLM"))) ||
             (!a && (!strcmp(mt, "falcon") || !strcmp(mt, "RefinedWebModel") || !strcmp(mt, "RefinedWeb"))))
        c->arch = HF_FALCON;
    else
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "%s: architecture '%s' is not supported (LlamaForCausalLM, MistralForCausalLM, "
                            "MPTForCausalLM, FalconForCausalLM are)",
                            path, c->hf_name);
    cfg_reader r = {root, path, err, GORILLA_OK};
    if (c->arch == HF_LLAMA) {
        c->gguf_arch = "llama";
        c->n_embd = cfg_int(&r, root, KEYS("hidden_size"), 0);
        c->n_ff = cfg_int(&r, root, KEYS("intermediate_size"), 0);
        c->n_layer = cfg_int(&r, root, KEYS("num_hidden_layers"), 0);
        c->n_head = cfg_int(&r, root, KEYS("num_attention_heads"), 0);
        c->n_head_kv = cfg_int(&r, root, KEYS("num_key_value_heads"), c->n_head ? c->n_head : 1);
        c->n_vocab = cfg_int(&r, root, KEYS("vocab_size"), 0);
        c->n_ctx = cfg_int(&r, root, KEYS("max_position_embeddings"), 2048);
        c->eps = cfg_num(&r, root, KEYS("rms_norm_eps"), 1e-6, 0);
        c->rope_theta = cfg_num(&r, root, KEYS("rope_theta"), 10000.0, 0);
        c->tied = cfg_bool(root, "tie_word_embeddings", 0);
        if (r.st) return r.st;
        if (!c->n_head || !c->n_head_kv) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no heads", path);
        if (c->n_embd % c->n_head || (c->n_embd / c->n_head) % 2 || c->n_head % c->n_head_kv)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s: hidden_size %llu, num_attention_heads %llu, num_key_value_heads %llu: need an even "
                                "head size and heads a multiple of KV heads",
                                path, (unsigned long long)c->n_embd, (unsigned long long)c->n_head,
                                (unsigned long long)c->n_head_kv);
        c->head_dim = c->n_embd / c->n_head;
        const json_t *hd = json_object_get(root, "head_dim");
        if (json_is_integer(hd) && (uint64_t)json_integer_value(hd) != c->head_dim)
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: head_dim %lld differs from hidden_size / heads (%llu)",
                                path, (long long)json_integer_value(hd), (unsigned long long)c->head_dim);
        const json_t *rs = json_object_get(root, "rope_scaling");
        if (json_is_object(rs)) {
            const char *t = json_string_value(json_object_get(rs, "type"));
            if (!t) t = json_string_value(json_object_get(rs, "rope_type"));
            if (!t || strcmp(t, "linear") != 0)
                return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: rope_scaling type '%s' is not supported (linear is)",
                                    path, t ? t : "(none)");
            c->rope_linear = cfg_num(&r, rs, KEYS("factor"), 1.0, 1);
            if (r.st) return r.st;
            if (c->rope_linear <= 0)
                return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rope_scaling factor is not positive", path);
        }
    } else if (c->arch == HF_MPT) {
        c->gguf_arch = "mpt";
        c->n_embd = cfg_int(&r, root, KEYS("d_model"), 0);
        c->n_head = cfg_int(&r, root, KEYS("n_heads"), 0);
        c->n_layer = cfg_int(&r, root, KEYS("n_layers"), 0);
        c->n_vocab = cfg_int(&r, root, KEYS("vocab_size"), 0);
        c->n_ctx = cfg_int(&r, root, KEYS("max_seq_len"), 0);
        c->n_ff = c->n_embd * cfg_int(&r, root, KEYS("expansion_ratio"), 4);
        const json_t *ac = json_object_get(root, "attn_config");
        c->n_head_kv = json_is_object(ac) ? cfg_int(&r, ac, KEYS("kv_n_heads"), c->n_head ? c->n_head : 1) : c->n_head;
        c->alibi_max = 0;
        if (json_is_object(ac)) {
            if (cfg_bool(ac, "alibi", 0)) c->alibi_max = cfg_num(&r, ac, KEYS("alibi_bias_max"), 8.0, 0);
            const json_t *clip = json_object_get(ac, "clip_qkv");
            if (json_is_number(clip)) {
                c->has_clip = 1;
                c->clip_qkv = json_number_value(clip);
            }
        }
        c->eps = 1e-5;
        c->tied = 1;
        if (r.st) return r.st;
        if (!c->n_head || !c->n_head_kv) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no heads", path);
        if (c->n_embd % c->n_head || c->n_head % c->n_head_kv)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: d_model %llu is not a multiple of n_heads %llu", path,
                                (unsigned long long)c->n_embd, (unsigned long long)c->n_head);
        c->head_dim = c->n_embd / c->n_head;
    } else {
        c->gguf_arch = "falcon";
        c->n_embd = cfg_int(&r, root, KEYS("hidden_size"), 0);
        c->n_head = cfg_int(&r, root, KEYS("num_attention_heads", "n_head"), 0);
        c->n_layer = cfg_int(&r, root, KEYS("num_hidden_layers", "n_layer"), 0);
        c->n_vocab = cfg_int(&r, root, KEYS("vocab_size"), 0);
        c->n_head_kv = cfg_int(&r, root, KEYS("num_kv_heads", "n_head_kv"), 1);
        c->eps = cfg_num(&r, root, KEYS("layer_norm_epsilon"), 1e-5, 1);
        c->n_ctx = 2048; /* not in config.json; llama.cpp writes 2048 */
        c->n_ff = 4 * c->n_embd;
        c->falcon_new = cfg_bool(root, "new_decoder_architecture", 0);
        c->tied = 0;
        if (r.st) return r.st;
        if (!c->n_head || !c->n_head_kv) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no heads", path);
        if (c->n_embd % c->n_head || c->n_head % c->n_head_kv)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: hidden_size %llu is not a multiple of the heads %llu",
                                path, (unsigned long long)c->n_embd, (unsigned long long)c->n_head);
        c->head_dim = c->n_embd / c->n_head;
    }
    return GORILLA_OK;
}

/* ---- tensors -------------------------------------------------------------- */

typedef enum { MAP_NONE, MAP_ROPE_Q, MAP_ROPE_K, MAP_FALCON_QKV } map_kind;

typedef struct {
    char hf[128], gguf[96];
    uint64_t rows, cols; /* cols 0: a 1-D tensor of `rows` */
    map_kind map;
    int optional;
} tspec;

typedef struct {
    tspec *s;
    size_t n, cap;
} tspecs;

static int spec(tspecs *l, const char *hf, const char *gguf, uint64_t rows, uint64_t cols, map_kind map, int optional)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        tspec *s = realloc(l->s, cap * sizeof *s);
        if (!s) return -1;
        l->s = s;
        l->cap = cap;
    }
    tspec *t = &l->s[l->n++];
    snprintf(t->hf, sizeof t->hf, "%s", hf);
    snprintf(t->gguf, sizeof t->gguf, "%s", gguf);
    t->rows = rows;
    t->cols = cols;
    t->map = map;
    t->optional = optional;
    return 0;
}

/* A weight and its bias: "<hf>.weight" -> "<gguf>.weight"; bias 0: none,
 * 1: when present, 2: required. */
static int spec_wb(tspecs *l, const char *hf, const char *gguf, uint64_t rows, uint64_t cols, map_kind map, int bias)
{
    char a[160], b[120];
    snprintf(a, sizeof a, "%s.weight", hf);
    snprintf(b, sizeof b, "%s.weight", gguf);
    int bad = spec(l, a, b, rows, cols, map, 0);
    if (bias) {
        snprintf(a, sizeof a, "%s.bias", hf);
        snprintf(b, sizeof b, "%s.bias", gguf);
        bad |= spec(l, a, b, rows, 0, map, bias == 1);
    }
    return bad;
}

static int build_specs(const hf_config *c, int has_lm_head, tspecs *l)
{
    uint64_t E = c->n_embd, F = c->n_ff, V = c->n_vocab, D = c->head_dim, Q = c->n_head * D, KV = c->n_head_kv * D;
    int bad = 0;
    char h[128], g[96];
    if (c->arch == HF_LLAMA) {
        bad |= spec_wb(l, "model.embed_tokens", "token_embd", V, E, MAP_NONE, 0);
        bad |= spec_wb(l, "model.norm", "output_norm", E, 0, MAP_NONE, 0);
        if (!c->tied || has_lm_head) bad |= spec_wb(l, "lm_head", "output", V, E, MAP_NONE, 0);
        for (uint64_t i = 0; i < c->n_layer; i++) {
#define L(hf_, gg_, r_, c_, m_)                                                        \
    (snprintf(h, sizeof h, "model.layers.%llu.%s", (unsigned long long)i, hf_),        \
     snprintf(g, sizeof g, "blk.%llu.%s", (unsigned long long)i, gg_), bad |= spec_wb(l, h, g, r_, c_, m_, 0))
            L("input_layernorm", "attn_norm", E, 0, MAP_NONE);
            L("self_attn.q_proj", "attn_q", Q, E, MAP_ROPE_Q);
            L("self_attn.k_proj", "attn_k", KV, E, MAP_ROPE_K);
            L("self_attn.v_proj", "attn_v", KV, E, MAP_NONE);
            L("self_attn.o_proj", "attn_output", E, Q, MAP_NONE);
            L("post_attention_layernorm", "ffn_norm", E, 0, MAP_NONE);
            L("mlp.gate_proj", "ffn_gate", F, E, MAP_NONE);
            L("mlp.up_proj", "ffn_up", F, E, MAP_NONE);
            L("mlp.down_proj", "ffn_down", E, F, MAP_NONE);
#undef L
        }
    } else if (c->arch == HF_MPT) {
        bad |= spec_wb(l, "transformer.wte", "token_embd", V, E, MAP_NONE, 0);
        bad |= spec_wb(l, "transformer.norm_f", "output_norm", E, 0, MAP_NONE, 1);
        if (has_lm_head) bad |= spec_wb(l, "lm_head", "output", V, E, MAP_NONE, 0);
        for (uint64_t i = 0; i < c->n_layer; i++) {
#define L(hf_, gg_, r_, c_)                                                            \
    (snprintf(h, sizeof h, "transformer.blocks.%llu.%s", (unsigned long long)i, hf_),  \
     snprintf(g, sizeof g, "blk.%llu.%s", (unsigned long long)i, gg_), bad |= spec_wb(l, h, g, r_, c_, MAP_NONE, 1))
            L("norm_1", "attn_norm", E, 0);
            L("attn.Wqkv", "attn_qkv", Q + 2 * KV, E);
            L("attn.out_proj", "attn_output", E, Q);
            L("norm_2", "ffn_norm", E, 0);
            L("ffn.up_proj", "ffn_up", F, E);
            L("ffn.down_proj", "ffn_down", E, F);
#undef L
        }
    } else {
        bad |= spec_wb(l, "transformer.word_embeddings", "token_embd", V, E, MAP_NONE, 0);
        /* HF's Falcon LayerNorms always have a bias (llama.cpp requires it) */
        bad |= spec_wb(l, "transformer.ln_f", "output_norm", E, 0, MAP_NONE, 2);
        bad |= spec_wb(l, "lm_head", "output", V, E, MAP_NONE, 0);
        for (uint64_t i = 0; i < c->n_layer; i++) {
#define L(hf_, gg_, r_, c_, m_)                                                        \
    (snprintf(h, sizeof h, "transformer.h.%llu.%s", (unsigned long long)i, hf_),       \
     snprintf(g, sizeof g, "blk.%llu.%s", (unsigned long long)i, gg_), bad |= spec_wb(l, h, g, (r_), (c_), (m_), (c_) ? 1 : 2))
            if (c->falcon_new) {
                /* as llama.cpp's convert_hf_to_gguf maps them: attn_norm is
                 * the MLP's LayerNorm, attn_norm_2 the attention's */
                L("ln_mlp", "attn_norm", E, 0, MAP_NONE);
                L("ln_attn", "attn_norm_2", E, 0, MAP_NONE);
            } else {
                L("input_layernorm", "attn_norm", E, 0, MAP_NONE);
            }
            L("self_attention.query_key_value", "attn_qkv", Q + 2 * KV, E, MAP_FALCON_QKV);
            L("self_attention.dense", "attn_output", E, Q, MAP_NONE);
            L("mlp.dense_h_to_4h", "ffn_up", F, E, MAP_NONE);
            L("mlp.dense_4h_to_h", "ffn_down", E, F, MAP_NONE);
#undef L
        }
    }
    return bad;
}

/* Falcon's fused rows: per KV group g, q heads g*qpk.., then k, then v. */
static uint64_t *rowmap_falcon_qkv(uint64_t n_head, uint64_t n_head_kv, uint64_t D)
{
    uint64_t qpk = n_head / n_head_kv, rows = (n_head + 2 * n_head_kv) * D;
    uint64_t *m = malloc((size_t)rows * sizeof *m);
    if (!m) return NULL;
    for (uint64_t g = 0; g < n_head_kv; g++) {
        uint64_t base = g * (qpk + 2) * D;
        for (uint64_t j = 0; j < qpk; j++)
            for (uint64_t d = 0; d < D; d++) m[(g * qpk + j) * D + d] = base + j * D + d;
        for (uint64_t d = 0; d < D; d++) {
            m[n_head * D + g * D + d] = base + qpk * D + d;
            m[(n_head + n_head_kv) * D + g * D + d] = base + (qpk + 1) * D + d;
        }
    }
    return m;
}

static void shape_str(char *buf, size_t cap, const st_tensor *t)
{
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (uint32_t i = 0; i < t->n_dims && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%llu", i ? ", " : "", (unsigned long long)t->shape[i]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

static int ignorable(const char *name)
{
    size_t n = strlen(name);
    static const char *const suffixes[] = {"rotary_emb.inv_freq", "attn.masked_bias"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && !strcmp(name + n - k, suffixes[i])) return 1;
    }
    return 0;
}

static gorilla_status add_tensors(cv_plan *p, const hf_config *c, const st_set *s, const char *dir, int want,
                                  uint64_t *n_params, gorilla_error *err)
{
    tspecs l = {0};
    if (build_specs(c, st_find(s, "lm_head.weight") != NULL, &l)) {
        free(l.s);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    gorilla_status st = GORILLA_OK;
    char *used = calloc(st_count(s) ? st_count(s) : 1, 1);
    if (!used) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    *n_params = 0;
    for (size_t i = 0; i < l.n && !st; i++) {
        const tspec *sp = &l.s[i];
        const st_tensor *t = st_find(s, sp->hf);
        if (!t) {
            if (sp->optional) continue;
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing tensor '%s' (%s needs it)", dir, sp->hf, c->hf_name);
            break;
        }
        used[t - st_at(s, 0)] = 1;
        uint32_t nd = sp->cols ? 2 : 1;
        if (t->n_dims != nd || t->shape[0] != sp->rows || (nd == 2 && t->shape[1] != sp->cols)) {
            char got[96];
            shape_str(got, sizeof got, t);
            if (nd == 2)
                st = gorilla_fail(err, GORILLA_ERR_INVALID,
                                  "%s: tensor '%s' has shape %s, config.json implies [%llu, %llu]", t->file, sp->hf, got,
                                  (unsigned long long)sp->rows, (unsigned long long)sp->cols);
            else
                st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor '%s' has shape %s, config.json implies [%llu]",
                                  t->file, sp->hf, got, (unsigned long long)sp->rows);
            break;
        }
        cv_tensor o;
        memset(&o, 0, sizeof o);
        snprintf(o.name, sizeof o.name, "%s", sp->gguf);
        o.n_dims = nd;
        o.ne[0] = nd == 2 ? sp->cols : sp->rows;
        o.ne[1] = nd == 2 ? sp->rows : 1;
        o.kind = CV_SRC_QTYPE;
        o.qtype = t->qtype;
        o.data = t->data;
        o.type = want < 0 ? t->qtype : (uint32_t)want;
        if (sp->map == MAP_ROPE_Q) o.row_map = cv_rowmap_rope_permute(sp->rows, c->n_head);
        else if (sp->map == MAP_ROPE_K) o.row_map = cv_rowmap_rope_permute(sp->rows, c->n_head_kv);
        else if (sp->map == MAP_FALCON_QKV) o.row_map = rowmap_falcon_qkv(c->n_head, c->n_head_kv, c->head_dim);
        if (sp->map != MAP_NONE && !o.row_map) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        *n_params += t->n_elems;
        st = cv_plan_add(p, &o, err);
    }
    for (size_t i = 0; i < st_count(s) && !st; i++) {
        const st_tensor *t = st_at(s, i);
        if (!used[i] && !ignorable(t->name))
            st = gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: tensor '%s' is not part of %s as converted (unexpected)",
                              t->file, t->name, c->hf_name);
    }
    free(used);
    free(l.s);
    return st;
}

static gorilla_status write_meta(gguf_writer *w, const hf_config *c, const char *name, uint32_t weight_type,
                                 gorilla_error *err)
{
    const char *a = c->gguf_arch;
    char k[96];
    int bad = cv_meta_common(w, a, name, weight_type);
#define U32(key, v) (snprintf(k, sizeof k, "%s." key, a), bad |= gguf_writer_u32(w, k, (uint32_t)(v)))
#define F32(key, v) (snprintf(k, sizeof k, "%s." key, a), bad |= gguf_writer_f32(w, k, (float)(v)))
    if (c->arch == HF_FALCON) {
        snprintf(k, sizeof k, "%s.tensor_data_layout", a);
        bad |= gguf_writer_str(w, k, "jploski");
    }
    U32("vocab_size", c->n_vocab);
    U32("context_length", c->n_ctx);
    U32("embedding_length", c->n_embd);
    U32("block_count", c->n_layer);
    U32("feed_forward_length", c->n_ff);
    U32("attention.head_count", c->n_head);
    U32("attention.head_count_kv", c->n_head_kv);
    if (c->arch == HF_LLAMA) {
        F32("attention.layer_norm_rms_epsilon", c->eps);
        U32("rope.dimension_count", c->head_dim);
        F32("rope.freq_base", c->rope_theta);
        if (c->rope_linear > 0) {
            snprintf(k, sizeof k, "%s.rope.scaling.type", a);
            bad |= gguf_writer_str(w, k, "linear");
            F32("rope.scaling.factor", c->rope_linear);
        }
    } else {
        F32("attention.layer_norm_epsilon", c->eps);
    }
    if (c->arch == HF_MPT) {
        if (c->has_clip) F32("attention.clamp_kqv", c->clip_qkv);
        F32("attention.max_alibi_bias", c->alibi_max);
    }
#undef U32
#undef F32
    return bad ? gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory") : GORILLA_OK;
}

static const char *dir_base(const char *dir, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", dir);
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/') buf[--n] = 0;
    const char *s = strrchr(buf, '/');
    return s ? s + 1 : buf;
}

gorilla_status gorilla_convert_hf(const char *dir, const char *out_path, const gorilla_convert_opts *opts,
                                  gorilla_convert_info *info, gorilla_error *err)
{
    gorilla_convert_opts defaults;
    if (!opts) {
        gorilla_convert_opts_init(&defaults);
        opts = &defaults;
    }
    if (opts->type >= 0 && !qtype_get((uint32_t)opts->type))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unsupported output type %d", opts->type);
    size_t cap = strlen(dir) + sizeof "/config.json";
    char *cfg_path = malloc(cap);
    if (!cfg_path) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    snprintf(cfg_path, cap, "%s/config.json", dir);
    char *text = NULL;
    json_t *root = NULL;
    st_set *s = NULL;
    hf_vocab v;
    memset(&v, 0, sizeof v);
    cv_plan p = {0};
    hf_config c;
    size_t len;
    gorilla_status st = cv_read_text(cfg_path, (size_t)16 << 20, &text, &len, err);
    if (st) goto done;
    json_error_t je;
    if (!(root = json_loadb(text, len, 0, &je))) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", cfg_path, je.line, je.column, je.text);
        goto done;
    }
    if ((st = hf_config_read(cfg_path, root, &c, err))) goto done;
    if ((st = st_open_dir(dir, &s, err))) goto done;
    if ((st = hf_vocab_load(dir, c.gguf_arch, (size_t)c.n_vocab, root, opts->pre, &v, err))) goto done;
    if ((st = cv_plan_init(&p, dir, err))) goto done;
    /* the file type follows the largest tensor's type */
    const st_tensor *big = NULL;
    for (size_t i = 0; i < st_count(s); i++)
        if (!big || st_at(s, i)->n_elems > big->n_elems) big = st_at(s, i);
    uint32_t wt = opts->type >= 0 ? (uint32_t)opts->type : big ? big->qtype : QT_F32;
    char nb[512];
    const char *name = opts->name ? opts->name : dir_base(dir, nb, sizeof nb);
    if ((st = write_meta(p.w, &c, name, wt, err))) goto done;
    if (hf_vocab_write(p.w, &v)) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint64_t n_params = 0;
    if ((st = add_tensors(&p, &c, s, dir, opts->type, &n_params, err))) goto done;
    if ((st = cv_plan_save(&p, out_path, err))) goto done;
    if (info) {
        memset(info, 0, sizeof *info);
        snprintf(info->arch, sizeof info->arch, "%s", c.gguf_arch);
        snprintf(info->format, sizeof info->format, "hf safetensors, %.15s", v.source);
        info->n_tensors = p.n;
        info->n_vocab = v.n;
        info->n_params = n_params;
    }
done:
    cv_plan_free(&p);
    hf_vocab_free(&v);
    st_close(s);
    json_decref(root);
    free(text);
    free(cfg_path);
    return st;
}
