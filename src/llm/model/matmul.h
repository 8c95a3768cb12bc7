/* matmul.h — matrix products on the kernel set in use, split by output
 * rows over the model's thread pool (internal). */
#ifndef GORILLA_LLM_MATMUL_H
#define GORILLA_LLM_MATMUL_H

#include <stddef.h>

#include "llm/kernels/kernels.h"
#include "llm/model/model.h"
#include "llm/model/pool.h"

/* One token: out[k][r] = row r of w[k] . x for k < n (n <= 4; all w[k]
 * have x's length as cols). The activations are quantized once. */
void llm_mm_vec(llm_pool *pool, int n, const llm_matrix *const *w, const float *x, float *const *out);

/* nt tokens (token t at x + t * ldx): out[k][t * ldo[k] + r] = row r of
 * w[k] . x_t. Batched kernels load each weight block once per tile of
 * tokens. */
void llm_mm_batch(llm_pool *pool, int n, const llm_matrix *const *w, const float *x, size_t ldx, size_t nt,
                  float *const *out, const size_t *ldo);

#endif
