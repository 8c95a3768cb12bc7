/* quant_dot.c — scalar dot kernels: a stored weight row times an f32 vector.
 *
 * Each kernel expands one block at a time into a small f32 buffer and takes
 * its dot product with eight independent accumulators, a shape that the
 * compiler can vectorize at -O2 without reassociating float sums. SIMD
 * kernels (a later issue) replace entries of KERNELS at start-up. */
#include "llm/quant/quant.h"

#include <string.h>

/* Dot of two f32 arrays; n a multiple of 8. */
static inline float dot8(const float *a, const float *b, size_t n)
{
    float acc[8] = {0};
    for (size_t i = 0; i < n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += a[i + k] * b[i + k];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

static float dot_f32_unaligned(const uint8_t *w, const float *x, size_t n)
{
    float buf[256], s = 0;
    for (size_t i = 0; i < n; i += 256) {
        size_t k = n - i < 256 ? n - i : 256;
        memcpy(buf, w + 4 * i, k * sizeof(float));
        for (size_t j = 0; j < k; j++) s += buf[j] * x[i + j];
    }
    return s;
}

static float dot_f32(const void *row, const float *x, size_t n)
{
    /* A file with general.alignment < 4 may place f32 data off its natural
     * alignment. */
    if ((uintptr_t)row % sizeof(float)) return dot_f32_unaligned(row, x, n);
    const float *w = row;
    size_t n8 = n & ~(size_t)7;
    float s = dot8(w, x, n8);
    for (size_t i = n8; i < n; i++) s += w[i] * x[i];
    return s;
}

/* F16/BF16: convert 256 at a time. */
static float dot_half(qt_dequantize_fn conv, const uint8_t *w, const float *x, size_t n)
{
    float buf[256];
    float s = 0;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        conv(w + 2 * i, buf, 256);
        s += dot8(buf, x + i, 256);
    }
    if (i < n) {
        size_t r = n - i;
        conv(w + 2 * i, buf, r);
        size_t r8 = r & ~(size_t)7;
        s += dot8(buf, x + i, r8);
        for (size_t k = r8; k < r; k++) s += buf[k] * x[i + k];
    }
    return s;
}

static float dot_f16(const void *row, const float *x, size_t n)
{
    const uint8_t *w = row;
    float acc[8] = {0};
    size_t n8 = n & ~(size_t)7;
    for (size_t i = 0; i < n8; i += 8)
        for (int k = 0; k < 8; k++) {
            const uint8_t *p = w + 2 * (i + k);
            acc[k] += qt_h2f((uint16_t)(p[0] | p[1] << 8)) * x[i + k];
        }
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (size_t i = n8; i < n; i++) s += qt_rd_f16(w + 2 * i) * x[i];
    return s;
}

static float dot_bf16(const void *row, const float *x, size_t n) { return dot_half(qt_dequant_bf16, row, x, n); }

/* Blocked types: dequantize one block, dot it. */
static inline float dot_blocks(qt_dequantize_fn deq, size_t bs, size_t bytes, const uint8_t *w,
                               const float *x, size_t n)
{
    float buf[QK_K];
    float s = 0;
    for (size_t i = 0; i < n; i += bs, w += bytes) {
        deq(w, buf, bs);
        s += dot8(buf, x + i, bs);
    }
    return s;
}

#define BLOCK_DOT(fn, deq, bs, bytes) \
    static float fn(const void *row, const float *x, size_t n) { return dot_blocks(deq, bs, bytes, row, x, n); }

/* Q4_0 and Q8_0 directly: per-lane accumulators across blocks, scaled by
 * each block's d, summed once per row. */
static float dot_q4_0(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[16] = {0};
    for (size_t i = 0; i < n; i += QK4_0, b += QB_Q4_0, x += QK4_0) {
        float d = qt_rd_f16(b);
        const uint8_t *qs = b + 2;
        for (int j = 0; j < 16; j++)
            acc[j] += d * ((float)((qs[j] & 0xF) - 8) * x[j] + (float)((qs[j] >> 4) - 8) * x[j + 16]);
    }
    float s = 0;
    for (int j = 0; j < 8; j++) acc[j] += acc[j + 8];
    for (int j = 0; j < 4; j++) acc[j] += acc[j + 4];
    s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    return s;
}

static float dot_q8_0(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[16] = {0};
    for (size_t i = 0; i < n; i += QK8_0, b += QB_Q8_0, x += QK8_0) {
        float d = qt_rd_f16(b);
        const int8_t *qs = (const int8_t *)(b + 2);
        for (int j = 0; j < 16; j++) acc[j] += d * ((float)qs[j] * x[j] + (float)qs[j + 16] * x[j + 16]);
    }
    for (int j = 0; j < 8; j++) acc[j] += acc[j + 8];
    for (int j = 0; j < 4; j++) acc[j] += acc[j + 4];
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}
/* Sums 16 lanes. */
static inline float hsum16(float *acc)
{
    for (int j = 0; j < 8; j++) acc[j] += acc[j + 8];
    for (int j = 0; j < 4; j++) acc[j] += acc[j + 4];
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

static float dot_q4_1(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[16] = {0};
    for (size_t i = 0; i < n; i += QK4_1, b += QB_Q4_1, x += QK4_1) {
        float d = qt_rd_f16(b), m = qt_rd_f16(b + 2);
        const uint8_t *qs = b + 4;
        for (int j = 0; j < 16; j++)
            acc[j] += (d * (float)(qs[j] & 0xF) + m) * x[j] + (d * (float)(qs[j] >> 4) + m) * x[j + 16];
    }
    return hsum16(acc);
}

static uint32_t rd_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bit j of qh as 0 or 16 in h[j]. */
static inline void high_bits(uint32_t qh, uint8_t *h)
{
    for (int k = 0; k < 4; k++) {
        uint8_t v = (uint8_t)(qh >> (8 * k));
        h[8 * k + 0] = (uint8_t)((v & 0x01) << 4);
        h[8 * k + 1] = (uint8_t)((v & 0x02) << 3);
        h[8 * k + 2] = (uint8_t)((v & 0x04) << 2);
        h[8 * k + 3] = (uint8_t)((v & 0x08) << 1);
        h[8 * k + 4] = (uint8_t)(v & 0x10);
        h[8 * k + 5] = (uint8_t)((v & 0x20) >> 1);
        h[8 * k + 6] = (uint8_t)((v & 0x40) >> 2);
        h[8 * k + 7] = (uint8_t)((v & 0x80) >> 3);
    }
}

static float dot_q5_0(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[16] = {0};
    for (size_t i = 0; i < n; i += QK5_0, b += QB_Q5_0, x += QK5_0) {
        float d = qt_rd_f16(b);
        uint8_t h[32];
        high_bits(rd_u32le(b + 2), h);
        const uint8_t *qs = b + 6;
        for (int j = 0; j < 16; j++) {
            int q0 = (int)((qs[j] & 0xF) | h[j]) - 16;
            int q1 = (int)((qs[j] >> 4) | h[j + 16]) - 16;
            acc[j] += d * ((float)q0 * x[j] + (float)q1 * x[j + 16]);
        }
    }
    return hsum16(acc);
}

static float dot_q5_1(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[16] = {0};
    for (size_t i = 0; i < n; i += QK5_1, b += QB_Q5_1, x += QK5_1) {
        float d = qt_rd_f16(b), m = qt_rd_f16(b + 2);
        uint8_t h[32];
        high_bits(rd_u32le(b + 4), h);
        const uint8_t *qs = b + 8;
        for (int j = 0; j < 16; j++) {
            unsigned q0 = (qs[j] & 0xF) | h[j];
            unsigned q1 = (qs[j] >> 4) | h[j + 16];
            acc[j] += (d * (float)q0 + m) * x[j] + (d * (float)q1 + m) * x[j + 16];
        }
    }
    return hsum16(acc);
}
BLOCK_DOT(dot_q2_k, qt_dequant_q2_k, QK_K, QB_Q2_K)
BLOCK_DOT(dot_q3_k, qt_dequant_q3_k, QK_K, QB_Q3_K)
/* Q4_K: fused dequantize-multiply, 32 lanes. */
static float dot_q4_k(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[32] = {0};
    for (size_t i = 0; i < n; i += QK_K, b += QB_Q4_K, x += QK_K) {
        float d = qt_rd_f16(b), dmin = qt_rd_f16(b + 2);
        const uint8_t *sc = b + 4, *qs = b + 16;
        for (int c = 0; c < 4; c++) {
            int j0 = 2 * c, j1 = 2 * c + 1, s0, m0, s1, m1;
            if (c < 2) {
                s0 = sc[j0] & 63, m0 = sc[j0 + 4] & 63, s1 = sc[j1] & 63, m1 = sc[j1 + 4] & 63;
            } else {
                s0 = (sc[j0 + 4] & 0xF) | ((sc[j0 - 4] >> 6) << 4), m0 = (sc[j0 + 4] >> 4) | ((sc[j0] >> 6) << 4);
                s1 = (sc[j1 + 4] & 0xF) | ((sc[j1 - 4] >> 6) << 4), m1 = (sc[j1 + 4] >> 4) | ((sc[j1] >> 6) << 4);
            }
            float d0 = d * (float)s0, mm0 = dmin * (float)m0, d1 = d * (float)s1, mm1 = dmin * (float)m1;
            const uint8_t *q = qs + 32 * (size_t)c;
            const float *xx = x + 64 * (size_t)c;
            for (int l = 0; l < 32; l++)
                acc[l] += (d0 * (float)(q[l] & 0xF) - mm0) * xx[l] + (d1 * (float)(q[l] >> 4) - mm1) * xx[l + 32];
        }
    }
    for (int j = 0; j < 16; j++) acc[j] += acc[j + 16];
    return hsum16(acc);
}

/* Q6_K: fused, 16 lanes per (half, quarter) with a fixed scale. */
static float dot_q6_k(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[16] = {0};
    for (size_t i = 0; i < n; i += QK_K, b += QB_Q6_K, x += QK_K) {
        float d = qt_rd_f16(b + 208);
        const int8_t *sc = (const int8_t *)(b + 192);
        for (size_t nn = 0; nn < 2; nn++) {
            const uint8_t *ql = b + 64 * nn, *qh = b + 128 + 32 * nn;
            const int8_t *s = sc + 8 * nn;
            const float *xx = x + 128 * nn;
            for (size_t half = 0; half < 2; half++) {
                float d1 = d * s[half], d2 = d * s[half + 2], d3 = d * s[half + 4], d4 = d * s[half + 6];
                const uint8_t *l8 = ql + 16 * half, *h8 = qh + 16 * half;
                const float *x0 = xx + 16 * half;
                for (int l = 0; l < 16; l++) {
                    int q1 = ((l8[l] & 0xF) | ((h8[l] & 3) << 4)) - 32;
                    int q2 = ((l8[l + 32] & 0xF) | (((h8[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((l8[l] >> 4) | (((h8[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((l8[l + 32] >> 4) | (((h8[l] >> 6) & 3) << 4)) - 32;
                    acc[l] += d1 * (float)q1 * x0[l] + d2 * (float)q2 * x0[l + 32] + d3 * (float)q3 * x0[l + 64] +
                              d4 * (float)q4 * x0[l + 96];
                }
            }
        }
    }
    for (int j = 0; j < 8; j++) acc[j] += acc[j + 8];
    for (int j = 0; j < 4; j++) acc[j] += acc[j + 4];
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}
/* Q5_K: as Q4_K with a fifth bit from qh. */
static float dot_q5_k(const void *row, const float *x, size_t n)
{
    const uint8_t *b = row;
    float acc[32] = {0};
    for (size_t i = 0; i < n; i += QK_K, b += QB_Q5_K, x += QK_K) {
        float d = qt_rd_f16(b), dmin = qt_rd_f16(b + 2);
        const uint8_t *sc = b + 4, *qh = b + 16, *qs = b + 48;
        for (int c = 0; c < 4; c++) {
            int j0 = 2 * c, j1 = 2 * c + 1, s0, m0, s1, m1;
            if (c < 2) {
                s0 = sc[j0] & 63, m0 = sc[j0 + 4] & 63, s1 = sc[j1] & 63, m1 = sc[j1 + 4] & 63;
            } else {
                s0 = (sc[j0 + 4] & 0xF) | ((sc[j0 - 4] >> 6) << 4), m0 = (sc[j0 + 4] >> 4) | ((sc[j0] >> 6) << 4);
                s1 = (sc[j1 + 4] & 0xF) | ((sc[j1 - 4] >> 6) << 4), m1 = (sc[j1 + 4] >> 4) | ((sc[j1] >> 6) << 4);
            }
            float d0 = d * (float)s0, mm0 = dmin * (float)m0, d1 = d * (float)s1, mm1 = dmin * (float)m1;
            const uint8_t *q = qs + 32 * (size_t)c;
            const float *xx = x + 64 * (size_t)c;
            for (int l = 0; l < 32; l++) {
                unsigned lo = (q[l] & 0xF) | ((qh[l] >> (2 * c)) & 1) << 4;
                unsigned hi = (q[l] >> 4) | ((qh[l] >> (2 * c + 1)) & 1) << 4;
                acc[l] += (d0 * (float)lo - mm0) * xx[l] + (d1 * (float)hi - mm1) * xx[l + 32];
            }
        }
    }
    for (int j = 0; j < 16; j++) acc[j] += acc[j + 16];
    return hsum16(acc);
}

static const qt_dot_fn KERNELS[QT_COUNT] = {
    [QT_F32] = dot_f32,   [QT_F16] = dot_f16,   [QT_BF16] = dot_bf16, [QT_Q4_0] = dot_q4_0,
    [QT_Q4_1] = dot_q4_1, [QT_Q5_0] = dot_q5_0, [QT_Q5_1] = dot_q5_1, [QT_Q8_0] = dot_q8_0,
    [QT_Q2_K] = dot_q2_k, [QT_Q3_K] = dot_q3_k, [QT_Q4_K] = dot_q4_k, [QT_Q5_K] = dot_q5_k,
    [QT_Q6_K] = dot_q6_k,
};

qt_dot_fn qt_dot_kernel(uint32_t type)
{
    return type < QT_COUNT ? KERNELS[type] : NULL;
}
