/* test_prompt_functions.c — function-calling prompts (BFCL's default
 * system prompt, OpenFunctions v1/v2) and the parser of model output into
 * calls, on many output shapes; and the server's tools helpers. */
#include <jansson.h>

#include "net/tools.h"
#include "testutil.h"

/* The parsed calls of `text` as compact JSON, or NULL when not a call. */
static char *parse(const char *text)
{
    char *calls = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_fn_parse(text, strlen(text), &calls, &err);
    if (st != GORILLA_OK) {
        assert_null(calls);
        return NULL;
    }
    return calls;
}

static void expect_calls(const char *text, const char *want)
{
    char *got = parse(text);
    if (!got) fail_msg("no calls parsed from: %s", text);
    if (strcmp(got, want) != 0) fail_msg("from %s\n  got  %s\n  want %s", text, got, want);
    free(got);
}

static void expect_none(const char *text)
{
    char *got = parse(text);
    if (got) fail_msg("calls parsed from %s: %s", text, got);
}

static void test_python_calls(void **state)
{
    (void)state;
    expect_calls("[get_weather(city=\"Paris\", days=3)]", "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"days\":3}}]");
    expect_calls("get_weather(city='Paris')", "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]");
    expect_calls("  [math.factorial(number=5)]\n", "[{\"name\":\"math.factorial\",\"arguments\":{\"number\":5}}]");
    expect_calls("[f(a=1), g(b=[1, 2], c={'k': True})]",
                 "[{\"name\":\"f\",\"arguments\":{\"a\":1}},{\"name\":\"g\",\"arguments\":{\"b\":[1,2],\"c\":{\"k\":true}}}]");
    expect_calls("[f()]", "[{\"name\":\"f\",\"arguments\":{}}]");
    expect_calls("[f(x=1.5, y=None, s=\"a,b\")]", "[{\"name\":\"f\",\"arguments\":{\"x\":1.5,\"y\":null,\"s\":\"a,b\"}}]");
}

static void test_openfunctions(void **state)
{
    (void)state;
    expect_calls("<<function>>get_weather(city=\"Boston\")", "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Boston\"}}]");
    expect_calls("<<function>>f(a=1)<<function>>g(b=2)",
                 "[{\"name\":\"f\",\"arguments\":{\"a\":1}},{\"name\":\"g\",\"arguments\":{\"b\":2}}]");
    expect_calls(" <<function>>[f(a=1), g(b=2)]",
                 "[{\"name\":\"f\",\"arguments\":{\"a\":1}},{\"name\":\"g\",\"arguments\":{\"b\":2}}]");
    expect_calls("<<function>>{\"name\": \"f\", \"arguments\": {\"a\": 1}}", "[{\"name\":\"f\",\"arguments\":{\"a\":1}}]");
}

static void test_json_blocks(void **state)
{
    (void)state;
    expect_calls("{\"name\": \"f\", \"arguments\": {\"a\": 1}}", "[{\"name\":\"f\",\"arguments\":{\"a\":1}}]");
    expect_calls("{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}", "[{\"name\":\"f\",\"arguments\":{\"a\":1}}]");
    expect_calls("[{\"function\": \"f\", \"parameters\": {\"a\": \"x\"}}, {\"function\": \"g\", \"parameters\": {}}]",
                 "[{\"name\":\"f\",\"arguments\":{\"a\":\"x\"}},{\"name\":\"g\",\"arguments\":{}}]");
    expect_calls("{\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}",
                 "[{\"name\":\"f\",\"arguments\":{}}]");
    expect_calls("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_call>\n<tool_call>{\"name\": \"g\"}</tool_call>",
                 "[{\"name\":\"f\",\"arguments\":{\"a\":1}},{\"name\":\"g\",\"arguments\":{}}]");
    expect_calls("```json\n[{\"name\": \"f\", \"arguments\": {\"a\": 2}}]\n```", "[{\"name\":\"f\",\"arguments\":{\"a\":2}}]");
    expect_calls("```python\n[f(a=2)]\n```", "[{\"name\":\"f\",\"arguments\":{\"a\":2}}]");
    expect_calls("{\"tool_calls\": [{\"name\": \"f\", \"arguments\": {}}]}", "[{\"name\":\"f\",\"arguments\":{}}]");
}

static void test_not_calls(void **state)
{
    (void)state;
    const char *bad[] = {"", "   ", "I cannot help with that.", "[]", "[f(a=1", "f(a=", "{\"name\": 5}",
                         "{\"arguments\": {}}", "{\"name\": \"f\", \"arguments\": \"not json\"}", "{\"name\": \"f\", \"arguments\": [1]}",
                         "[1, 2, 3]", "[{\"name\": \"f\"}, 7]", "```", "<tool_call>", "<<function>>", "<<function>><<function>>",
                         "hello", "[hello world]", "{", "[{", "\"str\"", "null", "<tool_call>not json</tool_call>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_none(bad[i]);
    /* deep nesting and a huge argument: no crash */
    size_t n = 100000;
    char *deep = malloc(2 * n + 16);
    assert_non_null(deep);
    strcpy(deep, "f(a=");
    size_t k = 4;
    for (size_t i = 0; i < n; i++) deep[k++] = '[';
    for (size_t i = 0; i < n; i++) deep[k++] = ']';
    deep[k++] = ')';
    deep[k] = '\0';
    char *got = parse(deep);
    free(got);
    free(deep);
}

static void test_prompts(void **state)
{
    (void)state;
    const char *fns = "[{\"name\": \"f\", \"description\": \"d\", \"parameters\": {\"type\": \"dict\"}}]";
    char *sys = gorilla_fn_system_prompt(fns);
    assert_non_null(sys);
    assert_true(strncmp(sys, "You are an expert in composing functions.", 41) == 0);
    assert_non_null(strstr(sys, "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n"));
    const char *tail = "\nHere is a list of functions in JSON format that you can invoke.\n"
                       "[{'name': 'f', 'description': 'd', 'parameters': {'type': 'dict'}}]\n\n";
    assert_string_equal(sys + strlen(sys) - strlen(tail), tail);
    free(sys);
    char *p = gorilla_fn_prompt(GORILLA_TEMPLATE_OPENFUNCTIONS_V2, fns, "do f");
    assert_non_null(p);
    assert_non_null(strstr(p, "\n### Instruction: <<function>>[{\"name\": \"f\", \"description\": \"d\", \"parameters\": "
                              "{\"type\": \"dict\"}}]\n<<question>>do f\n### Response: "));
    free(p);
    p = gorilla_fn_prompt(GORILLA_TEMPLATE_OPENFUNCTIONS_V1, fns, "do f");
    assert_string_equal(p, "USER: <<question>> do f <<function>> [{\"name\": \"f\", \"description\": \"d\", \"parameters\": "
                           "{\"type\": \"dict\"}}]\nASSISTANT: ");
    free(p);
    p = gorilla_fn_prompt(GORILLA_TEMPLATE_GORILLA_V0, fns, "do f");
    assert_non_null(strstr(p, "{'type': 'dict'}}]\n\n###USER: do f\n###ASSISTANT: "));
    free(p);
}

static void test_server_tools(void **state)
{
    (void)state;
    char msg[256];
    net_tools t;
    json_t *req = json_loads("{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": "
                             "{\"type\": \"object\"}}}, {\"type\": \"function\", \"function\": {\"name\": \"g\"}}], "
                             "\"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}}", 0, NULL);
    assert_int_equal(net_tools_parse(req, &t, msg, sizeof msg), 0);
    assert_int_equal(json_array_size(t.functions), 1); /* only the named one */
    assert_true(t.required);
    json_t *calls = net_tools_calls(&t, "[g(x=1)]", 8, 7);
    assert_non_null(calls);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(calls, 0), "function"), "arguments")),
                        "{\"x\":1}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(calls, 0), "id")), "call_7_0");
    json_decref(calls);
    assert_null(net_tools_calls(&t, "[f(x=1)]", 8, 7)); /* not offered */
    net_tools_clear(&t);
    json_decref(req);
    const char *bad[] = {"{\"tools\": 3}", "{\"tools\": [{\"type\": \"function\", \"function\": {}}]}",
                         "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"a b\"}}]}",
                         "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": 1}}]}",
                         "{\"tools\": [{\"type\": \"code\"}]}", "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": \"always\"}",
                         "{\"tool_choice\": \"required\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req = json_loads(bad[i], 0, NULL);
        assert_non_null(req);
        msg[0] = '\0';
        assert_int_equal(net_tools_parse(req, &t, msg, sizeof msg), -1);
        assert_true(msg[0] != '\0');
        assert_null(t.functions);
        json_decref(req);
    }
    json_t *cmds = net_cli_commands("```bash\n1. ls -la\n$ du -sh .\n`pwd`\nls -la\n\n```", 47);
    char *s = json_dumps(cmds, JSON_COMPACT);
    assert_string_equal(s, "[\"ls -la\",\"du -sh .\",\"pwd\"]");
    free(s);
    json_decref(cmds);
}


/* gorilla_fn_docs_parse on `text`: the normalized list, or NULL with the
 * message in msg. */
static char *docs(const char *text, char *msg, size_t cap)
{
    char *out = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_fn_docs_parse(text, strlen(text), "f.json", &out, &err);
    snprintf(msg, cap, "%s", st ? err.message : "");
    if (st) assert_null(out);
    return out;
}

static void expect_docs_error(const char *text, const char *want)
{
    char msg[1100];
    char *out = docs(text, msg, sizeof msg);
    if (out) fail_msg("accepted %s: %s", text, out);
    if (!strstr(msg, want)) fail_msg("for %s\n  got  %s\n  want %s", text, msg, want);
}

static void test_docs_parse(void **state)
{
    (void)state;
    char msg[1100];
    /* BFCL / OpenAI documents and the tools form, mixed: the documents themselves */
    char *out = docs("[{\"name\": \"a.b\", \"description\": \"d\", \"parameters\": {\"type\": \"dict\", \"properties\": "
                     "{\"x\": {\"type\": \"integer\"}}, \"required\": [\"x\"]}},\n"
                     " {\"type\": \"function\", \"function\": {\"name\": \"g\", \"parameters\": {\"type\": \"object\"}}},\n"
                     " {\"type\": \"function\", \"name\": \"h\"}]",
                     msg, sizeof msg);
    if (!out) fail_msg("%s", msg);
    assert_string_equal(out, "[{\"name\":\"a.b\",\"description\":\"d\",\"parameters\":{\"type\":\"dict\",\"properties\":"
                             "{\"x\":{\"type\":\"integer\"}},\"required\":[\"x\"]}},{\"name\":\"g\",\"parameters\":"
                             "{\"type\":\"object\"}},{\"type\":\"function\",\"name\":\"h\"}]");
    free(out);
    expect_docs_error("[{\"name\": \"f\",\n \"x\": }]", "f.json: not JSON: ");
    expect_docs_error("[{\"name\": \"f\",\n \"x\": }]", "(line 2, column 7)");
    expect_docs_error("", "f.json: not JSON");
    expect_docs_error("{\"name\": \"f\"}", "f.json: not a list of function documents but a JSON object");
    expect_docs_error("\"f\"", "not a list of function documents but a string");
    expect_docs_error("[]", "f.json: the list must hold 1 to 4096 function documents");
    expect_docs_error("[{\"name\": \"f\"}, {\"description\": \"no name\"}]", "f.json: item [1].name is missing");
    expect_docs_error("[{\"type\": \"function\", \"function\": {\"description\": \"d\"}}]",
                      "f.json: item [0].function.name is missing");
    expect_docs_error("[{\"type\": \"function\"}]", "item [0].function must be an object");
    expect_docs_error("[{\"type\": \"code_interpreter\"}]", "item [0]: a tool of type 'code_interpreter'");
    expect_docs_error("[3]", "item [0] must be an object");
    expect_docs_error("[{\"name\": \"a b\"}]", "item [0].name must be a string of 1 to 128 letters");
    expect_docs_error("[{\"name\": 7}]", "item [0].name must be a string");
    expect_docs_error("[{\"name\": \"f\", \"parameters\": []}]", "item [0].parameters must be a JSON Schema object");
    expect_docs_error("[{\"name\": \"f\", \"description\": 1}]", "item [0].description must be a string");
    expect_docs_error("[{\"name\": \"f\"}, {\"name\": \"f\"}]", "item [1]: the function 'f' is given twice");
    /* from a file; a missing file names it */
    char path[] = "/tmp/gorilla-fn-docs-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char body[] = "[{\"name\": \"f\"}]\n";
    assert_int_equal(write(fd, body, sizeof body - 1), (ssize_t)(sizeof body - 1));
    close(fd);
    gorilla_error err = {0};
    assert_int_equal(gorilla_fn_docs_load(path, &out, &err), GORILLA_OK);
    assert_string_equal(out, "[{\"name\":\"f\"}]");
    free(out);
    unlink(path);
    assert_int_equal(gorilla_fn_docs_load(path, &out, &err), GORILLA_ERR_IO);
    assert_null(out);
    assert_non_null(strstr(err.message, path));
}

static void expect_fn_check(const char *calls, const char *want_calls, const char *want_warnings)
{
    static const char FNS[] =
        "[{\"name\": \"math.area\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"w\": {}, \"h\": {}}, "
        "\"required\": [\"w\", \"h\"]}}, {\"name\": \"now\"}, {\"name\": \"a.b_c\"}, {\"name\": \"a_b.c\"}, "
        "{\"name\": \"get\", \"parameters\": {\"type\": \"object\", \"properties\": {\"url\": {}}}}]";
    char *out = NULL, *warnings = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_fn_check(FNS, calls, &out, &warnings, &err);
    if (st) fail_msg("%s: %s", calls, err.message);
    if (strcmp(out, want_calls) != 0) fail_msg("calls of %s\n  got  %s\n  want %s", calls, out, want_calls);
    if (strcmp(warnings, want_warnings) != 0)
        fail_msg("warnings of %s\n  got  %s\n  want %s", calls, warnings, want_warnings);
    free(out);
    free(warnings);
}

static void test_fn_check(void **state)
{
    (void)state;
    expect_fn_check("[{\"name\":\"math.area\",\"arguments\":{\"w\":2,\"h\":3}},{\"name\":\"now\",\"arguments\":{}}]",
                 "[{\"name\":\"math.area\",\"arguments\":{\"w\":2,\"h\":3}},{\"name\":\"now\",\"arguments\":{}}]", "[]");
    /* '_' for '.' (names sent as tools): the document's name */
    expect_fn_check("[{\"name\":\"math_area\",\"arguments\":{\"w\":2,\"h\":3}}]",
                 "[{\"name\":\"math.area\",\"arguments\":{\"w\":2,\"h\":3}}]", "[]");
    /* ... unless two documents fit */
    expect_fn_check("[{\"name\":\"a_b_c\",\"arguments\":{}}]", "[{\"name\":\"a_b_c\",\"arguments\":{}}]",
                 "[{\"kind\":\"unknown_function\",\"call\":1,\"name\":\"a_b_c\",\"message\":\"call 1: 'a_b_c' is not "
                 "one of the given functions\"}]");
    expect_fn_check("[{\"name\":\"math.area\",\"arguments\":{\"w\":2,\"depth\":1}}]",
                 "[{\"name\":\"math.area\",\"arguments\":{\"w\":2,\"depth\":1}}]",
                 "[{\"kind\":\"unexpected_argument\",\"call\":1,\"name\":\"math.area\",\"argument\":\"depth\","
                 "\"message\":\"call 1: math.area has no parameter 'depth'\"},{\"kind\":\"missing_required\",\"call\":1,"
                 "\"name\":\"math.area\",\"argument\":\"h\",\"message\":\"call 1: math.area needs the argument 'h'\"}]");
    /* no parameters at all: any argument is unexpected; optional ones may be left out */
    expect_fn_check("[{\"name\":\"get\",\"arguments\":{}},{\"name\":\"now\",\"arguments\":{\"tz\":\"UTC\"}}]",
                 "[{\"name\":\"get\",\"arguments\":{}},{\"name\":\"now\",\"arguments\":{\"tz\":\"UTC\"}}]",
                 "[{\"kind\":\"unexpected_argument\",\"call\":2,\"name\":\"now\",\"argument\":\"tz\",\"message\":"
                 "\"call 2: now has no parameter 'tz'\"}]");
    expect_fn_check("[]", "[]", "[]");
    char *out = NULL, *w = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_fn_check("[]", "{}", &out, &w, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_fn_check("[]", "[{\"name\": \"f\"}]", &out, &w, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_fn_check("nope", "[]", &out, &w, &err), GORILLA_ERR_INVALID);
    assert_null(out);
    assert_null(w);
}

static void test_fn_tools(void **state)
{
    (void)state;
    char *t = gorilla_fn_tools("[{\"name\": \"math.area\", \"description\": \"d\", \"parameters\": {\"type\": \"dict\", "
                               "\"properties\": {\"w\": {\"type\": \"integer\"}}}}, {\"name\": \"g\"}]");
    assert_non_null(t);
    assert_string_equal(t, "[{\"type\":\"function\",\"function\":{\"name\":\"math_area\",\"description\":\"d\","
                           "\"parameters\":{\"type\":\"object\",\"properties\":{\"w\":{\"type\":\"integer\"}}}}},"
                           "{\"type\":\"function\",\"function\":{\"name\":\"g\"}}]");
    free(t);
    assert_null(gorilla_fn_tools("{}"));
    assert_null(gorilla_fn_tools(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_calls), cmocka_unit_test(test_openfunctions), cmocka_unit_test(test_json_blocks),
        cmocka_unit_test(test_not_calls),    cmocka_unit_test(test_prompts),       cmocka_unit_test(test_server_tools),
        cmocka_unit_test(test_docs_parse),   cmocka_unit_test(test_fn_check),      cmocka_unit_test(test_fn_tools),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
