/* kernels.h — integer dot-product kernels on 8-bit activations, chosen at
 * run time for the CPU and passed explicitly (internal): a model builds its
 * set once at load (llm_kernels_choose) and hands it to every product,
 * attention and SiLU; nothing global selects a set.
 *
 * An activation row of n floats (n a multiple of 32) is quantized once to
 * n/32 llm_q8 blocks: x[i] ~ d * q[i], q in [-127, 127], d = max|x| / 127,
 * rounded to nearest even. A weight row of a quantized type is then dotted
 * with it in integers per block, scaled by the two block scales in float.
 * F32/F16/BF16 weights keep f32 activations (kernels `dotf`).
 *
 * Three kernel sets: scalar (portable C), avx2 (AVX2+FMA+F16C) and avx512
 * (AVX-512 F/BW/VL + VNNI). GORILLA_CPU=scalar|avx2|avx512 forces a set
 * (a name that is not one of them, or a set the CPU lacks, fails the load
 * with a message); tests pass the name to llm_model_build.
 *
 * Every set computes bit-identical results: each output is defined as one
 * fixed sequence of IEEE operations (the build has -ffp-contract=off, and
 * fused multiply-adds are written as fmaf), which the SIMD sets reproduce
 * lane for lane:
 *   - Q4_0, Q8_0: per 32-block b, the exact integer sum s_b of w * q, then
 *     acc = fmaf((float)s_b, d_w[b] * d_x[b], acc), b = 0, 1, ... in
 *     order from acc = 0 (the same for one token and for a batch).
 *   - Q4_K, Q5_K: the same single accumulator over the 32-blocks in
 *     order, with s_b = sc * sum(q * x) (q 0..15 for Q4_K, 0..31 for
 *     Q5_K; sc the block's 6-bit scale):
 *     acc = fmaf((float)s_b, d * d_x, acc), then
 *     acc = fmaf((float)-(m * sum of x's q), dmin * d_x, acc).
 *   - Q6_K: the same single accumulator, s_b = sc_2b * sum(q * x) over the
 *     block's first 16 + sc_2b+1 * sum(q * x) over the last 16 (q
 *     -32..31, sc the signed sub-block scales): acc = fmaf((float)s_b,
 *     d * d_x, acc).
 *   - Q4_1, Q5_0, Q5_1: eight lanes, lane b % 8 for 32-block b, with s_b
 *     the exact integer sum of w * q (w the stored integers: Q4_1 0..15,
 *     Q5_1 0..31, Q5_0 -16..15): lane = fmaf((float)s_b, d_w * d_x, lane),
 *     then for Q4_1/Q5_1 lane = fmaf((float)(sum of q), m_w * d_x, lane);
 *     the eight lanes summed by llm_sum8's tree.
 *   - the other K-quants (Q2_K, Q3_K): eight lanes, lane j for the j-th
 *     32-block of every 256-superblock: lane[j] = fmaf((float)s, d * d_x,
 *     lane[j]) with s the exact sum over the block's sub-blocks of
 *     sc * sum(q * x) (sc the integer sub-block scale), then for Q2_K
 *     (mins) lane[j] = fmaf((float)-(sum over sub-blocks of m * sum q),
 *     dmin * d_x, lane[j]); the eight lanes by llm_sum8.
 *   - f32 dots (F32/F16/BF16 weights, attention q.k): sixteen lanes over
 *     the first n - n % 16 elements, lane i % 16 = fmaf(w_i, x_i, lane),
 *     summed by llm_sum16's tree, then the tail by fmaf in order.
 *   - axpy out_i = fmaf(a, v_i, out_i); SiLU through llm_expf (one
 *     polynomial with fmaf); attention's softmax through expf.
 * F32, F16 and BF16 weights keep f32 activations; every quantized type
 * uses llm_q8 activations. */
#ifndef GORILLA_LLM_KERNELS_H
#define GORILLA_LLM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"
#include "llm/quant/quant.h"

/* 32 activations: scale, sums of q[0..16) and q[16..32), values. */
typedef struct {
    float d;
    int16_t s[2];
    int8_t q[32];
} llm_q8;

typedef enum { LLM_CPU_SCALAR = 0, LLM_CPU_AVX2 = 1, LLM_CPU_AVX512 = 2 } llm_cpu_level;

/* Dot of a stored row of n elements with n/32 quantized activations. */
typedef float (*llm_dotq_fn)(const void *row, const llm_q8 *x, size_t n);

/* ---- rows packed in groups of 16 ----------------------------------------
 * Q4_0 and Q8_0 matrices whose row count is a multiple of 16 are repacked
 * at load (llm_pack_rows) so that one vector load holds the same 4 bytes
 * of 16 rows. Per group of 16 rows and per 32-block, in order:
 *   16 f16 scales (row 0..15), 32 bytes;
 *   pieces k = 0..P-1, each 16 rows x 4 bytes (64 bytes): bytes 4k..4k+3
 *   of the row's block quants. Q4_0: P = 4 (the 16 nibble bytes; element
 *   i in the low nibble of byte i, element 16 + i in the high one).
 *   Q8_0: P = 8 (the 32 values + 128, as unsigned bytes).
 * A group is nb = n / 32 such blocks, llm_pack_block_bytes(type) each.
 *
 * Q4_K (n a multiple of 256, as for Q5_K and Q6_K) packs per group and 256-column superblock
 * (LLM_PACK_Q4K_BYTES = 8 x llm_pack_block_bytes): 16 f16 d, 16 f16
 * dmin, the 6-bit scales sc[j][row] and mins m[j][row] of the eight
 * 32-blocks as bytes, then the 128 nibble bytes of each row as chunks
 * c = 0..3 (32 bytes a row: low nibbles are block 2c, high ones block
 * 2c + 1), each chunk 8 pieces of 16 rows x 4 bytes.
 *
 * Q6_K packs per group and superblock (LLM_PACK_Q6K_BYTES): 16 f16 d, the
 * signed scales sc[sub][row] of the 16 sub-blocks, then the quants: ql as
 * chunks c = 0..3 (bytes 32c.. of a row) and qh as chunks h = 0..1 (bytes
 * 32h..), each chunk 8 pieces k of 16 rows x 4 bytes. Block j = 4h + kk
 * takes its low 4 bits from ql chunk 2h + (kk & 1) (shifted by 4 (kk >> 1))
 * and its high 2 bits from qh chunk h (shifted by 2 kk). The pieces are
 * stored in the order the kernels read them, per h and k: qh piece, ql
 * piece of chunk 2h, ql piece of chunk 2h + 1 (one forward stream).
 *
 * Q5_K packs per group and superblock (LLM_PACK_Q5K_BYTES): 16 f16 d, 16
 * f16 dmin, sc[j][row] and m[j][row] as for Q4_K, then per piece k =
 * 0..7 (bytes 4k..4k + 3 of a row's 32-byte chunks, elements 4k..4k + 3
 * of a 32-block) one line of LLM_PACK_Q5K_LINE bytes: the qh piece (bit j
 * of qh byte l is bit 4 of element l of block j), then the qs pieces of
 * chunks c = 0..3 (low nibbles block 2c, high ones block 2c + 1), each
 * 16 rows x 4 bytes (one forward stream for the kernels, which take all
 * eight blocks of a piece at once). */
#define LLM_PACK_ROWS 16
#define LLM_PACK_Q4K_SC 64
#define LLM_PACK_Q4K_MIN 192
#define LLM_PACK_Q4K_QS 320
#define LLM_PACK_Q4K_BYTES (320 + 4 * 512)
#define LLM_PACK_Q5K_SC LLM_PACK_Q4K_SC
#define LLM_PACK_Q5K_MIN LLM_PACK_Q4K_MIN
#define LLM_PACK_Q5K_QS 320 /* the first line */
#define LLM_PACK_Q5K_LINE 320 /* from piece k to piece k + 1 */
#define LLM_PACK_Q5K_BYTES (320 + 8 * LLM_PACK_Q5K_LINE)
/* Offsets of piece 0 of the qh bytes and of qs chunk c in a superblock. */
static inline size_t llm_q5k_qh(void) { return LLM_PACK_Q5K_QS; }
static inline size_t llm_q5k_qs(size_t c) { return LLM_PACK_Q5K_QS + 64 + 64 * c; }
#define LLM_PACK_Q6K_SC 32
#define LLM_PACK_Q6K_LINE 192 /* from piece k of a chunk to piece k + 1 */
#define LLM_PACK_Q6K_BYTES (288 + 6 * 512)
/* Offsets of piece 0 of ql chunk c and of qh chunk h in a superblock. */
static inline size_t llm_q6k_ql(size_t c) { return 288 + (c >> 1) * 1536 + 64 + 64 * (c & 1); }
static inline size_t llm_q6k_qh(size_t h) { return 288 + h * 1536; }

/* Bytes per 16 rows x 32 columns of a packed type; 0 when the type has no
 * packed layout. */
size_t llm_pack_block_bytes(uint32_t type);
/* 1 when a rows x cols matrix of type is packed at load. */
int llm_pack_wanted(uint32_t type, size_t rows, size_t cols);
/* Packs rows [g0 * 16, g1 * 16) of a matrix (row r at src + r *
 * row_bytes) into dst, the start of the packed matrix. */
void llm_pack_rows(uint32_t type, const uint8_t *src, size_t row_bytes, size_t cols, size_t g0, size_t g1,
                   uint8_t *dst);
/* Unpacks row r (0..15) of block b (of the type's block size: 32, or 256
 * for Q4_K, Q5_K and Q6_K) of a packed group to the stored block format at out. */
void llm_pack_get_block(uint32_t type, const uint8_t *group, size_t b, int r, uint8_t *out);

/* One token, one packed group: out[r] = row r . x for the 16 rows. */
typedef void (*llm_gemv16_fn)(const uint8_t *group, const llm_q8 *x, size_t n, float *out);

/* Batched products on packed matrices use the activations repacked by the
 * set's xt_pack (token groups interleaved for the kernel). Rows [r0, r1)
 * (multiples of 16) of the packed matrix pk times nt tokens:
 * out[t * ldo + r] = dot(row r, token t). */
/* scratch: 64-byte aligned, at least gemm_scratch(n) bytes, the calling
 * thread's own (weights unpacked for the tile). */
typedef void (*llm_gemm_fn)(const uint8_t *pk, size_t r0, size_t r1, size_t n, const void *xt, size_t nt, float *out,
                            size_t ldo, void *scratch);
/* Bytes of the packed copy of nt rows of n activations. */
typedef size_t (*llm_xt_size_fn)(size_t nt, size_t n);
/* Packs nt rows (token t at x + t * x_stride blocks) into xt (64-byte
 * aligned, xt_size bytes). */
typedef void (*llm_xt_pack_fn)(const llm_q8 *x, size_t x_stride, size_t nt, size_t n, void *xt);

typedef struct llm_kernels llm_kernels;

struct llm_kernels {
    llm_cpu_level level;
    const char *name;                /* "scalar", "avx2", "avx512" */
    llm_dotq_fn dotq[QT_COUNT];      /* quantized types, stored rows */
    qt_dot_fn dotf[QT_COUNT];        /* F32, F16, BF16 */
    llm_gemv16_fn gemv16[QT_COUNT];  /* packed types, one token */
    llm_gemm_fn gemm[QT_COUNT];      /* packed types, batched; NULL: gemv16 per token */
    llm_xt_size_fn xt_size;          /* NULL when no gemm entry is set */
    llm_xt_pack_fn xt_pack;
    /* Bytes of per-thread scratch any gemm entry of the set needs for rows
     * of n (a set that overrides gemm_scratch covers every gemm it keeps). */
    size_t (*gemm_scratch)(size_t n);
    /* llm_quantize_q8 (bit-identical results on every set). */
    void (*quantize)(const float *x, llm_q8 *out, size_t n);
    /* Attention: dot of two f32 vectors; out += a * v. */
    float (*vdot)(const float *a, const float *b, int n);
    void (*axpy)(float a, const float *v, float *out, int n);
    /* g[i] = silu(g[i]) * u[i] = g / (1 + exp(-g)) * u, i < n. */
    void (*silu)(float *g, const float *u, size_t n);
    /* One query row over npos cached positions (k and v rows stride floats
     * apart): out = softmax(scale * q.k - slope * (npos - 1 - p)) . v (the
     * ALiBi term only when slope != 0: score = d - slope * (float)dist in
     * float, after d = q.k * scale); att is npos floats scratch. kn is the
     * set the entry belongs to (its vdot and axpy). */
    void (*attn)(const llm_kernels *kn, const float *q, const float *k, const float *v, size_t stride, int npos,
                 int hd, float scale, float slope, float *att, float *out);
};

/* The best level this CPU supports. */
llm_cpu_level llm_cpu_detect(void);
/* Fills *k with the set for a level; returns 0, or -1 (k untouched) when
 * this CPU (or build) lacks it. */
int llm_kernels_init(llm_kernels *k, llm_cpu_level level);
/* The set named by name ("scalar", "avx2", "avx512"; NULL or "": the best
 * this CPU has). GORILLA_ERR_INVALID for another name,
 * GORILLA_ERR_UNSUPPORTED for a set this CPU lacks; what names it (e.g.
 * "GORILLA_CPU") starts the message. */
gorilla_status llm_kernels_choose(const char *name, const char *what, llm_kernels *k, gorilla_error *err);

/* 1 when type uses quantized activations (dotq), 0 for F32/F16/BF16. */
int llm_type_uses_q8(uint32_t type);

/* Quantizes x[0..n) (n a multiple of 32) to n/32 blocks. The same code on
 * every path, so every path sees identical activations. */
void llm_quantize_q8(const float *x, llm_q8 *out, size_t n);

/* The attn entry built on kn's vdot and axpy. */
void llm_attn_generic(const llm_kernels *kn, const float *q, const float *k, const float *v, size_t stride, int npos,
                      int hd, float scale, float slope, float *att, float *out);

/* exp(x) as every set computes it for SiLU: 2^n * p(r), n = rint(x log2 e),
 * r = x - n ln 2 in two fmaf steps, p the degree-7 Taylor polynomial by
 * Horner with fmaf (relative error < 2e-7). */
float llm_expf(float x);
/* The fixed summation trees: l[i] + l[i + 4], then + 2, then + 1; and
 * l[i] + l[i + 8] followed by llm_sum8. */
static inline float llm_sum8(const float *l)
{
    float a = l[0] + l[4], b = l[1] + l[5], c = l[2] + l[6], d = l[3] + l[7];
    return (a + c) + (b + d);
}
static inline float llm_sum16(const float *l)
{
    float h[8];
    for (int i = 0; i < 8; i++) h[i] = l[i] + l[i + 8];
    return llm_sum8(h);
}

/* Kernel sets (kernels_scalar.c, kernels_avx2.c, kernels_avx512.c). */
void llm_kernels_init_scalar(llm_kernels *k);
void llm_kernels_init_avx2(llm_kernels *k);   /* scalar entries first */
void llm_kernels_init_avx512(llm_kernels *k); /* avx2 entries first */
/* 1 when the SIMD files were compiled with their instructions. */
int llm_kernels_have_x86(void);

#endif
