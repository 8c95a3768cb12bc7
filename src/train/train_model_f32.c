/* train_model_f32.c — the layers and model in float for training: the
 * linear layers run on the dispatched product (train_kernels.h) split
 * across the pool in whole register tiles. */
#include "train/train_model.h"

typedef struct {
    const tr_kernels *k;
    tr_gemm_args g;
    size_t M;
} gemm_job;

static void gemm_tiles(void *ctx, size_t start, size_t end)
{
    const gemm_job *j = ctx;
    size_t m0 = start * j->k->mr, m1 = end * j->k->mr;
    if (m1 > j->M) m1 = j->M;
    if (m0 < m1) j->k->gemm(&j->g, m0, m1);
}

static void gemm_run(const tr_ctx *cx, size_t M, const tr_gemm_args *g)
{
    const tr_kernels *k = cx && cx->k ? cx->k : tr_kernels_active();
    gemm_job j = {.k = k, .g = *g, .M = M};
    size_t tiles = (M + k->mr - 1) / k->mr;
    if (cx && cx->pool && tiles > 1) llm_pool_run(cx->pool, gemm_tiles, &j, tiles);
    else gemm_tiles(&j, 0, tiles);
}

/* out[N, OC] = inp[N, C] w^T, through a transposed copy of w (the
 * product's B is row-major [K, N]). */
static void mm_forward(const tr_ctx *cx, float *out, const float *inp, const float *w, size_t N, size_t C, size_t OC)
{
    float *wt = cx->wt;
    for (size_t o = 0; o < OC; o++)
        for (size_t i = 0; i < C; i++) wt[i * OC + o] = w[o * C + i];
    tr_gemm_args g = {.N = OC, .K = C, .a = inp, .sam = C, .sak = 1, .b = wt, .ldb = OC, .c = out, .ldc = OC};
    gemm_run(cx, N, &g);
}

/* dinp[N, C] (+)= dout[N, OC] w[OC, C]. */
static void mm_backward_dinp(const tr_ctx *cx, float *dinp, const float *dout, const float *w, size_t N, size_t C,
                             size_t OC, int acc)
{
    tr_gemm_args g = {.N = C, .K = OC, .a = dout, .sam = OC, .sak = 1, .b = w, .ldb = C, .c = dinp, .ldc = C,
                      .accumulate = acc};
    gemm_run(cx, N, &g);
}

/* dw[OC, C] += dout^T[OC, N] inp[N, C]. */
static void mm_backward_dw(const tr_ctx *cx, float *dw, const float *dout, const float *inp, size_t N, size_t C,
                           size_t OC)
{
    tr_gemm_args g = {.N = C, .K = N, .a = dout, .sam = 1, .sak = OC, .b = inp, .ldb = C, .c = dw, .ldc = C,
                      .accumulate = 1};
    gemm_run(cx, OC, &g);
}

#define REAL float
#define TR_SFX f32
#include "train/train_model_impl.h"
