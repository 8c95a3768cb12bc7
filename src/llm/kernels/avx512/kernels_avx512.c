/* kernels_avx512.c — AVX-512 (F, BW, VL) + VNNI kernels, with per-function
 * target attributes (see kernels_avx2.c).
 *
 * One token (decode), packed 16-row groups: the 16 rows in the 16 lanes.
 * A 64-byte load is one 4-byte piece of every row; vpdpbusd of those bytes
 * (unsigned: Q4_0 nibbles, Q8_0 values + 128) with the broadcast 4
 * activations gives the 16 rows' partial block sums, started from the
 * correction (-8 or -128 times the block's activation sum), then one FMA
 * per block in the order kernels.h defines.
 *
 * Many tokens (prefill): tokens in the 16 lanes of a vector. The packed
 * activations hold, per group of 16 tokens and block of 32, eight vectors
 * whose lane t is 4 consecutive activations of token t plus 128 (as
 * unsigned bytes), then the 16 token scales. A weight row's block is
 * unpacked once per tile to 32 signed bytes (8 dwords), each dword
 * broadcast against one of those vectors: 8 vpdpbusd give 16 tokens' block
 * sums, started from -128 * sum(w) so the +128 cancels. A tile is 8 rows x
 * 16 tokens: 8 accumulators, the 8 activation vectors of a block loaded
 * once for the 8 rows of a tile. */
#include "llm/kernels/kernels.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

static inline int32_t rd_i32(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* llm_sum16's tree: lanes l + l + 8, then l + 4, l + 2, l + 1. */
T512 static inline float sum16(__m512 v)
{
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* ---- one token: packed 16-row groups ----------------------------------- */

#define GRP_HEAD ((size_t)2 * LLM_PACK_ROWS) /* the 16 f16 scales */

T512 static void gemv16_q4_0(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    __m512 acc = _mm512_setzero_ps();
    const uint8_t *o = group;
    for (size_t b = 0; b < n / 32; b++, o += GRP_HEAD + (size_t)4 * 64, x++) {
        __m512i s0 = _mm512_set1_epi32(-8 * (x->s[0] + x->s[1])), s1 = _mm512_setzero_si512();
        for (int k = 0; k < 4; k++) {
            __m512i w = _mm512_loadu_si512((const void *)(o + GRP_HEAD + (size_t)64 * k));
            s0 = _mm512_dpbusd_epi32(s0, _mm512_and_si512(w, m4), _mm512_set1_epi32(rd_i32(x->q + (size_t)4 * k)));
            s1 = _mm512_dpbusd_epi32(s1, _mm512_and_si512(_mm512_srli_epi16(w, 4), m4),
                                     _mm512_set1_epi32(rd_i32(x->q + 16 + (size_t)4 * k)));
        }
        __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o)), _mm512_set1_ps(x->d));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)), d, acc);
    }
    _mm512_storeu_ps(out, acc);
}

T512 static void gemv16_q8_0(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    __m512 acc = _mm512_setzero_ps();
    const uint8_t *o = group;
    for (size_t b = 0; b < n / 32; b++, o += GRP_HEAD + (size_t)8 * 64, x++) {
        __m512i s0 = _mm512_set1_epi32(-128 * (x->s[0] + x->s[1])), s1 = _mm512_setzero_si512();
        for (int k = 0; k < 8; k += 2) {
            s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512((const void *)(o + GRP_HEAD + (size_t)64 * k)),
                                     _mm512_set1_epi32(rd_i32(x->q + (size_t)4 * k)));
            s1 = _mm512_dpbusd_epi32(s1, _mm512_loadu_si512((const void *)(o + GRP_HEAD + (size_t)64 * k + 64)),
                                     _mm512_set1_epi32(rd_i32(x->q + (size_t)4 * k + 4)));
        }
        __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o)), _mm512_set1_ps(x->d));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)), d, acc);
    }
    _mm512_storeu_ps(out, acc);
}

/* Q4_K: per chunk (two 32-blocks) eight 64-byte lines, low nibbles
 * against block 2c's activations and high ones against block 2c + 1's;
 * the sums times the rows' 6-bit scales, the mins as m * -(sum of q), two
 * FMAs per block in order. */
T512 static void gemv16_q4_k(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    __m512 acc = _mm512_setzero_ps();
    const uint8_t *o = group;
    for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q4K_BYTES, x += 8) {
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o));
        __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(o + (size_t)2 * LLM_PACK_ROWS)));
        for (int c = 0; c < 4; c++) {
            __m512i s[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int k = 0; k < 8; k++) {
                __m512i w = _mm512_loadu_si512((const void *)(o + LLM_PACK_Q4K_QS + (size_t)512 * c + (size_t)64 * k));
                s[0] = _mm512_dpbusd_epi32(s[0], _mm512_and_si512(w, m4), _mm512_set1_epi32(rd_i32(x[(size_t)2 * c].q + (size_t)4 * k)));
                s[1] = _mm512_dpbusd_epi32(s[1], _mm512_and_si512(_mm512_srli_epi16(w, 4), m4),
                                           _mm512_set1_epi32(rd_i32(x[2 * c + 1].q + (size_t)4 * k)));
            }
            for (int e = 0; e < 2; e++) {
                int j = 2 * c + e;
                const llm_q8 *xj = x + j;
                /* sc * s and m * sum(q) are below 2^24: exact in float */
                __m512 sc = _mm512_cvtepi32_ps(
                    _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(o + LLM_PACK_Q4K_SC + (size_t)16 * j))));
                __m512 mn = _mm512_cvtepi32_ps(
                    _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(o + LLM_PACK_Q4K_MIN + (size_t)16 * j))));
                __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s[e]), sc);
                __m512 t = _mm512_mul_ps(mn, _mm512_set1_ps((float)-(xj->s[0] + xj->s[1])));
                __m512 dx = _mm512_set1_ps(xj->d);
                acc = _mm512_fmadd_ps(v, _mm512_mul_ps(d, dx), acc);
                acc = _mm512_fmadd_ps(t, _mm512_mul_ps(dmin, dx), acc);
            }
        }
    }
    _mm512_storeu_ps(out, acc);
}

/* Bit j of every byte of v moved to bit 4, the other bits cleared (the
 * 16-bit shifts never carry that bit across bytes: j < 8). */
__attribute__((always_inline)) T512 static inline __m512i bit4_512(__m512i v, int j)
{
    v = j > 4 ? _mm512_srli_epi16(v, (unsigned)(j - 4)) : j < 4 ? _mm512_slli_epi16(v, (unsigned)(4 - j)) : v;
    return _mm512_and_si512(v, _mm512_set1_epi8(0x10));
}

__attribute__((always_inline)) T512 static inline __m256i bit4_256(__m256i v, int j)
{
    v = j > 4 ? _mm256_srli_epi16(v, j - 4) : j < 4 ? _mm256_slli_epi16(v, 4 - j) : v;
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* Q5_K: the lines in memory order (per piece k: the qh line, then the qs
 * lines of chunks 0..3), all eight blocks at once: q = nibble | qh bit j
 * << 4 (0..31), vpdpbusd against block j's broadcast activations into
 * eight integer accumulators; then per block in order, as Q4_K, the sum
 * times the 6-bit scale and the min term, two FMAs. (Named accumulators
 * and inline helpers: clang keeps an array of them in memory.) */
__attribute__((always_inline)) T512 static inline void q5_chunk(const uint8_t *line, __m512i H, int c, const llm_q8 *x,
                                                                 size_t k, __m512i *s0, __m512i *s1)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    __m512i L = _mm512_loadu_si512((const void *)(line + 64 + (size_t)64 * c));
    __m512i lo = _mm512_or_si512(_mm512_and_si512(L, m4), bit4_512(H, 2 * c));
    __m512i hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(L, 4), m4), bit4_512(H, 2 * c + 1));
    *s0 = _mm512_dpbusd_epi32(*s0, lo, _mm512_set1_epi32(rd_i32(x[(size_t)2 * c].q + 4 * k)));
    *s1 = _mm512_dpbusd_epi32(*s1, hi, _mm512_set1_epi32(rd_i32(x[2 * c + 1].q + 4 * k)));
}

/* acc += the two FMAs of block j (sum s) of the 16 rows. */
__attribute__((always_inline)) T512 static inline __m512 q5_fma(const uint8_t *o, const llm_q8 *x, int j, __m512i s,
                                                                __m512 d, __m512 dmin, __m512 acc)
{
    const llm_q8 *xj = x + j;
    /* sc * s and m * sum(q) are below 2^24: exact in float */
    __m512 sc = _mm512_cvtepi32_ps(
        _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(o + LLM_PACK_Q5K_SC + (size_t)16 * j))));
    __m512 mn = _mm512_cvtepi32_ps(
        _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(o + LLM_PACK_Q5K_MIN + (size_t)16 * j))));
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s), sc);
    __m512 t = _mm512_mul_ps(mn, _mm512_set1_ps((float)-(xj->s[0] + xj->s[1])));
    __m512 dx = _mm512_set1_ps(xj->d);
    acc = _mm512_fmadd_ps(v, _mm512_mul_ps(d, dx), acc);
    return _mm512_fmadd_ps(t, _mm512_mul_ps(dmin, dx), acc);
}

T512 static void gemv16_q5_k(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    __m512 acc = _mm512_setzero_ps();
    const uint8_t *o = group;
    for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q5K_BYTES, x += 8) {
        __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        _Pragma("GCC unroll 8") for (size_t k = 0; k < 8; k++)
        {
            const uint8_t *line = o + LLM_PACK_Q5K_QS + LLM_PACK_Q5K_LINE * k;
            __m512i H = _mm512_loadu_si512((const void *)line);
            q5_chunk(line, H, 0, x, k, &s0, &s1);
            q5_chunk(line, H, 1, x, k, &s2, &s3);
            q5_chunk(line, H, 2, x, k, &s4, &s5);
            q5_chunk(line, H, 3, x, k, &s6, &s7);
        }
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o));
        __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(o + (size_t)2 * LLM_PACK_ROWS)));
        acc = q5_fma(o, x, 0, s0, d, dmin, acc);
        acc = q5_fma(o, x, 1, s1, d, dmin, acc);
        acc = q5_fma(o, x, 2, s2, d, dmin, acc);
        acc = q5_fma(o, x, 3, s3, d, dmin, acc);
        acc = q5_fma(o, x, 4, s4, d, dmin, acc);
        acc = q5_fma(o, x, 5, s5, d, dmin, acc);
        acc = q5_fma(o, x, 6, s6, d, dmin, acc);
        acc = q5_fma(o, x, 7, s7, d, dmin, acc);
    }
    _mm512_storeu_ps(out, acc);
}

/* Q6_K: per block, u = q + 32 rebuilt from a ql line and a qh line of
 * the 16 rows (shifts and masks), vpdpbusd against the broadcast
 * activations, started from -32 x the sub-block's sum of q; the two
 * sub-block sums times their scales in float (exact: below 2^24). */
/* Half nn of a superblock (blocks 4nn .. 4nn + 3) for the 16 rows: the
 * lines are read once, in memory order (per piece k: the qh line and the
 * two ql lines), into eight integer accumulators (block, sub-block); the
 * four FMAs then run in block order. */
__attribute__((always_inline)) T512 static inline __m512 q6_half16(const uint8_t *o, const llm_q8 *x, int nn, __m512 d,
                                                                    __m512 acc)
{
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3);
    const uint8_t *ql0 = o + llm_q6k_ql((size_t)2 * nn), *ql1 = o + llm_q6k_ql((size_t)2 * nn + 1);
    const uint8_t *qh = o + llm_q6k_qh((size_t)nn);
    x += (size_t)4 * nn;
    __m512i s[4][2];
    _Pragma("GCC unroll 4") for (int kk = 0; kk < 4; kk++) {
        s[kk][0] = _mm512_set1_epi32(-32 * x[kk].s[0]);
        s[kk][1] = _mm512_set1_epi32(-32 * x[kk].s[1]);
    }
    _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {
        __m512i H = _mm512_loadu_si512((const void *)(qh + (size_t)LLM_PACK_Q6K_LINE * k));
        __m512i L0 = _mm512_loadu_si512((const void *)(ql0 + (size_t)LLM_PACK_Q6K_LINE * k));
        __m512i L1 = _mm512_loadu_si512((const void *)(ql1 + (size_t)LLM_PACK_Q6K_LINE * k));
        __m512i lo[4] = {_mm512_and_si512(L0, m4), _mm512_and_si512(L1, m4), _mm512_and_si512(_mm512_srli_epi16(L0, 4), m4),
                         _mm512_and_si512(_mm512_srli_epi16(L1, 4), m4)};
        __m512i hi[4] = {_mm512_slli_epi16(_mm512_and_si512(H, m3), 4),
                         _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 2), m3), 4),
                         _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 4), m3), 4),
                         _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 6), m3), 4)};
        _Pragma("GCC unroll 4") for (int kk = 0; kk < 4; kk++)
            s[kk][k / 4] = _mm512_dpbusd_epi32(s[kk][k / 4], _mm512_or_si512(lo[kk], hi[kk]),
                                               _mm512_set1_epi32(rd_i32(x[kk].q + (size_t)4 * k)));
    }
    _Pragma("GCC unroll 4") for (int kk = 0; kk < 4; kk++) {
        const uint8_t *sc = o + LLM_PACK_Q6K_SC + (size_t)32 * (4 * nn + kk);
        __m512 sa = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)sc)));
        __m512 sb = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(sc + 16))));
        __m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s[kk][0]), sa),
                                 _mm512_mul_ps(_mm512_cvtepi32_ps(s[kk][1]), sb));
        acc = _mm512_fmadd_ps(v, _mm512_mul_ps(d, _mm512_set1_ps(x[kk].d)), acc);
    }
    return acc;
}

T512 static void gemv16_q6_k(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    __m512 acc = _mm512_setzero_ps();
    const uint8_t *o = group;
    for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q6K_BYTES, x += 8) {
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o));
        acc = q6_half16(o, x, 0, d, acc);
        acc = q6_half16(o, x, 1, d, acc);
    }
    _mm512_storeu_ps(out, acc);
}

/* ---- SiLU with a vector exp --------------------------------------------- *
 * llm_expf lane for lane: clamp to [-104, 89], n = round(x log2 e),
 * r = x - n ln 2, the Taylor polynomial to r^7, 2^n applied with
 * vscalefps. */
T512 static inline __m512 exp_ps(__m512 x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(89.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

T512 static void silu(float *g, const float *u, size_t n)
{
    size_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(g + i);
        __m512 e = exp_ps(_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), sign)));
        _mm512_storeu_ps(g + i, _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(one, e)), _mm512_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + llm_expf(-g[i])) * u[i];
}

/* ---- attention: one query row, head size 64 or 128 in registers ------- *
 * q.k in sixteen lanes and sum16, the values weighted by exp(score - max)
 * by FMA, one multiplication by 1 / sum at the end (llm_attn_generic). */
#define ATTN(NV)                                                                                            \
    T512 static void attn_##NV(const float *q, const float *k, const float *v, size_t stride, int npos,     \
                               float scale, float slope, float *att, float *out)                           \
    {                                                                                                       \
        __m512 qv[(NV)], o[(NV)];                                                                           \
        _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) qv[i] = _mm512_loadu_ps(q + 16 * i);      \
        float mx = -INFINITY;                                                                               \
        for (int p = 0; p < npos; p++) {                                                                    \
            const float *kp = k + (size_t)p * stride;                                                       \
            __m512 a = _mm512_setzero_ps();                                                                 \
            _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) a =                                   \
                _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(kp + 16 * i), a);                                    \
            float d = sum16(a) * scale;                                                                     \
            if (slope != 0) d -= slope * (float)(npos - 1 - p);                                             \
            att[p] = d;                                                                                     \
            mx = d > mx ? d : mx;                                                                           \
        }                                                                                                   \
        float sum = 0;                                                                                      \
        for (int p = 0; p < npos; p++) {                                                                    \
            att[p] = expf(att[p] - mx);                                                                     \
            sum += att[p];                                                                                  \
        }                                                                                                   \
        _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) o[i] = _mm512_setzero_ps();               \
        for (int p = 0; p < npos; p++) {                                                                    \
            const float *vp = v + (size_t)p * stride;                                                       \
            __m512 a = _mm512_set1_ps(att[p]);                                                              \
            _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) o[i] =                                \
                _mm512_fmadd_ps(a, _mm512_loadu_ps(vp + 16 * i), o[i]);                                     \
        }                                                                                                   \
        __m512 inv = _mm512_set1_ps(1.0f / sum);                                                            \
        _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++)                                           \
            _mm512_storeu_ps(out + 16 * i, _mm512_mul_ps(o[i], inv));                                       \
    }

ATTN(4)
ATTN(8)

static void attn(const llm_kernels *kn, const float *q, const float *k, const float *v, size_t stride, int npos, int hd,
                 float scale, float slope, float *att, float *out)
{
    if (hd == 64) attn_4(q, k, v, stride, npos, scale, slope, att, out);
    else if (hd == 128) attn_8(q, k, v, stride, npos, scale, slope, att, out);
    else llm_attn_generic(kn, q, k, v, stride, npos, hd, scale, slope, att, out);
}

/* ---- packed activations ------------------------------------------------ */

#define XT_BLOCK 640 /* 8 x 64 bytes of activations, 16 scales, 16 sums of q (float) */

static size_t xt_size(size_t nt, size_t n) { return (nt + 15) / 16 * (n / 32) * XT_BLOCK; }

static void xt_pack(const llm_q8 *x, size_t x_stride, size_t nt, size_t n, void *xt)
{
    size_t nb = n / 32, groups = (nt + 15) / 16;
    uint8_t *o = xt;
    for (size_t g = 0; g < groups; g++)
        for (size_t b = 0; b < nb; b++) {
            uint8_t *blk = o + (g * nb + b) * XT_BLOCK;
            float d[16];
            float sum[16]; /* sums of q, exact in float */
            for (size_t t = 0; t < 16; t++) {
                size_t tok = g * 16 + t;
                if (tok >= nt) {
                    for (size_t k = 0; k < 8; k++) memset(blk + 64 * k + 4 * t, 0x80, 4);
                    d[t] = 0;
                    sum[t] = 0;
                    continue;
                }
                const llm_q8 *q = x + tok * x_stride + b;
                for (size_t k = 0; k < 8; k++) {
                    uint32_t v;
                    memcpy(&v, q->q + 4 * k, 4);
                    v ^= 0x80808080u;
                    memcpy(blk + 64 * k + 4 * t, &v, 4);
                }
                d[t] = q->d;
                sum[t] = (float)(q->s[0] + q->s[1]);
            }
            memcpy(blk + 512, d, sizeof d);
            memcpy(blk + 576, sum, sizeof sum);
        }
}

/* ---- weights of a tile: 8 rows ----------------------------------------- *
 * Per block: 8 rows x 8 dwords of signed bytes, 8 x (-128 * sum), 8 scales
 * (Q4_K, Q5_K: d, and the 6-bit scale, -min and dmin). */
#define TR 8 /* rows per tile */
typedef struct {
    int32_t w[TR][8];
    int32_t corr[TR];
    float d[TR];
    float sc[TR], negm[TR], dmin[TR]; /* Q4_K, Q5_K: the block's scale, -min, dmin */
    float sc2[TR];                     /* Q6_K: sc the first sub-block's scale, sc2 the second's */
    int32_t corr2[TR];                 /* Q6_K: corr covers the first 16 values, corr2 the last 16 */
} wp_blk;

/* Signed bytes v of row r into blk: the dwords, -128 * sum and the scale. */
T512 static inline void wp_put(wp_blk *blk, int r, __m256i v, float d)
{
    _mm256_storeu_si256((__m256i *)(void *)blk->w[r], v);
    /* sum of signed bytes: psadbw of v ^ 0x80 against 0 gives sum(v + 128) */
    __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(v, _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
    __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
    int64_t sum = _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1) - (int64_t)32 * 128;
    blk->corr[r] = (int32_t)(-128 * sum);
    blk->d[r] = d;
}

/* Row r of block b of a packed group (the layout in kernels.h). */
T512 static void wp_q4_0(const uint8_t *group, size_t nb, int r, int slot, wp_blk *wp)
{
    const uint8_t *blk = group;
    for (size_t b = 0; b < nb; b++, blk += GRP_HEAD + (size_t)4 * 64) {
        const uint8_t *o = blk + GRP_HEAD + 4 * (size_t)r;
        __m128i raw = _mm_setr_epi32(rd_i32(o), rd_i32(o + 64), rd_i32(o + 128), rd_i32(o + 192));
        __m256i v = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
        v = _mm256_sub_epi8(_mm256_and_si256(v, _mm256_set1_epi8(0xF)), _mm256_set1_epi8(8));
        uint16_t h;
        memcpy(&h, blk + 2 * (size_t)r, 2);
        wp_put(&wp[b], slot, v, _cvtsh_ss(h));
    }
}

T512 static void wp_q8_0(const uint8_t *group, size_t nb, int r, int slot, wp_blk *wp)
{
    const uint8_t *blk = group;
    for (size_t b = 0; b < nb; b++, blk += GRP_HEAD + (size_t)8 * 64) {
        const uint8_t *o = blk + GRP_HEAD + 4 * (size_t)r;
        __m256i v = _mm256_setr_epi32(rd_i32(o), rd_i32(o + 64), rd_i32(o + 128), rd_i32(o + 192), rd_i32(o + 256),
                                      rd_i32(o + 320), rd_i32(o + 384), rd_i32(o + 448));
        v = _mm256_xor_si256(v, _mm256_set1_epi8((char)0x80));
        uint16_t h;
        memcpy(&h, blk + 2 * (size_t)r, 2);
        wp_put(&wp[b], slot, v, _cvtsh_ss(h));
    }
}

T512 static void wp_q4_k(const uint8_t *group, size_t nb, int r, int slot, wp_blk *wp)
{
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const uint8_t *o = group;
    for (size_t b = 0; b < nb; b += 8, o += LLM_PACK_Q4K_BYTES) {
        uint16_t h[2];
        memcpy(&h[0], o + (size_t)2 * r, 2);
        memcpy(&h[1], o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r, 2);
        float d = _cvtsh_ss(h[0]), dmin = _cvtsh_ss(h[1]);
        for (int c = 0; c < 4; c++) {
            const uint8_t *q = o + LLM_PACK_Q4K_QS + (size_t)512 * c + 4 * (size_t)r;
            __m256i v = _mm256_setr_epi32(rd_i32(q), rd_i32(q + 64), rd_i32(q + 128), rd_i32(q + 192), rd_i32(q + 256),
                                          rd_i32(q + 320), rd_i32(q + 384), rd_i32(q + 448));
            for (int e = 0; e < 2; e++) {
                int j = 2 * c + e;
                wp_blk *blk = &wp[b + (size_t)j];
                wp_put(blk, slot, e ? _mm256_and_si256(_mm256_srli_epi16(v, 4), m4) : _mm256_and_si256(v, m4), d);
                blk->sc[slot] = (float)o[LLM_PACK_Q4K_SC + 16 * j + r];
                blk->negm[slot] = -(float)o[LLM_PACK_Q4K_MIN + 16 * j + r];
                blk->dmin[slot] = dmin;
            }
        }
    }
}

/* Q5_K: q = nibble | qh bit << 4 (0..31), then as Q4_K. */
T512 static void wp_q5_k(const uint8_t *group, size_t nb, int r, int slot, wp_blk *wp)
{
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const uint8_t *o = group;
    for (size_t b = 0; b < nb; b += 8, o += LLM_PACK_Q5K_BYTES) {
        uint16_t h[2];
        memcpy(&h[0], o + (size_t)2 * r, 2);
        memcpy(&h[1], o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r, 2);
        float d = _cvtsh_ss(h[0]), dmin = _cvtsh_ss(h[1]);
        int32_t qh[8];
        for (size_t k = 0; k < 8; k++) qh[k] = rd_i32(o + llm_q5k_qh() + LLM_PACK_Q5K_LINE * k + 4 * (size_t)r);
        __m256i H = _mm256_loadu_si256((const __m256i *)(const void *)qh);
        _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++)
        {
            int32_t q[8];
            for (size_t k = 0; k < 8; k++) q[k] = rd_i32(o + llm_q5k_qs((size_t)c) + LLM_PACK_Q5K_LINE * k + 4 * (size_t)r);
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
            _Pragma("GCC unroll 2") for (int e = 0; e < 2; e++)
            {
                int j = 2 * c + e;
                wp_blk *blk = &wp[b + (size_t)j];
                __m256i nib = e ? _mm256_and_si256(_mm256_srli_epi16(v, 4), m4) : _mm256_and_si256(v, m4);
                wp_put(blk, slot, _mm256_or_si256(nib, bit4_256(H, j)), d);
                blk->sc[slot] = (float)o[LLM_PACK_Q5K_SC + 16 * j + r];
                blk->negm[slot] = -(float)o[LLM_PACK_Q5K_MIN + 16 * j + r];
                blk->dmin[slot] = dmin;
            }
        }
    }
}

/* -128 x the sum of the signed bytes of one 128-bit half of v. */
T512 static inline int32_t half_corr(__m256i v, int hi)
{
    __m128i h = hi ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v);
    __m128i sad = _mm_sad_epu8(_mm_xor_si128(h, _mm_set1_epi8((char)0x80)), _mm_setzero_si128());
    int64_t sum = _mm_cvtsi128_si64(sad) + _mm_extract_epi64(sad, 1) - (int64_t)16 * 128;
    return (int32_t)(-128 * sum);
}

T512 static void wp_q6_k(const uint8_t *group, size_t nb, int r, int slot, wp_blk *wp)
{
    const __m256i m4 = _mm256_set1_epi8(0xF), m3 = _mm256_set1_epi8(3), c32 = _mm256_set1_epi8(32);
    const uint8_t *o = group;
    for (size_t b = 0; b < nb; b += 8, o += LLM_PACK_Q6K_BYTES) {
        uint16_t h;
        memcpy(&h, o + (size_t)2 * r, 2);
        float d = _cvtsh_ss(h);
        for (int j = 0; j < 8; j++) {
            int nn = j >> 2, kk = j & 3;
            const uint8_t *ql = o + llm_q6k_ql((size_t)2 * nn + (size_t)(kk & 1)) + 4 * (size_t)r;
            const uint8_t *qh = o + llm_q6k_qh((size_t)nn) + 4 * (size_t)r;
            int32_t l[8], hb[8];
            for (size_t k = 0; k < 8; k++) {
                l[k] = rd_i32(ql + LLM_PACK_Q6K_LINE * k);
                hb[k] = rd_i32(qh + LLM_PACK_Q6K_LINE * k);
            }
            __m256i L = _mm256_loadu_si256((const __m256i *)l), H = _mm256_loadu_si256((const __m256i *)hb);
            __m256i u = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L, 4 * (kk >> 1)), m4),
                                        _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(H, 2 * kk), m3), 4));
            __m256i v = _mm256_sub_epi8(u, c32);
            wp_blk *blk = &wp[b + (size_t)j];
            wp_put(blk, slot, v, d);
            blk->corr[slot] = half_corr(v, 0);
            blk->corr2[slot] = half_corr(v, 1);
            blk->sc[slot] = (float)(int8_t)o[LLM_PACK_Q6K_SC + 16 * (2 * j) + r];
            blk->sc2[slot] = (float)(int8_t)o[LLM_PACK_Q6K_SC + 16 * (2 * j + 1) + r];
        }
    }
}

typedef void (*wp_fn)(const uint8_t *group, size_t nb, int r, int slot, wp_blk *wp);

/* Rows [row0, row0 + nr) and tokens [tok0, tok0 + ntok) of a tile's
 * accumulators (row r's 16 token lanes in acc[r]) into out. */
T512 static inline void tile_store(const __m512 *acc, float *out, size_t ldo, size_t row0, int nr, size_t tok0,
                                   size_t ntok)
{
    for (int r = 0; r < nr; r++) {
        float v[16];
        _mm512_storeu_ps(v, acc[r]);
        for (size_t t = 0; t < 16 && t < ntok; t++) out[(tok0 + t) * ldo + row0 + (size_t)r] = v[t];
    }
}

/* TR rows x 16 tokens; writes rows [row0, row0 + nr) and tokens
 * [tok0, tok0 + ntok) of out. */
T512 static void tile(const wp_blk *wp, size_t nb, const uint8_t *xt, float *out, size_t ldo, size_t row0, int nr,
                      size_t tok0, size_t ntok)
{
    __m512 acc[TR];
    _Pragma("GCC unroll 16") for (int r = 0; r < TR; r++) acc[r] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; b++, xt += XT_BLOCK, wp++) {
        __m512i xa[8];
        _Pragma("GCC unroll 8") for (size_t k = 0; k < 8; k++) xa[k] = _mm512_load_si512((const void *)(xt + 64 * k));
        __m512 dx = _mm512_load_ps((const void *)(xt + 512));
        _Pragma("GCC unroll 16") for (int r = 0; r < TR; r++)
        {
            __m512i s = _mm512_set1_epi32(wp->corr[r]);
            _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) s =
                _mm512_dpbusd_epi32(s, xa[k], _mm512_set1_epi32(wp->w[r][k]));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dx, _mm512_set1_ps(wp->d[r])), acc[r]);
        }
    }
    tile_store(acc, out, ldo, row0, nr, tok0, ntok);
}

/* The Q4_K tile: as tile(), the integer sums times the 6-bit scale, then
 * the min term (-m times the tokens' sums of q) by a second FMA. */
T512 static void tile_q4_k(const wp_blk *wp, size_t nb, const uint8_t *xt, float *out, size_t ldo, size_t row0, int nr,
                           size_t tok0, size_t ntok)
{
    __m512 acc[TR];
    _Pragma("GCC unroll 16") for (int r = 0; r < TR; r++) acc[r] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; b++, xt += XT_BLOCK, wp++) {
        __m512i xa[8];
        _Pragma("GCC unroll 8") for (size_t k = 0; k < 8; k++) xa[k] = _mm512_load_si512((const void *)(xt + 64 * k));
        __m512 dx = _mm512_load_ps((const void *)(xt + 512));
        __m512 xs = _mm512_load_ps((const void *)(xt + 576));
        _Pragma("GCC unroll 16") for (int r = 0; r < TR; r++)
        {
            __m512i s = _mm512_set1_epi32(wp->corr[r]);
            _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) s =
                _mm512_dpbusd_epi32(s, xa[k], _mm512_set1_epi32(wp->w[r][k]));
            /* sc * s and -m * sum(q) are below 2^24: exact in float */
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(wp->sc[r]));
            __m512 t = _mm512_mul_ps(xs, _mm512_set1_ps(wp->negm[r]));
            acc[r] = _mm512_fmadd_ps(v, _mm512_mul_ps(dx, _mm512_set1_ps(wp->d[r])), acc[r]);
            acc[r] = _mm512_fmadd_ps(t, _mm512_mul_ps(dx, _mm512_set1_ps(wp->dmin[r])), acc[r]);
        }
    }
    tile_store(acc, out, ldo, row0, nr, tok0, ntok);
}

/* The Q6_K tile: the two sub-block sums of each block kept apart, times
 * their scales in float (exact), one FMA per block. */
T512 static void tile_q6_k(const wp_blk *wp, size_t nb, const uint8_t *xt, float *out, size_t ldo, size_t row0, int nr,
                           size_t tok0, size_t ntok)
{
    __m512 acc[TR];
    _Pragma("GCC unroll 16") for (int r = 0; r < TR; r++) acc[r] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; b++, xt += XT_BLOCK, wp++) {
        __m512i xa[8];
        _Pragma("GCC unroll 8") for (size_t k = 0; k < 8; k++) xa[k] = _mm512_load_si512((const void *)(xt + 64 * k));
        __m512 dx = _mm512_load_ps((const void *)(xt + 512));
        _Pragma("GCC unroll 16") for (int r = 0; r < TR; r++)
        {
            __m512i s0 = _mm512_set1_epi32(wp->corr[r]), s1 = _mm512_set1_epi32(wp->corr2[r]);
            _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++)
            {
                s0 = _mm512_dpbusd_epi32(s0, xa[k], _mm512_set1_epi32(wp->w[r][k]));
                s1 = _mm512_dpbusd_epi32(s1, xa[k + 4], _mm512_set1_epi32(wp->w[r][k + 4]));
            }
            __m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(s0), _mm512_set1_ps(wp->sc[r])),
                                     _mm512_mul_ps(_mm512_cvtepi32_ps(s1), _mm512_set1_ps(wp->sc2[r])));
            acc[r] = _mm512_fmadd_ps(v, _mm512_mul_ps(dx, _mm512_set1_ps(wp->d[r])), acc[r]);
        }
    }
    tile_store(acc, out, ldo, row0, nr, tok0, ntok);
}

typedef void (*tile_fn)(const wp_blk *wp, size_t nb, const uint8_t *xt, float *out, size_t ldo, size_t row0, int nr,
                        size_t tok0, size_t ntok);

/* Token groups per pass: the packed activations of a pass stay in L2. */
#define PASS_BYTES (1024u << 10)

/* Scratch for the unpacked weights of one tile of rows. */
static size_t gemm_scratch(size_t n) { return (n / 32 * sizeof(wp_blk) + 63) / 64 * 64; }

static void gemm_packed(wp_fn unpack, tile_fn run_tile, uint32_t type, const uint8_t *pk, size_t r0, size_t r1, size_t n,
                        const void *xt, size_t nt, float *out, size_t ldo, void *scratch)
{
    size_t nb = n / 32, groups = (nt + 15) / 16, gstride = nb * XT_BLOCK, wstride = nb * llm_pack_block_bytes(type);
    size_t per_pass = PASS_BYTES / gstride;
    if (per_pass < 1) per_pass = 1;
    wp_blk *wp = scratch;
    for (size_t g0 = 0; g0 < groups; g0 += per_pass) {
        size_t g1 = g0 + per_pass < groups ? g0 + per_pass : groups;
        for (size_t r = r0; r < r1; r += TR) {
            const uint8_t *group = pk + r / LLM_PACK_ROWS * wstride;
            for (int i = 0; i < TR; i++) unpack(group, nb, (int)(r % LLM_PACK_ROWS) + i, i, wp);
            for (size_t g = g0; g < g1; g++) {
                size_t tok0 = g * 16, ntok = nt - tok0 < 16 ? nt - tok0 : 16;
                run_tile(wp, nb, (const uint8_t *)xt + g * gstride, out, ldo, r, TR, tok0, ntok);
            }
        }
    }
}

static void gemm_q4_0(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(wp_q4_0, tile, QT_Q4_0, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

static void gemm_q8_0(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(wp_q8_0, tile, QT_Q8_0, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

static void gemm_q4_k(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(wp_q4_k, tile_q4_k, QT_Q4_K, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

/* Q5_K: the Q4_K tile (the same arithmetic on q 0..31). */
static void gemm_q5_k(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(wp_q5_k, tile_q4_k, QT_Q5_K, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

static void gemm_q6_k(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(wp_q6_k, tile_q6_k, QT_Q6_K, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

void llm_kernels_init_avx512(llm_kernels *k)
{
    k->level = LLM_CPU_AVX512;
    k->name = "avx512";
    k->gemv16[QT_Q4_0] = gemv16_q4_0;
    k->gemv16[QT_Q8_0] = gemv16_q8_0;
    k->gemm[QT_Q4_0] = gemm_q4_0;
    k->gemm[QT_Q8_0] = gemm_q8_0;
    k->gemm[QT_Q4_K] = gemm_q4_k;
    k->gemv16[QT_Q4_K] = gemv16_q4_k;
    k->gemm[QT_Q5_K] = gemm_q5_k;
    k->gemv16[QT_Q5_K] = gemv16_q5_k;
    k->gemm[QT_Q6_K] = gemm_q6_k;
    k->gemv16[QT_Q6_K] = gemv16_q6_k;
    k->attn = attn;
    k->silu = silu;
    k->xt_size = xt_size;
    k->xt_pack = xt_pack;
    k->gemm_scratch = gemm_scratch;
}

#else

void llm_kernels_init_avx512(llm_kernels *k) { (void)k; }

#endif
