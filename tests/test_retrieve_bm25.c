/* test_retrieve_bm25.c — the bm25-official retriever against the published files. */
#include "testutil.h"
#include <jansson.h>
#include <math.h>
#include <time.h>

static gorilla_store *store_from(const char *text)
{
    gorilla_store *s = NULL;
    assert_int_equal(gorilla_store_load_buffer("fixture", text, strlen(text), &s, NULL), GORILLA_OK);
    return s;
}

/* Scores computed by the BM25Okapi definition in Python for this corpus:
 * str() tokens {'a': | 'x | y'} ; {'a': | 'x | z | z'} ; {'a': | 'w'}. */
static void test_scores_by_definition(void **state)
{
    (void)state;
    gorilla_store *s = store_from("{\"a\": \"x y\"}\n{\"a\": \"x z z\"}\n{\"a\": \"w\"}\n");
    gorilla_retriever *r;
    assert_int_equal(gorilla_retriever_new(s, "bm25-official", &r, NULL), GORILLA_OK);
    assert_string_equal(gorilla_retriever_name(r), "bm25-official");
    gorilla_hit hits[3];
    size_t n;
    assert_int_equal(gorilla_retriever_search(r, "z", 3, hits, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(hits[0].api_index, 1);
    assert_true(fabs(hits[0].score - 0.44419619457912235) < 1e-12);
    /* ties (score 0) in index order */
    assert_int_equal(hits[1].api_index, 0);
    assert_int_equal(hits[2].api_index, 2);
    /* negative idf replaced by epsilon * average idf */
    assert_int_equal(gorilla_retriever_search(r, "'x", 2, hits, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hits[0].api_index, 1);
    assert_true(fabs(hits[0].score - -0.014979466585410914) < 1e-12);
    assert_true(fabs(hits[1].score - -0.017226386573222553) < 1e-12);
    gorilla_retriever_free(r);
    gorilla_store_free(s);
}

static void test_bad_queries(void **state)
{
    (void)state;
    gorilla_store *s = store_from("{\"a\": \"x y\"}\n");
    gorilla_retriever *r;
    assert_int_equal(gorilla_retriever_new(s, "bm25-official", &r, NULL), GORILLA_OK);
    gorilla_hit hits[2];
    size_t n = 9;
    gorilla_error err;
    assert_int_equal(gorilla_retriever_search(r, "", 2, hits, &n, &err), GORILLA_ERR_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(gorilla_retriever_search(r, " \n\t", 2, hits, &n, &err), GORILLA_ERR_INVALID);
    size_t big = 1024 * 1024;
    char *q = malloc(big + 1);
    memset(q, 'x', big);
    q[big] = '\0';
    assert_int_equal(gorilla_retriever_search(r, q, 2, hits, &n, &err), GORILLA_ERR_LIMIT);
    assert_non_null(strstr(err.message, "limit"));
    free(q);
    gorilla_retriever *bad;
    assert_int_equal(gorilla_retriever_new(s, "nope", &bad, &err), GORILLA_ERR_NOT_FOUND);
    assert_null(bad);
    gorilla_retriever_free(r);
    gorilla_store_free(s);
}

/* Published top-1 (from questions_<hub>_bm25.jsonl) vs ours. */
static void test_published_agreement(void **state)
{
    (void)state;
    const char *root = test_data_root("test_published_agreement");
    if (!root) skip();
    static const double MIN_AGREE[GORILLA_HUB_COUNT] = {0.95, 0.85, 0.95};
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        gorilla_hub hub = (gorilla_hub)h;
        char api[4096], evalp[4096], qpath[4096];
        assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_API, NULL, NULL, api, sizeof api, NULL), GORILLA_OK);
        assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_EVAL, NULL, NULL, evalp, sizeof evalp, NULL), GORILLA_OK);
        assert_int_equal(gorilla_data_path(root, hub, GORILLA_FILE_QUESTIONS, NULL, "bm25", qpath, sizeof qpath, NULL),
                         GORILLA_OK);
        gorilla_store *store;
        gorilla_pairs *pairs;
        gorilla_records *recs;
        assert_int_equal(gorilla_store_load(api, &store, NULL), GORILLA_OK);
        assert_int_equal(gorilla_pairs_load(evalp, &pairs, NULL), GORILLA_OK);
        assert_int_equal(gorilla_records_load(qpath, &recs, NULL), GORILLA_OK);
        size_t n = gorilla_records_count(recs);
        const char **texts = malloc(n * sizeof *texts);
        long *pub = malloc(n * sizeof *pub);
        for (size_t j = 0; j < n; j++) texts[j] = gorilla_records_text(recs, j);
        assert_int_equal(gorilla_questions_embedded_docs(store, texts, n, pub, NULL), GORILLA_OK);
        gorilla_retriever *r;
        assert_int_equal(gorilla_retriever_new(store, "bm25-official", &r, NULL), GORILLA_OK);
        size_t agree = 0, missing = 0, same_line = 0, line_diff_same_doc = 0;
        double t0 = (double)clock();
        for (size_t j = 0; j < n; j++) {
            long qid = gorilla_records_question_id(recs, j);
            char *q = gorilla_question_text(pairs, (size_t)qid - 1);
            assert_non_null(q);
            gorilla_hit hit;
            size_t got;
            assert_int_equal(gorilla_retriever_search(r, q, 1, &hit, &got, NULL), GORILLA_OK);
            assert_int_equal(got, 1);
            free(q);
            if (pub[j] < 0) missing++;
            if ((long)hit.api_index == pub[j]) agree++;
            /* The bm25 prompt line differs from the published one only where the document does. */
            char *line;
            assert_int_equal(gorilla_question_line(pairs, (size_t)qid - 1, GORILLA_SETTING_BM25, store, hit.api_index, 0,
                                                   &line, NULL), GORILLA_OK);
            if ((long)hit.api_index == pub[j]) {
                /* same document: the text must be the same */
                json_t *o = json_loads(line, 0, NULL);
                assert_non_null(o);
                if (strcmp(json_string_value(json_object_get(o, "text")), gorilla_records_text(recs, j)) == 0) same_line++;
                else line_diff_same_doc++;
                json_decref(o);
            }
            free(line);
        }
        double ms = ((double)clock() - t0) * 1000.0 / CLOCKS_PER_SEC / (double)n;
        printf("%s: bm25-official top-1 agrees on %zu of %zu (%.1f%%); %zu published documents are no longer in "
               "the API file; %zu prompts identical where the document agrees; %.3f ms/query\n",
               gorilla_hub_name(hub), agree, n, 100.0 * (double)agree / (double)n, missing, same_line, ms);
        assert_int_equal(line_diff_same_doc, 0);
        assert_true((double)agree >= MIN_AGREE[h] * (double)n);
        assert_true(ms < 5.0);
        gorilla_retriever_free(r);
        free(texts);
        free(pub);
        gorilla_records_free(recs);
        gorilla_pairs_free(pairs);
        gorilla_store_free(store);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_by_definition),
        cmocka_unit_test(test_bad_queries),
        cmocka_unit_test(test_published_agreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
