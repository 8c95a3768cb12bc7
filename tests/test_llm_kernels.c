/* test_llm_kernels.c — the runtime-dispatched kernels: every type on every
 * kernel set this CPU has gives the scalar set's bits (kernels.h defines
 * one order of operations for all of them), and the scalar set agrees
 * with a double-precision dequantize-then-dot reference; the packed
 * layout, the batched kernels and the pool-split products give the bits of
 * single dots; whole models give the same tokens and logits on every set. */
#include "testutil.h"

#include <math.h>

#include "llm/kernels/kernels.h"
#include "llm/model/model.h"
#include "llm/model/forward.h"
#include "support/forward_f32.h"
#include "support/synth.h"
#include "llm/model/matmul.h"
#include "llm/quant/quant.h"

static const uint32_t QTYPES[] = {QT_Q4_0, QT_Q4_1, QT_Q5_0, QT_Q5_1, QT_Q8_0,
                                  QT_Q2_K, QT_Q3_K, QT_Q4_K, QT_Q5_K, QT_Q6_K};
static const uint32_t FTYPES[] = {QT_F32, QT_F16, QT_BF16};
#define NQ (sizeof QTYPES / sizeof *QTYPES)
#define NF (sizeof FTYPES / sizeof *FTYPES)

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) /* [-1, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 4503599627370496.0 - 1.0);
}

static void fill(float *x, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++) x[i] = frand() * scale;
}

/* Sum of |w_i x_i| in double, with w dequantized and x the quantized
 * activations: the scale of a dot's rounding error. */
static double ref_dotq(uint32_t type, const void *row, const llm_q8 *xq, size_t n, double *mag)
{
    float *w = malloc(n * sizeof *w);
    dequantize_row(type, row, w, n);
    double s = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)xq[i / 32].d * xq[i / 32].q[i % 32];
        s += (double)w[i] * x;
        m += fabs((double)w[i] * x);
    }
    free(w);
    *mag = m;
    return s;
}

/* The set for a level, or NULL when this CPU lacks it (each level's set
 * in its own slot; rebuilt with the same entries on every call). */
static llm_kernels SETS[3];
static const llm_kernels *kset(int level)
{
    return llm_kernels_init(&SETS[level], (llm_cpu_level)level) ? NULL : &SETS[level];
}

static const char *const SET_NAMES[] = {"scalar", "avx2", "avx512"};

/* Bitwise equality of floats (NaN payloads included). */
static void assert_same_floats(const float *a, const float *b, size_t n, const char *what, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof *a))
            fail_msg("%s on %s, element %zu: %.9g vs scalar %.9g", what, set, i, (double)b[i], (double)a[i]);
}

static void test_detect(void **s)
{
    (void)s;
    llm_kernels best;
    gorilla_error err = {0};
    assert_int_equal(llm_kernels_choose(NULL, "GORILLA_CPU", &best, &err), GORILLA_OK);
    assert_int_equal(best.level, llm_cpu_detect());
    assert_int_equal(llm_kernels_choose("", "GORILLA_CPU", &best, &err), GORILLA_OK);
    assert_int_equal(best.level, llm_cpu_detect());
    assert_non_null(kset(LLM_CPU_SCALAR));
    printf("# cpu: best %d (%s)\n", (int)llm_cpu_detect(), best.name);
    /* a bad name is the caller's error, with a message naming it */
    assert_int_equal(llm_kernels_choose("sse9", "GORILLA_CPU", &best, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "GORILLA_CPU=sse9"));
    if (llm_cpu_detect() < LLM_CPU_AVX512) {
        assert_int_equal(llm_kernels_choose("avx512", "GORILLA_CPU", &best, &err), GORILLA_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.message, "not supported"));
    }
    for (int l = 0; l <= 2; l++) {
        llm_kernels named;
        gorilla_status st = llm_kernels_choose(SET_NAMES[l], "GORILLA_CPU", &named, &err);
        assert_int_equal(st, l <= (int)llm_cpu_detect() ? GORILLA_OK : GORILLA_ERR_UNSUPPORTED);
        if (!st) assert_string_equal(named.name, SET_NAMES[l]);
    }
    for (int l = 0; l <= 2; l++) {
        const llm_kernels *kl = kset(l);
        if (!kl) continue;
        assert_int_equal(kl->level, l);
        for (size_t i = 0; i < NQ; i++) assert_non_null(kl->dotq[QTYPES[i]]);
        for (size_t i = 0; i < NF; i++) assert_non_null(kl->dotf[FTYPES[i]]);
    }
}

static void test_quantize_q8(void **s)
{
    (void)s;
    float x[64];
    fill(x, 64, 3.0f);
    x[5] = -3.5f;
    for (int j = 32; j < 64; j++) x[j] = 0;
    llm_q8 q[2];
    llm_quantize_q8(x, q, 64);
    assert_true(fabsf(q[0].d - 3.5f / 127) < 1e-7f);
    assert_int_equal(q[0].q[5], -127);
    int s0 = 0, s1 = 0;
    for (int j = 0; j < 16; j++) s0 += q[0].q[j], s1 += q[0].q[16 + j];
    assert_int_equal(q[0].s[0], s0);
    assert_int_equal(q[0].s[1], s1);
    for (int j = 0; j < 32; j++) {
        assert_true(fabsf(q[0].d * q[0].q[j] - x[j]) <= q[0].d * 0.5f + 1e-6f);
        assert_int_equal(q[1].q[j], 0);
    }
    assert_true(q[1].d == 0);
}

/* Every set's quantizer gives the scalar one's bits. */
static void test_quantize_paths(void **s)
{
    (void)s;
    size_t n = 4096;
    float *x = malloc(n * sizeof *x);
    llm_q8 *a = malloc(n / 32 * sizeof *a), *b = malloc(n / 32 * sizeof *b);
    fill(x, n, 5.0f);
    for (size_t i = 0; i < 32; i++) x[64 + i] = 0;       /* an all-zero block */
    for (size_t i = 0; i < n; i += 97) x[i] = 0.5f * (float)(i % 7); /* ties at .5 after scaling */
    llm_quantize_q8(x, a, n);
    for (int l = 1; l <= 2; l++) {
        const llm_kernels *k = kset(l);
        if (!k) continue;
        k->quantize(x, b, n);
        assert_memory_equal(a, b, n / 32 * sizeof *a);
    }
    free(x);
    free(a);
    free(b);
}

/* Every quantized type, every set, several lengths: the scalar set near
 * the double reference, the others bit-identical to it. */
static void test_dotq_all_paths(void **s)
{
    (void)s;
    const size_t lens[] = {256, 512, 2048 + 256, 2048 + 96};
    for (size_t ti = 0; ti < NQ; ti++) {
        uint32_t type = QTYPES[ti];
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t n = lens[li];
            if (n % qtype_get(type)->block_size) continue;
            float *w = malloc(n * sizeof *w), *x = malloc(n * sizeof *x);
            uint8_t *row = malloc(qtype_row_size(type, n));
            llm_q8 *xq = malloc(n / 32 * sizeof *xq);
            for (int rep = 0; rep < 3; rep++) {
                fill(w, n, 0.5f + rep);
                fill(x, n, 2.0f);
                if (rep == 2) x[7] = 40.0f; /* an outlier block */
                quantize_row(type, w, row, n);
                llm_quantize_q8(x, xq, n);
                double mag, ref = ref_dotq(type, row, xq, n, &mag);
                float scalar = kset(LLM_CPU_SCALAR)->dotq[type](row, xq, n);
                if (fabs(scalar - ref) > 1e-5 * mag + 1e-6)
                    fail_msg("%s n %zu: scalar %g vs reference %g (mag %g)", qtype_name(type), n, (double)scalar, ref,
                             mag);
                for (int l = 1; l <= 2; l++) {
                    const llm_kernels *k = kset(l);
                    if (!k) continue;
                    float v = k->dotq[type](row, xq, n);
                    assert_same_floats(&scalar, &v, 1, qtype_name(type), k->name);
                }
            }
            free(w);
            free(x);
            free(row);
            free(xq);
        }
    }
}

/* A rows x n matrix of type with random weights (row r at r * row_bytes). */
static uint8_t *random_matrix(uint32_t type, size_t rows, size_t n)
{
    size_t rb = qtype_row_size(type, n);
    uint8_t *wq = malloc(rows * rb);
    float *w = malloc(n * sizeof *w);
    for (size_t r = 0; r < rows; r++) {
        fill(w, n, 1.0f + (float)(r % 3));
        quantize_row(type, w, wq + r * rb, n);
    }
    free(w);
    return wq;
}

/* The packed copy of a matrix (64-byte aligned), or NULL when not wanted. */
static uint8_t *pack_matrix(uint32_t type, const uint8_t *wq, size_t rows, size_t n)
{
    if (!llm_pack_wanted(type, rows, n)) return NULL;
    size_t bytes = rows / LLM_PACK_ROWS * (n / 32) * llm_pack_block_bytes(type);
    uint8_t *pk = aligned_alloc(64, (bytes + 63) / 64 * 64);
    assert_non_null(pk);
    llm_pack_rows(type, wq, qtype_row_size(type, n), n, 0, rows / LLM_PACK_ROWS, pk);
    return pk;
}

/* Packing: only Q4_0/Q8_0 with 16k rows and 32k columns, Q4_K/Q5_K/Q6_K
 * with 256k columns; every block of every row comes back unchanged. */
static void test_pack_layout(void **s)
{
    (void)s;
    assert_true(llm_pack_wanted(QT_Q4_0, 32, 64));
    assert_true(llm_pack_wanted(QT_Q8_0, 16, 32));
    assert_false(llm_pack_wanted(QT_Q4_0, 24, 64));
    assert_false(llm_pack_wanted(QT_Q4_0, 0, 64));
    assert_true(llm_pack_wanted(QT_Q4_K, 32, 256));
    assert_false(llm_pack_wanted(QT_Q4_K, 32, 96));
    assert_true(llm_pack_wanted(QT_Q6_K, 32, 256));
    assert_true(llm_pack_wanted(QT_Q5_K, 32, 256));
    assert_false(llm_pack_wanted(QT_Q5_K, 32, 96));
    assert_false(llm_pack_wanted(QT_F16, 32, 64));
    assert_int_equal(llm_pack_block_bytes(QT_Q4_0), 16 * QB_Q4_0);
    assert_int_equal(llm_pack_block_bytes(QT_Q8_0), 16 * QB_Q8_0);
    assert_int_equal(llm_pack_block_bytes(QT_Q4_K) * 8, LLM_PACK_Q4K_BYTES);
    assert_int_equal(llm_pack_block_bytes(QT_Q6_K) * 8, LLM_PACK_Q6K_BYTES);
    assert_int_equal(llm_pack_block_bytes(QT_Q5_K) * 8, LLM_PACK_Q5K_BYTES);
    assert_int_equal(llm_pack_block_bytes(QT_Q2_K), 0);
    const uint32_t types[] = {QT_Q4_0, QT_Q8_0, QT_Q4_K, QT_Q5_K, QT_Q6_K};
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        uint32_t type = types[ti];
        size_t rows = 48, n = qtype_get(type)->block_size == QK_K ? 768 : 96, rb = qtype_row_size(type, n), qb = qtype_get(type)->type_size;
        size_t bs = qtype_get(type)->block_size;
        uint8_t *wq = random_matrix(type, rows, n), *pk = pack_matrix(type, wq, rows, n);
        uint8_t blk[QB_Q6_K];
        size_t gbytes = (n / 32) * llm_pack_block_bytes(type);
        for (size_t r = 0; r < rows; r++)
            for (size_t b = 0; b < n / bs; b++) {
                llm_pack_get_block(type, pk + r / 16 * gbytes, b, (int)(r % 16), blk);
                assert_memory_equal(blk, wq + r * rb + b * qb, qb);
            }
        free(wq);
        free(pk);
    }
}

/* One token on packed groups: every set's gemv16 gives the bits of the
 * scalar dot of each stored row (odd block counts included). */
static void test_gemv16_all_paths(void **s)
{
    (void)s;
    const uint32_t types[] = {QT_Q4_0, QT_Q8_0, QT_Q4_K, QT_Q5_K, QT_Q6_K};
    const size_t lens[] = {32, 96, 256, 2048, 2048 + 160, 2048 + 256};
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++)
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            uint32_t type = types[ti];
            size_t rows = 32, n = lens[li], rb = qtype_row_size(type, n);
            if (!llm_pack_wanted(type, rows, n)) continue;
            uint8_t *wq = random_matrix(type, rows, n), *pk = pack_matrix(type, wq, rows, n);
            float *x = malloc(n * sizeof *x);
            llm_q8 *xq = malloc(n / 32 * sizeof *xq);
            fill(x, n, 3.0f);
            x[n / 2] = -50.0f;
            llm_quantize_q8(x, xq, n);
            float want[32], got[32];
            const llm_kernels *sc = kset(LLM_CPU_SCALAR);
            for (size_t r = 0; r < rows; r++) want[r] = sc->dotq[type](wq + r * rb, xq, n);
            for (int l = 0; l <= 2; l++) {
                const llm_kernels *k = kset(l);
                if (!k) continue;
                assert_non_null(k->gemv16[type]);
                size_t gbytes = (n / 32) * llm_pack_block_bytes(type);
                k->gemv16[type](pk, xq, n, got);
                k->gemv16[type](pk + gbytes, xq, n, got + 16);
                assert_same_floats(want, got, rows, qtype_name(type), k->name);
            }
            free(wq);
            free(pk);
            free(x);
            free(xq);
        }
}

static void test_dotf_all_paths(void **s)
{
    (void)s;
    const size_t lens[] = {7, 64, 1000, 999};
    for (size_t ti = 0; ti < NF; ti++) {
        uint32_t type = FTYPES[ti];
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t n = lens[li];
            float w[1000], x[1000], wd[1000];
            uint8_t row[4000];
            fill(w, n, 1.0f);
            fill(x, n, 1.0f);
            quantize_row(type, w, row, n);
            dequantize_row(type, row, wd, n);
            double ref = 0, mag = 0;
            for (size_t i = 0; i < n; i++) ref += (double)wd[i] * x[i], mag += fabs((double)wd[i] * x[i]);
            float scalar = kset(LLM_CPU_SCALAR)->dotf[type](row, x, n);
            if (fabs(scalar - ref) > 1e-5 * mag)
                fail_msg("%s n %zu: scalar %g vs reference %g", qtype_name(type), n, (double)scalar, ref);
            for (int l = 1; l <= 2; l++) {
                const llm_kernels *k = kset(l);
                if (!k) continue;
                float v = k->dotf[type](row, x, n);
                assert_same_floats(&scalar, &v, 1, qtype_name(type), k->name);
            }
        }
    }
}

/* Batched kernels (where a set has them) on packed rows [16, 48) of 64,
 * odd token counts included: the bits of the scalar dots, and nothing
 * written outside those rows. */
static void test_gemm(void **s)
{
    (void)s;
    const size_t nts[] = {2, 5, 16, 17, 33, 50};
    size_t n = 512, rows = 64, ldo = rows + 3;
    for (int l = 0; l <= 2; l++) {
        const llm_kernels *k = kset(l);
        if (!k) continue;
        for (size_t ti = 0; ti < NQ; ti++) {
            uint32_t type = QTYPES[ti];
            if (!k->gemm[type]) continue;
            size_t rb = qtype_row_size(type, n);
            uint8_t *wq = random_matrix(type, rows, n), *pk = pack_matrix(type, wq, rows, n);
            for (size_t ni = 0; ni < sizeof nts / sizeof *nts; ni++) {
                size_t nt = nts[ni];
                float *x = malloc(nt * n * sizeof *x), *out = malloc(nt * ldo * sizeof *out);
                llm_q8 *xq = malloc(nt * (n / 32) * sizeof *xq);
                fill(x, nt * n, 1.5f);
                for (size_t t = 0; t < nt; t++) llm_quantize_q8(x + t * n, xq + t * (n / 32), n);
                void *xt = aligned_alloc(64, (k->xt_size(nt, n) + 63) / 64 * 64);
                k->xt_pack(xq, n / 32, nt, n, xt);
                for (size_t i = 0; i < nt * ldo; i++) out[i] = -999.0f;
                void *scratch = aligned_alloc(64, k->gemm_scratch(n));
                k->gemm[type](pk, 16, 48, n, xt, nt, out, ldo, scratch);
                free(scratch);
                for (size_t t = 0; t < nt; t++)
                    for (size_t r = 0; r < ldo; r++) {
                        float got = out[t * ldo + r];
                        if (r < 16 || r >= 48) {
                            assert_true(got == -999.0f);
                            continue;
                        }
                        float want = kset(LLM_CPU_SCALAR)->dotq[type](wq + r * rb, xq + t * (n / 32), n);
                        assert_same_floats(&want, &got, 1, "gemm", k->name);
                    }
                free(xt);
                free(x);
                free(out);
                free(xq);
            }
            free(wq);
            free(pk);
        }
    }
}

/* llm_mm on a 2-thread pool, one token and a batch, packed (32 rows) and
 * stored (10 rows) matrices, every type and every set: the bits of the
 * scalar single dots. */
static void test_matmul_pool(void **s)
{
    (void)s;
    llm_pool *pool = llm_pool_new(2);
    assert_non_null(pool);
    size_t n = 256, nt = 19;
    const uint32_t types[] = {QT_F32,  QT_F16,  QT_BF16, QT_Q4_0, QT_Q8_0, QT_Q4_K, QT_Q6_K,
                              QT_Q4_1, QT_Q5_0, QT_Q5_1, QT_Q2_K, QT_Q3_K, QT_Q5_K};
    const size_t row_counts[] = {10, 32};
    llm_kernels scalar;
    assert_int_equal(llm_kernels_init(&scalar, LLM_CPU_SCALAR), 0);
    const llm_kernels *sc = &scalar;
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++)
        for (size_t ri = 0; ri < 2; ri++) {
            uint32_t type = types[ti];
            size_t rows = row_counts[ri], rb = qtype_row_size(type, n);
            uint8_t *wq = random_matrix(type, rows, n);
            float *x = malloc(nt * n * sizeof *x);
            float *out = malloc(nt * rows * sizeof *out), *out2 = malloc(rows * sizeof *out2);
            fill(x, nt * n, 1.0f);
            llm_matrix m = {.data = wq, .type = type, .rows = rows, .cols = n, .row_bytes = rb};
            m.packed = pack_matrix(type, wq, rows, n);
            assert_true((m.packed != NULL) == (rows == 32 && (type == QT_Q4_0 || type == QT_Q8_0 || type == QT_Q4_K || type == QT_Q5_K ||
                                                                     type == QT_Q6_K)));
            const llm_matrix *mp = &m;
            for (int l = 0; l <= 2; l++) {
                const llm_kernels *k = kset(l);
                if (!k) continue;
                llm_mm_ctx ctx;
                gorilla_error err;
                assert_int_equal(llm_mm_ctx_init(&ctx, k, pool, nt, n, &err), GORILLA_OK);
                llm_mm(&ctx, 1, &mp, x, n, nt, &out, NULL);
                for (size_t t = 0; t < nt; t++) {
                    llm_mm(&ctx, 1, &mp, x + t * n, n, 1, &out2, NULL);
                    for (size_t r = 0; r < rows; r++) {
                        float want;
                        if (llm_type_uses_q8(type)) {
                            llm_q8 xq[8];
                            llm_quantize_q8(x + t * n, xq, n);
                            want = sc->dotq[type](wq + r * rb, xq, n);
                        } else {
                            want = sc->dotf[type](wq + r * rb, x + t * n, n);
                        }
                        assert_same_floats(&want, &out2[r], 1, "mm_vec", k->name);
                        assert_same_floats(&want, &out[t * rows + r], 1, "mm_batch", k->name);
                    }
                }
                llm_mm_ctx_free(&ctx);
            }
            free(m.packed);
            free(wq);
            free(x);
            free(out);
            free(out2);
        }
    llm_pool_free(pool);
}

/* Attention on every set: the scalar set's bits, head sizes with a
 * register kernel (64, 128) and without (80), 1 to 37 positions, without
 * and with an ALiBi slope (MPT). */
static void test_attn_paths(void **s)
{
    (void)s;
    const int hds[] = {64, 128, 80};
    size_t stride = 256 + 16, maxpos = 37;
    float *q = malloc(128 * sizeof *q), *k = malloc(maxpos * stride * sizeof *k), *v = malloc(maxpos * stride * sizeof *v);
    float att[37], want[128], got[128];
    fill(q, 128, 2.0f);
    fill(k, maxpos * stride, 1.0f);
    fill(v, maxpos * stride, 1.0f);
    const float slopes[] = {0.0f, 0.25f, 0.0039f};
    for (size_t si = 0; si < 3; si++)
    for (size_t hi = 0; hi < 3; hi++)
        for (int npos = 1; npos <= 37; npos += 6) {
            int hd = hds[hi];
            float slope = slopes[si];
            const llm_kernels *sk = kset(LLM_CPU_SCALAR);
            sk->attn(sk, q, k, v, stride, npos, hd, 0.125f, slope, att, want);
            /* against a double softmax */
            double sc[37], mx = -1e300, sum = 0;
            for (int p = 0; p < npos; p++) {
                double d = 0;
                for (int i = 0; i < hd; i++) d += (double)q[i] * k[(size_t)p * stride + i];
                sc[p] = d * 0.125 - (double)slope * (npos - 1 - p);
                mx = fmax(mx, sc[p]);
            }
            for (int p = 0; p < npos; p++) sum += sc[p] = exp(sc[p] - mx);
            for (int i = 0; i < hd; i++) {
                double o = 0;
                for (int p = 0; p < npos; p++) o += sc[p] / sum * v[(size_t)p * stride + i];
                if (fabs(o - want[i]) > 1e-5) fail_msg("attn hd %d npos %d [%d]: %g vs %g", hd, npos, i, (double)want[i], o);
            }
            for (int l = 1; l <= 2; l++) {
                const llm_kernels *kn = kset(l);
                if (!kn) continue;
                kn->attn(kn, q, k, v, stride, npos, hd, 0.125f, slope, att, got);
                assert_same_floats(want, got, (size_t)hd, "attn", kn->name);
                float a = kn->vdot(q, k, hd), b = kset(LLM_CPU_SCALAR)->vdot(q, k, hd);
                assert_same_floats(&b, &a, 1, "vdot", kn->name);
            }
        }
    free(q);
    free(k);
    free(v);
}

/* Every set's SiLU against double, including large, tiny, inf and NaN. */
static void test_silu(void **s)
{
    (void)s;
    size_t n = 1000;
    float *g = malloc(n * sizeof *g), *u = malloc(n * sizeof *u), *g0 = malloc(n * sizeof *g0);
    for (size_t i = 0; i < n; i++) {
        g0[i] = frand() * 20.0f;
        u[i] = frand();
    }
    g0[0] = 100.0f, g0[1] = -100.0f, g0[2] = 0.0f, g0[3] = -1e-30f, g0[4] = 88.0f, g0[5] = -90.0f;
    g0[6] = INFINITY, g0[7] = NAN, g0[8] = -INFINITY, g0[9] = -95.0f, g0[10] = 87.5f;
    for (size_t i = 11; i < 60; i++) g0[i] = (i % 2 ? 1.0f : -1.0f) * (80.0f + (float)i * 0.5f); /* exp ends */
    float *want_bits = malloc(n * sizeof *want_bits);
    memcpy(want_bits, g0, n * sizeof *g0);
    kset(LLM_CPU_SCALAR)->silu(want_bits, u, n);
    for (int l = 0; l <= 2; l++) {
        const llm_kernels *k = kset(l);
        if (!k) continue;
        memcpy(g, g0, n * sizeof *g);
        k->silu(g, u, n);
        for (size_t i = 0; i < n; i++) {
            if (!isnan(g[i]) && memcmp(&g[i], &want_bits[i], sizeof *g))
                fail_msg("%s silu(%g): %.9g vs scalar %.9g", k->name, (double)g0[i], (double)g[i], (double)want_bits[i]);
            if (isnan(g[i])) assert_true(isnan(want_bits[i]));
            double want = (double)g0[i] / (1.0 + exp(-(double)g0[i])) * u[i];
            if (isnan(want)) {
                assert_true(isnan(g[i]));
                continue;
            }
            if (isinf(want)) {
                assert_true(g[i] == (float)want);
                continue;
            }
            if (!(fabs(g[i] - want) <= 1e-6 * fabs(want) + 1e-30))
                fail_msg("%s silu(%g) * %g = %g, want %g", k->name, (double)g0[i], (double)u[i], (double)g[i], want);
        }
    }
    free(g);
    free(u);
    free(g0);
    free(want_bits);
    /* the exp every set's SiLU uses: within 3e-7 of double over the normal
     * range, 0 below it, inf above it */
    for (double x = -87.0; x < 88.5; x += 0.173) {
        double want = exp((double)(float)x), got = llm_expf((float)x);
        if (fabs(got - want) > 3e-7 * want) fail_msg("llm_expf(%g) = %.9g, want %.9g", x, got, want);
    }
    assert_true(llm_expf(-200.0f) < 1e-44f);
    assert_true(isinf(llm_expf(200.0f)));
    assert_true(llm_expf(0.0f) == 1.0f);
}

/* ---- model level --------------------------------------------------------- */

static void softmax(const float *l, double *p, int n)
{
    double mx = l[0], s = 0;
    for (int i = 1; i < n; i++) mx = l[i] > mx ? l[i] : mx;
    for (int i = 0; i < n; i++) s += p[i] = exp((double)l[i] - mx);
    for (int i = 0; i < n; i++) p[i] /= s;
}

static double max_prob_diff(const float *a, const float *b, int n)
{
    double *pa = malloc((size_t)n * sizeof *pa), *pb = malloc((size_t)n * sizeof *pb), worst = 0;
    softmax(a, pa, n);
    softmax(b, pb, n);
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(pa[i] - pb[i]));
    free(pa);
    free(pb);
    return worst;
}

static int argmax_f(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

#define NPROMPT 70 /* past GEMM_MIN_TOKENS (matmul.c): the batched kernels run */
#define NGEN 8

/* Prompt logits (batched), then NGEN greedy tokens one at a time. */
static void run_model(gorilla_model *m, const int32_t *prompt, float *logits, int32_t *gen)
{
    int V = m->cfg.n_vocab;
    float *lg = malloc((size_t)V * sizeof *lg);
    llm_forward(m, prompt, NPROMPT, 0, logits, 0);
    int32_t tok = argmax_f(logits, V);
    for (int i = 0; i < NGEN; i++) {
        gen[i] = tok;
        llm_forward(m, &tok, 1, NPROMPT + i, lg, 0);
        tok = argmax_f(lg, V);
    }
    free(lg);
}

/* Every forced kernel set gives the scalar set's greedy tokens and logits,
 * bit for bit; batched prefill gives the bits of one token at a time; and
 * the 8-bit activations stay close to the f32 engine path. */
static void check_model_type(uint32_t type)
{
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.n_embd = 256; /* head size 64 */
    p.n_head = 4;
    p.n_head_kv = 2;
    p.n_ff = 512;
    p.type = type;
    p.seed = 7;
    p.n_ctx = 128;
    char path[] = "/tmp/gorilla-kern-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gorilla_error err;
    assert_int_equal(llm_synth_write(&p, path, &err), GORILLA_OK);
    gorilla_model_opts o = {2, 128};
    gorilla_model *m;
    assert_int_equal(llm_model_load_cpu(path, &o, "scalar", &m, &err), GORILLA_OK);
    assert_string_equal(gorilla_model_cpu(m), "scalar");
    int V = m->cfg.n_vocab;
    int32_t prompt[NPROMPT];
    for (int i = 0; i < NPROMPT; i++) prompt[i] = (int32_t)((i * 37 + 11) % V);

    float *ref = malloc((size_t)V * sizeof *ref), *lg = malloc((size_t)V * sizeof *lg), *seq = calloc((size_t)V, sizeof *seq);
    int32_t gen_ref[NGEN], gen[NGEN];
    run_model(m, prompt, ref, gen_ref);
    gorilla_model_free(m);
    for (int l = 1; l <= 2; l++) {
        if (llm_model_load_cpu(path, &o, SET_NAMES[l], &m, &err)) {
            assert_int_equal(err.status, GORILLA_ERR_UNSUPPORTED);
            continue;
        }
        assert_string_equal(gorilla_model_cpu(m), SET_NAMES[l]);
        run_model(m, prompt, lg, gen);
        assert_same_floats(ref, lg, (size_t)V, qtype_name(type), SET_NAMES[l]);
        assert_memory_equal(gen, gen_ref, sizeof gen);
        gorilla_model_free(m);
    }
    /* batched prefill vs one token at a time, on the best set */
    assert_int_equal(llm_model_load_cpu(path, &o, NULL, &m, &err), GORILLA_OK);
    run_model(m, prompt, lg, gen);
    for (int i = 0; i < NPROMPT; i++) llm_forward(m, &prompt[i], 1, i, i + 1 == NPROMPT ? seq : NULL, 0);
    assert_same_floats(lg, seq, (size_t)V, "batched vs sequential prefill", gorilla_model_cpu(m));
    /* the f32-activation reference (tests/support/forward_f32.c) */
    for (int i = 0; i < NPROMPT; i++) assert_int_equal(llm_forward_f32(m, prompt[i], i, i + 1 == NPROMPT ? seq : NULL), 0);
    double d = max_prob_diff(lg, seq, V);
    printf("# %s: max probability difference, 8-bit vs f32 activations: %.2g\n", qtype_name(type), d);
    if (d > 2e-2) fail_msg("%s: 8-bit activations differ from f32 by %g", qtype_name(type), d);
    free(ref);
    free(lg);
    free(seq);
    gorilla_model_free(m);
    unlink(path);
}

static void test_model_paths(void **s)
{
    (void)s;
    const uint32_t types[] = {QT_Q4_0, QT_Q8_0, QT_Q4_K, QT_Q6_K, QT_F16,  QT_BF16, QT_F32,
                              QT_Q4_1, QT_Q5_0, QT_Q5_1, QT_Q2_K, QT_Q3_K, QT_Q5_K};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) check_model_type(types[i]);
}

/* The prefix cache: a second prompt sharing a prefix reuses its positions
 * and gives the logits a fresh model gives. */
static void test_prefix_cache(void **s)
{
    (void)s;
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.type = QT_Q4_0;
    p.n_embd = 128;
    char path[] = "/tmp/gorilla-kern-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gorilla_error err;
    assert_int_equal(llm_synth_write(&p, path, &err), GORILLA_OK);
    gorilla_model_opts o = {2, 64};
    gorilla_model *m, *fresh;
    assert_int_equal(gorilla_model_load(path, &o, &m, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_load(path, &o, &fresh, &err), GORILLA_OK);
    int V = m->cfg.n_vocab;
    int32_t a[30], b[26];
    for (int i = 0; i < 30; i++) a[i] = (int32_t)((i * 13 + 5) % V);
    memcpy(b, a, 20 * sizeof *b); /* shared prefix of 20 */
    for (int i = 20; i < 26; i++) b[i] = (int32_t)((i * 7 + 1) % V);
    float *l1 = malloc((size_t)V * sizeof *l1), *l2 = malloc((size_t)V * sizeof *l2);
    assert_int_equal(gorilla_model_prompt(m, a, 30, 0, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_reused, 0);
    /* decode two tokens, then a new prompt from position 0 */
    assert_int_equal(gorilla_model_forward(m, 3, 30, l1, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_forward(m, 4, 31, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_kv, 32);
    assert_int_equal(gorilla_model_prompt(m, b, 26, 0, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_reused, 20);
    assert_int_equal(m->n_kv, 26);
    assert_int_equal(gorilla_model_prompt(fresh, b, 26, 0, l2, &err), GORILLA_OK);
    assert_int_equal(fresh->n_reused, 0);
    assert_same_floats(l2, l1, (size_t)V, "prefix-cached prompt vs a fresh one", gorilla_model_cpu(m));
    /* the same prompt again: all but the last token reused */
    assert_int_equal(gorilla_model_prompt(m, b, 26, 0, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_reused, 25);
    assert_same_floats(l2, l1, (size_t)V, "the same prompt again", gorilla_model_cpu(m));
    /* a prompt at a later position continues the cache; a gap leaves it */
    assert_int_equal(gorilla_model_prompt(m, a + 26, 2, 26, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_kv, 28);
    assert_int_equal(gorilla_model_forward(m, 5, 40, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_kv, 28);
    free(l1);
    free(l2);
    gorilla_model_free(m);
    gorilla_model_free(fresh);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),          cmocka_unit_test(test_quantize_q8),
        cmocka_unit_test(test_quantize_paths),  cmocka_unit_test(test_dotq_all_paths),
        cmocka_unit_test(test_pack_layout),     cmocka_unit_test(test_gemv16_all_paths),
        cmocka_unit_test(test_dotf_all_paths),  cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_matmul_pool),     cmocka_unit_test(test_attn_paths),
        cmocka_unit_test(test_silu),            cmocka_unit_test(test_model_paths),
        cmocka_unit_test(test_prefix_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
