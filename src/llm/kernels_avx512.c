/* kernels_avx512.c — AVX-512 (F, BW, VL) + VNNI kernels, with per-function
 * target attributes (see kernels_avx2.c).
 *
 * One token (decode): per block of 32, vpdpbusd of |w| and sign(q, w) on
 * 256-bit vectors, to float, times d_w * d_x.
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
#include "llm/kernels.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

T512 static inline float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

T512 static inline float f16s(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

T512 static inline __m256i dot32_s8(__m256i w, __m256i q)
{
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(q, w));
}

T512 static inline __m256i q4_0_unpack(const uint8_t *qs)
{
    __m128i raw = _mm_loadu_si128((const __m128i *)qs);
    __m256i v = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
    return _mm256_sub_epi8(_mm256_and_si256(v, _mm256_set1_epi8(0xF)), _mm256_set1_epi8(8));
}

T512 static inline __m256i q8_0_load(const uint8_t *qs) { return _mm256_loadu_si256((const __m256i *)qs); }

#define DOTQ(name, unpack, bytes)                                                                       \
    T512 static float name(const void *row, const llm_q8 *x, size_t n)                                   \
    {                                                                                                  \
        const uint8_t *b = row;                                                                        \
        size_t nb = n / 32, i = 0;                                                                     \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                                 \
        for (; i + 2 <= nb; i += 2, b += (size_t)2 * (bytes), x += 2) {                                        \
            __m256i p0 = dot32_s8(unpack(b + 2), _mm256_loadu_si256((const __m256i *)x[0].q));         \
            __m256i p1 = dot32_s8(unpack(b + (bytes) + 2), _mm256_loadu_si256((const __m256i *)x[1].q)); \
            acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(f16s(b) * x[0].d), acc0);     \
            acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_set1_ps(f16s(b + (bytes)) * x[1].d), acc1); \
        }                                                                                              \
        for (; i < nb; i++, b += (bytes), x++) {                                                       \
            __m256i p0 = dot32_s8(unpack(b + 2), _mm256_loadu_si256((const __m256i *)x->q));           \
            acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(f16s(b) * x->d), acc0);       \
        }                                                                                              \
        return hsum8(_mm256_add_ps(acc0, acc1));                                                       \
    }

DOTQ(dotq_q4_0, q4_0_unpack, QB_Q4_0)
DOTQ(dotq_q8_0, q8_0_load, QB_Q8_0)

/* ---- one token, four blocks per 512-bit vector ------------------------- *
 * Repacked activations, per 4 blocks (512 bytes): the first halves of the
 * 4 blocks (s8, 64 bytes), the second halves, the 4 blocks + 128 as u8
 * (128 bytes), -8 x the sums that each dword lane of a Q4_0 product
 * covers (16 x i32), the scale of each lane for 4 x 16-byte lanes (16 x
 * f32) and for 2 x 32-byte halves (2 x 16 x f32). */
#define XD_GROUP 512

static size_t xd_size(size_t n) { return (n / 128) * XD_GROUP; }

static void xd_pack(const llm_q8 *x, size_t n, void *xd)
{
    uint8_t *o = xd;
    for (size_t g = 0; g < n / 128; g++, o += XD_GROUP, x += 4) {
        int32_t corr[16];
        float d4[16], d8[32];
        for (size_t k = 0; k < 4; k++) {
            memcpy(o + 16 * k, x[k].q, 16);
            memcpy(o + 64 + 16 * k, x[k].q + 16, 16);
            for (int j = 0; j < 32; j++) o[128 + 32 * k + j] = (uint8_t)(x[k].q[j] + 128);
            for (int j = 0; j < 4; j++) {
                int s = 0;
                for (int i = 0; i < 4; i++) s += x[k].q[4 * j + i] + x[k].q[16 + 4 * j + i];
                corr[4 * k + j] = -8 * s;
                d4[4 * k + j] = x[k].d;
            }
            for (int j = 0; j < 8; j++) d8[8 * k + j] = x[k].d;
        }
        memcpy(o + 256, corr, 64);
        memcpy(o + 320, d4, 64);
        memcpy(o + 384, d8, 128);
    }
}

/* Words of 4 Q4_0 blocks (72 bytes from the first): qs of block k (words
 * 1 + 9k ..) to words 8k.., and the scales (word 9k) 4 times each. */
T512 static float dotd_q4_0(const void *row, const llm_q8 *x, const void *xd, size_t n)
{
    const uint8_t *b = row, *o = xd;
    size_t ng = n / 128, nb = n / 32;
    __m512i iq = _mm512_set_epi16(35, 34, 33, 32, 31, 30, 29, 28, 26, 25, 24, 23, 22, 21, 20, 19, 17, 16, 15, 14, 13,
                                  12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1);
    __m512i isc = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 27, 27, 27, 27, 18, 18, 18, 18, 9,
                                   9, 9, 9, 0, 0, 0, 0);
    const __m512i m4 = _mm512_set1_epi8(0xF);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
#define Q4_GROUP(acc, bp, op)                                                                                   \
    do {                                                                                                        \
        __m512i A = _mm512_loadu_si512((const void *)(bp));                                                     \
        __m512i B = _mm512_maskz_loadu_epi16(0xF, (const void *)((bp) + 64));                                   \
        __m512i v = _mm512_permutex2var_epi16(A, iq, B);                                                        \
        __m512i sc = _mm512_permutex2var_epi16(A, isc, B);                                                      \
        __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);               \
        __m512i s = _mm512_load_si512((const void *)((op) + 256));                                              \
        s = _mm512_dpbusd_epi32(s, lo, _mm512_load_si512((const void *)(op)));                                  \
        s = _mm512_dpbusd_epi32(s, hi, _mm512_load_si512((const void *)((op) + 64)));                           \
        __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(sc)), _mm512_load_ps((const void *)((op) + 320))); \
        (acc) = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), d, (acc));                                                \
    } while (0)
    size_t g = 0;
    for (; g + 2 <= ng; g += 2, b += (size_t)8 * QB_Q4_0, o += (size_t)2 * XD_GROUP) {
        Q4_GROUP(acc0, b, o);
        Q4_GROUP(acc1, b + (size_t)4 * QB_Q4_0, o + XD_GROUP);
    }
    if (g < ng) {
        Q4_GROUP(acc0, b, o);
        b += (size_t)4 * QB_Q4_0;
    }
#undef Q4_GROUP
    float r = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    for (size_t i = 4 * ng; i < nb; i++, b += QB_Q4_0) {
        __m256i p = dot32_s8(q4_0_unpack(b + 2), _mm256_loadu_si256((const __m256i *)x[i].q));
        r += hsum8(_mm256_mul_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(f16s(b) * x[i].d)));
    }
    return r;
}

/* Two Q8_0 blocks (68 bytes) per vector: qs of block k (words 1 + 17k ..)
 * to words 16k.., scales (words 0, 17) 8 times each. Products as
 * (x + 128) * w - 128 * w. */
T512 static float dotd_q8_0(const void *row, const llm_q8 *x, const void *xd, size_t n)
{
    const uint8_t *b = row, *o = xd;
    size_t ng = n / 128, nb = n / 32;
    __m512i iq = _mm512_set_epi16(33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 16, 15, 14, 13, 12,
                                  11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    __m512i isc = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17, 17, 17, 17, 17, 17, 17, 0,
                                   0, 0, 0, 0, 0, 0, 0);
    const __m512i c128 = _mm512_set1_epi8((char)0x80);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (size_t g = 0; g < ng; g++, o += XD_GROUP) {
        for (size_t h = 0; h < 2; h++, b += (size_t)2 * QB_Q8_0) {
            __m512i A = _mm512_loadu_si512((const void *)b);
            __m512i B = _mm512_maskz_loadu_epi16(0x3, (const void *)(b + 64));
            __m512i w = _mm512_permutex2var_epi16(A, iq, B);
            __m512i sc = _mm512_permutex2var_epi16(A, isc, B);
            __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_load_si512((const void *)(o + 128 + 64 * h)), w);
            __m512i c = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c128, w);
            s = _mm512_sub_epi32(s, c);
            __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(sc)),
                                     _mm512_load_ps((const void *)(o + 384 + 64 * h)));
            if (h) acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), d, acc1);
            else acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), d, acc0);
        }
    }
    float r = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    for (size_t i = 4 * ng; i < nb; i++, b += QB_Q8_0) {
        __m256i p = dot32_s8(q8_0_load(b + 2), _mm256_loadu_si256((const __m256i *)x[i].q));
        r += hsum8(_mm256_mul_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(f16s(b) * x[i].d)));
    }
    return r;
}

/* ---- SiLU with a vector exp --------------------------------------------- *
 * exp(x) = 2^n * e^r, n = round(x log2 e), r = x - n ln 2 (|r| <= 0.35),
 * e^r by its Taylor series to r^7 (error < 1e-8 relative), 2^n applied
 * with vscalefps (which gives 0 / inf past the float range). */
T512 static inline __m512 exp_ps(__m512 x)
{
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x); /* ln 2 in two parts */
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
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(g + i);
        __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x));
        _mm512_storeu_ps(g + i, _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(one, e)), _mm512_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* ---- attention: one query row, head size 64 or 128 in registers ------- */
#define ATTN(NV)                                                                                            \
    T512 static void attn_##NV(const float *q, const float *k, const float *v, size_t stride, int npos,     \
                               float scale, float *att, float *out)                                        \
    {                                                                                                       \
        __m512 qv[(NV)], o[(NV)];                                                                               \
        _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) qv[i] = _mm512_loadu_ps(q + 16 * i);           \
        float mx = -INFINITY;                                                                               \
        for (int p = 0; p < npos; p++) {                                                                    \
            const float *kp = k + (size_t)p * stride;                                                       \
            __m512 a = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kp));                                           \
            _Pragma("GCC unroll 8") for (size_t i = 1; i < (NV); i++) a =                                        \
                _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(kp + 16 * i), a);                                    \
            float d = _mm512_reduce_add_ps(a) * scale;                                                      \
            att[p] = d;                                                                                     \
            mx = d > mx ? d : mx;                                                                           \
        }                                                                                                   \
        float sum = 0;                                                                                      \
        for (int p = 0; p < npos; p++) {                                                                    \
            att[p] = expf(att[p] - mx);                                                                     \
            sum += att[p];                                                                                  \
        }                                                                                                   \
        _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) o[i] = _mm512_setzero_ps();                    \
        for (int p = 0; p < npos; p++) {                                                                    \
            const float *vp = v + (size_t)p * stride;                                                       \
            __m512 a = _mm512_set1_ps(att[p]);                                                              \
            _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) o[i] =                                     \
                _mm512_fmadd_ps(a, _mm512_loadu_ps(vp + 16 * i), o[i]);                                     \
        }                                                                                                   \
        __m512 inv = _mm512_set1_ps(1.0f / sum);                                                            \
        _Pragma("GCC unroll 8") for (size_t i = 0; i < (NV); i++) _mm512_storeu_ps(out + 16 * i, _mm512_mul_ps(o[i], inv)); \
    }

ATTN(4)
ATTN(8)

static void attn(const float *q, const float *k, const float *v, size_t stride, int npos, int hd, float scale,
                 float *att, float *out)
{
    if (hd == 64) attn_4(q, k, v, stride, npos, scale, att, out);
    else if (hd == 128) attn_8(q, k, v, stride, npos, scale, att, out);
    else llm_attn_generic(q, k, v, stride, npos, hd, scale, att, out);
}

/* ---- packed activations ------------------------------------------------ */

#define XT_BLOCK 576 /* 8 x 64 bytes of activations + 16 scales */

static size_t xt_size(size_t nt, size_t n) { return (nt + 15) / 16 * (n / 32) * XT_BLOCK; }

static void xt_pack(const llm_q8 *x, size_t x_stride, size_t nt, size_t n, void *xt)
{
    size_t nb = n / 32, groups = (nt + 15) / 16;
    uint8_t *o = xt;
    for (size_t g = 0; g < groups; g++)
        for (size_t b = 0; b < nb; b++) {
            uint8_t *blk = o + (g * nb + b) * XT_BLOCK;
            float d[16];
            for (size_t t = 0; t < 16; t++) {
                size_t tok = g * 16 + t;
                if (tok >= nt) {
                    for (size_t k = 0; k < 8; k++) memset(blk + 64 * k + 4 * t, 0x80, 4);
                    d[t] = 0;
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
            }
            memcpy(blk + 512, d, sizeof d);
        }
}

/* ---- packed weights: 4 rows per tile ------------------------------------ *
 * Per block: 4 rows x 8 dwords of signed bytes, 4 x (-128 * sum), 4 scales. */
#define TR 8 /* rows per tile */
typedef struct {
    int32_t w[TR][8];
    int32_t corr[TR];
    float d[TR];
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

T512 static void wp_q4_0(const uint8_t *row, int r, size_t nb, wp_blk *wp)
{
    for (size_t b = 0; b < nb; b++, row += QB_Q4_0) wp_put(&wp[b], r, q4_0_unpack(row + 2), f16s(row));
}

T512 static void wp_q8_0(const uint8_t *row, int r, size_t nb, wp_blk *wp)
{
    for (size_t b = 0; b < nb; b++, row += QB_Q8_0) wp_put(&wp[b], r, q8_0_load(row + 2), f16s(row));
}

T512 static void wp_zero(int r, size_t nb, wp_blk *wp)
{
    for (size_t b = 0; b < nb; b++) wp_put(&wp[b], r, _mm256_setzero_si256(), 0.0f);
}

typedef void (*wp_fn)(const uint8_t *row, int r, size_t nb, wp_blk *wp);

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
    for (int r = 0; r < nr; r++) {
        float v[16];
        _mm512_storeu_ps(v, acc[r]);
        for (size_t t = 0; t < 16 && t < ntok; t++) out[(tok0 + t) * ldo + row0 + (size_t)r] = v[t];
    }
}

/* Token groups per pass: the packed activations of a pass stay in L2. */
#define PASS_BYTES (1024u << 10)

static void gemm_packed(wp_fn unpack, size_t bytes_per_block, const uint8_t *w, size_t row_bytes, size_t r0,
                        size_t r1, size_t n, const void *xt, size_t nt, float *out, size_t ldo)
{
    size_t nb = n / 32, groups = (nt + 15) / 16, gstride = nb * XT_BLOCK;
    size_t per_pass = PASS_BYTES / gstride;
    if (per_pass < 1) per_pass = 1;
    wp_blk *wp = aligned_alloc(64, (nb * sizeof *wp + 63) / 64 * 64);
    if (!wp) abort();
    (void)bytes_per_block;
    for (size_t g0 = 0; g0 < groups; g0 += per_pass) {
        size_t g1 = g0 + per_pass < groups ? g0 + per_pass : groups;
        for (size_t r = r0; r < r1; r += TR) {
            int nr = r1 - r < TR ? (int)(r1 - r) : TR;
            for (int i = 0; i < TR; i++) {
                if (i < nr) unpack(w + (r + (size_t)i) * row_bytes, i, nb, wp);
                else wp_zero(i, nb, wp);
            }
            for (size_t g = g0; g < g1; g++) {
                size_t tok0 = g * 16, ntok = nt - tok0 < 16 ? nt - tok0 : 16;
                tile(wp, nb, (const uint8_t *)xt + g * gstride, out, ldo, r, nr, tok0, ntok);
            }
        }
    }
    free(wp);
}

static void gemm_q4_0(const uint8_t *w, size_t row_bytes, size_t r0, size_t r1, size_t n, const void *xt, size_t nt,
                      float *out, size_t ldo)
{
    gemm_packed(wp_q4_0, QB_Q4_0, w, row_bytes, r0, r1, n, xt, nt, out, ldo);
}

static void gemm_q8_0(const uint8_t *w, size_t row_bytes, size_t r0, size_t r1, size_t n, const void *xt, size_t nt,
                      float *out, size_t ldo)
{
    gemm_packed(wp_q8_0, QB_Q8_0, w, row_bytes, r0, r1, n, xt, nt, out, ldo);
}

void llm_kernels_init_avx512(llm_kernels *k)
{
    k->level = LLM_CPU_AVX512;
    k->name = "avx512";
    k->dotq[QT_Q4_0] = dotq_q4_0;
    k->dotq[QT_Q8_0] = dotq_q8_0;
    k->gemm[QT_Q4_0] = gemm_q4_0;
    k->gemm[QT_Q8_0] = gemm_q8_0;
    k->attn = attn;
    k->silu = silu;
    k->dotd[QT_Q4_0] = dotd_q4_0;
    k->dotd[QT_Q8_0] = dotd_q8_0;
    k->xd_size = xd_size;
    k->xd_pack = xd_pack;
    k->xt_size = xt_size;
    k->xt_pack = xt_pack;
}

#else

void llm_kernels_init_avx512(llm_kernels *k) { (void)k; }

#endif
