/* test_prompt_answer.c — the model-answer parser: both published styles,
 * the messy variants, and (with $GORILLA_DATA) every released response. */
#include "testutil.h"

#include <dirent.h>

static void parse(const char *text, gorilla_answer *a)
{
    gorilla_error err = {0};
    assert_int_equal(gorilla_answer_parse(text, strlen(text), a, &err), GORILLA_OK);
}

static void check(const char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void test_arrows(void **state)
{
    (void)state;
    gorilla_answer a;
    parse("<<<domain>>>: Image feature vector, <<<api_call>>>: hub.KerasLayer('https://tfhub.dev/google/imagenet/"
          "mobilenet_v2_100_224/feature_vector/4'), <<<api_provider>>>: TensorFlow Hub, <<<explanation>>>: Loads "
          "a model.\\n2. Uses it, <<<code>>>: import tensorflow_hub as hub\\nm = hub.KerasLayer('x')",
          &a);
    assert_int_equal(a.style, GORILLA_ANSWER_ARROWS);
    check(a.domain, "Image feature vector");
    check(a.api_call, "hub.KerasLayer('https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/4')");
    check(a.api_provider, "TensorFlow Hub");
    check(a.explanation, "Loads a model.\n2. Uses it");
    check(a.code, "import tensorflow_hub as hub\nm = hub.KerasLayer('x')");
    gorilla_answer_clear(&a);

    /* no colon after the marker, fields out of order, real newlines */
    parse("<<<api_provider>>> Hugging Face Transformers\n<<<api_call>>> pipeline('summarization', "
          "model='facebook/bart-large-cnn')\n<<<domain>>> Natural Language Processing Summarization",
          &a);
    check(a.api_call, "pipeline('summarization', model='facebook/bart-large-cnn')");
    check(a.api_provider, "Hugging Face Transformers");
    check(a.domain, "Natural Language Processing Summarization");
    check(a.code, NULL);
    gorilla_answer_clear(&a);

    /* the answer starts mid-way (explanation without its marker) */
    parse("1. Import the library.\\n2. Load the model. <<<code>>>: from transformers import pipeline", &a);
    check(a.api_call, NULL);
    check(a.code, "from transformers import pipeline");
    gorilla_answer_clear(&a);
}

static void test_dict(void **state)
{
    (void)state;
    gorilla_answer a;
    /* escaped double quotes around a call containing single quotes */
    parse("{'domain': 'Video Classification', 'api_call': \\\"model = torch.hub.load('facebookresearch/pytorchvideo', "
          "'slow_r50', pretrained=True)\\\", 'api_provider': 'PyTorch', 'explanation': 'Load the model.', 'code': "
          "'import torch\\nmodel = torch.hub.load('a', 'b')'}\\n\"",
          &a);
    assert_int_equal(a.style, GORILLA_ANSWER_DICT);
    check(a.domain, "Video Classification");
    check(a.api_call, "model = torch.hub.load('facebookresearch/pytorchvideo', 'slow_r50', pretrained=True)");
    check(a.api_provider, "PyTorch");
    check(a.explanation, "Load the model.");
    check(a.code, "import torch\nmodel = torch.hub.load('a', 'b')");
    gorilla_answer_clear(&a);

    /* mismatched quotes, missing closing brace, extra field */
    parse("{'api_call': \"torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)', 'api_provider': 'PyTorch', "
          "'api_provider_code': 'torch', 'domain': \"Classification'",
          &a);
    check(a.api_call, "torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)");
    check(a.api_provider, "PyTorch");
    check(a.domain, "Classification");
    gorilla_answer_clear(&a);

    /* JSON-style double-quoted keys, escaped single quotes inside */
    parse("{\"domain\": \"Audio Separation\", \"api_call\": \"model = torch.hub.load(\\'sigsep/open-unmix-pytorch\\', "
          "\\'umxhq\\')\", \"explanation\": \"Separates vocals.\"}",
          &a);
    check(a.domain, "Audio Separation");
    check(a.api_call, "model = torch.hub.load('sigsep/open-unmix-pytorch', 'umxhq')");
    check(a.explanation, "Separates vocals.");
    gorilla_answer_clear(&a);

    /* bare `api_call:` lines */
    parse("domain: Classification\napi_call: torch.hub.load('pytorch/vision', 'alexnet')\napi_provider: PyTorch", &a);
    check(a.domain, "Classification");
    check(a.api_call, "torch.hub.load('pytorch/vision', 'alexnet')");
    gorilla_answer_clear(&a);
}

static void test_tolerant(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "", "api_call", "'api_call'", "'api_call':", "<<<api_call>>>", "<<<api_call>>>:", "{", "}", "\\", "'\"",
        "{'api_call': '", "{'api_call': \"}", "<<<<<<api_call>>>>>>: x", "api_call: \\", "'domain': 'x',}",
        "no markers at all, just prose about pipeline('x')",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        gorilla_answer a;
        parse(inputs[i], &a);
        gorilla_answer_clear(&a);
    }
    gorilla_answer a;
    parse("just prose", &a);
    assert_int_equal(a.style, GORILLA_ANSWER_PLAIN);
    assert_null(a.api_call);
    gorilla_answer_clear(&a);
    /* NULL text: empty answer */
    assert_int_equal(gorilla_answer_parse(NULL, 0, &a, NULL), GORILLA_OK);
    assert_null(a.api_call);
    gorilla_answer_clear(&a);
    gorilla_answer_clear(NULL);
}

static void test_same_call(void **state)
{
    (void)state;
    const char *a = "\\\"model = torch.hub.load('x', 'y', pretrained=True)\\\"";
    const char *b = "torch.hub.load(\"x\", \"y\",  pretrained=True)";
    assert_true(gorilla_answer_same_call(a, strlen(a), b, strlen(b)));
    const char *c = "torch.hub.load('x', 'z')";
    assert_false(gorilla_answer_same_call(a, strlen(a), c, strlen(c)));
}

/* Over every released response: the parser finds an api_call in (nearly)
 * every response where the published evaluator finds one. */
static void test_released_responses(void **state)
{
    (void)state;
    const char *root = test_data_root("released responses");
    if (!root) skip();
    size_t with = 0, extracted = 0, same = 0, files = 0;
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/responses/%s", root, gorilla_hub_name((gorilla_hub)h));
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "response_", 9) != 0) continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            gorilla_records *recs;
            gorilla_error err = {0};
            assert_int_equal(gorilla_records_load(path, &recs, &err), GORILLA_OK);
            files++;
            for (size_t i = 0; i < gorilla_records_count(recs); i++) {
                const char *t = gorilla_records_text(recs, i);
                if (!strstr(t, "api_call")) continue;
                with++;
                size_t st = 0, ln = 0;
                int ev = gorilla_candidate_extract((gorilla_hub)h, t, &st, &ln);
                gorilla_answer a;
                assert_int_equal(gorilla_answer_parse(t, strlen(t), &a, &err), GORILLA_OK);
                if (a.api_call && *a.api_call) {
                    extracted++;
                    if (ev && gorilla_answer_same_call(a.api_call, strlen(a.api_call), t + st, ln)) same++;
                    else if (getenv("GORILLA_ANSWER_DEBUG"))
                        printf("DIFF %s:%zu\n  ours: %s\n  eval: %.*s\n", e->d_name, i + 1, a.api_call, (int)ln, t + st);
                } else if (getenv("GORILLA_ANSWER_DEBUG")) {
                    printf("MISS %s:%zu: %.300s\n", e->d_name, i + 1, t);
                }
                gorilla_answer_clear(&a);
            }
            gorilla_records_free(recs);
        }
        closedir(d);
    }
    assert_true(files > 0);
    printf("answer parser on %zu released response files: api_call extracted in %zu of %zu responses "
           "with \"api_call\" (%.2f%%); same call as the evaluator's candidate (normalized) in %zu (%.2f%%)\n",
           files, extracted, with, 100.0 * (double)extracted / (double)with, same,
           100.0 * (double)same / (double)with);
    assert_true((double)extracted >= 0.99 * (double)with);
    assert_true((double)same >= 0.90 * (double)with);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrows),
        cmocka_unit_test(test_dict),
        cmocka_unit_test(test_tolerant),
        cmocka_unit_test(test_same_call),
        cmocka_unit_test(test_released_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
