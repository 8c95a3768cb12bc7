/* train_kernels.h — the trainer's matrix product, chosen at run time for
 * the CPU (internal).
 *
 * One product serves the forward and both backward passes of a linear
 * layer (train_model_impl.h):
 *
 *   C[m, n] (+)= sum_k A(m, k) * B[k, n]       rows m in [m0, m1), n < N
 *
 * with A read through two strides, A(m, k) = a[m * sam + k * sak] (so A
 * may be a transposed view), B and C row-major. Every element is one fixed
 * sequence of IEEE operations on every kernel set: acc = 0, then
 * acc = fmaf(A(m, k), B[k, n], acc) for k = 0, 1, ..., K-1, then
 * C = C + acc (accumulate) or C = acc. So the scalar, AVX2 and AVX-512
 * sets give bit-identical results, and so does any split of the rows
 * across threads. */
#ifndef GORILLA_TRAIN_KERNELS_H
#define GORILLA_TRAIN_KERNELS_H

#include <stddef.h>

typedef struct {
    size_t N, K;
    const float *a;
    size_t sam, sak;
    const float *b;
    size_t ldb;
    float *c;
    size_t ldc;
    int accumulate;
} tr_gemm_args;

/* Computes rows [m0, m1) of C. */
typedef void (*tr_gemm_fn)(const tr_gemm_args *g, size_t m0, size_t m1);

typedef struct {
    const char *name; /* "scalar", "avx2", "avx512" */
    tr_gemm_fn gemm;
    size_t mr;        /* rows per register tile: split rows in multiples of it */
} tr_kernels;

/* The set the engine uses (GORILLA_CPU=scalar|avx2|avx512 applies), or a
 * named set (NULL when the CPU lacks it). */
const tr_kernels *tr_kernels_active(void);
const tr_kernels *tr_kernels_named(const char *name);

/* The sets, one per kernel file; the x86 ones return 0 when not built. */
void tr_kernels_init_scalar(tr_kernels *k);
int tr_kernels_init_avx2(tr_kernels *k);
int tr_kernels_init_avx512(tr_kernels *k);

#endif
