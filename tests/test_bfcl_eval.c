/* test_bfcl_eval.c — `gorilla bfcl eval` over whole result folders:
 * parity with the official score files of ../shared/bfcl (every entry's
 * verdict and error_type, the summary lines, and the files byte for byte),
 * and bad input written here (lines that are not JSON, unknown ids, mixed
 * categories, missing results). */
#include "testutil.h"

#include <jansson.h>
#include <sys/stat.h>

/* ../shared/bfcl from the project root, or $GORILLA_BFCL; NULL (and a
 * line saying so) when absent. */
static const char *bfcl_root(void)
{
    static char buf[4096];
    const char *env = getenv("GORILLA_BFCL");
    const char *root = env && *env ? env : "../shared/bfcl";
    snprintf(buf, sizeof buf, "%s/data/BFCL_v4_simple_python.json", root);
    if (access(buf, R_OK) != 0) {
        printf("[ SKIPPED  ] no BFCL data at %s (set GORILLA_BFCL)\n", root);
        return NULL;
    }
    snprintf(buf, sizeof buf, "%s", root);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return b;
}

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/gorilla-bfcl-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* id -> error_type of a score file's failure lines, and its first line. */
typedef struct {
    char *summary;
    json_t *fails; /* object id -> error_type */
} score_t;

static void load_score(const char *path, score_t *s)
{
    char *text = slurp(path, NULL);
    assert_non_null(text);
    s->fails = json_object();
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    assert_non_null(line);
    s->summary = strdup(line);
    while ((line = strtok_r(NULL, "\n", &save))) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        assert_true(json_is_false(json_object_get(o, "valid")));
        json_object_set(s->fails, json_string_value(json_object_get(o, "id")), json_object_get(o, "error_type"));
        json_decref(o);
    }
    free(text);
}

static void free_score(score_t *s)
{
    free(s->summary);
    json_decref(s->fails);
}

static void test_official_parity(void **state)
{
    (void)state;
    const char *root = bfcl_root();
    if (!root) skip();
    char data[4200], results[4200];
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(results, sizeof results, "%s/results/gpt-oss-120b/result", root);
    char *out = make_tmpdir();
    gorilla_bfcl_opts o = {.data_dir = data, .results_dir = results, .out_dir = out, .model_name = "openai_gpt-oss-120b"};
    gorilla_bfcl_report r;
    gorilla_error err = {0};
    assert_int_equal(gorilla_bfcl_eval(&o, &r, &err), GORILLA_OK);
    assert_true(r.fc);
    assert_true(r.underscore);
    size_t entries = 0, failures = 0, identical = 0;
    for (int i = 0; i < GORILLA_BFCL_N_CATEGORIES; i++) {
        const char *cat = gorilla_bfcl_category_name(i);
        char a[4400], b[4400];
        snprintf(a, sizeof a, "%s/results/gpt-oss-120b/score/BFCL_v4_%s_score.json", root, cat);
        snprintf(b, sizeof b, "%s/BFCL_v4_%s_score.json", out, cat);
        score_t off, mine;
        load_score(a, &off);
        load_score(b, &mine);
        assert_string_equal(mine.summary, off.summary);
        /* the same failed ids with the same error_type, both ways */
        assert_int_equal(json_object_size(mine.fails), json_object_size(off.fails));
        const char *id;
        json_t *t;
        json_object_foreach(off.fails, id, t) {
            json_t *m = json_object_get(mine.fails, id);
            if (!m) fprintf(stderr, "%s: %s failed officially, valid here\n", cat, id);
            assert_non_null(m);
            assert_string_equal(json_string_value(m), json_string_value(t));
        }
        assert_true(r.cat[i].evaluated);
        entries += r.cat[i].total;
        failures += json_object_size(off.fails);
        size_t la = 0, lb = 0;
        char *ta = slurp(a, &la), *tb = slurp(b, &lb);
        if (ta && tb && la == lb && memcmp(ta, tb, la) == 0) identical++;
        free(ta);
        free(tb);
        free_score(&off);
        free_score(&mine);
    }
    printf("bfcl parity: %zu entries, %zu failures, 13 summaries equal, %zu of 13 score files byte-identical\n",
           entries, failures, identical);
    assert_int_equal(entries, 3641);
    assert_int_equal(identical, 13);
    /* the leaderboard aggregates of this run */
    assert_true(r.non_live_simple > 0.64249 && r.non_live_simple < 0.64251); /* (0.8675 + 0.56 + 0.5) / 3 */
    assert_true(r.live_ast > 0.7372 && r.live_ast < 0.7373);
    rm_rf(out);
    free(out);
}

static void test_strict_mode(void **state)
{
    (void)state;
    const char *root = bfcl_root();
    if (!root) skip();
    char data[4200], results[4200];
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(results, sizeof results, "%s/results/gpt-oss-120b", root); /* the result/ sub-folder is found */
    gorilla_bfcl_opts o = {.data_dir = data, .results_dir = results, .strict = 1};
    gorilla_bfcl_report r;
    gorilla_error err = {0};
    assert_int_equal(gorilla_bfcl_eval(&o, &r, &err), GORILLA_OK);
    /* the inference-error text of live_irrelevance_292-72-1 is no abstention under --strict */
    assert_int_equal(r.cat[11].correct, 720);
    assert_int_equal(r.cat[6].correct, 209);
    assert_int_equal(r.cat[0].correct, 347);
}

/* ---------------------------------------------------------------- bad input */

static void put(const char *dir, const char *name, const char *text)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *Q0 = "{\"id\": \"simple_python_0\", \"question\": [], \"function\": [{\"name\": \"f\", \"parameters\": "
                        "{\"type\": \"dict\", \"properties\": {\"a\": {\"type\": \"integer\"}}, \"required\": [\"a\"]}}]}\n";
static const char *Q1 = "{\"id\": \"simple_python_1\", \"question\": [], \"function\": [{\"name\": \"f\", \"parameters\": "
                        "{\"type\": \"dict\", \"properties\": {\"a\": {\"type\": \"integer\"}}, \"required\": [\"a\"]}}]}\n";

static void fixture(char **data, char **res)
{
    *data = make_tmpdir();
    *res = make_tmpdir();
    char pa[4400];
    snprintf(pa, sizeof pa, "%s/possible_answer", *data);
    assert_int_equal(mkdir(pa, 0777), 0);
    char q[2048];
    snprintf(q, sizeof q, "%s%s", Q0, Q1);
    put(*data, "BFCL_v4_simple_python.json", q);
    put(*data, "possible_answer/BFCL_v4_simple_python.json",
        "{\"id\": \"simple_python_0\", \"ground_truth\": [{\"f\": {\"a\": [1]}}]}\n"
        "{\"id\": \"simple_python_1\", \"ground_truth\": [{\"f\": {\"a\": [2]}}]}\n");
}

static gorilla_status run(const char *data, const char *res, gorilla_error *err, gorilla_bfcl_report *r)
{
    gorilla_bfcl_opts o = {.data_dir = data, .results_dir = res};
    memset(err, 0, sizeof *err);
    return gorilla_bfcl_eval(&o, r, err);
}

static void test_bad_input(void **state)
{
    (void)state;
    char *data, *res;
    fixture(&data, &res);
    gorilla_bfcl_report r;
    gorilla_error err;

    /* good: one right, one wrong (arguments not JSON: a failed verdict, not an error) */
    put(res, "BFCL_v4_simple_python_result.json",
        "{\"id\": \"simple_python_1\", \"result\": [{\"f\": \"{\\\"a\\\": \"}]}\n"
        "{\"id\": \"simple_python_0\", \"result\": [{\"f\": \"{\\\"a\\\": 1}\"}]}\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_OK);
    assert_int_equal(r.cat[0].correct, 1);
    assert_int_equal(r.cat[0].total, 2);

    /* a line that is not JSON: the file and line */
    put(res, "BFCL_v4_simple_python_result.json",
        "{\"id\": \"simple_python_0\", \"result\": []}\n{\"id\": \"simple_python_1\", \"result\": [}\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "BFCL_v4_simple_python_result.json:2: not JSON"));

    /* an id not in the data */
    put(res, "BFCL_v4_simple_python_result.json",
        "{\"id\": \"simple_python_0\", \"result\": []}\n{\"id\": \"simple_python_7\", \"result\": []}\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "\"simple_python_7\" is not in the data"));

    /* categories mixed in one file */
    put(res, "BFCL_v4_simple_python_result.json",
        "{\"id\": \"simple_python_0\", \"result\": []}\n{\"id\": \"multiple_1\", \"result\": []}\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "categories mixed in one file"));

    /* a data entry without a result, an id twice */
    put(res, "BFCL_v4_simple_python_result.json", "{\"id\": \"simple_python_0\", \"result\": []}\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "1 of the 2 entries of simple_python have no result"));
    put(res, "BFCL_v4_simple_python_result.json",
        "{\"id\": \"simple_python_0\", \"result\": []}\n{\"id\": \"simple_python_0\", \"result\": []}\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "appears twice"));

    /* not an object with an id */
    put(res, "BFCL_v4_simple_python_result.json", "[1, 2]\n");
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_INVALID);

    /* no result files at all; an unknown category */
    rm_rf(res);
    assert_int_equal(mkdir(res, 0777), 0);
    assert_int_equal(run(data, res, &err, &r), GORILLA_ERR_NOT_FOUND);
    const char *bad[] = {"simple_cobol"};
    gorilla_bfcl_opts o = {.data_dir = data, .results_dir = res, .categories = bad, .n_categories = 1};
    assert_int_equal(gorilla_bfcl_eval(&o, &r, &err), GORILLA_ERR_INVALID);
    rm_rf(data);
    rm_rf(res);
    free(data);
    free(res);
}

static void test_cli(void **state)
{
    (void)state;
    const char *bin = getenv("GORILLA_BIN");
    if (!bin || !*bin) bin = "build/release/gorilla";
    if (access(bin, X_OK) != 0) {
        printf("[ SKIPPED  ] no gorilla binary at %s (set GORILLA_BIN)\n", bin);
        skip();
    }
    char *data, *res;
    fixture(&data, &res);
    put(res, "BFCL_v4_simple_python_result.json",
        "{\"id\": \"simple_python_0\", \"result\": \"[f(a=1)]\"}\n{\"id\": \"simple_python_1\", \"result\": \"f(a=3)\"}\n");
    char cmd[9000], out[4200];
    snprintf(out, sizeof out, "%s/score", res);
    snprintf(cmd, sizeof cmd, "%s bfcl eval --data %s --results %s --out %s --json > %s/o.json", bin, data, res, out,
             res);
    assert_int_equal(system(cmd), 0);
    char p[4800];
    snprintf(p, sizeof p, "%s/o.json", res);
    char *j = slurp(p, NULL);
    assert_non_null(strstr(j, "\"format\": \"prompt\""));
    assert_non_null(strstr(j, "\"simple_python\": {\"accuracy\": 0.5, \"correct_count\": 1, \"total_count\": 2}"));
    free(j);
    snprintf(p, sizeof p, "%s/BFCL_v4_simple_python_score.json", out);
    char *s = slurp(p, NULL);
    assert_non_null(s);
    assert_non_null(strstr(s, "{\"accuracy\": 0.5, \"correct_count\": 1, \"total_count\": 2}\n"));
    assert_non_null(strstr(s, "\"error_type\": \"value_error:others\""));
    free(s);
    snprintf(cmd, sizeof cmd, "%s bfcl eval --data %s 2>/dev/null", bin, data);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    rm_rf(data);
    rm_rf(res);
    free(data);
    free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_official_parity),
        cmocka_unit_test(test_strict_mode),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
