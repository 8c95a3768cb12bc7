/* test_bfcl_checker.c — BFCL's AST checker rules one by one, on small
 * fixtures written here: names, required/unexpected parameters, types with
 * the int/float leniency, strings, lists, dicts, optional "" answers,
 * Java and JavaScript conversion, parallel matching (BFCL's greedy order
 * and --strict bipartite), irrelevance/relevance, and the decoders. */
#include "testutil.h"

/* JSON string literal of s (quotes included), malloc'd. */
static char *jstr(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(2 * n + 3), *p = o;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') *p++ = '\\';
        if (s[i] == '\n') {
            *p++ = '\\';
            *p++ = 'n';
            continue;
        }
        *p++ = s[i];
    }
    *p++ = '"';
    *p = 0;
    return o;
}

/* An FC result list with one call: [{"name": "<args>"}]. */
static char *fc1(const char *name, const char *args)
{
    char *a = jstr(args);
    size_t n = strlen(name) + strlen(a) + 16;
    char *o = malloc(n);
    snprintf(o, n, "[{\"%s\": %s}]", name, a);
    free(a);
    return o;
}

static char *fc2(const char *n1, const char *a1, const char *n2, const char *a2)
{
    char *x = jstr(a1), *y = jstr(a2);
    size_t n = strlen(n1) + strlen(n2) + strlen(x) + strlen(y) + 32;
    char *o = malloc(n);
    snprintf(o, n, "[{\"%s\": %s}, {\"%s\": %s}]", n1, x, n2, y);
    free(x);
    free(y);
    return o;
}

/* Checks one entry; want NULL: valid, else the error_type. result is the
 * JSON of the "result" field; it is freed. */
static void expect_o(const char *cat, const char *functions, const char *gt, char *result, const gorilla_bfcl_opts *o,
                     const char *want)
{
    char entry[8192], answer[8192];
    snprintf(entry, sizeof entry, "{\"id\": \"%s_0\", \"question\": [], \"function\": %s}", cat, functions);
    snprintf(answer, sizeof answer, "{\"id\": \"%s_0\", \"ground_truth\": %s}", cat, gt ? gt : "[]");
    size_t rn = strlen(result) + 64;
    char *res = malloc(rn);
    snprintf(res, rn, "{\"id\": \"%s_0\", \"result\": %s}", cat, result);
    gorilla_bfcl_verdict v;
    gorilla_error err = {0};
    assert_int_equal(gorilla_bfcl_check_entry(cat, entry, gt ? answer : NULL, res, o, &v, &err), GORILLA_OK);
    if (!want) {
        if (!v.valid) fprintf(stderr, "expected valid, got %s: %s\n", v.error_type, v.score_line);
        assert_true(v.valid);
    } else {
        if (v.valid) fprintf(stderr, "expected %s, got valid for %s\n", want, res);
        assert_false(v.valid);
        assert_string_equal(v.error_type, want);
        assert_non_null(v.score_line);
    }
    gorilla_bfcl_verdict_clear(&v);
    free(result);
    free(res);
}

static void expect(const char *cat, const char *functions, const char *gt, char *result, const char *want)
{
    expect_o(cat, functions, gt, result, NULL, want);
}

static const char *F_PY = "[{\"name\": \"math.hypot\", \"parameters\": {\"type\": \"dict\", \"properties\": {"
                          "\"x\": {\"type\": \"integer\"}, \"y\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}, "
                          "\"flag\": {\"type\": \"boolean\"}}, \"required\": [\"x\", \"y\"]}}]";
static const char *GT_PY = "[{\"math.hypot\": {\"x\": [4], \"y\": [5.0], \"unit\": [\"units\", \"\"], \"flag\": [true, \"\"]}}]";

static void test_names(void **state)
{
    (void)state;
    /* FC names: '.' compared as '_' (auto: no '.' in any result name) */
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4, \"y\": 5.0}"), NULL);
    expect("simple_python", F_PY, GT_PY, fc1("math.hypot", "{\"x\": 4, \"y\": 5.0}"), NULL);
    expect("simple_python", F_PY, GT_PY, fc1("hypot", "{\"x\": 4, \"y\": 5.0}"), "simple_function_checker:wrong_func_name");
    gorilla_bfcl_opts keep = {.names = GORILLA_BFCL_NAMES_KEEP};
    expect_o("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4, \"y\": 5.0}"), &keep,
             "simple_function_checker:wrong_func_name");
    /* simple: exactly one call */
    expect("simple_python", F_PY, GT_PY, strdup("[]"), "simple_function_checker:wrong_count");
    expect("simple_python", F_PY, GT_PY, fc2("math_hypot", "{\"x\": 4, \"y\": 5.0}", "math_hypot", "{\"x\": 4, \"y\": 5.0}"),
           "simple_function_checker:wrong_count");
}

static void test_params(void **state)
{
    (void)state;
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4}"), "simple_function_checker:missing_required");
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4, \"y\": 5.0, \"z\": 1}"),
           "simple_function_checker:unexpected_param");
    /* optional with "" may be omitted; given, it must match */
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4, \"y\": 5.0, \"unit\": \"Units\"}"), NULL);
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4, \"y\": 5.0, \"unit\": \"meters\"}"),
           "value_error:string");
    /* an answer without "" may not be omitted */
    const char *gt = "[{\"math.hypot\": {\"x\": [4], \"y\": [5.0], \"unit\": [\"units\"]}}]";
    expect("simple_python", F_PY, gt, fc1("math_hypot", "{\"x\": 4, \"y\": 5.0}"), "simple_function_checker:missing_optional");
}

static void test_types(void **state)
{
    (void)state;
    /* int where float is declared: accepted (Python converts); float for int: not */
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4, \"y\": 5}"), NULL);
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4.0, \"y\": 5}"), "type_error:simple");
    /* bool is not int */
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": true, \"y\": 5}"), "type_error:simple");
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": \"4\", \"y\": 5}"), "type_error:simple");
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 5, \"y\": 5}"), "value_error:others");
    /* a string answer for an int parameter makes the value a "variable": a string is then accepted */
    const char *gt = "[{\"math.hypot\": {\"x\": [\"n\"], \"y\": [5.0]}}]";
    expect("simple_python", F_PY, gt, fc1("math_hypot", "{\"x\": \"n\", \"y\": 5}"), NULL);
    /* nested: array of integers */
    const char *f = "[{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"v\": {\"type\": "
                    "\"array\", \"items\": {\"type\": \"integer\"}}}, \"required\": [\"v\"]}}]";
    expect("simple_python", f, "[{\"f\": {\"v\": [[1, 2]]}}]", fc1("f", "{\"v\": [1, 2]}"), NULL);
    expect("simple_python", f, "[{\"f\": {\"v\": [[1, 2]]}}]", fc1("f", "{\"v\": [1, \"2\"]}"), "type_error:nested");
    expect("simple_python", f, "[{\"f\": {\"v\": [[1, 2]]}}]", fc1("f", "{\"v\": [2, 1]}"), "value_error:list/tuple");
}

static void test_strings_lists(void **state)
{
    (void)state;
    const char *f = "[{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"d\": {\"type\": "
                    "\"string\"}, \"l\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, \"required\": []}}]";
    const char *gt = "[{\"f\": {\"d\": [\"April 1, 2024\"], \"l\": [[\"New York\", \"LA\"], \"\"]}}]";
    /* standardize_string: spaces and ,./-_*^ dropped, lower case, ' == " */
    expect("simple_python", f, gt, fc1("f", "{\"d\": \"april 1 2024\"}"), NULL);
    expect("simple_python", f, gt, fc1("f", "{\"d\": \"April-1-2024\"}"), NULL);
    expect("simple_python", f, gt, fc1("f", "{\"d\": \"April 2, 2024\"}"), "value_error:string");
    expect("simple_python", f, gt, fc1("f", "{\"d\": \"April 1, 2024\", \"l\": [\"new_york\", \"l.a.\"]}"), NULL);
    expect("simple_python", f, gt, fc1("f", "{\"d\": \"April 1, 2024\", \"l\": [\"LA\", \"New York\"]}"),
           "value_error:list/tuple");
    /* the "" answer of a list matches an empty list (BFCL's quirk) */
    expect("simple_python", f, gt, fc1("f", "{\"d\": \"April 1, 2024\", \"l\": []}"), NULL);
}

static void test_dicts(void **state)
{
    (void)state;
    const char *f = "[{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"o\": {\"type\": "
                    "\"dict\"}, \"ol\": {\"type\": \"array\", \"items\": {\"type\": \"dict\"}}}, \"required\": []}}]";
    const char *gt = "[{\"f\": {\"o\": [{\"a\": [1], \"b\": [\"x\", \"\"]}], \"ol\": [[{\"k\": [1]}, {\"k\": [2]}], \"\"]}}]";
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 1}}"), NULL);
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 1, \"b\": \"X\"}}"), NULL);
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 2}}"), "value_error:dict_value");
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 1, \"c\": 3}}"), "value_error:dict_key");
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"b\": \"x\"}}"), "value_error:dict_key");
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 1}, \"ol\": [{\"k\": 1}, {\"k\": 2}]}"), NULL);
    /* the last answer tried decides the error: here the "" answer (0 dicts) */
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 1}, \"ol\": [{\"k\": 2}, {\"k\": 1}]}"),
           "value_error:list_dict_count");
    const char *gt1 = "[{\"f\": {\"ol\": [[{\"k\": [1]}, {\"k\": [2]}]]}}]";
    expect("simple_python", f, gt1, fc1("f", "{\"ol\": [{\"k\": 2}, {\"k\": 1}]}"), "value_error:dict_value");
    expect("simple_python", f, gt, fc1("f", "{\"o\": {\"a\": 1}, \"ol\": [{\"k\": 1}]}"), "value_error:list_dict_count");
}

static void test_java(void **state)
{
    (void)state;
    const char *f = "[{\"name\": \"A.b\", \"parameters\": {\"type\": \"dict\", \"properties\": {"
                    "\"flag\": {\"type\": \"boolean\"}, \"n\": {\"type\": \"long\"}, \"arr\": {\"type\": \"Array\", "
                    "\"items\": {\"type\": \"String\"}}, \"al\": {\"type\": \"ArrayList\", \"items\": {\"type\": "
                    "\"String\"}}, \"m\": {\"type\": \"HashMap\"}, \"x\": {\"type\": \"any\"}}, \"required\": []}}]";
    const char *gt = "[{\"A.b\": {\"flag\": [true, \"\"], \"n\": [10, \"\"], \"arr\": [[\"\\\"a\\\"\"], \"\"], "
                     "\"al\": [[\"a\", \"b\"], \"\"], \"m\": [{\"k\": [\"v\"]}, \"\"], \"x\": [\"obj\", \"\"]}}]";
    expect("simple_java", f, gt, fc1("A_b", "{\"flag\": \"true\", \"n\": \"10L\"}"), NULL);
    expect("simple_java", f, gt, fc1("A_b", "{\"flag\": true}"), "type_error:java");
    expect("simple_java", f, gt, fc1("A_b", "{\"n\": \"10\"}"), "type_error:simple"); /* long needs the L */
    /* new String[]{"a"}: BFCL keeps the quotes of Array elements */
    expect("simple_java", f, gt, fc1("A_b", "{\"arr\": \"new String[]{\\\"a\\\"}\"}"), NULL);
    /* ArrayList elements lose them */
    expect("simple_java", f, gt, fc1("A_b", "{\"al\": \"new ArrayList<>(Arrays.asList(\\\"a\\\", \\\"b\\\"))\"}"), NULL);
    expect("simple_java", f, gt,
           fc1("A_b", "{\"m\": \"new HashMap<String, String>() {{ put(\\\"k\\\", \\\"v\\\"); }}\"}"), NULL);
    expect("simple_java", f, gt, fc1("A_b", "{\"x\": \"obj\"}"), NULL);
}

static void test_javascript(void **state)
{
    (void)state;
    const char *f = "[{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", \"properties\": {"
                    "\"s\": {\"type\": \"String\"}, \"a\": {\"type\": \"array\", \"items\": {\"type\": \"integer\"}}, "
                    "\"d\": {\"type\": \"dict\"}, \"b\": {\"type\": \"Boolean\"}, \"fl\": {\"type\": \"float\"}}, "
                    "\"required\": []}}]";
    const char *gt = "[{\"f\": {\"s\": [\"hi\", \"\"], \"a\": [[1, 2], \"\"], \"d\": [{\"k\": [1]}, \"\"], "
                     "\"b\": [false, \"\"], \"fl\": [1.5, \"\"]}}]";
    expect("simple_javascript", f, gt, fc1("f", "{\"s\": \"'hi'\", \"a\": \"[1, 2]\", \"b\": \"false\"}"), NULL);
    expect("simple_javascript", f, gt, fc1("f", "{\"d\": \"{k: 1}\", \"fl\": \"1.5\"}"), NULL);
    expect("simple_javascript", f, gt, fc1("f", "{\"a\": [1, 2]}"), "type_error:js");
    expect("simple_javascript", f, gt, fc1("f", "{\"a\": \"[2, 1]\"}"), "value_error:list/tuple");
}

static const char *F_PAR = "[{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"a\": {\"type\": "
                           "\"integer\"}, \"b\": {\"type\": \"integer\"}}, \"required\": [\"a\"]}}]";

static void test_parallel(void **state)
{
    (void)state;
    const char *gt = "[{\"f\": {\"a\": [1], \"b\": [\"\", 2]}}, {\"f\": {\"a\": [2], \"b\": [\"\"]}}]";
    /* any order */
    expect("parallel", F_PAR, gt, fc2("f", "{\"a\": 2}", "f", "{\"a\": 1}"), NULL);
    expect("parallel", F_PAR, gt, fc1("f", "{\"a\": 1}"), "parallel_function_checker_no_order:wrong_count");
    expect("parallel", F_PAR, gt, fc2("f", "{\"a\": 3}", "f", "{\"a\": 1}"),
           "parallel_function_checker_no_order:cannot_find_match");
    /* greedy vs optimal: answer 0 takes output 0 first, leaving answer 1 without a partner */
    const char *gt2 = "[{\"f\": {\"a\": [1, 2]}}, {\"f\": {\"a\": [1]}}]";
    expect("parallel", F_PAR, gt2, fc2("f", "{\"a\": 1}", "f", "{\"a\": 2}"),
           "parallel_function_checker_no_order:cannot_find_match");
    gorilla_bfcl_opts strict = {.strict = 1};
    expect_o("parallel", F_PAR, gt2, fc2("f", "{\"a\": 1}", "f", "{\"a\": 2}"), &strict, NULL);
    expect_o("parallel", F_PAR, gt2, fc2("f", "{\"a\": 2}", "f", "{\"a\": 2}"), &strict,
             "parallel_function_checker_no_order:cannot_find_match");
    /* multiple: one call, checked against the first answer's function */
    expect("multiple", F_PAR, "[{\"f\": {\"a\": [1]}}]", fc1("f", "{\"a\": 1}"), NULL);
    expect("multiple", F_PAR, "[{\"f\": {\"a\": [1]}}]", strdup("[]"), "multiple_function_checker:wrong_count");
}

static void test_relevance(void **state)
{
    (void)state;
    expect("irrelevance", F_PAR, NULL, strdup("[]"), NULL);
    expect("irrelevance", F_PAR, NULL, fc1("f", "{\"a\": 1}"), "irrelevance_error:decoder_success");
    /* arguments that are not JSON fail to decode: BFCL counts that as no call */
    expect("irrelevance", F_PAR, NULL, fc1("f", "{\"a\": "), NULL);
    gorilla_bfcl_opts strict = {.strict = 1};
    expect_o("irrelevance", F_PAR, NULL, fc1("f", "{\"a\": "), &strict, "irrelevance_error:garbled_output");
    expect_o("irrelevance", F_PAR, NULL, strdup("[]"), &strict, NULL);
    /* an FC model answering in words is an abstention; an inference error is not */
    expect_o("irrelevance", F_PAR, NULL, strdup("\"There is no function for that.\""), &strict, NULL);
    expect_o("irrelevance", F_PAR, NULL, strdup("\"Error during inference: Request timed out.\""), &strict,
             "irrelevance_error:garbled_output");
    expect("irrelevance", F_PAR, NULL, strdup("\"Error during inference: Request timed out.\""), NULL);
    /* prompting text: prose is an abstention, even under --strict; broken call text is not */
    gorilla_bfcl_opts ps = {.strict = 1, .format = GORILLA_BFCL_PROMPT};
    expect_o("live_irrelevance", F_PAR, NULL, strdup("\"I cannot help with that.\""), &ps, NULL);
    expect_o("live_irrelevance", F_PAR, NULL, strdup("\"[f(a=1\""), &ps, "irrelevance_error:garbled_output");
    expect("live_relevance", F_PAR, NULL, fc1("f", "{\"a\": 1}"), NULL);
    expect("live_relevance", F_PAR, NULL, strdup("[]"), "relevance_error:decoder_failed");
}

static void test_decode_failures(void **state)
{
    (void)state;
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "{\"x\": 4,"), "ast_decoder:decoder_failed");
    expect("simple_python", F_PY, GT_PY, strdup("\"Error during inference: timeout\""), "ast_decoder:decoder_failed");
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", "[4, 5]"), "ast_decoder:decoder_wrong_output_format");
    /* arguments stored decoded (Claude/Gemini-style handlers) are taken as they are */
    expect("simple_python", F_PY, GT_PY, strdup("[{\"math_hypot\": {\"x\": 4, \"y\": 5.0}}]"), NULL);
    expect("simple_python", F_PY, GT_PY, strdup("[{\"math_hypot\": 5}]"), "ast_decoder:decoder_failed");
    /* deeply nested and huge arguments: a verdict, no crash */
    size_t n = 20000;
    char *deep = malloc(2 * n + 32);
    strcpy(deep, "{\"x\": ");
    size_t k = strlen(deep);
    for (size_t i = 0; i < n; i++) deep[k++] = '[';
    for (size_t i = 0; i < n; i++) deep[k++] = ']';
    strcpy(deep + k, ", \"y\": 5}");
    char *r = fc1("math_hypot", deep);
    free(deep);
    gorilla_bfcl_verdict v;
    gorilla_error err = {0};
    char *res = malloc(strlen(r) + 64);
    sprintf(res, "{\"id\": \"simple_python_0\", \"result\": %s}", r);
    char entry[4096], ans[4096];
    snprintf(entry, sizeof entry, "{\"id\": \"simple_python_0\", \"function\": %s}", F_PY);
    snprintf(ans, sizeof ans, "{\"id\": \"simple_python_0\", \"ground_truth\": %s}", GT_PY);
    assert_int_equal(gorilla_bfcl_check_entry("simple_python", entry, ans, res, NULL, &v, &err), GORILLA_OK);
    assert_false(v.valid);
    assert_string_equal(v.error_type, "ast_decoder:decoder_failed");
    assert_non_null(strstr(v.score_line, "Nesting too deep"));
    gorilla_bfcl_verdict_clear(&v);
    free(res);
    free(r);
    size_t big = 1 << 20;
    char *huge = malloc(big + 64);
    strcpy(huge, "{\"x\": 4, \"y\": 5, \"unit\": \"");
    k = strlen(huge);
    memset(huge + k, 'a', big);
    strcpy(huge + k + big, "\"}");
    expect("simple_python", F_PY, GT_PY, fc1("math_hypot", huge), "value_error:string");
    free(huge);
}

static void decode_ok(const char *lang, const char *text, const char *want)
{
    char *out = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_bfcl_decode(lang, text, strlen(text), &out, &err);
    if (st != GORILLA_OK) fprintf(stderr, "decode %s failed: %s\n", text, err.message);
    assert_int_equal(st, GORILLA_OK);
    assert_string_equal(out, want);
    free(out);
}

static void decode_fails(const char *lang, const char *text, const char *why)
{
    char *out = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_bfcl_decode(lang, text, strlen(text), &out, &err), GORILLA_ERR_PARSE);
    assert_null(out);
    if (why) assert_non_null(strstr(err.message, why));
}

static void test_decode_python(void **state)
{
    (void)state;
    decode_ok("python", "[math.hypot(x=4, y=5, z=-0.5), g(s='it\\'s', l=[1, (2, 3)], d={'k': True}, n=None)]",
              "[{\"math.hypot\": {\"x\": 4, \"y\": 5, \"z\": -0.5}}, {\"g\": {\"s\": \"it's\", \"l\": [1, [2, 3]], "
              "\"d\": {\"k\": true}, \"n\": null}}]");
    decode_ok("python", "f(a=1)", "[{\"f\": {\"a\": 1}}]");
    decode_ok("python", "```\n[f(a=2*3+1, b=7//2, c='a' 'b')]\n```", "[{\"f\": {\"a\": 7, \"b\": 3, \"c\": \"ab\"}}]");
    /* names as text, calls without keywords as text, with keywords nested; positional arguments ignored */
    decode_ok("python", "[f(5, x=y, t=np.array([1, 2]), u=g(k=1))]",
              "[{\"f\": {\"x\": \"y\", \"t\": \"np.array([1, 2])\", \"u\": {\"g\": {\"k\": 1}}}}]");
    /* subscripts and calls as ast.unparse writes them (slices, parentheses by precedence) */
    decode_ok("python", "[f(a=x[1:], b=x[::2], c=g(a * (b + c)), d=g((-x) ** 2), e=g(a - (b - c)))]",
              "[{\"f\": {\"a\": \"x[1:]\", \"b\": \"x[::2]\", \"c\": \"g(a * (b + c))\", \"d\": \"g((-x) ** 2)\", "
              "\"e\": \"g(a - (b - c))\"}}]");
    decode_ok("python", "[]", "[]");
    decode_fails("python", "I cannot help with that.", "invalid syntax");
    decode_fails("python", "[f(a=1), 2]", NULL);
    decode_fails("python", "[f(a=x.y)]", "Unsupported AST type: <class 'ast.Attribute'>");
    decode_fails("python", "[f(a=-x)]", "'Name' object has no attribute 'value'");
    decode_fails("python", "[f(a='unterminated)]", "unterminated string");
}

static void test_decode_java_js(void **state)
{
    (void)state;
    decode_ok("java", "[Foo.bar(a=\"x\", b=new int[]{1, 2}, c=Arrays.asList(1, 2), d=true, e=10L, f=x)]",
              "[{\"Foo.bar\": {\"a\": \"x\", \"b\": \"new int[]{1,2}\", \"c\": \"Arrays.asList(1, 2)\", \"d\": \"true\", "
              "\"e\": \"10L\", \"f\": \"x\"}}]");
    decode_ok("java", "[m(map=new HashMap<String, String>() {{ put(\"k\", \"v\"); }})]",
              "[{\"m\": {\"map\": \"new HashMap<String,String>()\"}}]");
    decode_ok("java", "[sorry]", "{}"); /* no invocation: {} (BFCL then rejects the format) */
    decode_fails("java", "[just some text]", "Error parsing java");
    decode_fails("java", "[a(x=1), b(y=2)]", "Error parsing java");
    decode_ok("javascript", "[obj.fn(a=\"x\", b=[1, 2], c={k: 1}, d=5)]",
              "[{\"obj.fn\": {\"a\": \"x\", \"b\": \"[1, 2]\", \"c\": \"{k: 1}\", \"d\": \"5\"}}]");
    decode_ok("javascript", "[a(x=1), b(y=2)]", "null");
    decode_ok("javascript", "[a(x=1)\nb(y=2)]", "[{\"a\": {\"x\": \"1\"}}]"); /* the first statement */
    decode_fails("javascript", "[a(x=\"1]", "Error js parsing");
    decode_ok("fc", "[{\"f\": \"{\\\"a\\\": [1, 2.5, \\\"\\u00e9\\\"]}\"}]", "[{\"f\": {\"a\": [1, 2.5, \"é\"]}}]");
    /* floats written as Python's repr, big integers kept, non-ASCII as is (json.dumps(ensure_ascii=False)) */
    decode_ok("fc", "[{\"f\": \"{\\\"a\\\": 1e16, \\\"b\\\": 0.0001, \\\"c\\\": 1e-05, \\\"d\\\": 100.0, "
                    "\\\"e\\\": 0.1, \\\"f\\\": 123456789012345678901234, \\\"g\\\": NaN}\"}]",
              "[{\"f\": {\"a\": 1e+16, \"b\": 0.0001, \"c\": 1e-05, \"d\": 100.0, \"e\": 0.1, "
              "\"f\": 123456789012345678901234, \"g\": NaN}}]");
    decode_fails("fc", "[{\"f\": \"{\\\"a\\\": 1\"}]", "Expecting ',' delimiter: line 1 column 8 (char 7)");
    decode_fails("fc", "[{\"f\": \"{'a': 1}\"}]", "Expecting property name enclosed in double quotes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_params),
        cmocka_unit_test(test_types),         cmocka_unit_test(test_strings_lists),
        cmocka_unit_test(test_dicts),         cmocka_unit_test(test_java),
        cmocka_unit_test(test_javascript),    cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_relevance),     cmocka_unit_test(test_decode_failures),
        cmocka_unit_test(test_decode_python), cmocka_unit_test(test_decode_java_js),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
