/* kernels_avx2.c — AVX2 + FMA + F16C kernels. Compiled with per-function
 * target attributes, so the rest of the build stays portable; they run
 * only when cpu.c has found the instructions.
 *
 * Q4_0 and Q8_0 (packed 16-row groups): eight rows per vector, integer
 * block sums by vpmaddubsw/vpmaddwd, one FMA per block and row; Q4_K,
 * Q5_K and Q6_K (packed) likewise with their scales. F32/F16/BF16: f32 FMA
 * dots in sixteen lanes with the halves converted in hardware. All in the
 * order kernels.h defines. */
#include "llm/kernels/kernels.h"
#include "llm/kernels/avx2/kernels_avx2.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <math.h>
#include <string.h>

int llm_kernels_have_x86(void) { return 1; }

/* ---- packed 16-row groups: rows 0..7 and 8..15 in two vectors -------- *
 * Q4_0: the nibbles (unsigned) times the broadcast activations in
 * vpmaddubsw (at most 2 * 15 * 127 per pair; four pieces summed in 16 bits
 * stay below 32767), to 32 bits with vpmaddwd, plus -8 * sum(q). */
T_AVX2 static void gemv16_q4_0(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    const __m256i m4 = _mm256_set1_epi8(0xF), ones = _mm256_set1_epi16(1);
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    const uint8_t *o = group;
    for (size_t b = 0; b < n / 32; b++, o += 32 + 4 * 64, x++) {
        __m256i xl[4], xh[4];
        for (int k = 0; k < 4; k++) {
            xl[k] = _mm256_set1_epi32(avx2_rd_i32(x->q + (size_t)4 * k));
            xh[k] = _mm256_set1_epi32(avx2_rd_i32(x->q + 16 + (size_t)4 * k));
        }
        __m256 dx = _mm256_set1_ps(x->d);
        __m256i corr = _mm256_set1_epi32(-8 * (x->s[0] + x->s[1]));
        for (int h = 0; h < 2; h++) {
            __m256i p = _mm256_setzero_si256();
            for (int k = 0; k < 4; k++) {
                __m256i w = _mm256_loadu_si256((const __m256i *)(o + 32 + (size_t)64 * k + (size_t)32 * h));
                p = _mm256_add_epi16(p, _mm256_maddubs_epi16(_mm256_and_si256(w, m4), xl[k]));
                p = _mm256_add_epi16(p, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(w, 4), m4), xh[k]));
            }
            __m256i s = _mm256_add_epi32(_mm256_madd_epi16(p, ones), corr);
            __m256 d = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)16 * h))), dx);
            acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc[h]);
        }
    }
    _mm256_storeu_ps(out, acc[0]);
    _mm256_storeu_ps(out + 8, acc[1]);
}

/* Q8_0: values w = stored ^ 0x80; |w| times sign(q, w) in vpmaddubsw. */
T_AVX2 static void gemv16_q8_0(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8((char)0x80);
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    const uint8_t *o = group;
    for (size_t b = 0; b < n / 32; b++, o += 32 + 8 * 64, x++) {
        __m256 dx = _mm256_set1_ps(x->d);
        for (int h = 0; h < 2; h++) {
            __m256i s = _mm256_setzero_si256();
            for (int k = 0; k < 8; k++) {
                __m256i w = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(o + 32 + (size_t)64 * k + (size_t)32 * h)), flip);
                __m256i q = _mm256_set1_epi32(avx2_rd_i32(x->q + (size_t)4 * k));
                __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(q, w));
                s = _mm256_add_epi32(s, _mm256_madd_epi16(p, ones));
            }
            __m256 d = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)16 * h))), dx);
            acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc[h]);
        }
    }
    _mm256_storeu_ps(out, acc[0]);
    _mm256_storeu_ps(out + 8, acc[1]);
}

/* ---- K-quants: lane j = activation block j of each super-block -------- */


/* Q4_K (packed groups): per chunk (two 32-blocks), the nibbles of 8 rows
 * times the broadcast activations in vpmaddubsw, eight pieces summed in 16
 * bits (at most 8 * 2 * 15 * 127 = 30480), vpmaddwd to 32 bits, times the
 * rows' 6-bit scales (vpmulld); the mins as m * -(sum of q) in integers.
 * Two FMAs per block and row, blocks in order (kernels.h). */
T_AVX2 static void gemv16_q4_k(const uint8_t *group, const llm_q8 *x0, size_t n, float *out)
{
    const __m256i m4 = _mm256_set1_epi8(0xF), ones = _mm256_set1_epi16(1);
    for (int h = 0; h < 2; h++) { /* rows 8h .. 8h + 7 */
        __m256 acc = _mm256_setzero_ps();
        const uint8_t *o = group;
        const llm_q8 *x = x0;
        for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q4K_BYTES, x += 8) {
            __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)16 * h)));
            __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)2 * LLM_PACK_ROWS + (size_t)16 * h)));
            for (int c = 0; c < 4; c++) {
                __m256i p[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
                for (int k = 0; k < 8; k++) {
                    __m256i w = _mm256_loadu_si256((const __m256i *)(o + LLM_PACK_Q4K_QS + (size_t)512 * c + (size_t)64 * k + (size_t)32 * h));
                    __m256i lo = _mm256_and_si256(w, m4), hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
                    p[0] = _mm256_add_epi16(p[0], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(avx2_rd_i32(x[(size_t)2 * c].q + (size_t)4 * k))));
                    p[1] = _mm256_add_epi16(p[1],
                                            _mm256_maddubs_epi16(hi, _mm256_set1_epi32(avx2_rd_i32(x[2 * c + 1].q + (size_t)4 * k))));
                }
                for (int e = 0; e < 2; e++) {
                    int j = 2 * c + e;
                    const llm_q8 *xj = x + j;
                    __m256i sc = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(o + LLM_PACK_Q4K_SC + (size_t)16 * j + (size_t)8 * h)));
                    __m256i mn = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(o + LLM_PACK_Q4K_MIN + (size_t)16 * j + (size_t)8 * h)));
                    __m256i s = _mm256_mullo_epi32(_mm256_madd_epi16(p[e], ones), sc);
                    __m256i t = _mm256_mullo_epi32(mn, _mm256_set1_epi32(-(xj->s[0] + xj->s[1])));
                    __m256 dx = _mm256_set1_ps(xj->d);
                    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(d, dx), acc);
                    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(t), _mm256_mul_ps(dmin, dx), acc);
                }
            }
        }
        _mm256_storeu_ps(out + (size_t)8 * h, acc);
    }
}

/* Bit j of every byte of v moved to bit 4, the other bits cleared (the
 * 16-bit shifts never carry that bit across bytes: j < 8). */
__attribute__((always_inline)) T_AVX2 static inline __m256i bit4(__m256i v, int j)
{
    v = j > 4 ? _mm256_srli_epi16(v, j - 4) : j < 4 ? _mm256_slli_epi16(v, 4 - j) : v;
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* Q5_K (packed groups): per chunk (two 32-blocks), q (0..31) = the nibble
 * | the qh bit << 4 of 8 rows, times the broadcast activations in
 * vpmaddubsw (pairs at most 2 * 31 * 127 = 7874; four pieces summed in 16
 * bits), vpmaddwd to 32 bits, then as Q4_K: times the 6-bit scales, the
 * mins as m * -(sum of q), two FMAs per block and row in block order. */
T_AVX2 static void gemv16_q5_k(const uint8_t *group, const llm_q8 *x0, size_t n, float *out)
{
    const __m256i m4 = _mm256_set1_epi8(0xF), ones = _mm256_set1_epi16(1);
    for (int h = 0; h < 2; h++) { /* rows 8h .. 8h + 7 */
        __m256 acc = _mm256_setzero_ps();
        const uint8_t *o = group;
        const llm_q8 *x = x0;
        for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q5K_BYTES, x += 8) {
            __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)16 * h)));
            __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)2 * LLM_PACK_ROWS + (size_t)16 * h)));
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++)
            {
                const uint8_t *qs = o + llm_q5k_qs((size_t)c) + (size_t)32 * h, *qh = o + llm_q5k_qh() + (size_t)32 * h;
                __m256i p[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
                _Pragma("GCC unroll 2") for (int half = 0; half < 2; half++)
                {
                    __m256i p16[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
                    _Pragma("GCC unroll 4") for (int k = 4 * half; k < 4 * half + 4; k++)
                    {
                        __m256i w = _mm256_loadu_si256((const __m256i *)(qs + (size_t)LLM_PACK_Q5K_LINE * k));
                        __m256i H = _mm256_loadu_si256((const __m256i *)(qh + (size_t)LLM_PACK_Q5K_LINE * k));
                        __m256i lo = _mm256_or_si256(_mm256_and_si256(w, m4), bit4(H, 2 * c));
                        __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(w, 4), m4), bit4(H, 2 * c + 1));
                        p16[0] = _mm256_add_epi16(
                            p16[0], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(avx2_rd_i32(x[(size_t)2 * c].q + (size_t)4 * k))));
                        p16[1] = _mm256_add_epi16(
                            p16[1], _mm256_maddubs_epi16(hi, _mm256_set1_epi32(avx2_rd_i32(x[2 * c + 1].q + (size_t)4 * k))));
                    }
                    p[0] = _mm256_add_epi32(p[0], _mm256_madd_epi16(p16[0], ones));
                    p[1] = _mm256_add_epi32(p[1], _mm256_madd_epi16(p16[1], ones));
                }
                _Pragma("GCC unroll 2") for (int e = 0; e < 2; e++)
                {
                    int j = 2 * c + e;
                    const llm_q8 *xj = x + j;
                    __m256i sc = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(o + LLM_PACK_Q5K_SC + (size_t)16 * j + (size_t)8 * h)));
                    __m256i mn = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(o + LLM_PACK_Q5K_MIN + (size_t)16 * j + (size_t)8 * h)));
                    __m256i s = _mm256_mullo_epi32(p[e], sc);
                    __m256i t = _mm256_mullo_epi32(mn, _mm256_set1_epi32(-(xj->s[0] + xj->s[1])));
                    __m256 dx = _mm256_set1_ps(xj->d);
                    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(d, dx), acc);
                    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(t), _mm256_mul_ps(dmin, dx), acc);
                }
            }
        }
        _mm256_storeu_ps(out + (size_t)8 * h, acc);
    }
}

/* Q6_K (packed groups): per block, u = q + 32 (0..63) rebuilt from the
 * ql nibble and the qh bit pair of 8 rows, times the broadcast activations
 * in vpmaddubsw (pairs at most 2 * 63 * 127; two pieces summed in 16 bits),
 * vpmaddwd to 32 bits, less 32 x the sub-block's sum of q. Each sub-block
 * sum times its scale is below 2^23 and the two products' sum below 2^24,
 * so the float multiply-add that forms s_b is exact. */
T_AVX2 static void gemv16_q6_k(const uint8_t *group, const llm_q8 *x0, size_t n, float *out)
{
    const __m256i m4 = _mm256_set1_epi8(0xF), m3 = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
    for (int h = 0; h < 2; h++) { /* rows 8h .. 8h + 7 */
        __m256 acc = _mm256_setzero_ps();
        const uint8_t *o = group;
        const llm_q8 *x = x0;
        for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q6K_BYTES) {
            __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o + (size_t)16 * h)));
            _Pragma("GCC unroll 8") for (int j = 0; j < 8; j++, x++)
            {
                int nn = j >> 2, kk = j & 3;
                const uint8_t *ql = o + llm_q6k_ql((size_t)2 * nn + (size_t)(kk & 1)) + (size_t)32 * h;
                const uint8_t *qh = o + llm_q6k_qh((size_t)nn) + (size_t)32 * h;
                __m256 half[2];
                for (int e = 0; e < 2; e++) {
                    __m256i p32 = _mm256_set1_epi32(-32 * x->s[e]);
                    for (int k = 4 * e; k < 4 * e + 4; k += 2) {
                        __m256i p16 = _mm256_setzero_si256();
                        for (int kp = k; kp < k + 2; kp++) {
                            __m256i L = _mm256_loadu_si256((const __m256i *)(ql + (size_t)LLM_PACK_Q6K_LINE * kp));
                            __m256i H = _mm256_loadu_si256((const __m256i *)(qh + (size_t)LLM_PACK_Q6K_LINE * kp));
                            __m256i u = _mm256_or_si256(
                                _mm256_and_si256(_mm256_srli_epi16(L, 4 * (kk >> 1)), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(H, 2 * kk), m3), 4));
                            p16 = _mm256_add_epi16(
                                p16, _mm256_maddubs_epi16(u, _mm256_set1_epi32(avx2_rd_i32(x->q + (size_t)4 * kp))));
                        }
                        p32 = _mm256_add_epi32(p32, _mm256_madd_epi16(p16, ones));
                    }
                    __m256i sc = _mm256_cvtepi8_epi32(
                        _mm_loadl_epi64((const __m128i *)(o + LLM_PACK_Q6K_SC + (size_t)16 * (2 * j + e) + (size_t)8 * h)));
                    half[e] = _mm256_mul_ps(_mm256_cvtepi32_ps(p32), _mm256_cvtepi32_ps(sc));
                }
                __m256 s = _mm256_add_ps(half[0], half[1]);
                acc = _mm256_fmadd_ps(s, _mm256_mul_ps(d, _mm256_set1_ps(x->d)), acc);
            }
        }
        _mm256_storeu_ps(out + (size_t)8 * h, acc);
    }
}

/* ---- float weights --------------------------------------------------- */

T_AVX2 static float dotf_f32(const void *row, const float *x, size_t n)
{
    const uint8_t *w = row;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps((const float *)(const void *)(w + 4 * i)), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps((const float *)(const void *)(w + 4 * i + 32)), _mm256_loadu_ps(x + i + 8),
                             a1);
    }
    float s = avx2_hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) {
        float v;
        memcpy(&v, w + 4 * i, 4);
        s = fmaf(v, x[i], s);
    }
    return s;
}

T_AVX2 static float dotf_f16(const void *row, const float *x, size_t n)
{
    const uint8_t *w = row;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * i)));
        __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * i + 16)));
        a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), a1);
    }
    float s = avx2_hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s = fmaf(avx2_f16(w + 2 * i), x[i], s);
    return s;
}

T_AVX2 static float dotf_bf16(const void *row, const float *x, size_t n)
{
    const uint8_t *w = row;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i h0 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * i)));
        __m256i h1 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * i + 16)));
        a0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h0, 16)), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h1, 16)), _mm256_loadu_ps(x + i + 8), a1);
    }
    float s = avx2_hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s = fmaf(qt_bf16_to_f32((uint16_t)(w[2 * i] | w[2 * i + 1] << 8)), x[i], s);
    return s;
}

/* ---- activations: llm_quantize_q8 with the same float operations ------ */

T_AVX2 static void quantize_q8(const float *x, llm_q8 *out, size_t n)
{
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (size_t b = 0; b < n / 32; b++, x += 32, out++) {
        __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
               v3 = _mm256_loadu_ps(x + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v0, absmask), _mm256_and_ps(v1, absmask)),
                                 _mm256_max_ps(_mm256_and_ps(v2, absmask), _mm256_and_ps(v3, absmask)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        float amax = _mm_cvtss_f32(h);
        float d = amax / 127.0f, id = amax > 0 ? 127.0f / amax : 0.0f;
        out->d = d;
        __m256 vid = _mm256_set1_ps(id);
        const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
        __m256i i0 = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v0, vid)), lo), hi);
        __m256i i1 = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v1, vid)), lo), hi);
        __m256i i2 = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v2, vid)), lo), hi);
        __m256i i3 = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v3, vid)), lo), hi);
        /* sums of elements 0..15 and 16..31 */
        __m256i s01 = _mm256_add_epi32(i0, i1), s23 = _mm256_add_epi32(i2, i3);
        __m256i hs = _mm256_hadd_epi32(s01, s23); /* [a0+a1, a2+a3, b0+b1, b2+b3 | a4.., b4..] */
        hs = _mm256_hadd_epi32(hs, hs);           /* [a0123, b0123, .. | a4567, b4567, ..] */
        __m128i t = _mm_add_epi32(_mm256_castsi256_si128(hs), _mm256_extracti128_si256(hs, 1));
        out->s[0] = (int16_t)_mm_cvtsi128_si32(t);
        out->s[1] = (int16_t)_mm_extract_epi32(t, 1);
        /* pack to bytes: packs work per 128-bit lane, then fix the order */
        __m256i p16a = _mm256_packs_epi32(i0, i1), p16b = _mm256_packs_epi32(i2, i3);
        __m256i p8 = _mm256_packs_epi16(p16a, p16b);
        p8 = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)out->q, p8);
    }
}

/* ---- SiLU: llm_expf lane for lane -------------------------------------- *
 * Clamp, n = round(x log2 e), r = x - n ln 2, the polynomial, then 2^n as
 * two multiplications by the normal floats 2^(n >> 1) and 2^(n - (n >> 1)):
 * the first is exact, the second rounds once, as ldexpf does (subnormal
 * and overflowing results included). */
T_AVX2 static inline __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(89.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

T_AVX2 static void silu(float *g, const float *u, size_t n)
{
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(g + i);
        __m256 e = exp8(_mm256_xor_ps(x, sign));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + llm_expf(-g[i])) * u[i];
}

T_AVX2 static float vdot(const float *a, const float *b, int n) { return dotf_f32(a, b, (size_t)n); }

T_AVX2 static void axpy(float a, const float *v, float *out, int n)
{
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(v + i), _mm256_loadu_ps(out + i)));
    for (; i < n; i++) out[i] = fmaf(a, v[i], out[i]);
}

void llm_kernels_init_avx2(llm_kernels *k)
{
    k->quantize = quantize_q8;
    k->vdot = vdot;
    k->axpy = axpy;
    k->silu = silu;
    k->level = LLM_CPU_AVX2;
    k->name = "avx2";
    k->gemv16[QT_Q4_0] = gemv16_q4_0;
    k->gemv16[QT_Q8_0] = gemv16_q8_0;
    k->gemv16[QT_Q4_K] = gemv16_q4_k;
    k->gemv16[QT_Q5_K] = gemv16_q5_k;
    k->gemv16[QT_Q6_K] = gemv16_q6_k;
    k->dotf[QT_F32] = dotf_f32;
    k->dotf[QT_F16] = dotf_f16;
    k->dotf[QT_BF16] = dotf_bf16;
    llm_kernels_init_avx2_kquant(k);
    llm_kernels_init_avx2_legacy(k);
    llm_kernels_init_avx2_gemm(k);
}

#else

int llm_kernels_have_x86(void) { return 0; }
void llm_kernels_init_avx2(llm_kernels *k) { (void)k; }

#endif
