/* test_prompt_questions.c — question files in the published format. */
#include "testutil.h"
#include <jansson.h>

static gorilla_pairs *pairs_from(const char *text)
{
    char *path = test_write_temp(text, strlen(text));
    assert_non_null(path);
    gorilla_pairs *p = NULL;
    gorilla_error err;
    assert_int_equal(gorilla_pairs_load(path, &p, &err), GORILLA_OK);
    unlink(path);
    free(path);
    return p;
}

static const char FIXTURE[] =
    "{\"code\": \"###Instruction: Find \\\"cats\\\" in photos.\\n\\n\\n###Input: a.jpg\\n###Output: x\", "
    "\"api_call\": \"f()\", \"provider\": \"P\", \"api_data\": {\"domain\": \"D\", \"example_code\": \"a\\n\\nb\", "
    "\"n\": 1.5, \"t\": \"\\u00e9\"}}\n"
    "{\"code\": \"no markers here\", \"api_call\": \"g()\", \"provider\": \"P\", \"api_data\": {\"domain\": \"E\"}}\n"
    "{\"code\": \"###Instruction: Second.\\n###Output: y\", \"api_call\": \"g()\", \"provider\": \"P\", "
    "\"api_data\": {\"domain\": \"E\"}}";

static void test_settings(void **state)
{
    (void)state;
    gorilla_setting s;
    assert_int_equal(gorilla_setting_parse("0_shot", &s), 0);
    assert_int_equal(s, GORILLA_SETTING_0_SHOT);
    assert_int_equal(gorilla_setting_parse("oracle", &s), 0);
    assert_int_equal(s, GORILLA_SETTING_ORACLE);
    assert_int_equal(gorilla_setting_parse("3_shot", &s), -1);
    assert_string_equal(gorilla_setting_name(GORILLA_SETTING_GPT_INDEX), "gpt_index");
}

static void test_zero_shot_line(void **state)
{
    (void)state;
    gorilla_pairs *p = pairs_from(FIXTURE);
    char *line;
    assert_int_equal(gorilla_question_line(p, 0, GORILLA_SETTING_0_SHOT, NULL, 0, 0, &line, NULL), GORILLA_OK);
    /* json.dumps escaping inside the text, "\n\n" pairs halved (3 -> 2). */
    assert_string_equal(line, "{\"question_id\": 1, \"text\": \" Find \\\\\\\"cats\\\\\\\" in photos.\\\\n\\\\n"
                              "###Input: a.jpg\\\\n\", \"category\": \"generic\"}");
    free(line);
    /* A pair without the markers is skipped. */
    assert_int_equal(gorilla_question_line(p, 1, GORILLA_SETTING_0_SHOT, NULL, 0, 0, &line, NULL), GORILLA_OK);
    assert_null(line);
    assert_null(gorilla_question_text(p, 1));
    char *q = gorilla_question_text(p, 2);
    assert_string_equal(q, " Second.\\n");
    free(q);
    gorilla_pairs_free(p);
}

static void test_oracle_line(void **state)
{
    (void)state;
    gorilla_pairs *p = pairs_from(FIXTURE);
    char *line;
    assert_int_equal(gorilla_question_line(p, 0, GORILLA_SETTING_ORACLE, NULL, 0, 0, &line, NULL), GORILLA_OK);
    assert_string_equal(line,
                        "{\"question_id\": 1, \"text\": \" Find \\\\\\\"cats\\\\\\\" in photos.\\\\n\\\\n###Input: a.jpg\\\\n"
                        " \\n Use this API documentation for reference:  {\\\"domain\\\": \\\"D\\\", \\\"example_code\\\": "
                        "\\\"a\\\\nb\\\", \\\"n\\\": 1.5, \\\"t\\\": \\\"\\\\u00e9\\\"}}\", \"category\": \"generic\"}");
    free(line);
    /* The last line of an eval file without a final newline loses the "}". */
    assert_int_equal(gorilla_question_line(p, 2, GORILLA_SETTING_ORACLE, NULL, 0, GORILLA_QUESTIONS_LAST_LINE_UNTERMINATED,
                                           &line, NULL),
                     GORILLA_OK);
    assert_non_null(strstr(line, "reference:  {\\\"domain\\\": \\\"E\\\"}\", "));
    free(line);
    assert_int_equal(gorilla_question_line(p, 2, GORILLA_SETTING_ORACLE, NULL, 0, 0, &line, NULL), GORILLA_OK);
    assert_non_null(strstr(line, "reference:  {\\\"domain\\\": \\\"E\\\"}}\", "));
    free(line);
    gorilla_pairs_free(p);
}

static void test_bm25_line(void **state)
{
    (void)state;
    gorilla_pairs *p = pairs_from(FIXTURE);
    const char *docs = "{\"domain\": \"D\", \"api_call\": \"f('x')\", \"d\": \"it's\"}\n";
    gorilla_store *store;
    assert_int_equal(gorilla_store_load_buffer("docs", docs, strlen(docs), &store, NULL), GORILLA_OK);
    char *line;
    assert_int_equal(gorilla_question_line(p, 2, GORILLA_SETTING_BM25, store, 0, 0, &line, NULL), GORILLA_OK);
    /* text: [Document(page_content=repr(str(doc)), metadata={})] */
    assert_string_equal(line, "{\"question_id\": 3, \"text\": \" Second.\\\\n \\n Use this API documentation for "
                              "reference: [Document(page_content='{\\\\'domain\\\\': \\\\'D\\\\', \\\\'api_call\\\\': "
                              "\\\"f(\\\\'x\\\\')\\\", \\\\'d\\\\': \\\"it\\\\'s\\\"}', metadata={})]\", \"category\": "
                              "\"generic\"}");
    /* ... and the document can be found again from the text. */
    const char *texts[1];
    json_t *obj = json_loads(line, 0, NULL);
    texts[0] = json_string_value(json_object_get(obj, "text"));
    long idx = -2;
    assert_int_equal(gorilla_questions_embedded_docs(store, texts, 1, &idx, NULL), GORILLA_OK);
    assert_int_equal(idx, 0);
    json_decref(obj);
    free(line);
    /* A missing document is an error, not a crash. */
    gorilla_error err;
    assert_int_equal(gorilla_question_line(p, 2, GORILLA_SETTING_BM25, store, 7, 0, &line, &err), GORILLA_ERR_NOT_FOUND);
    gorilla_store_free(store);
    gorilla_pairs_free(p);
}

/* Reads a file's lines into a map question_id -> line (kept in order). */
typedef struct {
    char **lines;
    long *qid;
    size_t n;
} line_set;

static void read_lines(const char *path, line_set *s)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    s->lines = NULL;
    s->qid = NULL;
    s->n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = '\0';
        s->lines = realloc(s->lines, (s->n + 1) * sizeof *s->lines);
        s->qid = realloc(s->qid, (s->n + 1) * sizeof *s->qid);
        s->lines[s->n] = strdup(line);
        const char *q = strstr(line, "\"question_id\": ");
        s->qid[s->n] = q ? strtol(q + 15, NULL, 10) : -1;
        s->n++;
    }
    free(line);
    fclose(f);
}

static void free_lines(line_set *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->lines[i]);
    free(s->lines);
    free(s->qid);
}

/* Why a generated line differs from the published one. */
static const char *diff_reason(const char *mine, const char *pub)
{
    if (!mine) return "the eval pair has no instruction/output markers now";
    const char *sep = "Use this API documentation";
    const char *a = strstr(mine, sep), *b = strstr(pub, sep);
    size_t la = a ? (size_t)(a - mine) : strlen(mine), lb = b ? (size_t)(b - pub) : strlen(pub);
    if (la != lb || strncmp(mine, pub, la) != 0) return "the instruction differs: the eval file's code changed";
    return "the document differs: the eval file's api_data changed";
}

static void compare_setting(const char *root, gorilla_hub hub, gorilla_setting setting)
{
    char qpath[4096], epath[4096];
    assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_QUESTIONS, NULL, gorilla_setting_name(setting), qpath,
                                       sizeof qpath, NULL), GORILLA_OK);
    assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_EVAL, NULL, NULL, epath, sizeof epath, NULL), GORILLA_OK);
    gorilla_pairs *pairs;
    assert_int_equal(gorilla_pairs_load(epath, &pairs, NULL), GORILLA_OK);
    unsigned flags = 0;
    FILE *f = fopen(epath, "rb");
    assert_non_null(f);
    if (fseek(f, -1, SEEK_END) == 0 && fgetc(f) != '\n') flags = GORILLA_QUESTIONS_LAST_LINE_UNTERMINATED;
    fclose(f);
    line_set pub;
    read_lines(qpath, &pub);
    size_t same = 0;
    for (size_t j = 0; j < pub.n; j++) {
        long qid = pub.qid[j];
        char *mine = NULL;
        if (qid >= 1 && (size_t)qid <= gorilla_pairs_count(pairs))
            assert_int_equal(gorilla_question_line(pairs, (size_t)qid - 1, setting, NULL, 0, flags, &mine, NULL),
                             GORILLA_OK);
        if (mine && strcmp(mine, pub.lines[j]) == 0) same++;
        else printf("  %s %s question %ld differs: %s\n", gorilla_hub_name(hub), gorilla_setting_name(setting), qid,
                    diff_reason(mine, pub.lines[j]));
        free(mine);
    }
    /* Every pair with markers has a published line, and no other does. */
    size_t generated = 0;
    for (size_t i = 0; i < gorilla_pairs_count(pairs); i++) {
        char *q = gorilla_question_text(pairs, i);
        generated += q != NULL;
        free(q);
    }
    printf("%s %s: %zu of %zu lines byte-identical (%.2f%%); %zu generated\n", gorilla_hub_name(hub),
           gorilla_setting_name(setting), same, pub.n, 100.0 * (double)same / (double)pub.n, generated);
    assert_int_equal(generated, pub.n);
    assert_true(same * 1000 >= pub.n * 995);
    free_lines(&pub);
    gorilla_pairs_free(pairs);
}

static void test_published_zero_shot_and_oracle(void **state)
{
    (void)state;
    const char *root = test_data_root("test_published_zero_shot_and_oracle");
    if (!root) skip();
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        compare_setting(root, (gorilla_hub)h, GORILLA_SETTING_0_SHOT);
        compare_setting(root, (gorilla_hub)h, GORILLA_SETTING_ORACLE);
    }
}

/* The whole-file writer gives the same bytes as the published file. */
static void test_write_whole_file(void **state)
{
    (void)state;
    const char *root = test_data_root("test_write_whole_file");
    if (!root) skip();
    char qpath[4096], epath[4096];
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TENSORFLOWHUB, GORILLA_FILE_QUESTIONS, NULL, "0_shot", qpath,
                                       sizeof qpath, NULL), GORILLA_OK);
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TENSORFLOWHUB, GORILLA_FILE_EVAL, NULL, NULL, epath,
                                       sizeof epath, NULL), GORILLA_OK);
    gorilla_pairs *pairs;
    assert_int_equal(gorilla_pairs_load(epath, &pairs, NULL), GORILLA_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_int_equal(gorilla_questions_write(mem, pairs, GORILLA_SETTING_0_SHOT, NULL, 0, NULL), GORILLA_OK);
    fclose(mem);
    FILE *f = fopen(qpath, "rb");
    assert_non_null(f);
    char *want = malloc(len + 2);
    size_t got = fread(want, 1, len + 1, f);
    fclose(f);
    assert_int_equal(got, len);
    assert_memory_equal(want, buf, len);
    free(want);
    free(buf);
    /* bm25 without a retriever is refused. */
    gorilla_error err;
    mem = open_memstream(&buf, &len);
    assert_int_equal(gorilla_questions_write(mem, pairs, GORILLA_SETTING_BM25, NULL, 0, &err), GORILLA_ERR_INVALID);
    fclose(mem);
    free(buf);
    gorilla_pairs_free(pairs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_zero_shot_line),
        cmocka_unit_test(test_oracle_line),
        cmocka_unit_test(test_bm25_line),
        cmocka_unit_test(test_published_zero_shot_and_oracle),
        cmocka_unit_test(test_write_whole_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
