/* train_gemm.c (scalar) — the trainer's product in portable C, 16 columns
 * of one row at a time (train/train_kernels.h gives the arithmetic). */
#include <math.h>

#include "train/train_kernels.h"

static void gemm_scalar(const tr_gemm_args *g, size_t m0, size_t m1)
{
    for (size_t m = m0; m < m1; m++) {
        const float *a = g->a + m * g->sam;
        float *c = g->c + m * g->ldc;
        for (size_t n0 = 0; n0 < g->N; n0 += 16) {
            size_t nn = g->N - n0 < 16 ? g->N - n0 : 16;
            float acc[16] = {0};
            for (size_t k = 0; k < g->K; k++) {
                float av = a[k * g->sak];
                const float *b = g->b + k * g->ldb + n0;
                for (size_t j = 0; j < nn; j++) acc[j] = fmaf(av, b[j], acc[j]);
            }
            for (size_t j = 0; j < nn; j++) c[n0 + j] = g->accumulate ? c[n0 + j] + acc[j] : acc[j];
        }
    }
}

void tr_kernels_init_scalar(tr_kernels *k)
{
    k->name = "scalar";
    k->gemm = gemm_scalar;
    k->mr = 1;
}
