/* test_prompt_model_template.c — each Gorilla model's prompt, with the exact
 * strings of the Gorilla repository's inference code, and picking one from a
 * GGUF file's metadata (files written by the test). */
#include "testutil.h"
#include "llm/gguf/gguf_write.h"
#include "support/synth.h"

#define OFV2_SYSTEM                                                                                              \
    "You are an AI programming assistant, utilizing the Gorilla LLM model, developed by Gorilla LLM, and you only " \
    "answer questions related to computer science. For politically sensitive questions, security and privacy "    \
    "issues, and other non-computer science questions, you will refuse to answer."

static const char FUNCS[] = "[{\"name\": \"uber.ride\", \"description\": \"Find a ride\", \"parameters\": "
                            "[{\"name\": \"loc\", \"description\": \"location\"}]}]";
static const char QUERY[] = "Call me an Uber ride type \"Plus\" in Berkeley at zipcode 94704 in 10 minutes";

static void expect(gorilla_template t, const char *q, const char *f, const char *want)
{
    char *p = gorilla_template_apply(t, q, f);
    assert_non_null(p);
    assert_string_equal(p, want);
    free(p);
}

static void test_exact_strings(void **state)
{
    (void)state;
    /* Gorilla v0: "###USER: " + text + "\n###ASSISTANT: " */
    expect(GORILLA_TEMPLATE_GORILLA_V0, "find me an API to generate cute cat images", NULL,
           "###USER: find me an API to generate cute cat images\n###ASSISTANT: ");
    expect(GORILLA_TEMPLATE_GORILLA_V0, "classify birds", "{'api_call': 'x'}",
           "###USER: classify birds \n Use this API documentation for reference: {'api_call': 'x'}\n###ASSISTANT: ");
    /* the same as the chat template the asker has always used */
    char *chat = gorilla_prompt_gorilla_chat("q");
    char *v0 = gorilla_template_apply(GORILLA_TEMPLATE_GORILLA_V0, "q", NULL);
    assert_string_equal(chat, v0);
    free(chat);
    free(v0);
    /* OpenFunctions v1 (openfunctions/openfunctions-v1/README.md get_prompt) */
    expect(GORILLA_TEMPLATE_OPENFUNCTIONS_V1, QUERY, NULL,
           "USER: <<question>> Call me an Uber ride type \"Plus\" in Berkeley at zipcode 94704 in 10 minutes\n"
           "ASSISTANT: ");
    expect(GORILLA_TEMPLATE_OPENFUNCTIONS_V1, QUERY, FUNCS,
           "USER: <<question>> Call me an Uber ride type \"Plus\" in Berkeley at zipcode 94704 in 10 minutes "
           "<<function>> [{\"name\": \"uber.ride\", \"description\": \"Find a ride\", \"parameters\": "
           "[{\"name\": \"loc\", \"description\": \"location\"}]}]\nASSISTANT: ");
    /* OpenFunctions v2 (openfunctions/inference_local.py get_prompt) */
    expect(GORILLA_TEMPLATE_OPENFUNCTIONS_V2, "What's the weather like in Boston?", NULL,
           OFV2_SYSTEM "\n### Instruction: <<question>> What's the weather like in Boston?\n### Response: ");
    expect(GORILLA_TEMPLATE_OPENFUNCTIONS_V2, "What's the weather like in Boston?", "[{\"name\": \"get_weather\"}]",
           OFV2_SYSTEM "\n### Instruction: <<function>>[{\"name\": \"get_weather\"}]\n<<question>>What's the weather "
                       "like in Boston?\n### Response: ");
    assert_string_equal(gorilla_template_system(GORILLA_TEMPLATE_OPENFUNCTIONS_V2), OFV2_SYSTEM);
    assert_null(gorilla_template_system(GORILLA_TEMPLATE_GORILLA_V0));
    assert_null(gorilla_template_apply((gorilla_template)7, "q", NULL));
}

static void test_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int want; /* -1: unknown */
    } CASES[] = {
        {"gorilla-v0", GORILLA_TEMPLATE_GORILLA_V0},           {"gorilla", GORILLA_TEMPLATE_GORILLA_V0},
        {"openfunctions-v1", GORILLA_TEMPLATE_OPENFUNCTIONS_V1}, {"openfunctions-v0", GORILLA_TEMPLATE_OPENFUNCTIONS_V1},
        {"ofv2", GORILLA_TEMPLATE_OPENFUNCTIONS_V2},           {"openfunctions-v2", GORILLA_TEMPLATE_OPENFUNCTIONS_V2},
        {"chatml", -1},                                        {"", -1},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        gorilla_template t = GORILLA_TEMPLATE_COUNT;
        int rc = gorilla_template_parse(CASES[c].name, &t);
        if (CASES[c].want < 0) assert_int_equal(rc, -1);
        else {
            assert_int_equal(rc, 0);
            assert_int_equal(t, CASES[c].want);
        }
    }
    assert_int_equal(gorilla_template_parse(NULL, &(gorilla_template){0}), -1);
    assert_string_equal(gorilla_template_name(GORILLA_TEMPLATE_OPENFUNCTIONS_V2), "openfunctions-v2");
    assert_string_equal(gorilla_template_name((gorilla_template)9), "?");
}

static void test_detect(void **state)
{
    (void)state;
    static const struct {
        const char *key, *chat, *name;
        gorilla_template want;
        const char *source;
    } CASES[] = {
        {NULL, NULL, NULL, GORILLA_TEMPLATE_GORILLA_V0, "default"},
        {NULL, NULL, "llama-2-7b", GORILLA_TEMPLATE_GORILLA_V0, "default"},
        {NULL, NULL, "gorilla-7b-hf-v1", GORILLA_TEMPLATE_GORILLA_V0, "general.name"},
        {NULL, NULL, "gorilla-openfunctions-v1", GORILLA_TEMPLATE_OPENFUNCTIONS_V1, "general.name"},
        {NULL, NULL, "Gorilla OpenFunctions v0", GORILLA_TEMPLATE_OPENFUNCTIONS_V1, "general.name"},
        {NULL, NULL, "gorilla-llm_gorilla-openfunctions-v2", GORILLA_TEMPLATE_OPENFUNCTIONS_V2, "general.name"},
        {NULL, "{{ '### Instruction: <<function>>' }}", "gorilla", GORILLA_TEMPLATE_OPENFUNCTIONS_V2,
         "tokenizer.chat_template"},
        {NULL, "USER: <<question>> {{ q }}", NULL, GORILLA_TEMPLATE_OPENFUNCTIONS_V1, "tokenizer.chat_template"},
        {NULL, "###USER: {{ q }}", "openfunctions-v2", GORILLA_TEMPLATE_GORILLA_V0, "tokenizer.chat_template"},
        {"openfunctions-v2", "###USER:", "gorilla", GORILLA_TEMPLATE_OPENFUNCTIONS_V2, "gorilla.template"},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        gorilla_template t;
        const char *src = NULL;
        gorilla_error err = {0};
        assert_int_equal(gorilla_template_detect(CASES[c].key, CASES[c].chat, CASES[c].name, &t, &src, &err),
                         GORILLA_OK);
        if (t != CASES[c].want || strcmp(src, CASES[c].source) != 0)
            fail_msg("case %zu: %s from %s, expected %s from %s", c, gorilla_template_name(t), src,
                     gorilla_template_name(CASES[c].want), CASES[c].source);
    }
    gorilla_template t;
    gorilla_error err = {0};
    assert_int_equal(gorilla_template_detect("chatml", NULL, NULL, &t, NULL, &err), GORILLA_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "gorilla.template 'chatml' is not a known template"));
}

static char *write_gguf(const char *key, const char *value, const char *name)
{
    char *path = strdup("/tmp/gorilla-tmpl-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_str(w, "general.architecture", "llama"), 0);
    if (name) assert_int_equal(gguf_writer_str(w, "general.name", name), 0);
    if (key) assert_int_equal(gguf_writer_str(w, key, value), 0);
    gorilla_error err = {0};
    if (gguf_writer_save(w, path, NULL, NULL, &err) != GORILLA_OK) fail_msg("%s", err.message);
    gguf_writer_free(w);
    return path;
}

static void test_from_file(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value, *name;
        gorilla_template want;
        const char *source;
    } CASES[] = {
        {NULL, NULL, "gorilla-openfunctions-v2", GORILLA_TEMPLATE_OPENFUNCTIONS_V2, "general.name"},
        {"gorilla.template", "openfunctions-v1", "anything", GORILLA_TEMPLATE_OPENFUNCTIONS_V1, "gorilla.template"},
        {"tokenizer.chat_template", "<<function>>...### Instruction", NULL, GORILLA_TEMPLATE_OPENFUNCTIONS_V2,
         "tokenizer.chat_template"},
        {NULL, NULL, NULL, GORILLA_TEMPLATE_GORILLA_V0, "default"},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        char *path = write_gguf(CASES[c].key, CASES[c].value, CASES[c].name);
        gorilla_template t;
        const char *src;
        gorilla_error err = {0};
        if (gorilla_template_for_file(path, &t, &src, &err) != GORILLA_OK) fail_msg("%s", err.message);
        assert_int_equal(t, CASES[c].want);
        assert_string_equal(src, CASES[c].source);
        unlink(path);
        free(path);
    }
    /* an unknown gorilla.template value: an error naming it */
    char *path = write_gguf("gorilla.template", "alpaca", NULL);
    gorilla_template t;
    gorilla_error err = {0};
    assert_int_equal(gorilla_template_for_file(path, &t, NULL, &err), GORILLA_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "'alpaca'"));
    unlink(path);
    free(path);
    /* not a GGUF file */
    assert_int_not_equal(gorilla_template_for_file("/nonexistent.gguf", &t, NULL, &err), GORILLA_OK);
}

/* OpenFunctions answers are the call itself. */
static void test_bare_call_answers(void **state)
{
    (void)state;
    static const struct {
        const char *text, *call;
    } CASES[] = {
        {"<<function>>get_current_weather(location='Boston, MA')\nmore text", "get_current_weather(location='Boston, MA')"},
        {"  uber.ride(loc=\"berkeley\", type=\"plus\", time=10)  ", "uber.ride(loc=\"berkeley\", type=\"plus\", time=10)"},
        {"<<<domain>>>: Audio, <<<api_call>>>: torch.hub.load('a', 'b'), <<<api_provider>>>: PyTorch",
         "torch.hub.load('a', 'b')"},
        {"   \n", NULL},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        gorilla_answer a;
        gorilla_error err = {0};
        assert_int_equal(gorilla_answer_parse_call(CASES[c].text, strlen(CASES[c].text), &a, &err), GORILLA_OK);
        if (CASES[c].call) assert_string_equal(a.api_call, CASES[c].call);
        else assert_null(a.api_call);
        gorilla_answer_clear(&a);
    }
}

/* The ask pipeline with a local (synthetic) model: the template named by
 * --template, or the metadata's, frames the task and the document. */
static void test_ask_with_template(void **state)
{
    (void)state;
    char path[] = "/tmp/gorilla-tmpl-model-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.n_ctx = 4096;
    gorilla_error err = {0};
    assert_int_equal(llm_synth_write(&p, path, &err), GORILLA_OK);
    static const char DOC[] = "{\"domain\": \"Audio Separation\", \"api_call\": \"torch.hub.load(repo_or_dir='x/unmix', "
                              "model='umxhq')\", \"api_name\": \"umxhq\"}\n";
    char *api = test_write_temp(DOC, strlen(DOC));
    static const struct {
        const char *name;
        int doc_format;
        const char *head, *tail;
    } CASES[] = {
        {"openfunctions-v2", GORILLA_DOC_JSON, OFV2_SYSTEM "\n### Instruction: <<function>>[{\"domain\": \"Audio Separation\", "
                             "\"api_call\": \"torch.hub.load(repo_or_dir='x/unmix', model='umxhq')\", "
                             "\"api_name\": \"umxhq\"}]\n<<question>>separate vocals\n### Response: ", NULL},
        {"openfunctions-v1", GORILLA_DOC_JSON, "USER: <<question>> separate vocals <<function>> [{\"domain\": \"Audio Separation\", ",
         "\"api_name\": \"umxhq\"}]\nASSISTANT: "},
        /* the synthetic file's general.name: gorilla-v0; the document as json.dumps by default, as str() with repr */
        {NULL, GORILLA_DOC_JSON,
         "###USER: separate vocals \n Use this API documentation for reference: {\"domain\": \"Audio Separation\", ",
         "\"api_name\": \"umxhq\"}\n###ASSISTANT: "},
        {NULL, GORILLA_DOC_REPR,
         "###USER: separate vocals \n Use this API documentation for reference: {'domain': 'Audio Separation', ",
         "'api_name': 'umxhq'}\n###ASSISTANT: "},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        gorilla_ask_opts o;
        gorilla_ask_opts_init(&o);
        o.api_paths[GORILLA_HUB_TORCHHUB] = api;
        o.model_path = path;
        o.n_ctx = 4096;
        o.gen.max_tokens = 4;
        o.template_name = CASES[c].name;
        o.doc_format = CASES[c].doc_format;
        gorilla_asker *a = NULL;
        if (gorilla_asker_new(&o, &a, &err) != GORILLA_OK) fail_msg("%s", err.message);
        const char *src;
        gorilla_template t = gorilla_asker_template(a, &src);
        assert_string_equal(src, CASES[c].name ? "--template" : "general.name");
        if (CASES[c].name) assert_string_equal(gorilla_template_name(t), CASES[c].name);
        gorilla_ask_result r;
        if (gorilla_ask(a, "separate vocals", -1, 1, &r, &err) != GORILLA_OK) fail_msg("%s", err.message);
        assert_true(r.generated);
        if (strncmp(r.prompt, CASES[c].head, strlen(CASES[c].head)) != 0)
            fail_msg("prompt %s\n  expected to begin with %s", r.prompt, CASES[c].head);
        if (CASES[c].tail) {
            size_t pl = strlen(r.prompt), tl = strlen(CASES[c].tail);
            assert_true(pl > tl);
            assert_string_equal(r.prompt + pl - tl, CASES[c].tail);
        } else {
            assert_string_equal(r.prompt, CASES[c].head);
        }
        gorilla_ask_result_clear(&r);
        gorilla_asker_free(a);
    }
    /* an unknown --template */
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[GORILLA_HUB_TORCHHUB] = api;
    o.model_path = path;
    o.template_name = "alpaca";
    gorilla_asker *a = NULL;
    assert_int_equal(gorilla_asker_new(&o, &a, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "unknown template 'alpaca'"));
    unlink(api);
    free(api);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_strings),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_from_file),
        cmocka_unit_test(test_bare_call_answers),
        cmocka_unit_test(test_ask_with_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
