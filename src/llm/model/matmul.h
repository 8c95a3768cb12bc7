/* matmul.h — matrix products on a model's kernel set, split by output
 * rows over its thread pool (internal). */
#ifndef GORILLA_LLM_MATMUL_H
#define GORILLA_LLM_MATMUL_H

#include <stddef.h>

#include "gorilla.h"
#include "llm/gguf/gguf.h"
#include "llm/kernels/kernels.h"
#include "llm/model/pool.h"

/* A weight matrix: rows of `cols` stored elements (ne[0] = cols, ne[1] =
 * rows in GGUF order), type and row stride in bytes. Q4_0/Q8_0 (and
 * K-quant) matrices with a multiple of 16 rows also have a copy in 16-row
 * groups (packed, kernels.h), which the products read; data stays the
 * file's. */
typedef struct {
    const gguf_tensor *t;
    const uint8_t *data;
    uint8_t *packed; /* owned; NULL when not packed */
    uint32_t type;
    size_t rows, cols, row_bytes;
} llm_matrix;

/* What the products run on: the kernel set, the pool, and scratch sized
 * once (llm_mm_ctx_init) for up to max_tokens rows of up to max_cols
 * activations, so that a product allocates nothing. */
typedef struct {
    const llm_kernels *kn;
    llm_pool *pool;
    size_t max_tokens, max_cols;
    llm_q8 *xq;        /* [max_tokens][max_cols / 32] quantized activations */
    void *xt;          /* the set's packed activations (64-aligned), or NULL */
    uint8_t *wscratch; /* per thread: wstride bytes (64-aligned), for gemm */
    size_t wstride;
} llm_mm_ctx;

gorilla_status llm_mm_ctx_init(llm_mm_ctx *c, const llm_kernels *kn, llm_pool *pool, size_t max_tokens,
                               size_t max_cols, gorilla_error *err);
void llm_mm_ctx_free(llm_mm_ctx *c);

/* nt tokens (1 <= nt <= max_tokens; token t at x + t * ldx):
 * out[k][t * ldo[k] + r] = row r of w[k] . x_t for k < n (n <= 4; all
 * w[k] have x's length as cols, <= max_cols; ldo NULL: each w[k]'s rows).
 * The activations are quantized once; batched kernels load each weight
 * block once per tile of tokens. One token and a batch give the same bits
 * per token (kernels.h). */
void llm_mm(const llm_mm_ctx *c, int n, const llm_matrix *const *w, const float *x, size_t ldx, size_t nt,
            float *const *out, const size_t *ldo);

#endif
