/* test_eval_apibench.c — integration: the evaluator's verdicts against the
 * reference verdicts of the published evaluator, on the released Gorilla
 * responses in $GORILLA_DATA (skipped, and said so, when it is absent). */
#include "testutil.h"
#include <jansson.h>

static const char *const SETTINGS[] = {"0_shot", "bm25", "gpt_index", "oracle"};

typedef struct {
    size_t total, agree, clean_total, clean_agree;
} agreement;

/* Judges one response file and compares with reference/verdicts/<file>. */
static void compare_file(const char *root, gorilla_hub hub, const char *setting, gorilla_matcher *m,
                         const gorilla_pairs *pairs, agreement *a)
{
    char resp[4096], ref[4096];
    gorilla_error err = {0};
    assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_RESPONSES, "Gorilla_FT", setting, resp, sizeof resp, &err), GORILLA_OK);
    snprintf(ref, sizeof ref, "%s/reference/verdicts/%s_FT_%s.jsonl", root, gorilla_hub_short(hub), setting);
    gorilla_records *recs;
    if (gorilla_records_load(resp, &recs, &err) != GORILLA_OK) fail_msg("%s", err.message);
    size_t n = gorilla_records_count(recs);
    gorilla_verdict *v = calloc(n, sizeof *v);
    gorilla_tally t;
    assert_int_equal(gorilla_eval_records(m, pairs, recs, resp, v, &t, &err), GORILLA_OK);

    FILE *f = fopen(ref, "r");
    if (!f) fail_msg("cannot open %s", ref);
    char *line = NULL;
    size_t cap = 0, i = 0, diff = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        assert_true(i < n);
        assert_int_equal(json_integer_value(json_object_get(o, "question_id")), gorilla_records_question_id(recs, i));
        const char *verdict = json_string_value(json_object_get(o, "verdict"));
        long idx = (long)json_integer_value(json_object_get(o, "api_index"));
        const char *parse = json_string_value(json_object_get(o, "candidate_parse"));
        int same = strcmp(verdict, gorilla_verdict_name(v[i].verdict)) == 0 && idx == v[i].api_index;
        int clean = strcmp(parse, "error") != 0;
        a->total++;
        a->agree += same;
        a->clean_total += clean;
        a->clean_agree += same && clean;
        if (!same) {
            diff++;
            if (clean) printf("  DIFFER (clean parse) %s q%ld: reference %s/%ld, ours %s/%ld\n", ref,
                              gorilla_records_question_id(recs, i), verdict, idx,
                              gorilla_verdict_name(v[i].verdict), v[i].api_index);
        }
        json_decref(o);
        i++;
    }
    free(line);
    fclose(f);
    assert_int_equal(i, n);
    printf("  %s_FT_%s: %zu responses, %zu differ (all on candidates with parse errors)\n",
           gorilla_hub_short(hub), setting, n, diff);
    free(v);
    gorilla_records_free(recs);
}

static void load_hub(const char *root, gorilla_hub hub, gorilla_match_mode mode, gorilla_store **s,
                     gorilla_pairs **p, gorilla_matcher **m)
{
    char path[4096];
    gorilla_error err = {0};
    assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_API, NULL, NULL, path, sizeof path, &err), GORILLA_OK);
    if (gorilla_store_load(path, s, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_EVAL, NULL, NULL, path, sizeof path, &err), GORILLA_OK);
    if (gorilla_pairs_load(path, p, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(gorilla_matcher_new(*s, hub, mode, m, &err), GORILLA_OK);
}

static void test_reference_verdicts(void **state)
{
    (void)state;
    const char *root = test_data_root("reference verdicts");
    if (!root) skip();
    agreement a = {0};
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        gorilla_store *s;
        gorilla_pairs *p;
        gorilla_matcher *m;
        load_hub(root, (gorilla_hub)h, GORILLA_MATCH_COMPATIBLE, &s, &p, &m);
        for (size_t k = 0; k < 4; k++) compare_file(root, (gorilla_hub)h, SETTINGS[k], m, p, &a);
        gorilla_matcher_free(m);
        gorilla_pairs_free(p);
        gorilla_store_free(s);
    }
    printf("  agreement: %zu/%zu (%.2f%%); clean or no candidate: %zu/%zu\n", a.agree, a.total,
           100.0 * (double)a.agree / (double)a.total, a.clean_agree, a.clean_total);
    assert_int_equal(a.clean_agree, a.clean_total);
    assert_true(a.agree * 1000 >= a.total * 995);
    assert_int_equal(a.total, 4 * (186 + 904 + 685));
}

/* The paper's TensorFlow Hub RT accuracies (see the data README). */
static void test_tensorflow_rt_paper_numbers(void **state)
{
    (void)state;
    const char *root = test_data_root("TensorFlow Hub RT accuracies");
    if (!root) skip();
    gorilla_store *s;
    gorilla_pairs *p;
    gorilla_matcher *m;
    load_hub(root, GORILLA_HUB_TENSORFLOWHUB, GORILLA_MATCH_COMPATIBLE, &s, &p, &m);
    const char *settings[] = {"bm25", "gpt_index", "oracle"};
    const double paper[] = {41.89, 64.96, 94.16};
    for (size_t k = 0; k < 3; k++) {
        char path[4096];
        gorilla_error err = {0};
        assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TENSORFLOWHUB, GORILLA_FILE_RESPONSES, "Gorilla_RT",
                                           settings[k], path, sizeof path, &err), GORILLA_OK);
        gorilla_records *r;
        if (gorilla_records_load(path, &r, &err) != GORILLA_OK) fail_msg("%s", err.message);
        size_t n = gorilla_records_count(r);
        gorilla_verdict *v = calloc(n, sizeof *v);
        gorilla_tally t;
        assert_int_equal(gorilla_eval_records(m, p, r, path, v, &t, &err), GORILLA_OK);
        double acc = 100.0 * (double)t.correct / (double)t.total;
        printf("  tensorflowhub RT %s: accuracy %.2f (paper %.2f)\n", settings[k], acc, paper[k]);
        assert_true(acc > paper[k] - 0.01 && acc < paper[k] + 0.01);
        free(v);
        gorilla_records_free(r);
    }
    gorilla_matcher_free(m);
    gorilla_pairs_free(p);
    gorilla_store_free(s);
}

/* Strict mode runs over every released file and is never more lenient on
 * hallucination than it should be: a strict match is always a real call. */
static void test_strict_mode_runs(void **state)
{
    (void)state;
    const char *root = test_data_root("strict mode");
    if (!root) skip();
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        gorilla_store *s;
        gorilla_pairs *p;
        gorilla_matcher *m;
        load_hub(root, (gorilla_hub)h, GORILLA_MATCH_STRICT, &s, &p, &m);
        char path[4096];
        gorilla_error err = {0};
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_RESPONSES, "Gorilla_RT", "oracle", path,
                                           sizeof path, &err), GORILLA_OK);
        gorilla_records *r;
        if (gorilla_records_load(path, &r, &err) != GORILLA_OK) fail_msg("%s", err.message);
        size_t n = gorilla_records_count(r);
        gorilla_verdict *v = calloc(n, sizeof *v);
        gorilla_tally t;
        assert_int_equal(gorilla_eval_records(m, p, r, path, v, &t, &err), GORILLA_OK);
        printf("  strict %s RT oracle: accuracy %.2f%%\n", gorilla_hub_name((gorilla_hub)h),
               100.0 * (double)t.correct / (double)t.total);
        assert_true(t.correct > t.total / 2); /* oracle responses are mostly right */
        for (size_t i = 0; i < n; i++) {
            if (v[i].api_index < 0) continue;
            const char *name = gorilla_store_field(s, (size_t)v[i].api_index, "api_call");
            assert_non_null(name);
        }
        free(v);
        gorilla_records_free(r);
        gorilla_matcher_free(m);
        gorilla_pairs_free(p);
        gorilla_store_free(s);
    }
}

/* The parallel, memoized batch gives the same verdicts as judging each
 * file alone, response by response. */
static void test_batch_equals_single(void **state)
{
    (void)state;
    const char *root = test_data_root("batch evaluation");
    if (!root) skip();
    static char api[GORILLA_HUB_COUNT][4096], ev[GORILLA_HUB_COUNT][4096], resp[GORILLA_HUB_COUNT * 4][4096];
    const char *api_paths[GORILLA_HUB_COUNT] = {0}, *eval_paths[GORILLA_HUB_COUNT] = {0};
    gorilla_eval_job jobs[GORILLA_HUB_COUNT * 4];
    gorilla_error err = {0};
    memset(jobs, 0, sizeof jobs);
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_API, NULL, NULL, api[h], 4096, &err), GORILLA_OK);
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_EVAL, NULL, NULL, ev[h], 4096, &err), GORILLA_OK);
        api_paths[h] = api[h];
        eval_paths[h] = ev[h];
        for (int k = 0; k < 4; k++) {
            int j = h * 4 + k;
            assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_RESPONSES, "Gorilla_RT", SETTINGS[k],
                                               resp[j], 4096, &err), GORILLA_OK);
            jobs[j].path = resp[j];
            jobs[j].hub = (gorilla_hub)h;
        }
    }
    assert_int_equal(gorilla_eval_batch(api_paths, eval_paths, GORILLA_MATCH_COMPATIBLE, jobs, 12, 2, &err), GORILLA_OK);
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        gorilla_store *s;
        gorilla_pairs *p;
        gorilla_matcher *m;
        load_hub(root, (gorilla_hub)h, GORILLA_MATCH_COMPATIBLE, &s, &p, &m);
        for (int k = 0; k < 4; k++) {
            gorilla_eval_job *j = &jobs[h * 4 + k];
            gorilla_records *r;
            assert_int_equal(gorilla_records_load(j->path, &r, &err), GORILLA_OK);
            size_t n = gorilla_records_count(r);
            assert_int_equal(n, j->n);
            gorilla_verdict *v = calloc(n, sizeof *v);
            gorilla_tally t;
            assert_int_equal(gorilla_eval_records(m, p, r, j->path, v, &t, &err), GORILLA_OK);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(v[i].verdict, j->verdicts[i].verdict);
                assert_int_equal(v[i].api_index, j->verdicts[i].api_index);
                assert_int_equal(gorilla_records_question_id(r, i), j->question_ids[i]);
            }
            assert_int_equal(t.correct, j->tally.correct);
            assert_int_equal(t.hallucination, j->tally.hallucination);
            free(v);
            gorilla_records_free(r);
            gorilla_eval_job_clear(j);
        }
        gorilla_matcher_free(m);
        gorilla_pairs_free(p);
        gorilla_store_free(s);
    }
}

/* A bad file in a batch: a clear error naming it, nothing leaked. */
static void test_batch_bad_file(void **state)
{
    (void)state;
    const char docs[] = "{\"domain\": \"D\", \"api_call\": \"f(x='a')\"}\n";
    const char pairs[] = "{\"code\": \"c\", \"api_data\": {\"domain\": \"D\"}}\n";
    const char good[] = "{\"question_id\": 1, \"text\": \"api_call: f(x='a')\"}\n";
    const char bad[] = "{\"question_id\": 1, \"text\": \"x\"}\n{\"question_id\": 9, \"text\": \"y\"}\n";
    char *dp = test_write_temp(docs, strlen(docs)), *pp = test_write_temp(pairs, strlen(pairs));
    char *gp = test_write_temp(good, strlen(good)), *bp = test_write_temp(bad, strlen(bad));
    const char *api_paths[GORILLA_HUB_COUNT] = {NULL, dp, NULL}, *eval_paths[GORILLA_HUB_COUNT] = {NULL, pp, NULL};
    gorilla_eval_job jobs[2];
    memset(jobs, 0, sizeof jobs);
    jobs[0].path = gp;
    jobs[0].hub = GORILLA_HUB_HUGGINGFACE;
    jobs[1].path = bp;
    jobs[1].hub = GORILLA_HUB_HUGGINGFACE;
    gorilla_error err = {0};
    assert_int_equal(gorilla_eval_batch(api_paths, eval_paths, GORILLA_MATCH_COMPATIBLE, jobs, 1, 2, &err), GORILLA_OK);
    assert_int_equal(jobs[0].tally.correct, 1);
    assert_int_equal(gorilla_eval_batch(api_paths, eval_paths, GORILLA_MATCH_COMPATIBLE, jobs, 2, 2, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, ":2: question_id 9 is out of range"));
    assert_null(jobs[0].verdicts);
    /* a hub without files */
    jobs[0].hub = GORILLA_HUB_TORCHHUB;
    assert_int_equal(gorilla_eval_batch(api_paths, eval_paths, GORILLA_MATCH_COMPATIBLE, jobs, 1, 2, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "no API or eval file given for hub torchhub"));
    for (char **p = (char *[]){dp, pp, gp, bp, NULL}; *p; p++) {
        unlink(*p);
        free(*p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_verdicts),
        cmocka_unit_test(test_tensorflow_rt_paper_numbers),
        cmocka_unit_test(test_strict_mode_runs),
        cmocka_unit_test(test_batch_equals_single),
        cmocka_unit_test(test_batch_bad_file),
    };
    return cmocka_run_group_tests_name("eval on APIBench", tests, NULL, NULL);
}
