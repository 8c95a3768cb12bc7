/* test_net_client.c — the OpenAI-compatible client against a tiny
 * in-process libmicrohttpd server on an ephemeral loopback port that
 * answers by scenario (the first path segment): 429 then 200, 500s,
 * malformed JSON, slow answers, concurrency tracking. */
#include "testutil.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "net/client.h"

#define KEY "sk-test-SECRET-0123456789"

typedef struct {
    pthread_mutex_t mu;
    int hits;        /* requests seen */
    int active, max_active;
    char last_auth[256];
    char last_body[8192];
    char last_path[256];
} fake_state;

static fake_state G;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
    char body[8192];
    size_t len;
} upload;

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body, const char *retry_after)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after) MHD_add_response_header(r, "Retry-After", retry_after);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
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
        size_t n = *size < sizeof u->body - 1 - u->len ? *size : sizeof u->body - 1 - u->len;
        memcpy(u->body + u->len, data, n);
        u->len += n;
        *size = 0;
        return MHD_YES;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&G.mu);
    int hit = ++G.hits;
    int counted = !strncmp(url, "/conc/", 6); /* other scenarios may still be sleeping */
    G.active += counted;
    if (G.active > G.max_active) G.max_active = G.active;
    snprintf(G.last_auth, sizeof G.last_auth, "%s", auth ? auth : "");
    snprintf(G.last_body, sizeof G.last_body, "%s", u->body);
    snprintf(G.last_path, sizeof G.last_path, "%s", url);
    pthread_mutex_unlock(&G.mu);

    static const char CHAT_OK[] =
        "{\"id\": \"x\", \"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"hello "
        "from fake\"}, \"finish_reason\": \"stop\"}]}";
    static const char COMPL_OK[] = "{\"choices\": [{\"index\": 0, \"text\": \"completed text\"}]}";
    int chat = strstr(url, "/chat/completions") != NULL;
    const char *ok = chat ? CHAT_OK : COMPL_OK;
    enum MHD_Result ret;
    if (!strncmp(url, "/ok/", 4)) {
        ret = answer(c, 200, ok, NULL);
    } else if (!strncmp(url, "/r429/", 6)) { /* 429 twice, then 200 */
        ret = hit <= 2 ? answer(c, 429, "{\"error\": {\"message\": \"slow down\"}}", "0") : answer(c, 200, ok, NULL);
    } else if (!strncmp(url, "/ra/", 4)) { /* 429 with Retry-After: 1 once */
        ret = hit <= 1 ? answer(c, 429, "{\"error\": {\"message\": \"wait\"}}", "1") : answer(c, 200, ok, NULL);
    } else if (!strncmp(url, "/e500/", 6)) { /* echoes the key, as some servers do */
        char body[512];
        snprintf(body, sizeof body, "{\"error\": {\"message\": \"boom, key was %s\", \"type\": \"server_error\"}}",
                 auth ? auth + (strlen(auth) > 7 ? 7 : 0) : "none");
        ret = answer(c, 500, body, NULL);
    } else if (!strncmp(url, "/e400/", 6)) {
        ret = answer(c, 400, "{\"error\": {\"message\": \"bad model name\"}}", NULL);
    } else if (!strncmp(url, "/bad/", 5)) {
        ret = answer(c, 200, "{\"choices\": [ oops", NULL);
    } else if (!strncmp(url, "/nochoice/", 10)) {
        ret = answer(c, 200, "{\"object\": \"chat.completion\"}", NULL);
    } else if (!strncmp(url, "/plain503/", 10)) {
        ret = answer(c, 503, "<html>upstream down</html>", NULL);
    } else if (!strncmp(url, "/slow/", 6)) {
        sleep_ms(1200);
        ret = answer(c, 200, ok, NULL);
    } else if (!strncmp(url, "/conc/", 6)) {
        sleep_ms(60);
        ret = answer(c, 200, ok, NULL);
    } else {
        ret = answer(c, 404, "{\"error\": {\"message\": \"no\"}}", NULL);
    }
    pthread_mutex_lock(&G.mu);
    G.active -= counted;
    pthread_mutex_unlock(&G.mu);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static struct MHD_Daemon *D;
static int PORT;

static int group_setup(void **state)
{
    (void)state;
    pthread_mutex_init(&G.mu, NULL);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    D = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, handler, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_END);
    if (!D) return -1;
    PORT = MHD_get_daemon_info(D, MHD_DAEMON_INFO_BIND_PORT)->port;
    setenv("GORILLA_TEST_KEY", KEY, 1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(D);
    pthread_mutex_destroy(&G.mu);
    return 0;
}

static void reset(void)
{
    pthread_mutex_lock(&G.mu);
    G.hits = 0;
    G.max_active = 0;
    G.last_auth[0] = G.last_body[0] = G.last_path[0] = '\0';
    pthread_mutex_unlock(&G.mu);
}

static gorilla_client *client_for(const char *scenario, int retries, long timeout_ms, int in_flight)
{
    char base[256];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/%s/", PORT, scenario);
    gorilla_client_opts o;
    gorilla_client_opts_init(&o);
    o.base_url = base;
    o.model = "gpt-test";
    o.api_key_env = "GORILLA_TEST_KEY";
    o.max_retries = retries;
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 40;
    o.timeout_ms = timeout_ms;
    o.connect_timeout_ms = 2000;
    o.max_in_flight = in_flight;
    gorilla_client *c = NULL;
    gorilla_error err = {0};
    if (gorilla_client_new(&o, &c, &err)) fail_msg("client_new: %s", err.message);
    reset();
    return c;
}

static void assert_no_key(const gorilla_error *err)
{
    if (strstr(err->message, KEY) || strstr(err->message, "SECRET"))
        fail_msg("the API key leaked into: %s", err->message);
}

static void test_chat_ok(void **state)
{
    (void)state;
    gorilla_client *c = client_for("ok", 2, 5000, 4);
    char *text = NULL;
    gorilla_error err = {0};
    const char *stops[] = {"\n"};
    gorilla_gen_params p;
    gorilla_gen_params_init(&p);
    p.max_tokens = 33;
    p.stop = stops;
    p.n_stop = 1;
    assert_int_equal(gorilla_client_chat(c, "be brief", "find an API", &p, &text, &err), GORILLA_OK);
    assert_string_equal(text, "hello from fake");
    free(text);
    assert_string_equal(G.last_auth, "Bearer " KEY);
    assert_string_equal(G.last_path, "/ok/chat/completions");
    json_t *j = json_loads(G.last_body, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "model")), "gpt-test");
    json_t *m = json_object_get(j, "messages");
    assert_int_equal(json_array_size(m), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "role")), "system");
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "content")), "find an API");
    assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")), 33);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "stop"), 0)), "\n");
    json_decref(j);

    assert_int_equal(gorilla_client_complete(c, "def f():", NULL, &text, &err), GORILLA_OK);
    assert_string_equal(text, "completed text");
    free(text);
    assert_string_equal(G.last_path, "/ok/completions");
    gorilla_client_stats st;
    gorilla_client_get_stats(c, &st);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.attempts, 2);
    assert_int_equal(st.retries, 0);
    gorilla_client_free(c);
}

static void test_retry_429(void **state)
{
    (void)state;
    gorilla_client *c = client_for("r429", 3, 5000, 4);
    char *text = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_OK);
    assert_string_equal(text, "hello from fake");
    free(text);
    gorilla_client_stats st;
    gorilla_client_get_stats(c, &st);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.retries, 2);
    assert_int_equal(G.hits, 3);
    gorilla_client_free(c);

    /* too few retries: the 429 is reported */
    c = client_for("r429", 1, 5000, 4);
    assert_int_not_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_OK);
    assert_null(text);
    assert_non_null(strstr(err.message, "HTTP 429"));
    assert_non_null(strstr(err.message, "slow down"));
    assert_non_null(strstr(err.message, "2 attempts"));
    assert_int_equal(G.hits, 2);
    gorilla_client_free(c);
}

static void test_retry_after(void **state)
{
    (void)state;
    gorilla_client *c = client_for("ra", 2, 5000, 4);
    char *text = NULL;
    gorilla_error err = {0};
    double t0 = now_s();
    /* backoff_max_ms is 40, so the 1 s Retry-After is capped at 40 ms */
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_OK);
    free(text);
    assert_true(now_s() - t0 < 1.0);
    gorilla_client_free(c);

    /* with a larger cap, Retry-After: 1 is honoured (not the 5 ms backoff) */
    char base[256];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/ra", PORT);
    gorilla_client_opts o;
    gorilla_client_opts_init(&o);
    o.base_url = base;
    o.model = "m";
    o.api_key_env = "GORILLA_TEST_KEY";
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 5000;
    o.max_retries = 2;
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_OK);
    reset();
    t0 = now_s();
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_OK);
    double dt = now_s() - t0;
    free(text);
    assert_true(dt >= 0.9);
    assert_true(dt < 3.0);
    gorilla_client_free(c);
}

static void test_500_no_key_leak(void **state)
{
    (void)state;
    gorilla_client *c = client_for("e500", 2, 5000, 4);
    char *text = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_ERR_IO);
    assert_null(text);
    assert_int_equal(G.hits, 3); /* 1 + 2 retries */
    char want[128];
    snprintf(want, sizeof want, "POST http://127.0.0.1:%d/e500/chat/completions: HTTP 500: boom", PORT);
    if (!strstr(err.message, want)) fail_msg("message: %s", err.message);
    assert_non_null(strstr(err.message, "3 attempts"));
    assert_non_null(strstr(err.message, "***")); /* the echoed key, redacted */
    assert_no_key(&err);
    gorilla_client_free(c);
}

static void test_non_retryable(void **state)
{
    (void)state;
    gorilla_client *c = client_for("e400", 3, 5000, 4);
    char *text = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_ERR_IO);
    assert_int_equal(G.hits, 1);
    assert_non_null(strstr(err.message, "HTTP 400: bad model name"));
    assert_no_key(&err);
    gorilla_client_free(c);

    c = client_for("bad", 3, 5000, 4);
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_ERR_PARSE);
    assert_int_equal(G.hits, 1);
    assert_non_null(strstr(err.message, "not a JSON object"));
    assert_no_key(&err);
    gorilla_client_free(c);

    c = client_for("nochoice", 3, 5000, 4);
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "choices[0].message.content"));
    gorilla_client_free(c);

    c = client_for("plain503", 1, 5000, 4);
    assert_int_equal(gorilla_client_complete(c, "x", NULL, &text, &err), GORILLA_ERR_IO);
    assert_int_equal(G.hits, 2);
    assert_non_null(strstr(err.message, "HTTP 503: <html>upstream down</html>"));
    gorilla_client_free(c);
}

static void test_timeout(void **state)
{
    (void)state;
    gorilla_client *c = client_for("slow", 0, 250, 4);
    char *text = NULL;
    gorilla_error err = {0};
    double t0 = now_s();
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_ERR_LIMIT);
    double dt = now_s() - t0;
    assert_true(dt < 1.15); /* the server answers after 1.2 s */
    assert_non_null(strstr(err.message, "/slow/chat/completions"));
    assert_non_null(strstr(err.message, "imeout") ? "ok" : strstr(err.message, "timed out"));
    assert_no_key(&err);
    gorilla_client_free(c);
}

static void test_connection_refused(void **state)
{
    (void)state;
    /* a port nobody listens on: bind, read it back, close */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char base[128];
    snprintf(base, sizeof base, "http://user:pw-" KEY "@127.0.0.1:%d/v1?token=" KEY, ntohs(a.sin_port));
    gorilla_client_opts o;
    gorilla_client_opts_init(&o);
    o.base_url = base;
    o.model = "m";
    o.api_key_env = "GORILLA_TEST_KEY";
    o.max_retries = 2;
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    gorilla_client *c;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_OK);
    char *text = NULL;
    assert_int_equal(gorilla_client_chat(c, NULL, "x", NULL, &text, &err), GORILLA_ERR_IO);
    gorilla_client_stats st;
    gorilla_client_get_stats(c, &st);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.retries, 2);
    assert_non_null(strstr(err.message, "3 attempts"));
    assert_null(strstr(err.message, "pw-"));
    assert_null(strstr(err.message, "token="));
    assert_no_key(&err);
    gorilla_client_free(c);
}

typedef struct {
    gorilla_client *c;
    int ok;
} conc_arg;

static void *conc_worker(void *arg)
{
    conc_arg *a = arg;
    char *text = NULL;
    gorilla_error err = {0};
    a->ok = gorilla_client_chat(a->c, NULL, "x", NULL, &text, &err) == GORILLA_OK;
    free(text);
    return NULL;
}

static void test_concurrency_limit(void **state)
{
    (void)state;
    gorilla_client *c = client_for("conc", 0, 5000, 2);
    enum { N = 8 };
    pthread_t t[N];
    conc_arg a[N];
    for (int i = 0; i < N; i++) {
        a[i].c = c;
        pthread_create(&t[i], NULL, conc_worker, &a[i]);
    }
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) assert_true(a[i].ok);
    gorilla_client_stats st;
    gorilla_client_get_stats(c, &st);
    assert_int_equal(st.requests, N);
    assert_int_equal(st.max_in_flight_seen, 2);
    assert_true(G.max_active <= 2);
    assert_int_equal(G.hits, N);
    gorilla_client_free(c);
}

static void test_backoff_bounds(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    for (int attempt = 0; attempt < 40; attempt++) {
        long d = 100;
        for (int i = 0; i < attempt && d < 3000; i++) d *= 2;
        if (d > 3000) d = 3000;
        long lo = 3000, hi = 0;
        for (int k = 0; k < 200; k++) {
            long w = net_backoff_ms(100, 3000, attempt, &rng);
            assert_true(w >= d / 2);
            assert_true(w <= d);
            if (w < lo) lo = w;
            if (w > hi) hi = w;
        }
        assert_true(hi > lo); /* jitter */
    }
    assert_int_equal(net_retry_after_ms("5", 60000), 5000);
    assert_int_equal(net_retry_after_ms(" 2\r\n", 60000), 2000);
    assert_int_equal(net_retry_after_ms("999999999999", 30000), 30000);
    assert_int_equal(net_retry_after_ms("soon", 30000), -1);
    assert_int_equal(net_retry_after_ms("-3", 30000), -1);
    assert_int_equal(net_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 30000), 0);
    char m[64] = "key abcdef and abcdef again";
    net_redact(m, sizeof m, "abcdef");
    assert_string_equal(m, "key *** and *** again");
    char *u = net_display_url("https://u:p@api.example.com/v1?k=1#x");
    assert_string_equal(u, "https://api.example.com/v1");
    free(u);
}

static void test_bad_options(void **state)
{
    (void)state;
    gorilla_client_opts o;
    gorilla_client_opts_init(&o);
    gorilla_client *c = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_ERR_INVALID);
    o.base_url = "ftp://x";
    o.model = "m";
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_ERR_INVALID);
    assert_null(c);
    /* no key in the environment: no Authorization header */
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/ok", PORT);
    o.base_url = base;
    o.api_key_env = "GORILLA_TEST_NO_SUCH_KEY_VAR";
    assert_int_equal(gorilla_client_new(&o, &c, &err), GORILLA_OK);
    reset();
    char *text = NULL;
    assert_int_equal(gorilla_client_complete(c, "p", NULL, &text, &err), GORILLA_OK);
    free(text);
    assert_string_equal(G.last_auth, "");
    gorilla_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_chat_ok),
        cmocka_unit_test(test_retry_429),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_500_no_key_leak),
        cmocka_unit_test(test_non_retryable),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_concurrency_limit),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
