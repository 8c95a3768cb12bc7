/* quant_k.c — K-quants Q2_K..Q6_K (super-blocks of 256 elements).
 *
 * Element e of a super-block lives in sub-block e/16 (Q2_K, Q3_K, Q6_K) or
 * e/32 (Q4_K, Q5_K); the bit positions below follow the GGUF layouts. */
#include "llm/quant/quant.h"

#include <math.h>
#include <string.h>

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Q3_K: 16 6-bit scales packed in 12 bytes (value stored biased by 32). */
static int q3k_scale(const uint8_t *s, int i)
{
    int lo = i < 8 ? (s[i] & 0xF) : (s[i - 8] >> 4);
    int hi = (s[8 + (i & 3)] >> (2 * (i >> 2))) & 3;
    return (lo | hi << 4) - 32;
}

/* ---- dequantization -------------------------------------------------- */

void qt_dequant_q2_k(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q2_K) {
        const uint8_t *scales = b, *q = b + 16;
        float d = qt_rd_f16(b + 80), dmin = qt_rd_f16(b + 82);
        int is = 0;
        for (int nn = 0; nn < 2; nn++, q += 32)
            for (int shift = 0; shift < 8; shift += 2)
                for (int half = 0; half < 2; half++, dst += 16) {
                    uint8_t sc = scales[is++];
                    float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
                    const uint8_t *qq = q + (size_t)16 * half;
                    for (int l = 0; l < 16; l++) dst[l] = dl * (float)((qq[l] >> shift) & 3) - ml;
                }
    }
}

void qt_dequant_q3_k(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q3_K) {
        const uint8_t *hmask = b, *q = b + 32, *scales = b + 96;
        float d = qt_rd_f16(b + 108);
        int is = 0, bit = 0;
        for (int nn = 0; nn < 2; nn++, q += 32)
            for (int shift = 0; shift < 8; shift += 2, bit++)
                for (int half = 0; half < 2; half++, dst += 16) {
                    float dl = d * (float)q3k_scale(scales, is++);
                    const uint8_t *qq = q + (size_t)16 * half, *hm = hmask + (size_t)16 * half;
                    for (int l = 0; l < 16; l++)
                        dst[l] = dl * (float)((int)((qq[l] >> shift) & 3) - (((hm[l] >> bit) & 1) ? 0 : 4));
                }
    }
}

void qt_dequant_q4_k(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q4_K, dst += QK_K) {
        float d = qt_rd_f16(b), dmin = qt_rd_f16(b + 2);
        const uint8_t *scales = b + 4, *qs = b + 16;
        for (int c = 0; c < 4; c++) {
            int sc0, m0, sc1, m1;
            qt_k4_scale_min(scales, 2 * c, &sc0, &m0);
            qt_k4_scale_min(scales, 2 * c + 1, &sc1, &m1);
            float d0 = d * (float)sc0, mm0 = dmin * (float)m0;
            float d1 = d * (float)sc1, mm1 = dmin * (float)m1;
            const uint8_t *q = qs + (size_t)32 * c;
            float *y = dst + (size_t)64 * c;
            for (int l = 0; l < 32; l++) {
                y[l] = d0 * (float)(q[l] & 0xF) - mm0;
                y[l + 32] = d1 * (float)(q[l] >> 4) - mm1;
            }
        }
    }
}

void qt_dequant_q5_k(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q5_K, dst += QK_K) {
        float d = qt_rd_f16(b), dmin = qt_rd_f16(b + 2);
        const uint8_t *scales = b + 4, *qh = b + 16, *qs = b + 48;
        for (int c = 0; c < 4; c++) {
            int sc0, m0, sc1, m1;
            qt_k4_scale_min(scales, 2 * c, &sc0, &m0);
            qt_k4_scale_min(scales, 2 * c + 1, &sc1, &m1);
            float d0 = d * (float)sc0, mm0 = dmin * (float)m0;
            float d1 = d * (float)sc1, mm1 = dmin * (float)m1;
            const uint8_t *q = qs + (size_t)32 * c;
            float *y = dst + (size_t)64 * c;
            for (int l = 0; l < 32; l++) {
                int h0 = (qh[l] >> (2 * c)) & 1, h1 = (qh[l] >> (2 * c + 1)) & 1;
                y[l] = d0 * (float)((q[l] & 0xF) | h0 << 4) - mm0;
                y[l + 32] = d1 * (float)((q[l] >> 4) | h1 << 4) - mm1;
            }
        }
    }
}

void qt_dequant_q6_k(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q6_K, dst += QK_K) {
        const uint8_t *ql = b, *qh = b + 128;
        const int8_t *sc = (const int8_t *)(b + 192);
        float d = qt_rd_f16(b + 208);
        for (int nn = 0; nn < 2; nn++) {
            const uint8_t *l8 = ql + (size_t)64 * nn, *h8 = qh + (size_t)32 * nn;
            const int8_t *s = sc + (size_t)8 * nn;
            float *y = dst + (size_t)128 * nn;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((l8[l] & 0xF) | ((h8[l] >> 0) & 3) << 4) - 32;
                int q2 = ((l8[l + 32] & 0xF) | ((h8[l] >> 2) & 3) << 4) - 32;
                int q3 = ((l8[l] >> 4) | ((h8[l] >> 4) & 3) << 4) - 32;
                int q4 = ((l8[l + 32] >> 4) | ((h8[l] >> 6) & 3) << 4) - 32;
                y[l] = d * (float)s[is] * (float)q1;
                y[l + 32] = d * (float)s[is + 2] * (float)q2;
                y[l + 64] = d * (float)s[is + 4] * (float)q3;
                y[l + 96] = d * (float)s[is + 6] * (float)q4;
            }
        }
    }
}

/* ---- quantization (round to nearest; valid, not optimal) ------------- */

/* Scale and (non-negative) min of a sub-block so that x ~ s*q - m with
 * q in [0, qmax]. The min is clipped at 0 (the formats subtract it). */
static void sub_scale_min(const float *x, int n, int qmax, float *s, float *m)
{
    float mn = x[0], mx = x[0];
    for (int j = 1; j < n; j++) {
        if (x[j] < mn) mn = x[j];
        if (x[j] > mx) mx = x[j];
    }
    if (mn > 0) mn = 0;
    if (mx < mn) mx = mn;
    *s = (mx - mn) / (float)qmax;
    *m = -mn;
}

void qt_quant_q2_k(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q2_K, src += QK_K) {
        float s[16], m[16], smax = 0, mmax = 0;
        for (int k = 0; k < 16; k++) {
            sub_scale_min(src + (size_t)16 * k, 16, 3, &s[k], &m[k]);
            if (s[k] > smax) smax = s[k];
            if (m[k] > mmax) mmax = m[k];
        }
        qt_wr_f16(b + 80, smax / 15.0f);
        qt_wr_f16(b + 82, mmax / 15.0f);
        float d = qt_rd_f16(b + 80), dmin = qt_rd_f16(b + 82);
        float dl[16], ml[16];
        for (int k = 0; k < 16; k++) {
            int ls = d > 0 ? clampi((int)lrintf(s[k] / d), 0, 15) : 0;
            int lm = dmin > 0 ? clampi((int)lrintf(m[k] / dmin), 0, 15) : 0;
            b[k] = (uint8_t)(ls | lm << 4);
            dl[k] = d * (float)ls;
            ml[k] = dmin * (float)lm;
        }
        memset(b + 16, 0, 64);
        for (int e = 0; e < QK_K; e++) {
            int k = e >> 4;
            int q = dl[k] > 0 ? clampi((int)lrintf((src[e] + ml[k]) / dl[k]), 0, 3) : 0;
            int nn = e >> 7, j = (e >> 5) & 3, l = e & 31;
            b[16 + nn * 32 + l] |= (uint8_t)(q << (2 * j));
        }
    }
}

void qt_quant_q3_k(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q3_K, src += QK_K) {
        float s[16], amax = 0;
        for (int k = 0; k < 16; k++) {
            float mx = 0, ax = 0;
            for (int j = 0; j < 16; j++)
                if (fabsf(src[16 * k + j]) > ax) {
                    ax = fabsf(src[16 * k + j]);
                    mx = src[16 * k + j];
                }
            s[k] = mx / -4.0f; /* q in [-4, 3] */
            if (fabsf(s[k]) > amax) amax = fabsf(s[k]);
        }
        qt_wr_f16(b + 108, amax / 31.0f);
        float d = qt_rd_f16(b + 108);
        uint8_t *hmask = b, *qs = b + 32, *scales = b + 96;
        memset(b, 0, 108);
        float dl[16];
        for (int k = 0; k < 16; k++) {
            int ls = d > 0 ? clampi((int)lrintf(s[k] / d), -32, 31) : 0;
            int u = ls + 32;
            if (k < 8)
                scales[k] |= (uint8_t)(u & 0xF);
            else
                scales[k - 8] |= (uint8_t)((u & 0xF) << 4);
            scales[8 + (k & 3)] |= (uint8_t)(((u >> 4) & 3) << (2 * (k >> 2)));
            dl[k] = d * (float)ls;
        }
        for (int e = 0; e < QK_K; e++) {
            float dk = dl[e >> 4];
            int q = dk != 0 ? clampi((int)lrintf(src[e] / dk), -4, 3) : 0;
            int u = q + 4;
            int nn = e >> 7, j = (e >> 5) & 3, l = e & 31;
            qs[nn * 32 + l] |= (uint8_t)((u & 3) << (2 * j));
            if (u & 4) hmask[l] |= (uint8_t)(1 << (nn * 4 + j));
        }
    }
}

/* Q4_K / Q5_K share the scale/min scheme: 8 sub-blocks of 32. */
static void quant_k45(const float *src, uint8_t *b, int qmax, float *dl, float *ml)
{
    float s[8], m[8], smax = 0, mmax = 0;
    for (int k = 0; k < 8; k++) {
        sub_scale_min(src + (size_t)32 * k, 32, qmax, &s[k], &m[k]);
        if (s[k] > smax) smax = s[k];
        if (m[k] > mmax) mmax = m[k];
    }
    qt_wr_f16(b, smax / 63.0f);
    qt_wr_f16(b + 2, mmax / 63.0f);
    float d = qt_rd_f16(b), dmin = qt_rd_f16(b + 2);
    int ls[8], lm[8];
    for (int k = 0; k < 8; k++) {
        ls[k] = d > 0 ? clampi((int)lrintf(s[k] / d), 0, 63) : 0;
        lm[k] = dmin > 0 ? clampi((int)lrintf(m[k] / dmin), 0, 63) : 0;
        dl[k] = d * (float)ls[k];
        ml[k] = dmin * (float)lm[k];
    }
    qt_k4_pack_scale_min(b + 4, ls, lm);
}

static int q_of(float x, float dl, float ml, int qmax)
{
    return dl > 0 ? clampi((int)lrintf((x + ml) / dl), 0, qmax) : 0;
}

void qt_quant_q4_k(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q4_K, src += QK_K) {
        float dl[8], ml[8];
        quant_k45(src, b, 15, dl, ml);
        uint8_t *qs = b + 16;
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                int q0 = q_of(src[(size_t)64 * c + l], dl[(size_t)2 * c], ml[(size_t)2 * c], 15);
                int q1 = q_of(src[64 * c + 32 + l], dl[2 * c + 1], ml[2 * c + 1], 15);
                qs[32 * c + l] = (uint8_t)(q0 | q1 << 4);
            }
    }
}

void qt_quant_q5_k(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q5_K, src += QK_K) {
        float dl[8], ml[8];
        quant_k45(src, b, 31, dl, ml);
        uint8_t *qh = b + 16, *qs = b + 48;
        memset(qh, 0, 32);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                int q0 = q_of(src[(size_t)64 * c + l], dl[(size_t)2 * c], ml[(size_t)2 * c], 31);
                int q1 = q_of(src[64 * c + 32 + l], dl[2 * c + 1], ml[2 * c + 1], 31);
                qs[32 * c + l] = (uint8_t)((q0 & 0xF) | (q1 & 0xF) << 4);
                qh[l] |= (uint8_t)((q0 >> 4) << (2 * c) | (q1 >> 4) << (2 * c + 1));
            }
    }
}

void qt_quant_q6_k(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q6_K, src += QK_K) {
        float s[16], amax = 0;
        for (int k = 0; k < 16; k++) {
            float mx = 0, ax = 0;
            for (int j = 0; j < 16; j++)
                if (fabsf(src[16 * k + j]) > ax) {
                    ax = fabsf(src[16 * k + j]);
                    mx = src[16 * k + j];
                }
            s[k] = mx / -32.0f; /* q in [-32, 31] */
            if (fabsf(s[k]) > amax) amax = fabsf(s[k]);
        }
        qt_wr_f16(b + 208, amax / 127.0f);
        float d = qt_rd_f16(b + 208);
        uint8_t *ql = b, *qh = b + 128;
        int8_t *sc = (int8_t *)(b + 192);
        memset(b, 0, 192);
        float dl[16];
        for (int k = 0; k < 16; k++) {
            int ls = d > 0 ? clampi((int)lrintf(s[k] / d), -128, 127) : 0;
            sc[k] = (int8_t)ls;
            dl[k] = d * (float)ls;
        }
        for (int e = 0; e < QK_K; e++) {
            float dk = dl[e >> 4];
            int u = (dk != 0 ? clampi((int)lrintf(src[e] / dk), -32, 31) : 0) + 32;
            int nn = e >> 7, r = e & 127, k = r >> 5, l = r & 31;
            /* k: 0 -> ql[l] low, 1 -> ql[l+32] low, 2 -> ql[l] high, 3 -> ql[l+32] high */
            uint8_t *p = ql + (size_t)64 * nn + l + ((k & 1) ? 32 : 0);
            *p |= (uint8_t)((u & 0xF) << ((k & 2) ? 4 : 0));
            qh[32 * nn + l] |= (uint8_t)((u >> 4) << (2 * k));
        }
    }
}
