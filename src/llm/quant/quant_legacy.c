/* quant_legacy.c — Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (blocks of 32). */
#include "llm/quant/quant.h"

#include <math.h>
#include <string.h>

static uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- dequantization -------------------------------------------------- */

void qt_dequant_q4_0(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK4_0; i++, b += QB_Q4_0, dst += QK4_0) {
        float d = qt_rd_f16(b);
        const uint8_t *qs = b + 2;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)((qs[j] & 0xF) - 8) * d;
            dst[j + 16] = (float)((qs[j] >> 4) - 8) * d;
        }
    }
}

void qt_dequant_q4_1(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK4_1; i++, b += QB_Q4_1, dst += QK4_1) {
        float d = qt_rd_f16(b), m = qt_rd_f16(b + 2);
        const uint8_t *qs = b + 4;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)(qs[j] & 0xF) * d + m;
            dst[j + 16] = (float)(qs[j] >> 4) * d + m;
        }
    }
}

void qt_dequant_q5_0(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK5_0; i++, b += QB_Q5_0, dst += QK5_0) {
        float d = qt_rd_f16(b);
        uint32_t qh = rd_u32(b + 2);
        const uint8_t *qs = b + 6;
        for (int j = 0; j < 16; j++) {
            int h0 = (int)((qh >> j) & 1) << 4, h1 = (int)((qh >> (j + 16)) & 1) << 4;
            dst[j] = (float)(((qs[j] & 0xF) | h0) - 16) * d;
            dst[j + 16] = (float)(((qs[j] >> 4) | h1) - 16) * d;
        }
    }
}

void qt_dequant_q5_1(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK5_1; i++, b += QB_Q5_1, dst += QK5_1) {
        float d = qt_rd_f16(b), m = qt_rd_f16(b + 2);
        uint32_t qh = rd_u32(b + 4);
        const uint8_t *qs = b + 8;
        for (int j = 0; j < 16; j++) {
            int h0 = (int)((qh >> j) & 1) << 4, h1 = (int)((qh >> (j + 16)) & 1) << 4;
            dst[j] = (float)((qs[j] & 0xF) | h0) * d + m;
            dst[j + 16] = (float)((qs[j] >> 4) | h1) * d + m;
        }
    }
}

void qt_dequant_q8_0(const void *src, float *dst, size_t n)
{
    const uint8_t *b = src;
    for (size_t i = 0; i < n / QK8_0; i++, b += QB_Q8_0, dst += QK8_0) {
        float d = qt_rd_f16(b);
        const int8_t *qs = (const int8_t *)(b + 2);
        for (int j = 0; j < 32; j++) dst[j] = (float)qs[j] * d;
    }
}

/* ---- quantization (round to nearest per block) ----------------------- */

/* The element of largest magnitude (with its sign), and min/max. */
static float signed_absmax(const float *x, int n)
{
    float amax = 0, mx = 0;
    for (int j = 0; j < n; j++)
        if (fabsf(x[j]) > amax) {
            amax = fabsf(x[j]);
            mx = x[j];
        }
    return mx;
}

static void min_max(const float *x, int n, float *mn, float *mx)
{
    *mn = *mx = x[0];
    for (int j = 1; j < n; j++) {
        if (x[j] < *mn) *mn = x[j];
        if (x[j] > *mx) *mx = x[j];
    }
}

void qt_quant_q4_0(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK4_0; i++, b += QB_Q4_0, src += QK4_0) {
        float d = signed_absmax(src, 32) / -8.0f;
        qt_wr_f16(b, d);
        d = qt_rd_f16(b);
        float id = d != 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < 16; j++) {
            int q0 = clampi((int)lrintf(src[j] * id) + 8, 0, 15);
            int q1 = clampi((int)lrintf(src[j + 16] * id) + 8, 0, 15);
            b[2 + j] = (uint8_t)(q0 | q1 << 4);
        }
    }
}

void qt_quant_q4_1(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK4_1; i++, b += QB_Q4_1, src += QK4_1) {
        float mn, mx;
        min_max(src, 32, &mn, &mx);
        qt_wr_f16(b, (mx - mn) / 15.0f);
        qt_wr_f16(b + 2, mn);
        float d = qt_rd_f16(b), m = qt_rd_f16(b + 2);
        float id = d != 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < 16; j++) {
            int q0 = clampi((int)lrintf((src[j] - m) * id), 0, 15);
            int q1 = clampi((int)lrintf((src[j + 16] - m) * id), 0, 15);
            b[4 + j] = (uint8_t)(q0 | q1 << 4);
        }
    }
}

void qt_quant_q5_0(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK5_0; i++, b += QB_Q5_0, src += QK5_0) {
        float d = signed_absmax(src, 32) / -16.0f;
        qt_wr_f16(b, d);
        d = qt_rd_f16(b);
        float id = d != 0 ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = clampi((int)lrintf(src[j] * id) + 16, 0, 31);
            int q1 = clampi((int)lrintf(src[j + 16] * id) + 16, 0, 31);
            b[6 + j] = (uint8_t)((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= (uint32_t)(q0 >> 4) << j | (uint32_t)(q1 >> 4) << (j + 16);
        }
        wr_u32(b + 2, qh);
    }
}

void qt_quant_q5_1(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK5_1; i++, b += QB_Q5_1, src += QK5_1) {
        float mn, mx;
        min_max(src, 32, &mn, &mx);
        qt_wr_f16(b, (mx - mn) / 31.0f);
        qt_wr_f16(b + 2, mn);
        float d = qt_rd_f16(b), m = qt_rd_f16(b + 2);
        float id = d != 0 ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = clampi((int)lrintf((src[j] - m) * id), 0, 31);
            int q1 = clampi((int)lrintf((src[j + 16] - m) * id), 0, 31);
            b[8 + j] = (uint8_t)((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= (uint32_t)(q0 >> 4) << j | (uint32_t)(q1 >> 4) << (j + 16);
        }
        wr_u32(b + 4, qh);
    }
}

void qt_quant_q8_0(const float *src, void *dst, size_t n)
{
    uint8_t *b = dst;
    for (size_t i = 0; i < n / QK8_0; i++, b += QB_Q8_0, src += QK8_0) {
        float amax = fabsf(signed_absmax(src, 32));
        qt_wr_f16(b, amax / 127.0f);
        float d = qt_rd_f16(b);
        float id = d != 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)clampi((int)lrintf(src[j] * id), -127, 127);
    }
}
