/* test_llm_kernels.c — the runtime-dispatched kernels: every type on every
 * kernel set this CPU has, against the scalar set and against a
 * double-precision dequantize-then-dot reference; the batched kernels and
 * the pool-split products against single dots. */
#include "testutil.h"

#include <math.h>

#include "llm/kernels.h"
#include "llm/model.h"
#include "llm/prefill.h"
#include "llm/synth.h"
#include "llm/matmul.h"
#include "llm/quant.h"

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

static void test_detect(void **s)
{
    (void)s;
    const llm_kernels *k = llm_kernels_active();
    assert_non_null(k);
    assert_non_null(llm_kernels_for(LLM_CPU_SCALAR));
    printf("# cpu: best %d, active %s\n", (int)llm_cpu_detect(), k->name);
    for (int l = 0; l <= 2; l++) {
        const llm_kernels *kl = llm_kernels_for((llm_cpu_level)l);
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
        const llm_kernels *k = llm_kernels_for((llm_cpu_level)l);
        if (!k) continue;
        k->quantize(x, b, n);
        assert_memory_equal(a, b, n / 32 * sizeof *a);
    }
    free(x);
    free(a);
    free(b);
}

/* Every quantized type, every set, several lengths; also forced through
 * llm_kernels_force. */
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
                float scalar = llm_kernels_for(LLM_CPU_SCALAR)->dotq[type](row, xq, n);
                if (fabs(scalar - ref) > 1e-5 * mag + 1e-6)
                    fail_msg("%s n %zu: scalar %g vs reference %g (mag %g)", qtype_name(type), n, (double)scalar, ref,
                             mag);
                for (int l = 1; l <= 2; l++) {
                    const llm_kernels *k = llm_kernels_for((llm_cpu_level)l);
                    if (!k) continue;
                    float v = k->dotq[type](row, xq, n);
                    if (fabs(v - scalar) > 1e-5 * mag + 1e-6)
                        fail_msg("%s n %zu: %s %g vs scalar %g", qtype_name(type), n, k->name, (double)v,
                                 (double)scalar);
                    if (k->dotd[type]) { /* the one-token repacked kernel */
                        void *xd = aligned_alloc(64, (k->xd_size(n) + 63) / 64 * 64 + 64);
                        k->xd_pack(xq, n, xd);
                        v = k->dotd[type](row, xq, xd, n);
                        free(xd);
                        if (fabs(v - scalar) > 1e-5 * mag + 1e-6)
                            fail_msg("%s n %zu: %s dotd %g vs scalar %g", qtype_name(type), n, k->name, (double)v,
                                     (double)scalar);
                    }
                }
            }
            free(w);
            free(x);
            free(row);
            free(xq);
        }
    }
}

static void test_dotf_all_paths(void **s)
{
    (void)s;
    const size_t lens[] = {7, 64, 1000};
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
            for (int l = 0; l <= 2; l++) {
                const llm_kernels *k = llm_kernels_for((llm_cpu_level)l);
                if (!k) continue;
                float v = k->dotf[type](row, x, n);
                if (fabs(v - ref) > 1e-5 * mag)
                    fail_msg("%s n %zu: %s %g vs reference %g", qtype_name(type), n, k->name, (double)v, ref);
            }
        }
    }
}

/* Batched kernels (where a set has them) against the set's single dots,
 * odd token counts and row counts included. */
static void test_gemm(void **s)
{
    (void)s;
    const size_t nts[] = {2, 5, 16, 17, 33, 50};
    size_t n = 512, rows = 7;
    for (int l = 0; l <= 2; l++) {
        const llm_kernels *k = llm_kernels_for((llm_cpu_level)l);
        if (!k) continue;
        for (size_t ti = 0; ti < NQ; ti++) {
            uint32_t type = QTYPES[ti];
            if (!k->gemm[type]) continue;
            size_t rb = qtype_row_size(type, n);
            uint8_t *wq = malloc(rows * rb);
            float *w = malloc(n * sizeof *w);
            for (size_t r = 0; r < rows; r++) {
                fill(w, n, 1.0f);
                quantize_row(type, w, wq + r * rb, n);
            }
            for (size_t ni = 0; ni < sizeof nts / sizeof *nts; ni++) {
                size_t nt = nts[ni];
                float *x = malloc(nt * n * sizeof *x), *out = malloc(nt * (rows + 3) * sizeof *out);
                llm_q8 *xq = malloc(nt * (n / 32) * sizeof *xq);
                fill(x, nt * n, 1.5f);
                for (size_t t = 0; t < nt; t++) llm_quantize_q8(x + t * n, xq + t * (n / 32), n);
                void *xt = aligned_alloc(64, (k->xt_size(nt, n) + 63) / 64 * 64);
                k->xt_pack(xq, n / 32, nt, n, xt);
                for (size_t i = 0; i < nt * (rows + 3); i++) out[i] = -999.0f;
                /* rows [1, 6) with ldo rows + 3: the kernel must write only those */
                k->gemm[type](wq, rb, 1, 6, n, xt, nt, out, rows + 3);
                for (size_t t = 0; t < nt; t++)
                    for (size_t r = 0; r < rows + 3; r++) {
                        float got = out[t * (rows + 3) + r];
                        if (r < 1 || r >= 6) {
                            assert_true(got == -999.0f);
                            continue;
                        }
                        double mag;
                        ref_dotq(type, wq + r * rb, xq + t * (n / 32), n, &mag);
                        float want = k->dotq[type](wq + r * rb, xq + t * (n / 32), n);
                        if (fabs(got - want) > 1e-5 * mag + 1e-6)
                            fail_msg("%s %s nt %zu t %zu r %zu: gemm %g vs dot %g", k->name, qtype_name(type), nt, t,
                                     r, (double)got, (double)want);
                    }
                free(xt);
                free(x);
                free(out);
                free(xq);
            }
            free(wq);
            free(w);
        }
    }
}

/* llm_mm_vec / llm_mm_batch on a 2-thread pool against single dots, for
 * every type and every set (forced). */
static void test_matmul_pool(void **s)
{
    (void)s;
    llm_pool *pool = llm_pool_new(2);
    assert_non_null(pool);
    size_t n = 256, rows = 10, nt = 19;
    const uint32_t types[] = {QT_F32, QT_F16, QT_Q4_0, QT_Q8_0, QT_Q4_K, QT_Q6_K};
    const llm_kernels *saved = llm_kernels_active();
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        uint32_t type = types[ti];
        size_t rb = qtype_row_size(type, n);
        uint8_t *wq = malloc(rows * rb);
        float *w = malloc(n * sizeof *w), *x = malloc(nt * n * sizeof *x);
        float *out = malloc(nt * rows * sizeof *out), *out2 = malloc(rows * sizeof *out2);
        for (size_t r = 0; r < rows; r++) {
            fill(w, n, 1.0f);
            quantize_row(type, w, wq + r * rb, n);
        }
        fill(x, nt * n, 1.0f);
        llm_matrix m = {.data = wq, .type = type, .rows = rows, .cols = n, .row_bytes = rb};
        const llm_matrix *mp = &m;
        for (int l = 0; l <= 2; l++) {
            if (llm_kernels_force((llm_cpu_level)l)) continue;
            const llm_kernels *k = llm_kernels_active();
            llm_mm_batch(pool, 1, &mp, x, n, nt, &out, NULL);
            for (size_t t = 0; t < nt; t++) {
                llm_mm_vec(pool, 1, &mp, x + t * n, &out2);
                for (size_t r = 0; r < rows; r++) {
                    float want;
                    if (llm_type_uses_q8(type)) {
                        llm_q8 xq[8];
                        llm_quantize_q8(x + t * n, xq, n);
                        want = k->dotq[type](wq + r * rb, xq, n);
                    } else {
                        want = k->dotf[type](wq + r * rb, x + t * n, n);
                    }
                    if (fabsf(out2[r] - want) > 1e-4f * (1 + fabsf(want)))
                        fail_msg("%s %s t %zu r %zu: vec %g vs %g", k->name, qtype_name(type), t, r, (double)out2[r],
                                 (double)want);
                    if (fabsf(out[t * rows + r] - want) > 1e-4f * (1 + fabsf(want)))
                        fail_msg("%s %s t %zu r %zu: batch %g vs %g", k->name, qtype_name(type), t, r,
                                 (double)out[t * rows + r], (double)want);
                }
            }
        }
        free(wq);
        free(w);
        free(x);
        free(out);
        free(out2);
    }
    llm_kernels_force(saved->level);
    llm_pool_free(pool);
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
    g0[6] = INFINITY, g0[7] = NAN;
    for (int l = 0; l <= 2; l++) {
        const llm_kernels *k = llm_kernels_for((llm_cpu_level)l);
        if (!k) continue;
        memcpy(g, g0, n * sizeof *g);
        k->silu(g, u, n);
        for (size_t i = 0; i < n; i++) {
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

#define NPROMPT 21
#define NGEN 8

/* Prompt logits (batched), then NGEN greedy tokens one at a time. */
static void run_model(gorilla_model *m, const int32_t *prompt, float *logits, int32_t *gen)
{
    int V = m->cfg.n_vocab;
    assert_int_equal(llm_forward_batch(m, prompt, NPROMPT, 0, 1), 0);
    memcpy(logits, m->s.logits, (size_t)V * sizeof *logits);
    int32_t tok = argmax_f(m->s.logits, V);
    for (int i = 0; i < NGEN; i++) {
        gen[i] = tok;
        assert_int_equal(llm_forward_batch(m, &tok, 1, NPROMPT + i, 1), 0);
        tok = argmax_f(m->s.logits, V);
    }
}

/* Every forced kernel set gives the same greedy tokens and probabilities
 * within 1e-3 of each other; batched prefill agrees with one token at a
 * time; and the 8-bit activations stay close to the f32 engine path. */
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
    char path[] = "/tmp/gorilla-kern-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gorilla_error err;
    assert_int_equal(llm_synth_write(&p, path, &err), GORILLA_OK);
    gorilla_model_opts o = {2, 64};
    gorilla_model *m;
    assert_int_equal(gorilla_model_load(path, &o, &m, &err), GORILLA_OK);
    int V = m->cfg.n_vocab;
    int32_t prompt[NPROMPT];
    for (int i = 0; i < NPROMPT; i++) prompt[i] = (int32_t)((i * 37 + 11) % V);

    const llm_kernels *saved = llm_kernels_active();
    float *ref = malloc((size_t)V * sizeof *ref), *lg = malloc((size_t)V * sizeof *lg), *seq = malloc((size_t)V * sizeof *seq);
    int32_t gen_ref[NGEN], gen[NGEN];
    assert_int_equal(llm_kernels_force(LLM_CPU_SCALAR), 0);
    run_model(m, prompt, ref, gen_ref);
    for (int l = 1; l <= 2; l++) {
        if (llm_kernels_force((llm_cpu_level)l)) continue;
        run_model(m, prompt, lg, gen);
        double d = max_prob_diff(ref, lg, V);
        if (d > 1e-3) fail_msg("%s on %s: probabilities differ from scalar by %g", qtype_name(type),
                               llm_kernels_active()->name, d);
        assert_memory_equal(gen, gen_ref, sizeof gen);
    }
    /* batched prefill vs one token at a time, on the best set */
    llm_kernels_force(saved->level);
    run_model(m, prompt, lg, gen);
    for (int i = 0; i < NPROMPT; i++) assert_int_equal(llm_forward_batch(m, &prompt[i], 1, i, i + 1 == NPROMPT), 0);
    memcpy(seq, m->s.logits, (size_t)V * sizeof *seq);
    double d = max_prob_diff(lg, seq, V);
    if (d > 1e-3) fail_msg("%s: batched vs sequential prefill differ by %g", qtype_name(type), d);
    /* the f32-activation engine path (llm_forward) */
    for (int i = 0; i < NPROMPT; i++) llm_forward(m, prompt[i], i, i + 1 == NPROMPT);
    d = max_prob_diff(lg, m->s.logits, V);
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
    const uint32_t types[] = {QT_Q4_0, QT_Q8_0, QT_Q4_K, QT_Q6_K, QT_F16, QT_Q5_1};
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
    double d = max_prob_diff(l1, l2, V);
    if (d > 1e-5) fail_msg("prefix-cached prompt differs from a fresh one by %g", d);
    assert_int_equal(argmax_f(l1, V), argmax_f(l2, V));
    /* the same prompt again: all but the last token reused */
    assert_int_equal(gorilla_model_prompt(m, b, 26, 0, l1, &err), GORILLA_OK);
    assert_int_equal(m->n_reused, 25);
    assert_true(max_prob_diff(l1, l2, V) <= 1e-5);
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
        cmocka_unit_test(test_detect),        cmocka_unit_test(test_quantize_q8), cmocka_unit_test(test_quantize_paths), cmocka_unit_test(test_dotq_all_paths),
        cmocka_unit_test(test_dotf_all_paths), cmocka_unit_test(test_gemm),       cmocka_unit_test(test_matmul_pool),
        cmocka_unit_test(test_silu),          cmocka_unit_test(test_model_paths),
        cmocka_unit_test(test_prefix_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
