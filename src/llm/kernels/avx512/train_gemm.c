/* train_gemm.c (AVX-512) — the trainer's product (arithmetic in
 * train/train_kernels.h). Register tile: 6 rows x 64 columns (24 zmm
 * accumulators); per k, 4 loads of B and 6 broadcasts of A feed 24 FMAs.
 * Leftover columns go in 6-row tiles of 1-3 vectors (the last masked),
 * leftover rows 16 columns of one row at a time, all with the same
 * per-element sequence. */
#include "train/train_kernels.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define T512 __attribute__((target("avx2,fma,avx512f")))
#define MR 6
#define NR 64

T512 static void tile_6x64(const tr_gemm_args *g, size_t m, size_t n0)
{
    __m512 acc[MR][4];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < 4; j++) acc[r][j] = _mm512_setzero_ps();
    const float *a = g->a + m * g->sam;
    size_t sam = g->sam, sak = g->sak;
    for (size_t k = 0; k < g->K; k++) {
        const float *b = g->b + k * g->ldb + n0;
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        __m512 b2 = _mm512_loadu_ps(b + 32), b3 = _mm512_loadu_ps(b + 48);
        const float *ak = a + k * sak;
        for (int r = 0; r < MR; r++) {
            __m512 av = _mm512_set1_ps(ak[(size_t)r * sam]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(av, b2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(av, b3, acc[r][3]);
        }
    }
    for (int r = 0; r < MR; r++) {
        float *c = g->c + (m + (size_t)r) * g->ldc + n0;
        for (int j = 0; j < 4; j++) {
            __m512 v = acc[r][j];
            if (g->accumulate) v = _mm512_add_ps(_mm512_loadu_ps(c + 16 * (size_t)j), v);
            _mm512_storeu_ps(c + 16 * (size_t)j, v);
        }
    }
}

/* 6 rows x NV vectors of 16 columns, the last under `last` (leftover
 * columns; same per-element sequence). */
#define TILE_6XV(NV)                                                                                            \
    T512 static void tile_6x##NV(const tr_gemm_args *g, size_t m, size_t n0, __mmask16 last)                   \
    {                                                                                                          \
        __m512 acc[MR][(NV)];                                                                                    \
        for (int r = 0; r < MR; r++)                                                                           \
            for (int j = 0; j < (NV); j++) acc[r][j] = _mm512_setzero_ps();                                      \
        const float *a = g->a + m * g->sam;                                                                    \
        for (size_t k = 0; k < g->K; k++) {                                                                    \
            const float *b = g->b + k * g->ldb + n0;                                                           \
            __m512 bv[(NV)];                                                                                     \
            for (int j = 0; j < (NV); j++)                                                                       \
                bv[j] = _mm512_maskz_loadu_ps(j == (NV) - 1 ? last : (__mmask16)0xFFFF, b + 16 * (size_t)j);             \
            const float *ak = a + k * g->sak;                                                                  \
            for (int r = 0; r < MR; r++) {                                                                     \
                __m512 av = _mm512_set1_ps(ak[(size_t)r * g->sam]);                                            \
                for (int j = 0; j < (NV); j++) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);                \
            }                                                                                                  \
        }                                                                                                      \
        for (int r = 0; r < MR; r++) {                                                                         \
            float *c = g->c + (m + (size_t)r) * g->ldc + n0;                                                   \
            for (int j = 0; j < (NV); j++) {                                                                     \
                __mmask16 mk = j == (NV) - 1 ? last : (__mmask16)0xFFFF;                                         \
                __m512 v = acc[r][j];                                                                          \
                if (g->accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, c + 16 * (size_t)j), v);                \
                _mm512_mask_storeu_ps(c + 16 * (size_t)j, mk, v);                                                      \
            }                                                                                                  \
        }                                                                                                      \
    }
TILE_6XV(1)
TILE_6XV(2)
TILE_6XV(3)

/* One row, columns [n0, n0 + 16) under mask. */
T512 static void tile_1x16(const tr_gemm_args *g, size_t m, size_t n0, __mmask16 mask)
{
    __m512 acc = _mm512_setzero_ps();
    const float *a = g->a + m * g->sam;
    for (size_t k = 0; k < g->K; k++) {
        __m512 bv = _mm512_maskz_loadu_ps(mask, g->b + k * g->ldb + n0);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(a[k * g->sak]), bv, acc);
    }
    float *c = g->c + m * g->ldc + n0;
    if (g->accumulate) acc = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, c), acc);
    _mm512_mask_storeu_ps(c, mask, acc);
}

T512 static void gemm_avx512(const tr_gemm_args *g, size_t m0, size_t m1)
{
    size_t nfull = g->N / NR * NR;
    for (size_t n0 = 0; n0 < nfull; n0 += NR) {
        size_t m = m0;
        for (; m + MR <= m1; m += MR) tile_6x64(g, m, n0);
        for (; m < m1; m++)
            for (size_t j = 0; j < NR; j += 16) tile_1x16(g, m, n0 + j, 0xFFFF);
    }
    size_t rest = g->N - nfull;
    if (!rest) return;
    size_t nv = (rest + 15) / 16, tail = rest - 16 * (nv - 1);
    __mmask16 last = (__mmask16)((1u << tail) - 1u);
    size_t m = m0;
    for (; m + MR <= m1; m += MR) {
        if (nv == 1) tile_6x1(g, m, nfull, last);
        else if (nv == 2) tile_6x2(g, m, nfull, last);
        else tile_6x3(g, m, nfull, last);
    }
    for (; m < m1; m++)
        for (size_t j = 0; j < nv; j++) tile_1x16(g, m, nfull + 16 * j, j == nv - 1 ? last : (__mmask16)0xFFFF);
}

int tr_kernels_init_avx512(tr_kernels *k)
{
    k->name = "avx512";
    k->gemm = gemm_avx512;
    k->mr = MR;
    return 1;
}

#else
int tr_kernels_init_avx512(tr_kernels *k)
{
    (void)k;
    return 0;
}
#endif
