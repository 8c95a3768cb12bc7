/* train_model.h — the LLaMA model the trainer trains (internal).
 *
 * The same architecture and arithmetic as the engine (llm/model/model.c):
 *
 *   x = tok_embd[token]                                   [B*T, C]
 *   for each layer:
 *       h   = rmsnorm(x) * attn_norm                      [B*T, C]
 *       q,k,v = h Wq^T, h Wk^T, h Wv^T; rope(q), rope(k)  [B*T, C], [B*T, KV] x2
 *       x  += attention(q, k, v) Wo^T   (causal, GQA: kv head = head / (NH / NKV))
 *       h   = rmsnorm(x) * ffn_norm
 *       x  += (silu(h Wgate^T) * (h Wup^T)) Wdown^T      [B*T, FF] -> [B*T, C]
 *   logits = (rmsnorm(x) * output_norm) Woutput^T         [B*T, V]
 *   loss   = sum over masked tokens of -log softmax(logits)[target] * scale
 *
 * RoPE is llama.cpp's "normal" mode: pairs (2i, 2i+1) of each head rotated
 * by pos * base^(-2i/head_dim), pos = t within the sequence of T tokens.
 * Matrices are stored as in GGUF: W[out][in], a row per output.
 *
 * Every layer has a _forward and a _backward, in float (training, with
 * the dispatched kernels of train_kernels.h and the thread pool) and in
 * double (the gradient checks): train_model_impl.h is compiled twice, by
 * train_model_f32.c and train_model_f64.c; train_layers_decl.h declares
 * both sets. */
#ifndef GORILLA_TRAIN_MODEL_H
#define GORILLA_TRAIN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"
#include "llm/model/pool.h"
#include "train/train_kernels.h"

typedef struct {
    int n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx;
    int tied; /* 1: the output head is tok_embd */
    float rms_eps, rope_base;
    /* LoRA (rank 0: off): each targeted layer matrix W[out][in] gains
     * A[rank][in], B[out][rank]; W x becomes W x + (alpha / rank) B A x,
     * and only A and B train (the base is frozen). lora_targets is a bit
     * mask of (1 << TR_WQ) ... (1 << TR_DOWN). */
    int lora_rank;
    float lora_alpha;
    unsigned lora_targets;
} tr_config;

/* Per-layer tensors, in storage order. */
enum { TR_ATTN_NORM, TR_WQ, TR_WK, TR_WV, TR_WO, TR_FFN_NORM, TR_GATE, TR_UP, TR_DOWN, TR_PER_LAYER };

/* A parameter tensor: rows x cols floats at `off` in the flat buffer
 * (GGUF ne[0] = cols, ne[1] = rows; vectors have rows = 1). */
typedef struct {
    char name[48];
    size_t off, rows, cols;
    int is_norm;
} tr_tensor;

/* Tensors: [0] token_embd, [1 + 9 l + j] layer l's j-th (enum above),
 * [1 + 9 L] output_norm, [2 + 9 L] output (untied only): the n_base
 * model tensors; then with LoRA "blk.l.<name>.lora_a" and ".lora_b" per
 * targeted matrix (lora[9 l + j]: the index of its A, B follows; 0 when
 * not targeted). Parameters [lora_off, n_params) are the LoRA ones. */
typedef struct {
    tr_config cfg;
    size_t n_params;
    size_t n_tensors, n_base;
    tr_tensor *t;
    size_t *lora;
    size_t lora_off;
} tr_layout;

#define TR_MAX_DIM (1 << 16)

/* Checks the shape (positive, heads divide, head_dim even, bounds). */
gorilla_status tr_config_check(const tr_config *c, gorilla_error *err);
gorilla_status tr_layout_build(const tr_config *c, tr_layout *out, gorilla_error *err);
void tr_layout_free(tr_layout *l);
size_t tr_layer_tensor(const tr_layout *l, int layer, int which); /* index into t */

/* Shared execution context of the float path (NULL pool: one thread). */
typedef struct {
    llm_pool *pool;
    const tr_kernels *k;
    float *wt; /* scratch: a transposed weight, largest rows x cols */
} tr_ctx;

/* Initial weights: N(0, 0.02) matrices from the seed (the residual
 * projections Wo, Wdown scaled by 1/sqrt(2 L)), norms 1. */
void tr_init_params(const tr_layout *l, uint64_t seed, float *params);

/* LoRA start: A ~ N(0, 1 / in), B = 0 (the model starts as the base). */
void tr_init_lora(const tr_layout *l, uint64_t seed, float *params);

/* Model FLOPs per trained token (forward + backward = 3 x forward):
 * 6 x matrix parameters + attention 12 x L x T x C / 2 (causal). */
double tr_flops_per_token(const tr_config *c, int T);

#define REAL float
#define TR_SFX f32
#include "train/train_layers_decl.h"
#undef REAL
#undef TR_SFX
#define REAL double
#define TR_SFX f64
#include "train/train_layers_decl.h"
#undef REAL
#undef TR_SFX

#endif
