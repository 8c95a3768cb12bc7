/* test_net_server.c — `gorilla serve`'s HTTP server with a fake backend on
 * an ephemeral loopback port, probed with libcurl and raw sockets. */
#include "testutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "support/synth.h"
#include "net/server.h"

/* ---- fake backend ---- */

static const char *const PIECES[] = {"api_call", ": ", "torch.hub.load(", "'pytorch/vision'", ", ", "'resnet50'", ")",
                                     " ü"};
#define N_PIECES (sizeof PIECES / sizeof PIECES[0])

typedef struct {
    pthread_mutex_t mu;
    int delay_ms; /* per piece */
    int active, max_active, calls;
    int fail;
    int stopped_early; /* on_token asked to stop */
    char last_prompt[4096];
} fake;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static gorilla_status fake_complete(void *ctx, const char *prompt, const gorilla_gen_params *p,
                                    gorilla_token_fn on_token, void *user, gorilla_gen_usage *usage,
                                    gorilla_error *err)
{
    fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->active++;
    f->calls++;
    if (f->active > f->max_active) f->max_active = f->active;
    snprintf(f->last_prompt, sizeof f->last_prompt, "%s", prompt);
    int fail = f->fail, delay = f->delay_ms;
    pthread_mutex_unlock(&f->mu);
    gorilla_status st = GORILLA_OK;
    usage->prompt_tokens = 7;
    usage->completion_tokens = 0;
    usage->truncated = 0;
    if (fail) {
        err->status = GORILLA_ERR_IO;
        snprintf(err->message, sizeof err->message, "fake backend failure");
        st = GORILLA_ERR_IO;
    } else {
        for (size_t i = 0; i < N_PIECES; i++) {
            if (usage->completion_tokens >= p->max_tokens) {
                usage->truncated = 1;
                break;
            }
            if (delay) sleep_ms(delay);
            usage->completion_tokens++;
            if (on_token(user, PIECES[i], strlen(PIECES[i]))) {
                pthread_mutex_lock(&f->mu);
                f->stopped_early++;
                pthread_mutex_unlock(&f->mu);
                break;
            }
        }
    }
    pthread_mutex_lock(&f->mu);
    f->active--;
    pthread_mutex_unlock(&f->mu);
    return st;
}

static gorilla_status fake_ask(void *ctx, const char *req, char **resp, gorilla_error *err)
{
    (void)ctx;
    (void)err;
    size_t n = strlen(req) + 32;
    *resp = malloc(n);
    snprintf(*resp, n, "{\"answer\": %s}", req);
    return GORILLA_OK;
}

/* ---- HTTP helper ---- */

typedef struct {
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
    CURLcode rc;
} http_res;

static size_t on_write(char *p, size_t s, size_t n, void *u)
{
    http_res *r = u;
    size_t k = s * n;
    char *b = realloc(r->body, r->len + k + 1);
    if (!b) return 0;
    r->body = b;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

static size_t on_hdr(char *p, size_t s, size_t n, void *u)
{
    http_res *r = u;
    size_t k = s * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

static void http(int port, const char *method, const char *path, const char *body, const char *extra_header,
                 http_res *r)
{
    memset(r, 0, sizeof *r);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    if (extra_header) hd = curl_slist_append(hd, extra_header);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_hdr);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 8000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    r->rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
}

static json_t *body_json(const http_res *r)
{
    json_t *j = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
    assert_non_null(j);
    return j;
}

/* The response is {"error": {"message": str, "type": type}}. */
static void assert_error(const http_res *r, long status, const char *type, const char *needle)
{
    if (r->status != status) fprintf(stderr, "status %ld body %s\n", r->status, r->body ? r->body : "");
    assert_int_equal(r->status, status);
    json_t *j = body_json(r);
    json_t *e = json_object_get(j, "error");
    assert_true(json_is_object(e));
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_string_equal(json_string_value(json_object_get(e, "type")), type);
    if (needle && !strstr(json_string_value(json_object_get(e, "message")), needle))
        fail_msg("message '%s' lacks '%s'", json_string_value(json_object_get(e, "message")), needle);
    json_decref(j);
    assert_non_null(strstr(r->headers, "Content-Type: application/json"));
}

/* ---- fixture ---- */

typedef struct {
    fake f;
    gorilla_backend be;
    gorilla_server *s;
    int port;
} fixture;

static fixture *start(const gorilla_server_opts *o, int with_ask)
{
    fixture *fx = calloc(1, sizeof *fx);
    pthread_mutex_init(&fx->f.mu, NULL);
    fx->be.ctx = &fx->f;
    fx->be.model_name = "fake-model";
    fx->be.complete = fake_complete;
    fx->be.ask = with_ask ? fake_ask : NULL;
    gorilla_server_opts d;
    gorilla_server_opts_init(&d);
    d.port = 0;
    if (!o) o = &d;
    gorilla_error err = {0};
    if (gorilla_server_start(o, &fx->be, &fx->s, &err)) fail_msg("start: %s", err.message);
    fx->port = gorilla_server_port(fx->s);
    assert_true(fx->port > 0);
    return fx;
}

static void stop(fixture *fx)
{
    gorilla_server_stop(fx->s);
    pthread_mutex_destroy(&fx->f.mu);
    free(fx);
}

static int setup(void **state)
{
    *state = start(NULL, 1);
    return 0;
}

static int teardown(void **state)
{
    stop(*state);
    return 0;
}

static void res_free(http_res *r)
{
    free(r->body);
    r->body = NULL;
}

/* ---- tests ---- */

static void test_models(void **state)
{
    fixture *fx = *state;
    http_res r;
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "object")), "list");
    json_t *m = json_array_get(json_object_get(j, "data"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "id")), "fake-model");
    assert_string_equal(json_string_value(json_object_get(m, "object")), "model");
    json_decref(j);
    res_free(&r);
    http(fx->port, "GET", "/health", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
}

static const char FULL[] = "api_call: torch.hub.load('pytorch/vision', 'resnet50') \xc3\xbc";

static void test_chat(void **state)
{
    fixture *fx = *state;
    http_res r;
    http(fx->port, "POST", "/v1/chat/completions",
         "{\"model\": \"x\", \"messages\": [{\"role\": \"user\", \"content\": \"classify images\"}]}", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "object")), "chat.completion");
    assert_string_equal(json_string_value(json_object_get(j, "model")), "fake-model");
    json_t *c = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "message"), "role")), "assistant");
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "message"), "content")), FULL);
    assert_string_equal(json_string_value(json_object_get(c, "finish_reason")), "stop");
    json_t *u = json_object_get(j, "usage");
    assert_int_equal(json_integer_value(json_object_get(u, "prompt_tokens")), 7);
    assert_int_equal(json_integer_value(json_object_get(u, "completion_tokens")), 8);
    assert_int_equal(json_integer_value(json_object_get(u, "total_tokens")), 15);
    json_decref(j);
    res_free(&r);
    assert_string_equal(fx->f.last_prompt, "###USER: classify images\n###ASSISTANT: ");

    /* multi-turn, content parts */
    http(fx->port, "POST", "/v1/chat/completions",
         "{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": [{\"type\": "
         "\"text\", \"text\": \"a\"}, {\"type\": \"text\", \"text\": \"b\"}]}, {\"role\": \"assistant\", \"content\": "
         "\"c\"}, {\"role\": \"user\", \"content\": \"d\"}], \"max_tokens\": 2}",
         NULL, &r);
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    c = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "message"), "content")), "api_call: ");
    assert_string_equal(json_string_value(json_object_get(c, "finish_reason")), "length");
    json_decref(j);
    res_free(&r);
    assert_string_equal(fx->f.last_prompt, "S\n###USER: ab\n###ASSISTANT: c\n###USER: d\n###ASSISTANT: ");
}

static void test_completions_stop(void **state)
{
    fixture *fx = *state;
    http_res r;
    http(fx->port, "POST", "/v1/completions", "{\"prompt\": \"p\", \"stop\": [\"resnet\", \"zzz\"]}", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "object")), "text_completion");
    json_t *c = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "text")), "api_call: torch.hub.load('pytorch/vision', '");
    assert_string_equal(json_string_value(json_object_get(c, "finish_reason")), "stop");
    json_decref(j);
    res_free(&r);
    assert_string_equal(fx->f.last_prompt, "p");
    http(fx->port, "POST", "/v1/completions", "{\"prompt\": [\"q\"], \"max_tokens\": 3, \"stop\": \"nope\"}", NULL,
         &r);
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    c = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "text")), "api_call: torch.hub.load(");
    assert_string_equal(json_string_value(json_object_get(c, "finish_reason")), "length");
    json_decref(j);
    res_free(&r);
}

/* Splits an SSE body into events; checks the framing; returns the
 * concatenated text and the last finish_reason. */
static void check_sse(const http_res *r, int chat, char *text, size_t cap, char *finish, size_t fcap)
{
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->headers, "Content-Type: text/event-stream"));
    text[0] = finish[0] = '\0';
    const char *p = r->body;
    int events = 0, done = 0;
    while (p && *p) {
        assert_false(done); /* nothing after [DONE] */
        assert_memory_equal(p, "data: ", 6);
        const char *end = strstr(p, "\n\n");
        assert_non_null(end);
        char *ev = strndup(p + 6, (size_t)(end - p - 6));
        if (!strcmp(ev, "[DONE]")) {
            done = 1;
        } else {
            json_t *j = json_loads(ev, 0, NULL);
            assert_non_null(j);
            assert_string_equal(json_string_value(json_object_get(j, "object")),
                                chat ? "chat.completion.chunk" : "text_completion");
            json_t *c = json_array_get(json_object_get(j, "choices"), 0);
            json_t *t = chat ? json_object_get(json_object_get(c, "delta"), "content") : json_object_get(c, "text");
            if (json_is_string(t)) strncat(text, json_string_value(t), cap - strlen(text) - 1);
            if (json_is_string(json_object_get(c, "finish_reason")))
                snprintf(finish, fcap, "%s", json_string_value(json_object_get(c, "finish_reason")));
            if (chat && events == 0)
                assert_string_equal(json_string_value(json_object_get(json_object_get(c, "delta"), "role")),
                                    "assistant");
            json_decref(j);
        }
        free(ev);
        events++;
        p = end + 2;
    }
    assert_true(done);
    assert_true(events >= 3);
}

static void test_stream(void **state)
{
    fixture *fx = *state;
    fx->f.delay_ms = 5; /* pieces arrive over time: several chunks */
    http_res r;
    char text[1024], finish[32];
    http(fx->port, "POST", "/v1/chat/completions",
         "{\"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", NULL, &r);
    check_sse(&r, 1, text, sizeof text, finish, sizeof finish);
    assert_string_equal(text, FULL);
    assert_string_equal(finish, "stop");
    res_free(&r);
    http(fx->port, "POST", "/v1/completions", "{\"stream\": true, \"prompt\": \"hi\", \"max_tokens\": 4}", NULL, &r);
    check_sse(&r, 0, text, sizeof text, finish, sizeof finish);
    assert_string_equal(text, "api_call: torch.hub.load('pytorch/vision'");
    assert_string_equal(finish, "length");
    res_free(&r);
    http(fx->port, "POST", "/v1/completions", "{\"stream\": true, \"prompt\": \"hi\", \"stop\": \"hub\"}", NULL, &r);
    check_sse(&r, 0, text, sizeof text, finish, sizeof finish);
    assert_string_equal(text, "api_call: torch.");
    assert_string_equal(finish, "stop");
    res_free(&r);
    /* a stop string across two pieces: the tail that may start it is held back */
    http(fx->port, "POST", "/v1/completions",
         "{\"stream\": true, \"prompt\": \"hi\", \"stop\": [\"xyz\", \"load('pyt\"]}", NULL, &r);
    check_sse(&r, 0, text, sizeof text, finish, sizeof finish);
    assert_string_equal(text, "api_call: torch.hub.");
    assert_string_equal(finish, "stop");
    assert_null(strstr(r.body, "load"));
    res_free(&r);
    /* a held-back tail that turns out not to be a stop string is sent */
    http(fx->port, "POST", "/v1/completions",
         "{\"stream\": true, \"prompt\": \"hi\", \"stop\": \"load('pyX\"}", NULL, &r);
    check_sse(&r, 0, text, sizeof text, finish, sizeof finish);
    assert_string_equal(text, FULL);
    res_free(&r);
    fx->f.delay_ms = 0;
}

static void test_ask(void **state)
{
    fixture *fx = *state;
    http_res r;
    http(fx->port, "POST", "/v1/gorilla/ask", "{\"instruction\": \"detect cats\"}", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "answer"), "instruction")), "detect cats");
    json_decref(j);
    res_free(&r);
    http(fx->port, "POST", "/v1/gorilla/ask", "[1, 2]", NULL, &r);
    assert_error(&r, 400, "invalid_request_error", "JSON object");
    res_free(&r);

    fixture *noask = start(NULL, 0);
    http(noask->port, "POST", "/v1/gorilla/ask", "{}", NULL, &r);
    assert_error(&r, 501, "not_implemented_error", "ask");
    res_free(&r);
    stop(noask);
}

static void test_bad_requests(void **state)
{
    fixture *fx = *state;
    http_res r;
    static const struct {
        const char *path, *body, *needle;
    } cases[] = {
        {"/v1/chat/completions", "{\"messages\": [", "malformed JSON"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}", "malformed JSON"},
        {"/v1/chat/completions", "not json at all", "malformed JSON"},
        {"/v1/chat/completions", "\"a string\"", "JSON object"},
        {"/v1/chat/completions", "", "empty"},
        {"/v1/chat/completions", "{}", "'messages'"},
        {"/v1/chat/completions", "{\"messages\": []}", "'messages'"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", "role"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", "content"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 0}",
         "max_tokens"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": \"hot\"}",
         "temperature"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"stream\": 1}", "stream"},
        {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 2}", "'n'"},
        {"/v1/completions", "{\"prompt\": 42}", "'prompt'"},
        {"/v1/completions", "{\"prompt\": \"x\", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}", "'stop'"},
        {"/v1/completions", "{\"prompt\": \"x\", \"stop\": [1]}", "'stop'"},
        {"/v1/completions", "{\"prompt\": \"caf\xc3\x28\"}", "malformed JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http(fx->port, "POST", cases[i].path, cases[i].body, NULL, &r);
        assert_int_equal(r.rc, CURLE_OK);
        assert_error(&r, 400, "invalid_request_error", cases[i].needle);
        res_free(&r);
    }
    http(fx->port, "GET", "/v1/nothing", NULL, NULL, &r);
    assert_error(&r, 404, "not_found_error", "/v1/nothing");
    res_free(&r);
    http(fx->port, "POST", "/", "{}", NULL, &r);
    assert_error(&r, 404, "not_found_error", NULL);
    res_free(&r);
    http(fx->port, "GET", "/v1/chat/completions", NULL, NULL, &r);
    assert_error(&r, 405, "invalid_request_error", "POST");
    assert_non_null(strstr(r.headers, "Allow: POST"));
    res_free(&r);
    http(fx->port, "DELETE", "/v1/models", NULL, NULL, &r);
    assert_error(&r, 405, "invalid_request_error", NULL);
    res_free(&r);
    /* the server still works */
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
}

static void test_too_large(void **state)
{
    (void)state;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.max_body = 4096;
    fixture *fx = start(&o, 1);
    size_t n = 20000;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "{\"prompt\": \"", 12);
    big[n - 2] = '"';
    big[n - 1] = '}';
    big[n] = '\0';
    http_res r;
    http(fx->port, "POST", "/v1/completions", big, NULL, &r);
    assert_error(&r, 413, "invalid_request_error", "4096");
    res_free(&r);
    /* chunked: no Content-Length, caught while reading */
    http(fx->port, "POST", "/v1/completions", big, "Transfer-Encoding: chunked", &r);
    assert_error(&r, 413, "invalid_request_error", "4096");
    res_free(&r);
    /* just under the limit is fine */
    big[4000 - 2] = '"';
    big[4000 - 1] = '}';
    big[4000] = '\0';
    http(fx->port, "POST", "/v1/completions", big, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
    free(big);
    /* huge header: refused, server alive */
    size_t hn = 100000;
    char *hdr = malloc(hn + 1);
    memset(hdr, 'x', hn);
    memcpy(hdr, "X-Big: ", 7);
    hdr[hn] = '\0';
    http(fx->port, "GET", "/v1/models", NULL, hdr, &r);
    assert_true(r.rc != CURLE_OK || r.status >= 400);
    res_free(&r);
    free(hdr);
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
    stop(fx);
}

static void test_auth(void **state)
{
    (void)state;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.api_key = "s3cret-token";
    fixture *fx = start(&o, 1);
    http_res r;
    const char *body = "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}";
    http(fx->port, "POST", "/v1/chat/completions", body, NULL, &r);
    assert_error(&r, 401, "authentication_error", "API key");
    assert_null(strstr(r.body, "s3cret"));
    res_free(&r);
    http(fx->port, "POST", "/v1/chat/completions", body, "Authorization: Bearer s3cret-tokeN", &r);
    assert_error(&r, 401, "authentication_error", NULL);
    res_free(&r);
    http(fx->port, "POST", "/v1/chat/completions", body, "Authorization: Bearer s3cret-token-longer", &r);
    assert_error(&r, 401, "authentication_error", NULL);
    res_free(&r);
    http(fx->port, "GET", "/v1/models", NULL, "Authorization: Basic s3cret-token", &r);
    assert_error(&r, 401, "authentication_error", NULL);
    res_free(&r);
    http(fx->port, "POST", "/v1/chat/completions", body, "Authorization: Bearer s3cret-token", &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
    http(fx->port, "GET", "/v1/models", NULL, "Authorization: Bearer s3cret-token", &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
    http(fx->port, "GET", "/health", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
    stop(fx);
}

static void test_backend_error(void **state)
{
    fixture *fx = *state;
    fx->f.fail = 1;
    http_res r;
    http(fx->port, "POST", "/v1/completions", "{\"prompt\": \"x\"}", NULL, &r);
    assert_error(&r, 500, "server_error", "fake backend failure");
    res_free(&r);
    char text[256], finish[32];
    http(fx->port, "POST", "/v1/completions", "{\"prompt\": \"x\", \"stream\": true}", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "fake backend failure"));
    assert_non_null(strstr(r.body, "data: [DONE]\n\n"));
    (void)text;
    (void)finish;
    res_free(&r);
    fx->f.fail = 0;
}

typedef struct {
    int port;
    int stream;
    http_res r;
} worker_arg;

static void *post_worker(void *arg)
{
    worker_arg *w = arg;
    http(w->port, "POST", "/v1/chat/completions",
         w->stream ? "{\"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}"
                   : "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}",
         NULL, &w->r);
    return NULL;
}

static void test_concurrent_queued(void **state)
{
    fixture *fx = *state;
    fx->f.delay_ms = 2;
    fx->f.max_active = 0;
    int calls0 = fx->f.calls;
    enum { N = 10 };
    pthread_t t[N];
    worker_arg w[N];
    for (int i = 0; i < N; i++) {
        w[i].port = fx->port;
        w[i].stream = i % 2;
        pthread_create(&t[i], NULL, post_worker, &w[i]);
    }
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_int_equal(w[i].r.status, 200);
        if (w[i].stream) {
            char text[1024], finish[32];
            check_sse(&w[i].r, 1, text, sizeof text, finish, sizeof finish);
            assert_string_equal(text, FULL);
        } else {
            assert_non_null(strstr(w[i].r.body, "resnet50"));
        }
        res_free(&w[i].r);
    }
    assert_int_equal(fx->f.calls - calls0, N);
    assert_int_equal(fx->f.max_active, 1); /* one generation at a time */
    fx->f.delay_ms = 0;
}

static void test_queue_full(void **state)
{
    (void)state;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.max_queue = 1;
    fixture *fx = start(&o, 1);
    fx->f.delay_ms = 60; /* 8 pieces: 480 ms per request */
    enum { N = 5 };
    pthread_t t[N];
    worker_arg w[N];
    for (int i = 0; i < N; i++) {
        w[i].port = fx->port;
        w[i].stream = 0;
        pthread_create(&t[i], NULL, post_worker, &w[i]);
        if (i == 0) { /* the first one runs; then one may wait, the rest are refused */
            for (int k = 0; k < 200; k++) {
                pthread_mutex_lock(&fx->f.mu);
                int active = fx->f.active;
                pthread_mutex_unlock(&fx->f.mu);
                if (active) break;
                sleep_ms(5);
            }
        }
    }
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    int ok = 0, busy = 0;
    for (int i = 0; i < N; i++) {
        if (w[i].r.status == 200) ok++;
        else if (w[i].r.status == 503) {
            assert_error(&w[i].r, 503, "server_overloaded", "busy");
            assert_non_null(strstr(w[i].r.headers, "Retry-After: 1"));
            busy++;
        }
        res_free(&w[i].r);
    }
    assert_int_equal(ok + busy, N);
    assert_true(ok >= 2);
    assert_true(busy >= 1);
    stop(fx);
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void test_slow_client_dropped(void **state)
{
    (void)state;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.timeout_s = 1;
    fixture *fx = start(&o, 1);
    int fd = connect_port(fx->port);
    const char *part = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"prompt\":";
    assert_int_equal(send(fd, part, strlen(part), 0), (ssize_t)strlen(part));
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0); /* 0: closed by the server */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    assert_true(n <= 0);
    assert_true(waited < 4.5);
    close(fd);
    /* a truncated request then a close: the server does not care */
    fd = connect_port(fx->port);
    assert_true(send(fd, part, 30, 0) == 30);
    close(fd);
    http_res r;
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
    stop(fx);
}

/* Random bytes on the socket, and mutated JSON bodies: every answer is 200
 * or 400 (never a crash or a 500), and the server keeps answering. */
static void test_garbage(void **state)
{
    fixture *fx = *state;
    uint64_t x = 0x1234567;
    char buf[2048];
    for (int i = 0; i < 30; i++) {
        size_t n = 1 + (size_t)(i * 67) % sizeof buf;
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[k] = (char)(x & 0xff);
        }
        if (i % 3 == 0) memcpy(buf, "POST /v1/completions HTTP/1.1\r\n", n < 31 ? n : 31);
        int fd = connect_port(fx->port);
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
        (void)w;
        close(fd);
    }
    const char *valid = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 3, \"stop\": [\"x\"]}";
    size_t vl = strlen(valid);
    for (int i = 0; i < 60; i++) {
        char body[256];
        memcpy(body, valid, vl + 1);
        for (int m = 0; m < 1 + i % 4; m++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x % vl);
            body[at] = (char)((x >> 16) & 0x7f);
            if (!body[at]) body[at] = ' ';
        }
        if (i % 5 == 4) body[(x >> 24) % vl] = '\0'; /* truncated */
        http_res r;
        http(fx->port, "POST", "/v1/chat/completions", body, NULL, &r);
        assert_int_equal(r.rc, CURLE_OK);
        if (r.status != 200 && r.status != 400) fail_msg("status %ld for %s: %s", r.status, body, r.body);
        res_free(&r);
    }
    http_res r;
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
}

/* Filled on the server's connection threads; checked on the test thread
 * (cmocka's assertions longjmp, which only the test thread may do). */
typedef struct {
    pthread_mutex_t mu;
    int n;
    char lines[8][160];
    double ms[8];
} access_log;

static void on_request(void *user, const char *method, const char *path, unsigned status, double ms)
{
    access_log *l = user;
    pthread_mutex_lock(&l->mu);
    if (l->n < 8) {
        snprintf(l->lines[l->n], sizeof l->lines[0], "%s %s %u", method, path, status);
        l->ms[l->n] = ms;
    }
    l->n++;
    pthread_mutex_unlock(&l->mu);
}

static void test_access_log(void **state)
{
    (void)state;
    access_log l;
    memset(&l, 0, sizeof l);
    pthread_mutex_init(&l.mu, NULL);
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.on_request = on_request;
    o.on_request_user = &l;
    fixture *fx = start(&o, 1);
    http_res r;
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    res_free(&r);
    http(fx->port, "POST", "/v1/completions", "{\"prompt\": \"x\"}", NULL, &r);
    res_free(&r);
    http(fx->port, "GET", "/nope", NULL, NULL, &r);
    res_free(&r);
    stop(fx); /* all requests completed */
    assert_int_equal(l.n, 3);
    for (int i = 0; i < 3; i++)
        if (!(l.ms[i] >= 0 && l.ms[i] < 60000)) fail_msg("request %d took %g ms", i, l.ms[i]);
    /* connection threads may finish in any order */
    static const char *const want[] = {"GET /v1/models 200", "POST /v1/completions 200", "GET /nope 404"};
    for (int w = 0; w < 3; w++) {
        int found = 0;
        for (int i = 0; i < 3; i++) found |= !strcmp(l.lines[i], want[w]);
        if (!found) fail_msg("access log lacks '%s'", want[w]);
    }
    pthread_mutex_destroy(&l.mu);
}

/* Beyond max_connections new connections are refused; the server recovers
 * when the others go. */
static void test_connection_limit(void **state)
{
    (void)state;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.max_connections = 3;
    fixture *fx = start(&o, 1);
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = connect_port(fx->port);
        assert_int_equal(send(fds[i], "GET", 3, MSG_NOSIGNAL), 3); /* a request begun, never finished */
    }
    sleep_ms(100);
    http_res r;
    http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
    assert_true(r.rc != CURLE_OK || r.status == 503);
    res_free(&r);
    for (int i = 0; i < 3; i++) close(fds[i]);
    int ok = 0;
    for (int i = 0; i < 50 && !ok; i++) {
        sleep_ms(20);
        http(fx->port, "GET", "/v1/models", NULL, NULL, &r);
        ok = r.status == 200;
        res_free(&r);
    }
    assert_true(ok);
    stop(fx);
}

static void test_chat_prompt(void **state)
{
    (void)state;
    const char *roles[] = {"user"};
    const char *texts[] = {"hello"};
    char *p = net_chat_prompt(roles, texts, 1);
    assert_string_equal(p, "###USER: hello\n###ASSISTANT: ");
    free(p);
    assert_true(net_ct_equal("abc", 3, "abc", 3));
    assert_false(net_ct_equal("abc", 3, "abd", 3));
    assert_false(net_ct_equal("abc", 3, "abcd", 4));
    assert_false(net_ct_equal("", 0, "a", 1));
    size_t n;
    char *s = net_utf8_sanitize("a\xff" "b\xc3", 4, &n);
    assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
    free(s);
}

static void test_bind_errors(void **state)
{
    fixture *fx = *state;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = fx->port; /* taken */
    gorilla_server *s = NULL;
    gorilla_error err = {0};
    assert_int_not_equal(gorilla_server_start(&o, &fx->be, &s, &err), GORILLA_OK);
    assert_null(s);
    assert_non_null(strstr(err.message, "cannot listen"));
    o.port = 0;
    o.host = "localhost"; /* not numeric */
    assert_int_equal(gorilla_server_start(&o, &fx->be, &s, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "localhost"));
}


/* A streaming client that hangs up after the first content chunk: the
 * generation is cut short and the server goes on. */
static size_t hangup_write(char *p, size_t s, size_t n, void *u)
{
    int *chunks = u;
    if (strstr(p, "torch") || strstr(p, "api_call")) (*chunks)++;
    return *chunks ? 0 : s * n; /* 0 aborts the transfer */
}

static void test_stream_client_gone(void **state)
{
    fixture *fx = *state;
    fx->f.delay_ms = 60;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions", fx->port);
    CURL *h = curl_easy_init();
    int chunks = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"prompt\": \"x\", \"stream\": true}");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hangup_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &chunks);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 8000L);
    assert_int_equal(curl_easy_perform(h), CURLE_WRITE_ERROR);
    curl_easy_cleanup(h);
    /* the server notices at its next write, and the backend is told to stop */
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&fx->f.mu);
        int stopped = fx->f.stopped_early, active = fx->f.active;
        pthread_mutex_unlock(&fx->f.mu);
        if (stopped && !active) break;
        sleep_ms(20);
    }
    assert_int_equal(fx->f.stopped_early, 1);
    fx->f.delay_ms = 0;
    http_res r;
    http(fx->port, "POST", "/v1/completions", "{\"prompt\": \"x\"}", NULL, &r);
    assert_int_equal(r.status, 200);
    res_free(&r);
}

/* Stopping with a generation running and others queued: every client gets
 * an answer (200 cut short, or 503), and stop returns promptly. */
static void test_stop_while_busy(void **state)
{
    (void)state;
    fixture *fx = start(NULL, 1);
    fx->f.delay_ms = 100; /* 800 ms per request */
    enum { N = 4 };
    pthread_t t[N];
    worker_arg w[N];
    for (int i = 0; i < N; i++) {
        w[i].port = fx->port;
        w[i].stream = i == 0;
        pthread_create(&t[i], NULL, post_worker, &w[i]);
    }
    sleep_ms(250);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    gorilla_server_stop(fx->s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    assert_true(dt < 2.0);
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    int ok = 0, unavailable = 0;
    for (int i = 0; i < N; i++) {
        if (w[i].r.status == 200) ok++;
        else if (w[i].r.status == 503) unavailable++;
        else assert_true(w[i].r.rc != CURLE_OK); /* connected after the listener closed */
        res_free(&w[i].r);
    }
    assert_true(ok + unavailable >= 1);
    pthread_mutex_destroy(&fx->f.mu);
    free(fx);
}

/* The library's own client against the library's own server. */
static void test_client_roundtrip(void **state)
{
    fixture *fx = *state;
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/v1", fx->port);
    gorilla_client_opts o;
    gorilla_client_opts_init(&o);
    o.base_url = base;
    o.model = "fake-model";
    o.api_key_env = "GORILLA_TEST_UNSET_KEY_VAR";
    gorilla_client *c;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_OK);
    char *text = NULL;
    assert_int_equal(gorilla_client_chat(c, NULL, "hi", NULL, &text, &err), GORILLA_OK);
    assert_string_equal(text, FULL);
    free(text);
    gorilla_gen_params p;
    gorilla_gen_params_init(&p);
    p.max_tokens = 3;
    assert_int_equal(gorilla_client_complete(c, "hi", &p, &text, &err), GORILLA_OK);
    assert_string_equal(text, "api_call: torch.hub.load(");
    free(text);
    gorilla_client_free(c);
}

/* ---- the local-model backend on a synthetic GGUF (random weights) ---- */

typedef struct {
    char text[4096];
    size_t len;
    int pieces, stop_after;
} collect;

static int collect_piece(void *user, const char *piece, size_t len)
{
    collect *c = user;
    if (c->len + len < sizeof c->text) {
        memcpy(c->text + c->len, piece, len);
        c->len += len;
        c->text[c->len] = '\0';
    }
    c->pieces++;
    return c->stop_after && c->pieces >= c->stop_after;
}

static void test_llm_backend(void **state)
{
    (void)state;
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    char path[] = "/tmp/gorilla-net-synth-XXXXXX.gguf";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    close(fd);
    gorilla_error err = {0};
    if (llm_synth_write(&sp, path, &err)) fail_msg("synth: %s", err.message);
    gorilla_backend be;
    gorilla_model_opts mo = {1, 0};
    assert_int_equal(gorilla_backend_llm_load("/nonexistent/x.gguf", &mo, &be, &err), GORILLA_ERR_IO);
    if (gorilla_backend_llm_load(path, &mo, &be, &err)) fail_msg("load: %s", err.message);
    assert_non_null(strstr(path, be.model_name));
    assert_null(strstr(be.model_name, ".gguf"));
    assert_null(be.ask);

    gorilla_gen_params p;
    gorilla_gen_params_init(&p);
    p.max_tokens = 6;
    gorilla_gen_usage u1, u2;
    collect c1 = {0}, c2 = {0};
    assert_int_equal(be.complete(be.ctx, "hello world", &p, collect_piece, &c1, &u1, &err), GORILLA_OK);
    assert_true(u1.prompt_tokens > 0);
    assert_true(u1.completion_tokens <= 6);
    if (u1.truncated) assert_int_equal(u1.completion_tokens, 6);
    /* greedy: the same text again (the KV cache is reused from position 0) */
    assert_int_equal(be.complete(be.ctx, "hello world", &p, collect_piece, &c2, &u2, &err), GORILLA_OK);
    assert_int_equal(u1.completion_tokens, u2.completion_tokens);
    assert_int_equal(c1.len, c2.len);
    assert_memory_equal(c1.text, c2.text, c1.len);
    print_message("synthetic model: %d pieces, %d tokens, %zu bytes\n", c1.pieces, u1.completion_tokens, c1.len);
    if (c1.pieces >= 2) { /* the sink can stop it */
        collect c3 = {0};
        c3.stop_after = 1;
        assert_int_equal(be.complete(be.ctx, "hello world", &p, collect_piece, &c3, &u2, &err), GORILLA_OK);
        assert_int_equal(c3.pieces, 1);
    }
    /* a prompt longer than the context (64) */
    char longp[2048];
    longp[0] = '\0';
    for (int i = 0; i < 100; i++) strcat(longp, "hello ");
    collect c4 = {0};
    assert_int_equal(be.complete(be.ctx, longp, &p, collect_piece, &c4, &u2, &err), GORILLA_ERR_LIMIT);
    assert_non_null(strstr(err.message, "context"));

    /* behind the server */
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    gorilla_server *s;
    assert_int_equal(gorilla_server_start(&o, &be, &s, &err), GORILLA_OK);
    http_res r;
    http(gorilla_server_port(s), "POST", "/v1/completions", "{\"prompt\": \"hello world\", \"max_tokens\": 6}", NULL,
         &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    json_t *t = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "text");
    assert_true(json_is_string(t));
    /* the same text as the direct call (invalid UTF-8 aside) */
    if (json_string_length(t) == c1.len) assert_memory_equal(json_string_value(t), c1.text, c1.len);
    json_decref(j);
    res_free(&r);
    char text[4096], finish[32];
    http(gorilla_server_port(s), "POST", "/v1/chat/completions",
         "{\"stream\": true, \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", NULL, &r);
    check_sse(&r, 1, text, sizeof text, finish, sizeof finish);
    res_free(&r);
    http(gorilla_server_port(s), "POST", "/v1/completions", "{\"prompt\": \"" "hello hello hello hello hello hello "
         "hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello "
         "hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello "
         "hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello hello\"}", NULL, &r);
    assert_error(&r, 400, "invalid_request_error", "context");
    res_free(&r);
    gorilla_server_stop(s);
    gorilla_backend_free(&be);
    assert_null(be.ctx);
    unlink(path);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chat_prompt),
        cmocka_unit_test_setup_teardown(test_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completions_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_auth),
        cmocka_unit_test_setup_teardown(test_backend_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_queued, setup, teardown),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_slow_client_dropped),
        cmocka_unit_test_setup_teardown(test_bind_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_client_gone, setup, teardown),
        cmocka_unit_test(test_stop_while_busy),
        cmocka_unit_test_setup_teardown(test_client_roundtrip, setup, teardown),
        cmocka_unit_test(test_llm_backend),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test(test_access_log),
        cmocka_unit_test(test_connection_limit),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
