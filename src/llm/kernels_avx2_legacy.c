/* kernels_avx2_legacy.c — AVX2 integer kernels of Q4_1, Q5_0, Q5_1 (legacy 32-blocks) on
 * 8-bit activations, in the order kernels.h defines (bit-identical to
 * kernels_scalar.c). */
#include "llm/kernels_avx2.h"

void llm_kernels_init_avx2_legacy(llm_kernels *k)
{
    (void)k; /* kernels being written; the scalar ones stay registered */
}
