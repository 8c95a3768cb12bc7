/* test_retrieve_cli.c — `gorilla retrieve` and `gorilla prompt` end to end:
 * runs $GORILLA_BIN (set by tests/run.sh) and checks outputs and exit codes. */
#include "testutil.h"
#include <sys/wait.h>

static const char *gorilla_bin(const char *test)
{
    const char *bin = getenv("GORILLA_BIN");
    if (!bin || !*bin || access(bin, X_OK) != 0) {
        printf("  skipped: %s: no gorilla binary (set GORILLA_BIN; tests/run.sh does)\n", test);
        return NULL;
    }
    return bin;
}

/* Runs a shell command; returns its exit status and its stdout (malloc'd). */
static int run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[n] = '\0';
    int st = pclose(p);
    if (out) *out = buf;
    else free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char DOCS[] =
    "{\"domain\": \"Semantic Segmentation\", \"api_call\": \"load('deeplab')\", \"functionality\": \"segment street scenes\", "
    "\"performance\": {\"dataset\": \"COCO\", \"accuracy\": {\"top-1\": 60}}}\n"
    "{\"domain\": \"Classification\", \"api_call\": \"load('resnet')\", \"functionality\": \"classify images\", "
    "\"performance\": {\"dataset\": \"ImageNet\", \"accuracy\": {\"top-1\": 76.1}, \"Params (M)\": 25.6}}\n";

static void test_cli_basics(void **state)
{
    (void)state;
    const char *bin = gorilla_bin("test_cli_basics");
    if (!bin) skip();
    char *api = test_write_temp(DOCS, strlen(DOCS));
    char cmd[8192], *out;
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s --json -k 1 'classify my images' 2>/dev/null", bin, api);
    assert_int_equal(run(cmd, &out), 0);
    assert_int_equal(strncmp(out, "[{\"api_index\": 1, \"score\": ", 27), 0);
    assert_non_null(strstr(out, "}]\n"));
    assert_null(strstr(out, "}, {"));
    free(out);
    /* bad input: clear errors, exit codes 1 (failure) or 2 (usage) */
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s '' 2>&1", bin, api);
    assert_int_equal(run(cmd, &out), 1);
    assert_non_null(strstr(out, "empty query"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s --where 'size<3' x 2>&1", bin, api);
    assert_int_equal(run(cmd, &out), 1);
    assert_non_null(strstr(out, "unknown field 'size'"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s --where 'top1>7.5.1' x 2>&1", bin, api);
    assert_int_equal(run(cmd, &out), 1);
    assert_non_null(strstr(out, "malformed number"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s --where 'top1>=70' --json -k 5 'segment streets' 2>&1", bin, api);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "\"api_index\": 1"));
    assert_null(strstr(out, "\"api_index\": 0"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub nohub --api %s x 2>/dev/null", bin, api);
    assert_int_equal(run(cmd, NULL), 2);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s -k 0 x 2>/dev/null", bin, api);
    assert_int_equal(run(cmd, NULL), 2);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api /nonexistent.jsonl x 2>&1", bin);
    assert_int_equal(run(cmd, &out), 1);
    assert_non_null(strstr(out, "cannot open"));
    free(out);
    /* a 1 MB query in a question file: refused with a message naming the line */
    size_t big = 1024 * 1024;
    char *q = malloc(big + 64);
    int n = snprintf(q, 64, "{\"question_id\": 7, \"text\": \"");
    memset(q + n, 'a', big);
    strcpy(q + n + big, "\"}\n");
    char *qpath = test_write_temp(q, strlen(q));
    free(q);
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s --queries %s 2>&1", bin, api, qpath);
    assert_int_equal(run(cmd, &out), 1);
    assert_non_null(strstr(out, "question_id 7"));
    assert_non_null(strstr(out, "limit"));
    free(out);
    unlink(qpath);
    free(qpath);
    /* --queries: one JSON line per question */
    const char *qs = "{\"question_id\": 3, \"text\": \"segment street scenes\"}\n{\"question_id\": 9, \"text\": \"classify\"}\n";
    qpath = test_write_temp(qs, strlen(qs));
    snprintf(cmd, sizeof cmd, "%s retrieve --hub th --api %s --queries %s -k 1 --retriever bm25-official", bin, api, qpath);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "{\"question_id\": 3, \"results\": [{\"api_index\": "));
    assert_non_null(strstr(out, "}]}\n{\"question_id\": 9, \"results\": [{\"api_index\": "));
    free(out);
    unlink(qpath);
    free(qpath);
    unlink(api);
    free(api);
}

static void test_cli_data(void **state)
{
    (void)state;
    const char *bin = gorilla_bin("test_cli_data");
    const char *root = bin ? test_data_root("test_cli_data") : NULL;
    if (!root) skip();
    char cmd[8192], *out;
    /* the table: three rows per hub */
    snprintf(cmd, sizeof cmd, "%s retrieve --eval --data %s 2>&1", bin, root);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "domain@1"));
    assert_non_null(strstr(out, "tensorflowhub  gpt_index"));
    assert_non_null(strstr(out, "huggingface    bm25-official"));
    printf("%s", out);
    free(out);
    /* prompt: the whole TorchHub oracle file, byte for byte */
    char qpath[4096];
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TORCHHUB, GORILLA_FILE_QUESTIONS, NULL, "oracle", qpath,
                                       sizeof qpath, NULL), GORILLA_OK);
    snprintf(cmd, sizeof cmd, "%s prompt --hub th --data %s --setting oracle | cmp - %s 2>&1", bin, root, qpath);
    assert_int_equal(run(cmd, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s prompt --hub th --data %s --setting gpt_index 2>/dev/null", bin, root);
    assert_int_equal(run(cmd, NULL), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_basics),
        cmocka_unit_test(test_cli_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
