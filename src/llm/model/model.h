/* model.h — the LLaMA architecture over a mapped GGUF file (internal).
 *
 * Laid out like llama2.c: a config (hyperparameters from metadata), the
 * weights (pointers into the map; only the small norm vectors are expanded
 * to f32), the run state (activations and the KV cache), and forward(). */
#ifndef GORILLA_LLM_MODEL_H
#define GORILLA_LLM_MODEL_H

#include "gorilla.h"
#include "llm/gguf/gguf.h"
#include "llm/model/pool.h"

typedef struct {
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
    float rms_eps;
    float rope_base;
    float rope_scale; /* positions are multiplied by this (1/factor, linear) */
} llm_config;

/* A weight matrix: rows of `cols` stored elements (ne[0] = cols, ne[1] =
 * rows in GGUF order), type and row stride in bytes. Q4_0/Q8_0 matrices
 * with a multiple of 16 rows also have a copy in 16-row groups (packed,
 * kernels.h), which the engine's products read; data stays the file's. */
typedef struct {
    const gguf_tensor *t;
    const uint8_t *data;
    uint8_t *packed; /* owned; NULL when not packed */
    uint32_t type;
    size_t rows, cols, row_bytes;
} llm_matrix;

typedef struct {
    float *attn_norm, *ffn_norm; /* [n_embd] f32 copies */
    llm_matrix wq, wk, wv, wo;   /* [n_embd->n_embd], [n_embd->kv_dim] x2, [n_embd->n_embd] */
    llm_matrix w_gate, w_up;     /* [n_embd->n_ff] */
    llm_matrix w_down;           /* [n_ff->n_embd] */
} llm_layer;

typedef struct {
    llm_matrix tok_embd; /* [n_vocab rows of n_embd] */
    llm_layer *layers;
    float *out_norm;     /* [n_embd] */
    llm_matrix output;   /* [n_vocab rows of n_embd]; tok_embd when tied */
    int tied;
} llm_weights;

typedef struct {
    float *x;        /* residual stream [n_embd] */
    float *xb, *xb2; /* [n_embd] scratch */
    float *hb, *hb2; /* [n_ff] */
    float *q;        /* [n_embd] */
    float *att;      /* [n_head * n_ctx] attention scores */
    float *logits;   /* [n_vocab] */
    float *k_cache;  /* [n_layer][n_ctx][kv_dim] */
    float *v_cache;
    float *rope_cos, *rope_sin; /* [n_rot/2] for the current position */
    double *inv_freq;           /* [n_rot/2] */
} llm_state;

struct gorilla_model {
    gguf_file *file;
    llm_config cfg;
    llm_weights w;
    llm_state s;
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

/* Builds a model on an open GGUF file (taking ownership of it). */
gorilla_status llm_model_build(gguf_file *file, const gorilla_model_opts *opts, gorilla_model **out,
                               gorilla_error *err);

/* One token at pos with f32 activations throughout (the exact reference
 * path, for tests); computes logits into s.logits when want_logits. The
 * engine itself runs llm_forward_batch (prefill.h: 8-bit activations,
 * the runtime-dispatched kernels). The caller has checked token and pos. */
void llm_forward(gorilla_model *m, int32_t token, int pos, int want_logits);

/* Records that positions pos..pos+n-1 of the KV cache now hold tokens
 * (the prefix cache's bookkeeping). */
void llm_kv_note(gorilla_model *m, const int32_t *tokens, size_t n, int pos);

/* out[r] = row r of W · x for all rows, split across the pool. */
void llm_matmul(gorilla_model *m, const llm_matrix *w, const float *x, float *out);

#endif
