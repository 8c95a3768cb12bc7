/* test_llm_generate.c — the generation loop (gorilla_generate) on a
 * synthetic model: greedy output against a hand-written reference loop,
 * incremental text (UTF-8 held back, stop strings cut and held back), the
 * end-of-generation token, max tokens, the context end, the logits filter
 * hook and the draft provider hook (right, wrong and mixed guesses: the
 * same output as without drafts). */
#include "testutil.h"

#include <math.h>

#include "support/synth.h"

#define MAXT 64

typedef struct {
    char path[64];
    gorilla_model *m;
    gorilla_tokenizer *tok;
    int V;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx) return -1;
    snprintf(fx->path, sizeof fx->path, "/tmp/gorilla-gen-XXXXXX.gguf");
    int fd = mkstemps(fx->path, 5);
    if (fd < 0) return -1;
    close(fd);
    llm_synth_params sp;
    llm_synth_defaults(&sp); /* vocab 300, ctx 64: 3..258 are the byte tokens <0x00>..<0xFF> */
    gorilla_error err = {0};
    gorilla_model_opts mo = {1, 0};
    if (llm_synth_write(&sp, fx->path, &err) || gorilla_model_load(fx->path, &mo, &fx->m, &err) ||
        gorilla_tokenizer_load_gguf(fx->path, &fx->tok, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    fx->V = gorilla_model_n_vocab(fx->m);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    gorilla_tokenizer_free(fx->tok);
    gorilla_model_free(fx->m);
    unlink(fx->path);
    free(fx);
    return 0;
}

static int32_t byte_tok(unsigned b) { return (int32_t)(3 + b); }

static const int32_t PROMPT[] = {1, 270, 280, 290, 265};
#define N_PROMPT (sizeof PROMPT / sizeof *PROMPT)

/* The reference: the plain loop, argmax over the model's logits, stopping
 * at EOS or after n tokens. Returns how many. */
static size_t reference_greedy(fixture *fx, const int32_t *prompt, size_t n_prompt, size_t n, int32_t *out)
{
    gorilla_error err = {0};
    float *logits = malloc((size_t)fx->V * sizeof *logits);
    assert_non_null(logits);
    if (gorilla_model_prompt(fx->m, prompt, n_prompt, 0, logits, &err)) fail_msg("prompt: %s", err.message);
    size_t k = 0;
    int pos = (int)n_prompt;
    while (k < n) {
        int32_t best = 0;
        for (int i = 1; i < fx->V; i++)
            if (logits[i] > logits[best]) best = i;
        if (gorilla_tokenizer_is_eog(fx->tok, best)) break;
        out[k++] = best;
        if (k == n) break;
        if (gorilla_model_forward(fx->m, best, pos++, logits, &err)) fail_msg("forward: %s", err.message);
    }
    free(logits);
    return k;
}

static void greedy_opts(gorilla_generate_opts *o, int max_tokens)
{
    gorilla_generate_opts_init(o);
    o->sampler.temperature = 0;
    o->sampler.repeat_penalty = 1;
    o->max_tokens = max_tokens;
}

static void run_gen(fixture *fx, const int32_t *prompt, size_t n, const gorilla_generate_opts *o,
                    gorilla_generate_result *r)
{
    gorilla_error err = {0};
    if (gorilla_generate(fx->m, fx->tok, prompt, n, o, r, &err)) fail_msg("generate: %s", err.message);
}

/* --- Callbacks and hooks ----------------------------------------------- */

/* Records what the token callback gets. */
typedef struct {
    int32_t tokens[MAXT + 1];
    size_t n_calls;
    char text[4096];
    size_t len;
    size_t piece_len[MAXT + 1];
    int stop_after; /* > 0: ask to stop after that many calls */
} recorder;

static int record(void *user, int32_t token, const char *text, size_t len)
{
    recorder *rc = user;
    assert_true(rc->n_calls <= MAXT);
    rc->tokens[rc->n_calls] = token;
    rc->piece_len[rc->n_calls] = len;
    rc->n_calls++;
    assert_true(rc->len + len < sizeof rc->text);
    memcpy(rc->text + rc->len, text, len);
    rc->len += len;
    return rc->stop_after > 0 && (int)rc->n_calls >= rc->stop_after;
}

/* A filter that forces a script of tokens (every other logit -inf), then
 * lets the model choose; also checks the history it is shown. */
typedef struct {
    const int32_t *script;
    size_t n;
    size_t calls;
} forcer;

static gorilla_status force(void *user, const int32_t *tokens, size_t n_tokens, const char *text, size_t text_len,
                            float *logits, size_t n_vocab, gorilla_error *err)
{
    forcer *f = user;
    (void)tokens;
    (void)text;
    (void)text_len;
    (void)err;
    f->calls++;
    if (n_tokens >= f->n) return GORILLA_OK;
    for (size_t i = 0; i < n_vocab; i++)
        if ((int32_t)i != f->script[n_tokens]) logits[i] = -INFINITY;
    return GORILLA_OK;
}

/* A filter that forbids one token. */
static gorilla_status forbid(void *user, const int32_t *tokens, size_t n_tokens, const char *text, size_t text_len,
                             float *logits, size_t n_vocab, gorilla_error *err)
{
    (void)tokens;
    (void)n_tokens;
    (void)text;
    (void)text_len;
    (void)err;
    int32_t bad = *(const int32_t *)user;
    if (bad >= 0 && (size_t)bad < n_vocab) logits[bad] = -INFINITY;
    return GORILLA_OK;
}

/* A draft provider that knows the right continuation and proposes it, or
 * wrong tokens, or a mix, depending on mode. */
typedef struct {
    const int32_t *truth; /* the no-draft output */
    size_t n_truth, n_prompt;
    int mode;             /* 0 right, 1 wrong, 2 first right then wrong, 3 out-of-range ids */
    size_t calls;
} drafter;

static size_t propose(void *user, const int32_t *tokens, size_t n_tokens, int32_t *draft, size_t max_draft)
{
    drafter *d = user;
    (void)tokens;
    d->calls++;
    size_t at = n_tokens - d->n_prompt; /* tokens kept so far */
    size_t k = 0;
    for (; k < max_draft; k++) {
        int32_t right = at + k < d->n_truth ? d->truth[at + k] : 7;
        int32_t wrong = right == 260 ? 261 : 260;
        switch (d->mode) {
        case 0: draft[k] = right; break;
        case 1: draft[k] = wrong; break;
        case 2: draft[k] = k == 0 ? right : wrong; break;
        default: draft[k] = k == 0 ? right : 1 << 20; break;
        }
    }
    return k;
}

/* --- Tests --------------------------------------------------------------- */

static void test_greedy_matches_reference(void **state)
{
    fixture *fx = *state;
    int32_t ref[24];
    size_t n_ref = reference_greedy(fx, PROMPT, N_PROMPT, 24, ref);
    assert_true(n_ref > 0);
    gorilla_generate_opts o;
    greedy_opts(&o, 24);
    recorder rc = {0};
    o.on_token = record;
    o.user = &rc;
    gorilla_generate_result r;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.n_tokens, n_ref);
    assert_memory_equal(r.tokens, ref, n_ref * sizeof *ref);
    assert_int_equal(r.n_prompt, N_PROMPT);
    assert_int_equal(r.stop, n_ref == 24 ? GORILLA_GEN_STOP_MAX_TOKENS : GORILLA_GEN_STOP_EOG);
    /* the text is the pieces of the tokens, and the callback saw all of it */
    char *dec = NULL;
    size_t dlen = 0;
    gorilla_error err = {0};
    if (gorilla_tokenizer_decode(fx->tok, ref, n_ref, 0, &dec, &dlen, &err)) fail_msg("%s", err.message);
    assert_int_equal(r.text_len, dlen);
    assert_memory_equal(r.text, dec, dlen);
    assert_int_equal(rc.len, dlen);
    assert_memory_equal(rc.text, dec, dlen);
    for (size_t i = 0; i < n_ref; i++) assert_int_equal(rc.tokens[i], ref[i]);
    assert_true(r.prefill_ms >= 0 && r.decode_ms >= 0);
    assert_int_equal(r.n_decode, n_ref - (r.stop == GORILLA_GEN_STOP_MAX_TOKENS));
    free(dec);
    gorilla_generate_result_clear(&r);

    /* the same prompt again: the cached prefix is reused, output the same */
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.n_reused, N_PROMPT - 1);
    assert_int_equal(r.n_tokens, n_ref);
    assert_memory_equal(r.tokens, ref, n_ref * sizeof *ref);
    gorilla_generate_result_clear(&r);
}

static void test_utf8_held_back(void **state)
{
    fixture *fx = *state;
    /* "a", then U+65E5 (E6 97 A5) in three byte tokens, then "b" */
    const int32_t script[] = {byte_tok('a'), byte_tok(0xE6), byte_tok(0x97), byte_tok(0xA5), byte_tok('b')};
    forcer f = {script, 5, 0};
    gorilla_generate_opts o;
    greedy_opts(&o, 5);
    o.filter = force;
    o.filter_user = &f;
    recorder rc = {0};
    o.on_token = record;
    o.user = &rc;
    gorilla_generate_result r;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.n_tokens, 5);
    assert_memory_equal(r.tokens, script, sizeof script);
    assert_string_equal(r.text, "a\xE6\x97\xA5" "b");
    assert_int_equal(rc.n_calls, 5);
    const size_t want[] = {1, 0, 0, 3, 1};
    for (size_t i = 0; i < 5; i++) assert_int_equal(rc.piece_len[i], want[i]);
    assert_int_equal(f.calls, 5);
    gorilla_generate_result_clear(&r);

    /* an incomplete sequence at the end is released after the last token */
    const int32_t cut[] = {byte_tok('x'), byte_tok(0xE6)};
    forcer f2 = {cut, 2, 0};
    o.filter_user = &f2;
    o.max_tokens = 2;
    memset(&rc, 0, sizeof rc);
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(rc.n_calls, 3);
    assert_int_equal(rc.tokens[2], -1);
    assert_int_equal(rc.piece_len[1], 0);
    assert_int_equal(rc.piece_len[2], 1);
    assert_int_equal(rc.len, 2);
    assert_memory_equal(rc.text, "x\xE6", 2);
    gorilla_generate_result_clear(&r);
}

static void test_stop_strings(void **state)
{
    fixture *fx = *state;
    const int32_t script[] = {byte_tok('a'), byte_tok('b'), byte_tok('#'), byte_tok('#'), byte_tok('#'),
                              byte_tok('c')};
    forcer f = {script, 6, 0};
    const char *stops[] = {"zz", "###"};
    gorilla_generate_opts o;
    greedy_opts(&o, 10);
    o.filter = force;
    o.filter_user = &f;
    o.stop = stops;
    o.n_stop = 2;
    recorder rc = {0};
    o.on_token = record;
    o.user = &rc;
    gorilla_generate_result r;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.stop, GORILLA_GEN_STOP_STRING);
    assert_int_equal(r.stop_index, 1);
    assert_int_equal(r.n_tokens, 5); /* the token that completed it is kept */
    assert_string_equal(r.text, "ab");
    assert_int_equal(rc.len, 2);
    assert_memory_equal(rc.text, "ab", 2);
    const size_t want[] = {1, 1, 0, 0, 0};
    assert_int_equal(rc.n_calls, 5);
    for (size_t i = 0; i < 5; i++) assert_int_equal(rc.piece_len[i], want[i]);
    gorilla_generate_result_clear(&r);

    /* a prefix that does not complete is held, then released */
    const char *stops2[] = {"#x"};
    o.stop = stops2;
    o.n_stop = 1;
    o.max_tokens = 4;
    f.calls = 0;
    memset(&rc, 0, sizeof rc);
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.stop, GORILLA_GEN_STOP_MAX_TOKENS);
    assert_string_equal(r.text, "ab##");
    /* the first "#" is held; with the second it is released (the second may still start "#x") */
    const size_t want2[] = {1, 1, 0, 1, 1};
    assert_int_equal(rc.n_calls, 5);
    for (size_t i = 0; i < 5; i++) assert_int_equal(rc.piece_len[i], want2[i]);
    assert_int_equal(rc.tokens[4], -1);
    assert_memory_equal(rc.text, "ab##", 4);
    gorilla_generate_result_clear(&r);
}

static void test_eog_and_callback_stop(void **state)
{
    fixture *fx = *state;
    const int32_t script[] = {byte_tok('a'), byte_tok('b'), 2 /* </s> */};
    forcer f = {script, 3, 0};
    gorilla_generate_opts o;
    greedy_opts(&o, 10);
    o.filter = force;
    o.filter_user = &f;
    gorilla_generate_result r;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.stop, GORILLA_GEN_STOP_EOG);
    assert_int_equal(r.n_tokens, 2); /* the EOG token is not kept */
    assert_string_equal(r.text, "ab");
    gorilla_generate_result_clear(&r);

    f.calls = 0;
    recorder rc = {0};
    rc.stop_after = 1;
    o.on_token = record;
    o.user = &rc;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.stop, GORILLA_GEN_STOP_CALLBACK);
    assert_int_equal(r.n_tokens, 1);
    assert_int_equal(rc.n_calls, 1);
    gorilla_generate_result_clear(&r);
}

static void test_context_end_and_errors(void **state)
{
    fixture *fx = *state;
    int n_ctx = gorilla_model_n_ctx(fx->m);
    int32_t prompt[64];
    for (int i = 0; i < n_ctx - 4; i++) prompt[i] = 260 + i % 30;
    int32_t no_eog = 2;
    gorilla_generate_opts o;
    greedy_opts(&o, 100);
    o.filter = forbid;
    o.filter_user = &no_eog;
    gorilla_generate_result r;
    run_gen(fx, prompt, (size_t)n_ctx - 4, &o, &r);
    assert_int_equal(r.stop, GORILLA_GEN_STOP_CONTEXT);
    assert_int_equal(r.n_tokens, 5); /* positions n_ctx-4 .. n_ctx: the last is never run */
    gorilla_generate_result_clear(&r);

    gorilla_error err = {0};
    assert_int_equal(gorilla_generate(fx->m, fx->tok, prompt, 0, &o, &r, &err), GORILLA_ERR_INVALID);
    gorilla_generate_result_clear(&r);
    assert_int_equal(gorilla_generate(fx->m, fx->tok, prompt, (size_t)n_ctx, &o, &r, &err), GORILLA_ERR_LIMIT);
    assert_non_null(strstr(err.message, "context holds"));
    gorilla_generate_result_clear(&r);
    int32_t bad[] = {1, 100000};
    assert_int_equal(gorilla_generate(fx->m, fx->tok, bad, 2, &o, &r, &err), GORILLA_ERR_INVALID);
    gorilla_generate_result_clear(&r);

    /* max_tokens 0: the prompt only */
    o.max_tokens = 0;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_int_equal(r.n_tokens, 0);
    assert_int_equal(r.stop, GORILLA_GEN_STOP_MAX_TOKENS);
    assert_string_equal(r.text, "");
    gorilla_generate_result_clear(&r);
}

static void test_filter_forbids_token(void **state)
{
    fixture *fx = *state;
    gorilla_generate_opts o;
    greedy_opts(&o, 16);
    gorilla_generate_result plain, r;
    run_gen(fx, PROMPT, N_PROMPT, &o, &plain);
    assert_true(plain.n_tokens > 0);
    int32_t bad = plain.tokens[0];
    o.filter = forbid;
    o.filter_user = &bad;
    run_gen(fx, PROMPT, N_PROMPT, &o, &r);
    assert_true(r.n_tokens > 0);
    for (size_t i = 0; i < r.n_tokens; i++) assert_int_not_equal(r.tokens[i], bad);
    assert_int_not_equal(r.tokens[0], plain.tokens[0]);
    gorilla_generate_result_clear(&plain);
    gorilla_generate_result_clear(&r);

    /* a filter that forbids everything is an error, not a crash */
    const int32_t none[] = {-5};
    forcer f = {none, 1, 0};
    o.filter = force;
    o.filter_user = &f;
    gorilla_error err = {0};
    assert_int_not_equal(gorilla_generate(fx->m, fx->tok, PROMPT, N_PROMPT, &o, &r, &err), GORILLA_OK);
    gorilla_generate_result_clear(&r);
}

static void check_drafts(fixture *fx, float temperature)
{
    gorilla_generate_opts o;
    greedy_opts(&o, 20);
    o.sampler.temperature = temperature;
    o.sampler.seed = 1234;
    int32_t no_eog = 2; /* run all 20 tokens */
    o.filter = forbid;
    o.filter_user = &no_eog;
    gorilla_generate_result plain;
    run_gen(fx, PROMPT, N_PROMPT, &o, &plain);
    assert_int_equal(plain.n_tokens, 20);
    for (int mode = 0; mode < 4; mode++) {
        drafter d = {plain.tokens, plain.n_tokens, N_PROMPT, mode, 0};
        gorilla_generate_opts od = o;
        od.draft = propose;
        od.draft_user = &d;
        od.max_draft = 3;
        gorilla_generate_result r;
        run_gen(fx, PROMPT, N_PROMPT, &od, &r);
        assert_int_equal(r.n_tokens, plain.n_tokens);
        assert_memory_equal(r.tokens, plain.tokens, plain.n_tokens * sizeof *plain.tokens);
        assert_int_equal(r.text_len, plain.text_len);
        assert_memory_equal(r.text, plain.text, plain.text_len);
        assert_true(d.calls > 0);
        assert_true(r.n_draft_accepted <= r.n_drafted);
        if (mode == 0) {
            /* every guess right: 1 + 3 tokens a step */
            assert_int_equal(r.n_draft_accepted, r.n_drafted);
            assert_true(r.n_drafted >= 15);
            assert_true(d.calls <= 6);
        } else if (mode == 1) {
            assert_int_equal(r.n_draft_accepted, 0);
            assert_true(r.n_drafted > 0);
        } else {
            assert_true(r.n_draft_accepted > 0 && r.n_draft_accepted < 20);
        }
        if (mode == 3) assert_int_equal(r.n_drafted, r.n_draft_accepted); /* bad ids are dropped */
        gorilla_generate_result_clear(&r);
    }
    gorilla_generate_result_clear(&plain);
}

static void test_draft_greedy(void **state) { check_drafts(*state, 0.0f); }
static void test_draft_sampled(void **state) { check_drafts(*state, 0.9f); }

static void test_text_and_params(void **state)
{
    fixture *fx = *state;
    gorilla_gen_params p;
    gorilla_gen_params_init(&p);
    assert_int_equal(p.max_tokens, 128);
    p.max_tokens = 6;
    p.top_p = 0; /* out of range: off */
    gorilla_generate_opts o;
    gorilla_generate_opts_init(&o);
    gorilla_generate_opts_from_params(&o, &p);
    assert_int_equal(o.max_tokens, 6);
    assert_true(o.sampler.temperature == 0.0f);
    assert_true(o.sampler.top_p == 1.0f);
    assert_true(o.sampler.min_p == 0.0f);
    gorilla_generate_result r;
    gorilla_error err = {0};
    if (gorilla_generate_text(fx->m, fx->tok, "hello world", &o, &r, &err)) fail_msg("%s", err.message);
    int32_t *ids = NULL;
    size_t n = 0;
    if (gorilla_tokenizer_encode(fx->tok, "hello world", 11, 1, 0, &ids, &n, &err)) fail_msg("%s", err.message);
    assert_int_equal(r.n_prompt, n);
    int32_t ref[6];
    size_t n_ref = reference_greedy(fx, ids, n, 6, ref);
    assert_int_equal(r.n_tokens, n_ref);
    assert_memory_equal(r.tokens, ref, n_ref * sizeof *ref);
    free(ids);
    gorilla_generate_result_clear(&r);
    assert_int_equal(gorilla_generate_text(fx->m, NULL, "x", &o, &r, &err), GORILLA_ERR_INVALID);
    gorilla_generate_result_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy_matches_reference),
        cmocka_unit_test(test_utf8_held_back),
        cmocka_unit_test(test_stop_strings),
        cmocka_unit_test(test_eog_and_callback_stop),
        cmocka_unit_test(test_context_end_and_errors),
        cmocka_unit_test(test_filter_forbids_token),
        cmocka_unit_test(test_draft_greedy),
        cmocka_unit_test(test_draft_sampled),
        cmocka_unit_test(test_text_and_params),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
