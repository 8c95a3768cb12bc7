/* kernels_avx2_gemm.c — AVX2 batched (matrix-matrix) kernels of packed
 * Q4_0/Q8_0 matrices, in the order kernels.h defines (bit-identical to the
 * one-token kernels). */
#include "llm/kernels_avx2.h"

void llm_kernels_init_avx2_gemm(llm_kernels *k)
{
    (void)k; /* kernels being written; prefill runs gemv16 per token */
}
