/* test_retrieve_index.c — the persistent (memory-mapped) index file. */
#include "testutil.h"
#include <sys/stat.h>

static const char DOCS[] =
    "{\"domain\": \"Semantic Segmentation\", \"api_name\": \"deeplab\", \"api_call\": \"load('deeplab')\", "
    "\"functionality\": \"segment objects in street scenes\", \"description\": \"pixel-wise segmentation of pedestrians\", "
    "\"performance\": {\"dataset\": \"COCO\", \"accuracy\": {\"mIoU\": 66.4}}}\n"
    "{\"domain\": \"Classification\", \"api_name\": \"resnet18\", \"api_call\": \"load('resnet18')\", "
    "\"functionality\": \"image classification\", \"description\": \"classify images into 1000 classes\", "
    "\"performance\": {\"dataset\": \"ImageNet\", \"accuracy\": {\"top-1\": \"69.76%\"}, \"Params (M)\": 11.7}}\n"
    "{\"domain\": \"Text-To-Speech\", \"api_name\": \"tacotron2\", \"api_call\": \"load('tacotron2')\", "
    "\"functionality\": \"speech synthesis\", \"description\": \"turn text into natural speech audio\"}\n";

static const char *QUERIES[] = {"segment pedestrians", "classify my images", "speak this text aloud", "zzz unknown",
                                "{'domain': 'Classification',"};

static gorilla_store *store_from(const char *text)
{
    gorilla_store *s = NULL;
    assert_int_equal(gorilla_store_load_buffer("fixture", text, strlen(text), &s, NULL), GORILLA_OK);
    return s;
}

static char *temp_path(void)
{
    char *p = test_write_temp("", 0);
    assert_non_null(p);
    return p;
}

static void same_results(gorilla_retriever *a, gorilla_retriever *b, const char *q, size_t k)
{
    gorilla_hit ha[8], hb[8];
    size_t na, nb;
    assert_int_equal(gorilla_retriever_search(a, q, k, ha, &na, NULL), GORILLA_OK);
    assert_int_equal(gorilla_retriever_search(b, q, k, hb, &nb, NULL), GORILLA_OK);
    assert_int_equal(na, nb);
    for (size_t j = 0; j < na; j++) {
        assert_int_equal(ha[j].api_index, hb[j].api_index);
        assert_true(ha[j].score == hb[j].score);
    }
}

static void test_roundtrip(void **state)
{
    (void)state;
    const char *names[] = {"gorilla", "bm25-official"};
    for (int k = 0; k < 2; k++) {
        gorilla_store *s = store_from(DOCS);
        gorilla_retriever *built, *opened, *bare;
        assert_int_equal(gorilla_retriever_new(s, names[k], &built, NULL), GORILLA_OK);
        char *path = temp_path();
        assert_int_equal(gorilla_retriever_save(built, path, NULL), GORILLA_OK);
        assert_int_equal(gorilla_retriever_open(path, s, &opened, NULL), GORILLA_OK);
        assert_string_equal(gorilla_retriever_name(opened), names[k]);
        for (size_t q = 0; q < sizeof QUERIES / sizeof QUERIES[0]; q++) same_results(built, opened, QUERIES[q], 3);
        /* saving an opened (mapped) index gives an equivalent file */
        char *path2 = temp_path();
        assert_int_equal(gorilla_retriever_save(opened, path2, NULL), GORILLA_OK);
        assert_int_equal(gorilla_retriever_open(path2, NULL, &bare, NULL), GORILLA_OK);
        for (size_t q = 0; q < sizeof QUERIES / sizeof QUERIES[0]; q++) same_results(built, bare, QUERIES[q], 3);
        /* without the store: search only */
        gorilla_error err;
        assert_int_equal(gorilla_retriever_where(bare, "top1>50", &err), GORILLA_ERR_INVALID);
        assert_int_equal(gorilla_retriever_remove(bare, 0, &err), GORILLA_ERR_INVALID);
        gorilla_retriever_free(bare);
        /* edits on an opened index: copied into memory, then changed */
        const char *asr = "{\"domain\": \"Speech Recognition\", \"api_name\": \"whisper\", \"api_call\": \"load('whisper')\", "
                          "\"functionality\": \"transcribe spoken words\", \"description\": \"speech to text recording\"}";
        assert_int_equal(gorilla_retriever_replace(opened, 2, asr, NULL), GORILLA_OK);
        gorilla_hit h[3];
        size_t n;
        assert_int_equal(gorilla_retriever_search(opened, k ? "'transcribe" : "transcribe the recording", 1, h, &n, NULL),
                         GORILLA_OK);
        assert_int_equal(h[0].api_index, 2);
        assert_int_equal(gorilla_retriever_where(opened, "dataset=ImageNet", NULL), GORILLA_OK);
        assert_int_equal(gorilla_retriever_search(opened, "segment", 3, h, &n, NULL), GORILLA_OK);
        assert_int_equal(n, 1);
        assert_int_equal(h[0].api_index, 1);
        gorilla_retriever_free(opened);
        gorilla_retriever_free(built);
        unlink(path);
        unlink(path2);
        free(path);
        free(path2);
        gorilla_store_free(s);
    }
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

static gorilla_status try_open(const char *path, gorilla_store *s, gorilla_error *err)
{
    gorilla_retriever *r = (gorilla_retriever *)1;
    gorilla_status st = gorilla_retriever_open(path, s, &r, err);
    if (st == GORILLA_OK) gorilla_retriever_free(r);
    else assert_null(r);
    return st;
}

static void test_damaged_files(void **state)
{
    (void)state;
    gorilla_store *s = store_from(DOCS);
    gorilla_retriever *r;
    assert_int_equal(gorilla_retriever_new(s, "gorilla", &r, NULL), GORILLA_OK);
    char *path = temp_path(), *bad = temp_path();
    assert_int_equal(gorilla_retriever_save(r, path, NULL), GORILLA_OK);
    size_t len;
    unsigned char *orig = read_all(path, &len);
    gorilla_error err;
    /* truncated at every 8th length, and empty */
    size_t rejected = 0, tried = 0;
    for (size_t cut = 0; cut < len; cut += 8) {
        write_all(bad, orig, cut);
        tried++;
        if (try_open(bad, s, &err) == GORILLA_ERR_PARSE) rejected++;
    }
    assert_int_equal(rejected, tried);
    assert_non_null(strstr(err.message, "index file"));
    /* every single flipped byte is detected */
    unsigned char *copy = malloc(len);
    for (size_t at = 0; at < len; at += (len > 4000 ? 7 : 1)) {
        memcpy(copy, orig, len);
        copy[at] ^= 0x5a;
        write_all(bad, copy, len);
        gorilla_status st = try_open(bad, s, &err);
        assert_true(st == GORILLA_ERR_PARSE || st == GORILLA_ERR_UNSUPPORTED);
    }
    /* a foreign file */
    write_all(bad, (const unsigned char *)"{\"domain\": \"x\"}\n", 16);
    assert_int_equal(try_open(bad, s, &err), GORILLA_ERR_PARSE);
    memset(copy, 0, len);
    write_all(bad, copy, len);
    assert_int_equal(try_open(bad, s, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "not a gorilla index"));
    /* the wrong store */
    gorilla_store *other = store_from("{\"domain\": \"x\"}\n");
    assert_int_equal(try_open(path, other, &err), GORILLA_ERR_INVALID);
    gorilla_store_free(other);
    /* missing file, directory */
    assert_int_equal(try_open("/nonexistent/index.gidx", s, &err), GORILLA_ERR_IO);
    assert_int_equal(try_open("/tmp", s, &err), GORILLA_ERR_IO);
    /* the intact file still opens */
    assert_int_equal(try_open(path, s, &err), GORILLA_OK);
    free(copy);
    free(orig);
    unlink(path);
    unlink(bad);
    free(path);
    free(bad);
    gorilla_retriever_free(r);
    gorilla_store_free(s);
}

/* A hub's index: every eval question gives the same top 5 from the file. */
static void test_hub_roundtrip(void **state)
{
    (void)state;
    const char *root = test_data_root("test_hub_roundtrip");
    if (!root) skip();
    char api[4096], evalp[4096];
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_HUGGINGFACE, GORILLA_FILE_API, NULL, NULL, api, sizeof api, NULL),
                     GORILLA_OK);
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_HUGGINGFACE, GORILLA_FILE_EVAL, NULL, NULL, evalp, sizeof evalp,
                                       NULL), GORILLA_OK);
    gorilla_store *s;
    gorilla_pairs *pairs;
    assert_int_equal(gorilla_store_load(api, &s, NULL), GORILLA_OK);
    assert_int_equal(gorilla_pairs_load(evalp, &pairs, NULL), GORILLA_OK);
    gorilla_retriever *built, *opened;
    assert_int_equal(gorilla_retriever_new(s, NULL, &built, NULL), GORILLA_OK);
    char *path = temp_path();
    assert_int_equal(gorilla_retriever_save(built, path, NULL), GORILLA_OK);
    assert_int_equal(gorilla_retriever_open(path, s, &opened, NULL), GORILLA_OK);
    struct stat sb;
    stat(path, &sb);
    printf("huggingface index file: %lld bytes\n", (long long)sb.st_size);
    for (size_t i = 0; i < gorilla_pairs_count(pairs); i++) {
        char *q = gorilla_question_text(pairs, i);
        if (!q) continue;
        same_results(built, opened, q, 5);
        free(q);
    }
    gorilla_retriever_free(opened);
    gorilla_retriever_free(built);
    unlink(path);
    free(path);
    gorilla_pairs_free(pairs);
    gorilla_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_hub_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
