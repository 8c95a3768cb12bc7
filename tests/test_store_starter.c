/* test_store_starter.c — the starter API store (data/starter): every line
 * parses, required fields are present, each api_call parses and the
 * evaluator's matcher finds the document by its own call, no duplicate
 * api_call within a hub. */
#include "testutil.h"

#ifndef STARTER_DIR
#define STARTER_DIR "data/starter"
#endif

static const char *const REQUIRED[] = {"domain", "framework", "functionality", "api_name", "api_call", "description"};
static const char *const PRESENT[] = {"api_arguments", "python_environment_requirements", "example_code", "performance"};

static void check_hub(gorilla_hub hub, size_t min_docs)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s_api.jsonl", STARTER_DIR, gorilla_hub_name(hub));
    gorilla_store *st = NULL;
    gorilla_error err = {0};
    gorilla_status s = gorilla_store_load(path, &st, &err);
    if (s != GORILLA_OK) fail_msg("%s", err.message);
    size_t n = gorilla_store_count(st);
    printf("%s: %zu API documents\n", path, n);
    assert_true(n >= min_docs);
    gorilla_matcher *m = NULL;
    assert_int_equal(gorilla_matcher_new(st, hub, GORILLA_MATCH_COMPATIBLE, &m, &err), GORILLA_OK);
    for (size_t i = 0; i < n; i++) {
        for (size_t f = 0; f < sizeof REQUIRED / sizeof REQUIRED[0]; f++) {
            const char *v = gorilla_store_field(st, i, REQUIRED[f]);
            if (!v || !*v) fail_msg("%s:%zu: missing %s", path, i + 1, REQUIRED[f]);
        }
        char *json = gorilla_store_doc_json(st, i);
        assert_non_null(json);
        for (size_t f = 0; f < sizeof PRESENT / sizeof PRESENT[0]; f++) {
            char key[64];
            snprintf(key, sizeof key, "\"%s\":", PRESENT[f]);
            if (!strstr(json, key)) fail_msg("%s:%zu: missing %s", path, i + 1, PRESENT[f]);
        }
        free(json);
        const char *call = gorilla_store_field(st, i, "api_call");
        gorilla_parse_kind pk;
        long found = gorilla_matcher_find(m, call, strlen(call), &pk);
        if (pk != GORILLA_PARSE_CLEAN) fail_msg("%s:%zu: api_call does not parse: %s", path, i + 1, call);
        if (found != (long)i)
            fail_msg("%s:%zu: the matcher finds document %ld for its own call %s", path, i + 1, found + 1, call);
        for (size_t j = 0; j < i; j++)
            if (strcmp(call, gorilla_store_field(st, j, "api_call")) == 0)
                fail_msg("%s:%zu: duplicate api_call of line %zu", path, i + 1, j + 1);
    }
    gorilla_matcher_free(m);
    gorilla_store_free(st);
}

static void test_torchhub(void **state)
{
    (void)state;
    check_hub(GORILLA_HUB_TORCHHUB, 40);
}
static void test_huggingface(void **state)
{
    (void)state;
    check_hub(GORILLA_HUB_HUGGINGFACE, 60);
}
static void test_tensorflowhub(void **state)
{
    (void)state;
    check_hub(GORILLA_HUB_TENSORFLOWHUB, 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torchhub),
        cmocka_unit_test(test_huggingface),
        cmocka_unit_test(test_tensorflowhub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
