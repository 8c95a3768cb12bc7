/* train_gemm.c (AVX2) — the trainer's product (arithmetic in
 * train/train_kernels.h). Register tile: 6 rows x 16 columns (12 ymm
 * accumulators, 2 loads of B and 6 broadcasts of A per k). Leftover rows
 * go 8 columns of one row at a time, leftover columns element by element
 * with fmaf, all with the same per-element sequence. */
#include "train/train_kernels.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <math.h>

#define T256 __attribute__((target("avx2,fma")))
#define MR 6
#define NR 16

T256 static void tile_6x16(const tr_gemm_args *g, size_t m, size_t n0)
{
    __m256 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    const float *a = g->a + m * g->sam;
    size_t sam = g->sam, sak = g->sak;
    for (size_t k = 0; k < g->K; k++) {
        const float *b = g->b + k * g->ldb + n0;
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        const float *ak = a + k * sak;
        for (int r = 0; r < MR; r++) {
            __m256 av = _mm256_set1_ps(ak[(size_t)r * sam]);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < MR; r++) {
        float *c = g->c + (m + (size_t)r) * g->ldc + n0;
        for (int j = 0; j < 2; j++) {
            __m256 v = acc[r][j];
            if (g->accumulate) v = _mm256_add_ps(_mm256_loadu_ps(c + 8 * (size_t)j), v);
            _mm256_storeu_ps(c + 8 * (size_t)j, v);
        }
    }
}

T256 static void tile_1x8(const tr_gemm_args *g, size_t m, size_t n0)
{
    __m256 acc = _mm256_setzero_ps();
    const float *a = g->a + m * g->sam;
    for (size_t k = 0; k < g->K; k++)
        acc = _mm256_fmadd_ps(_mm256_set1_ps(a[k * g->sak]), _mm256_loadu_ps(g->b + k * g->ldb + n0), acc);
    float *c = g->c + m * g->ldc + n0;
    if (g->accumulate) acc = _mm256_add_ps(_mm256_loadu_ps(c), acc);
    _mm256_storeu_ps(c, acc);
}

T256 static void gemm_avx2(const tr_gemm_args *g, size_t m0, size_t m1)
{
    size_t nfull = g->N / NR * NR, n8 = g->N / 8 * 8;
    for (size_t n0 = 0; n0 < nfull; n0 += NR) {
        size_t m = m0;
        for (; m + MR <= m1; m += MR) tile_6x16(g, m, n0);
        for (; m < m1; m++) {
            tile_1x8(g, m, n0);
            tile_1x8(g, m, n0 + 8);
        }
    }
    for (size_t m = m0; m < m1; m++) {
        for (size_t n0 = nfull; n0 < n8; n0 += 8) tile_1x8(g, m, n0);
        const float *a = g->a + m * g->sam;
        float *c = g->c + m * g->ldc;
        for (size_t n = n8; n < g->N; n++) {
            float acc = 0;
            for (size_t k = 0; k < g->K; k++) acc = fmaf(a[k * g->sak], g->b[k * g->ldb + n], acc);
            c[n] = g->accumulate ? c[n] + acc : acc;
        }
    }
}

int tr_kernels_init_avx2(tr_kernels *k)
{
    k->name = "avx2";
    k->gemm = gemm_avx2;
    k->mr = MR;
    return 1;
}

#else
int tr_kernels_init_avx2(tr_kernels *k)
{
    (void)k;
    return 0;
}
#endif
