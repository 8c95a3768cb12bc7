/* test_retrieve_default.c — the default retriever, constraints, document
 * changes, bad input; domain@1 targets on the APIBench eval pairs. */
#include "testutil.h"
#include <jansson.h>
#include "retrieve/tokenize.h"
#include "retrieve/retrieve_internal.h"
#include "store/store.h"

static gorilla_store *store_from(const char *text)
{
    gorilla_store *s = NULL;
    gorilla_error err;
    if (gorilla_store_load_buffer("fixture", text, strlen(text), &s, &err) != GORILLA_OK) printf("%s\n", err.message);
    assert_non_null(s);
    return s;
}

typedef struct {
    char out[512];
} tok_acc;

static void collect(const char *tok, size_t len, void *ctx)
{
    tok_acc *a = ctx;
    size_t n = strlen(a->out);
    if (n + len + 2 >= sizeof a->out) return;
    if (n) a->out[n++] = ' ';
    memcpy(a->out + n, tok, len);
    a->out[n + len] = '\0';
}

static void test_tokenizer(void **state)
{
    (void)state;
    tok_acc a = {{0}};
    rt_tokenize("I need an API for classifying Images of dogs: AutoModelForSegmentation, v2!", 76, collect, &a);
    assert_string_equal(a.out, "classify image dog auto segment v2");
    a.out[0] = '\0';
    rt_tokenize("classification detection translation", 36, collect, &a);
    assert_string_equal(a.out, "classific detect transl");
    a.out[0] = '\0';
    rt_split_spaces("a  b ", 5, collect, &a);
    /* Python 'a  b '.split(' ') == ['a', '', 'b', ''] */
    assert_string_equal(a.out, "a  b ");
    assert_true(rt_is_stopword("the", 3));
    assert_false(rt_is_stopword("segmentation", 12));
}

static const char DOCS[] =
    "{\"domain\": \"Semantic Segmentation\", \"api_name\": \"deeplab\", \"api_call\": \"load('deeplab')\", "
    "\"functionality\": \"segment objects in street scenes\", \"description\": \"pixel-wise segmentation of pedestrians and cars\", "
    "\"performance\": {\"dataset\": \"COCO\", \"accuracy\": {\"mIoU\": 66.4}}}\n"
    "{\"domain\": \"Classification\", \"api_name\": \"resnet18\", \"api_call\": \"load('resnet18')\", "
    "\"functionality\": \"image classification\", \"description\": \"classify images into 1000 classes\", "
    "\"performance\": {\"dataset\": \"ImageNet\", \"accuracy\": {\"top-1\": \"69.76%\", \"top-5\": \"89.08%\"}, \"Params (M)\": 11.7}}\n"
    "{\"domain\": \"Classification\", \"api_name\": \"resnet152\", \"api_call\": \"load('resnet152')\", "
    "\"functionality\": \"image classification\", \"description\": \"classify images, a deeper network\", "
    "\"performance\": {\"dataset\": \"ImageNet\", \"accuracy\": \"Top-1: 78.3%, Top-5: 94.1%\", \"params_m\": \"60.2M\"}}\n"
    "{\"domain\": \"Text-To-Speech\", \"api_name\": \"tacotron2\", \"api_call\": \"load('tacotron2')\", "
    "\"functionality\": \"speech synthesis\", \"description\": \"turn text into natural speech audio\", "
    "\"performance\": {\"dataset\": [\"LJSpeech\"], \"accuracy\": null}}\n";

static size_t top1(gorilla_retriever *r, const char *q)
{
    gorilla_hit h[3];
    size_t n = 0;
    gorilla_error err;
    gorilla_status st = gorilla_retriever_search(r, q, 3, h, &n, &err);
    if (st != GORILLA_OK) printf("%s\n", err.message);
    assert_int_equal(st, GORILLA_OK);
    assert_true(n >= 1);
    return h[0].api_index;
}

static void test_ranking(void **state)
{
    (void)state;
    gorilla_store *s = store_from(DOCS);
    gorilla_retriever *r;
    assert_int_equal(gorilla_retriever_new(s, NULL, &r, NULL), GORILLA_OK);
    assert_string_equal(gorilla_retriever_name(r), "gorilla");
    assert_int_equal(top1(r, "segment the pedestrians in my street photos"), 0);
    assert_int_equal(top1(r, "read this text aloud with a natural voice (speech)"), 3);
    size_t c = top1(r, "classify images of animals");
    assert_true(c == 1 || c == 2);
    /* k larger than the store: every document once */
    gorilla_hit h[10];
    size_t n;
    assert_int_equal(gorilla_retriever_search(r, "classify", 10, h, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 4);
    /* a query with no known word still answers (all scores 0, index order) */
    assert_int_equal(gorilla_retriever_search(r, "zzzz qqqq", 2, h, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].api_index, 0);
    gorilla_retriever_free(r);
    gorilla_store_free(s);
}

static void test_numbers(void **state)
{
    (void)state;
    gorilla_store *s = store_from(DOCS);
    double v;
    assert_true(rt_doc_number(store_doc(s, 1), "top1", &v));
    assert_true(v > 69.75 && v < 69.77);
    assert_true(rt_doc_number(store_doc(s, 1), "top5", &v));
    assert_true(v > 89.07 && v < 89.09);
    assert_true(rt_doc_number(store_doc(s, 1), "params_m", &v));
    assert_true(v > 11.6 && v < 11.8);
    assert_true(rt_doc_number(store_doc(s, 2), "top1", &v));
    assert_true(v > 78.2 && v < 78.4);
    assert_true(rt_doc_number(store_doc(s, 2), "top5", &v));
    assert_true(v > 94.0 && v < 94.2);
    assert_true(rt_doc_number(store_doc(s, 2), "params_m", &v));
    assert_true(v > 60.1 && v < 60.3);
    assert_false(rt_doc_number(store_doc(s, 0), "top1", &v));
    assert_false(rt_doc_number(store_doc(s, 3), "accuracy", &v));
    gorilla_store_free(s);
}

static void test_constraints(void **state)
{
    (void)state;
    gorilla_store *s = store_from(DOCS);
    gorilla_retriever *r;
    assert_int_equal(gorilla_retriever_new(s, "gorilla", &r, NULL), GORILLA_OK);
    assert_int_equal(top1(r, "classify images"), 2);
    assert_int_equal(gorilla_retriever_where(r, "top1>=70", NULL), GORILLA_OK);
    assert_int_equal(top1(r, "classify images"), 2);
    gorilla_hit h[4];
    size_t n;
    assert_int_equal(gorilla_retriever_search(r, "classify images", 4, h, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 1); /* only resnet152 has top-1 >= 70 */
    gorilla_retriever_clear_where(r);
    assert_int_equal(gorilla_retriever_where(r, "params_m < 20", NULL), GORILLA_OK);
    assert_int_equal(gorilla_retriever_where(r, "dataset=imagenet", NULL), GORILLA_OK);
    assert_int_equal(top1(r, "classify images"), 1);
    gorilla_retriever_clear_where(r);
    assert_int_equal(gorilla_retriever_where(r, "dataset=LJSpeech", NULL), GORILLA_OK);
    assert_int_equal(top1(r, "classify images"), 3);
    assert_true(gorilla_retriever_accepts(r, 3));
    assert_false(gorilla_retriever_accepts(r, 0));
    gorilla_retriever_clear_where(r);
    assert_int_equal(gorilla_retriever_where(r, "domain~segment", NULL), GORILLA_OK);
    assert_int_equal(top1(r, "classify images"), 0);
    gorilla_retriever_clear_where(r);
    /* bad constraints: clear errors */
    gorilla_error err;
    assert_int_equal(gorilla_retriever_where(r, "<10", &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "names no field"));
    assert_int_equal(gorilla_retriever_where(r, "size<10", &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "unknown field"));
    assert_int_equal(gorilla_retriever_where(r, "top1>=7x0", &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "malformed number"));
    assert_int_equal(gorilla_retriever_where(r, "top1>=", &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_retriever_where(r, "top1", &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_retriever_where(r, "top1 ~ 5", &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_retriever_where(r, "dataset < x", &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_retriever_where(r, "top1>=nan", &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_retriever_where(r, NULL, &err), GORILLA_ERR_INVALID);
    /* nothing was added by the failures */
    assert_int_equal(top1(r, "classify images"), 2);
    gorilla_retriever_free(r);
    gorilla_store_free(s);
}

static void check_edits(const char *name)
{
    gorilla_store *s = store_from(DOCS);
    gorilla_retriever *r;
    assert_int_equal(gorilla_retriever_new(s, name, &r, NULL), GORILLA_OK);
    const char *query = "transcribe spoken words from a microphone recording";
    assert_int_not_equal(top1(r, query), 3);
    /* Replace document 3 by a speech-recognition document: it is found in its new form. */
    const char *asr = "{\"domain\": \"Speech Recognition\", \"api_name\": \"whisper\", \"api_call\": \"load('whisper')\", "
                      "\"functionality\": \"transcribe spoken words\", \"description\": \"speech to text from a microphone recording\"}";
    assert_int_equal(gorilla_retriever_replace(r, 3, asr, NULL), GORILLA_OK);
    assert_int_equal(top1(r, query), 3);
    assert_string_equal(gorilla_store_field(s, 3, "api_name"), "whisper");
    /* ... and no longer in its old form */
    gorilla_hit h[4];
    size_t n;
    assert_int_equal(gorilla_retriever_search(r, "tacotron2", 4, h, &n, NULL), GORILLA_OK);
    if (strcmp(name, "bm25-official") != 0) assert_true(h[0].score == 0);
    /* Add a document: it gets the next index and is retrievable. */
    size_t idx = 99;
    const char *ocr = "{\"domain\": \"OCR\", \"api_name\": \"trocr\", \"api_call\": \"load('trocr')\", "
                      "\"functionality\": \"optical character recognition\", \"description\": \"read handwritten receipts\"}";
    assert_int_equal(gorilla_retriever_add(r, ocr, &idx, NULL), GORILLA_OK);
    assert_int_equal(idx, 4);
    assert_int_equal(gorilla_store_count(s), 5);
    assert_int_equal(top1(r, "read handwritten receipts with optical character recognition"), 4);
    /* Remove it: never returned again; the others keep their indices. */
    assert_int_equal(gorilla_retriever_remove(r, 4, NULL), GORILLA_OK);
    assert_int_equal(gorilla_retriever_search(r, "read handwritten receipts with optical character recognition", 10, h,
                                              &n, NULL), GORILLA_OK);
    assert_int_equal(n, 4);
    for (size_t j = 0; j < n; j++) assert_int_not_equal(h[j].api_index, 4);
    assert_int_equal(top1(r, query), 3);
    /* Errors: bad index, bad JSON, not an object, removing twice. */
    gorilla_error err;
    assert_int_equal(gorilla_retriever_remove(r, 4, &err), GORILLA_ERR_NOT_FOUND);
    assert_int_equal(gorilla_retriever_remove(r, 100, &err), GORILLA_ERR_NOT_FOUND);
    assert_int_equal(gorilla_retriever_replace(r, 100, asr, &err), GORILLA_ERR_NOT_FOUND);
    assert_int_equal(gorilla_retriever_replace(r, 0, "{\"domain\": ", &err), GORILLA_ERR_PARSE);
    assert_int_equal(gorilla_retriever_add(r, "[1, 2]", NULL, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_retriever_add(r, NULL, NULL, &err), GORILLA_ERR_INVALID);
    /* A removed slot can be filled again by replace. */
    assert_int_equal(gorilla_retriever_replace(r, 4, ocr, NULL), GORILLA_OK);
    assert_int_equal(top1(r, "read handwritten receipts with optical character recognition"), 4);
    /* Removing everything leaves an empty but working retriever. */
    for (size_t i = 0; i < 5; i++) assert_int_equal(gorilla_retriever_remove(r, i, NULL), GORILLA_OK);
    assert_int_equal(gorilla_retriever_search(r, "classify", 3, h, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 0);
    gorilla_retriever_free(r);
    gorilla_store_free(s);
}

static void test_edits_default(void **state)
{
    (void)state;
    check_edits("gorilla");
}

static void test_edits_official(void **state)
{
    (void)state;
    check_edits("bm25-official");
}

/* Duplicate documents: both kept (indices are lines), ranked together,
 * lower index first. */
static void test_duplicates(void **state)
{
    (void)state;
    const char *dup = "{\"domain\": \"A\", \"api_call\": \"f()\", \"description\": \"detect cats\"}\n"
                      "{\"domain\": \"B\", \"api_call\": \"g()\", \"description\": \"detect dogs\"}\n"
                      "{\"domain\": \"A\", \"api_call\": \"f()\", \"description\": \"detect cats\"}\n"
                      "{\"domain\": \"C\", \"api_call\": \"h()\", \"description\": \"translate text\"}\n"
                      "{\"domain\": \"D\", \"api_call\": \"i()\", \"description\": \"summarize news\"}\n";
    gorilla_store *s = store_from(dup);
    for (int k = 0; k < 2; k++) {
        gorilla_retriever *r;
        assert_int_equal(gorilla_retriever_new(s, k ? "bm25-official" : "gorilla", &r, NULL), GORILLA_OK);
        gorilla_hit h[3];
        size_t n;
        /* bm25-official tokens are str(doc) split on spaces: 'detect and cats'} */
        assert_int_equal(gorilla_retriever_search(r, k ? "'detect cats'}" : "detect cats", 3, h, &n, NULL), GORILLA_OK);
        assert_int_equal(n, 3);
        assert_int_equal(h[0].api_index, 0);
        assert_int_equal(h[1].api_index, 2);
        assert_true(h[0].score == h[1].score);
        gorilla_retriever_free(r);
    }
    gorilla_store_free(s);
}

/* domain@1 on the APIBench eval instructions, against the targets. */
static void test_eval_targets(void **state)
{
    (void)state;
    const char *root = test_data_root("test_eval_targets");
    if (!root) skip();
    static const double TARGET[GORILLA_HUB_COUNT] = {0.80, 0.50, 0.66};
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        gorilla_hub hub = (gorilla_hub)h;
        char api[4096], evalp[4096];
        assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_API, NULL, NULL, api, sizeof api, NULL), GORILLA_OK);
        assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_EVAL, NULL, NULL, evalp, sizeof evalp, NULL), GORILLA_OK);
        gorilla_store *store;
        gorilla_pairs *pairs;
        assert_int_equal(gorilla_store_load(api, &store, NULL), GORILLA_OK);
        assert_int_equal(gorilla_pairs_load(evalp, &pairs, NULL), GORILLA_OK);
        double dom[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
            gorilla_retriever *r;
            assert_int_equal(gorilla_retriever_new(store, k ? "bm25-official" : "gorilla", &r, NULL), GORILLA_OK);
            size_t n = 0, d1 = 0, h1 = 0, h5 = 0;
            for (size_t i = 0; i < gorilla_pairs_count(pairs); i++) {
                char *q = gorilla_question_text(pairs, i);
                if (!q) continue;
                gorilla_hit hits[5];
                size_t got;
                assert_int_equal(gorilla_retriever_search(r, q, 5, hits, &got, NULL), GORILLA_OK);
                free(q);
                n++;
                const char *gd = gorilla_pairs_domain(pairs, i), *gc = gorilla_pairs_api_call(pairs, i);
                const char *td = gorilla_store_field(store, hits[0].api_index, "domain");
                d1 += td && gd && strcmp(td, gd) == 0;
                for (size_t j = 0; j < got; j++) {
                    const char *c = gorilla_store_field(store, hits[j].api_index, "api_call");
                    if (c && gc && strcmp(c, gc) == 0) {
                        h1 += j == 0;
                        h5++;
                        break;
                    }
                }
            }
            dom[k] = (double)d1 / (double)n;
            printf("%s %s: n %zu hit@1 %.1f hit@5 %.1f domain@1 %.1f\n", gorilla_hub_name(hub),
                   gorilla_retriever_name(r), n, 100.0 * (double)h1 / (double)n, 100.0 * (double)h5 / (double)n,
                   100.0 * dom[k]);
            gorilla_retriever_free(r);
        }
        assert_true(dom[0] >= TARGET[h]);
        assert_true(dom[0] > dom[1]);
        gorilla_pairs_free(pairs);
        gorilla_store_free(store);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenizer),     cmocka_unit_test(test_ranking),
        cmocka_unit_test(test_numbers),       cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_edits_default), cmocka_unit_test(test_edits_official),
        cmocka_unit_test(test_duplicates),    cmocka_unit_test(test_eval_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
