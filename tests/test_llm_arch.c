/* test_llm_arch.c — the MPT and Falcon architectures of the one forward, on
 * synthetic GGUF files (tests/support/synth.c): every kernel set gives the
 * same bits (one token at a time and batched), and the F32 files match a
 * float64 forward read straight from the same file in llama.cpp's layout
 * (tests/support/ref64.c with GELU's tanh form, what ggml and the engine
 * compute) within 1e-4 in probability. */
#include "testutil.h"

#include <math.h>

#include "llm/gguf/gguf.h"
#include "llm/model/model.h"
#include "llm/quant/quant.h"
#include "support/ref64.h"
#include "support/synth.h"

#define N_POS 72 /* past the batched products' 64-token threshold */

static char *tmp_path(void)
{
    char *p = strdup("/tmp/gorilla-llm-arch-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static int token_at(int p, int V) { return (1 + 37 * p + p * p) % V; }

static gorilla_model *load(const char *path, const char *cpu, int threads)
{
    gorilla_model_opts o = {threads, 128};
    gorilla_model *m = NULL;
    gorilla_error err = {0};
    gorilla_status st = llm_model_load_cpu(path, &o, cpu, &m, &err);
    if (st == GORILLA_ERR_UNSUPPORTED) return NULL; /* a set this CPU lacks */
    if (st) fail_msg("load %s (%s): %s", path, cpu, err.message);
    return m;
}

/* Every position's logits, by gorilla_model_eval over the whole prompt
 * (batched) or by gorilla_model_forward token by token. */
static float *run(gorilla_model *m, int batched)
{
    int V = gorilla_model_n_vocab(m);
    float *lg = malloc((size_t)N_POS * (size_t)V * sizeof *lg);
    int32_t toks[N_POS];
    for (int p = 0; p < N_POS; p++) toks[p] = token_at(p, V);
    gorilla_error err = {0};
    if (batched) {
        assert_int_equal(gorilla_model_eval(m, toks, N_POS, 0, lg, &err), GORILLA_OK);
    } else {
        for (int p = 0; p < N_POS; p++)
            assert_int_equal(gorilla_model_forward(m, toks[p], p, lg + (size_t)p * V, &err), GORILLA_OK);
    }
    return lg;
}

/* Largest |softmax(engine) - softmax(ref64)| over every position. */
static double prob_diff_ref64(const char *path, const float *lg, int V)
{
    ref64 r;
    assert_int_equal(ref64_load_gguf(&r, path, N_POS), 0);
    r.gelu_tanh = 1;
    double *rl = malloc((size_t)V * sizeof *rl), *el = malloc((size_t)V * sizeof *el), worst = 0;
    for (int p = 0; p < N_POS; p++) {
        ref64_forward(&r, token_at(p, V), p, rl);
        for (int i = 0; i < V; i++) el[i] = lg[(size_t)p * V + i];
        ref64_softmax(rl, V);
        ref64_softmax(el, V);
        for (int i = 0; i < V; i++) worst = fmax(worst, fabs(rl[i] - el[i]));
    }
    free(rl);
    free(el);
    ref64_free(&r);
    return worst;
}

typedef struct {
    const char *what;
    int arch, n_embd, n_head, n_head_kv, biases;
    float clamp;
} arch_case;

static const arch_case CASES[] = {
    {"mpt", LLM_SYNTH_MPT, 64, 4, 4, 0, 0},
    {"mpt 6 heads (ALiBi off powers of 2), 2 KV heads, biases, clamp", LLM_SYNTH_MPT, 96, 6, 2, 1, 0.5f},
    {"mpt head size 64", LLM_SYNTH_MPT, 256, 4, 4, 0, 0},
    {"falcon multi-query", LLM_SYNTH_FALCON, 64, 4, 1, 0, 0},
    {"falcon 2 KV heads, attn_norm_2", LLM_SYNTH_FALCON, 64, 4, 2, 1, 0},
    {"falcon head size 64", LLM_SYNTH_FALCON, 256, 4, 1, 0, 0},
};

static void check_case(const arch_case *c, uint32_t type, int tied)
{
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.arch = c->arch;
    sp.n_embd = c->n_embd;
    sp.n_head = c->n_head;
    sp.n_head_kv = c->n_head_kv;
    sp.n_ff = 2 * c->n_embd;
    sp.biases = c->biases;
    sp.clamp_kqv = c->clamp;
    sp.type = type;
    sp.tied = tied;
    sp.n_ctx = 128;
    sp.seed = 11;
    char *path = tmp_path();
    gorilla_error err = {0};
    if (llm_synth_write(&sp, path, &err)) fail_msg("synth: %s", err.message);

    gorilla_model *m = load(path, "scalar", 1);
    assert_non_null(m);
    int V = gorilla_model_n_vocab(m);
    size_t n = (size_t)N_POS * (size_t)V;
    float *want = run(m, 0);
    gorilla_model_free(m);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(want[i])) fail_msg("%s %s: logit %zu not finite", c->what, qtype_name(type), i);
    if (type == QT_F32) {
        double d = prob_diff_ref64(path, want, V);
        print_message("  %s F32%s: max |p - p_ref64| %.2e\n", c->what, tied ? " tied" : "", d);
        if (d > 1e-4) fail_msg("%s: probabilities %.3g from the float64 forward", c->what, d);
    }
    const char *sets[] = {"scalar", "avx2", "avx512"};
    for (int si = 0; si < 3; si++)
        for (int batched = 0; batched < 2; batched++) {
            if (!si && !batched) continue;
            gorilla_model *k = load(path, sets[si], batched ? 2 : 1);
            if (!k) continue;
            float *got = run(k, batched);
            if (memcmp(want, got, n * sizeof *got))
                fail_msg("%s %s: set %s %s differs from scalar one-by-one", c->what, qtype_name(type), sets[si],
                         batched ? "batched" : "one token");
            free(got);
            gorilla_model_free(k);
        }
    free(want);
    unlink(path);
    free(path);
}

static void test_arch_f32_vs_ref64_and_sets(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) check_case(&CASES[i], QT_F32, CASES[i].arch == LLM_SYNTH_MPT && CASES[i].n_embd < 256);
    check_case(&CASES[0], QT_F32, 0);  /* MPT with output.weight */
    check_case(&CASES[3], QT_F32, 1);  /* Falcon tied */
}

static void test_arch_quantized_sets(void **s)
{
    (void)s;
    const uint32_t types[] = {QT_Q8_0, QT_Q4_0, QT_Q4_K, QT_Q6_K, QT_F16};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        check_case(&CASES[2], types[t], 1);
        check_case(&CASES[5], types[t], 0);
    }
    check_case(&CASES[1], QT_Q8_0, 1);
    check_case(&CASES[4], QT_Q5_K, 0);
}

/* The config read from the metadata: MPT's ALiBi slopes, Falcon's rope. */
static void test_arch_config(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.arch = LLM_SYNTH_MPT;
    sp.n_head_kv = 4;
    char *path = tmp_path();
    gorilla_error err = {0};
    assert_int_equal(llm_synth_write(&sp, path, &err), GORILLA_OK);
    gguf_file *f = NULL;
    assert_int_equal(gguf_open(path, &f, &err), GORILLA_OK);
    gorilla_model *m = NULL;
    assert_int_equal(llm_model_build(f, NULL, "scalar", &m, &err), GORILLA_OK);
    assert_int_equal(m->cfg.arch, LLM_ARCH_MPT);
    assert_true(m->s.alibi != NULL);
    /* 4 heads, max bias 8: head h has 2^(-2 (h + 1)) */
    assert_true(m->s.alibi[0] == 0.25f && m->s.alibi[3] == 1.0f / 256);
    gorilla_model_free(m);
    sp.n_head_kv = 2;
    sp.arch = LLM_SYNTH_FALCON;
    assert_int_equal(llm_synth_write(&sp, path, &err), GORILLA_OK);
    assert_int_equal(gguf_open(path, &f, &err), GORILLA_OK);
    assert_int_equal(llm_model_build(f, NULL, "scalar", &m, &err), GORILLA_OK);
    assert_int_equal(m->cfg.rope, LLM_ROPE_NEOX);
    gorilla_model_free(m);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_f32_vs_ref64_and_sets),
        cmocka_unit_test(test_arch_quantized_sets),
        cmocka_unit_test(test_arch_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
