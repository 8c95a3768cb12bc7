/* kernels_avx2.h — helpers shared by the AVX2 kernel files (internal).
 * Functions carry the AVX2 target attribute; callers must be AVX2
 * functions themselves (see kernels_avx2.c). */
#ifndef GORILLA_LLM_KERNELS_AVX2_H
#define GORILLA_LLM_KERNELS_AVX2_H

#include "llm/kernels/kernels.h"

/* Registers the AVX2 kernels of the K-quants Q2_K, Q3_K, Q5_K
 * (kernels_avx2_kquant.c) and of Q4_1, Q5_0, Q5_1
 * (kernels_avx2_legacy.c); called by llm_kernels_init_avx2. */
void llm_kernels_init_avx2_kquant(llm_kernels *k);
void llm_kernels_init_avx2_legacy(llm_kernels *k);
/* The batched (matrix-matrix) kernels of packed Q4_0/Q8_0 and their
 * activation packing (kernels_avx2_gemm.c). */
void llm_kernels_init_avx2_gemm(llm_kernels *k);

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <string.h>

#define T_AVX2 __attribute__((target("avx2,fma,f16c")))

/* llm_sum8's tree over the 8 lanes. */
T_AVX2 static inline float avx2_hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The f16 at p (any alignment) as float. */
T_AVX2 static inline float avx2_f16(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static inline int32_t avx2_rd_i32(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Lane j = the sum of the 8 lanes of p[j] (exact, in integers). */
T_AVX2 static inline __m256i avx2_reduce8(const __m256i *p)
{
    __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
    __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
    __m256i a = _mm256_hadd_epi32(h01, h23), b = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

#endif
#endif
