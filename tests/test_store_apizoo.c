/* test_store_apizoo.c — APIZoo documents: loading files and folders (bad
 * JSON, missing fields, wrong types: reported with file, line and column),
 * retrieval, the REST/SDK call matcher, the ask pipeline; and, when the data
 * is there, the published APIZoo folder. */
#include "testutil.h"

#include <sys/stat.h>

/* Two good entries (an SDK call and a REST call) at lines 2 and 13. */
static const char GOOD[] =
    "[\n"
    "  {\"user_name\": \"u1\", \"api_name\": \"Stripe API - Charges\",\n"
    "   \"api_call\": \"stripe.Charge.create(amount={amount}, currency={currency})\",\n"
    "   \"api_version\": \"2023-10-16\",\n"
    "   \"api_arguments\": {\"amount\": \"integer\", \"currency\": \"string\"},\n"
    "   \"functionality\": \"Charge a credit card for a payment\",\n"
    "   \"env_requirements\": [\"stripe\"],\n"
    "   \"example_code\": \"stripe.Charge.create(amount=2000, currency='usd')\",\n"
    "   \"meta_data\": {\"description\": \"Payments with Stripe\"},\n"
    "   \"questions\": [\"Charge Jenny 20 dollars\"]\n"
    "  },\n"
    "  {\n"
    "   \"api_name\": \"Zoom API - Meetings: meetingGet\", \"api_call\": \"GET /meetings/{meetingId}\",\n"
    "   \"api_version\": \"2\", \"api_arguments\": {\"meetingId\": \"the meeting\"},\n"
    "   \"functionality\": \"Retrieve the details of a video meeting\",\n"
    "   \"metadata\": {\"documentation_link\": \"https://developers.zoom.us/docs/api/\"}\n"
    "  },\n"
    "  {\"api_name\": \"Drive about\", \"api_call\": \"service.about().get().execute()\",\n"
    "   \"functionality\": \"Information about the user and the user's Drive storage\"},\n"
    "  {\"api_name\": \"Zoom user\", \"api_call\": \"GET /users/me\", \"functionality\": \"the current user\"}\n"
    "]\n";

static char *write_file(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static char *make_dir(void)
{
    char *d = strdup("/tmp/gorilla-apizoo-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void remove_dir(char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
    free(d);
}

static void test_load_file(void **state)
{
    (void)state;
    char *d = make_dir();
    char *p = write_file(d, "good.json", GOOD);
    assert_true(gorilla_store_path_is_apizoo(p));
    assert_true(gorilla_store_path_is_apizoo(d));
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    if (gorilla_store_load(p, &s, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_true(gorilla_store_is_apizoo(s));
    assert_int_equal(gorilla_store_count(s), 4);
    assert_string_equal(gorilla_store_field(s, 0, "api_name"), "Stripe API - Charges");
    assert_string_equal(gorilla_store_field(s, 1, "api_call"), "GET /meetings/{meetingId}");
    assert_int_equal(gorilla_store_skipped_count(s), 0);
    size_t files, bad_files, bad_entries;
    gorilla_store_load_counts(s, &files, &bad_files, &bad_entries);
    assert_int_equal(files, 1);
    assert_int_equal(bad_files, 0);
    assert_int_equal(bad_entries, 0);
    char *json = gorilla_store_doc_json(s, 1);
    assert_string_equal(json, "{\"api_name\":\"Zoom API - Meetings: meetingGet\",\"api_call\":\"GET /meetings/{meetingId}\","
                              "\"api_version\":\"2\",\"api_arguments\":{\"meetingId\":\"the meeting\"},"
                              "\"functionality\":\"Retrieve the details of a video meeting\","
                              "\"metadata\":{\"documentation_link\":\"https://developers.zoom.us/docs/api/\"}}");
    free(json);
    gorilla_store_free(s);
    /* the same text from memory */
    assert_int_equal(gorilla_store_load_buffer("mem.json", GOOD, strlen(GOOD), &s, &err), GORILLA_OK);
    assert_int_equal(gorilla_store_count(s), 4);
    gorilla_store_free(s);
    free(p);
    remove_dir(d);
}

/* A file given by name that is not valid JSON: an error with file:line:col. */
static void test_invalid_json_file(void **state)
{
    (void)state;
    static const char BAD[] = "[\n  {\"api_name\": \"a\", \"api_call\": \"f()\"},\n  {\"api_name\": \"b\",}\n]\n";
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load_buffer("bad.json", BAD, strlen(BAD), &s, &err), GORILLA_ERR_PARSE);
    assert_null(s);
    if (strncmp(err.message, "bad.json:3:20: not valid JSON: ", 31) != 0) fail_msg("message: %s", err.message);
    /* the last entry's missing bracket: the end of the text */
    static const char CUT[] = "[\n {\"api_name\": \"a\", \"api_call\": \"f()\"}\n";
    assert_int_equal(gorilla_store_load_buffer("cut.json", CUT, strlen(CUT), &s, &err), GORILLA_ERR_PARSE);
    if (strncmp(err.message, "cut.json:3:", 11) != 0) fail_msg("message: %s", err.message);
}

/* Missing fields and wrong types: the entry is skipped, with where and why. */
static void test_bad_entries(void **state)
{
    (void)state;
    static const char MIXED[] =
        "[\n"
        "  {\"api_name\": \"ok\", \"api_call\": \"ok.call()\"},\n"       /* line 2: entry 1 */
        "  {\"api_name\": \"no call\"},\n"                              /* 3: entry 2 */
        "  {\"api_name\": \"x\", \"api_call\": \"x()\",\n"              /* 4: entry 3 */
        "   \"api_arguments\": [\"a\", \"b\"]},\n"
        "  {\"api_name\": \"y\", \"api_call\": \"y()\", \"questions\": [\"q\", 7]},\n" /* 6: entry 4 */
        "  \"just text\",\n"                                             /* 7: entry 5 */
        "  {\"api_name\": 12, \"api_call\": \"z()\"},\n"                /* 8: entry 6 */
        "  {\"api_name\": \"e\", \"api_call\": \"\"},\n"                /* 9: entry 7 */
        "  {\"api_name\": \"n\", \"api_call\": \"n()\", \"api_arguments\": null, \"env_requirements\": null}\n"
        "]\n";
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    if (gorilla_store_load_buffer("mixed.json", MIXED, strlen(MIXED), &s, &err) != GORILLA_OK)
        fail_msg("%s", err.message);
    assert_int_equal(gorilla_store_count(s), 2);
    assert_string_equal(gorilla_store_field(s, 0, "api_name"), "ok");
    assert_string_equal(gorilla_store_field(s, 1, "api_name"), "n");
    static const char *const WANT[] = {
        "mixed.json:3: entry 2: missing \"api_call\" (entry skipped)",
        "mixed.json:4: entry 3: \"api_arguments\" should be an object, is a list (entry skipped)",
        "mixed.json:6: entry 4: \"questions\"[1] should be a string, is a number (entry skipped)",
        "mixed.json:7: entry 5: expected an object, got a string (entry skipped)",
        "mixed.json:8: entry 6: \"api_name\" should be a string, is a number (entry skipped)",
        "mixed.json:9: entry 7: \"api_call\" is empty (entry skipped)",
    };
    assert_int_equal(gorilla_store_skipped_count(s), 6);
    for (size_t i = 0; i < 6; i++) assert_string_equal(gorilla_store_skipped(s, i), WANT[i]);
    size_t files, bad_files, bad_entries;
    gorilla_store_load_counts(s, &files, &bad_files, &bad_entries);
    assert_int_equal(bad_entries, 6);
    gorilla_store_free(s);

    /* nothing valid at all: an error naming the first problem */
    static const char NONE[] = "[{\"api_name\": \"a\"}]";
    assert_int_equal(gorilla_store_load_buffer("none.json", NONE, strlen(NONE), &s, &err), GORILLA_ERR_INVALID);
    assert_string_equal(err.message,
                        "none.json: no valid APIZoo entries; first problem: none.json:1: entry 1: missing \"api_call\" "
                        "(entry skipped)");
}

/* A folder: every .json/.JSON file by name; invalid files skipped and reported. */
static void test_folder(void **state)
{
    (void)state;
    char *d = make_dir();
    char *files[5];
    files[0] = write_file(d, "b_good.json", GOOD);
    files[1] = write_file(d, "a_broken.JSON", "[\n  {\"api_name\": \"a\",\n  }\n]\n");
    files[2] = write_file(d, "c_object.json", "{\"api_name\": \"not a list\"}\n");
    files[3] = write_file(d, "README.md", "# not a document\n");
    files[4] = write_file(d, "d_one.json", "[{\"api_name\": \"one\", \"api_call\": \"POST /one\"}]");
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    if (gorilla_store_load(d, &s, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(gorilla_store_count(s), 5);
    assert_string_equal(gorilla_store_field(s, 0, "api_name"), "Stripe API - Charges"); /* b_good first */
    assert_string_equal(gorilla_store_field(s, 4, "api_name"), "one");
    size_t nf, bad_files, bad_entries;
    gorilla_store_load_counts(s, &nf, &bad_files, &bad_entries);
    assert_int_equal(nf, 2);
    assert_int_equal(bad_files, 2);
    assert_int_equal(bad_entries, 0);
    assert_int_equal(gorilla_store_skipped_count(s), 2);
    char want[1024];
    snprintf(want, sizeof want, "%s/a_broken.JSON:3:3: not valid JSON: ", d);
    if (strncmp(gorilla_store_skipped(s, 0), want, strlen(want)) != 0) fail_msg("%s", gorilla_store_skipped(s, 0));
    assert_non_null(strstr(gorilla_store_skipped(s, 0), "(file skipped)"));
    snprintf(want, sizeof want, "%s/c_object.json: a JSON list of API entries expected, got an object (file skipped)", d);
    assert_string_equal(gorilla_store_skipped(s, 1), want);
    gorilla_store_free(s);
    for (int i = 0; i < 5; i++) {
        unlink(files[i]);
        free(files[i]);
    }
    /* a folder without documents */
    assert_int_not_equal(gorilla_store_load(d, &s, &err), GORILLA_OK);
    assert_non_null(strstr(err.message, "no APIZoo documents"));
    remove_dir(d);
}

static gorilla_store *good_store(void)
{
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    if (gorilla_store_load_buffer("good.json", GOOD, strlen(GOOD), &s, &err) != GORILLA_OK)
        fail_msg("%s", err.message);
    return s;
}

static void test_matcher(void **state)
{
    (void)state;
    gorilla_store *s = good_store();
    gorilla_matcher *m = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_matcher_new(s, GORILLA_HUB_APIZOO, GORILLA_MATCH_COMPATIBLE, &m, &err), GORILLA_OK);
    static const struct {
        const char *call;
        long want;
    } CASES[] = {
        {"stripe.Charge.create(amount=2000, currency='usd')", 0},       /* SDK: values in place of placeholders */
        {"charge = stripe.Charge.create(amount=5, currency='eur')", 0}, /* an assignment in front */
        {"await stripe.Charge.create(\n  amount=5)", 0},
        {"stripe.Refund.create(charge='ch_1')", -1},                    /* not in the store */
        {"GET /meetings/85746065432", 1},                               /* REST: a placeholder segment */
        {"GET https-less text then GET /meetings/123?type=live", 1},    /* query string ignored */
        {"DELETE /meetings/123", -1},                                    /* another method */
        {"GET /meetings/123/recordings", -1},                           /* another path */
        {"GET /users/me", 3},
        {"GET /users/someone", -1},
        {"drive_service.about().get().execute()", 2}, /* another receiver name */
        {"service.about().list().execute()", -1},
        {"<<<domain>>>: Payments, <<<api_call>>>: stripe.Charge.create(amount=1), <<<api_provider>>>: Stripe", 0},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        gorilla_parse_kind pk;
        long got = gorilla_matcher_find(m, CASES[c].call, strlen(CASES[c].call), &pk);
        if (got != CASES[c].want) fail_msg("%s: document %ld, expected %ld", CASES[c].call, got, CASES[c].want);
    }
    /* verdicts: the right API name is correct, another known one an error */
    gorilla_verdict v;
    const char *answer = "<<<api_call>>>: GET /meetings/42 <<<api_provider>>>: Zoom";
    assert_int_equal(gorilla_matcher_judge(m, answer, "Zoom API - Meetings: meetingGet", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_CORRECT);
    assert_int_equal(v.api_index, 1);
    assert_int_equal(gorilla_matcher_judge(m, answer, "Stripe API - Charges", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_ERROR);
    assert_int_equal(gorilla_matcher_judge(m, "<<<api_call>>>: PUT /nowhere", "x", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_HALLUCINATION);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

static void test_retrieve_and_ask(void **state)
{
    (void)state;
    gorilla_store *s = good_store();
    gorilla_retriever *r = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_retriever_new(s, NULL, &r, &err), GORILLA_OK);
    gorilla_hit hits[3];
    size_t n = 0;
    assert_int_equal(gorilla_retriever_search(r, "charge a credit card", 3, hits, &n, &err), GORILLA_OK);
    assert_true(n >= 1);
    assert_int_equal(hits[0].api_index, 0);
    assert_int_equal(gorilla_retriever_search(r, "details of a video meeting", 3, hits, &n, &err), GORILLA_OK);
    assert_int_equal(hits[0].api_index, 1);
    gorilla_retriever_free(r);
    gorilla_store_free(s);

    /* the ask pipeline with APIZoo as a hub: retrieval, then the store check */
    char *d = make_dir();
    char *p = write_file(d, "zoo.json", GOOD);
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[GORILLA_HUB_APIZOO] = p;
    gorilla_asker *a = NULL;
    if (gorilla_asker_new(&o, &a, &err) != GORILLA_OK) fail_msg("%s", err.message);
    gorilla_ask_result res;
    assert_int_equal(gorilla_ask(a, "get the details of a zoom meeting", -1, 2, &res, &err), GORILLA_OK);
    assert_true(res.n_hits >= 1);
    assert_int_equal(res.hits[0].hub, GORILLA_HUB_APIZOO);
    assert_string_equal(res.hits[0].api_call, "GET /meetings/{meetingId}");
    char *text = gorilla_asker_task_text(a, "get the details of a zoom meeting", res.hits, res.n_hits);
    /* the best document (prompt_docs 1) as json.dumps writes it */
    assert_non_null(strstr(text, "\"api_call\": \"GET /meetings/{meetingId}\""));
    assert_null(strstr(text, "\n{")); /* one document */
    free(text);
    text = gorilla_asker_task_text_n(a, "get the details of a zoom meeting", res.hits, 2);
    assert_non_null(strstr(text, "}\n{")); /* two, one per line */
    free(text);
    o.doc_format = GORILLA_DOC_REPR;
    gorilla_asker *ar = NULL;
    if (gorilla_asker_new(&o, &ar, &err) != GORILLA_OK) fail_msg("%s", err.message);
    text = gorilla_asker_task_text(ar, "get the details of a zoom meeting", res.hits, 1);
    assert_non_null(strstr(text, "'api_call': 'GET /meetings/{meetingId}'")); /* the document as str(dict) */
    free(text);
    gorilla_asker_free(ar);
    gorilla_asker_check(a, "GET /meetings/99", -1, &res);
    assert_true(res.checked);
    assert_int_equal(res.match_hub, GORILLA_HUB_APIZOO);
    assert_int_equal(res.match_index, 1);
    assert_string_equal(res.match_api_name, "Zoom API - Meetings: meetingGet");
    gorilla_asker_check(a, "stripe.Payout.create(amount=1)", -1, &res);
    assert_int_equal(res.match_index, -1);
    gorilla_ask_result_clear(&res);
    gorilla_asker_free(a);
    free(p);
    remove_dir(d);
}

/* The published folder: $GORILLA_APIZOO, else apizoo/ beside $GORILLA_DATA. */
static const char *apizoo_root(char *buf, size_t cap)
{
    const char *z = getenv("GORILLA_APIZOO");
    if (z && *z) return z;
    const char *root = test_data_root("APIZoo folder");
    if (!root) return NULL;
    snprintf(buf, cap, "%s/../apizoo", root);
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("  skipped: no APIZoo folder at %s (set GORILLA_APIZOO)\n", buf);
        return NULL;
    }
    return buf;
}

static void test_published_folder(void **state)
{
    (void)state;
    char buf[4096];
    const char *dir = apizoo_root(buf, sizeof buf);
    if (!dir) skip();
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    if (gorilla_store_load(dir, &s, &err) != GORILLA_OK) fail_msg("%s", err.message);
    size_t files, bad_files, bad_entries;
    gorilla_store_load_counts(s, &files, &bad_files, &bad_entries);
    printf("  APIZoo: %zu documents from %zu files; skipped %zu files, %zu entries\n", gorilla_store_count(s), files,
           bad_files, bad_entries);
    /* the data README: 25 valid files (4,164 entries), four invalid ones */
    assert_int_equal(gorilla_store_count(s), 4164);
    assert_int_equal(files, 25);
    assert_int_equal(bad_files, 4);
    assert_int_equal(bad_entries, 0);
    static const char *const BAD[] = {"/Gmail_API.json:39:5: not valid JSON", "/KubernetesAPI.JSON:34:3: not valid JSON",
                                      "/KubernetesPodPodTemplateAPI.json:60:3: not valid JSON",
                                      "/Salesforce API in REST Format.JSON:76:3: not valid JSON"};
    assert_int_equal(gorilla_store_skipped_count(s), 4);
    for (size_t i = 0; i < 4; i++) {
        printf("  %s\n", gorilla_store_skipped(s, i));
        if (!strstr(gorilla_store_skipped(s, i), BAD[i])) fail_msg("%s lacks %s", gorilla_store_skipped(s, i), BAD[i]);
    }

    /* every document's own call finds a document with that same call */
    gorilla_matcher *m = NULL;
    assert_int_equal(gorilla_matcher_new(s, GORILLA_HUB_APIZOO, GORILLA_MATCH_COMPATIBLE, &m, &err), GORILLA_OK);
    size_t n = gorilla_store_count(s), same = 0;
    for (size_t i = 0; i < n; i++) {
        const char *call = gorilla_store_field(s, i, "api_call");
        long j = gorilla_matcher_find(m, call, strlen(call), NULL);
        if (j >= 0 && strcmp(gorilla_store_field(s, (size_t)j, "api_call"), call) == 0) same++;
        else if (j < 0) fail_msg("document %zu's own call matches nothing: %s", i, call);
    }
    printf("  own call -> a document with the same call: %zu/%zu (the rest: an earlier document of the same shape)\n",
           same, n);

    /* retrieval: each entry's own "questions", hit@1 and hit@5 by api_call */
    gorilla_retriever *r = NULL;
    assert_int_equal(gorilla_retriever_new(s, NULL, &r, &err), GORILLA_OK);
    size_t q = 0, hit1 = 0, hit5 = 0;
    for (size_t i = 0; i < n; i++) { /* the questions, read from the document's JSON text */
        char *json = gorilla_store_doc_json(s, i);
        const char *k = strstr(json, "\"questions\":[");
        if (k) {
            const char *p = k + strlen("\"questions\":[");
            while (*p == '"') {
                const char *e = p + 1;
                while (*e && *e != '"') e += *e == '\\' ? 2 : 1;
                char *question = strndup(p + 1, (size_t)(e - p - 1));
                gorilla_hit hits[5];
                size_t nh = 0;
                assert_int_equal(gorilla_retriever_search(r, question, 5, hits, &nh, &err), GORILLA_OK);
                const char *gold = gorilla_store_field(s, i, "api_call");
                for (size_t h = 0; h < nh; h++) {
                    if (strcmp(gorilla_store_field(s, hits[h].api_index, "api_call"), gold) == 0) {
                        hit1 += h == 0;
                        hit5++;
                        break;
                    }
                }
                q++;
                free(question);
                p = e + 1;
                if (*p == ',') p++;
            }
        }
        free(json);
    }
    printf("  retrieval on the entries' own questions: %zu questions, hit@1 %.1f%%, hit@5 %.1f%%\n", q,
           100.0 * (double)hit1 / (double)q, 100.0 * (double)hit5 / (double)q);
    assert_true(q > 1000);
    assert_true(hit5 * 2 > q); /* measured: see docs/apizoo.md */
    gorilla_retriever_free(r);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_file),   cmocka_unit_test(test_invalid_json_file),
        cmocka_unit_test(test_bad_entries), cmocka_unit_test(test_folder),
        cmocka_unit_test(test_matcher),     cmocka_unit_test(test_retrieve_and_ask),
        cmocka_unit_test(test_published_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
