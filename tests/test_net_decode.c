/* test_net_decode.c — the "constrain" and "draft" request fields of
 * `gorilla serve`'s completion endpoints, on a synthetic model (random
 * weights, byte-fallback vocabulary) behind the real server on an
 * ephemeral loopback port: store- and retrieved-constrained calls, the
 * defaults in GET /v1/models, streamed deltas that add up to the
 * non-streamed text with lookup drafts on and off (multi-token
 * acceptance), bad values and a backend without calls. */
#include "testutil.h"

#include <curl/curl.h>
#include <jansson.h>

#include "support/call_check.h"
#include "support/synth.h"

static const char *const CALLS[] = {
    "torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)",
    "torch.hub.load('pytorch/vision', 'resnet18', pretrained=True)",
    "pipeline('text-classification', model='distilbert-base-uncased')",
    "hub.KerasLayer('https://tfhub.dev/google/imagenet/mobilenet_v2/1')",
    "SentimentModel()",
};
#define N_CALLS (sizeof CALLS / sizeof *CALLS)

typedef struct {
    char path[64];
    gorilla_model *m;
    const gorilla_tokenizer *tok;
    gorilla_backend be;
    gorilla_server *s;
    int port;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx) return -1;
    snprintf(fx->path, sizeof fx->path, "/tmp/gorilla-netdec-XXXXXX.gguf");
    int fd = mkstemps(fx->path, 5);
    if (fd < 0) return -1;
    close(fd);
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.n_ctx = 512;
    gorilla_error err = {0};
    gorilla_model_opts mo = {1, 0};
    if (llm_synth_write(&sp, fx->path, &err) || gorilla_model_load(fx->path, &mo, &fx->m, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    fx->tok = gorilla_model_tokenizer(fx->m);
    if (!fx->tok || gorilla_backend_llm_new(fx->m, fx->tok, fx->path, &fx->be, &err) ||
        gorilla_backend_llm_set_calls(&fx->be, CALLS, N_CALLS, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    if (gorilla_server_start(&o, &fx->be, &fx->s, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    fx->port = gorilla_server_port(fx->s);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    gorilla_server_stop(fx->s);
    gorilla_backend_free(&fx->be);
    gorilla_model_free(fx->m);
    unlink(fx->path);
    free(fx);
    return 0;
}

/* ---- HTTP ---- */

typedef struct {
    long status;
    char *body;
    size_t len;
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

static void http(int port, const char *path, const char *body, http_res *r)
{
    memset(r, 0, sizeof *r);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
}

/* A request body: the prompt (or one user message) as a JSON string, and
 * the extra fields `extra` (a JSON object's members, may be ""). */
static char *request(int chat, const char *text, const char *extra)
{
    json_t *t = json_string(text);
    char *enc = json_dumps(t, JSON_ENCODE_ANY);
    json_decref(t);
    size_t n = strlen(enc) + strlen(extra) + 128;
    char *b = malloc(n);
    if (chat) snprintf(b, n, "{\"messages\": [{\"role\": \"user\", \"content\": %s}]%s%s}", enc, *extra ? ", " : "", extra);
    else snprintf(b, n, "{\"prompt\": %s%s%s}", enc, *extra ? ", " : "", extra);
    free(enc);
    return b;
}

/* A copy of s[0..n) with NUL bytes (random models write some) as "\\0",
 * so that texts compare as C strings. */
static char *no_nul(const char *s, size_t n)
{
    char *o = malloc(2 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i]) {
            o[k++] = s[i];
        } else {
            o[k++] = '\\';
            o[k++] = '0';
        }
    }
    o[k] = '\0';
    return o;
}

/* The answer's text: choices[0].text or .message.content (non-streamed),
 * or the streamed deltas concatenated (also checks the SSE framing).
 * *finish: the finish_reason. Returns a malloc'd string. */
static char *answer_text(const http_res *r, int chat, int streamed, char *finish, size_t fcap)
{
    if (r->status != 200) fail_msg("HTTP %ld: %s", r->status, r->body ? r->body : "");
    finish[0] = '\0';
    if (!streamed) {
        json_t *j = json_loadb(r->body, r->len, JSON_ALLOW_NUL, NULL);
        assert_non_null(j);
        json_t *c = json_array_get(json_object_get(j, "choices"), 0);
        json_t *t = chat ? json_object_get(json_object_get(c, "message"), "content") : json_object_get(c, "text");
        assert_true(json_is_string(t));
        char *out = no_nul(json_string_value(t), json_string_length(t));
        snprintf(finish, fcap, "%s", json_string_value(json_object_get(c, "finish_reason")));
        json_decref(j);
        return out;
    }
    size_t cap = r->len + 1, len = 0;
    char *out = calloc(1, cap);
    const char *p = r->body;
    int done = 0;
    while (p && *p) {
        assert_false(done);
        assert_memory_equal(p, "data: ", 6);
        const char *end = strstr(p, "\n\n");
        assert_non_null(end);
        if (!strncmp(p + 6, "[DONE]", 6)) {
            done = 1;
        } else {
            json_t *j = json_loadb(p + 6, (size_t)(end - p - 6), JSON_ALLOW_NUL, NULL);
            assert_non_null(j);
            assert_null(json_object_get(j, "error"));
            json_t *c = json_array_get(json_object_get(j, "choices"), 0);
            json_t *t = chat ? json_object_get(json_object_get(c, "delta"), "content") : json_object_get(c, "text");
            if (json_is_string(t)) {
                size_t k = json_string_length(t);
                assert_true(len + k < cap);
                memcpy(out + len, json_string_value(t), k);
                len += k;
            }
            if (json_is_string(json_object_get(c, "finish_reason")))
                snprintf(finish, fcap, "%s", json_string_value(json_object_get(c, "finish_reason")));
            json_decref(j);
        }
        p = end + 2;
    }
    assert_true(done);
    char *clean = no_nul(out, len);
    free(out);
    return clean;
}

/* POSTs and returns the answer's text. */
static char *ask(fixture *fx, int chat, int streamed, const char *text, const char *extra, char *finish, size_t fcap)
{
    char fields[512];
    snprintf(fields, sizeof fields, "%s%s\"stream\": %s", extra, *extra ? ", " : "", streamed ? "true" : "false");
    char *body = request(chat, text, fields);
    http_res r;
    http(fx->port, chat ? "/v1/chat/completions" : "/v1/completions", body, &r);
    free(body);
    char *out = answer_text(&r, chat, streamed, finish, fcap);
    free(r.body);
    return out;
}


/* 1 when s (from its first non-space) is one of calls[0..n) or an escape,
 * followed by a terminator or the end, or (cut) a prefix of one. */
static int call_ok(const char *s, const char *const *calls, size_t n_calls, int cut)
{
    return call_check(s, strlen(s), calls, n_calls, cut);
}

static int no_sink(void *user, const char *piece, size_t len)
{
    (void)user;
    (void)piece;
    (void)len;
    return 0;
}

/* ---- tests ---- */

static void test_models_lists_decoding(void **state)
{
    fixture *fx = *state;
    http_res r;
    http(fx->port, "/v1/models", NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    json_t *g = json_object_get(json_array_get(json_object_get(j, "data"), 0), "gorilla");
    assert_string_equal(json_string_value(json_object_get(g, "constrain")), "off");
    /* the synthetic model is small: drafts do not pay (gorilla_lookup_wins), off by default */
    assert_string_equal(json_string_value(json_object_get(g, "draft")), "off");
    json_t *cm = json_object_get(g, "constrain_modes"), *dm = json_object_get(g, "draft_modes");
    assert_int_equal(json_array_size(cm), 3);
    assert_string_equal(json_string_value(json_array_get(cm, 0)), "off");
    assert_string_equal(json_string_value(json_array_get(cm, 1)), "store");
    assert_string_equal(json_string_value(json_array_get(cm, 2)), "retrieved");
    assert_int_equal(json_array_size(dm), 3);
    assert_string_equal(json_string_value(json_array_get(dm, 1)), "lookup");
    assert_string_equal(json_string_value(json_array_get(dm, 2)), "auto");
    json_decref(j);
    free(r.body);

    /* the echo backend decodes nothing: only "off" */
    gorilla_backend echo;
    gorilla_backend_echo(&echo);
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    gorilla_server *s;
    gorilla_error err = {0};
    assert_int_equal(gorilla_server_start(&o, &echo, &s, &err), GORILLA_OK);
    http(gorilla_server_port(s), "/v1/models", NULL, &r);
    j = json_loadb(r.body, r.len, 0, NULL);
    g = json_object_get(json_array_get(json_object_get(j, "data"), 0), "gorilla");
    assert_string_equal(json_string_value(json_object_get(g, "constrain")), "off");
    assert_string_equal(json_string_value(json_object_get(g, "draft")), "off");
    assert_int_equal(json_array_size(json_object_get(g, "constrain_modes")), 1);
    assert_int_equal(json_array_size(json_object_get(g, "draft_modes")), 1);
    json_decref(j);
    free(r.body);
    gorilla_server_stop(s);
}

/* A completion prompt that ends in the call field: with "store" every
 * answer is a store call (or a prefix of one when cut by max_tokens),
 * greedy and sampled; unconstrained, the same model writes none. */
static void test_constrain_store(void **state)
{
    fixture *fx = *state;
    size_t ok_store = 0, ok_off = 0, whole = 0;
    for (int p = 0; p < 12; p++) {
        char prompt[160], extra[160], finish[32];
        snprintf(prompt, sizeof prompt, "###USER: question %d: load a model for task %d\n###ASSISTANT: <<<api_call>>>: ",
                 p, p * 7);
        snprintf(extra, sizeof extra, "\"max_tokens\": 80, \"temperature\": %s, \"seed\": %d, \"constrain\": ",
                 p % 2 ? "1.0" : "0", p + 1);
        char fields[200];
        snprintf(fields, sizeof fields, "%s\"store\"", extra);
        char *t = ask(fx, 0, p % 3 == 0, prompt, fields, finish, sizeof finish);
        int cut = !strcmp(finish, "length");
        if (!call_ok(t, CALLS, N_CALLS, cut)) fail_msg("prompt %d (store) wrote \"%s\"", p, t);
        ok_store++;
        whole += !cut;
        free(t);
        snprintf(fields, sizeof fields, "%s\"off\"", extra);
        t = ask(fx, 0, 0, prompt, fields, finish, sizeof finish);
        ok_off += call_ok(t, CALLS, N_CALLS, !strcmp(finish, "length"));
        free(t);
    }
    assert_int_equal(ok_store, 12);
    assert_int_equal(ok_off, 0); /* the check can fail */
    print_message("store: 12 of 12 answers are store calls (%zu whole), 0 of 12 unconstrained\n", whole);
}

/* "retrieved": only the calls of the store that the prompt holds (here one
 * document's); with none in the prompt, no constraint. */
static void test_constrain_retrieved(void **state)
{
    fixture *fx = *state;
    const char *const only[] = {CALLS[2]};
    size_t other = 0;
    for (int p = 0; p < 8; p++) {
        char prompt[400], fields[160], finish[32];
        snprintf(prompt, sizeof prompt,
                 "Use this API documentation for reference: {'domain': 'NLP', 'api_call': \"%s\"}\n"
                 "###USER: classify the sentiment %d\n###ASSISTANT: <<<api_call>>>: ",
                 CALLS[2], p);
        snprintf(fields, sizeof fields,
                 "\"max_tokens\": 48, \"temperature\": 1.0, \"seed\": %d, \"constrain\": \"retrieved\"", p + 3);
        char *t = ask(fx, 0, p % 2, prompt, fields, finish, sizeof finish);
        if (!call_ok(t, only, 1, !strcmp(finish, "length"))) fail_msg("prompt %d (retrieved) wrote \"%s\"", p, t);
        free(t);
        /* the same request over the whole store writes other calls too */
        snprintf(fields, sizeof fields,
                 "\"max_tokens\": 48, \"temperature\": 1.0, \"seed\": %d, \"constrain\": \"store\"", p + 3);
        t = ask(fx, 0, 0, prompt, fields, finish, sizeof finish);
        assert_true(call_ok(t, CALLS, N_CALLS, !strcmp(finish, "length")));
        other += !call_ok(t, only, 1, !strcmp(finish, "length"));
        free(t);
    }
    assert_true(other > 0); /* the check can fail */
    print_message("retrieved: 8 of 8 answers the document's call; over the store %zu of 8 another\n", other);
    /* no store call in the prompt: the same text as unconstrained */
    char finish[32];
    const char *bare = "###USER: hello\n###ASSISTANT: <<<api_call>>>: ";
    char *a = ask(fx, 0, 0, bare, "\"max_tokens\": 24, \"constrain\": \"retrieved\"", finish, sizeof finish);
    char *b = ask(fx, 0, 0, bare, "\"max_tokens\": 24, \"constrain\": \"off\"", finish, sizeof finish);
    assert_string_equal(a, b);
    assert_false(call_ok(b, CALLS, N_CALLS, 1));
    free(a);
    free(b);
}

/* Chat: the Gorilla chat prompt ends in "###ASSISTANT: ", outside a call;
 * the constraint starts only at a call marker the model writes (the random
 * model writes none), so the answer is the unconstrained one. */
static void test_constrain_chat(void **state)
{
    fixture *fx = *state;
    char finish[32];
    char *a = ask(fx, 1, 0, "load an image classifier", "\"max_tokens\": 24, \"constrain\": \"store\"", finish,
                  sizeof finish);
    char *b = ask(fx, 1, 1, "load an image classifier", "\"max_tokens\": 24, \"constrain\": \"store\"", finish,
                  sizeof finish);
    char *c = ask(fx, 1, 0, "load an image classifier", "\"max_tokens\": 24", finish, sizeof finish);
    assert_true(strlen(c) > 0);
    assert_string_equal(a, c);
    assert_string_equal(b, c);
    free(a);
    free(b);
    free(c);
}

/* Streaming with multi-token acceptance: the deltas add up to the
 * non-streamed text, with drafts on and off (greedy and sampled), and
 * drafts were accepted in those very requests (checked on the backend). */
static void test_stream_with_drafts(void **state)
{
    fixture *fx = *state;
    /* the prompt holds a call the answer may copy, twice */
    char prompt[400];
    snprintf(prompt, sizeof prompt, "doc: %s\ndoc: %s\n###USER: use it\n###ASSISTANT: <<<api_call>>>: ", CALLS[0],
             CALLS[0]);
    const char *temps[] = {"0", "0.8"};
    size_t accepted_total = 0;
    for (int chat = 0; chat < 2; chat++)
        for (int ti = 0; ti < 2; ti++)
            for (int cs = 0; cs < 2; cs++) {
                char base[160], f[200], finish[32], fin0[32];
                snprintf(base, sizeof base, "\"max_tokens\": 64, \"temperature\": %s, \"seed\": 7, \"constrain\": \"%s\"",
                         temps[ti], cs ? "store" : "off");
                const char *text = chat ? "doc: resnet50 resnet50 resnet50 resnet50, load it" : prompt;
                snprintf(f, sizeof f, "%s, \"draft\": \"off\"", base);
                char *ref = ask(fx, chat, 0, text, f, fin0, sizeof fin0);
                for (int streamed = 0; streamed < 2; streamed++)
                    for (int d = 0; d < 2; d++) {
                        snprintf(f, sizeof f, "%s, \"draft\": \"%s\"", base, d ? "lookup" : "off");
                        char *t = ask(fx, chat, streamed, text, f, finish, sizeof finish);
                        if (strcmp(t, ref) != 0)
                            fail_msg("chat %d temperature %s constrain %d stream %d draft %d: \"%s\" vs \"%s\"", chat,
                                     temps[ti], cs, streamed, d, t, ref);
                        assert_string_equal(finish, fin0);
                        free(t);
                    }
                free(ref);
                /* the same request on the backend itself: drafts were kept */
                gorilla_gen_params p;
                gorilla_gen_params_init(&p);
                p.max_tokens = 64;
                p.temperature = ti ? 0.8f : 0.0f;
                p.seed = 7;
                p.constrain = cs;
                p.draft = 1;
                gorilla_gen_usage u;
                gorilla_error err = {0};
                char *full = chat ? gorilla_prompt_gorilla_chat(text) : strdup(text);
                assert_int_equal(fx->be.complete(fx->be.ctx, full, &p, no_sink, NULL, &u, &err), GORILLA_OK);
                free(full);
                assert_true(u.drafted >= u.draft_accepted);
                accepted_total += (size_t)u.draft_accepted;
                print_message("chat %d temperature %s constrain %s: %d tokens, %d drafted, %d accepted\n", chat,
                              temps[ti], cs ? "store" : "off", u.completion_tokens, u.drafted, u.draft_accepted);
            }
    assert_true(accepted_total > 0); /* multi-token steps happened */
    /* the answer's usage says what the drafts did (with drafts on only) */
    char body[700];
    snprintf(body, sizeof body, "{\"prompt\": \"doc: %s\\n###USER: use it\\n###ASSISTANT: <<<api_call>>>: \", "
             "\"max_tokens\": 24, \"draft\": \"lookup\"}", CALLS[0]);
    http_res hr;
    http(fx->port, "/v1/completions", body, &hr);
    assert_int_equal(hr.status, 200);
    json_t *j = json_loadb(hr.body, hr.len, 0, NULL);
    json_t *u = json_object_get(j, "usage");
    assert_true(json_is_integer(json_object_get(u, "drafted")));
    assert_true(json_integer_value(json_object_get(u, "drafted")) >= json_integer_value(json_object_get(u, "draft_accepted")));
    json_decref(j);
    free(hr.body);
}

static void check_400(int port, const char *path, const char *body, const char *needle)
{
    http_res r;
    http(port, path, body, &r);
    if (r.status != 400) fail_msg("%s %s: HTTP %ld %s", path, body, r.status, r.body ? r.body : "");
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    assert_non_null(m);
    if (!strstr(m, needle)) fail_msg("message '%s' lacks '%s'", m, needle);
    json_decref(j);
    free(r.body);
}

static void test_bad_values(void **state)
{
    fixture *fx = *state;
    const char *paths[] = {"/v1/completions", "/v1/chat/completions"};
    for (int chat = 0; chat < 2; chat++) {
        const char *bad[][2] = {
            {"\"constrain\": \"yes\"", "'constrain' must be \"store\", \"retrieved\" or \"off\""},
            {"\"constrain\": 1", "'constrain' must be"},
            {"\"constrain\": \"Store\"", "'constrain' must be"},
            {"\"draft\": \"fast\"", "'draft' must be \"lookup\", \"off\" or \"auto\""},
            {"\"draft\": true", "'draft' must be"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            char *body = request(chat, "hi", bad[i][0]);
            check_400(fx->port, paths[chat], body, bad[i][1]);
            free(body);
        }
    }
    /* with tools: the call is the request's functions', not the store's */
    check_400(fx->port, "/v1/chat/completions",
              "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"constrain\": \"store\", \"tools\": "
              "[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}}]}",
              "cannot be combined with 'tools'");
    /* null: the default */
    char finish[32];
    char *t = ask(fx, 0, 0, "hi", "\"max_tokens\": 2, \"constrain\": null, \"draft\": null", finish, sizeof finish);
    free(t);
}

/* A backend without calls (none given, a store with no calls, or only
 * blank ones; the echo backend): the constraint is refused up front, the
 * server answers 400 naming the field; drafts still work. */
static void test_backend_without_calls(void **state)
{
    fixture *fx = *state;
    gorilla_error err = {0};
    gorilla_backend be;
    assert_int_equal(gorilla_backend_llm_new(fx->m, fx->tok, "m.gguf", &be, &err), GORILLA_OK);
    assert_int_equal(be.caps, GORILLA_BACKEND_CAN_DRAFT);
    assert_int_equal(gorilla_backend_llm_set_calls(&be, NULL, 0, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "no calls"));
    const char *const blank[] = {"", "  \n", NULL};
    assert_int_equal(gorilla_backend_llm_set_calls(&be, blank, 3, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "no calls"));
    assert_int_equal(be.caps, GORILLA_BACKEND_CAN_DRAFT);
    gorilla_gen_params p;
    gorilla_gen_params_init(&p);
    p.max_tokens = 4;
    p.constrain = GORILLA_ASK_CONSTRAIN_STORE;
    gorilla_gen_usage u;
    assert_int_equal(be.complete(be.ctx, "hi", &p, no_sink, NULL, &u, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "'constrain'"));

    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    gorilla_server *s;
    assert_int_equal(gorilla_server_start(&o, &be, &s, &err), GORILLA_OK);
    check_400(gorilla_server_port(s), "/v1/completions", "{\"prompt\": \"hi\", \"constrain\": \"store\"}",
              "'constrain': \"store\" needs the server's API calls");
    check_400(gorilla_server_port(s), "/v1/chat/completions",
              "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"constrain\": \"retrieved\"}",
              "'constrain': \"retrieved\" needs");
    http_res r;
    http(gorilla_server_port(s), "/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 3, \"draft\": \"lookup\"}", &r);
    assert_int_equal(r.status, 200);
    free(r.body);
    gorilla_server_stop(s);
    gorilla_backend_free(&be);

    gorilla_backend echo;
    gorilla_backend_echo(&echo);
    assert_int_equal(gorilla_backend_llm_set_calls(&echo, CALLS, N_CALLS, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gorilla_server_start(&o, &echo, &s, &err), GORILLA_OK);
    check_400(gorilla_server_port(s), "/v1/completions", "{\"prompt\": \"hi\", \"constrain\": \"store\"}",
              "this server has none");
    /* drafts never change the output: accepted and ignored */
    http(gorilla_server_port(s), "/v1/chat/completions",
         "{\"messages\": [{\"role\": \"user\", \"content\": \"a b c\"}], \"draft\": \"lookup\"}", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"a b c\""));
    free(r.body);
    gorilla_server_stop(s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_models_lists_decoding), cmocka_unit_test(test_constrain_store),
        cmocka_unit_test(test_constrain_retrieved),   cmocka_unit_test(test_constrain_chat),
        cmocka_unit_test(test_stream_with_drafts),    cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_backend_without_calls),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
