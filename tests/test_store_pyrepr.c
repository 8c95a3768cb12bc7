/* test_store_pyrepr.c — Python str()/repr()/json.dumps() reproduction.
 * Expected values are what CPython 3 prints for the same input. */
#include "testutil.h"
#include "store/pyrepr.h"

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    assert_non_null(v);
    return v;
}

/* repr of the JSON string literal `json_str`. */
static void check_repr(const char *json_str, const char *expect)
{
    json_t *v = load(json_str);
    char *got = py_repr(v);
    assert_non_null(got);
    if (strcmp(got, expect) != 0) printf("repr(%s): got [%s] want [%s]\n", json_str, got, expect);
    assert_string_equal(got, expect);
    free(got);
    json_decref(v);
}

static void check_dumps(const char *json_text, const char *expect)
{
    json_t *v = load(json_text);
    char *got = py_json_dumps(v);
    assert_non_null(got);
    if (strcmp(got, expect) != 0) printf("dumps(%s): got [%s] want [%s]\n", json_text, got, expect);
    assert_string_equal(got, expect);
    free(got);
    json_decref(v);
}

static void test_repr_quotes(void **state)
{
    (void)state;
    check_repr("\"abc\"", "'abc'");
    check_repr("\"it's\"", "\"it's\"");
    check_repr("\"say \\\"hi\\\"\"", "'say \"hi\"'");
    check_repr("\"it's \\\"x\\\"\"", "'it\\'s \"x\"'");
    check_repr("\"a\\\\b\"", "'a\\\\b'");
    check_repr("\"\"", "''");
}

static void test_repr_escapes(void **state)
{
    (void)state;
    check_repr("\"l1\\nl2\\tt\\rr\"", "'l1\\nl2\\tt\\rr'");
    check_repr("\"\\u0001\\u007f\"", "'\\x01\\x7f'");
    check_repr("\"\\u00e9\"", "'\xc3\xa9'");             /* é printable */
    check_repr("\"\\u00a0\"", "'\\xa0'");                /* no-break space: Zs */
    check_repr("\"\\u00ad\"", "'\\xad'");                /* soft hyphen: Cf */
    check_repr("\"\\u200b\"", "'\\u200b'");
    check_repr("\"\\u2028\"", "'\\u2028'");
    check_repr("\"\\ud83d\\ude00\"", "'\xf0\x9f\x98\x80'"); /* emoji printable */
    check_repr("\"\\udb40\\udc01\"", "'\\U000e0001'");
    check_repr("\"\\u65e5\\u672c\"", "'\xe6\x97\xa5\xe6\x9c\xac'");
}

static void check_float(double x, const char *expect)
{
    char buf[64];
    py_float_repr(x, buf, sizeof buf);
    if (strcmp(buf, expect) != 0) printf("repr(%.17g): got %s want %s\n", x, buf, expect);
    assert_string_equal(buf, expect);
}

static void test_float_repr(void **state)
{
    (void)state;
    check_float(1.0, "1.0");
    check_float(0.1, "0.1");
    check_float(1e16, "1e+16");
    check_float(1e15, "1000000000000000.0");
    check_float(1e-5, "1e-05");
    check_float(0.0001, "0.0001");
    check_float(123.456, "123.456");
    check_float(-0.0, "-0.0");
    check_float(0.0, "0.0");
    check_float(1.5e300, "1.5e+300");
    check_float(2.5e-7, "2.5e-07");
    check_float(74.58, "74.58");
    check_float(1.0 / 3, "0.3333333333333333");
    check_float(5e-324, "5e-324");
    check_float(1.7976931348623157e308, "1.7976931348623157e+308");
    check_float(100.0, "100.0");
    check_float(-2.5, "-2.5");
    check_float(9007199254740993.0, "9007199254740992.0");
    check_float(0.1 + 0.2, "0.30000000000000004");
}

static void test_values(void **state)
{
    (void)state;
    check_repr("{\"a\": [1, 2.5, true, false, null, \"x\"], \"b\": {}, \"c\": []}",
               "{'a': [1, 2.5, True, False, None, 'x'], 'b': {}, 'c': []}");
    check_repr("{\"z\": 1, \"a\": 2}", "{'z': 1, 'a': 2}"); /* key order kept */
    check_repr("-12", "-12");
    check_repr("74.0", "74.0");
    /* str() of a string is the string itself; of anything else, repr. */
    json_t *s = load("\"it's\"");
    char *got = py_str(s);
    assert_string_equal(got, "it's");
    free(got);
    json_decref(s);
}

static void test_json_dumps(void **state)
{
    (void)state;
    check_dumps("{\"a\": \"\\u00e9\", \"b\": [1, 2.0, false, null], \"c\": \"\\ud83d\\ude00\"}",
                "{\"a\": \"\\u00e9\", \"b\": [1, 2.0, false, null], \"c\": \"\\ud83d\\ude00\"}");
    check_dumps("\"say \\\"hi\\\"\\n\\t\\\\ \\u0001\\u007f/\"", "\"say \\\"hi\\\"\\n\\t\\\\ \\u0001\\u007f/\"");
    check_dumps("{\"k\": 1e16, \"m\": 0.5}", "{\"k\": 1e+16, \"m\": 0.5}");
    check_dumps("[]", "[]");
    check_dumps("{}", "{}");
}

static void test_isprintable(void **state)
{
    (void)state;
    assert_true(py_isprintable('a'));
    assert_true(py_isprintable(' '));
    assert_false(py_isprintable('\n'));
    assert_false(py_isprintable(0x7f));
    assert_false(py_isprintable(0x85));
    assert_true(py_isprintable(0xe9));
    assert_false(py_isprintable(0xfeff));
    assert_false(py_isprintable(0xd800));
    assert_true(py_isprintable(0x4e2d));
    assert_false(py_isprintable(0x10ffff));
}

static void test_pybuf(void **state)
{
    (void)state;
    pybuf b;
    pybuf_init(&b);
    for (int i = 0; i < 10000; i++) pybuf_puts(&b, "ab");
    assert_int_equal(b.n, 20000);
    char *p = pybuf_take(&b);
    assert_int_equal(strlen(p), 20000);
    free(p);
    assert_null(b.p);
    char *e = pybuf_take(&b);
    assert_string_equal(e, "");
    free(e);
}

/* Invalid UTF-8 is passed through byte for byte, never read past the end. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    pybuf b;
    pybuf_init(&b);
    const char bad[] = {'a', (char)0xC3};
    py_repr_string_append(&b, bad, sizeof bad);
    assert_int_equal(b.n, 4);
    assert_memory_equal(b.p, "'a\xc3'", 4);
    pybuf_free(&b);
}

/* Every document of every hub: json.dumps output parses back to the same
 * value, and str() is a dict literal. (Byte parity with Python is checked
 * against the published question files: oracle prompts embed json.dumps,
 * bm25 prompts repr(str(doc)); see test_prompt_questions.) */
static void test_hub_documents(void **state)
{
    (void)state;
    const char *root = test_data_root("test_hub_documents");
    if (!root) skip();
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        char path[4096];
        assert_int_equal(gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_API, NULL, NULL, path, sizeof path, NULL),
                         GORILLA_OK);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        size_t n = 0;
        while ((len = getline(&line, &cap, f)) > 0) {
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
            json_t *v = load(line);
            char *d = py_json_dumps(v);
            char *s = py_str(v);
            assert_non_null(d);
            assert_non_null(s);
            assert_true(s[0] == '{' && s[strlen(s) - 1] == '}');
            json_t *back = json_loads(d, 0, NULL);
            assert_non_null(back);
            assert_true(json_equal(back, v));
            json_decref(back);
            n++;
            free(d);
            free(s);
            json_decref(v);
        }
        free(line);
        fclose(f);
        assert_true(n > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repr_quotes),  cmocka_unit_test(test_repr_escapes),
        cmocka_unit_test(test_float_repr),   cmocka_unit_test(test_values),
        cmocka_unit_test(test_json_dumps),   cmocka_unit_test(test_isprintable),
        cmocka_unit_test(test_pybuf),        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_hub_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
