/* test_eval.c — candidate extraction, sub-tree matching (compatible and
 * strict), verdicts and bad input, on fixtures written here. */
#include "testutil.h"

static char *extract(gorilla_hub hub, const char *text)
{
    size_t s, n;
    if (!gorilla_candidate_extract(hub, text, &s, &n)) return NULL;
    return strndup(text + s, n);
}

static void check_extract(gorilla_hub hub, const char *text, const char *want)
{
    char *got = extract(hub, text);
    if (!want) {
        if (got) fail_msg("expected no candidate, got '%s'", got);
        return;
    }
    if (!got) fail_msg("expected '%s', got no candidate", want);
    if (strcmp(got, want) != 0) fail_msg("text '%s': expected '%s', got '%s'", text, want, got);
    free(got);
}

static void test_candidate_extract(void **state)
{
    (void)state;
    /* <<<field>>>: style */
    check_extract(GORILLA_HUB_HUGGINGFACE,
                  "<<<domain>>>: NLP\n<<<api_call>>>: pipeline('fill-mask', model='bert-base-uncased')\n<<<api_provider>>>: HF",
                  "pipeline('fill-mask', model='bert-base-uncased')");
    /* dict style: ':' then one more character (the quote) is skipped */
    check_extract(GORILLA_HUB_TORCHHUB,
                  "{'domain': 'x', 'api_call': \"torch.hub.load('a/b', 'c')\", 'api_provider': 'PyTorch'}",
                  "\"torch.hub.load('a/b', 'c')");
    /* no api_call: TorchHub has no candidate, the others take the whole text */
    check_extract(GORILLA_HUB_TORCHHUB, "model = f(x)", NULL);
    check_extract(GORILLA_HUB_TENSORFLOWHUB, "hub.load('u')", "hub.load('u')");
    /* no ')' in the piece: up to the last character, exclusive */
    check_extract(GORILLA_HUB_HUGGINGFACE, "api_call: abcdef", "abcde");
    /* no ':' in the piece: start at index 2 */
    check_extract(GORILLA_HUB_HUGGINGFACE, "api_call=xf(1) api_provider", "f(1)");
    /* the piece ends at a second "api_call" */
    check_extract(GORILLA_HUB_HUGGINGFACE, "api_call: f(1) then api_call: g(2)", "f(1)");
    /* the character after ':' is a whole code point (é is 2 bytes) */
    check_extract(GORILLA_HUB_HUGGINGFACE, "api_call:\xc3\xa9g(1)", "g(1)");
    /* the last code point dropped whole when there is no ')' */
    check_extract(GORILLA_HUB_HUGGINGFACE, "api_call: ab\xc3\xa9", "ab");
    /* empty slices */
    check_extract(GORILLA_HUB_HUGGINGFACE, "api_call", "");
    check_extract(GORILLA_HUB_HUGGINGFACE, "x) api_call: ", "");
}

/* Documents: 0 and 1 share a name and domain family; 2 is a TF-style call. */
static const char TH_DOCS[] =
    "{\"domain\": \"Classification\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\"}\n"
    "{\"domain\": \"Detection\", \"api_call\": \"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)\"}\n"
    "{\"domain\": \"Segmentation\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='fcn_resnet50', pretrained=True)\"}\n";

static gorilla_matcher *make_matcher(const char *docs, gorilla_hub hub, gorilla_match_mode mode, gorilla_store **store)
{
    gorilla_error err = {0};
    assert_int_equal(gorilla_store_load_buffer("fixture", docs, strlen(docs), store, &err), GORILLA_OK);
    gorilla_matcher *m = NULL;
    assert_int_equal(gorilla_matcher_new(*store, hub, mode, &m, &err), GORILLA_OK);
    return m;
}

static long find(gorilla_matcher *m, const char *call, gorilla_parse_kind *pk)
{
    return gorilla_matcher_find(m, call, strlen(call), pk);
}

static void test_match_torchhub(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(TH_DOCS, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_COMPATIBLE, &s);
    gorilla_parse_kind pk;
    /* positional arguments match the keyword documents */
    assert_int_equal(find(m, "torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)", &pk), 1);
    assert_int_equal(pk, GORILLA_PARSE_CLEAN);
    /* substring matching: 'resnet50' occurs inside 'fcn_resnet50', so the
     * first document in file order wins — a quirk kept in compatible mode */
    assert_int_equal(find(m, "torch.hub.load('pytorch/vision', 'fcn_resnet50')", &pk), 0);
    /* unknown model: hallucination */
    assert_int_equal(find(m, "torch.hub.load('pytorch/vision', 'vit_h')", &pk), -1);
    /* text that no document's arguments occur in is not parsed at all */
    assert_int_equal(find(m, "completely unrelated prose", &pk), -1);
    assert_int_equal(pk, GORILLA_PARSE_SKIPPED);
    /* fall-through: no subtree is named torch.hub.load, so the last listed
     * subtree is used: the leftmost deepest node with children, here the
     * string, which contains both arguments as substrings */
    assert_int_equal(find(m, "x = 'ultralytics/yolov5:yolov5s'", &pk), 1);
    /* ... but in f('ultralytics/yolov5', 'yolov5s') that is the first string only */
    assert_int_equal(find(m, "f('ultralytics/yolov5', 'yolov5s')", &pk), -1);
    /* a broken candidate still parses, with error nodes */
    assert_int_equal(find(m, "torch.hub.load('ultralytics/yolov5', 'yolov5s'", &pk), 1);
    assert_int_equal(pk, GORILLA_PARSE_ERROR);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

static void test_match_strict(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(TH_DOCS, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_STRICT, &s);
    gorilla_parse_kind pk;
    assert_int_equal(find(m, "torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)", &pk), 1);
    assert_int_equal(find(m, "torch.hub.load(repo_or_dir=\"ultralytics/yolov5\", model='yolov5s')", &pk), 1);
    /* argument by argument: fcn_resnet50 is document 2, not 0 */
    assert_int_equal(find(m, "torch.hub.load('pytorch/vision', 'fcn_resnet50')", &pk), 2);
    /* no fall-through */
    assert_int_equal(find(m, "x = 'ultralytics/yolov5:yolov5s'", &pk), -1);
    /* arguments swapped: no match */
    assert_int_equal(find(m, "torch.hub.load('yolov5s', 'ultralytics/yolov5')", &pk), -1);
    /* unescaped before parsing: \" quotes, a stray opening quote */
    assert_int_equal(find(m, "\\\"model = torch.hub.load(\\\"ultralytics/yolov5\\\", \\\"yolov5s\\\")", &pk), 1);
    assert_int_equal(find(m, "'model = torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)", &pk), 1);
    assert_int_equal(find(m, "torch.hub.load(\\\\'ultralytics/yolov5\\\\', 'yolov5s')", &pk), 1);
    /* a repository at a branch or tag */
    assert_int_equal(find(m, "torch.hub.load('pytorch/vision:v0.10.0', 'resnet50')", &pk), 0);
    assert_int_equal(find(m, "torch.hub.load('pytorch/visionx', 'resnet50')", &pk), -1);
    gorilla_matcher_free(m);
    gorilla_store_free(s);

    /* the same candidates in compatible mode: the stray quote hides the call */
    m = make_matcher(TH_DOCS, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_COMPATIBLE, &s);
    assert_int_equal(find(m, "'model = torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)", &pk), -1);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

static const char HF_DOCS[] =
    "{\"domain\": \"Fill-Mask\", \"api_call\": \"pipeline('fill-mask', model='bert-base-uncased')\"}\n"
    "{\"domain\": \"Text Generation\", \"api_call\": \"AutoModel.from_pretrained('gpt2')\"}\n"
    "{\"domain\": \"Audio\", \"api_call\": \"./run.sh --skip_train true --download_model mio/amadeus\"}\n";

static void test_match_huggingface(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(HF_DOCS, GORILLA_HUB_HUGGINGFACE, GORILLA_MATCH_COMPATIBLE, &s);
    gorilla_parse_kind pk;
    assert_int_equal(find(m, "pipeline('fill-mask', model='bert-base-uncased')", &pk), 0);
    assert_int_equal(find(m, "AutoModel.from_pretrained('gpt2')", &pk), 1);
    assert_int_equal(find(m, "AutoModel.from_pretrained('gpt3')", &pk), -1);
    /* shell entries have no argument list: never matched in compatible mode */
    assert_int_equal(find(m, "./run.sh --skip_train true --download_model mio/amadeus", &pk), -1);
    gorilla_matcher_free(m);
    gorilla_store_free(s);

    m = make_matcher(HF_DOCS, GORILLA_HUB_HUGGINGFACE, GORILLA_MATCH_STRICT, &s);
    assert_int_equal(find(m, "./run.sh  --skip_train true --download_model mio/amadeus", &pk), 2);
    assert_int_equal(find(m, "pipeline(task='fill-mask', model='bert-base-uncased')", &pk), -1);
    assert_int_equal(find(m, "pipeline('fill-mask', model='bert-base-uncased')", &pk), 0);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

/* Strict mode recognises calls without arguments (by the called name) and
 * shell commands with flags (by command and flags); compatible mode keeps
 * skipping them, as the published evaluator does. */
static const char HF_BARE_DOCS[] =
    "{\"domain\": \"Text\", \"api_call\": \"SentimentModel()\"}\n"
    "{\"domain\": \"Tabular\", \"api_call\": \"TabTransformer.from_config()\"}\n"
    "{\"domain\": \"RL\", \"api_call\": \"mlagents-load-from-hf --repo-id='0xid/poca-SoccerTwos' "
    "--local-dir='./downloads'\"}\n";

static void test_match_strict_bare_and_shell(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_parse_kind pk;
    gorilla_matcher *m = make_matcher(HF_BARE_DOCS, GORILLA_HUB_HUGGINGFACE, GORILLA_MATCH_STRICT, &s);
    assert_int_equal(find(m, "SentimentModel()", &pk), 0);
    assert_int_equal(find(m, "model = SentimentModel()", &pk), 0);
    assert_int_equal(find(m, "TabTransformer.from_config()", &pk), 1);
    assert_int_equal(find(m, "TabTransformer.from_pretrained()", &pk), -1);
    assert_int_equal(find(m, "OtherModel()", &pk), -1);
    assert_int_equal(find(m, "mlagents-load-from-hf --repo-id='0xid/poca-SoccerTwos'  --local-dir='./downloads'", &pk),
                     2);
    assert_int_equal(find(m, "mlagents-load-from-hf --repo-id='0xid/other' --local-dir='./downloads'", &pk), -1);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
    m = make_matcher(HF_BARE_DOCS, GORILLA_HUB_HUGGINGFACE, GORILLA_MATCH_COMPATIBLE, &s);
    assert_int_equal(find(m, "SentimentModel()", &pk), -1);
    assert_int_equal(find(m, "mlagents-load-from-hf --repo-id='0xid/poca-SoccerTwos' --local-dir='./downloads'", &pk),
                     -1);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

static void test_match_tensorflow(void **state)
{
    (void)state;
    const char docs[] = "{\"domain\": \"Image\", \"api_call\": \"hub.KerasLayer('https://tfhub.dev/google/a/1')\"}\n"
                        "{\"domain\": \"Text\", \"api_call\": \"hub.load('https://tfhub.dev/google/use/4')\"}\n";
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(docs, GORILLA_HUB_TENSORFLOWHUB, GORILLA_MATCH_COMPATIBLE, &s);
    gorilla_parse_kind pk;
    assert_int_equal(find(m, "hub.load('https://tfhub.dev/google/use/4')", &pk), 1);
    assert_int_equal(find(m, "model = hub.KerasLayer('https://tfhub.dev/google/a/1', trainable=True)", &pk), 0);
    assert_int_equal(find(m, "hub.load('https://tfhub.dev/google/other/4')", &pk), -1);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

static void test_judge_verdicts(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(TH_DOCS, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_COMPATIBLE, &s);
    gorilla_verdict v;
    gorilla_error err = {0};
    const char *resp = "{'domain': 'Detection', 'api_call': \"torch.hub.load('ultralytics/yolov5', 'yolov5s')\", 'api_provider': 'PyTorch'}";
    assert_int_equal(gorilla_matcher_judge(m, resp, "Detection", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_CORRECT);
    assert_int_equal(v.api_index, 1);
    assert_int_equal(gorilla_matcher_judge(m, resp, "Classification", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_ERROR); /* right API, wrong task */
    assert_int_equal(v.api_index, 1);
    assert_int_equal(gorilla_matcher_judge(m, "'api_call': \"torch.hub.load('x/y', 'z')\"", "Detection", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_HALLUCINATION);
    assert_int_equal(v.api_index, -1);
    assert_int_equal(gorilla_matcher_judge(m, "no call here", "Detection", &v, &err), GORILLA_OK);
    assert_int_equal(v.verdict, GORILLA_VERDICT_ERROR);
    assert_int_equal(v.parse, GORILLA_PARSE_NONE);

    gorilla_tally t = {0};
    gorilla_tally_add(&t, &v);
    assert_int_equal(t.total, 1);
    assert_int_equal(t.error, 1);
    assert_int_equal(t.unparsed, 1);
    assert_string_equal(gorilla_verdict_name(GORILLA_VERDICT_HALLUCINATION), "hallucination");
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

static void test_eval_records_bad_question(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(TH_DOCS, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_COMPATIBLE, &s);
    const char pairs_text[] = "{\"code\": \"c\", \"api_data\": {\"domain\": \"Detection\"}}\n";
    const char resp_text[] = "{\"question_id\": 1, \"text\": \"x\"}\n{\"question_id\": 2, \"text\": \"y\"}\n";
    char *pp = test_write_temp(pairs_text, strlen(pairs_text));
    char *rp = test_write_temp(resp_text, strlen(resp_text));
    gorilla_pairs *pairs;
    gorilla_records *recs;
    gorilla_error err = {0};
    assert_int_equal(gorilla_pairs_load(pp, &pairs, &err), GORILLA_OK);
    assert_int_equal(gorilla_records_load(rp, &recs, &err), GORILLA_OK);
    gorilla_verdict v[2];
    gorilla_tally t;
    assert_int_equal(gorilla_eval_records(m, pairs, recs, "resp.jsonl", v, &t, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "resp.jsonl:2: question_id 2 is out of range"));
    gorilla_pairs_free(pairs);
    gorilla_records_free(recs);
    unlink(pp);
    unlink(rp);
    free(pp);
    free(rp);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

/* Arbitrary bytes as candidates: never a crash, always a verdict. */
static void test_match_arbitrary_text(void **state)
{
    (void)state;
    gorilla_store *s;
    gorilla_matcher *m = make_matcher(TH_DOCS, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_COMPATIBLE, &s);
    gorilla_matcher *ms;
    gorilla_error err = {0};
    assert_int_equal(gorilla_matcher_new(s, GORILLA_HUB_TORCHHUB, GORILLA_MATCH_STRICT, &ms, &err), GORILLA_OK);
    unsigned seed = 12345;
    char buf[512];
    const char *alphabet = "()[]{}'\",:=.ab_ /\\\n\t#pytorch/visionresnet50torch.hub.load";
    size_t alen = strlen(alphabet);
    for (int iter = 0; iter < 2000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 8) % (sizeof buf);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 8) % alen];
        }
        gorilla_parse_kind pk;
        long a = gorilla_matcher_find(m, buf, n, &pk);
        long b = gorilla_matcher_find(ms, buf, n, &pk);
        assert_true(a >= -1 && a < 3);
        assert_true(b >= -1 && b < 3);
    }
    gorilla_matcher_free(ms);
    gorilla_matcher_free(m);
    gorilla_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidate_extract), cmocka_unit_test(test_match_torchhub),
        cmocka_unit_test(test_match_strict),      cmocka_unit_test(test_match_huggingface),
        cmocka_unit_test(test_match_strict_bare_and_shell),
        cmocka_unit_test(test_match_tensorflow),  cmocka_unit_test(test_judge_verdicts),
        cmocka_unit_test(test_eval_records_bad_question), cmocka_unit_test(test_match_arbitrary_text),
    };
    return cmocka_run_group_tests_name("eval", tests, NULL, NULL);
}
