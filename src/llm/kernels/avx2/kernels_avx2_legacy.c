/* kernels_avx2_legacy.c — AVX2 integer kernels of Q4_1, Q5_0, Q5_1 (legacy 32-blocks) on
 * 8-bit activations, in the order kernels.h defines (bit-identical to
 * kernels_scalar.c).
 *
 * Eight blocks at a time, block 8i + j in lane j: each block's 32 weights
 * are widened to one vector of unsigned bytes (element e in byte e, the
 * order of the activations' q), multiplied with the activations by
 * vpmaddubsw (pairs of at most 2 * 31 * 127, no saturation) and vpmaddwd
 * with ones to 8 int32 partial sums; avx2_reduce8 turns the eight blocks'
 * vectors into one exact integer per lane. Then one FMA with d_w * d_x
 * and, for Q4_1/Q5_1, one with (float)(sum of q) and m_w * d_x (the
 * eight f16 scales, x->d and x->s[0] + x->s[1] assembled from scalar
 * loads; measured faster here than gathers or a copy on the stack). The
 * last n/32 % 8 blocks take the same path with only lanes 0.. updated. */
#include "llm/kernels/avx2/kernels_avx2.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))

#define LEG_Q4_1 0
#define LEG_Q5_0 1
#define LEG_Q5_1 2

/* Q4_1 (and the low 4 bits of Q5): bytes 0..15 the low nibbles of qs,
 * bytes 16..31 the high ones. */
T_AVX2 static inline __m256i nibbles(const uint8_t *qs)
{
    __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)qs));
    return _mm256_and_si256(_mm256_srlv_epi64(q, _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0xF));
}

/* 0x10 in byte e when bit e of the little-endian qh is set, else 0: byte
 * e/8 of qh broadcast to byte e, OR-ed with every bit but e % 8, compared
 * with all ones. */
T_AVX2 static inline __m256i high_bits(const uint8_t *qh)
{
    const __m256i spread = _mm256_setr_epi64x(0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303);
    const __m256i others = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(avx2_rd_i32((const int8_t *)qh)), spread);
    v = _mm256_cmpeq_epi8(_mm256_or_si256(v, others), _mm256_set1_epi8(-1));
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* The 8 int32 partial sums of w * q over one block (their total is s_b,
 * before Q5_0's -16 * sum(q)). */
T_AVX2 static inline __m256i block_sums(int type, const uint8_t *b, const llm_q8 *x)
{
    __m256i w;
    if (type == LEG_Q4_1)
        w = nibbles(b + 4);
    else if (type == LEG_Q5_0)
        w = _mm256_or_si256(nibbles(b + 6), high_bits(b + 2));
    else
        w = _mm256_or_si256(nibbles(b + 8), high_bits(b + 4));
    __m256i p = _mm256_maddubs_epi16(w, _mm256_loadu_si256((const __m256i *)x->q));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/* Blocks b[0..m) (m <= 8) into lanes 0..m-1 of acc; lanes m.. unchanged. */
__attribute__((always_inline)) T_AVX2 static inline __m256 group(int type, const uint8_t *b, const llm_q8 *x, int m,
                                                                  __m256 acc)
{
    const size_t bs = type == LEG_Q4_1 ? QB_Q4_1 : type == LEG_Q5_0 ? QB_Q5_0 : QB_Q5_1;
    __m256i p[8];
    __m256i s, vsq;
    __m256 vdx, vdw, vmw = _mm256_setzero_ps();
    if (m == 8) {
        for (int j = 0; j < 8; j++) p[j] = block_sums(type, b + j * bs, x + j);
#define H(j) (short)(b[(j) * bs] | b[(j) * bs + 1] << 8)
#define M(j) (short)(b[(j) * bs + 2] | b[(j) * bs + 3] << 8)
#define S(j) (x[j].s[0] + x[j].s[1])
        vdx = _mm256_setr_ps(x[0].d, x[1].d, x[2].d, x[3].d, x[4].d, x[5].d, x[6].d, x[7].d);
        vsq = _mm256_setr_epi32(S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7));
        vdw = _mm256_cvtph_ps(_mm_setr_epi16(H(0), H(1), H(2), H(3), H(4), H(5), H(6), H(7)));
        if (type != LEG_Q5_0) vmw = _mm256_cvtph_ps(_mm_setr_epi16(M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7)));
#undef H
#undef M
#undef S
    } else {
        uint16_t dw[8] = {0}, mw[8] = {0};
        float dx[8] = {0};
        int32_t sq[8] = {0};
        for (int j = 0; j < 8; j++) {
            if (j < m) {
                const uint8_t *bj = b + j * bs;
                p[j] = block_sums(type, bj, x + j);
                memcpy(&dw[j], bj, 2);
                if (type != LEG_Q5_0) memcpy(&mw[j], bj + 2, 2);
                dx[j] = x[j].d;
                sq[j] = x[j].s[0] + x[j].s[1];
            } else {
                p[j] = _mm256_setzero_si256();
            }
        }
        vsq = _mm256_loadu_si256((const __m256i *)sq);
        vdx = _mm256_loadu_ps(dx);
        vdw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)dw));
        vmw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)mw));
    }
    s = avx2_reduce8(p);
    if (type == LEG_Q5_0) s = _mm256_sub_epi32(s, _mm256_slli_epi32(vsq, 4));
    __m256 r = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(vdw, vdx), acc);
    if (type != LEG_Q5_0) r = _mm256_fmadd_ps(_mm256_cvtepi32_ps(vsq), _mm256_mul_ps(vmw, vdx), r);
    if (m == 8) return r;
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_blendv_ps(acc, r, _mm256_castsi256_ps(mask));
}

__attribute__((always_inline)) T_AVX2 static inline float dot(int type, const void *row, const llm_q8 *x, size_t n)
{
    const size_t bs = type == LEG_Q4_1 ? QB_Q4_1 : type == LEG_Q5_0 ? QB_Q5_0 : QB_Q5_1;
    const uint8_t *b = row;
    size_t nb = n / 32, i = 0;
    __m256 acc = _mm256_setzero_ps();
    for (; i + 8 <= nb; i += 8) acc = group(type, b + i * bs, x + i, 8, acc);
    if (i < nb) acc = group(type, b + i * bs, x + i, (int)(nb - i), acc);
    return avx2_hsum8(acc);
}

/* Q4_1: w = the nibbles (0..15). */
T_AVX2 static float dotq_q4_1(const void *row, const llm_q8 *x, size_t n) { return dot(LEG_Q4_1, row, x, n); }

/* Q5_0: w + 16 = nibble | high bit << 4 (0..31) in vpmaddubsw, then
 * s_b = that sum - 16 * sum(q) in int32. */
T_AVX2 static float dotq_q5_0(const void *row, const llm_q8 *x, size_t n) { return dot(LEG_Q5_0, row, x, n); }

/* Q5_1: w = nibble | high bit << 4 (0..31). */
T_AVX2 static float dotq_q5_1(const void *row, const llm_q8 *x, size_t n) { return dot(LEG_Q5_1, row, x, n); }

void llm_kernels_init_avx2_legacy(llm_kernels *k)
{
    k->dotq[QT_Q4_1] = dotq_q4_1;
    k->dotq[QT_Q5_0] = dotq_q5_0;
    k->dotq[QT_Q5_1] = dotq_q5_1;
}

#else

void llm_kernels_init_avx2_legacy(llm_kernels *k) { (void)k; }

#endif
