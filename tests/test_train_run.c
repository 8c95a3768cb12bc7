/* test_train_run.c — the trainer end to end in the library: it learns
 * (memorises 32 conversations), its GGUF gives the engine the trainer's
 * logits, fine-tuning starts from the base model's logits, runs are
 * deterministic (and independent of the thread count), accumulation is
 * batching, checkpoints resume exactly and reject corrupt or mismatched
 * files, a NaN stops the step, and bad data fails clearly. */
#include "testutil.h"

#include <math.h>

#include "llm/gguf/gguf_write.h"
#include "llm/quant/quant.h"
#include "support/synth.h"
#include "train/trainer_internal.h"

static char *vocab_path; /* a synthetic model with a 300-token vocabulary */

static int setup(void **state)
{
    (void)state;
    llm_synth_params p;
    llm_synth_defaults(&p);
    vocab_path = test_write_temp("", 0);
    gorilla_error err;
    return llm_synth_write(&p, vocab_path, &err) == GORILLA_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(vocab_path);
    free(vocab_path);
    return 0;
}

/* 32 conversations "call i" -> "<w>.<w>(i)". */
static char *write_convs(int n, int jsonl)
{
    static const char *const W[] = {"alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"};
    size_t cap = 256 + (size_t)n * 160, len = 0;
    char *buf = malloc(cap);
    if (!jsonl) len += (size_t)snprintf(buf + len, cap - len, "[");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"id\": \"c%d\", \"conversations\": [{\"from\": \"human\", \"value\": \"call %d\"}, "
                                "{\"from\": \"gpt\", \"value\": \"%s.%s(%d)\"}]}%s",
                                !jsonl && i ? ", " : "", i, i, W[i % 8], W[i / 8 % 8], i, jsonl ? "\n" : "");
    if (!jsonl) len += (size_t)snprintf(buf + len, cap - len, "]");
    char *path = test_write_temp(buf, len);
    free(buf);
    return path;
}

static void small_opts(gorilla_train_opts *o, const char *data)
{
    gorilla_train_opts_init(o);
    o->vocab_path = vocab_path;
    o->data_path = data;
    o->n_embd = 32;
    o->n_layer = 2;
    o->n_head = 4;
    o->n_head_kv = 2;
    o->n_ff = 64;
    o->n_ctx = 32;
    o->batch = 4;
    o->steps = 20;
    o->n_threads = 2;
}

static void test_memorises_32_conversations(void **state)
{
    (void)state;
    char *data = write_convs(32, 0);
    gorilla_train_opts o;
    gorilla_train_opts_init(&o);
    o.vocab_path = vocab_path;
    o.data_path = data;
    o.n_ctx = 64;
    o.batch = 8;
    o.steps = 300;
    o.lr = 1e-2;
    o.weight_decay = 0;
    o.n_threads = 2;
    gorilla_trainer *t;
    gorilla_error err;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    gorilla_train_info info;
    gorilla_trainer_info(t, &info);
    assert_int_equal(info.train_convs, 32);
    gorilla_train_stats s = {0};
    double first = 0;
    while (gorilla_trainer_step_count(t) < o.steps) {
        assert_int_equal(gorilla_trainer_step(t, &s, &err), GORILLA_OK);
        if (s.step == 1) first = s.loss;
    }
    printf("memorisation: loss %.4f -> %.5f over %ld steps\n", first, s.loss, s.step);
    assert_true(first > 3.0);
    assert_true(s.loss < 0.05);
    gorilla_trainer_free(t);
    unlink(data);
    free(data);
}

/* The exported GGUF gives the engine the trainer's logits. */
static void test_export_matches_engine(void **state)
{
    (void)state;
    char *data = write_convs(8, 1);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.steps = 5;
    o.lr = 1e-2;
    for (int tied = 0; tied < 2; tied++) {
        o.tied = tied;
        gorilla_trainer *t;
        gorilla_error err;
        assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
        for (int i = 0; i < 5; i++) assert_int_equal(gorilla_trainer_step(t, NULL, &err), GORILLA_OK);
        char *out = test_write_temp("", 0);
        assert_int_equal(gorilla_trainer_export(t, out, &err), GORILLA_OK);
        /* the trainer's forward on row 0 */
        int T = t->lay.cfg.n_ctx, V = t->lay.cfg.n_vocab;
        memcpy(t->btok, t->train.tokens, (size_t)T * sizeof(int32_t));
        for (int b = 1; b < o.batch; b++) memcpy(t->btok + b * T, t->btok, (size_t)T * sizeof(int32_t));
        tr_model_forward_f32(&t->cx, &t->acts, t->params, t->btok, NULL, NULL);
        gorilla_model *m;
        gorilla_model_opts mo = {.n_threads = 1, .n_ctx = T};
        assert_int_equal(gorilla_model_load(out, &mo, &m, &err), GORILLA_OK);
        assert_int_equal(gorilla_model_n_vocab(m), V);
        float *logits = malloc((size_t)V * sizeof *logits);
        double worst = 0;
        for (int p = 0; p < T; p++) {
            assert_int_equal(gorilla_model_forward(m, t->btok[p], p, logits, &err), GORILLA_OK);
            for (int i = 0; i < V; i++) {
                double d = fabs((double)logits[i] - t->acts.logits[(size_t)p * V + i]);
                if (d > worst) worst = d;
            }
        }
        printf("export (tied %d): engine vs trainer logits, max |difference| %.3g over %d positions\n", tied, worst, T);
        assert_true(worst < 1e-4);
        free(logits);
        gorilla_model_free(m);
        unlink(out);
        free(out);
        gorilla_trainer_free(t);
    }
    unlink(data);
    free(data);
}

/* Fine-tuning a base GGUF (F16 weights) starts from its logits. */
static void test_finetune_from_base(void **state)
{
    (void)state;
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.type = QT_F16;
    p.n_ctx = 64;
    char *base = test_write_temp("", 0);
    gorilla_error err;
    assert_int_equal(llm_synth_write(&p, base, &err), GORILLA_OK);
    char *data = write_convs(8, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.vocab_path = NULL;
    o.base_model = base;
    gorilla_trainer *t;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    int T = t->lay.cfg.n_ctx, V = t->lay.cfg.n_vocab;
    for (int b = 0; b < o.batch; b++) memcpy(t->btok + b * T, t->train.tokens, (size_t)T * sizeof(int32_t));
    tr_model_forward_f32(&t->cx, &t->acts, t->params, t->btok, NULL, NULL);
    gorilla_model *m;
    gorilla_model_opts mo = {.n_threads = 1, .n_ctx = T};
    assert_int_equal(gorilla_model_load(base, &mo, &m, &err), GORILLA_OK);
    float *logits = malloc((size_t)V * sizeof *logits);
    double worst = 0;
    for (int q = 0; q < T; q++) {
        assert_int_equal(gorilla_model_forward(m, t->btok[q], q, logits, &err), GORILLA_OK);
        for (int i = 0; i < V; i++) worst = fmax(worst, fabs((double)logits[i] - t->acts.logits[(size_t)q * V + i]));
    }
    printf("base model: engine vs trainer logits, max |difference| %.3g\n", worst);
    assert_true(worst < 1e-3);
    gorilla_train_stats s1, s2;
    assert_int_equal(gorilla_trainer_step(t, &s1, &err), GORILLA_OK);
    for (int i = 0; i < 10; i++) assert_int_equal(gorilla_trainer_step(t, &s2, &err), GORILLA_OK);
    assert_true(s2.loss < s1.loss);
    free(logits);
    gorilla_model_free(m);
    gorilla_trainer_free(t);
    unlink(base);
    free(base);
    unlink(data);
    free(data);
}

/* LoRA on a quantized (Q8_0) base: only the adapters change, the loss
 * falls, and the merged GGUF gives the engine the trainer's logits. */
static void test_lora_on_quantized_base(void **state)
{
    (void)state;
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.type = QT_Q8_0;
    char *base = test_write_temp("", 0);
    gorilla_error err;
    assert_int_equal(llm_synth_write(&p, base, &err), GORILLA_OK);
    char *data = write_convs(8, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.vocab_path = NULL;
    o.base_model = base;
    o.lora_rank = 4;
    o.lora_alpha = 8;
    o.lora_targets = GORILLA_LORA_Q | GORILLA_LORA_V | GORILLA_LORA_DOWN;
    o.lr = 1e-2;
    gorilla_trainer *t;
    gorilla_status st = gorilla_trainer_new(&o, &t, &err);
    if (st) printf("%s\n", err.message);
    assert_int_equal(st, GORILLA_OK);
    gorilla_train_info info;
    gorilla_trainer_info(t, &info);
    /* per layer: q (64 + 64) x 4, v (64 + 32) x 4, down (128 + 64) x 4 */
    assert_int_equal(info.n_trained_params, 2 * 4 * (128 + 96 + 192));
    size_t base_n = t->lay.lora_off;
    float *keep = malloc(base_n * sizeof *keep);
    memcpy(keep, t->params, base_n * sizeof *keep);
    gorilla_train_stats s1, s2;
    assert_int_equal(gorilla_trainer_step(t, &s1, &err), GORILLA_OK);
    for (int i = 0; i < 15; i++) assert_int_equal(gorilla_trainer_step(t, &s2, &err), GORILLA_OK);
    printf("lora: loss %.4f -> %.4f, %zu trained of %zu parameters\n", s1.loss, s2.loss, info.n_trained_params,
           info.n_params);
    assert_true(s2.loss < s1.loss);
    assert_memory_equal(keep, t->params, base_n * sizeof *keep);
    char *out = test_write_temp("", 0);
    assert_int_equal(gorilla_trainer_export(t, out, &err), GORILLA_OK);
    int T = t->lay.cfg.n_ctx, V = t->lay.cfg.n_vocab;
    for (int b = 0; b < o.batch; b++) memcpy(t->btok + b * T, t->train.tokens, (size_t)T * sizeof(int32_t));
    tr_model_forward_f32(&t->cx, &t->acts, t->params, t->btok, NULL, NULL);
    gorilla_model *m;
    gorilla_model_opts mo = {.n_threads = 1, .n_ctx = T};
    assert_int_equal(gorilla_model_load(out, &mo, &m, &err), GORILLA_OK);
    float *logits = malloc((size_t)V * sizeof *logits);
    double worst = 0;
    for (int q = 0; q < T; q++) {
        assert_int_equal(gorilla_model_forward(m, t->btok[q], q, logits, &err), GORILLA_OK);
        for (int i = 0; i < V; i++) worst = fmax(worst, fabs((double)logits[i] - t->acts.logits[(size_t)q * V + i]));
    }
    printf("lora merged export: engine vs trainer logits, max |difference| %.3g\n", worst);
    assert_true(worst < 1e-4);
    free(logits);
    gorilla_model_free(m);
    free(keep);
    gorilla_trainer_free(t);
    unlink(out);
    free(out);
    unlink(base);
    free(base);
    unlink(data);
    free(data);
}

static void run_losses(const gorilla_train_opts *o, long steps, double *loss, float **params_out)
{
    gorilla_trainer *t;
    gorilla_error err;
    assert_int_equal(gorilla_trainer_new(o, &t, &err), GORILLA_OK);
    for (long i = 0; i < steps; i++) {
        gorilla_train_stats s;
        assert_int_equal(gorilla_trainer_step(t, &s, &err), GORILLA_OK);
        loss[i] = s.loss;
    }
    if (params_out) {
        *params_out = malloc(t->lay.n_params * sizeof(float));
        memcpy(*params_out, t->params, t->lay.n_params * sizeof(float));
    }
    gorilla_trainer_free(t);
}

static void test_deterministic_any_threads(void **state)
{
    (void)state;
    char *data = write_convs(16, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.steps = 8;
    double a[8], b[8], c[8];
    run_losses(&o, 8, a, NULL);
    run_losses(&o, 8, b, NULL);
    o.n_threads = 1;
    run_losses(&o, 8, c, NULL);
    for (int i = 0; i < 8; i++) {
        assert_true(a[i] == b[i]);
        assert_true(a[i] == c[i]);
    }
    o.seed = 2;
    run_losses(&o, 8, c, NULL);
    assert_true(a[7] != c[7]);
    unlink(data);
    free(data);
}

/* batch 4 x accumulation 1 == batch 2 x accumulation 2 (to rounding). */
static void test_accumulation_is_batching(void **state)
{
    (void)state;
    char *data = write_convs(16, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.steps = 4;
    double a[4], b[4];
    float *pa, *pb;
    run_losses(&o, 4, a, &pa);
    o.batch = 2;
    o.grad_accum = 2;
    run_losses(&o, 4, b, &pb);
    for (int i = 0; i < 4; i++) assert_true(fabs(a[i] - b[i]) < 1e-5 * fabs(a[i]));
    gorilla_train_opts_init(&o);
    free(pa);
    free(pb);
    unlink(data);
    free(data);
}

static void test_checkpoint_resume(void **state)
{
    (void)state;
    char *data = write_convs(12, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.steps = 12;
    double full[12];
    run_losses(&o, 12, full, NULL);
    gorilla_trainer *t;
    gorilla_error err;
    gorilla_train_stats s;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    for (int i = 0; i < 5; i++) assert_int_equal(gorilla_trainer_step(t, &s, &err), GORILLA_OK);
    char *ck = test_write_temp("", 0);
    assert_int_equal(gorilla_trainer_save(t, ck, &err), GORILLA_OK);
    gorilla_trainer_free(t);
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_resume(t, ck, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_step_count(t), 5);
    for (int i = 5; i < 12; i++) {
        assert_int_equal(gorilla_trainer_step(t, &s, &err), GORILLA_OK);
        assert_true(s.loss == full[i]);
    }
    gorilla_trainer_free(t);

    /* corrupt: one byte flipped in the weights */
    FILE *f = fopen(ck, "r+b");
    assert_non_null(f);
    fseek(f, 200, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(ch ^ 0x40, f);
    fclose(f);
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_resume(t, ck, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "checksum"));
    gorilla_trainer_free(t);
    /* truncated */
    assert_int_equal(truncate(ck, 1000), 0);
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_resume(t, ck, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "truncated"));
    gorilla_trainer_free(t);
    /* not a checkpoint */
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_resume(t, vocab_path, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "not a gorilla training checkpoint"));
    /* another shape */
    assert_int_equal(gorilla_trainer_save(t, ck, &err), GORILLA_OK);
    gorilla_trainer_free(t);
    o.n_embd = 48;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_resume(t, ck, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "another model"));
    gorilla_trainer_free(t);
    unlink(ck);
    free(ck);
    unlink(data);
    free(data);
}

static void test_nan_stops_the_step(void **state)
{
    (void)state;
    char *data = write_convs(8, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    gorilla_trainer *t;
    gorilla_error err;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    assert_int_equal(gorilla_trainer_step(t, NULL, &err), GORILLA_OK);
    t->params[t->lay.t[1].off] = NAN; /* blk.0.attn_norm */
    float keep = t->params[5];
    assert_int_equal(gorilla_trainer_step(t, NULL, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "step 2"));
    assert_non_null(strstr(err.message, "NaN"));
    assert_true(t->params[5] == keep);
    assert_int_equal(gorilla_trainer_step_count(t), 1);
    gorilla_trainer_free(t);
    unlink(data);
    free(data);
}

static void expect_fail(const char *text, const char *needle)
{
    char *data = test_write_temp(text, strlen(text));
    gorilla_train_opts o;
    small_opts(&o, data);
    gorilla_trainer *t;
    gorilla_error err;
    assert_int_not_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    if (!strstr(err.message, needle)) printf("message: %s (expected '%s')\n", err.message, needle);
    assert_non_null(strstr(err.message, needle));
    unlink(data);
    free(data);
}

static void test_bad_data(void **state)
{
    (void)state;
    expect_fail("[{\"conversations\": [}]", ":1:");
    expect_fail("{\"conversations\": [{\"from\": \"human\", \"value\": \"a\"}, {\"from\": \"gpt\", \"value\": \"b\"}]}\n"
                "{\"conversations\": [{\"from\": \"human\", \"value\": \"a\"}, {\"from\": \"gpt\", \"value\": \"b\"}]\n",
                ":2:");
    expect_fail("{\"id\": \"x1\", \"conversations\": [{\"from\": \"human\", \"value\": \"only a question\"}]}\n",
                "no assistant turn");
    expect_fail("[]", "no conversations");
    expect_fail("\n\n", "no conversations");
    expect_fail("[{\"conversations\": [{\"from\": \"robot\", \"value\": \"a\"}]}]", "unknown \"from\" \"robot\"");
    expect_fail("[{\"conversations\": [{\"from\": \"gpt\", \"value\": \"a\"}]}]", "before any user turn");
    expect_fail("[{\"conversations\": [{\"from\": \"human\"}]}]", "\"from\" and \"value\"");
    expect_fail("[{\"id\": 3}]", "missing array \"conversations\"");
}

/* A conversation longer than the context is truncated and counted; one
 * whose prompt fills the context is dropped and counted. */
static void test_truncation_counted(void **state)
{
    (void)state;
    char big[2048];
    memset(big, 'a', 1500);
    big[1500] = 0;
    char *text = malloc(8192);
    snprintf(text, 8192,
             "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", \"value\": \"%s\"}]}\n"
             "{\"conversations\": [{\"from\": \"system\", \"value\": \"sys\"}, {\"from\": \"human\", \"value\": \"%s\"}, "
             "{\"from\": \"gpt\", \"value\": \"b\"}]}\n"
             "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}]}\n",
             big, big);
    char *data = test_write_temp(text, strlen(text));
    free(text);
    gorilla_train_opts o;
    small_opts(&o, data);
    gorilla_trainer *t;
    gorilla_error err;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_OK);
    gorilla_train_info info;
    gorilla_trainer_info(t, &info);
    assert_int_equal(info.train_convs, 3);
    assert_int_equal(info.truncated, 2);
    assert_int_equal(info.dropped, 1);
    assert_int_equal(info.train_rows, 2);
    gorilla_trainer_free(t);
    unlink(data);
    free(data);
}

/* A base model whose vocabulary has more tokens than embedding rows. */
static void test_vocab_does_not_fit(void **state)
{
    (void)state;
    gguf_writer *w = gguf_writer_new();
    char **voc = llm_synth_vocab(300);
    gguf_writer_str(w, "general.architecture", "llama");
    gguf_writer_u32(w, "llama.context_length", 64);
    gguf_writer_u32(w, "llama.embedding_length", 8);
    gguf_writer_u32(w, "llama.block_count", 1);
    gguf_writer_u32(w, "llama.feed_forward_length", 8);
    gguf_writer_u32(w, "llama.attention.head_count", 2);
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)voc, 300);
    tr_config c = {.n_vocab = 280, .n_embd = 8, .n_layer = 1, .n_head = 2, .n_head_kv = 2, .n_ff = 8, .n_ctx = 64,
                   .rms_eps = 1e-5f, .rope_base = 10000.0f};
    tr_layout lay;
    gorilla_error err;
    assert_int_equal(tr_layout_build(&c, &lay, &err), GORILLA_OK);
    float *zeros = calloc(280 * 8, sizeof *zeros);
    for (size_t i = 0; i < lay.n_tensors; i++) {
        uint64_t ne[2] = {lay.t[i].cols, lay.t[i].rows};
        gguf_writer_tensor(w, lay.t[i].name, 0, lay.t[i].rows == 1 ? 1 : 2, ne, zeros);
    }
    char *base = test_write_temp("", 0);
    assert_int_equal(gguf_writer_save(w, base, NULL, NULL, &err), GORILLA_OK);
    gguf_writer_free(w);
    llm_synth_vocab_free(voc, 300);
    free(zeros);
    tr_layout_free(&lay);
    char *data = write_convs(4, 0);
    gorilla_train_opts o;
    small_opts(&o, data);
    o.vocab_path = NULL;
    o.base_model = base;
    gorilla_trainer *t;
    assert_int_equal(gorilla_trainer_new(&o, &t, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "does not fit the model"));
    unlink(base);
    free(base);
    unlink(data);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memorises_32_conversations), cmocka_unit_test(test_export_matches_engine),
        cmocka_unit_test(test_finetune_from_base), cmocka_unit_test(test_lora_on_quantized_base),         cmocka_unit_test(test_deterministic_any_threads),
        cmocka_unit_test(test_accumulation_is_batching),   cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_nan_stops_the_step),         cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_truncation_counted),         cmocka_unit_test(test_vocab_does_not_fit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
