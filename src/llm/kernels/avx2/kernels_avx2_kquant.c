/* kernels_avx2_kquant.c — AVX2 integer kernels of Q2_K and Q3_K (K-quants)
 * on 8-bit activations, in the order kernels.h defines (bit-identical to
 * kernels_scalar.c). Q4_K, Q5_K and Q6_K matrices are packed at load
 * (kernels_avx2.c); their rare stored rows use the scalar dots.
 *
 * One super-block of 256 at a time, block j (32 elements) against
 * activation block x[j]: the block's weights are widened to one vector of
 * unsigned bytes (element l in byte l, the order of x[j].q) and multiplied
 * with the activations by vpmaddubsw (pairs small enough never to
 * saturate). The 16-element sub-block sums fit in int16, so a vphaddw
 * tree gives all 16 of them and one vpmaddwd with the sub-block scales the
 * per-lane sum sc[2j] * S(2j) + sc[2j + 1] * S(2j + 1). Sums over x (mins,
 * offsets) use x[j].s with the sub-block values in vpmaddwd pairs. Every
 * integer is exact; then the FMAs of kernels.h per lane, with d * d_x[j]
 * (and dmin * d_x[j]) as one float multiply each. */
#include "llm/kernels/avx2/kernels_avx2.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))

/* The eight activation scales x[j].d, and x[j].s[0], x[j].s[1] as the low
 * and high int16 of lane j (two loads per pair of blocks, two shuffles). */
T_AVX2 static inline void x_scales(const llm_q8 *x, __m256 *d, __m256i *s)
{
    __m128 v[4];
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        __m128i lo = _mm_loadl_epi64((const __m128i *)(const void *)&x[(size_t)2 * k]);
        v[k] = _mm_loadh_pi(_mm_castsi128_ps(lo), (const __m64 *)(const void *)&x[2 * k + 1]);
    }
    /* (d, s) pairs of blocks 0 1 | 4 5 and 2 3 | 6 7 */
    __m256 a = _mm256_set_m128(v[2], v[0]), b = _mm256_set_m128(v[3], v[1]);
    *d = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    *s = _mm256_castps_si256(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* p[j] the vpmaddubsw products of block j (int16 pairs, low 128 bits
 * sub-block 2j, high 2j + 1), every 16-element sub-block sum within int16
 * (so the wrapping 16-bit partial sums are exact): lane j =
 * sc[2j] * S(2j) + sc[2j + 1] * S(2j + 1), sc16 the 16 int16 scales. */
T_AVX2 static inline __m256i scaled_sums16(const __m256i *p, __m256i sc16)
{
    __m256i a = _mm256_hadd_epi16(p[0], p[1]), b = _mm256_hadd_epi16(p[2], p[3]);
    __m256i c = _mm256_hadd_epi16(p[4], p[5]), d = _mm256_hadd_epi16(p[6], p[7]);
    __m256i s = _mm256_hadd_epi16(_mm256_hadd_epi16(a, b), _mm256_hadd_epi16(c, d));
    /* 128-bit half h: S(2j + h) in int16 j; interleave to (S(2j), S(2j+1)) pairs */
    __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
    __m256i t = _mm256_set_m128i(_mm_unpackhi_epi16(lo, hi), _mm_unpacklo_epi16(lo, hi));
    return _mm256_madd_epi16(t, sc16);
}

/* Bit j of every byte of v moved to bit t, the other bits cleared (the
 * 16-bit shifts never carry a bit across bytes: j, t < 8). */
T_AVX2 static inline __m256i bit_to(__m256i v, int j, int t)
{
    v = j > t ? _mm256_srli_epi16(v, j - t) : _mm256_slli_epi16(v, t - j);
    return _mm256_and_si256(v, _mm256_set1_epi8((char)(1 << t)));
}

/* Q2_K: q (0..3) of block j = 4 * nn + k are bits 2k..2k+1 of qs[32 nn + l];
 * vpmaddubsw (pairs at most 2 * 3 * 127), sub-block sums (at most
 * 16 * 3 * 127) by scaled_sums16 against the 4-bit scales; the mins as
 * -(m[2j] * s[0] + m[2j+1] * s[1]) by one vpmaddwd of the min pairs with
 * the activation sums. */
T_AVX2 static float dotq_q2_k(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m128i m4 = _mm_set1_epi8(0xF);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q2_K, x += 8) {
        float d = avx2_f16(b + 80), dmin = avx2_f16(b + 82);
        __m256 dx;
        __m256i xs, p[8];
        x_scales(x, &dx, &xs);
        __m128i sm = _mm_loadu_si128((const __m128i *)b);
        __m256i sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(sm, m4));
        __m256i mn16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), m4));
#pragma GCC unroll 2
        for (int nn = 0; nn < 2; nn++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(b + 16 + (size_t)32 * nn));
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                int j = 4 * nn + k;
                __m256i w = _mm256_and_si256(_mm256_srli_epi16(q, 2 * k), m3);
                p[j] = _mm256_maddubs_epi16(w, _mm256_loadu_si256((const __m256i *)x[j].q));
            }
        }
        __m256i s = scaled_sums16(p, sc16);
        __m256i mn = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_madd_epi16(mn16, xs));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(_mm256_set1_ps(d), dx), acc);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mn), _mm256_mul_ps(_mm256_set1_ps(dmin), dx), acc);
    }
    return avx2_hsum8(acc);
}

/* Q3_K: u = q + 4 (0..7), the low 2 bits from qs as in Q2_K and bit 2 the
 * hmask bit j; vpmaddubsw (pairs at most 2 * 7 * 127), sub-block sums (at
 * most 16 * 7 * 127) by scaled_sums16 against the signed 6-bit scales,
 * less 4 * (sc[2j] * s[0] + sc[2j+1] * s[1]) from one vpmaddwd. */
T_AVX2 static float dotq_q3_k(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    const __m256i m3 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q3_K, x += 8) {
        float d = avx2_f16(b + 108);
        __m256 dx;
        __m256i xs, p[8];
        x_scales(x, &dx, &xs);
        /* the 16 scales (lo | hi << 4) as bytes, sub-block i in byte i */
        uint32_t a[3];
        memcpy(a, b + 96, 12);
        uint32_t s0 = (a[0] & 0x0F0F0F0F) | (a[2] & 0x03030303) << 4;
        uint32_t s1 = (a[1] & 0x0F0F0F0F) | (a[2] >> 2 & 0x03030303) << 4;
        uint32_t s2 = (a[0] >> 4 & 0x0F0F0F0F) | (a[2] >> 4 & 0x03030303) << 4;
        uint32_t s3 = (a[1] >> 4 & 0x0F0F0F0F) | (a[2] >> 6 & 0x03030303) << 4;
        __m128i sc8 = _mm_sub_epi8(_mm_setr_epi32((int)s0, (int)s1, (int)s2, (int)s3), _mm_set1_epi8(32));
        __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
        __m256i hm = _mm256_loadu_si256((const __m256i *)b);
#pragma GCC unroll 2
        for (int nn = 0; nn < 2; nn++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(b + 32 + (size_t)32 * nn));
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                int j = 4 * nn + k;
                __m256i w = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * k), m3), bit_to(hm, j, 2));
                p[j] = _mm256_maddubs_epi16(w, _mm256_loadu_si256((const __m256i *)x[j].q));
            }
        }
        __m256i s = _mm256_sub_epi32(scaled_sums16(p, sc16), _mm256_slli_epi32(_mm256_madd_epi16(sc16, xs), 2));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(_mm256_set1_ps(d), dx), acc);
    }
    return avx2_hsum8(acc);
}

void llm_kernels_init_avx2_kquant(llm_kernels *k)
{
    k->dotq[QT_Q2_K] = dotq_q2_k;
    k->dotq[QT_Q3_K] = dotq_q3_k;
}

#else

void llm_kernels_init_avx2_kquant(llm_kernels *k) { (void)k; }

#endif
