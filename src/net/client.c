/* client.c — OpenAI-compatible HTTP client on libcurl: chat completions and
 * completions, bearer key from the environment, timeouts, retries with
 * jittered exponential backoff (429, 5xx, connection errors), Retry-After,
 * and a limit on requests in flight shared by the threads using a client. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "base/rng.h"
#include "gorilla.h"
#include "net/client.h"

#define MAX_RESPONSE ((size_t)16 << 20) /* bytes of a response body we keep */

struct gorilla_client {
    char *base_url;    /* without trailing '/' */
    char *shown_base;  /* for messages */
    char *model;
    char *api_key;     /* NULL: none */
    char *auth_header; /* "Authorization: Bearer ..." or NULL */
    gorilla_client_opts opts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight;
    uint64_t rng;
    int sync_ready; /* mu and cv initialized */
    gorilla_client_stats stats;
};

void gorilla_client_opts_init(gorilla_client_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = 10000;
    o->timeout_ms = 120000;
    o->max_retries = 4;
    o->backoff_base_ms = 500;
    o->backoff_max_ms = 30000;
    o->max_in_flight = 4;
}

/* ---- helpers (client.h) ---- */

long net_backoff_ms(long base_ms, long max_ms, int attempt, uint64_t *rng)
{
    if (base_ms < 1) base_ms = 1;
    if (max_ms < base_ms) max_ms = base_ms;
    long d = base_ms;
    for (int i = 0; i < attempt && d < max_ms; i++) d = d > max_ms / 2 ? max_ms : d * 2;
    if (d > max_ms) d = max_ms;
    long lo = d / 2;
    return lo + (long)(gorilla_rng_next(rng) % (uint64_t)(d - lo + 1));
}

long net_retry_after_ms(const char *value, long max_ms)
{
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    if (!*value) return -1;
    long ms;
    if (*value >= '0' && *value <= '9') {
        char *end;
        errno = 0;
        long secs = strtol(value, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
        if (errno || *end || secs < 0) return -1;
        ms = secs > max_ms / 1000 ? max_ms : secs * 1000;
    } else {
        time_t when = curl_getdate(value, NULL);
        if (when < 0) return -1;
        double delta = difftime(when, time(NULL));
        ms = delta <= 0 ? 0 : delta * 1000.0 > (double)max_ms ? max_ms : (long)(delta * 1000.0);
    }
    return ms > max_ms ? max_ms : ms;
}

void net_redact(char *msg, size_t cap, const char *secret)
{
    if (!msg || !secret || !*secret || cap == 0) return;
    size_t sl = strlen(secret);
    char *p, *from = msg;
    while ((p = strstr(from, secret)) != NULL) {
        size_t tail = strlen(p + sl);
        /* "***" is never longer than the secret when sl >= 3; else pad. */
        if (sl >= 3) {
            p[0] = p[1] = p[2] = '*';
            memmove(p + 3, p + sl, tail + 1);
            from = p + 3;
        } else {
            memset(p, '*', sl);
            from = p + sl;
        }
    }
}

char *net_display_url(const char *url)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    size_t hostpart = strcspn(host, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < hostpart; i++)
        if (host[i] == '@') at = host + i;
    const char *rest = at ? at + 1 : host;
    int k = (int)(host - url), keep = (int)strcspn(rest, "?#");
    size_t cap = strlen(url) + 1;
    char *out = malloc(cap);
    if (!out) return NULL;
    snprintf(out, cap, "%.*s%.*s", k, url, keep, rest);
    return out;
}

/* ---- client ---- */

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

gorilla_status gorilla_client_new(const gorilla_client_opts *opts, gorilla_client **out, gorilla_error *err)
{
    *out = NULL;
    if (!opts || !opts->base_url || !*opts->base_url)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "client: a base URL is required");
    if (strncmp(opts->base_url, "http://", 7) != 0 && strncmp(opts->base_url, "https://", 8) != 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "client: the base URL must start with http:// or https://");
    if (!opts->model || !*opts->model) return gorilla_fail(err, GORILLA_ERR_INVALID, "client: a model name is required");
    pthread_once(&g_once, global_init);
    gorilla_client *c = calloc(1, sizeof *c);
    if (!c) return gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
    c->opts = *opts;
    gorilla_client_opts d;
    gorilla_client_opts_init(&d);
    if (c->opts.connect_timeout_ms <= 0) c->opts.connect_timeout_ms = d.connect_timeout_ms;
    if (c->opts.timeout_ms <= 0) c->opts.timeout_ms = d.timeout_ms;
    if (c->opts.max_retries < 0) c->opts.max_retries = 0;
    if (c->opts.max_retries > 20) c->opts.max_retries = 20;
    if (c->opts.backoff_base_ms <= 0) c->opts.backoff_base_ms = d.backoff_base_ms;
    if (c->opts.backoff_max_ms <= 0) c->opts.backoff_max_ms = d.backoff_max_ms;
    if (c->opts.backoff_max_ms < c->opts.backoff_base_ms) c->opts.backoff_max_ms = c->opts.backoff_base_ms;
    if (c->opts.max_in_flight <= 0) c->opts.max_in_flight = d.max_in_flight;
    c->base_url = strdup(opts->base_url);
    c->model = strdup(opts->model);
    if (!c->base_url || !c->model) goto oom;
    size_t bl = strlen(c->base_url);
    while (bl > 0 && c->base_url[bl - 1] == '/') c->base_url[--bl] = '\0';
    c->shown_base = net_display_url(c->base_url);
    if (!c->shown_base) goto oom;
    const char *env = opts->api_key_env && *opts->api_key_env ? opts->api_key_env : "OPENAI_API_KEY";
    const char *key = getenv(env);
    if (key && *key) {
        if (strpbrk(key, "\r\n")) {
            gorilla_client_free(c);
            return gorilla_fail(err, GORILLA_ERR_INVALID, "client: $%s contains a line break", env);
        }
        c->api_key = strdup(key);
        size_t n = strlen(key) + 32;
        c->auth_header = malloc(n);
        if (!c->api_key || !c->auth_header) goto oom;
        snprintf(c->auth_header, n, "Authorization: Bearer %s", key);
    }
    c->opts.base_url = c->base_url;
    c->opts.model = c->model;
    c->opts.api_key_env = NULL;
    c->rng = gorilla_rng_seed((uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)c << 7));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->sync_ready = 1;
    *out = c;
    return GORILLA_OK;
oom:
    gorilla_client_free(c);
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
}

void gorilla_client_free(gorilla_client *c)
{
    if (!c) return;
    if (c->auth_header) {
        /* wipe the key before giving the memory back */
        volatile char *p = c->auth_header;
        while (*p) *p++ = 0;
        free(c->auth_header);
    }
    if (c->api_key) {
        volatile char *p = c->api_key;
        while (*p) *p++ = 0;
        free(c->api_key);
    }
    if (c->sync_ready) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
    }
    free(c->base_url);
    free(c->shown_base);
    free(c->model);
    free(c);
}

void gorilla_client_get_stats(gorilla_client *c, gorilla_client_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}

typedef struct {
    char *data;
    size_t len, cap;
    int overflow;
    long retry_after_ms; /* -1: none */
    long backoff_max_ms;
} http_reply;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    http_reply *r = user;
    size_t n = size * nmemb;
    if (r->len + n > MAX_RESPONSE) {
        r->overflow = 1;
        return 0; /* aborts the transfer */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1) cap *= 2;
        char *d = realloc(r->data, cap);
        if (!d) return 0;
        r->data = d;
        r->cap = cap;
    }
    memcpy(r->data + r->len, ptr, n);
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    http_reply *r = user;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && n < 256 && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        char v[256];
        memcpy(v, ptr + sizeof name - 1, n - (sizeof name - 1));
        v[n - (sizeof name - 1)] = '\0';
        r->retry_after_ms = net_retry_after_ms(v, r->backoff_max_ms);
    } else if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        r->retry_after_ms = -1; /* a new response (after a redirect or 100) */
    }
    return n;
}

static int retryable_curl(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_SEND_ERROR ||
           rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
}

static void sleep_ms(long ms)
{
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The server's error message from a JSON error body, or a printable
 * prefix of the body; written into buf. */
static void server_message(const http_reply *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!r->data || !r->len) {
        snprintf(buf, cap, "empty body");
        return;
    }
    json_t *j = json_loadb(r->data, r->len, 0, NULL);
    if (j) {
        json_t *e = json_object_get(j, "error");
        const char *m = NULL;
        if (json_is_object(e)) m = json_string_value(json_object_get(e, "message"));
        else if (json_is_string(e)) m = json_string_value(e);
        if (!m) m = json_string_value(json_object_get(j, "message"));
        if (m) snprintf(buf, cap, "%s", m);
        json_decref(j);
        if (m) return;
    }
    size_t k = 0;
    for (size_t i = 0; i < r->len && k + 1 < cap && k < 200; i++) {
        unsigned char ch = (unsigned char)r->data[i];
        buf[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    buf[k] = '\0';
}

static void acquire(gorilla_client *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->in_flight >= c->opts.max_in_flight) pthread_cond_wait(&c->cv, &c->mu);
    c->in_flight++;
    if (c->in_flight > c->stats.max_in_flight_seen) c->stats.max_in_flight_seen = c->in_flight;
    c->stats.requests++;
    pthread_mutex_unlock(&c->mu);
}

static void release(gorilla_client *c)
{
    pthread_mutex_lock(&c->mu);
    c->in_flight--;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* POSTs body to base+path; on 2xx sets *out to the parsed JSON object. */
static gorilla_status post_json(gorilla_client *c, const char *path, json_t *body, json_t **out, gorilla_error *err)
{
    *out = NULL;
    char *payload = json_dumps(body, JSON_COMPACT);
    size_t ul = strlen(c->base_url) + strlen(path) + 1, sl = strlen(c->shown_base) + strlen(path) + 1;
    char *url = malloc(ul), *shown = malloc(sl);
    if (!payload || !url || !shown) {
        free(payload);
        free(url);
        free(shown);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
    }
    snprintf(url, ul, "%s%s", c->base_url, path);
    snprintf(shown, sl, "%s%s", c->shown_base, path);

    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    if (hdrs && c->auth_header) {
        struct curl_slist *t = curl_slist_append(hdrs, c->auth_header);
        if (!t) {
            curl_slist_free_all(hdrs);
            hdrs = NULL;
        } else {
            hdrs = t;
        }
    }
    gorilla_status st = GORILLA_OK;
    if (!h || !hdrs) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "POST %s: cannot set up the request", shown);
        goto done;
    }

    acquire(c);
    char ebuf[CURL_ERROR_SIZE];
    int attempt = 0;
    for (;;) {
        http_reply r = {NULL, 0, 0, 0, -1, c->opts.backoff_max_ms};
        ebuf[0] = '\0';
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "gorilla/" GORILLA_VERSION);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        pthread_mutex_lock(&c->mu);
        c->stats.attempts++;
        pthread_mutex_unlock(&c->mu);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        int retry = 0;
        char detail[600];
        if (rc != CURLE_OK) {
            if (r.overflow)
                snprintf(detail, sizeof detail, "response larger than %zu bytes", MAX_RESPONSE);
            else
                snprintf(detail, sizeof detail, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
            retry = retryable_curl(rc) && !r.overflow;
            st = rc == CURLE_OPERATION_TIMEDOUT ? GORILLA_ERR_LIMIT : GORILLA_ERR_IO;
            gorilla_fail(err, st, "POST %s: %s (%d attempt%s)", shown, detail, attempt + 1, attempt ? "s" : "");
        } else if (status < 200 || status > 299) {
            char msg[512];
            server_message(&r, msg, sizeof msg);
            retry = status == 429 || status >= 500;
            st = GORILLA_ERR_IO;
            gorilla_fail(err, st, "POST %s: HTTP %ld: %s (%d attempt%s)", shown, status, msg, attempt + 1,
                         attempt ? "s" : "");
        } else {
            json_error_t je;
            json_t *j = r.data ? json_loadb(r.data, r.len, 0, &je) : NULL;
            if (!json_is_object(j)) {
                json_decref(j);
                st = gorilla_fail(err, GORILLA_ERR_PARSE, "POST %s: HTTP %ld: the response is not a JSON object%s%s",
                                  shown, status, r.data ? ": " : "", r.data ? je.text : "");
            } else {
                *out = j;
                st = GORILLA_OK;
            }
        }
        long wait = retry && attempt < c->opts.max_retries
                        ? (r.retry_after_ms >= 0 ? r.retry_after_ms : -1)
                        : -2;
        free(r.data);
        if (wait == -2) break;
        if (wait == -1) {
            pthread_mutex_lock(&c->mu);
            wait = net_backoff_ms(c->opts.backoff_base_ms, c->opts.backoff_max_ms, attempt, &c->rng);
            pthread_mutex_unlock(&c->mu);
        }
        pthread_mutex_lock(&c->mu);
        c->stats.retries++;
        pthread_mutex_unlock(&c->mu);
        sleep_ms(wait);
        attempt++;
    }
    release(c);
done:
    if (st != GORILLA_OK && err) net_redact(err->message, sizeof err->message, c->api_key);
    curl_slist_free_all(hdrs);
    if (h) curl_easy_cleanup(h);
    free(payload);
    free(url);
    free(shown);
    return st;
}

static gorilla_status add_params(json_t *body, const gorilla_gen_params *p)
{
    gorilla_gen_params d;
    if (!p) {
        gorilla_gen_params_init(&d);
        p = &d;
    }
    int bad = 0;
    if (p->max_tokens > 0) bad |= json_object_set_new(body, "max_tokens", json_integer(p->max_tokens));
    bad |= json_object_set_new(body, "temperature", json_real(p->temperature));
    if (p->top_p > 0 && p->top_p < 1) bad |= json_object_set_new(body, "top_p", json_real(p->top_p));
    if (p->seed) bad |= json_object_set_new(body, "seed", json_integer((json_int_t)(p->seed & 0x7fffffffffffffffull)));
    if (p->n_stop && p->stop) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->n_stop && i < 4; i++)
            if (p->stop[i]) bad |= json_array_append_new(a, json_string(p->stop[i]));
        bad |= json_object_set_new(body, "stop", a);
    }
    return bad ? GORILLA_ERR_NOMEM : GORILLA_OK;
}

static gorilla_status take_text(json_t *resp, int chat, const char *what, char **text, gorilla_error *err)
{
    json_t *choice = json_array_get(json_object_get(resp, "choices"), 0);
    json_t *t = chat ? json_object_get(json_object_get(choice, "message"), "content") : json_object_get(choice, "text");
    if (!json_is_string(t))
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: the response has no %s", what,
                            chat ? "choices[0].message.content" : "choices[0].text");
    *text = strdup(json_string_value(t));
    return *text ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", what);
}

static gorilla_status call(gorilla_client *c, int chat, json_t *body, const gorilla_gen_params *p, char **text,
                           gorilla_error *err)
{
    const char *path = chat ? "/chat/completions" : "/completions";
    json_t *resp = NULL;
    gorilla_status st = json_object_set_new(body, "model", json_string(c->model)) ? GORILLA_ERR_NOMEM : GORILLA_OK;
    if (!st) st = add_params(body, p);
    if (st) st = gorilla_fail(err, st, "client: out of memory");
    if (!st) st = post_json(c, path, body, &resp, err);
    if (!st) {
        char what[512];
        snprintf(what, sizeof what, "POST %s%s", c->shown_base, path);
        st = take_text(resp, chat, what, text, err);
    }
    json_decref(resp);
    json_decref(body);
    return st;
}

gorilla_status gorilla_client_chat(gorilla_client *c, const char *system, const char *user,
                                   const gorilla_gen_params *p, char **text, gorilla_error *err)
{
    *text = NULL;
    if (!user) return gorilla_fail(err, GORILLA_ERR_INVALID, "client: no user message");
    json_t *msgs = json_array();
    if (system)
        json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "system", "content", system));
    json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user", "content", user));
    json_t *body = json_object();
    if (!msgs || !body || json_array_size(msgs) != (system ? 2u : 1u)) {
        json_decref(msgs);
        json_decref(body);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "client: messages must be valid UTF-8");
    }
    json_object_set_new(body, "messages", msgs);
    return call(c, 1, body, p, text, err);
}

gorilla_status gorilla_client_complete(gorilla_client *c, const char *prompt, const gorilla_gen_params *p,
                                       char **text, gorilla_error *err)
{
    *text = NULL;
    if (!prompt) return gorilla_fail(err, GORILLA_ERR_INVALID, "client: no prompt");
    json_t *body = json_object(), *s = json_string(prompt);
    if (!body || !s) {
        json_decref(body);
        json_decref(s);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "client: the prompt must be valid UTF-8");
    }
    json_object_set_new(body, "prompt", s);
    return call(c, 0, body, p, text, err);
}

gorilla_status gorilla_client_chat_raw(gorilla_client *c, const char *body_json, char **response_json,
                                       gorilla_error *err)
{
    *response_json = NULL;
    json_t *body = body_json ? json_loads(body_json, 0, NULL) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "client: the request body must be a JSON object");
    }
    if (!json_object_get(body, "model")) json_object_set_new(body, "model", json_string(c->model));
    json_t *resp = NULL;
    gorilla_status st = post_json(c, "/chat/completions", body, &resp, err);
    json_decref(body);
    if (!st) {
        *response_json = json_dumps(resp, JSON_COMPACT);
        if (!*response_json) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
    }
    json_decref(resp);
    return st;
}

gorilla_status gorilla_client_chat_tools(gorilla_client *c, const char *messages_json, const char *tools_json,
                                         const gorilla_gen_params *p, char **content, char **tool_calls_json,
                                         int *prompt_tokens, int *completion_tokens, gorilla_error *err)
{
    *content = NULL;
    *tool_calls_json = NULL;
    if (prompt_tokens) *prompt_tokens = 0;
    if (completion_tokens) *completion_tokens = 0;
    json_t *msgs = messages_json ? json_loads(messages_json, 0, NULL) : NULL;
    json_t *tools = tools_json ? json_loads(tools_json, 0, NULL) : NULL;
    if (!json_is_array(msgs) || !json_is_array(tools)) {
        json_decref(msgs);
        json_decref(tools);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "client: messages and tools must be JSON lists");
    }
    json_t *body = json_object();
    gorilla_status st = !body || json_object_set_new(body, "messages", msgs) ||
                                json_object_set_new(body, "tools", tools) ||
                                json_object_set_new(body, "model", json_string(c->model))
                            ? GORILLA_ERR_NOMEM
                            : GORILLA_OK;
    if (!body) {
        json_decref(msgs);
        json_decref(tools);
    }
    if (!st) st = add_params(body, p);
    if (st) st = gorilla_fail(err, st, "client: out of memory");
    json_t *resp = NULL;
    if (!st) st = post_json(c, "/chat/completions", body, &resp, err);
    json_decref(body);
    if (st) return st;
    json_t *msg = json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "message");
    json_t *text = json_object_get(msg, "content"), *tcs = json_object_get(msg, "tool_calls");
    if (!json_is_object(msg) || (text && !json_is_null(text) && !json_is_string(text))) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "POST %s/chat/completions: the response has no choices[0].message",
                          c->shown_base);
    } else {
        if (json_is_string(text) && !(*content = strdup(json_string_value(text))))
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
        json_t *list = json_is_array(tcs) && json_array_size(tcs) ? json_array() : NULL;
        size_t i;
        json_t *tc;
        json_array_foreach(list ? tcs : NULL, i, tc) {
            json_t *fn = json_object_get(tc, "function");
            const char *name = json_string_value(json_object_get(fn, "name"));
            json_t *args = json_object_get(fn, "arguments");
            json_t *a = args ? json_incref(args) : json_string("{}");
            json_t *one = json_pack("{s:s, s:o}", "name", name ? name : "", "arguments", a);
            if (!one || json_array_append_new(list, one)) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
        }
        if (list && !st && !(*tool_calls_json = json_dumps(list, JSON_COMPACT | JSON_ENCODE_ANY)))
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "client: out of memory");
        json_decref(list);
        json_t *usage = json_object_get(resp, "usage");
        if (prompt_tokens) *prompt_tokens = (int)json_integer_value(json_object_get(usage, "prompt_tokens"));
        if (completion_tokens) *completion_tokens = (int)json_integer_value(json_object_get(usage, "completion_tokens"));
    }
    json_decref(resp);
    if (st) {
        free(*content);
        free(*tool_calls_json);
        *content = *tool_calls_json = NULL;
    }
    return st;
}
