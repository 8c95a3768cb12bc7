/* test_pipeline_functions.c — `gorilla ask --functions` in the library
 * (gorilla_ask_functions): a local synthetic model (its answer is noise:
 * the prompts are checked, and that the answer is parsed and judged) and
 * an endpoint, the server's echo backend in this process (its answer is
 * the task, so the calls and warnings are known). */
#include "testutil.h"
#include "support/synth.h"

#include <jansson.h>

static const char FNS[] =
    "[{\"name\":\"get_weather\",\"description\":\"weather in a city\",\"parameters\":{\"type\":\"dict\","
    "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}},"
    "{\"name\":\"math.area\",\"parameters\":{\"type\":\"object\",\"properties\":{\"w\":{},\"h\":{}},"
    "\"required\":[\"w\",\"h\"]}}]";

static gorilla_asker *asker(const char *model, const char *endpoint, const char *template_name)
{
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[GORILLA_HUB_TORCHHUB] = "data/starter/torchhub_api.jsonl";
    o.retriever = "none";
    o.model_path = model;
    o.endpoint = endpoint;
    o.api_key_env = "GORILLA_TEST_UNSET_KEY_VAR";
    o.template_name = template_name;
    o.n_ctx = 4096;
    o.gen.max_tokens = 6;
    gorilla_asker *a = NULL;
    gorilla_error err = {0};
    if (gorilla_asker_new(&o, &a, &err)) fail_msg("%s", err.message);
    return a;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The answer's counts agree with its JSON lists and its verdict. */
static void check_consistent(const gorilla_fn_answer *r)
{
    json_t *c = json_loads(r->calls_json, 0, NULL), *w = json_loads(r->warnings_json, 0, NULL);
    assert_true(json_is_array(c) && json_is_array(w));
    assert_int_equal(json_array_size(c), r->n_calls);
    assert_int_equal(json_array_size(w), r->n_warnings);
    const char *v = gorilla_fn_answer_verdict(r);
    assert_string_equal(v, !r->n_calls ? "no_call" : r->n_warnings ? "warning" : "ok");
    json_decref(c);
    json_decref(w);
}

static void test_local_model(void **state)
{
    (void)state;
    char path[] = "/tmp/gorilla-fn-model-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.n_ctx = 4096;
    gorilla_error err = {0};
    assert_int_equal(llm_synth_write(&p, path, &err), GORILLA_OK);

    gorilla_asker *a = asker(path, NULL, "openfunctions-v2");
    gorilla_fn_answer r;
    if (gorilla_ask_functions(a, FNS, "weather in Paris", GORILLA_FN_MODE_AUTO, &r, &err)) fail_msg("%s", err.message);
    assert_string_equal(r.mode, "openfunctions-v2");
    assert_string_equal(
        r.prompt,
        "You are an AI programming assistant, utilizing the Gorilla LLM model, developed by Gorilla LLM, and you only "
        "answer questions related to computer science. For politically sensitive questions, security and privacy "
        "issues, and other non-computer science questions, you will refuse to answer.\n"
        "### Instruction: <<function>>[{\"name\": \"get_weather\", \"description\": \"weather in a city\", "
        "\"parameters\": {\"type\": \"dict\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": "
        "[\"city\"]}}, {\"name\": \"math.area\", \"parameters\": {\"type\": \"object\", \"properties\": {\"w\": {}, "
        "\"h\": {}}, \"required\": [\"w\", \"h\"]}}]\n<<question>>weather in Paris\n### Response: ");
    assert_non_null(r.text);
    check_consistent(&r);
    char *json = gorilla_fn_answer_json(a, "weather in Paris", &r);
    assert_non_null(json);
    assert_non_null(strstr(json, "{\"task\":\"weather in Paris\",\"model\":\"gorilla-fn-model-"));
    assert_non_null(strstr(json, "\"mode\":\"openfunctions-v2\",\"prompt\":\"You are an AI programming assistant"));
    free(json);
    gorilla_fn_answer_clear(&r);
    /* BFCL's default prompting system prompt, then the Gorilla chat turn */
    if (gorilla_ask_functions(a, FNS, "weather in Paris", GORILLA_FN_MODE_PROMPT, &r, &err)) fail_msg("%s", err.message);
    assert_string_equal(r.mode, "prompt");
    assert_true(starts_with(r.prompt, "You are an expert in composing functions."));
    assert_non_null(strstr(r.prompt, "\nHere is a list of functions in JSON format that you can invoke.\n[{'name': "
                                     "'get_weather', 'description': 'weather in a city', 'parameters': {'type': "
                                     "'dict', "));
    const char *end = "'required': ['w', 'h']}}]\n\n###USER: weather in Paris\n###ASSISTANT: ";
    assert_string_equal(r.prompt + strlen(r.prompt) - strlen(end), end);
    check_consistent(&r);
    gorilla_fn_answer_clear(&r);
    /* tools need an endpoint */
    assert_int_equal(gorilla_ask_functions(a, FNS, "x", GORILLA_FN_MODE_TOOLS, &r, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "tools are sent to an endpoint"));
    assert_int_equal(gorilla_ask_functions(a, FNS, "", GORILLA_FN_MODE_AUTO, &r, &err), GORILLA_ERR_INVALID);
    gorilla_asker_free(a);
    /* the file's own template (gorilla-v0 for a synthetic model): BFCL's prompt */
    a = asker(path, NULL, NULL);
    if (gorilla_ask_functions(a, FNS, "weather in Paris", GORILLA_FN_MODE_AUTO, &r, &err)) fail_msg("%s", err.message);
    assert_string_equal(r.mode, "prompt");
    assert_string_equal(r.prompt + strlen(r.prompt) - strlen(end), end);
    gorilla_fn_answer_clear(&r);
    gorilla_asker_free(a);
    /* no model: nothing to ask */
    a = asker(NULL, NULL, NULL);
    assert_int_equal(gorilla_ask_functions(a, FNS, "x", GORILLA_FN_MODE_AUTO, &r, &err), GORILLA_ERR_INVALID);
    gorilla_asker_free(a);
    unlink(path);
}

static void ask_echo(gorilla_asker *a, const char *task, gorilla_fn_mode mode, const char *want_mode,
                     const char *want_text, const char *want_calls, const char *want_warnings)
{
    gorilla_fn_answer r;
    gorilla_error err = {0};
    if (gorilla_ask_functions(a, FNS, task, mode, &r, &err)) fail_msg("%s: %s", task, err.message);
    assert_string_equal(r.mode, want_mode);
    if (strcmp(r.text, want_text) != 0) fail_msg("%s: text %s", task, r.text);
    if (strcmp(r.calls_json, want_calls) != 0) fail_msg("%s: calls\n  got  %s\n  want %s", task, r.calls_json, want_calls);
    if (strcmp(r.warnings_json, want_warnings) != 0)
        fail_msg("%s: warnings\n  got  %s\n  want %s", task, r.warnings_json, want_warnings);
    check_consistent(&r);
    gorilla_fn_answer_clear(&r);
}

static void test_endpoint_echo(void **state)
{
    (void)state;
    gorilla_backend be;
    gorilla_backend_echo(&be);
    gorilla_server_opts so;
    gorilla_server_opts_init(&so);
    so.port = 0;
    gorilla_server *s = NULL;
    gorilla_error err = {0};
    if (gorilla_server_start(&so, &be, &s, &err)) fail_msg("start: %s", err.message);
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/v1", gorilla_server_port(s));
    gorilla_asker *a = asker(NULL, base, NULL);

    /* tools: the server turns the echoed call into tool_calls (math_area,
     * the name sent); the asker names it math.area again and checks it */
    ask_echo(a, "[math_area(w=2, h=3, d=1)]", GORILLA_FN_MODE_AUTO, "tools", "",
             "[{\"name\":\"math.area\",\"arguments\":{\"w\":2,\"h\":3,\"d\":1}}]",
             "[{\"kind\":\"unexpected_argument\",\"call\":1,\"name\":\"math.area\",\"argument\":\"d\",\"message\":"
             "\"call 1: math.area has no parameter 'd'\"}]");
    /* not an offered function: the server answers text, which is parsed */
    ask_echo(a, "[volume(x=1), get_weather()]", GORILLA_FN_MODE_TOOLS, "tools", "[volume(x=1), get_weather()]",
             "[{\"name\":\"volume\",\"arguments\":{\"x\":1}},{\"name\":\"get_weather\",\"arguments\":{}}]",
             "[{\"kind\":\"unknown_function\",\"call\":1,\"name\":\"volume\",\"message\":\"call 1: 'volume' is not one "
             "of the given functions\"},{\"kind\":\"missing_required\",\"call\":2,\"name\":\"get_weather\",\"argument\":"
             "\"city\",\"message\":\"call 2: get_weather needs the argument 'city'\"}]");
    ask_echo(a, "no call here", GORILLA_FN_MODE_AUTO, "tools", "no call here", "[]", "[]");
    /* BFCL's default prompt as the system message */
    ask_echo(a, "get_weather(city='Paris')", GORILLA_FN_MODE_PROMPT, "prompt", "get_weather(city='Paris')",
             "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]", "[]");
    gorilla_fn_answer r;
    if (gorilla_ask_functions(a, FNS, "x", GORILLA_FN_MODE_PROMPT, &r, &err)) fail_msg("%s", err.message);
    assert_true(starts_with(r.prompt, "[{\"role\":\"system\",\"content\":\"You are an expert in composing functions."));
    assert_non_null(strstr(r.prompt, "\"},{\"role\":\"user\",\"content\":\"x\"}]"));
    char *json = gorilla_fn_answer_json(a, "x", &r);
    assert_non_null(strstr(json, "\"text\":\"x\",\"calls\":[],\"warnings\":[],\"verdict\":\"no_call\"}"));
    free(json);
    gorilla_fn_answer_clear(&r);
    gorilla_asker_free(a);
    /* an OpenFunctions template given for an endpoint: that prompt on /completions */
    a = asker(NULL, base, "openfunctions-v1");
    if (gorilla_ask_functions(a, FNS, "weather in Paris", GORILLA_FN_MODE_AUTO, &r, &err)) fail_msg("%s", err.message);
    assert_string_equal(r.mode, "openfunctions-v1");
    assert_true(starts_with(r.prompt, "USER: <<question>> weather in Paris <<function>> [{\"name\": \"get_weather\""));
    check_consistent(&r);
    gorilla_fn_answer_clear(&r);
    gorilla_asker_free(a);
    gorilla_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_model),
        cmocka_unit_test(test_endpoint_echo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
