/* test_llm_model.c — the LLaMA engine against a double-precision reference
 * on tiny synthetic models, one per weight type. */
#include "testutil.h"

#include <math.h>

#include "llm/kernels/kernels.h"
#include "llm/model/model.h"
#include "llm/quant/quant.h"
#include "support/synth.h"
#include "llm_reference.h"
#include "support/forward_f32.h"

static char *tmp_path(void)
{
    char *p = strdup("/tmp/gorilla-llm-model-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static gorilla_model *synth_load(const llm_synth_params *sp, int threads, int n_ctx, char **path_out)
{
    char *path = tmp_path();
    gorilla_error err = {0};
    if (llm_synth_write(sp, path, &err)) fail_msg("synth: %s", err.message);
    gorilla_model_opts o = {threads, n_ctx};
    gorilla_model *m = NULL;
    if (gorilla_model_load(path, &o, &m, &err)) fail_msg("load: %s", err.message);
    if (path_out) *path_out = path;
    else {
        unlink(path);
        free(path);
    }
    return m;
}

static const int PROMPT[] = {1, 300 - 7, 42, 5, 260, 17, 99, 128, 2, 270};
#define N_PROMPT (int)(sizeof PROMPT / sizeof *PROMPT)

/* Runs the prompt through engine (exact: the f32-activation reference
 * llm_forward_f32; else gorilla_model_forward, whose quantized types use 8-bit
 * activations) and reference; returns the largest
 * |engine - ref| / max(1, max|ref|) over all positions and logits. */
static double compare_path_ref(gorilla_model *m, int exact)
{
    ref_model r;
    ref_build(&r, m);
    int V = gorilla_model_n_vocab(m);
    float *lg = malloc(V * sizeof *lg);
    double *rl = malloc(V * sizeof *rl);
    double worst = 0;
    for (int p = 0; p < N_PROMPT; p++) {
        int tok = PROMPT[p] % V;
        gorilla_error err = {0};
        if (exact) {
            assert_int_equal(llm_forward_f32(m, tok, p, lg), 0);
        } else {
            assert_int_equal(gorilla_model_forward(m, tok, p, lg, &err), GORILLA_OK);
        }
        ref_forward(&r, tok, p, rl);
        double mx = 1;
        for (int i = 0; i < V; i++) mx = fmax(mx, fabs(rl[i]));
        for (int i = 0; i < V; i++) {
            assert_true(isfinite(lg[i]));
            worst = fmax(worst, fabs(lg[i] - rl[i]) / mx);
        }
    }
    free(lg);
    free(rl);
    ref_free(&r);
    return worst;
}

static double compare_engine_ref(gorilla_model *m) { return compare_path_ref(m, 0); }

/* 8-bit activations (as llama.cpp does, in other block formats; the types
 * of llm_type_uses_q8)
 * cost about 1e-2 of the largest logit on these tiny random models; the
 * exact path keeps tol. */
#define Q8_ACT_TOL 5e-2

static void check_type(uint32_t type, int n_embd, int n_ff, double tol)
{
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.type = type;
    sp.n_embd = n_embd;
    sp.n_ff = n_ff;
    sp.seed = 7 + type;
    gorilla_model *m = synth_load(&sp, 2, 0, NULL);
    double exact = compare_path_ref(m, 1), worst = compare_engine_ref(m);
    int q8 = llm_type_uses_q8(type);
    printf("  %-5s n_embd %3d: max rel err %.2e (f32 activations %.2e)\n", qtype_name(type), n_embd, worst, exact);
    assert_true(exact < tol);
    assert_true(worst < (q8 ? Q8_ACT_TOL : tol));
    gorilla_model_free(m);
}

static void test_f32(void **s) { (void)s; check_type(QT_F32, 64, 128, 1e-4); }
static void test_f16(void **s) { (void)s; check_type(QT_F16, 64, 128, 1e-4); }
static void test_bf16(void **s) { (void)s; check_type(QT_BF16, 64, 128, 1e-4); }
static void test_legacy(void **s)
{
    (void)s;
    const uint32_t types[] = {QT_Q4_0, QT_Q4_1, QT_Q5_0, QT_Q5_1, QT_Q8_0};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) check_type(types[i], 64, 128, 1e-4);
}
static void test_kquants(void **s)
{
    (void)s;
    const uint32_t types[] = {QT_Q2_K, QT_Q3_K, QT_Q4_K, QT_Q5_K, QT_Q6_K};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) check_type(types[i], 256, 256, 1e-4);
}

static void test_tied_and_rope_scaling(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.tied = 1;
    sp.rope_scale_linear = 4.0f;
    sp.n_head_kv = 1; /* MQA */
    gorilla_model *m = synth_load(&sp, 1, 0, NULL);
    assert_int_equal(m->w.tied, 1);
    assert_true(fabsf(m->cfg.rope_scale - 0.25f) < 1e-7f);
    assert_true(compare_engine_ref(m) < 1e-4);
    gorilla_model_free(m);
}

/* Thread count must not change results (rows are split, not sums). */
static void test_threads_identical(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.type = QT_Q4_0;
    char *path;
    gorilla_model *a = synth_load(&sp, 1, 0, &path);
    gorilla_model_opts o = {3, 0};
    gorilla_model *b = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_model_load(path, &o, &b, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_n_threads(b), 3);
    int V = gorilla_model_n_vocab(a);
    float *la = malloc(V * sizeof *la), *lb = malloc(V * sizeof *lb);
    int32_t toks[5] = {1, 20, 30, 40, 50};
    assert_int_equal(gorilla_model_prompt(a, toks, 5, 0, la, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_prompt(b, toks, 5, 0, lb, &err), GORILLA_OK);
    assert_memory_equal(la, lb, V * sizeof *la);
    /* prompt == forward loop, up to the float summation order of the
     * batched kernels (prefill) against the one-token ones */
    for (int i = 0; i < 5; i++) assert_int_equal(gorilla_model_forward(b, toks[i], i, lb, &err), GORILLA_OK);
    float mx = 1;
    for (int i = 0; i < V; i++) mx = fmaxf(mx, fabsf(la[i]));
    for (int i = 0; i < V; i++) assert_true(fabsf(la[i] - lb[i]) <= 1e-5f * mx);
    free(la);
    free(lb);
    gorilla_model_free(a);
    gorilla_model_free(b);
    unlink(path);
    free(path);
}

/* Later positions (rope angles grow with pos) still match the reference. */
static void test_long_context(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.n_ctx = 48;
    sp.rope_base = 500.0f;
    sp.rope_freqs = 1;
    gorilla_model *m = synth_load(&sp, 2, 0, NULL);
    assert_non_null(gguf_find_tensor(m->file, "rope_freqs.weight"));
    ref_model r;
    ref_build(&r, m);
    int V = gorilla_model_n_vocab(m);
    float *lg = malloc(V * sizeof *lg);
    double *rl = malloc(V * sizeof *rl);
    gorilla_error err = {0};
    for (int p = 0; p < 48; p++) {
        int tok = (p * 37 + 11) % V;
        assert_int_equal(gorilla_model_forward(m, tok, p, lg, &err), GORILLA_OK);
        ref_forward(&r, tok, p, rl);
        double mx = 1, worst = 0;
        for (int i = 0; i < V; i++) mx = fmax(mx, fabs(rl[i]));
        for (int i = 0; i < V; i++) worst = fmax(worst, fabs(lg[i] - rl[i]) / mx);
        if (worst > 1e-4) fail_msg("pos %d: rel err %g", p, worst);
    }
    free(lg);
    free(rl);
    ref_free(&r);
    gorilla_model_free(m);
}

static void test_context_limits(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.n_ctx = 8;
    gorilla_model *m = synth_load(&sp, 1, 0, NULL);
    assert_int_equal(gorilla_model_n_ctx(m), 8);
    assert_int_equal(gorilla_model_n_ctx_train(m), 8);
    int32_t toks[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    gorilla_error err = {0};
    assert_int_equal(gorilla_model_prompt(m, toks, 9, 0, NULL, &err), GORILLA_ERR_LIMIT);
    assert_non_null(strstr(err.message, "context"));
    assert_int_equal(gorilla_model_prompt(m, toks, 8, 0, NULL, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_forward(m, 1, 8, NULL, &err), GORILLA_ERR_LIMIT);
    assert_int_equal(gorilla_model_forward(m, 300, 0, NULL, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "300"));
    assert_int_equal(gorilla_model_forward(m, -1, 0, NULL, &err), GORILLA_ERR_INVALID);
    gorilla_model_free(m);
    /* override */
    m = synth_load(&sp, 1, 20, NULL);
    assert_int_equal(gorilla_model_n_ctx(m), 20);
    assert_int_equal(gorilla_model_prompt(m, toks, 9, 0, NULL, &err), GORILLA_OK);
    gorilla_model_free(m);
}

static void test_vocab(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    gorilla_model *m = synth_load(&sp, 1, 0, NULL);
    assert_int_equal(gorilla_model_vocab_count(m), 300);
    assert_string_equal(gorilla_model_token_text(m, 1), "<s>");
    assert_string_equal(gorilla_model_token_text(m, 3), "<0x00>");
    assert_string_equal(gorilla_model_token_text(m, 258), "<0xFF>");
    assert_string_equal(gorilla_model_token_text(m, 259), "\xe2\x96\x81");
    assert_int_equal(gorilla_model_token_type(m, 10), 6);
    assert_int_equal(gorilla_model_bos(m), 1);
    assert_int_equal(gorilla_model_eos(m), 2);
    assert_string_equal(gorilla_model_tokenizer_kind(m), "llama");
    assert_null(gorilla_model_token_text(m, 300));
    gorilla_model_free(m);
}

/* gorilla_model_eval's row i is bit for bit the logits of token-by-token
 * forward: after a prompt prefix (a draft verified at pos > 0), over
 * enough tokens (70) that the batched tiles run, for stored and packed
 * matrix types. */
static void check_eval_rows_on(const char *path, const char *cpu, uint32_t type)
{
    gorilla_model_opts o = {2, 0};
    gorilla_model *m = NULL;
    gorilla_error err = {0};
    gorilla_status st = llm_model_load_cpu(path, &o, cpu, &m, &err);
    if (st == GORILLA_ERR_UNSUPPORTED) return; /* this CPU lacks the set */
    if (st) fail_msg("load on %s: %s", cpu, err.message);
    assert_string_equal(gorilla_model_cpu(m), cpu);
    int V = gorilla_model_n_vocab(m);
    enum { PRE = 5, N = 70 };
    int32_t toks[PRE + N];
    for (int i = 0; i < PRE + N; i++) toks[i] = (i * 131 + 7) % V;
    float *all = malloc((size_t)N * V * sizeof *all), *one = malloc((size_t)V * sizeof *one);
    assert_int_equal(gorilla_model_prompt(m, toks, PRE, 0, NULL, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_eval(m, toks + PRE, N, PRE, all, &err), GORILLA_OK);
    for (int i = 0; i < PRE + N; i++) {
        assert_int_equal(gorilla_model_forward(m, toks[i], i, one, &err), GORILLA_OK);
        if (i >= PRE && memcmp(one, all + (size_t)(i - PRE) * V, (size_t)V * sizeof *one) != 0)
            fail_msg("%s on %s: eval row %d differs from forward", qtype_name(type), cpu, i - PRE);
    }
    /* a short draft (the one-token kernels per token) */
    assert_int_equal(gorilla_model_eval(m, toks + 10, 3, 10, all, &err), GORILLA_OK);
    assert_int_equal(gorilla_model_forward(m, toks[10], 10, one, &err), GORILLA_OK);
    assert_memory_equal(one, all, (size_t)V * sizeof *one);
    /* limits: nothing runs past the context */
    assert_int_equal(gorilla_model_eval(m, toks, N, 100, all, &err), GORILLA_ERR_LIMIT);
    assert_int_equal(gorilla_model_eval(m, toks, 0, 0, NULL, &err), GORILLA_OK);
    free(all);
    free(one);
    gorilla_model_free(m);
}

/* ... on every kernel set this CPU has. */
static void check_eval_rows(uint32_t type, int n_embd)
{
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.type = type;
    sp.n_embd = n_embd;
    sp.n_ff = n_embd * 2;
    sp.n_ctx = 128;
    sp.seed = 3 + type;
    char *path;
    gorilla_model_free(synth_load(&sp, 1, 0, &path));
    const char *const sets[] = {"scalar", "avx2", "avx512"};
    for (int i = 0; i < 3; i++) check_eval_rows_on(path, sets[i], type);
    unlink(path);
    free(path);
}

static void test_eval_rows(void **s)
{
    (void)s;
    check_eval_rows(QT_F32, 64);
    check_eval_rows(QT_Q4_0, 64);
    check_eval_rows(QT_Q8_0, 64);
    check_eval_rows(QT_Q5_1, 64);
    check_eval_rows(QT_Q4_K, 256);
    check_eval_rows(QT_Q6_K, 256);
}

/* The model's tokenizer is the one gorilla_tokenizer_load_gguf builds. */
static void test_model_tokenizer(void **s)
{
    (void)s;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    char *path;
    gorilla_model *m = synth_load(&sp, 1, 0, &path);
    const gorilla_tokenizer *t = gorilla_model_tokenizer(m);
    assert_non_null(t);
    assert_null(gorilla_model_tokenizer_error(m));
    gorilla_tokenizer *u = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_tokenizer_load_gguf(path, &u, &err), GORILLA_OK);
    assert_int_equal(gorilla_tokenizer_n_vocab(t), 300);
    assert_int_equal(gorilla_tokenizer_bos(t), 1);
    int32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    const char *text = "Hello world, 12 apples";
    assert_int_equal(gorilla_tokenizer_encode(t, text, strlen(text), 1, 0, &a, &na, &err), GORILLA_OK);
    assert_int_equal(gorilla_tokenizer_encode(u, text, strlen(text), 1, 0, &b, &nb, &err), GORILLA_OK);
    assert_true(na > 2);
    assert_int_equal(a[0], 1);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof *a);
    free(a);
    free(b);
    gorilla_tokenizer_free(u);
    gorilla_model_free(m);
    unlink(path);
    free(path);
    /* no vocabulary: the model loads, without a tokenizer, saying why */
    sp.with_vocab = 0;
    m = synth_load(&sp, 1, 0, NULL);
    assert_null(gorilla_model_tokenizer(m));
    assert_non_null(strstr(gorilla_model_tokenizer_error(m), "tokenizer"));
    gorilla_model_free(m);
}

static void test_load_errors(void **s)
{
    (void)s;
    gorilla_error err = {0};
    gorilla_model *m = (gorilla_model *)1;
    assert_int_equal(gorilla_model_load("/nonexistent/x.gguf", NULL, &m, &err), GORILLA_ERR_IO);
    assert_null(m);
    assert_non_null(strstr(err.message, "/nonexistent/x.gguf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32),          cmocka_unit_test(test_f16),
        cmocka_unit_test(test_bf16),         cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_kquants),      cmocka_unit_test(test_tied_and_rope_scaling),
        cmocka_unit_test(test_threads_identical), cmocka_unit_test(test_long_context),
        cmocka_unit_test(test_context_limits),
        cmocka_unit_test(test_vocab),        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_eval_rows),    cmocka_unit_test(test_model_tokenizer),
    };
    return cmocka_run_group_tests_name("llm_model", tests, NULL, NULL);
}
