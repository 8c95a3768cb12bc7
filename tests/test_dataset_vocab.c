/* test_dataset_vocab.c — byte-level BPE learned on text, written as a GGUF
 * vocabulary: our tokenizer, loaded from the file, encodes held-out text
 * exactly as the training's own encoder; decoding gives the text back. */
#include "testutil.h"

static const char *const TRAIN[] = {
    "I need an API that can estimate the relative depth of objects from a single image.",
    "Our company wants to classify product photos into a thousand categories; we'll load a pretrained model.",
    "Count the cars and bicycles that pass in front of our shop camera every hour.",
    "<<<domain>>>: Classification\n<<<api_call>>>: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50')",
    "import torch\nmodel = torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)\n\tresults = model(img)",
    "Le café est très bon — naïve façade, ünïcode 東京 2023 and 3.14159 numbers, it's fine, they're here.",
    "Segment the road pixels in dash-cam images for our lane assistant;   spaces   and\n\n\nnewlines.",
};

static const char *const HELD[] = {
    "Find a pretrained model that detects people in the lobby camera frames, please.",
    "<<<api_call>>>: pipeline('summarization', model='facebook/bart-large-cnn')  \n",
    "Naïve café owners in 東京 don't count 12345 cars; they've 2 bikes!!",
    "emoji 🦍 gorilla, tabs\t\tand trailing spaces   ",
    "x",
    "",
};

static gorilla_bpe *trained(size_t vocab)
{
    gorilla_bpe *b = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_bpe_new(&b, &err), GORILLA_OK);
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < sizeof TRAIN / sizeof TRAIN[0]; i++)
            assert_int_equal(gorilla_bpe_add_text(b, TRAIN[i], strlen(TRAIN[i]), &err), GORILLA_OK);
    if (gorilla_bpe_train(b, vocab, 2, &err) != GORILLA_OK) fail_msg("%s", err.message);
    return b;
}

static void test_bpe_gguf_roundtrip(void **state)
{
    (void)state;
    gorilla_bpe *b = trained(500);
    gorilla_error err = {0};
    assert_true(gorilla_bpe_n_merges(b) > 100);
    assert_int_equal(gorilla_bpe_n_vocab(b), 500);                      /* the size asked */
    assert_true(gorilla_bpe_n_merges(b) >= 500 - 256 - 2);              /* a merge may reuse a token */
    char path[] = "/tmp/gorilla-vocab-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(gorilla_bpe_save_gguf(b, path, "test", &err), GORILLA_OK);
    gorilla_tokenizer *tok = NULL;
    if (gorilla_tokenizer_load_gguf(path, &tok, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(gorilla_tokenizer_get_kind(tok), GORILLA_TOKENIZER_GPT2);
    assert_int_equal(gorilla_tokenizer_n_vocab(tok), gorilla_bpe_n_vocab(b));
    assert_int_equal(gorilla_tokenizer_bos(tok), gorilla_bpe_bos(b));
    assert_string_equal(gorilla_tokenizer_token_text(tok, gorilla_bpe_eos(b)), "</s>");
    assert_string_equal(gorilla_tokenizer_token_text(tok, ' '), "\xc4\xa0"); /* GPT-2's byte-to-unicode: ' ' -> U+0120 */
    assert_string_equal(gorilla_tokenizer_token_text(tok, 'a'), "a");
    size_t total = 0;
    for (size_t i = 0; i < sizeof HELD / sizeof HELD[0]; i++) {
        int32_t *a = NULL, *c = NULL;
        size_t na = 0, nc = 0;
        assert_int_equal(gorilla_bpe_encode(b, HELD[i], strlen(HELD[i]), &a, &na, &err), GORILLA_OK);
        assert_int_equal(gorilla_tokenizer_encode(tok, HELD[i], strlen(HELD[i]), 0, 0, &c, &nc, &err), GORILLA_OK);
        if (na != nc || (na && memcmp(a, c, na * sizeof *a) != 0)) {
            for (size_t k = 0; k < na || k < nc; k++)
                printf("  %zu: bpe %d tokenizer %d\n", k, k < na ? a[k] : -1, k < nc ? c[k] : -1);
            fail_msg("held-out text %zu encodes differently", i);
        }
        char *back = NULL;
        size_t blen = 0;
        assert_int_equal(gorilla_tokenizer_decode(tok, c, nc, 0, &back, &blen, &err), GORILLA_OK);
        assert_int_equal(blen, strlen(HELD[i]));
        assert_memory_equal(back, HELD[i], blen);
        total += na;
        free(back);
        free(a);
        free(c);
    }
    /* the learned merges do compress: fewer tokens than bytes */
    size_t bytes = 0;
    for (size_t i = 0; i < sizeof HELD / sizeof HELD[0]; i++) bytes += strlen(HELD[i]);
    assert_true(total * 3 < bytes * 2);
    /* a training sentence is a handful of tokens */
    int32_t *ids = NULL;
    size_t n = 0;
    assert_int_equal(gorilla_bpe_encode(b, TRAIN[2], strlen(TRAIN[2]), &ids, &n, &err), GORILLA_OK);
    assert_true(n < 20);
    free(ids);
    gorilla_tokenizer_free(tok);
    unlink(path);
    gorilla_bpe_free(b);
}

static void test_bpe_deterministic_and_bad_input(void **state)
{
    (void)state;
    gorilla_bpe *a = trained(400), *b = trained(400);
    gorilla_error err = {0};
    assert_int_equal(gorilla_bpe_n_merges(a), gorilla_bpe_n_merges(b));
    int32_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    assert_int_equal(gorilla_bpe_encode(a, HELD[2], strlen(HELD[2]), &x, &nx, &err), GORILLA_OK);
    assert_int_equal(gorilla_bpe_encode(b, HELD[2], strlen(HELD[2]), &y, &ny, &err), GORILLA_OK);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx * sizeof *x);
    free(x);
    free(y);
    /* invalid UTF-8 reads as U+FFFD, never fails */
    assert_int_equal(gorilla_bpe_encode(a, "a\xff\xfe b", 5, &x, &nx, &err), GORILLA_OK);
    assert_true(nx >= 3);
    free(x);
    /* trained twice, too small, empty */
    assert_int_equal(gorilla_bpe_train(a, 400, 2, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_bpe_add_text(a, "x", 1, &err), GORILLA_ERR_INVALID);
    gorilla_bpe *c = NULL;
    assert_int_equal(gorilla_bpe_new(&c, &err), GORILLA_OK);
    assert_int_equal(gorilla_bpe_train(c, 100, 2, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "at least 258"));
    assert_int_equal(gorilla_bpe_train(c, 1000, 2, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "no training text"));
    gorilla_bpe_free(c);
    gorilla_bpe_free(a);
    gorilla_bpe_free(b);
}

/* On real training conversations when the data is there: the TorchHub train
 * pairs as conversations, every 10th held out. */
static void test_bpe_apibench(void **state)
{
    (void)state;
    const char *root = test_data_root("test_bpe_apibench");
    if (!root) skip();
    char train[4096];
    gorilla_error err = {0};
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TORCHHUB, GORILLA_FILE_TRAIN, NULL, NULL, train, sizeof train, &err), GORILLA_OK);
    gorilla_pairset *p = NULL;
    gorilla_pairset_new(&p, &err);
    assert_int_equal(gorilla_pairset_load(p, train, &err), GORILLA_OK);
    gorilla_bpe *b = NULL;
    gorilla_bpe_new(&b, &err);
    for (size_t i = 0; i < gorilla_pairset_count(p); i++) {
        if (i % 10 == 9) continue;
        const gorilla_train_pair *t = gorilla_pairset_get(p, i);
        assert_int_equal(gorilla_bpe_add_text(b, t->instruction, strlen(t->instruction), &err), GORILLA_OK);
        assert_int_equal(gorilla_bpe_add_text(b, t->answer, strlen(t->answer), &err), GORILLA_OK);
    }
    assert_int_equal(gorilla_bpe_train(b, 1024, 2, &err), GORILLA_OK);
    char path[] = "/tmp/gorilla-vocab-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(gorilla_bpe_save_gguf(b, path, NULL, &err), GORILLA_OK);
    gorilla_tokenizer *tok = NULL;
    assert_int_equal(gorilla_tokenizer_load_gguf(path, &tok, &err), GORILLA_OK);
    size_t same = 0, held = 0;
    for (size_t i = 9; i < gorilla_pairset_count(p); i += 10) {
        const char *texts[2] = {gorilla_pairset_get(p, i)->instruction, gorilla_pairset_get(p, i)->answer};
        for (int k = 0; k < 2; k++) {
            int32_t *a = NULL, *c = NULL;
            size_t na = 0, nc = 0;
            assert_int_equal(gorilla_bpe_encode(b, texts[k], strlen(texts[k]), &a, &na, &err), GORILLA_OK);
            assert_int_equal(gorilla_tokenizer_encode(tok, texts[k], strlen(texts[k]), 0, 0, &c, &nc, &err), GORILLA_OK);
            same += na == nc && memcmp(a, c, na * sizeof *a) == 0;
            held++;
            free(a);
            free(c);
        }
    }
    assert_int_equal(held, 166);
    assert_int_equal(same, held);
    gorilla_tokenizer_free(tok);
    unlink(path);
    gorilla_bpe_free(b);
    gorilla_pairset_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bpe_gguf_roundtrip),
        cmocka_unit_test(test_bpe_deterministic_and_bad_input),
        cmocka_unit_test(test_bpe_apibench),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
