/* test_dataset_selfinstruct.c — self-instruct against a fake teacher: an
 * in-process libmicrohttpd server on an ephemeral loopback port answering
 * canned instructions by scenario (the first path segment): good answers,
 * garbage, 500s, 429 then 200, slow answers, a teacher that fails after the
 * first document; resume after a torn write; then the whole loop into
 * `dataset` conversations with an eval instruction planted. */
#include "testutil.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

static const char DOCS[] =
    "{\"domain\": \"Classification\", \"framework\": \"PyTorch\", \"functionality\": \"Image Classification\", "
    "\"api_name\": \"resnet50\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', "
    "pretrained=True)\"}\n"
    "{\"domain\": \"Object Detection\", \"framework\": \"PyTorch\", \"functionality\": \"Object Detection\", "
    "\"api_name\": \"yolov5s\", \"api_call\": \"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', "
    "pretrained=True)\"}\n"
    "{\"domain\": \"Semantic Segmentation\", \"framework\": \"PyTorch\", \"functionality\": \"Semantic "
    "Segmentation\", \"api_name\": \"deeplabv3\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', "
    "model='deeplabv3_resnet50', pretrained=True)\"}\n";

static const char EXAMPLES[] =
    "[{\"api_data\": {\"api_name\": \"a\", \"api_call\": \"f('a')\"}, \"instructions\": [{\"instruction\": "
    "\"EXAMPLE-A one\", \"api_call\": \"f('a')\", \"explanation\": \"x\"}]},"
    " {\"api_data\": {\"api_name\": \"b\", \"api_call\": \"f('b')\"}, \"instructions\": [{\"instruction\": "
    "\"EXAMPLE-B one\", \"api_call\": \"f('b')\", \"explanation\": \"x\"}]},"
    " {\"api_data\": {\"api_name\": \"c\", \"api_call\": \"f('c')\"}, \"instructions\": [{\"instruction\": "
    "\"EXAMPLE-C one\", \"api_call\": \"f('c')\", \"explanation\": \"x\"}]},"
    " {\"api_data\": {\"api_name\": \"d\", \"api_call\": \"f('d')\"}, \"instructions\": [{\"instruction\": "
    "\"EXAMPLE-D one\", \"api_call\": \"f('d')\", \"explanation\": \"x\"}]},"
    " {\"api_data\": {\"api_name\": \"e\", \"api_call\": \"f('e')\"}, \"instructions\": [{\"instruction\": "
    "\"EXAMPLE-E one\", \"api_call\": \"f('e')\", \"explanation\": \"x\"}]},"
    " {\"api_data\": {\"api_name\": \"g\", \"api_call\": \"f('g')\"}, \"instructions\": [{\"instruction\": "
    "\"EXAMPLE-G one\", \"api_call\": \"f('g')\", \"explanation\": \"x\"}]}]";

/* The teacher's answers per document: doc 0 has a good pair, a
 * hallucinated call, a near duplicate, one naming the API and a good pair
 * in markdown; doc 1 a good pair and another document's call; doc 2 one. */
static const char ANSWER_RESNET[] =
    "Here are the instructions.\n\n"
    "1. Instruction: Sort the photos of my online shop into a thousand everyday categories.\n"
    "API call: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\n"
    "Explanation: Load an ImageNet classifier.\n\n"
    "2. Instruction: Tell me what object is shown in each picture of the museum archive.\n"
    "API call: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet5000', pretrained=True)\n"
    "Explanation: A classifier.\n\n"
    "3. Instruction: Sort the photos of my online shop into a thousand common categories.\n"
    "API call: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\n"
    "Explanation: Same again.\n\n"
    "4. Instruction: Use ResNet50 to classify my photos.\n"
    "API call: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\n"
    "Explanation: Names the API.\n\n"
    "**5. Instruction:** Label the products in pictures that customers upload to our\n"
    "return portal.\n"
    "**API call:** `torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)`\n"
    "**Explanation:** An ImageNet classifier predicts the product type.\n";
static const char ANSWER_YOLO[] =
    "1. Instruction: Count the delivery vans that stop in front of the warehouse.\n"
    "API call: torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)\n"
    "Explanation: A fast detector finds each van.\n\n"
    "2. Instruction: Find the people in the lobby camera frames.\n"
    "API call: torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\n"
    "Explanation: Wrong document.\n";
static const char ANSWER_DEEPLAB[] =
    "1) Instruction - Mark the road pixels in dash-cam images for our lane assistant.\n"
    "API call:\n```python\ntorch.hub.load(repo_or_dir='pytorch/vision', model='deeplabv3_resnet50', pretrained=True)\n```\n"
    "Explanation: Semantic segmentation labels each pixel.\n";

typedef struct {
    pthread_mutex_t mu;
    int hits;
} fake_state;
static fake_state F;

typedef struct {
    char *body;
    size_t len;
} upload;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (status == 429) MHD_add_response_header(r, "Retry-After", "0");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result chat_answer(struct MHD_Connection *c, const char *content)
{
    json_t *o = json_pack("{s:[{s:i,s:{s:s,s:s},s:s}]}", "choices", "index", 0, "message", "role", "assistant",
                          "content", content, "finish_reason", "stop");
    char *s = json_dumps(o, JSON_COMPACT);
    enum MHD_Result r = answer(c, 200, s);
    free(s);
    json_decref(o);
    return r;
}

/* The canned answer for the document the prompt asks about (the text after
 * the last "API document:"). */
static const char *answer_for(const char *body)
{
    const char *last = NULL;
    for (const char *p = strstr(body, "API document:"); p; p = strstr(p + 1, "API document:")) last = p;
    if (!last) return "no document";
    if (strstr(last, "deeplabv3")) return ANSWER_DEEPLAB;
    if (strstr(last, "yolov5s")) return ANSWER_YOLO;
    if (strstr(last, "resnet50")) return ANSWER_RESNET;
    return "no document";
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *data, size_t *size, void **con_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    upload *u = *con_cls;
    if (!u) {
        *con_cls = calloc(1, sizeof(upload));
        return MHD_YES;
    }
    if (*size) {
        char *g = realloc(u->body, u->len + *size + 1);
        if (!g) return MHD_NO;
        u->body = g;
        memcpy(u->body + u->len, data, *size);
        u->len += *size;
        u->body[u->len] = '\0';
        *size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&F.mu);
    int hit = ++F.hits;
    pthread_mutex_unlock(&F.mu);
    const char *body = u->body ? u->body : "";
    if (!strncmp(url, "/good/", 6)) return chat_answer(c, answer_for(body));
    if (!strncmp(url, "/garbage/", 9)) return chat_answer(c, "I am sorry, I cannot help with that. \x01 ### <<<>>>");
    if (!strncmp(url, "/e500/", 6)) return answer(c, 500, "{\"error\": {\"message\": \"teacher down\"}}");
    if (!strncmp(url, "/r429/", 6))
        return hit == 1 ? answer(c, 429, "{\"error\": {\"message\": \"slow down\"}}") : chat_answer(c, answer_for(body));
    if (!strncmp(url, "/flaky/", 7)) /* the first document's answer, then 500s */
        return hit == 1 ? chat_answer(c, answer_for(body)) : answer(c, 500, "{\"error\": {\"message\": \"overloaded\"}}");
    if (!strncmp(url, "/badjson/", 9)) return answer(c, 200, "{\"choices\": [ oops");
    if (!strncmp(url, "/slow/", 6)) {
        sleep_ms(1500);
        return chat_answer(c, answer_for(body));
    }
    return answer(c, 404, "{\"error\": {\"message\": \"no\"}}");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    upload *u = *con_cls;
    if (u) free(u->body);
    free(u);
    *con_cls = NULL;
}

static struct MHD_Daemon *D;
static int PORT;

static int group_setup(void **state)
{
    (void)state;
    pthread_mutex_init(&F.mu, NULL);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    D = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, handler, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_END);
    if (!D) return -1;
    PORT = MHD_get_daemon_info(D, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(D);
    pthread_mutex_destroy(&F.mu);
    return 0;
}

/* A client on scenario `sc`, fast retries. */
static gorilla_client *client_for(const char *sc, long timeout_ms)
{
    pthread_mutex_lock(&F.mu);
    F.hits = 0;
    pthread_mutex_unlock(&F.mu);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/v1", PORT, sc);
    gorilla_client_opts o;
    gorilla_client_opts_init(&o);
    o.base_url = url;
    o.model = "teacher";
    o.api_key_env = "GORILLA_TEST_NO_SUCH_KEY";
    o.max_retries = 2;
    o.backoff_base_ms = 1;
    o.backoff_max_ms = 5;
    if (timeout_ms) o.timeout_ms = timeout_ms;
    gorilla_client *c = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_OK);
    return c;
}

typedef struct {
    gorilla_store *store;
    gorilla_si_examples *ex;
    char dir[64], out[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    gorilla_error err = {0};
    if (gorilla_store_load_buffer("docs", DOCS, strlen(DOCS), &f->store, &err) != GORILLA_OK) return -1;
    if (gorilla_si_examples_load_buffer("ex", EXAMPLES, strlen(EXAMPLES), &f->ex, &err) != GORILLA_OK) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/gorilla-si-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->out, sizeof f->out, "%s/pairs.jsonl", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char p[160];
    unlink(f->out);
    snprintf(p, sizeof p, "%s.progress", f->out);
    unlink(p);
    rmdir(f->dir);
    gorilla_store_free(f->store);
    gorilla_si_examples_free(f->ex);
    free(f);
    return 0;
}

static size_t count_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    size_t n = 0;
    int ch;
    while ((ch = fgetc(fp)) != EOF) n += ch == '\n';
    fclose(fp);
    return n;
}

static gorilla_status run(fixture *f, const char *sc, long timeout_ms, size_t count, gorilla_si_stats *s,
                          gorilla_error *err)
{
    gorilla_client *c = client_for(sc, timeout_ms);
    gorilla_si_opts o;
    gorilla_si_opts_init(&o);
    o.count = count;
    gorilla_status st = gorilla_selfinstruct_run(f->store, f->ex, c, f->out, &o, s, err);
    gorilla_client_free(c);
    return st;
}

static void test_si_parse(void **state)
{
    (void)state;
    gorilla_si_item *it = NULL;
    size_t n = 0, skipped = 0;
    gorilla_error err = {0};
    assert_int_equal(gorilla_si_parse(ANSWER_RESNET, &it, &n, &skipped, &err), GORILLA_OK);
    assert_int_equal(n, 5);
    assert_string_equal(it[4].instruction, "Label the products in pictures that customers upload to our return portal.");
    assert_string_equal(it[4].api_call, "torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)");
    assert_string_equal(it[4].explanation, "An ImageNet classifier predicts the product type.");
    gorilla_si_items_free(it, n);
    assert_int_equal(gorilla_si_parse(ANSWER_DEEPLAB, &it, &n, &skipped, &err), GORILLA_OK);
    assert_int_equal(n, 1);
    assert_string_equal(it[0].api_call,
                        "torch.hub.load(repo_or_dir='pytorch/vision', model='deeplabv3_resnet50', pretrained=True)");
    gorilla_si_items_free(it, n);
    /* garbage and blocks without a call */
    assert_int_equal(gorilla_si_parse("no structure at all\n\n\x01\xff", &it, &n, &skipped, &err), GORILLA_OK);
    assert_int_equal(n, 0);
    assert_int_equal(gorilla_si_parse("Instruction: a\nExplanation: b\nInstruction: c\nAPI call: f()\n", &it, &n,
                                      &skipped, &err),
                     GORILLA_OK);
    assert_int_equal(n, 1);
    assert_int_equal(skipped, 1);
    assert_string_equal(it[0].instruction, "c");
    gorilla_si_items_free(it, n);
    assert_int_equal(gorilla_si_parse("", &it, &n, &skipped, &err), GORILLA_OK);
    assert_int_equal(n, 0);
}

static void test_si_prompt(void **state)
{
    fixture *f = *state;
    char *doc = gorilla_store_doc_json(f->store, 1);
    char *a = gorilla_si_prompt(f->ex, doc, 3, 10, 5), *b = gorilla_si_prompt(f->ex, doc, 3, 10, 5);
    assert_string_equal(a, b); /* seeded */
    int shown = 0;
    const char *names[] = {"EXAMPLE-A", "EXAMPLE-B", "EXAMPLE-C", "EXAMPLE-D", "EXAMPLE-E", "EXAMPLE-G"};
    for (size_t i = 0; i < 6; i++) shown += strstr(a, names[i]) != NULL;
    assert_int_equal(shown, 3);
    assert_non_null(strstr(a, "write 10 different instructions"));
    assert_non_null(strstr(a, "Never name the API"));
    const char *last = strstr(a, "Now the real task.\nAPI document: {\"domain\": \"Object Detection\"");
    assert_non_null(last);
    int differs = 0;
    for (uint64_t seed = 6; seed < 12 && !differs; seed++) {
        char *c = gorilla_si_prompt(f->ex, doc, 3, 10, seed);
        differs = strcmp(a, c) != 0;
        free(c);
    }
    assert_true(differs);
    free(a);
    free(b);
    free(doc);
}

/* The project's hand-written examples: six per hub. */
static void test_si_project_examples(void **state)
{
    (void)state;
    const char *hubs[] = {"torchhub", "tensorflowhub", "huggingface"};
    for (size_t h = 0; h < 3; h++) {
        char p[128];
        snprintf(p, sizeof p, "data/selfinstruct/%s.json", hubs[h]);
        if (access(p, R_OK) != 0) skip();
        gorilla_si_examples *ex = NULL;
        gorilla_error err = {0};
        if (gorilla_si_examples_load(p, &ex, &err) != GORILLA_OK) fail_msg("%s", err.message);
        assert_int_equal(gorilla_si_examples_count(ex), 6);
        gorilla_si_examples_free(ex);
    }
    gorilla_si_examples *ex = NULL;
    gorilla_error err = {0};
    const char bad[] = "[{\"api_data\": {}, \"instructions\": [{\"instruction\": 3}]}]";
    assert_int_equal(gorilla_si_examples_load_buffer("bad.json", bad, strlen(bad), &ex, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "bad.json: example 0, instruction 0"));
    assert_int_equal(gorilla_si_examples_load_buffer("bad.json", "[", 1, &ex, &err), GORILLA_ERR_PARSE);
}

/* The whole loop: selfinstruct -> pairs file -> dataset conversations. */
static void test_si_whole_loop(void **state)
{
    fixture *f = *state;
    gorilla_si_stats s;
    gorilla_error err = {0};
    if (run(f, "good", 0, 0, &s, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(s.docs_done, 3);
    assert_int_equal(s.generated, 8);
    assert_int_equal(s.hallucinated, 2);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(s.named_api, 1);
    assert_int_equal(s.kept, 4);
    assert_int_equal(count_lines(f->out), 4);

    gorilla_pairset *p = NULL;
    gorilla_pairset_new(&p, &err);
    if (gorilla_pairset_load(p, f->out, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(gorilla_pairset_count(p), 4);
    const gorilla_train_pair *q = gorilla_pairset_get(p, 3);
    assert_string_equal(q->instruction, "Mark the road pixels in dash-cam images for our lane assistant.");
    assert_string_equal(q->domain, "Semantic Segmentation");
    assert_non_null(strstr(q->api_json, "deeplabv3_resnet50"));

    gorilla_leakset *ls = NULL;
    gorilla_leakset_new(&ls, &err);
    gorilla_leakset_add_text(ls, "label the products in pictures that customers upload to our return portal", &err);
    gorilla_convset *tr = NULL, *ho = NULL;
    gorilla_convset_new(&tr, &err);
    gorilla_convset_new(&ho, &err);
    gorilla_retriever *r = NULL;
    assert_int_equal(gorilla_retriever_new(f->store, NULL, &r, &err), GORILLA_OK);
    gorilla_dataset_opts o;
    gorilla_dataset_opts_init(&o);
    o.doc = GORILLA_DOC_ORACLE;
    o.holdout_rate = 0;
    gorilla_dataset_stats ds;
    assert_int_equal(gorilla_dataset_build(p, f->store, r, ls, &o, tr, ho, &ds, &err), GORILLA_OK);
    assert_int_equal(ds.leaks, 1);
    assert_int_equal(gorilla_convset_count(tr), 3);
    assert_int_equal(ds.gold_shown, 3);
    const gorilla_conversation *c = gorilla_convset_get(tr, 2);
    assert_non_null(strstr(c->human, "lane assistant. \n Use this API documentation for reference: {"));
    assert_memory_equal(c->gpt, "<<<domain>>>: Semantic Segmentation\n<<<api_call>>>: torch.hub.load(", 67);
    gorilla_retriever_free(r);
    gorilla_convset_free(tr);
    gorilla_convset_free(ho);
    gorilla_leakset_free(ls);
    gorilla_pairset_free(p);
}

/* A crash mid-document (a torn line after the last finished document):
 * the rerun drops it, skips finished documents and loses nothing. */
static void test_si_resume(void **state)
{
    fixture *f = *state;
    gorilla_si_stats s;
    gorilla_error err = {0};
    assert_int_equal(run(f, "good", 0, 2, &s, &err), GORILLA_OK);
    assert_int_equal(s.kept, 3);
    FILE *fp = fopen(f->out, "a");
    fputs("{\"code\": \"###Instruction: torn half line of an unfinished docu", fp);
    fclose(fp);
    assert_int_equal(run(f, "good", 0, 0, &s, &err), GORILLA_OK);
    assert_int_equal(s.docs_skipped, 2);
    assert_int_equal(s.docs_done, 1);
    assert_int_equal(s.kept_before, 3);
    assert_int_equal(s.kept, 1);
    assert_int_equal(count_lines(f->out), 4);
    gorilla_pairset *p = NULL;
    gorilla_pairset_new(&p, &err);
    if (gorilla_pairset_load(p, f->out, &err) != GORILLA_OK) fail_msg("%s", err.message);
    assert_int_equal(gorilla_pairset_count(p), 4);
    gorilla_pairset_free(p);
    /* all done: nothing asked */
    assert_int_equal(run(f, "e500", 0, 0, &s, &err), GORILLA_OK);
    assert_int_equal(s.docs_skipped, 3);
    assert_int_equal(s.docs_done, 0);
    /* an output without its progress file is refused, not overwritten */
    char prog[160];
    snprintf(prog, sizeof prog, "%s.progress", f->out);
    unlink(prog);
    assert_int_equal(run(f, "good", 0, 0, &s, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "not a selfinstruct output to resume"));
    assert_int_equal(count_lines(f->out), 4);
}

static void test_si_teacher_failures(void **state)
{
    fixture *f = *state;
    gorilla_si_stats s;
    gorilla_error err = {0};
    /* 500 on every attempt: retried, then a clear error naming the document */
    assert_int_equal(run(f, "e500", 0, 0, &s, &err), GORILLA_ERR_IO);
    assert_non_null(strstr(err.message, "document 0"));
    assert_non_null(strstr(err.message, "500"));
    assert_int_equal(count_lines(f->out), 0);
    /* the first document answered, then 500s: its pairs stay, the rerun resumes */
    assert_int_equal(run(f, "flaky", 0, 0, &s, &err), GORILLA_ERR_IO);
    assert_non_null(strstr(err.message, "document 1"));
    assert_int_equal(s.kept, 2);
    assert_int_equal(count_lines(f->out), 2);
    /* 429 once, then fine */
    assert_int_equal(run(f, "r429", 0, 0, &s, &err), GORILLA_OK);
    assert_int_equal(s.docs_skipped, 1);
    assert_int_equal(s.kept, 2);
    assert_int_equal(count_lines(f->out), 4);
    assert_int_equal(s.duplicates, 0);
}

static void test_si_garbage_timeout_badjson(void **state)
{
    fixture *f = *state;
    gorilla_si_stats s;
    gorilla_error err = {0};
    assert_int_equal(run(f, "slow", 300, 0, &s, &err), GORILLA_ERR_LIMIT);
    assert_non_null(strstr(err.message, "document 0"));
    assert_int_equal(run(f, "badjson", 0, 0, &s, &err), GORILLA_ERR_PARSE);
    assert_int_equal(count_lines(f->out), 0);
    assert_int_equal(run(f, "garbage", 0, 0, &s, &err), GORILLA_OK);
    assert_int_equal(s.docs_done, 3);
    assert_int_equal(s.kept, 0);
    assert_int_equal(s.generated, 0);
    assert_int_equal(count_lines(f->out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_si_parse),
        cmocka_unit_test_setup_teardown(test_si_prompt, setup, teardown),
        cmocka_unit_test(test_si_project_examples),
        cmocka_unit_test_setup_teardown(test_si_whole_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_si_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_si_teacher_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_si_garbage_timeout_badjson, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
