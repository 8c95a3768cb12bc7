/* test_store.c — loading API documents, pairs and records; hubs; data paths;
 * bad input with clear messages. */
#include "testutil.h"

static const char DOCS[] =
    "{\"domain\": \"Image Classification\", \"api_name\": \"resnet50\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\"}\n"
    "{\"domain\": \"Object Detection\", \"api_name\": \"yolov5s\", \"api_call\": \"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)\", \"performance\": {\"dataset\": \"COCO\"}}\n";

static void test_store_load_buffer(void **state)
{
    (void)state;
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load_buffer("docs", DOCS, strlen(DOCS), &s, &err), GORILLA_OK);
    assert_int_equal(gorilla_store_count(s), 2);
    assert_string_equal(gorilla_store_field(s, 1, "api_name"), "yolov5s");
    assert_string_equal(gorilla_store_field(s, 0, "domain"), "Image Classification");
    assert_null(gorilla_store_field(s, 1, "performance")); /* not a string */
    assert_null(gorilla_store_field(s, 5, "domain"));      /* out of range */
    char *json = gorilla_store_doc_json(s, 1);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"performance\":{\"dataset\":\"COCO\"}"));
    assert_true(strstr(json, "\"domain\"") < strstr(json, "\"api_name\"")); /* key order kept */
    free(json);
    gorilla_store_free(s);
}

static void expect_error(const char *text, size_t len, gorilla_status status, const char *needle)
{
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load_buffer("bad.jsonl", text, len, &s, &err), status);
    assert_null(s);
    if (!strstr(err.message, needle)) fail_msg("message '%s' lacks '%s'", err.message, needle);
}

static void test_store_bad_input(void **state)
{
    (void)state;
    /* truncated line: names file, line and column */
    const char trunc[] = "{\"a\": \"b\"}\n{\"domain\": \"x\", \"api_ca";
    expect_error(trunc, strlen(trunc), GORILLA_ERR_PARSE, "bad.jsonl:2:");
    expect_error("", 0, GORILLA_ERR_PARSE, "empty file");
    expect_error("{\"a\": 1}\n\n{\"a\": 2}\n", 18, GORILLA_ERR_PARSE, "bad.jsonl:2: empty line");
    /* text starting with '[' is an APIZoo list: its entries must be objects */
    expect_error("[1, 2]\n", 7, GORILLA_ERR_INVALID, "bad.jsonl:1: entry 1: expected an object, got a number");
    expect_error("{\"a\": 1}\n[1, 2]\n", 16, GORILLA_ERR_PARSE, "bad.jsonl:2:1: expected a JSON object");
    /* invalid UTF-8 inside a string */
    const char bad_utf8[] = "{\"domain\": \"caf\xc3\x28\"}\n";
    expect_error(bad_utf8, strlen(bad_utf8), GORILLA_ERR_PARSE, "bad.jsonl:1:");
    /* a NUL byte in the middle of a line */
    const char nul[] = "{\"a\": \"x\0y\"}\n";
    expect_error(nul, sizeof nul - 1, GORILLA_ERR_PARSE, "bad.jsonl:1:");
    /* garbage bytes */
    const char junk[] = "\xff\xfe\x00\x01garbage";
    expect_error(junk, sizeof junk - 1, GORILLA_ERR_PARSE, "bad.jsonl:1:");
}

static void test_store_missing_file(void **state)
{
    (void)state;
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load("/nonexistent/api.jsonl", &s, &err), GORILLA_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/api.jsonl: cannot open"));
    /* a folder is read as APIZoo files; one without any is an error */
    char dir[] = "/tmp/gorilla-empty-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(gorilla_store_load(dir, &s, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "no APIZoo documents (0 .json files)"));
    rmdir(dir);
}

static void test_records(void **state)
{
    (void)state;
    const char good[] = "{\"question_id\": 3, \"text\": \"hello\", \"answer_id\": \"x\"}\n"
                        "{\"question_id\": 1, \"text\": \"caf\\u00e9\"}";
    char *path = test_write_temp(good, strlen(good));
    gorilla_records *r = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_records_load(path, &r, &err), GORILLA_OK);
    assert_int_equal(gorilla_records_count(r), 2);
    assert_int_equal(gorilla_records_question_id(r, 0), 3);
    assert_string_equal(gorilla_records_text(r, 1), "caf\xc3\xa9");
    assert_string_equal(gorilla_records_field(r, 0, "answer_id"), "x");
    gorilla_records_free(r);
    unlink(path);
    free(path);

    struct { const char *text, *needle; } bad[] = {
        {"{\"question_id\": 1}\n", ":1: missing \"text\""},
        {"{\"text\": \"a\"}\n", ":1: missing \"question_id\""},
        {"{\"question_id\": \"1\", \"text\": \"a\"}\n", "\"question_id\" is not an integer"},
        {"{\"question_id\": 1, \"text\": \"a\"}\n{\"question_id\": 2, \"text\": 5}\n", ":2: \"text\" is not a string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = test_write_temp(bad[i].text, strlen(bad[i].text));
        r = NULL;
        assert_int_equal(gorilla_records_load(path, &r, &err), GORILLA_ERR_INVALID);
        assert_null(r);
        if (!strstr(err.message, bad[i].needle)) fail_msg("'%s' lacks '%s'", err.message, bad[i].needle);
        unlink(path);
        free(path);
    }
}

static void test_pairs(void **state)
{
    (void)state;
    const char text[] =
        "{\"code\": \"###Instruction: Find a model.\\n###Output: {'domain': 'x'}\", \"api_call\": \"f(a)\", "
        "\"provider\": \"PyTorch\", \"api_data\": {\"domain\": \"Image Classification\"}}\n";
    char *path = test_write_temp(text, strlen(text));
    gorilla_pairs *p = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_pairs_load(path, &p, &err), GORILLA_OK);
    assert_int_equal(gorilla_pairs_count(p), 1);
    assert_string_equal(gorilla_pairs_domain(p, 0), "Image Classification");
    assert_string_equal(gorilla_pairs_api_call(p, 0), "f(a)");
    char *ins = gorilla_pairs_instruction(p, 0);
    assert_string_equal(ins, "Find a model.");
    free(ins);
    gorilla_pairs_free(p);
    unlink(path);
    free(path);
}

static void test_hubs_and_names(void **state)
{
    (void)state;
    gorilla_hub h;
    assert_int_equal(gorilla_hub_parse("hf", &h), 0);
    assert_int_equal(h, GORILLA_HUB_HUGGINGFACE);
    assert_int_equal(gorilla_hub_parse("tensorflow", &h), 0);
    assert_int_equal(h, GORILLA_HUB_TENSORFLOWHUB);
    assert_int_equal(gorilla_hub_parse("pytorch", &h), -1);
    assert_string_equal(gorilla_hub_name(GORILLA_HUB_TORCHHUB), "torchhub");
    assert_int_equal(gorilla_hub_parse("zoo", &h), 0);
    assert_int_equal(h, GORILLA_HUB_APIZOO);
    assert_string_equal(gorilla_hub_name(GORILLA_HUB_APIZOO), "apizoo");
    char zp[256];
    gorilla_error zerr = {0};
    assert_int_equal(gorilla_data_path("/d", GORILLA_HUB_APIZOO, GORILLA_FILE_API, NULL, NULL, zp, sizeof zp, &zerr),
                     GORILLA_OK);
    assert_string_equal(zp, "/d/apizoo");
    assert_int_equal(gorilla_data_path("/d", GORILLA_HUB_APIZOO, GORILLA_FILE_EVAL, NULL, NULL, zp, sizeof zp, &zerr),
                     GORILLA_ERR_NOT_FOUND);

    char model[64], setting[32];
    assert_int_equal(gorilla_response_name_parse("a/b/response_huggingface_Gorilla_FT_gpt_index.jsonl", &h, model,
                                                 sizeof model, setting, sizeof setting), 0);
    assert_int_equal(h, GORILLA_HUB_HUGGINGFACE);
    assert_string_equal(model, "Gorilla_FT");
    assert_string_equal(setting, "gpt_index");
    assert_int_equal(gorilla_response_name_parse("response_torchhub_my_model_0_shot.jsonl", &h, model, sizeof model,
                                                 setting, sizeof setting), 0);
    assert_string_equal(model, "my_model");
    assert_string_equal(setting, "0_shot");
    assert_int_equal(gorilla_response_name_parse("responses.jsonl", &h, model, sizeof model, setting, sizeof setting), -1);
    assert_int_equal(gorilla_response_name_parse("response_x_m_bm25.jsonl", &h, model, sizeof model, setting, sizeof setting), -1);
    assert_int_equal(gorilla_response_name_parse("response_th_m_fewshot.jsonl", &h, model, sizeof model, setting, sizeof setting), -1);

    char path[256];
    gorilla_error err = {0};
    assert_int_equal(gorilla_data_path("/d", GORILLA_HUB_TENSORFLOWHUB, GORILLA_FILE_EVAL, NULL, NULL, path, sizeof path, &err), GORILLA_OK);
    assert_string_equal(path, "/d/apibench/tensorflow_eval.json");
    assert_int_equal(gorilla_data_path("/d", GORILLA_HUB_TORCHHUB, GORILLA_FILE_QUESTIONS, NULL, "bm25", path, sizeof path, &err), GORILLA_OK);
    assert_string_equal(path, "/d/questions/torchhub/questions_torchhub_bm25.jsonl");
    assert_int_equal(gorilla_data_path("/d", GORILLA_HUB_TORCHHUB, GORILLA_FILE_API, NULL, NULL, path, 8, &err), GORILLA_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_load_buffer), cmocka_unit_test(test_store_bad_input),
        cmocka_unit_test(test_store_missing_file), cmocka_unit_test(test_records),
        cmocka_unit_test(test_pairs),            cmocka_unit_test(test_hubs_and_names),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
