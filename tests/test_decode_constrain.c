/* test_decode_constrain.c — store-constrained calls and prompt-lookup
 * drafts on a synthetic model (random weights, byte-fallback vocabulary):
 * every call written under the constraint is a call of the store (many
 * prompts, greedy and sampled), the call marker is found in the text and
 * across a token, bad input is reported (no calls), and lookup drafts give
 * the same output token for token as plain decoding (greedy and sampled,
 * which keeps the model's distribution). */
#include "testutil.h"

#include <math.h>

#include "decode/call_variants.h"
#include "support/call_check.h"
#include "support/synth.h"

typedef struct {
    char path[64];
    gorilla_model *m;
    gorilla_tokenizer *tok;
} fixture;

static const char *const CALLS[] = {
    "torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)",
    "torch.hub.load('pytorch/vision', 'resnet18', pretrained=True)",
    "pipeline('text-classification', model='distilbert-base-uncased')",
    "hub.KerasLayer('https://tfhub.dev/google/imagenet/mobilenet_v2/1')",
    "SentimentModel()",
};
#define N_CALLS (sizeof CALLS / sizeof *CALLS)

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx) return -1;
    snprintf(fx->path, sizeof fx->path, "/tmp/gorilla-dec-XXXXXX.gguf");
    int fd = mkstemps(fx->path, 5);
    if (fd < 0) return -1;
    close(fd);
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.n_ctx = 256;
    gorilla_error err = {0};
    gorilla_model_opts mo = {1, 0};
    if (llm_synth_write(&sp, fx->path, &err) || gorilla_model_load(fx->path, &mo, &fx->m, &err) ||
        gorilla_tokenizer_load_gguf(fx->path, &fx->tok, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
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

/* 1 when s is a store call in a spelling the constraint allows
 * (support/call_check.h), or (cut by max_tokens) a prefix of one. */
static int call_ok(const char *s, size_t n, int cut) { return call_check(s, n, CALLS, N_CALLS, cut); }

static void test_every_call_is_a_store_call(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    gorilla_call_constraint *c = NULL;
    assert_int_equal(gorilla_call_constraint_new(fx->tok, CALLS, N_CALLS, GORILLA_CONSTRAIN_AT_START, &c, &err),
                     GORILLA_OK);
    assert_int_equal(gorilla_call_constraint_n_calls(c), N_CALLS);
    size_t whole = 0, plain_bad = 0;
    for (int p = 0; p < 40; p++) {
        char prompt[64];
        snprintf(prompt, sizeof prompt, "question %d: load a model for task %d", p, p * 7);
        gorilla_generate_opts o;
        gorilla_generate_opts_init(&o);
        o.max_tokens = 90;
        o.sampler.temperature = p % 2 ? 1.0f : 0.0f;
        o.sampler.seed = (uint64_t)p + 1;
        gorilla_generate_result r;
        if (p < 4) { /* unconstrained, the model does not write calls */
            assert_int_equal(gorilla_generate_text(fx->m, fx->tok, prompt, &o, &r, &err), GORILLA_OK);
            plain_bad += !call_ok(r.text, r.text_len, r.stop == GORILLA_GEN_STOP_MAX_TOKENS);
            gorilla_generate_result_clear(&r);
        }
        o.filter = gorilla_call_constraint_filter;
        o.filter_user = c;
        gorilla_status st = gorilla_generate_text(fx->m, fx->tok, prompt, &o, &r, &err);
        if (st) fail_msg("prompt %d: %s", p, err.message);
        if (!call_ok(r.text, r.text_len, r.stop == GORILLA_GEN_STOP_MAX_TOKENS))
            fail_msg("prompt %d wrote \"%s\"", p, r.text);
        whole += gorilla_call_constraint_state(c, r.text, r.text_len, NULL) == 2 || r.stop == GORILLA_GEN_STOP_EOG;
        gorilla_generate_result_clear(&r);
    }
    assert_int_equal(plain_bad, 4); /* the check can fail */
    assert_true(whole > 0);
    gorilla_call_constraint_free(c);
}

static void test_marker_and_state(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    gorilla_call_constraint *c = NULL;
    assert_int_equal(gorilla_call_constraint_new(fx->tok, CALLS, N_CALLS, 0, &c, &err), GORILLA_OK);
    size_t at = 0;
    assert_int_equal(gorilla_call_constraint_state(c, "<<<domain>>>: x\n", 16, &at), 0);
    const char *t1 = "<<<domain>>>: x\n<<<api_call>>>: torch.hub.lo";
    assert_int_equal(gorilla_call_constraint_state(c, t1, strlen(t1), &at), 1);
    assert_string_equal(t1 + at, "torch.hub.lo");
    const char *t2 = "<<<api_call>>>: SentimentModel()\n<<<api_provider>>>: zz";
    assert_int_equal(gorilla_call_constraint_state(c, t2, strlen(t2), &at), 2);
    const char *t3 = "{'domain': 'x', 'api_call': 'pipeline(";
    assert_int_equal(gorilla_call_constraint_state(c, t3, strlen(t3), &at), 1);

    /* the filter inside a call: only bytes that continue one */
    size_t V = (size_t)gorilla_model_n_vocab(fx->m);
    float *logits = calloc(V, sizeof *logits);
    assert_non_null(logits);
    const char *t4 = "<<<api_call>>>: torch.hub.load('pytorch/vision', 'resnet";
    assert_int_equal(gorilla_call_constraint_filter(c, NULL, 0, t4, strlen(t4), logits, V, &err), GORILLA_OK);
    size_t allowed = 0;
    for (size_t t = 0; t < V; t++)
        if (logits[t] != -INFINITY) {
            allowed++;
            size_t len = 0;
            const char *p = gorilla_tokenizer_piece(fx->tok, (int32_t)t, &len);
            assert_true(len > 0 && (p[0] == '5' || p[0] == '1'));
        }
    assert_true(allowed >= 2);
    /* outside: a token holding the marker's end is walked on */
    memset(logits, 0, V * sizeof *logits);
    const char *t5 = "<<<api_call>>>";
    assert_int_equal(gorilla_call_constraint_filter(c, NULL, 0, t5, strlen(t5), logits, V, &err), GORILLA_OK);
    int32_t colon = gorilla_tokenizer_find(fx->tok, ":", 1);
    if (colon >= 0) assert_true(logits[colon] == 0.0f);
    /* right after `<<<api_call>>>:` only the one space of Gorilla's format
     * (APIBench's evaluator drops the byte after the colon) */
    memset(logits, 0, V * sizeof *logits);
    const char *t6 = "<<<api_call>>>:";
    assert_int_equal(gorilla_call_constraint_filter(c, NULL, 0, t6, strlen(t6), logits, V, &err), GORILLA_OK);
    size_t spaced = 0;
    for (size_t t = 0; t < V; t++)
        if (logits[t] != -INFINITY) {
            size_t len = 0;
            const char *p = gorilla_tokenizer_piece(fx->tok, (int32_t)t, &len);
            assert_true(len > 0 && p[0] == ' ');
            spaced++;
        }
    assert_true(spaced >= 1);
    assert_int_equal(gorilla_call_constraint_state(c, "<<<api_call>>>:torch", 20, &at), 1); /* off the trie */
    free(logits);
    gorilla_call_constraint_free(c);
}

static void test_bad_input(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    gorilla_call_constraint *c = NULL;
    assert_int_equal(gorilla_call_constraint_new(fx->tok, NULL, 0, 0, &c, &err), GORILLA_ERR_INVALID);
    assert_null(c);
    assert_non_null(strstr(err.message, "no calls"));
    const char *const blank[] = {"", "   ", NULL};
    assert_int_equal(gorilla_call_constraint_new(fx->tok, blank, 3, 0, &c, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_call_constraint_new(NULL, CALLS, N_CALLS, 0, &c, &err), GORILLA_ERR_INVALID);
    /* duplicates count once */
    const char *const dup[] = {CALLS[0], CALLS[0], " SentimentModel() "};
    assert_int_equal(gorilla_call_constraint_new(fx->tok, dup, 3, 0, &c, &err), GORILLA_OK);
    assert_int_equal(gorilla_call_constraint_n_calls(c), 2);
    assert_int_equal(gorilla_call_constraint_skipped(c, NULL), 0);
    gorilla_call_constraint_free(c);
}

/* The streamed pieces, concatenated (the token callback). */
typedef struct {
    char buf[4096];
    size_t len, calls;
} stream;

static int on_piece(void *user, int32_t token, const char *text, size_t len)
{
    (void)token;
    stream *s = user;
    if (s->len + len < sizeof s->buf) {
        memcpy(s->buf + s->len, text, len);
        s->len += len;
    }
    s->calls++;
    return 0;
}

static void check_lookup(fixture *fx, float temperature)
{
    gorilla_error err = {0};
    gorilla_lookup *l = NULL;
    assert_int_equal(gorilla_lookup_new(fx->tok, CALLS, N_CALLS, &l, &err), GORILLA_OK);
    size_t drafted = 0, accepted = 0;
    for (int p = 0; p < 24; p++) {
        char prompt[200];
        snprintf(prompt, sizeof prompt, "doc: %s\nq%d: use it %d\n<<<api_call>>>: ", CALLS[p % N_CALLS], p, p * 3);
        gorilla_generate_opts o;
        gorilla_generate_opts_init(&o);
        o.max_tokens = 40;
        o.sampler.temperature = temperature;
        o.sampler.seed = (uint64_t)p * 11 + 3;
        gorilla_generate_result plain, r;
        assert_int_equal(gorilla_generate_text(fx->m, fx->tok, prompt, &o, &plain, &err), GORILLA_OK);
        o.draft = gorilla_lookup_draft;
        o.draft_user = l;
        o.max_draft = (size_t)(2 + p % 6);
        stream sm = {{0}, 0, 0};
        o.on_token = on_piece;
        o.user = &sm;
        assert_int_equal(gorilla_generate_text(fx->m, fx->tok, prompt, &o, &r, &err), GORILLA_OK);
        /* streaming with multi-token acceptance: one callback per kept
         * token (plus the final flush), pieces adding up to the text */
        assert_true(sm.calls >= r.n_tokens);
        assert_int_equal(sm.len, r.text_len);
        assert_memory_equal(sm.buf, r.text, r.text_len);
        assert_int_equal(r.n_tokens, plain.n_tokens);
        assert_memory_equal(r.tokens, plain.tokens, plain.n_tokens * sizeof *plain.tokens);
        assert_int_equal(r.text_len, plain.text_len);
        drafted += r.n_drafted;
        accepted += r.n_draft_accepted;
        gorilla_generate_result_clear(&plain);
        gorilla_generate_result_clear(&r);
    }
    assert_true(drafted > 0);
    assert_true(accepted <= drafted);
    fprintf(stderr, "lookup (temperature %.1f): %zu drafted, %zu accepted\n", (double)temperature, drafted, accepted);
    assert_true(accepted > 0); /* multi-token steps happened */
    gorilla_lookup_free(l);
}

static void test_lookup_greedy_identical(void **state) { check_lookup(*state, 0.0f); }
static void test_lookup_sampled_identical(void **state) { check_lookup(*state, 0.8f); }

static void test_lookup_copies(void **state)
{
    (void)state;
    /* ... 5 6 7 8 9 ... 5 6 -> 7 8 9 */
    const int32_t seq[] = {1, 4, 5, 6, 7, 8, 9, 10, 3, 5, 6};
    int32_t d[4];
    assert_int_equal(gorilla_lookup_draft(NULL, seq, 11, d, 4), 4);
    assert_int_equal(d[0], 7);
    assert_int_equal(d[3], 10);
    const int32_t none[] = {1, 2, 3, 4};
    assert_int_equal(gorilla_lookup_draft(NULL, none, 4, d, 4), 0);
}

/* The reranker's score against a per-token reference. */
static void test_call_logprob(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    const char *prefix = "###USER: load a model\n###ASSISTANT: <<<api_call>>>: ";
    double lp = 0, lp2 = 0;
    size_t n = 0;
    assert_int_equal(gorilla_call_logprob(fx->m, fx->tok, prefix, CALLS[0], &lp, &n, &err), GORILLA_OK);
    assert_true(n > 5 && lp < 0 && isfinite(lp));
    /* reference: prefix + call encoded, each scored token by a plain forward */
    char full[512];
    snprintf(full, sizeof full, "%s%s", prefix, CALLS[0]);
    int32_t *ids = NULL;
    size_t nid = 0;
    assert_int_equal(gorilla_tokenizer_encode(fx->tok, full, strlen(full), 1, 0, &ids, &nid, &err), GORILLA_OK);
    size_t V = (size_t)gorilla_model_n_vocab(fx->m), c = nid - n;
    float *lg = malloc(V * sizeof *lg);
    assert_non_null(lg);
    assert_int_equal(gorilla_model_prompt(fx->m, ids, c, 0, lg, &err), GORILLA_OK);
    double ref = 0;
    for (size_t i = c; i < nid; i++) {
        double mx = lg[0], sum = 0;
        for (size_t v = 1; v < V; v++) mx = lg[v] > mx ? lg[v] : mx;
        for (size_t v = 0; v < V; v++) sum += exp(lg[v] - mx);
        ref += lg[ids[i]] - mx - log(sum);
        if (i + 1 < nid) assert_int_equal(gorilla_model_forward(fx->m, ids[i], (int)i, lg, &err), GORILLA_OK);
    }
    assert_true(fabs(ref - lp) < 1e-3 * fabs(ref) + 1e-4);
    /* another call scores differently */
    assert_int_equal(gorilla_call_logprob(fx->m, fx->tok, prefix, CALLS[2], &lp2, NULL, &err), GORILLA_OK);
    assert_true(lp2 != lp);
    assert_int_equal(gorilla_call_logprob(fx->m, fx->tok, prefix, "", &lp2, NULL, &err), GORILLA_ERR_INVALID);
    free(lg);
    free(ids);
}

typedef struct {
    char got[4][160];
    int n;
} spellings;

static int collect(void *user, const char *s, size_t n)
{
    spellings *sp = user;
    if (sp->n < 4) snprintf(sp->got[sp->n], sizeof sp->got[0], "%.*s", (int)n, s);
    sp->n++;
    return 0;
}

/* The spellings of a call: its leading keyword string arguments by
 * position, one more each time; nothing else is rewritten. */
static void test_call_spellings(void **state)
{
    (void)state;
    spellings sp = {0};
    const char *th = "torch.hub.load(repo_or_dir='pytorch/vision', model=\"resnet50\", pretrained=True)";
    assert_int_equal(call_variants(th, strlen(th), collect, &sp), 0);
    assert_int_equal(sp.n, 3);
    assert_string_equal(sp.got[0], th);
    assert_string_equal(sp.got[1], "torch.hub.load('pytorch/vision', model=\"resnet50\", pretrained=True)");
    assert_string_equal(sp.got[2], "torch.hub.load('pytorch/vision', \"resnet50\", pretrained=True)");
    const char *hf = "pipeline('text-classification', model='x/y', device=0)";
    memset(&sp, 0, sizeof sp);
    assert_int_equal(call_variants(hf, strlen(hf), collect, &sp), 0);
    assert_int_equal(sp.n, 2);
    assert_string_equal(sp.got[1], "pipeline('text-classification', 'x/y', device=0)");
    const char *none[] = {"SentimentModel()", "f(a='x' + 'y')", "f(a=g('x'))", "f(a='x'", "f(a='x,', b=1)x",
                          "f(a==b)", "hub.KerasLayer('https://tfhub.dev/x/1')", "./run.sh --x 1"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        memset(&sp, 0, sizeof sp);
        assert_int_equal(call_variants(none[i], strlen(none[i]), collect, &sp), 0);
        if (sp.n != 1) fail_msg("%s: %d spellings", none[i], sp.n);
    }
    memset(&sp, 0, sizeof sp); /* a comma inside a string is not a separator */
    const char *q = "f(a='x, y', b='z')";
    assert_int_equal(call_variants(q, strlen(q), collect, &sp), 0);
    assert_int_equal(sp.n, 3);
    assert_string_equal(sp.got[2], "f('x, y', 'z')");
}

/* The constraint takes every spelling, after an optional `NAME = `. */
static void test_constraint_spellings(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    gorilla_call_constraint *c = NULL;
    const char *calls[] = {"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)"};
    assert_int_equal(gorilla_call_constraint_new(fx->tok, calls, 1, 0, &c, &err), GORILLA_OK);
    assert_int_equal(gorilla_call_constraint_n_calls(c), 1);
    const char *good[] = {
        "<<<api_call>>>: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\n",
        "<<<api_call>>>: torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)\n",
        "<<<api_call>>>: model = torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)\n",
        "<<<api_call>>>: m=torch.hub.load('pytorch/vision', model='resnet50', pretrained=True)<",
        "<<<api_call>>>: _abcdefghijklmno = torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (gorilla_call_constraint_state(c, good[i], strlen(good[i]), NULL) != 2) fail_msg("not whole: %s", good[i]);
    const char *inside[] = {"<<<api_call>>>: model", "<<<api_call>>>: model = ", "<<<api_call>>>: model = torch.h"};
    for (size_t i = 0; i < sizeof inside / sizeof *inside; i++)
        assert_int_equal(gorilla_call_constraint_state(c, inside[i], strlen(inside[i]), NULL), 1);
    /* off the trie: the filter leaves such text be, the state says "inside" */
    size_t V = (size_t)gorilla_model_n_vocab(fx->m);
    float *logits = calloc(V, sizeof *logits);
    assert_non_null(logits);
    const char *bad[] = {"<<<api_call>>>: model == ", "<<<api_call>>>: 9x = ", "<<<api_call>>>: a = b = ",
                         "<<<api_call>>>: Model = ", "<<<api_call>>>: abcdefghijklmnopq = "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        /* a text already off the trie is not constrained further */
        memset(logits, 0, V * sizeof *logits);
        assert_int_equal(gorilla_call_constraint_filter(c, NULL, 0, bad[i], strlen(bad[i]), logits, V, &err), GORILLA_OK);
        size_t allowed = 0;
        for (size_t t = 0; t < V; t++) allowed += logits[t] == 0.0f;
        assert_int_equal(allowed, V);
    }
    free(logits);
    gorilla_call_constraint_free(c);
}

/* The filter's verdict on every token equals the tests' own statement of
 * the allowed text (support/call_check): inside a call, a token is allowed
 * exactly when the text with its bytes is still a store call's spelling
 * or a prefix of one. */
static void test_filter_equals_reference(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    gorilla_call_constraint *c = NULL;
    assert_int_equal(gorilla_call_constraint_new(fx->tok, CALLS, N_CALLS, 0, &c, &err), GORILLA_OK);
    const char *texts[] = {"<<<api_call>>>: ", "<<<api_call>>>:  torch.hub.lo", "<<<api_call>>>: model = ",
                           "<<<api_call>>>: model = torch.hub.load('pytorch/vision', 'res", "<<<api_call>>>: pipe",
                           "<<<api_call>>>: m", "<<<api_call>>>: hub.KerasLayer('https://tfhub.dev/google/imagenet/",
                           "<<<api_call>>>: torch.hub.load('pytorch/vision', 'resnet18'", "<<<api_call>>>: x = pipeline('text-classification', "};
    size_t V = (size_t)gorilla_model_n_vocab(fx->m), checked = 0;
    float *logits = calloc(V, sizeof *logits);
    char buf[512];
    assert_non_null(logits);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        memset(logits, 0, V * sizeof *logits);
        assert_int_equal(gorilla_call_constraint_filter(c, NULL, 0, texts[i], strlen(texts[i]), logits, V, &err),
                         GORILLA_OK);
        const char *after = texts[i] + strlen("<<<api_call>>>:");
        for (size_t t = 0; t < V; t++) {
            size_t len = 0;
            const char *p = gorilla_tokenizer_piece(fx->tok, (int32_t)t, &len);
            if (!p || !len || gorilla_tokenizer_is_eog(fx->tok, (int32_t)t) || memchr(p, 0, len)) continue;
            int n = snprintf(buf, sizeof buf, "%s%.*s", after, (int)len, p);
            int want = call_check(buf, (size_t)n, CALLS, N_CALLS, 1);
            if (want != (logits[t] == 0.0f))
                fail_msg("after \"%s\": token \"%.*s\" %s by the filter", texts[i], (int)len, p,
                         want ? "forbidden" : "allowed");
            checked++;
        }
    }
    assert_true(checked > 1000);
    free(logits);
    gorilla_call_constraint_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_call_is_a_store_call), cmocka_unit_test(test_marker_and_state),
        cmocka_unit_test(test_bad_input),                  cmocka_unit_test(test_lookup_greedy_identical),
        cmocka_unit_test(test_lookup_sampled_identical),   cmocka_unit_test(test_lookup_copies),
        cmocka_unit_test(test_call_logprob),               cmocka_unit_test(test_call_spellings),
        cmocka_unit_test(test_constraint_spellings),       cmocka_unit_test(test_filter_equals_reference),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
