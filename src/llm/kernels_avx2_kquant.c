/* kernels_avx2_kquant.c — AVX2 integer kernels of Q2_K, Q3_K, Q5_K (K-quants) on
 * 8-bit activations, in the order kernels.h defines (bit-identical to
 * kernels_scalar.c). */
#include "llm/kernels_avx2.h"

void llm_kernels_init_avx2_kquant(llm_kernels *k)
{
    (void)k; /* kernels being written; the scalar ones stay registered */
}
