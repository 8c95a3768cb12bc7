/* test_dataset_build.c — training pairs in both published styles, the
 * eval-leak guard (a planted eval instruction), the held-out split,
 * retriever-aware documents and distractors, teacher-free pairs, and the
 * FastChat / hf-chat formats. */
#include "testutil.h"

static const char DOCS[] =
    "{\"domain\": \"Classification\", \"framework\": \"PyTorch\", \"functionality\": \"Image Classification\", "
    "\"api_name\": \"resnet50\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', "
    "pretrained=True)\", \"description\": \"ResNet50 is a deep residual network trained on ImageNet to sort photos "
    "into a thousand categories.\", \"example_code\": [\"import torch\", \"m = torch.hub.load('pytorch/vision', "
    "'resnet50')\"]}\n"
    "{\"domain\": \"Object Detection\", \"framework\": \"PyTorch\", \"functionality\": \"Object Detection\", "
    "\"api_name\": \"yolov5s\", \"api_call\": \"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', "
    "pretrained=True)\", \"description\": \"A small and fast detector that finds people, cars and animals in "
    "images and video frames.\"}\n"
    "{\"domain\": \"Semantic Segmentation\", \"framework\": \"PyTorch\", \"functionality\": \"Semantic "
    "Segmentation\", \"api_name\": \"deeplabv3\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', "
    "model='deeplabv3_resnet50', pretrained=True)\", \"description\": \"Labels every pixel of a street scene with "
    "its class such as road, car or person.\"}\n";

/* A train line in the TorchHub train file's dict style, and one in the
 * eval files' ###Instruction style. */
static const char TRAIN[] =
    "{\"code\": \"{'Instruction': \\\"Sort my holiday photos into categories.\\\", 'Output': {'domain': "
    "'Classification', 'api_call': \\\"model = torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)\\\", "
    "'api_provider': 'PyTorch', 'explanation': 'Load a pretrained ResNet50.', 'code': 'import torch'}}\", "
    "\"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\", "
    "\"provider\": \"PyTorch\", \"api_data\": {\"domain\": \"Classification\", \"api_call\": "
    "\"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\"}}\n"
    "{\"code\": \"###Instruction: Count the cars passing my shop.\\n###Output: <<<domain>>>: Object Detection\\n"
    "<<<api_call>>>: model = torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)\\n"
    "<<<api_provider>>>: PyTorch\\n<<<explanation>>>: Load YOLOv5s.\\n<<<code>>>: import torch\", "
    "\"api_call\": \"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)\", "
    "\"provider\": \"PyTorch\", \"api_data\": {\"domain\": \"Object Detection\", \"api_call\": "
    "\"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)\"}}\n";

/* An eval file whose one question is planted in the training pairs below
 * (with other case, spacing and punctuation). */
static const char EVAL[] =
    "{\"code\": \"###Instruction: Label every pixel of my street photos.\\n###Output: <<<domain>>>: Semantic "
    "Segmentation\\n<<<api_call>>>: torch.hub.load('pytorch/vision', 'deeplabv3_resnet50')\\n<<<api_provider>>>: "
    "PyTorch\\n<<<explanation>>>: x\\n<<<code>>>: y\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', "
    "model='deeplabv3_resnet50', pretrained=True)\", \"provider\": \"PyTorch\", \"api_data\": {\"domain\": "
    "\"Semantic Segmentation\"}}\n";

static const char PLANTED[] =
    "{\"code\": \"###Instruction:   label EVERY pixel of my street-photos!\\n###Output: <<<domain>>>: Semantic "
    "Segmentation\\n<<<api_call>>>: torch.hub.load('pytorch/vision', 'deeplabv3_resnet50')\\n<<<api_provider>>>: "
    "PyTorch\\n<<<explanation>>>: x\\n<<<code>>>: y\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', "
    "model='deeplabv3_resnet50', pretrained=True)\", \"provider\": \"PyTorch\", \"api_data\": null}\n";

static gorilla_store *docs_store(void)
{
    gorilla_store *s = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load_buffer("docs", DOCS, strlen(DOCS), &s, &err), GORILLA_OK);
    return s;
}

static gorilla_pairset *load_pairs(const char *text)
{
    gorilla_pairset *p = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_pairset_new(&p, &err), GORILLA_OK);
    if (gorilla_pairset_load_buffer(p, "train", text, strlen(text), &err) != GORILLA_OK) fail_msg("%s", err.message);
    return p;
}

static void test_normalize(void **state)
{
    (void)state;
    char *n = gorilla_text_normalize("  Hello,\tWORLD!!  it's\n\n a-test. ");
    assert_string_equal(n, "hello world its a test");
    free(n);
    assert_true(gorilla_text_jaccard("find cars in photos", "Find cars, in photos!") > 0.999);
    double j = gorilla_text_jaccard("find cars in photos", "find dogs in photos");
    assert_true(j > 0.59 && j < 0.61); /* 3 shared of 5 */
}

static void test_pairs_both_styles(void **state)
{
    (void)state;
    gorilla_pairset *p = load_pairs(TRAIN);
    assert_int_equal(gorilla_pairset_count(p), 2);
    const gorilla_train_pair *a = gorilla_pairset_get(p, 0);
    assert_string_equal(a->instruction, "Sort my holiday photos into categories."); /* quotes removed */
    assert_string_equal(a->answer, "<<<domain>>>: Classification\n<<<api_call>>>: model = torch.hub.load('pytorch/vision', "
                                   "'resnet50', pretrained=True)\n<<<api_provider>>>: PyTorch\n<<<explanation>>>: "
                                   "Load a pretrained ResNet50.\n<<<code>>>: import torch");
    const gorilla_train_pair *b = gorilla_pairset_get(p, 1);
    assert_string_equal(b->instruction, "Count the cars passing my shop.");
    assert_non_null(strstr(b->answer, "<<<api_call>>>: model = torch.hub.load('ultralytics/yolov5'"));
    assert_string_equal(b->domain, "Object Detection");
    /* the APIBench line written back reads the same */
    char *line = gorilla_pair_apibench_line(b);
    gorilla_pairset *q = load_pairs(line);
    assert_string_equal(gorilla_pairset_get(q, 0)->instruction, b->instruction);
    assert_string_equal(gorilla_pairset_get(q, 0)->answer, b->answer);
    free(line);
    gorilla_pairset_free(q);
    gorilla_pairset_free(p);
}

static void test_pairs_bad_input(void **state)
{
    (void)state;
    gorilla_pairset *p = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_pairset_new(&p, &err), GORILLA_OK);
    const char trunc[] = "{\"code\": \"###Instruction: x\", \"api_call\": \"f()\"}\n{\"code\": ";
    assert_int_equal(gorilla_pairset_load_buffer(p, "t.json", trunc, strlen(trunc), &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "t.json:2:"));
    const char nocode[] = "{\"api_call\": \"x()\"}\n";
    assert_int_equal(gorilla_pairset_load_buffer(p, "t.json", nocode, strlen(nocode), &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "t.json:1: no string field \"code\""));
    const char nocall[] = "{\"code\": \"###Instruction: do it\\n###Output: nothing\"}\n";
    assert_int_equal(gorilla_pairset_load_buffer(p, "t.json", nocall, strlen(nocall), &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "no api_call"));
    gorilla_pairset_free(p);
}

static void test_leak_planted(void **state)
{
    (void)state;
    char *evalp = test_write_temp(EVAL, strlen(EVAL));
    gorilla_leakset *ls = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_leakset_new(&ls, &err), GORILLA_OK);
    assert_int_equal(gorilla_leakset_add_file(ls, evalp, &err), GORILLA_OK);
    assert_int_equal(gorilla_leakset_count(ls), 1);
    /* the eval file itself is refused as input, and any *_eval.json */
    assert_int_equal(gorilla_leakset_check_input(ls, evalp, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, evalp));
    assert_int_equal(gorilla_leakset_check_input(ls, "/x/torchhub_eval.json", &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_leakset_check_input(ls, "/x/torchhub_train.json", &err), GORILLA_OK);

    char *text = malloc(strlen(TRAIN) + strlen(PLANTED) + 1);
    strcpy(text, TRAIN);
    strcat(text, PLANTED);
    gorilla_pairset *p = load_pairs(text);
    assert_int_equal(gorilla_pairset_count(p), 3);
    gorilla_convset *tr = NULL, *ho = NULL;
    assert_int_equal(gorilla_convset_new(&tr, &err), GORILLA_OK);
    assert_int_equal(gorilla_convset_new(&ho, &err), GORILLA_OK);
    gorilla_dataset_opts o;
    gorilla_dataset_opts_init(&o);
    o.holdout_rate = 0;
    gorilla_dataset_stats s;
    assert_int_equal(gorilla_dataset_build(p, NULL, NULL, ls, &o, tr, ho, &s, &err), GORILLA_OK);
    assert_int_equal(s.leaks, 1);
    assert_int_equal(gorilla_convset_count(tr), 2);
    for (size_t i = 0; i < gorilla_convset_count(tr); i++)
        assert_null(strstr(gorilla_convset_get(tr, i)->human, "pixel"));
    gorilla_convset_free(tr);
    gorilla_convset_free(ho);
    gorilla_pairset_free(p);
    gorilla_leakset_free(ls);
    free(text);
    unlink(evalp);
    free(evalp);
}

/* Many pairs: the split is deterministic, near the rate, order-free. */
static void test_holdout_split(void **state)
{
    (void)state;
    gorilla_pairset *p = NULL, *rev = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_pairset_new(&p, &err), GORILLA_OK);
    assert_int_equal(gorilla_pairset_new(&rev, &err), GORILLA_OK);
    char ins[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(ins, sizeof ins, "task number %d please", i);
        gorilla_train_pair t = {ins, "<<<api_call>>>: f()", "f()", NULL, NULL, NULL};
        assert_int_equal(gorilla_pairset_add(p, &t, &err), GORILLA_OK);
        snprintf(ins, sizeof ins, "task number %d please", 999 - i);
        assert_int_equal(gorilla_pairset_add(rev, &t, &err), GORILLA_OK);
    }
    gorilla_dataset_opts o;
    gorilla_dataset_opts_init(&o);
    o.holdout_rate = 0.1;
    o.seed = 42;
    gorilla_convset *tr = NULL, *ho = NULL, *tr2 = NULL, *ho2 = NULL;
    gorilla_convset_new(&tr, &err);
    gorilla_convset_new(&ho, &err);
    gorilla_convset_new(&tr2, &err);
    gorilla_convset_new(&ho2, &err);
    gorilla_dataset_stats s, s2;
    assert_int_equal(gorilla_dataset_build(p, NULL, NULL, NULL, &o, tr, ho, &s, &err), GORILLA_OK);
    assert_int_equal(gorilla_dataset_build(rev, NULL, NULL, NULL, &o, tr2, ho2, &s2, &err), GORILLA_OK);
    assert_true(s.holdout > 70 && s.holdout < 130);
    assert_int_equal(s.holdout, s2.holdout);
    assert_int_equal(s.train + s.holdout, 1000);
    /* the same instructions are held out whatever the order */
    for (size_t i = 0; i < gorilla_convset_count(ho); i++) {
        const char *h = gorilla_convset_get(ho, i)->human;
        int found = 0;
        for (size_t j = 0; j < gorilla_convset_count(ho2) && !found; j++)
            found = strcmp(gorilla_convset_get(ho2, j)->human, h) == 0;
        assert_true(found);
    }
    /* another seed, another split */
    gorilla_convset *tr3 = NULL, *ho3 = NULL;
    gorilla_convset_new(&tr3, &err);
    gorilla_convset_new(&ho3, &err);
    o.seed = 43;
    assert_int_equal(gorilla_dataset_build(p, NULL, NULL, NULL, &o, tr3, ho3, &s2, &err), GORILLA_OK);
    int differs = gorilla_convset_count(ho3) != gorilla_convset_count(ho);
    for (size_t i = 0; i < gorilla_convset_count(ho3) && i < gorilla_convset_count(ho) && !differs; i++)
        differs = strcmp(gorilla_convset_get(ho3, i)->human, gorilla_convset_get(ho, i)->human) != 0;
    assert_true(differs);
    gorilla_convset_free(tr);
    gorilla_convset_free(ho);
    gorilla_convset_free(tr2);
    gorilla_convset_free(ho2);
    gorilla_convset_free(tr3);
    gorilla_convset_free(ho3);
    gorilla_pairset_free(p);
    gorilla_pairset_free(rev);
}

static void test_retriever_aware(void **state)
{
    (void)state;
    gorilla_store *store = docs_store();
    gorilla_retriever *r = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_retriever_new(store, NULL, &r, &err), GORILLA_OK);
    gorilla_pairset *p = load_pairs(TRAIN);
    gorilla_dataset_opts o;
    gorilla_dataset_opts_init(&o);
    o.holdout_rate = 0;
    o.doc = GORILLA_DOC_ORACLE;
    gorilla_convset *tr = NULL;
    gorilla_dataset_stats s;
    gorilla_convset_new(&tr, &err);
    assert_int_equal(gorilla_dataset_build(p, store, r, NULL, &o, tr, NULL, &s, &err), GORILLA_OK);
    assert_int_equal(s.gold_shown, 2);
    const char *h = gorilla_convset_get(tr, 0)->human;
    const char *want = "Sort my holiday photos into categories. \n Use this API documentation for reference: "
                       "{\"domain\": \"Classification\", \"framework\": \"PyTorch\"";
    assert_memory_equal(h, want, strlen(want));
    assert_non_null(strstr(h, "model='resnet50'"));
    assert_null(strstr(h, "yolov5s"));
    gorilla_convset_free(tr);

    /* k 3: gold among others; distractor rate 1: the gold never shown */
    o.k = 3;
    gorilla_convset_new(&tr, &err);
    assert_int_equal(gorilla_dataset_build(p, store, r, NULL, &o, tr, NULL, &s, &err), GORILLA_OK);
    assert_int_equal(s.gold_shown, 2);
    h = gorilla_convset_get(tr, 0)->human;
    assert_non_null(strstr(h, "resnet50'"));
    assert_non_null(strstr(h, "yolov5s"));
    assert_non_null(strstr(h, "deeplabv3"));
    gorilla_convset_free(tr);
    o.k = 2;
    o.distractor_rate = 1.0;
    gorilla_convset_new(&tr, &err);
    assert_int_equal(gorilla_dataset_build(p, store, r, NULL, &o, tr, NULL, &s, &err), GORILLA_OK);
    assert_int_equal(s.distractor_only, 2);
    assert_int_equal(s.gold_shown, 0);
    assert_null(strstr(gorilla_convset_get(tr, 0)->human, "model='resnet50'"));
    /* the answer stays the gold call */
    assert_non_null(strstr(gorilla_convset_get(tr, 0)->gpt, "'resnet50'"));
    gorilla_convset_free(tr);

    /* the retriever's own top 1 */
    o.k = 1;
    o.distractor_rate = 0;
    o.doc = GORILLA_DOC_RETRIEVER;
    gorilla_convset_new(&tr, &err);
    assert_int_equal(gorilla_dataset_build(p, store, r, NULL, &o, tr, NULL, &s, &err), GORILLA_OK);
    assert_int_equal(s.with_doc, 2);
    assert_non_null(strstr(gorilla_convset_get(tr, 0)->human, "Use this API documentation for reference: {"));
    gorilla_convset_free(tr);
    gorilla_pairset_free(p);
    gorilla_retriever_free(r);
    gorilla_store_free(store);
}

static void test_synth_pairs(void **state)
{
    (void)state;
    gorilla_store *store = docs_store();
    gorilla_pairset *a = NULL, *b = NULL;
    gorilla_error err = {0};
    gorilla_pairset_new(&a, &err);
    gorilla_pairset_new(&b, &err);
    size_t added = 0;
    assert_int_equal(gorilla_pairset_synth(a, store, 4, 7, &added, &err), GORILLA_OK);
    assert_int_equal(added, 12);
    assert_int_equal(gorilla_pairset_synth(b, store, 4, 7, NULL, &err), GORILLA_OK);
    for (size_t i = 0; i < added; i++) {
        const gorilla_train_pair *p = gorilla_pairset_get(a, i);
        assert_string_equal(p->instruction, gorilla_pairset_get(b, i)->instruction); /* same seed, same pairs */
        assert_null(strcasestr(p->instruction, "resnet50"));                          /* never names the API */
        assert_null(strcasestr(p->instruction, "yolov5s"));
        assert_null(strcasestr(p->instruction, "deeplabv3"));
        assert_non_null(strstr(p->answer, "<<<api_call>>>: torch.hub.load("));
        assert_non_null(p->api_json);
    }
    assert_non_null(strstr(gorilla_pairset_get(a, 0)->answer, "<<<code>>>: import torch\nm = torch.hub.load"));
    gorilla_pairset_free(a);
    gorilla_pairset_free(b);
    gorilla_store_free(store);
}

static void test_conv_formats(void **state)
{
    (void)state;
    gorilla_convset *cs = NULL;
    gorilla_error err = {0};
    gorilla_convset_new(&cs, &err);
    assert_int_equal(gorilla_convset_add(cs, "a1", "find cars \"now\"\n", "<<<api_call>>>: f()", &err), GORILLA_OK);
    assert_int_equal(gorilla_convset_add(cs, "a2", "caf\xc3\xa9", "g()", &err), GORILLA_OK);
    const gorilla_conv_format fmts[] = {GORILLA_CONV_FASTCHAT_JSON, GORILLA_CONV_FASTCHAT_JSONL, GORILLA_CONV_HF_CHAT};
    for (size_t f = 0; f < 3; f++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        assert_int_equal(gorilla_convset_write(cs, m, fmts[f], &err), GORILLA_OK);
        fclose(m);
        if (fmts[f] == GORILLA_CONV_HF_CHAT)
            assert_memory_equal(buf, "{\"messages\":[{\"role\":\"user\",\"content\":\"find cars \\\"now\\\"\\n\"},"
                                     "{\"role\":\"assistant\",\"content\":\"<<<api_call>>>: f()\"}]}\n", 101);
        if (fmts[f] == GORILLA_CONV_FASTCHAT_JSON) assert_true(buf[0] == '[');
        gorilla_convset *back = NULL;
        gorilla_convset_new(&back, &err);
        if (gorilla_convset_load_buffer(back, "mem", buf, len, &err) != GORILLA_OK) fail_msg("%s", err.message);
        assert_int_equal(gorilla_convset_count(back), 2);
        assert_string_equal(gorilla_convset_get(back, 0)->human, "find cars \"now\"\n");
        assert_string_equal(gorilla_convset_get(back, 1)->human, "caf\xc3\xa9");
        assert_string_equal(gorilla_convset_get(back, 1)->gpt, "g()");
        if (fmts[f] != GORILLA_CONV_HF_CHAT) assert_string_equal(gorilla_convset_get(back, 1)->id, "a2");
        gorilla_convset_free(back);
        free(buf);
    }
    /* bad conversations: clear errors naming where */
    gorilla_convset *bad = NULL;
    gorilla_convset_new(&bad, &err);
    const char noasst[] = "{\"id\": \"x\", \"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}]}\n";
    assert_int_equal(gorilla_convset_load_buffer(bad, "c.jsonl", noasst, strlen(noasst), &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "c.jsonl:1: a conversation needs a user turn and an assistant turn"));
    const char arr[] = "[{\"messages\": 3}]";
    assert_int_equal(gorilla_convset_load_buffer(bad, "c.json", arr, strlen(arr), &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "c.json: element 0"));
    const char junk[] = "[{\"id\": ";
    assert_int_equal(gorilla_convset_load_buffer(bad, "c.json", junk, strlen(junk), &err), GORILLA_ERR_PARSE);
    gorilla_convset_free(bad);
    gorilla_conv_format f;
    assert_int_equal(gorilla_conv_format_parse("hf-chat", &f), 0);
    assert_int_equal(f, GORILLA_CONV_HF_CHAT);
    assert_int_equal(gorilla_conv_format_parse("alpaca", &f), -1);
    gorilla_convset_free(cs);
}

/* On the real TorchHub train file: no pair is an eval question, and the
 * teacher-free pairs' style numbers are in the range the README states. */
static void test_apibench_torchhub(void **state)
{
    (void)state;
    const char *root = test_data_root("test_apibench_torchhub");
    if (!root) skip();
    char train[4096], eval[4096], api[4096];
    gorilla_error err = {0};
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TORCHHUB, GORILLA_FILE_TRAIN, NULL, NULL, train, sizeof train, &err), GORILLA_OK);
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TORCHHUB, GORILLA_FILE_EVAL, NULL, NULL, eval, sizeof eval, &err), GORILLA_OK);
    assert_int_equal(gorilla_data_path(root, GORILLA_HUB_TORCHHUB, GORILLA_FILE_API, NULL, NULL, api, sizeof api, &err), GORILLA_OK);
    gorilla_leakset *ls = NULL;
    gorilla_leakset_new(&ls, &err);
    assert_int_equal(gorilla_leakset_add_file(ls, eval, &err), GORILLA_OK);
    assert_int_equal(gorilla_leakset_check_input(ls, eval, &err), GORILLA_ERR_INVALID);
    gorilla_pairset *p = NULL;
    gorilla_pairset_new(&p, &err);
    assert_int_equal(gorilla_pairset_load(p, train, &err), GORILLA_OK);
    assert_int_equal(gorilla_pairset_count(p), 837);
    size_t leaks = 0;
    for (size_t i = 0; i < gorilla_pairset_count(p); i++) leaks += (size_t)gorilla_leakset_contains(ls, gorilla_pairset_get(p, i)->instruction);
    assert_int_equal(leaks, 0);
    /* every eval instruction is caught */
    gorilla_pairset *e = NULL;
    gorilla_pairset_new(&e, &err);
    assert_int_equal(gorilla_pairset_load(e, eval, &err), GORILLA_OK);
    for (size_t i = 0; i < gorilla_pairset_count(e); i++)
        assert_true(gorilla_leakset_contains(ls, gorilla_pairset_get(e, i)->instruction));
    gorilla_pairset_free(e);
    gorilla_pairset_free(p);
    gorilla_leakset_free(ls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),       cmocka_unit_test(test_pairs_both_styles),
        cmocka_unit_test(test_pairs_bad_input), cmocka_unit_test(test_leak_planted),
        cmocka_unit_test(test_holdout_split),   cmocka_unit_test(test_retriever_aware),
        cmocka_unit_test(test_synth_pairs),     cmocka_unit_test(test_conv_formats),
        cmocka_unit_test(test_apibench_torchhub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
