/* test_pipeline_ask.c — the ask pipeline on the starter store: retrieval
 * alone, the store check, the JSON form, a local (synthetic) model, and the
 * resumable response files of `gorilla bench`, a borrowed model and the
 * bench loop (gorilla_bench_run). */
#include "testutil.h"
#include "support/synth.h"

#include <math.h>
#include <sys/stat.h>

static gorilla_asker *starter(const char *retriever, const char *model)
{
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[0] = "data/starter/torchhub_api.jsonl";
    o.api_paths[1] = "data/starter/huggingface_api.jsonl";
    o.api_paths[2] = "data/starter/tensorflowhub_api.jsonl";
    o.retriever = retriever;
    o.model_path = model;
    o.n_ctx = 4096;
    o.gen.max_tokens = 24;
    gorilla_asker *a = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_asker_new(&o, &a, &err);
    if (st) fail_msg("%s", err.message);
    return a;
}

static void test_retrieval_only(void **state)
{
    (void)state;
    gorilla_asker *a = starter(NULL, NULL);
    assert_false(gorilla_asker_has_model(a));
    gorilla_ask_result r;
    gorilla_error err = {0};
    assert_int_equal(gorilla_ask(a, "find a model that separates vocals from music", -1, 3, &r, &err), GORILLA_OK);
    assert_int_equal(r.n_hits, 3);
    assert_false(r.generated);
    assert_string_equal(gorilla_ask_verdict(&r), "retrieval_only");
    assert_int_equal(r.hits[0].hub, GORILLA_HUB_TORCHHUB);
    assert_string_equal(r.hits[0].domain, "Audio Separation");
    assert_non_null(strstr(r.hits[0].api_call, "sigsep/open-unmix-pytorch"));
    assert_non_null(r.hits[0].example_code);
    for (size_t i = 1; i < r.n_hits; i++) assert_true(r.hits[i - 1].score >= r.hits[i].score);
    char *json = gorilla_ask_result_json(a, &r);
    assert_non_null(strstr(json, "\"verdict\":\"retrieval_only\""));
    assert_non_null(strstr(json, "\"domain\":\"Audio Separation\""));
    free(json);
    gorilla_ask_result_clear(&r);

    /* the all-hubs index maps back to each hub's own documents */
    static const struct {
        const char *task, *needle;
        gorilla_hub hub;
    } CASES[] = {
        {"summarize a long news article in a few sentences", "summarization", GORILLA_HUB_HUGGINGFACE},
        {"recognize the species of a bird in a photo", "birds_V1", GORILLA_HUB_TENSORFLOWHUB},
        {"detect objects in a street photo in real time", "yolov5", GORILLA_HUB_TORCHHUB},
    };
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        assert_int_equal(gorilla_ask(a, CASES[c].task, -1, 2, &r, &err), GORILLA_OK);
        assert_true(r.n_hits >= 1);
        assert_int_equal(r.hits[0].hub, CASES[c].hub);
        assert_non_null(strstr(r.hits[0].api_call, CASES[c].needle));
        const gorilla_store *st = gorilla_asker_store(a, r.hits[0].hub);
        assert_string_equal(r.hits[0].api_call, gorilla_store_field(st, r.hits[0].api_index, "api_call"));
        gorilla_ask_result_clear(&r);
    }

    /* one hub only */
    assert_int_equal(gorilla_ask(a, "estimate the pose of a person in a photo", GORILLA_HUB_TENSORFLOWHUB, 2, &r, &err),
                     GORILLA_OK);
    assert_int_equal(r.n_hits, 2);
    for (size_t i = 0; i < r.n_hits; i++) assert_int_equal(r.hits[i].hub, GORILLA_HUB_TENSORFLOWHUB);
    assert_string_equal(r.hits[0].domain, "Image pose detection");
    gorilla_ask_result_clear(&r);

    /* errors */
    assert_int_equal(gorilla_ask(a, "", -1, 3, &r, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_ask(a, "x", 7, 3, &r, &err), GORILLA_ERR_NOT_FOUND);
    gorilla_asker_free(a);
}

static void test_no_retrieval_and_check(void **state)
{
    (void)state;
    gorilla_asker *a = starter("none", NULL);
    gorilla_ask_result r;
    gorilla_error err = {0};
    assert_int_equal(gorilla_ask(a, "anything", -1, 3, &r, &err), GORILLA_OK);
    assert_int_equal(r.n_hits, 0);
    /* the store check, as used on model answers */
    gorilla_asker_check(a, "pipeline('summarization', model='facebook/bart-large-cnn')", -1, &r);
    assert_true(r.checked);
    assert_int_equal(r.match_hub, GORILLA_HUB_HUGGINGFACE);
    assert_true(r.match_index >= 0);
    assert_string_equal(r.match_api_name, "facebook/bart-large-cnn");
    gorilla_asker_check(a, "model = torch.hub.load('sigsep/open-unmix-pytorch', 'umxhq')", -1, &r);
    assert_int_equal(r.match_hub, GORILLA_HUB_TORCHHUB);
    assert_string_equal(r.match_domain, "Audio Separation");
    gorilla_asker_check(a, "hub.KerasLayer('https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5')",
                        -1, &r);
    assert_int_equal(r.match_hub, GORILLA_HUB_TENSORFLOWHUB);
    gorilla_asker_check(a, "torch.hub.load('made/up', 'nothing_like_it')", -1, &r);
    assert_true(r.checked);
    assert_int_equal(r.match_index, -1);
    gorilla_asker_check(a, NULL, -1, &r);
    assert_false(r.checked);
    gorilla_ask_result_clear(&r);
    gorilla_asker_free(a);
}

static void test_json_requests(void **state)
{
    (void)state;
    gorilla_asker *a = starter(NULL, NULL);
    gorilla_error err = {0};
    char *out = NULL;
    assert_int_equal(gorilla_ask_json(a, "{\"task\": \"summarize a news article\", \"hub\": \"hf\", \"k\": 2}", &out, &err),
                     GORILLA_OK);
    assert_non_null(strstr(out, "\"hub\":\"huggingface\""));
    assert_non_null(strstr(out, "Summarization"));
    free(out);
    assert_int_equal(gorilla_ask_json(a, "not json", &out, &err), GORILLA_ERR_PARSE);
    assert_null(out);
    assert_int_equal(gorilla_ask_json(a, "[1]", &out, &err), GORILLA_ERR_PARSE);
    assert_int_equal(gorilla_ask_json(a, "{\"task\": 3}", &out, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_ask_json(a, "{\"task\": \"x\", \"hub\": \"nope\"}", &out, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_ask_json(a, "{\"task\": \"x\", \"k\": 0}", &out, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_ask_json(a, NULL, &out, &err), GORILLA_ERR_PARSE);
    gorilla_asker_free(a);
}

/* A synthetic model (random weights, context 4096) at a fresh path made
 * from the template. */
static void write_model(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    llm_synth_params p;
    llm_synth_defaults(&p);
    p.n_ctx = 4096;
    gorilla_error err = {0};
    assert_int_equal(llm_synth_write(&p, path, &err), GORILLA_OK);
}

/* The whole path with a local model: a synthetic GGUF (random weights),
 * so the answer is noise; the pipeline must still prompt, parse and judge. */
static void test_local_model(void **state)
{
    (void)state;
    char path[] = "/tmp/gorilla-ask-model-XXXXXX";
    write_model(path);
    gorilla_error err = {0};
    gorilla_asker *a = starter(NULL, path);
    assert_true(gorilla_asker_has_model(a));
    gorilla_ask_result r;
    gorilla_status st = gorilla_ask(a, "classify images of birds", -1, 1, &r, &err);
    if (st) fail_msg("%s", err.message);
    assert_true(r.generated);
    assert_non_null(r.text);
    assert_non_null(strstr(r.prompt, "###USER: classify images of birds \n Use this API documentation for reference: {"));
    assert_true(strlen(r.prompt) > 20 && strcmp(r.prompt + strlen(r.prompt) - 15, "\n###ASSISTANT: ") == 0);
    const char *v = gorilla_ask_verdict(&r);
    assert_true(!strcmp(v, "no_call") || !strcmp(v, "hallucination") || !strcmp(v, "known"));
    char *json = gorilla_ask_result_json(a, &r);
    assert_non_null(strstr(json, "\"answer_text\":"));
    free(json);
    gorilla_ask_result_clear(&r);
    /* decoding per request: every mode runs; drafts do not change the answer */
    const char *modes[] = {"{\"task\": \"classify images of birds\", \"k\": 1, \"constrain\": \"store\", \"draft\": \"off\"}",
                           "{\"task\": \"classify images of birds\", \"k\": 1, \"constrain\": \"store\", \"draft\": \"lookup\"}",
                           "{\"task\": \"classify images of birds\", \"k\": 1, \"constrain\": \"retrieved\"}",
                           "{\"task\": \"classify images of birds\", \"k\": 1, \"constrain\": \"off\"}"};
    char *answers[4];
    for (int i = 0; i < 4; i++) {
        answers[i] = NULL;
        if (gorilla_ask_json(a, modes[i], &answers[i], &err)) fail_msg("%s: %s", modes[i], err.message);
    }
    assert_string_equal(answers[0], answers[1]);
    for (int i = 0; i < 4; i++) free(answers[i]);
    char *bad = NULL;
    assert_int_equal(gorilla_ask_json(a, "{\"task\": \"x\", \"constrain\": \"always\"}", &bad, &err),
                     GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "constrain"));
    assert_int_equal(gorilla_ask_json(a, "{\"task\": \"x\", \"draft\": 2}", &bad, &err), GORILLA_ERR_INVALID);
    assert_null(bad);
    /* the bench path: a question text in, an answer out */
    char *prompt = NULL, *text = NULL;
    assert_int_equal(gorilla_asker_complete(a, 0, "What API separates vocals?", &prompt, &text, &err), GORILLA_OK);
    assert_string_equal(prompt, "###USER: What API separates vocals?\n###ASSISTANT: ");
    free(prompt);
    free(text);
    gorilla_asker_free(a);

    /* the evaluation prompt for general chat models, on a local model */
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[GORILLA_HUB_TORCHHUB] = "data/starter/torchhub_api.jsonl";
    o.retriever = "none";
    o.model_path = path;
    o.n_ctx = 4096;
    o.gen.max_tokens = 4;
    o.prompt = GORILLA_PROMPT_EVAL;
    assert_int_equal(gorilla_asker_new(&o, &a, &err), GORILLA_OK);
    assert_int_equal(gorilla_asker_complete(a, GORILLA_HUB_TORCHHUB, "Separate vocals.", &prompt, &text, &err),
                     GORILLA_OK);
    assert_memory_equal(prompt, "You are a helpful API writer who can write APIs based on requirements.\n###USER: "
                                "Separate vocals.\nWrite a python program", 119);
    assert_non_null(strstr(prompt, "should include one of {Semantic Segmentation, Classification,"));
    assert_non_null(strstr(prompt, "Audio Separation"));
    free(prompt);
    free(text);
    gorilla_asker_free(a);
    unlink(path);
}

/* The document reranker: each candidate scored as log P(domain and call |
 * the prompt with that document alone), the answer's prompt then holds the
 * best one. The scores are checked against gorilla_call_logprob on the
 * prompts built here by hand. */
static void test_rerank_docs(void **state)
{
    (void)state;
    char path[] = "/tmp/gorilla-ask-rerank-XXXXXX";
    write_model(path);
    gorilla_error err = {0};
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[0] = "data/starter/torchhub_api.jsonl";
    o.model_path = path;
    o.n_ctx = 4096;
    o.gen.max_tokens = 8;
    o.rerank = 3;
    gorilla_asker *a = NULL;
    assert_int_equal(gorilla_asker_new(&o, &a, &err), GORILLA_OK);
    assert_int_equal(gorilla_asker_rerank(a), 3);
    const char *task = "estimate the depth of a scene from one photo";
    gorilla_ask_result r;
    if (gorilla_ask(a, task, GORILLA_HUB_TORCHHUB, 3, &r, &err)) fail_msg("%s", err.message);
    assert_true(r.reranked);
    assert_int_equal(r.n_hits, 3);
    gorilla_model_opts mo = {1, 4096};
    gorilla_model *m = NULL; /* a second copy of the same file scores by hand */
    assert_int_equal(gorilla_model_load(path, &mo, &m, &err), GORILLA_OK);
    size_t best = 0;
    for (size_t i = 0; i < r.n_hits; i++) {
        assert_true(r.hits[i].has_logprob);
        assert_true(r.hits[i].call_logprob < 0);
        if (r.hits[i].call_logprob > r.hits[best].call_logprob) best = i;
        /* by hand: the task with this document alone */
        char *user = gorilla_asker_task_text_n(a, task, &r.hits[i], 1);
        char prefix[16384], cont[2048];
        snprintf(prefix, sizeof prefix, "###USER: %s\n###ASSISTANT: <<<domain>>>: ", user);
        snprintf(cont, sizeof cont, "%s\n<<<api_call>>>: %s", r.hits[i].domain, r.hits[i].api_call);
        free(user);
        double lp = 0;
        assert_int_equal(gorilla_call_logprob(m, gorilla_model_tokenizer(m), prefix, cont, &lp, NULL, &err),
                         GORILLA_OK);
        assert_true(fabs(lp - r.hits[i].call_logprob) <= 1e-6 * fabs(lp));
    }
    /* the prompt shows the best document only */
    assert_non_null(strstr(r.prompt, r.hits[best].api_call));
    for (size_t i = 0; i < r.n_hits; i++)
        if (i != best && strcmp(r.hits[i].api_call, r.hits[best].api_call) != 0)
            assert_null(strstr(r.prompt, r.hits[i].api_call));
    gorilla_ask_result_clear(&r);
    gorilla_model_free(m);
    gorilla_asker_free(a);
    /* an endpoint or the OpenFunctions templates: refused */
    o.template_name = "openfunctions-v2";
    assert_int_equal(gorilla_asker_new(&o, &a, &err), GORILLA_OK);
    gorilla_ask_hit h[2] = {{0}, {0}};
    size_t b = 9;
    assert_int_equal(gorilla_asker_rerank_docs(a, task, h, 2, &b, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "Gorilla template"));
    gorilla_asker_free(a);
    unlink(path);
}

static void test_bench_resume(void **state)
{
    (void)state;
    const char *body = "{\"question_id\": 1, \"text\": \"a\"}\n{\"question_id\": 5, \"text\": \"b\"}\n{\"question_id\": 7, \"te";
    char *path = test_write_temp(body, strlen(body));
    long *ids;
    size_t n;
    gorilla_error err = {0};
    assert_int_equal(gorilla_bench_resume(path, &ids, &n, &err), GORILLA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 5);
    free(ids);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, strlen(body) - strlen("{\"question_id\": 7, \"te"));
    /* a line in the published format appends cleanly */
    char *line = gorilla_bench_response_line(9, "say \"hi\"\n", "m1", 42, NULL);
    assert_non_null(line);
    assert_non_null(strstr(line, "{\"question_id\": 9, \"text\": \"say \\\"hi\\\"\\n\", \"answer_id\": \""));
    assert_non_null(strstr(line, "\", \"model_id\": \"m1\", \"metadata\": {}}\n"));
    FILE *f = fopen(path, "a");
    fputs(line, f);
    fclose(f);
    free(line);
    line = gorilla_bench_response_line(10, "", "m1", 42, "the prompt has 9000 tokens");
    assert_non_null(strstr(line, "\"metadata\": {\"error\": \"the prompt has 9000 tokens\"}}\n"));
    f = fopen(path, "a");
    fputs(line, f);
    fclose(f);
    free(line);
    assert_int_equal(gorilla_bench_resume(path, &ids, &n, &err), GORILLA_OK);
    assert_int_equal(n, 4);
    assert_int_equal(ids[2], 9);
    free(ids);
    /* a corrupt complete line is an error naming the line */
    f = fopen(path, "a");
    fputs("garbage\n", f);
    fclose(f);
    assert_int_equal(gorilla_bench_resume(path, &ids, &n, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, ":5:"));
    unlink(path);
    free(path);
    /* a missing file is created empty */
    char fresh[] = "/tmp/gorilla-bench-XXXXXX";
    int fd = mkstemp(fresh);
    close(fd);
    unlink(fresh);
    assert_int_equal(gorilla_bench_resume(fresh, &ids, &n, &err), GORILLA_OK);
    assert_int_equal(n, 0);
    free(ids);
    assert_int_equal(access(fresh, F_OK), 0);
    unlink(fresh);
}

/* A borrowed model (gorilla serve's case): the same answers as an owned
 * one, and the model outlives the asker. Then the bench loop on it. */
typedef struct {
    int starts, answers, empties;
    size_t last_answered;
} bench_events;

static void on_bench(void *user, const gorilla_bench_progress *p)
{
    bench_events *e = user;
    if (p->event == GORILLA_BENCH_START) e->starts++;
    else if (p->event == GORILLA_BENCH_ANSWER) e->answers++, e->last_answered = p->n_answered;
    else e->empties++;
}

static void test_borrowed_model_and_bench_run(void **state)
{
    (void)state;
    char path[] = "/tmp/gorilla-ask-borrow-XXXXXX";
    write_model(path);
    gorilla_error err = {0};
    int fd;
    gorilla_model *m = NULL;
    gorilla_tokenizer *tok = NULL;
    gorilla_model_opts mo = {1, 4096};
    assert_int_equal(gorilla_model_load(path, &mo, &m, &err), GORILLA_OK);
    assert_int_equal(gorilla_tokenizer_load_gguf(path, &tok, &err), GORILLA_OK);

    gorilla_asker *owned = starter("none", path);
    char *t_owned = NULL, *t_borrowed = NULL;
    assert_int_equal(gorilla_asker_complete(owned, 0, "What API separates vocals?", NULL, &t_owned, &err), GORILLA_OK);
    gorilla_asker_free(owned);

    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[GORILLA_HUB_TORCHHUB] = "data/starter/torchhub_api.jsonl";
    o.retriever = "none";
    o.gen.max_tokens = 24;
    o.model = m;
    assert_int_equal(gorilla_asker_new(&o, &owned, &err), GORILLA_ERR_INVALID); /* no tokenizer */
    o.tokenizer = tok;
    gorilla_asker *a = NULL;
    assert_int_equal(gorilla_asker_new(&o, &a, &err), GORILLA_OK);
    assert_true(gorilla_asker_has_model(a));
    assert_int_equal(gorilla_asker_complete(a, 0, "What API separates vocals?", NULL, &t_borrowed, &err), GORILLA_OK);
    assert_string_equal(t_borrowed, t_owned);
    free(t_owned);
    free(t_borrowed);

    /* the bench loop: the first two of three questions */
    const char *qs = "{\"question_id\": 3, \"text\": \"classify birds\"}\n"
                     "{\"question_id\": 4, \"text\": \"separate vocals\"}\n"
                     "{\"question_id\": 8, \"text\": \"translate text\"}\n";
    char *qpath = test_write_temp(qs, strlen(qs));
    char out[] = "/tmp/gorilla-bench-run-XXXXXX";
    fd = mkstemp(out);
    close(fd);
    unlink(out);
    bench_events ev = {0};
    gorilla_bench_opts bo;
    gorilla_bench_opts_init(&bo);
    bo.hub = GORILLA_HUB_TORCHHUB;
    bo.questions_path = qpath;
    bo.out_path = out;
    bo.limit = 2;
    bo.on_progress = on_bench;
    bo.user = &ev;
    gorilla_bench_progress last;
    if (gorilla_bench_run(a, &bo, &last, &err)) fail_msg("%s", err.message);
    assert_int_equal(ev.starts, 1);
    assert_int_equal(ev.answers, 2);
    assert_int_equal(ev.empties, 0);
    assert_int_equal(last.n_questions, 2);
    assert_int_equal(last.n_answered, 2);
    /* a rerun without the limit answers only the third */
    bo.limit = -1;
    memset(&ev, 0, sizeof ev);
    if (gorilla_bench_run(a, &bo, &last, &err)) fail_msg("%s", err.message);
    assert_int_equal(last.n_questions, 3);
    assert_int_equal(last.n_todo, 1);
    assert_int_equal(ev.answers, 1);
    long *ids;
    size_t n;
    assert_int_equal(gorilla_bench_resume(out, &ids, &n, &err), GORILLA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 3);
    assert_int_equal(ids[2], 8);
    free(ids);
    /* a missing question file is an error naming it */
    bo.questions_path = "/nonexistent/q.jsonl";
    assert_int_not_equal(gorilla_bench_run(a, &bo, &last, &err), GORILLA_OK);
    assert_non_null(strstr(err.message, "q.jsonl"));
    gorilla_asker_free(a);

    /* the model is the caller's: still there */
    float *logits = malloc((size_t)gorilla_model_n_vocab(m) * sizeof *logits);
    assert_int_equal(gorilla_model_forward(m, 1, 0, logits, &err), GORILLA_OK);
    free(logits);
    gorilla_tokenizer_free(tok);
    gorilla_model_free(m);
    unlink(out);
    unlink(qpath);
    free(qpath);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retrieval_only),
        cmocka_unit_test(test_no_retrieval_and_check),
        cmocka_unit_test(test_json_requests),
        cmocka_unit_test(test_local_model),
        cmocka_unit_test(test_rerank_docs),
        cmocka_unit_test(test_bench_resume),
        cmocka_unit_test(test_borrowed_model_and_bench_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
