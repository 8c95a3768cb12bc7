/* kernels_avx2_gemm.c — AVX2 batched (matrix-matrix) kernels of packed
 * Q4_0/Q8_0 matrices, in the order kernels.h defines (bit-identical to the
 * one-token kernels).
 *
 * Tokens in the 8 lanes of a vector, like the AVX-512 tile: lane t of an
 * activation vector holds 4 consecutive activations of token t, and one
 * dword of a weight row (4 consecutive weights) is broadcast against it.
 *
 * Packed activations (xt): per group of 16 tokens, per 32-block, two
 * halves of 8 tokens (XT_HALF bytes each), every half:
 *   8 vectors k = 0..7 (32 bytes): lane t = q[4k..4k+3] of token t, signed;
 *   8 int32: -8 * sum(q) of token t (the Q4_0 correction; Q8_0 uses 16x);
 *   8 floats: the token scales d_x.
 * Missing tokens of the last group are zeros (never stored).
 *
 * Integer sums without saturation: vpmaddubsw multiplies unsigned weight
 * bytes by signed activations. The unsigned operand is always a nibble
 * (0..15), so a pair is at most 2 * 15 * 127 = 3810 and the 8 products of
 * a block add up in 16 bits (8 * 3810 = 30480 < 32767); vpmaddwd with ones
 * widens to 32 bits, where the corrections are exact:
 *   Q4_0: w = u - 8 with u the stored nibble:
 *     s = sum(u * q) - 8 * sum(q);
 *   Q8_0: the stored byte u = w + 128 = 16 * hi + lo (two nibbles):
 *     s = 16 * sum(hi * q) + sum(lo * q) - 128 * sum(q).
 * Then acc = fma((float)s, d_w * d_x, acc) per block in order.
 *
 * A tile is 16 tokens (one group of packed activations, two vectors) x
 * 4 rows for Q4_0 (8 16-bit sums; of the 8 float accumulators the
 * compiler keeps a few in memory, one load and store per block) or x 2
 * rows for Q8_0 (8 16-bit sums: low and high nibbles), run twice. Per
 * dword an activation vector is loaded once for the rows and a broadcast
 * weight used for both token vectors. Four rows at a time are first
 * unpacked from the packed group (kernels.h) into per-block nibble dwords
 * (dword k = weights 4k..4k+3, the activations' order) and float scales,
 * reused by the token groups of a pass (packed activations kept in L2).
 * Every accumulator is one (row, token) output, so each sees exactly one
 * fma per block, in block order. */
#include "llm/kernels/avx2/kernels_avx2.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <stdlib.h>

#define GRP_HEAD ((size_t)2 * LLM_PACK_ROWS) /* the 16 f16 scales of a packed block */

/* ---- packed activations ------------------------------------------------ */

#define XT_HALF 320 /* 8 x 32 bytes of activations, 8 corrections, 8 scales */
#define XT_BLOCK (2 * XT_HALF)
#define XT_CORR 256
#define XT_D 288

static size_t xt_size(size_t nt, size_t n) { return (nt + 15) / 16 * (n / 32) * (size_t)XT_BLOCK; }

static void xt_pack(const llm_q8 *x, size_t x_stride, size_t nt, size_t n, void *xt)
{
    size_t nb = n / 32, groups = (nt + 15) / 16;
    for (size_t g = 0; g < groups; g++)
        for (size_t b = 0; b < nb; b++)
            for (size_t h = 0; h < 2; h++) {
                uint8_t *o = (uint8_t *)xt + (g * nb + b) * (size_t)XT_BLOCK + h * XT_HALF;
                int32_t corr[8];
                float d[8];
                for (size_t t = 0; t < 8; t++) {
                    size_t tok = g * 16 + h * 8 + t;
                    if (tok >= nt) {
                        for (size_t k = 0; k < 8; k++) memset(o + 32 * k + 4 * t, 0, 4);
                        corr[t] = 0;
                        d[t] = 0;
                        continue;
                    }
                    const llm_q8 *q = x + tok * x_stride + b;
                    int32_t sum = 0;
                    for (size_t i = 0; i < 32; i++) sum += q->q[i];
                    for (size_t k = 0; k < 8; k++) memcpy(o + 32 * k + 4 * t, q->q + 4 * k, 4);
                    corr[t] = -8 * sum;
                    d[t] = q->d;
                }
                memcpy(o + XT_CORR, corr, sizeof corr);
                memcpy(o + XT_D, d, sizeof d);
            }
}

/* ---- weights of a tile: TR rows, unpacked per block --------------------- *
 * w[k][r]: dword k (weights 4k..4k+3 as nibbles) of row r; Q8_0 has the
 * low nibbles in k = 0..7 and the high ones in k = 8..15. */
#define TR 4

typedef struct {
    int32_t w[8][TR];
    float d[TR];
} wp4_blk;

typedef struct {
    int32_t w[16][TR];
    float d[TR];
} wp8_blk;

/* The 4 rows' f16 scales at p as floats. */
T_AVX2 static inline void put_scales(float *d, const uint8_t *p)
{
    _mm_storeu_ps(d, _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(const void *)p)));
}

/* Rows [r, r + TR) of a packed group: a 16-byte load is dword k of 4 rows. */
T_AVX2 static void unpack_q4_0(const uint8_t *group, size_t nb, int r, void *out)
{
    wp4_blk *wp = out;
    const __m128i m4 = _mm_set1_epi8(0xF);
    const uint8_t *blk = group;
    for (size_t b = 0; b < nb; b++, blk += GRP_HEAD + (size_t)4 * 64) {
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(blk + GRP_HEAD + (size_t)64 * k + (size_t)4 * r));
            _mm_storeu_si128((__m128i *)(void *)wp[b].w[k], _mm_and_si128(v, m4));
            _mm_storeu_si128((__m128i *)(void *)wp[b].w[4 + k], _mm_and_si128(_mm_srli_epi16(v, 4), m4));
        }
        put_scales(wp[b].d, blk + (size_t)2 * r);
    }
}

T_AVX2 static void unpack_q8_0(const uint8_t *group, size_t nb, int r, void *out)
{
    wp8_blk *wp = out;
    const __m128i m4 = _mm_set1_epi8(0xF);
    const uint8_t *blk = group;
    for (size_t b = 0; b < nb; b++, blk += GRP_HEAD + (size_t)8 * 64) {
        for (int k = 0; k < 8; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(blk + GRP_HEAD + (size_t)64 * k + (size_t)4 * r));
            _mm_storeu_si128((__m128i *)(void *)wp[b].w[k], _mm_and_si128(v, m4));
            _mm_storeu_si128((__m128i *)(void *)wp[b].w[8 + k], _mm_and_si128(_mm_srli_epi16(v, 4), m4));
        }
        put_scales(wp[b].d, blk + (size_t)2 * r);
    }
}

/* ---- tiles: rows x 16 tokens (one group of packed activations) -------- */

#define BCAST(p) _mm256_set1_epi32(*(p))

/* a + b in 16 bits, kept in this order: the empty asm stops the compiler
 * from reassociating a row's chain of products into a tree, which needs
 * every product of a block live at once and spills. (A saturating add
 * would do the same, but on these CPUs it competes with vpmaddubsw for
 * the multiplier ports.) */
T_AVX2 static inline __m256i add16(__m256i a, __m256i b)
{
    __m256i s = _mm256_add_epi16(a, b);
    __asm__("" : "+x"(s));
    return s;
}

/* acc[r][h]: row row0 + r, tokens tok0 + 8h .. + 7 (ntok of them). */
T_AVX2 static inline void store_rows(const __m256 (*acc)[2], int nr, float *out, size_t ldo, size_t row0,
                                     size_t tok0, size_t ntok)
{
    for (int r = 0; r < nr; r++)
        for (size_t h = 0; h < 2; h++) {
            float v[8];
            _mm256_storeu_ps(v, acc[r][h]);
            for (size_t t = 0; t < 8 && 8 * h + t < ntok; t++) out[(tok0 + 8 * h + t) * ldo + row0 + (size_t)r] = v[t];
        }
}

/* acc = fma((float)(s + corr), d_w * d_x, acc) for one row and half. */
T_AVX2 static inline __m256 block_fma(__m256i s, __m256i corr, __m256 dx, float dw, __m256 acc)
{
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(s, corr)), _mm256_mul_ps(dx, _mm256_set1_ps(dw)), acc);
}

#define XLOAD(p) _mm256_load_si256((const __m256i *)(const void *)(p))

/* Q4_0: TR = 4 rows x 16 tokens: 8 16-bit sums, 8 float accumulators (the
 * compiler keeps some in memory: one load and store per block). xt: the
 * group's first block. */
T_AVX2 static void tile_q4_0(const void *wpv, size_t nb, const uint8_t *xt, float *out, size_t ldo, size_t row0,
                             size_t tok0, size_t ntok)
{
    const wp4_blk *wp = wpv;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[TR][2];
    _Pragma("GCC unroll 4") for (int r = 0; r < TR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; b++, xt += (size_t)XT_BLOCK, wp++) {
        __m256i s[TR][2];
        __m256i x0 = XLOAD(xt), x1 = XLOAD(xt + XT_HALF);
        _Pragma("GCC unroll 4") for (int r = 0; r < TR; r++)
        {
            __m256i w = BCAST(&wp->w[0][r]);
            s[r][0] = _mm256_maddubs_epi16(w, x0);
            s[r][1] = _mm256_maddubs_epi16(w, x1);
        }
        _Pragma("GCC unroll 8") for (int k = 1; k < 8; k++)
        {
            x0 = XLOAD(xt + (size_t)32 * k);
            x1 = XLOAD(xt + XT_HALF + (size_t)32 * k);
            _Pragma("GCC unroll 4") for (int r = 0; r < TR; r++)
            {
                __m256i w = BCAST(&wp->w[k][r]);
                s[r][0] = add16(s[r][0], _mm256_maddubs_epi16(w, x0));
                s[r][1] = add16(s[r][1], _mm256_maddubs_epi16(w, x1));
            }
        }
        _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++)
        {
            __m256i corr = XLOAD(xt + (size_t)h * XT_HALF + XT_CORR);
            __m256 dx = _mm256_load_ps((const float *)(const void *)(xt + (size_t)h * XT_HALF + XT_D));
            _Pragma("GCC unroll 4") for (int r = 0; r < TR; r++) acc[r][h] =
                block_fma(_mm256_madd_epi16(s[r][h], ones), corr, dx, wp->d[r], acc[r][h]);
        }
    }
    store_rows(acc, TR, out, ldo, row0, tok0, ntok);
}

/* Q8_0: two rows at a time x 16 tokens (the low and high nibble sums are
 * 8 registers). */
#define TR8 2

T_AVX2 static void tile_q8_0(const void *wpv, size_t nb, const uint8_t *xt0, float *out, size_t ldo, size_t row0,
                             size_t tok0, size_t ntok)
{
    const __m256i ones = _mm256_set1_epi16(1), sixteen = _mm256_set1_epi16(16);
    for (int r0 = 0; r0 < TR; r0 += TR8) {
        const wp8_blk *wp = wpv;
        const uint8_t *xt = xt0;
        __m256 acc[TR8][2];
        _Pragma("GCC unroll 2") for (int r = 0; r < TR8; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        for (size_t b = 0; b < nb; b++, xt += (size_t)XT_BLOCK, wp++) {
            __m256i lo[TR8][2], hi[TR8][2];
            __m256i x0 = XLOAD(xt), x1 = XLOAD(xt + XT_HALF);
            _Pragma("GCC unroll 2") for (int r = 0; r < TR8; r++)
            {
                __m256i w = BCAST(&wp->w[0][r0 + r]);
                lo[r][0] = _mm256_maddubs_epi16(w, x0);
                lo[r][1] = _mm256_maddubs_epi16(w, x1);
                w = BCAST(&wp->w[8][r0 + r]);
                hi[r][0] = _mm256_maddubs_epi16(w, x0);
                hi[r][1] = _mm256_maddubs_epi16(w, x1);
            }
            _Pragma("GCC unroll 8") for (int k = 1; k < 8; k++)
            {
                x0 = XLOAD(xt + (size_t)32 * k);
                x1 = XLOAD(xt + XT_HALF + (size_t)32 * k);
                _Pragma("GCC unroll 2") for (int r = 0; r < TR8; r++)
                {
                    __m256i w = BCAST(&wp->w[k][r0 + r]);
                    lo[r][0] = add16(lo[r][0], _mm256_maddubs_epi16(w, x0));
                    lo[r][1] = add16(lo[r][1], _mm256_maddubs_epi16(w, x1));
                    w = BCAST(&wp->w[8 + k][r0 + r]);
                    hi[r][0] = add16(hi[r][0], _mm256_maddubs_epi16(w, x0));
                    hi[r][1] = add16(hi[r][1], _mm256_maddubs_epi16(w, x1));
                }
            }
            _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++)
            {
                /* -128 * sum(q) = 16 * (-8 * sum(q)) */
                __m256i corr = _mm256_slli_epi32(XLOAD(xt + (size_t)h * XT_HALF + XT_CORR), 4);
                __m256 dx = _mm256_load_ps((const float *)(const void *)(xt + (size_t)h * XT_HALF + XT_D));
                _Pragma("GCC unroll 2") for (int r = 0; r < TR8; r++)
                {
                    __m256i s = _mm256_add_epi32(_mm256_madd_epi16(hi[r][h], sixteen), _mm256_madd_epi16(lo[r][h], ones));
                    acc[r][h] = block_fma(s, corr, dx, wp->d[r0 + r], acc[r][h]);
                }
            }
        }
        store_rows(acc, TR8, out, ldo, row0 + (size_t)r0, tok0, ntok);
    }
}

/* ---- rows [r0, r1) x all tokens ----------------------------------------- */

/* Packed activations per pass: they stay in L2 while every tile of rows
 * runs over them. */
#define PASS_BYTES (512u << 10)

typedef void (*unpack_fn)(const uint8_t *group, size_t nb, int r, void *wp);
typedef void (*tile_fn)(const void *wp, size_t nb, const uint8_t *xt, float *out, size_t ldo, size_t row0,
                        size_t tok0, size_t ntok);

/* Scratch for the unpacked weights of one tile of rows (either type). */
static size_t gemm_scratch(size_t n)
{
    size_t b = sizeof(wp4_blk) > sizeof(wp8_blk) ? sizeof(wp4_blk) : sizeof(wp8_blk);
    return (n / 32 * b + 63) / 64 * 64;
}

static void gemm_packed(unpack_fn unpack, tile_fn tile, uint32_t type, const uint8_t *pk, size_t r0,
                        size_t r1, size_t n, const void *xt, size_t nt, float *out, size_t ldo, void *wp)
{
    size_t nb = n / 32, groups = (nt + 15) / 16, gstride = nb * (size_t)XT_BLOCK, wstride = nb * llm_pack_block_bytes(type);
    size_t per_pass = PASS_BYTES / gstride > 0 ? PASS_BYTES / gstride : 1;
    for (size_t g0 = 0; g0 < groups; g0 += per_pass) {
        size_t g1 = g0 + per_pass < groups ? g0 + per_pass : groups;
        for (size_t r = r0; r < r1; r += TR) {
            unpack(pk + r / LLM_PACK_ROWS * wstride, nb, (int)(r % LLM_PACK_ROWS), wp);
            for (size_t g = g0; g < g1; g++) {
                size_t tok0 = 16 * g, ntok = nt - tok0 < 16 ? nt - tok0 : 16;
                tile(wp, nb, (const uint8_t *)xt + g * gstride, out, ldo, r, tok0, ntok);
            }
        }
    }
}

static void gemm_q4_0(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(unpack_q4_0, tile_q4_0, QT_Q4_0, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

static void gemm_q8_0(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                      size_t ldo, void *scratch)
{
    gemm_packed(unpack_q8_0, tile_q8_0, QT_Q8_0, pk, r0, r1, n, xt, nt, out, ldo, scratch);
}

void llm_kernels_init_avx2_gemm(llm_kernels *k)
{
    k->gemm[QT_Q4_0] = gemm_q4_0;
    k->gemm[QT_Q8_0] = gemm_q8_0;
    k->xt_size = xt_size;
    k->xt_pack = xt_pack;
    k->gemm_scratch = gemm_scratch;
}

#else

void llm_kernels_init_avx2_gemm(llm_kernels *k) { (void)k; }

#endif
