/* train_model_f32.c — the layers and model in float for training: the
 * linear layers run on the dispatched product (train_kernels.h) split
 * across the pool in whole register tiles. */
#include "train/train_model.h"

typedef struct {
    const tr_kernels *k;
    tr_gemm_args g;
    size_t M;
} gemm_job;

static void gemm_tiles(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
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
    else gemm_tiles(&j, 0, tiles, 0);
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

/* Attention on the product too (the f64 path keeps plain loops). */
static void attn_fwd_gemm(void *ctx, size_t start, size_t end, int thread);
static void attn_bwd_gemm(void *ctx, size_t start, size_t end, int thread);
#define TR_ATTN_FWD attn_fwd_gemm
#define TR_ATTN_BWD attn_bwd_gemm

#define REAL float
#define TR_SFX f32
#include "train/train_model_impl.h"

/* One head's rows of x[T][stride] (at x) transposed into out[hd][T]. */
static void transpose_head(float *out, const float *x, size_t stride, int T, int hd)
{
    for (int u = 0; u < T; u++)
        for (int i = 0; i < hd; i++) out[(size_t)i * T + u] = x[(size_t)u * stride + i];
}

static void gemm1(const tr_gemm_args *g, size_t M)
{
    tr_kernels_active()->gemm(g, 0, M);
}

/* Items are (sequence, head): S = Q K^T (full T x T, the product is
 * cheaper than skipping the upper half in loops), the causal softmax in
 * place, out = P V (P is 0 above the diagonal). */
static void attn_fwd_gemm(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const attn_job *j = ctx;
    int T = j->T, hd = j->hd, group = j->NH / j->NKV;
    size_t C = (size_t)j->NH * hd, KV = (size_t)j->NKV * hd, TT = (size_t)T * T;
    float scale = 1.0f / sqrtf((float)hd);
    for (size_t it = start; it < end; it++) {
        size_t b = it / (size_t)j->NH, h = it % (size_t)j->NH, kvh = h / (size_t)group;
        float *kt = j->scratch + it * (size_t)hd * T;
        const float *q = j->q + b * T * C + h * hd, *k = j->k + b * T * KV + kvh * hd;
        const float *v = j->v + b * T * KV + kvh * hd;
        float *p = j->att + (b * j->NH + h) * TT, *o = j->out + b * T * C + h * hd;
        transpose_head(kt, k, KV, T, hd);
        tr_gemm_args g = {.N = (size_t)T, .K = (size_t)hd, .a = q, .sam = C, .sak = 1, .b = kt, .ldb = (size_t)T,
                          .c = p, .ldc = (size_t)T};
        gemm1(&g, (size_t)T);
        for (int t = 0; t < T; t++) {
            float *row = p + (size_t)t * T, mx = -INFINITY, sum = 0;
            for (int u = 0; u <= t; u++) {
                row[u] *= scale;
                mx = row[u] > mx ? row[u] : mx;
            }
            for (int u = 0; u <= t; u++) {
                row[u] = expf(row[u] - mx);
                sum += row[u];
            }
            float inv = 1 / sum;
            for (int u = 0; u <= t; u++) row[u] *= inv;
            for (int u = t + 1; u < T; u++) row[u] = 0;
        }
        g = (tr_gemm_args){.N = (size_t)hd, .K = (size_t)T, .a = p, .sam = (size_t)T, .sak = 1, .b = v, .ldb = KV,
                           .c = o, .ldc = C};
        gemm1(&g, (size_t)T);
    }
}

/* Items are (sequence, KV head), its heads in order: dP = dO V^T,
 * dS = P (dP - rowsum(P dP)) / sqrt(hd), dQ = dS K, dK += dS^T Q,
 * dV += P^T dO. */
static void attn_bwd_gemm(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const attn_job *j = ctx;
    int T = j->T, hd = j->hd, group = j->NH / j->NKV;
    size_t C = (size_t)j->NH * hd, KV = (size_t)j->NKV * hd, TT = (size_t)T * T;
    float scale = 1.0f / sqrtf((float)hd);
    for (size_t it = start; it < end; it++) {
        size_t b = it / (size_t)j->NKV, kvh = it % (size_t)j->NKV;
        float *vt = j->scratch + it * (size_t)hd * T;
        const float *k = j->k + b * T * KV + kvh * hd, *v = j->v + b * T * KV + kvh * hd;
        float *dk = j->dk + b * T * KV + kvh * hd, *dv = j->dv + b * T * KV + kvh * hd;
        transpose_head(vt, v, KV, T, hd);
        for (int gi = 0; gi < group; gi++) {
            size_t h = kvh * (size_t)group + (size_t)gi;
            const float *q = j->q + b * T * C + h * hd, *dout = j->dout + b * T * C + h * hd;
            const float *p = j->patt + (b * j->NH + h) * TT;
            float *ds = j->datt + (b * j->NH + h) * TT, *dq = j->dq + b * T * C + h * hd;
            tr_gemm_args g = {.N = (size_t)T, .K = (size_t)hd, .a = dout, .sam = C, .sak = 1, .b = vt,
                              .ldb = (size_t)T, .c = ds, .ldc = (size_t)T};
            gemm1(&g, (size_t)T);
            for (int t = 0; t < T; t++) {
                const float *pr = p + (size_t)t * T;
                float *dr = ds + (size_t)t * T, pdp = 0;
                for (int u = 0; u <= t; u++) pdp += pr[u] * dr[u];
                for (int u = 0; u <= t; u++) dr[u] = pr[u] * (dr[u] - pdp) * scale;
                for (int u = t + 1; u < T; u++) dr[u] = 0;
            }
            g = (tr_gemm_args){.N = (size_t)hd, .K = (size_t)T, .a = ds, .sam = (size_t)T, .sak = 1, .b = k,
                               .ldb = KV, .c = dq, .ldc = C};
            gemm1(&g, (size_t)T);
            g = (tr_gemm_args){.N = (size_t)hd, .K = (size_t)T, .a = ds, .sam = 1, .sak = (size_t)T, .b = q,
                               .ldb = C, .c = dk, .ldc = KV, .accumulate = gi > 0};
            gemm1(&g, (size_t)T);
            g = (tr_gemm_args){.N = (size_t)hd, .K = (size_t)T, .a = p, .sam = 1, .sak = (size_t)T, .b = dout,
                               .ldb = C, .c = dv, .ldc = KV, .accumulate = gi > 0};
            gemm1(&g, (size_t)T);
        }
    }
}
