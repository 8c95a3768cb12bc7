/* quant.h — GGML tensor element types: block layouts, (de)quantization and
 * dot products of a stored weight row with an f32 vector (internal).
 *
 * Every type stores a row of n elements (n a multiple of the block size) as
 * n / block_size blocks of type_size bytes. Block layouts follow GGUF/ggml. */
#ifndef GORILLA_LLM_QUANT_H
#define GORILLA_LLM_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* Type ids as stored in GGUF tensor infos (ggml's numbering). */
typedef enum {
    QT_F32 = 0,
    QT_F16 = 1,
    QT_Q4_0 = 2,
    QT_Q4_1 = 3,
    QT_Q5_0 = 6,
    QT_Q5_1 = 7,
    QT_Q8_0 = 8,
    QT_Q2_K = 10,
    QT_Q3_K = 11,
    QT_Q4_K = 12,
    QT_Q5_K = 13,
    QT_Q6_K = 14,
    QT_BF16 = 30,
    QT_COUNT = 31 /* one past the largest id (table size) */
} qtype;

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK_K 256

/* Block byte sizes. */
#define QB_Q4_0 18  /* f16 d; u8 qs[16] */
#define QB_Q4_1 20  /* f16 d, m; u8 qs[16] */
#define QB_Q5_0 22  /* f16 d; u8 qh[4]; u8 qs[16] */
#define QB_Q5_1 24  /* f16 d, m; u8 qh[4]; u8 qs[16] */
#define QB_Q8_0 34  /* f16 d; i8 qs[32] */
#define QB_Q2_K 84  /* u8 scales[16]; u8 qs[64]; f16 d, dmin */
#define QB_Q3_K 110 /* u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d */
#define QB_Q4_K 144 /* f16 d, dmin; u8 scales[12]; u8 qs[128] */
#define QB_Q5_K 176 /* f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] */
#define QB_Q6_K 210 /* u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d */

typedef void (*qt_dequantize_fn)(const void *src, float *dst, size_t n);
typedef void (*qt_quantize_fn)(const float *src, void *dst, size_t n);
/* Dot of a stored row of n elements with x[0..n). */
typedef float (*qt_dot_fn)(const void *row, const float *x, size_t n);

typedef struct {
    const char *name;     /* "Q4_0", "F16", ... */
    uint32_t block_size;  /* elements per block */
    uint32_t type_size;   /* bytes per block */
    qt_dequantize_fn dequantize;
    qt_quantize_fn quantize;
} qtype_traits;

/* Traits of a type id, or NULL when the id is unknown or unsupported. */
const qtype_traits *qtype_get(uint32_t type);
/* Name of a type id ("Q4_0"), "?" when unknown. */
const char *qtype_name(uint32_t type);
/* Bytes of a row of n elements (n a multiple of the block size). */
size_t qtype_row_size(uint32_t type, size_t n);

/* dequantize_row / quantize_row / dot_row for supported types; the caller
 * guarantees the type is supported and n is a multiple of its block size. */
void dequantize_row(uint32_t type, const void *src, float *dst, size_t n);
void quantize_row(uint32_t type, const float *src, void *dst, size_t n);
float dot_row(uint32_t type, const void *row, const float *x, size_t n);

/* The per-type dot kernels (quant_dot.c). A SIMD build may install faster
 * kernels in this table at start-up; entries are never NULL for supported
 * types. */
qt_dot_fn qt_dot_kernel(uint32_t type);

/* Half and bfloat16 conversions (round to nearest even). */
float qt_f16_to_f32(uint16_t h);
uint16_t qt_f32_to_f16(float f);
float qt_bf16_to_f32(uint16_t h);
uint16_t qt_f32_to_bf16(float f);

/* Per-family (de)quantizers, used by the traits table. */
void qt_dequant_f32(const void *src, float *dst, size_t n);
void qt_dequant_f16(const void *src, float *dst, size_t n);
void qt_dequant_bf16(const void *src, float *dst, size_t n);
void qt_quant_f32(const float *src, void *dst, size_t n);
void qt_quant_f16(const float *src, void *dst, size_t n);
void qt_quant_bf16(const float *src, void *dst, size_t n);

void qt_dequant_q4_0(const void *src, float *dst, size_t n);
void qt_dequant_q4_1(const void *src, float *dst, size_t n);
void qt_dequant_q5_0(const void *src, float *dst, size_t n);
void qt_dequant_q5_1(const void *src, float *dst, size_t n);
void qt_dequant_q8_0(const void *src, float *dst, size_t n);
void qt_quant_q4_0(const float *src, void *dst, size_t n);
void qt_quant_q4_1(const float *src, void *dst, size_t n);
void qt_quant_q5_0(const float *src, void *dst, size_t n);
void qt_quant_q5_1(const float *src, void *dst, size_t n);
void qt_quant_q8_0(const float *src, void *dst, size_t n);

void qt_dequant_q2_k(const void *src, float *dst, size_t n);
void qt_dequant_q3_k(const void *src, float *dst, size_t n);
void qt_dequant_q4_k(const void *src, float *dst, size_t n);
void qt_dequant_q5_k(const void *src, float *dst, size_t n);
void qt_dequant_q6_k(const void *src, float *dst, size_t n);
void qt_quant_q2_k(const float *src, void *dst, size_t n);
void qt_quant_q3_k(const float *src, void *dst, size_t n);
void qt_quant_q4_k(const float *src, void *dst, size_t n);
void qt_quant_q5_k(const float *src, void *dst, size_t n);
void qt_quant_q6_k(const float *src, void *dst, size_t n);

/* Branch-free half -> float (same results as qt_f16_to_f32, including
 * subnormals, inf and NaN), for inner loops. Normal numbers: shift the
 * exponent and mantissa into place and rescale by 2^-112; subnormals: put
 * the mantissa under a fixed exponent and subtract that exponent's 0.5. */
static inline float qt_h2f(uint16_t h)
{
    uint32_t w = (uint32_t)h << 16, sign = w & 0x80000000u, two_w = w + w;
    uint32_t nb = (two_w >> 4) + (0xE0u << 23), db = (two_w >> 17) | (126u << 23);
    float nf, df;
    __builtin_memcpy(&nf, &nb, 4);
    __builtin_memcpy(&df, &db, 4);
    nf *= 0x1.0p-112f;
    df -= 0.5f;
    uint32_t nr, dr;
    __builtin_memcpy(&nr, &nf, 4);
    __builtin_memcpy(&dr, &df, 4);
    uint32_t r = sign | (two_w < (1u << 27) ? dr : nr);
    float f;
    __builtin_memcpy(&f, &r, 4);
    return f;
}

/* Reads a little-endian f16 at p (any alignment). */
static inline float qt_rd_f16(const uint8_t *p)
{
    return qt_h2f((uint16_t)(p[0] | (p[1] << 8)));
}
static inline void qt_wr_f16(uint8_t *p, float f)
{
    uint16_t h = qt_f32_to_f16(f);
    p[0] = (uint8_t)(h & 0xFF);
    p[1] = (uint8_t)(h >> 8);
}

/* Q4_K/Q5_K: 8 6-bit scales and 8 6-bit mins packed in 12 bytes: read
 * pair j, and write all eight pairs. */
static inline void qt_k4_scale_min(const uint8_t *q, int j, int *sc, int *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

static inline void qt_k4_pack_scale_min(uint8_t *q, const int *sc, const int *m)
{
    for (int j = 0; j < 4; j++) {
        q[j] = (uint8_t)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
        q[j + 4] = (uint8_t)((m[j] & 63) | ((m[j + 4] >> 4) << 6));
        q[j + 8] = (uint8_t)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
}

#endif
