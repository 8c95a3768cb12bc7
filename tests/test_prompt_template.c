/* test_prompt_template.c — the Gorilla chat template, the document
 * separator of the published question files, and the evaluation prompt. */
#include "testutil.h"

static void test_gorilla_chat(void **state)
{
    (void)state;
    char *p = gorilla_prompt_gorilla_chat("find me an API to generate cute cat images");
    assert_string_equal(p, "###USER: find me an API to generate cute cat images\n###ASSISTANT: ");
    free(p);
    char *q = gorilla_prompt_with_doc("classify birds", "{'api_call': 'x'}");
    assert_string_equal(q, "classify birds \n Use this API documentation for reference: {'api_call': 'x'}");
    free(q);
    q = gorilla_prompt_with_doc("classify birds", NULL);
    assert_string_equal(q, "classify birds");
    free(q);
    p = gorilla_prompt_gorilla_chat(NULL);
    assert_string_equal(p, "###USER: \n###ASSISTANT: ");
    free(p);
}

static void test_eval_prompt(void **state)
{
    (void)state;
    const char *api = "{\"domain\": \"Classification\", \"api_call\": \"a()\"}\n"
                      "{\"domain\": \"Audio Separation\", \"api_call\": \"b()\"}\n"
                      "{\"domain\": \"Classification\", \"api_call\": \"c()\"}\n"
                      "{\"api_call\": \"d()\"}\n";
    gorilla_store *st;
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load_buffer("api", api, strlen(api), &st, &err), GORILLA_OK);
    char **doms;
    size_t n;
    assert_int_equal(gorilla_store_domains(st, &doms, &n, &err), GORILLA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(doms[0], "Classification");
    assert_string_equal(doms[1], "Audio Separation");
    char *u = gorilla_prompt_eval_user(GORILLA_HUB_TORCHHUB, "Separate vocals.", (const char *const *)doms, n);
    assert_non_null(strstr(u, "Separate vocals.\nWrite a python program in 1 to 2 lines to call API in torchhub."));
    assert_non_null(strstr(u, "<<<domain>>> $DOMAIN, <<<api_call>>>: $API_CALL, <<<api_provider>>>: $API_PROVIDER, "
                              "<<<explanation>>>: $EXPLANATION, <<<code>>>: $CODE}"));
    assert_non_null(strstr(u, "one of {Classification, Audio Separation}."));
    assert_string_equal(gorilla_prompt_eval_system(),
                        "You are a helpful API writer who can write APIs based on requirements.");
    free(u);
    gorilla_strings_free(doms, n);
    gorilla_strings_free(NULL, 0);
    gorilla_store_free(st);
}

/* The published bm25 questions are the 0_shot question, the separator, and
 * the document: the separator is the one the template uses. */
static void test_published_separator(void **state)
{
    (void)state;
    const char *root = test_data_root("published question separator");
    if (!root) skip();
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        char p0[4096], pb[4096];
        gorilla_error err = {0};
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_QUESTIONS, NULL, "0_shot", p0,
                                           sizeof p0, &err), GORILLA_OK);
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_QUESTIONS, NULL, "bm25", pb,
                                           sizeof pb, &err), GORILLA_OK);
        gorilla_records *z, *b;
        assert_int_equal(gorilla_records_load(p0, &z, &err), GORILLA_OK);
        assert_int_equal(gorilla_records_load(pb, &b, &err), GORILLA_OK);
        assert_int_equal(gorilla_records_count(z), gorilla_records_count(b));
        for (size_t i = 0; i < gorilla_records_count(z); i++) {
            char *want = gorilla_prompt_with_doc(gorilla_records_text(z, i), "");
            assert_memory_equal(gorilla_records_text(b, i), want, strlen(want));
            free(want);
        }
        gorilla_records_free(z);
        gorilla_records_free(b);
        /* the hub's domains come from its documents */
        char api[4096];
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_API, NULL, NULL, api, sizeof api, &err),
                         GORILLA_OK);
        gorilla_store *st;
        assert_int_equal(gorilla_store_load(api, &st, &err), GORILLA_OK);
        char **doms;
        size_t n;
        assert_int_equal(gorilla_store_domains(st, &doms, &n, &err), GORILLA_OK);
        assert_true(n >= 5);
        gorilla_strings_free(doms, n);
        gorilla_store_free(st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gorilla_chat),
        cmocka_unit_test(test_eval_prompt),
        cmocka_unit_test(test_published_separator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
