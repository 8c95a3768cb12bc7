/* model.h — the LLaMA, MPT and Falcon architectures over a mapped GGUF file (internal).
 *
 * Laid out like llama2.c: a config (hyperparameters from metadata), the
 * weights (pointers into the map; only the small norm vectors are expanded
 * to f32), the run state (activations, scratch and the KV cache, all
 * allocated at load), and the one forward (forward.h). */
#ifndef GORILLA_LLM_MODEL_H
#define GORILLA_LLM_MODEL_H

#include "gorilla.h"
#include "llm/gguf/gguf.h"
#include "llm/kernels/kernels.h"
#include "llm/model/matmul.h"
#include "llm/model/pool.h"

/* The architectures the one forward runs (general.architecture). */
typedef enum { LLM_ARCH_LLAMA = 0, LLM_ARCH_MPT, LLM_ARCH_FALCON } llm_arch;

typedef struct {
    llm_arch arch;
    int n_vocab;
    int n_embd;      /* model width */
    int n_layer;
    int n_head;
    int n_head_kv;   /* GQA: n_head is a multiple of n_head_kv */
    int head_dim;    /* n_embd / n_head */
    int kv_dim;      /* n_head_kv * head_dim */
    int n_ff;        /* FFN hidden width */
    int n_ctx;       /* context in use (KV cache length) */
    int n_ctx_train; /* llama.context_length */
    int n_rot;       /* rotated dims per head (llama.rope.dimension_count) */
    float rms_eps;    /* RMSNorm (LLaMA) or LayerNorm (MPT, Falcon) epsilon */
    float rope_base;
    float rope_scale; /* positions are multiplied by this (1/factor, linear) */
    int rope;         /* LLM_ROPE_*: LLaMA normal (adjacent pairs), Falcon NeoX, MPT none */
    float alibi_max;  /* MPT mpt.attention.max_alibi_bias; 0: no ALiBi */
    float clamp_kqv;  /* MPT mpt.attention.clamp_kqv; 0: no clamping */
} llm_config;

enum { LLM_ROPE_NONE = 0, LLM_ROPE_NORMAL = 1, LLM_ROPE_NEOX = 2 };

/* A layer. LLaMA: attn_norm, ffn_norm, wq/wk/wv/wo, w_gate/w_up/w_down.
 * MPT and Falcon read one fused attn_qkv [n_embd -> n_embd + 2 kv_dim],
 * rows [q | k | v]: wq, wk and wv are views of its three row ranges (and
 * bq, bk, bv of its bias); no w_gate. MPT: ffn_norm; Falcon: none (its
 * MLP reads the attention's LayerNorm; with attn_norm_2, Falcon-40B style
 * as llama.cpp reads it, the attention reads attn_norm_2 and the MLP
 * attn_norm). The biases are optional (NULL when absent). */
typedef struct {
    float *attn_norm, *ffn_norm; /* [n_embd] f32 copies */
    float *attn_norm_b, *ffn_norm_b, *attn_norm_2, *attn_norm_2_b; /* [n_embd] or NULL */
    llm_matrix wq, wk, wv, wo;   /* [n_embd->n_embd], [n_embd->kv_dim] x2, [n_embd->n_embd] */
    llm_matrix w_gate, w_up;     /* [n_embd->n_ff] */
    llm_matrix w_down;           /* [n_ff->n_embd] */
    float *bqkv;                 /* [n_embd + 2 kv_dim] or NULL; bq = bqkv, bk, bv after it */
    float *bo, *b_up, *b_down;   /* [n_embd], [n_ff], [n_embd] or NULL */
} llm_layer;

typedef struct {
    llm_matrix tok_embd; /* [n_vocab rows of n_embd] */
    llm_layer *layers;
    float *out_norm;     /* [n_embd] */
    float *out_norm_b;   /* [n_embd] or NULL (LayerNorm bias) */
    llm_matrix output;   /* [n_vocab rows of n_embd]; tok_embd when tied */
    int tied;
} llm_weights;

/* The run state, allocated once at load: llm_forward allocates nothing.
 * Tokens go through the forward in chunks of up to `chunk` rows. */
typedef struct {
    int chunk;
    float *x;        /* residual stream [chunk][n_embd] */
    float *xb, *xb2; /* [chunk][n_embd] scratch */
    float *q;        /* [chunk][n_embd] */
    float *hb, *hb2; /* [chunk][n_ff] */
    float *att;      /* [n_threads][n_ctx] attention scores, a row per pool thread */
    float *cs;       /* [n_rot + 2] rope cos/sin of one position */
    float *k_cache;  /* [n_layer][n_ctx][kv_dim] */
    float *v_cache;
    double *inv_freq; /* [n_rot/2] */
    float *alibi;     /* [n_head] ALiBi slopes (MPT), or NULL */
    llm_mm_ctx mm;    /* the products' scratch */
} llm_state;

struct gorilla_model {
    gguf_file *file;
    llm_config cfg;
    llm_weights w;
    llm_state s;
    llm_kernels kn; /* chosen at load (GORILLA_CPU, or the CPU's best) */
    llm_pool *pool;
    /* Prefix cache: kv_tokens[0..n_kv) are the tokens whose keys and
     * values the cache holds at positions 0..n_kv-1; a prompt that starts
     * with them reuses those positions. n_reused: tokens the last
     * gorilla_model_prompt reused. */
    int32_t *kv_tokens;
    int n_kv, n_reused;
    /* vocabulary (may be empty) */
    size_t n_tokens;
    char **tokens;
    float *scores;
    int32_t *token_types;
    int32_t bos, eos;
    char *tok_kind;
    /* The tokenizer built from the same parsed file at load; NULL (with
     * the reason in tok_err) when the file has none or it is unusable. */
    gorilla_tokenizer *tok;
    gorilla_error tok_err;
};

/* Builds a model on an open GGUF file (taking ownership of it) with the
 * kernel set named cpu ("scalar", "avx2", "avx512"; NULL: GORILLA_CPU,
 * else the best this CPU has: what gorilla_model_load does). Tests force a
 * set through cpu. */
gorilla_status llm_model_build(gguf_file *file, const gorilla_model_opts *opts, const char *cpu, gorilla_model **out,
                               gorilla_error *err);
/* gorilla_model_load with a kernel set named as for llm_model_build. */
gorilla_status llm_model_load_cpu(const char *path, const gorilla_model_opts *opts, const char *cpu,
                                  gorilla_model **out, gorilla_error *err);

/* config.c: an integer metadata key in [lo, hi] (absent: dflt, or an
 * error when required); the config from the metadata. */
gorilla_status llm_meta_int(const gguf_file *f, const char *key, int required, int dflt, int lo, int hi, int *out,
                            gorilla_error *err);
gorilla_status llm_config_read(const gguf_file *f, const gorilla_model_opts *opts, llm_config *c, gorilla_error *err);

/* weights.c: the matrices and norms of m->file (sets m->cfg.n_vocab); a
 * norm-like tensor of n floats as a malloc'd f32 copy; the packed copies
 * (over m->pool); freeing. */
gorilla_status llm_weights_read(gorilla_model *m, gorilla_error *err);
gorilla_status llm_weights_norm(const gguf_file *f, const char *name, size_t n, float **out, gorilla_error *err);
gorilla_status llm_weights_pack(gorilla_model *m, gorilla_error *err);
void llm_weights_free(llm_weights *w, int n_layer);

/* state.c: m->s for m's config, kernel set and pool; freeing. */
gorilla_status llm_state_build(gorilla_model *m, gorilla_error *err);
void llm_state_free(llm_state *s);

/* Records that positions pos..pos+n-1 of the KV cache now hold tokens
 * (the prefix cache's bookkeeping). */
void llm_kv_note(gorilla_model *m, const int32_t *tokens, size_t n, int pos);

#endif
