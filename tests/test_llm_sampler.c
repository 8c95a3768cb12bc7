/* test_llm_sampler.c — greedy and random sampling, filters, penalties,
 * determinism, stop strings. */
#include "testutil.h"

#include <math.h>

#include "llm/sample/sampler.h"

static gorilla_sampler *make(float temp, int top_k, float top_p, float min_p, uint64_t seed, size_t n)
{
    gorilla_sampler_params p;
    gorilla_sampler_params_init(&p);
    p.temperature = temp;
    p.top_k = top_k;
    p.top_p = top_p;
    p.min_p = min_p;
    p.seed = seed;
    gorilla_sampler *s = NULL;
    gorilla_error err = {0};
    if (gorilla_sampler_new(&p, n, &s, &err)) fail_msg("sampler_new: %s", err.message);
    return s;
}

static int32_t draw(gorilla_sampler *s, const float *logits, size_t n)
{
    int32_t tok = -1;
    gorilla_error err = {0};
    if (gorilla_sampler_sample(s, logits, n, &tok, &err)) fail_msg("sample: %s", err.message);
    assert_true(tok >= 0 && (size_t)tok < n);
    return tok;
}

static void test_defaults(void **state)
{
    (void)state;
    gorilla_sampler_params p;
    gorilla_sampler_params_init(&p);
    assert_true(fabsf(p.temperature - 0.8f) < 1e-6f);
    assert_int_equal(p.top_k, 40);
    assert_true(fabsf(p.top_p - 0.95f) < 1e-6f);
    assert_true(fabsf(p.min_p - 0.05f) < 1e-6f);
    assert_true(p.repeat_penalty == 1.0f);
    assert_int_equal(p.repeat_last_n, 64);
}

static void test_greedy(void **state)
{
    (void)state;
    const float lg[] = {1.0f, 3.0f, 2.0f, 3.0f, -INFINITY, NAN};
    gorilla_sampler *s = make(0.0f, 0, 1.0f, 0.0f, 1, 6);
    /* ties go to the lower id; NaN never wins */
    for (int i = 0; i < 5; i++) assert_int_equal(draw(s, lg, 6), 1);
    gorilla_sampler_free(s);
    s = make(-1.0f, 0, 1.0f, 0.0f, 1, 6); /* negative temperature: greedy too */
    assert_int_equal(draw(s, lg, 6), 1);
    gorilla_sampler_free(s);
}

static void test_topk1_is_greedy(void **state)
{
    (void)state;
    float lg[50];
    for (int i = 0; i < 50; i++) lg[i] = sinf((float)i * 1.7f) * 3.0f;
    size_t best = 0;
    for (size_t i = 1; i < 50; i++)
        if (lg[i] > lg[best]) best = i;
    for (uint64_t seed = 0; seed < 20; seed++) {
        gorilla_sampler *s = make(1.5f, 1, 1.0f, 0.0f, seed, 50);
        for (int k = 0; k < 10; k++) assert_int_equal(draw(s, lg, 50), (int)best);
        gorilla_sampler_free(s);
    }
}

static void test_determinism(void **state)
{
    (void)state;
    float lg[100];
    for (int i = 0; i < 100; i++) lg[i] = (float)(i % 7) * 0.3f;
    int32_t a[200], b[200], c[200];
    gorilla_sampler *s1 = make(1.0f, 0, 1.0f, 0.0f, 1234, 100);
    gorilla_sampler *s2 = make(1.0f, 0, 1.0f, 0.0f, 1234, 100);
    gorilla_sampler *s3 = make(1.0f, 0, 1.0f, 0.0f, 1235, 100);
    for (int i = 0; i < 200; i++) {
        a[i] = draw(s1, lg, 100);
        b[i] = draw(s2, lg, 100);
        c[i] = draw(s3, lg, 100);
    }
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    /* reset replays the same sequence */
    gorilla_sampler_reset(s1);
    for (int i = 0; i < 200; i++) assert_int_equal(draw(s1, lg, 100), a[i]);
    gorilla_sampler_free(s1);
    gorilla_sampler_free(s2);
    gorilla_sampler_free(s3);
    /* the PRNG itself: seed 0 is a valid, nonzero state */
    uint64_t st = gorilla_rng_seed(0);
    assert_true(st != 0);
    uint64_t x = gorilla_rng_next(&st), y = gorilla_rng_next(&st);
    assert_true(x != y);
}

/* probabilities 0.5, 0.3, 0.15, 0.05 */
static void probs_logits(float *lg)
{
    lg[0] = logf(0.5f);
    lg[1] = logf(0.3f);
    lg[2] = logf(0.15f);
    lg[3] = logf(0.05f);
}

static void histogram(gorilla_sampler *s, const float *lg, int n, int *h)
{
    for (int i = 0; i < 4; i++) h[i] = 0;
    for (int i = 0; i < n; i++) h[draw(s, lg, 4)]++;
}

static void test_distribution(void **state)
{
    (void)state;
    float lg[4];
    probs_logits(lg);
    int h[4];
    gorilla_sampler *s = make(1.0f, 0, 1.0f, 0.0f, 7, 4);
    histogram(s, lg, 20000, h);
    assert_true(fabs(h[0] / 20000.0 - 0.5) < 0.02);
    assert_true(fabs(h[1] / 20000.0 - 0.3) < 0.02);
    assert_true(fabs(h[2] / 20000.0 - 0.15) < 0.02);
    assert_true(fabs(h[3] / 20000.0 - 0.05) < 0.01);
    gorilla_sampler_free(s);
    /* temperature 0.5 squares the odds: 0.25:0.09:0.0225:0.0025 / 0.365 */
    s = make(0.5f, 0, 1.0f, 0.0f, 8, 4);
    histogram(s, lg, 20000, h);
    assert_true(fabs(h[0] / 20000.0 - 0.25 / 0.365) < 0.02);
    assert_true(fabs(h[1] / 20000.0 - 0.09 / 0.365) < 0.02);
    gorilla_sampler_free(s);
}

static void test_tiny_temperature(void **state)
{
    (void)state;
    /* logit / 1e-30 would overflow; the draw is still the argmax */
    const float lg[] = {1.0f, 3.0f, 2.9999f, -2.0f};
    gorilla_sampler *s = make(1e-30f, 0, 1.0f, 0.0f, 5, 4);
    for (int i = 0; i < 100; i++) assert_int_equal(draw(s, lg, 4), 1);
    gorilla_sampler_free(s);
    /* a huge temperature flattens the distribution: all four appear */
    s = make(1e6f, 0, 1.0f, 0.0f, 6, 4);
    int h[4];
    histogram(s, lg, 4000, h);
    for (int i = 0; i < 4; i++) assert_true(h[i] > 800);
    gorilla_sampler_free(s);
}

static void test_top_k(void **state)
{
    (void)state;
    float lg[4];
    probs_logits(lg);
    int h[4];
    gorilla_sampler *s = make(1.0f, 2, 1.0f, 0.0f, 9, 4);
    histogram(s, lg, 5000, h);
    assert_int_equal(h[2] + h[3], 0);
    /* renormalised 0.5 : 0.3 -> 0.625 */
    assert_true(fabs(h[0] / 5000.0 - 0.625) < 0.03);
    gorilla_sampler_free(s);
}

static void test_top_p(void **state)
{
    (void)state;
    float lg[4];
    probs_logits(lg);
    int h[4];
    /* 0.5 < 0.7 <= 0.8: keeps ids 0 and 1 */
    gorilla_sampler *s = make(1.0f, 0, 0.7f, 0.0f, 10, 4);
    histogram(s, lg, 5000, h);
    assert_int_equal(h[2] + h[3], 0);
    assert_true(h[0] > 0 && h[1] > 0);
    gorilla_sampler_free(s);
    /* 0.45 <= 0.5: only id 0 */
    s = make(1.0f, 0, 0.45f, 0.0f, 11, 4);
    histogram(s, lg, 1000, h);
    assert_int_equal(h[0], 1000);
    gorilla_sampler_free(s);
    /* 0.9 <= 0.95: ids 0..2 */
    s = make(1.0f, 0, 0.9f, 0.0f, 12, 4);
    histogram(s, lg, 5000, h);
    assert_int_equal(h[3], 0);
    assert_true(h[2] > 0);
    gorilla_sampler_free(s);
}

static void test_min_p(void **state)
{
    (void)state;
    float lg[4];
    probs_logits(lg);
    int h[4];
    /* min_p 0.2: keep p >= 0.1 -> ids 0, 1, 2 */
    gorilla_sampler *s = make(1.0f, 0, 1.0f, 0.2f, 13, 4);
    histogram(s, lg, 5000, h);
    assert_int_equal(h[3], 0);
    assert_true(h[2] > 0);
    gorilla_sampler_free(s);
    /* min_p 0.7: keep p >= 0.35 -> id 0 only */
    s = make(1.0f, 0, 1.0f, 0.7f, 14, 4);
    histogram(s, lg, 1000, h);
    assert_int_equal(h[0], 1000);
    gorilla_sampler_free(s);
}

static gorilla_sampler *penalty_sampler(float rp, float freq, float pres, int last_n, size_t n)
{
    gorilla_sampler_params p;
    gorilla_sampler_params_init(&p);
    p.temperature = 0;
    p.repeat_penalty = rp;
    p.frequency_penalty = freq;
    p.presence_penalty = pres;
    p.repeat_last_n = last_n;
    gorilla_sampler *s = NULL;
    assert_int_equal(gorilla_sampler_new(&p, n, &s, NULL), GORILLA_OK);
    return s;
}

static void test_repeat_penalty(void **state)
{
    (void)state;
    /* positive logits are divided: 2.0 / 1.1 = 1.8182 */
    const float a[] = {2.0f, 1.81f};
    const float b[] = {2.0f, 1.82f};
    gorilla_sampler *s = penalty_sampler(1.1f, 0, 0, 64, 2);
    assert_int_equal(draw(s, a, 2), 0); /* no history yet */
    gorilla_sampler_accept(s, 0);
    assert_int_equal(draw(s, a, 2), 0); /* 1.818 > 1.81 */
    assert_int_equal(draw(s, b, 2), 1); /* 1.818 < 1.82 */
    /* once per distinct token: accepting 0 again changes nothing */
    gorilla_sampler_accept(s, 0);
    assert_int_equal(draw(s, a, 2), 0);
    gorilla_sampler_free(s);

    /* negative logits are multiplied: -1.0 * 1.1 = -1.1 */
    const float c[] = {-1.0f, -1.09f};
    const float d[] = {-1.0f, -1.11f};
    s = penalty_sampler(1.1f, 0, 0, 64, 2);
    gorilla_sampler_accept(s, 0);
    assert_int_equal(draw(s, c, 2), 1); /* -1.1 < -1.09 */
    assert_int_equal(draw(s, d, 2), 0); /* -1.1 > -1.11 */
    gorilla_sampler_free(s);

    /* the window: only the last 2 tokens count */
    const float e[] = {2.0f, 1.9f, 0.0f, 0.0f};
    s = penalty_sampler(2.0f, 0, 0, 2, 4);
    gorilla_sampler_accept(s, 0);
    assert_int_equal(draw(s, e, 4), 1); /* 1.0 < 1.9 */
    gorilla_sampler_accept(s, 2);
    gorilla_sampler_accept(s, 3); /* 0 leaves the window */
    assert_int_equal(draw(s, e, 4), 0);
    gorilla_sampler_reset(s);
    assert_int_equal(draw(s, e, 4), 0);
    gorilla_sampler_free(s);

    /* frequency and presence: 2.0 - 2 * 0.3 - 0.1 = 1.3 */
    const float f[] = {2.0f, 1.29f};
    const float g[] = {2.0f, 1.31f};
    s = penalty_sampler(1.0f, 0.3f, 0.1f, 64, 2);
    gorilla_sampler_accept(s, 0);
    gorilla_sampler_accept(s, 0);
    assert_int_equal(draw(s, f, 2), 0);
    assert_int_equal(draw(s, g, 2), 1);
    gorilla_sampler_free(s);
}

static void test_bad_params(void **state)
{
    (void)state;
    gorilla_sampler_params p;
    gorilla_sampler_params_init(&p);
    gorilla_sampler *s = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_sampler_new(&p, 0, &s, &err), GORILLA_ERR_INVALID);
    assert_null(s);
    p.repeat_penalty = 0;
    assert_int_equal(gorilla_sampler_new(&p, 10, &s, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "repeat penalty"));
    gorilla_sampler_params_init(&p);
    p.temperature = NAN;
    assert_int_equal(gorilla_sampler_new(&p, 10, &s, &err), GORILLA_ERR_INVALID);
    gorilla_sampler_params_init(&p);
    p.repeat_last_n = -1;
    assert_int_equal(gorilla_sampler_new(&p, 10, &s, &err), GORILLA_ERR_INVALID);
    gorilla_sampler_params_init(&p);
    assert_int_equal(gorilla_sampler_new(&p, 3, &s, &err), GORILLA_OK);
    const float lg[] = {-INFINITY, NAN, -INFINITY};
    int32_t tok;
    assert_int_equal(gorilla_sampler_sample(s, lg, 3, &tok, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "-inf"));
    assert_int_equal(gorilla_sampler_sample(s, lg, 2, &tok, &err), GORILLA_ERR_INVALID);
    /* out-of-range history tokens are ignored */
    gorilla_sampler_accept(s, -3);
    gorilla_sampler_accept(s, 99);
    const float ok[] = {0.0f, 5.0f, -INFINITY};
    assert_int_equal(gorilla_sampler_sample(s, ok, 3, &tok, &err), GORILLA_OK);
    assert_true(tok == 0 || tok == 1);
    gorilla_sampler_free(s);
    gorilla_sampler_free(NULL);
}

static void test_stop_strings(void **state)
{
    (void)state;
    const char *stops[] = {"###", "\n\n", ""};
    size_t which = 99, hold = 99;
    const char *t = "foo\n###bar";
    assert_int_equal(gorilla_stop_find(t, strlen(t), stops, 3, &which, &hold), 4);
    assert_int_equal(which, 0);
    assert_int_equal(hold, 0);
    /* the earliest wins */
    t = "a\n\nb###";
    assert_int_equal(gorilla_stop_find(t, strlen(t), stops, 3, &which, &hold), 1);
    assert_int_equal(which, 1);

    /* streamed pieces "ans" "wer#" "#" "# done": the stop straddles three */
    const char *pieces[] = {"ans", "wer#", "#", "# done"};
    const long want[] = {-1, -1, -1, 6};
    const size_t want_hold[] = {0, 1, 2, 0};
    char buf[64] = "";
    for (int i = 0; i < 4; i++) {
        strcat(buf, pieces[i]);
        hold = 99;
        assert_int_equal(gorilla_stop_find(buf, strlen(buf), stops, 3, &which, &hold), want[i]);
        assert_int_equal(hold, want_hold[i]);
    }
    /* a trailing "\n" could start "\n\n" */
    t = "line\n";
    assert_int_equal(gorilla_stop_find(t, strlen(t), stops, 3, NULL, &hold), -1);
    assert_int_equal(hold, 1);
    /* nothing to find */
    assert_int_equal(gorilla_stop_find("", 0, stops, 3, NULL, &hold), -1);
    assert_int_equal(hold, 0);
    assert_int_equal(gorilla_stop_find("abc", 3, NULL, 0, NULL, NULL), -1);
    /* a longer stop string: hold is the longest matching prefix */
    const char *s2[] = {"<|im_end|>"};
    t = "ok <|im";
    assert_int_equal(gorilla_stop_find(t, strlen(t), s2, 1, NULL, &hold), -1);
    assert_int_equal(hold, 4);
}

static void test_utf8_tail(void **state)
{
    (void)state;
    assert_int_equal(gorilla_utf8_incomplete_tail("a", 1), 0);
    assert_int_equal(gorilla_utf8_incomplete_tail("", 0), 0);
    assert_int_equal(gorilla_utf8_incomplete_tail("a\xE6", 2), 1);
    assert_int_equal(gorilla_utf8_incomplete_tail("a\xE6\x97", 3), 2);
    assert_int_equal(gorilla_utf8_incomplete_tail("\xE6\x97\xA5", 3), 0);
    assert_int_equal(gorilla_utf8_incomplete_tail("\xF0\x9F\x98", 3), 3);
    assert_int_equal(gorilla_utf8_incomplete_tail("\xF0\x9F\x98\x80", 4), 0);
    assert_int_equal(gorilla_utf8_incomplete_tail("\xC3\xA9", 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_topk1_is_greedy),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_distribution),
        cmocka_unit_test(test_tiny_temperature),
        cmocka_unit_test(test_top_k),
        cmocka_unit_test(test_top_p),
        cmocka_unit_test(test_min_p),
        cmocka_unit_test(test_repeat_penalty),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_stop_strings),
        cmocka_unit_test(test_utf8_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
