/* kernels.h — integer dot-product kernels on 8-bit activations, chosen at
 * run time for the CPU (internal).
 *
 * An activation row of n floats (n a multiple of 32) is quantized once to
 * n/32 llm_q8 blocks: x[i] ~ d * q[i], q in [-127, 127], d = max|x| / 127,
 * rounded to nearest even. A weight row of a quantized type is then dotted
 * with it in integers per block, scaled by the two block scales in float.
 * F32/F16/BF16 weights keep f32 activations (kernels `dotf`).
 *
 * Three kernel sets: scalar (portable C), avx2 (AVX2+FMA+F16C) and avx512
 * (AVX-512 F/BW/VL + VNNI). The SIMD sets compute the same integer block
 * sums as the scalar set; only the order of the float additions differs
 * (relative differences of a few 1e-7). GORILLA_CPU=scalar|avx2|avx512
 * forces a set (a set the CPU lacks falls back to the best one it has). */
#ifndef GORILLA_LLM_KERNELS_H
#define GORILLA_LLM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "llm/quant.h"

/* 32 activations: scale, sums of q[0..16) and q[16..32), values. */
typedef struct {
    float d;
    int16_t s[2];
    int8_t q[32];
} llm_q8;

typedef enum { LLM_CPU_SCALAR = 0, LLM_CPU_AVX2 = 1, LLM_CPU_AVX512 = 2 } llm_cpu_level;

/* Dot of a stored row of n elements with n/32 quantized activations. */
typedef float (*llm_dotq_fn)(const void *row, const llm_q8 *x, size_t n);

/* Batched products use the activations repacked by the set's xt_pack
 * (token groups interleaved for the kernel). Rows [r0, r1) of W (row r at
 * w + r * row_bytes, n elements) times nt tokens:
 * out[t * ldo + r] = dot(row r, token t). */
typedef void (*llm_gemm_fn)(const uint8_t *w, size_t row_bytes, size_t r0, size_t r1, size_t n, const void *xt,
                            size_t nt, float *out, size_t ldo);
/* Bytes of the packed copy of nt rows of n activations. */
typedef size_t (*llm_xt_size_fn)(size_t nt, size_t n);
/* Packs nt rows (token t at x + t * x_stride blocks) into xt (64-byte
 * aligned, xt_size bytes). */
typedef void (*llm_xt_pack_fn)(const llm_q8 *x, size_t x_stride, size_t nt, size_t n, void *xt);

typedef struct {
    llm_cpu_level level;
    const char *name;                /* "scalar", "avx2", "avx512" */
    llm_dotq_fn dotq[QT_COUNT];      /* quantized types; NULL for float types */
    qt_dot_fn dotf[QT_COUNT];        /* F32, F16, BF16 */
    llm_gemm_fn gemm[QT_COUNT];      /* batched; NULL: a loop of dotq/dotf */
    llm_xt_size_fn xt_size;          /* NULL when no gemm entry is set */
    llm_xt_pack_fn xt_pack;
    /* One token, with the activations also repacked by xd_pack (once per
     * token; NULL when the set has no dotd entry). n may have a tail of
     * blocks past a multiple of 4 (done on x). */
    float (*dotd[QT_COUNT])(const void *row, const llm_q8 *x, const void *xd, size_t n);
    size_t (*xd_size)(size_t n);
    void (*xd_pack)(const llm_q8 *x, size_t n, void *xd);
    /* llm_quantize_q8 (bit-identical results on every set). */
    void (*quantize)(const float *x, llm_q8 *out, size_t n);
    /* Attention: dot of two f32 vectors; out += a * v. */
    float (*vdot)(const float *a, const float *b, int n);
    void (*axpy)(float a, const float *v, float *out, int n);
    /* One query row over npos cached positions (k and v rows stride floats
     * apart): out = softmax(scale * q.k) . v; att is npos floats scratch. */
    /* g[i] = silu(g[i]) * u[i] = g / (1 + exp(-g)) * u, i < n. */
    void (*silu)(float *g, const float *u, size_t n);
    void (*attn)(const float *q, const float *k, const float *v, size_t stride, int npos, int hd, float scale,
                 float *att, float *out);
} llm_kernels;

/* The best level this CPU supports. */
llm_cpu_level llm_cpu_detect(void);
/* The kernel set in use: chosen once from GORILLA_CPU and the CPU. */
const llm_kernels *llm_kernels_active(void);
/* The set for a level, or NULL when this CPU (or build) lacks it. */
const llm_kernels *llm_kernels_for(llm_cpu_level level);
/* Forces the active set (tests); returns 0, or -1 if unavailable. */
int llm_kernels_force(llm_cpu_level level);

/* 1 when type uses quantized activations (dotq), 0 for F32/F16/BF16. */
int llm_type_uses_q8(uint32_t type);

/* Quantizes x[0..n) (n a multiple of 32) to n/32 blocks. The same code on
 * every path, so every path sees identical activations. */
void llm_quantize_q8(const float *x, llm_q8 *out, size_t n);

/* The attn entry built on the active set's vdot and axpy. */
void llm_attn_generic(const float *q, const float *k, const float *v, size_t stride, int npos, int hd, float scale,
                      float *att, float *out);

/* Kernel sets (kernels_scalar.c, kernels_avx2.c, kernels_avx512.c). */
void llm_kernels_init_scalar(llm_kernels *k);
void llm_kernels_init_avx2(llm_kernels *k);   /* scalar entries first */
void llm_kernels_init_avx512(llm_kernels *k); /* avx2 entries first */
/* 1 when the SIMD files were compiled with their instructions. */
int llm_kernels_have_x86(void);

#endif
