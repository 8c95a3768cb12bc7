/* ask.c — `gorilla ask` in the library: retrieve API documents for a task,
 * build the prompt, generate an answer (local GGUF model or an
 * OpenAI-compatible endpoint), parse it, and check its api_call against the
 * store with the evaluator's matcher. With no model, the answer is the
 * retrieved documents themselves. */
#include "pipeline/ask.h"
#include "prompt/template.h"
#include "store/store.h"
#include "base/error.h"
#include "base/utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STOPS 4 /* request stop strings used (gorilla_gen_params allows 4) */

struct gorilla_asker {
    gorilla_store *store[GORILLA_HUB_COUNT];
    gorilla_retriever *ret[GORILLA_HUB_COUNT];
    /* all loaded hubs in one store, so that one retriever ranks them on
     * shared statistics; hub h's document i is all_store's offset[h] + i */
    gorilla_store *all_store;
    gorilla_retriever *all_ret;
    size_t offset[GORILLA_HUB_COUNT];
    gorilla_matcher *match[GORILLA_HUB_COUNT];
    char **domains[GORILLA_HUB_COUNT];
    size_t n_domains[GORILLA_HUB_COUNT];
    /* the local model: owned, or borrowed from the caller (owns_model 0;
     * see gorilla_ask_opts.model) */
    gorilla_model *model;
    const gorilla_tokenizer *tok; /* the model's own */
    int owns_model;
    gorilla_client *client;
    char *model_id;
    char *retriever_name;
    gorilla_prompt_style prompt;
    gorilla_template tmpl;  /* the local model's prompt template */
    const char *tmpl_source;
    gorilla_gen_params gen;
    size_t k;
    size_t prompt_docs; /* documents in a model's prompt (>= 1) */
    int doc_format;     /* GORILLA_DOC_JSON or _REPR */
    size_t rerank;      /* > 1: the model picks the prompt's document among this many */
    /* decoding (gorilla/decode.h): built on first use */
    int constrain, draft;
    const char **calls; /* every loaded hub's calls (borrowed from the stores) */
    size_t n_calls;
    gorilla_call_constraint *cc_store;
    gorilla_lookup *lookup;
    gorilla_asker_stats stats;
};

void gorilla_asker_decode_stats(const gorilla_asker *a, gorilla_asker_stats *out) { *out = a->stats; }

void gorilla_ask_opts_init(gorilla_ask_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 3;
    o->max_retries = -1;
    gorilla_gen_params_init(&o->gen);
    o->gen.max_tokens = 256;
    o->constrain = GORILLA_ASK_CONSTRAIN_STORE;
    o->draft = GORILLA_ASK_DRAFT_AUTO;
}

gorilla_hub ask_guess_hub(const char *call)
{
    if (!call) return GORILLA_HUB_HUGGINGFACE;
    if (strstr(call, "torch.hub")) return GORILLA_HUB_TORCHHUB;
    if (strstr(call, "hub.KerasLayer") || strstr(call, "hub.load") || strstr(call, "tfhub.dev"))
        return GORILLA_HUB_TENSORFLOWHUB;
    return GORILLA_HUB_HUGGINGFACE;
}

void gorilla_asker_free(gorilla_asker *a)
{
    if (!a) return;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        gorilla_matcher_free(a->match[h]);
        gorilla_retriever_free(a->ret[h]);
        gorilla_store_free(a->store[h]);
        gorilla_strings_free(a->domains[h], a->n_domains[h]);
    }
    gorilla_call_constraint_free(a->cc_store);
    gorilla_lookup_free(a->lookup);
    free(a->calls);
    gorilla_retriever_free(a->all_ret);
    gorilla_store_free(a->all_store);
    if (a->owns_model) gorilla_model_free(a->model);
    gorilla_client_free(a->client);
    free(a->model_id);
    free(a->retriever_name);
    free(a);
}

/* Builds the all-hubs store and its retriever (when two hubs or more). */
static gorilla_status merge_hubs(gorilla_asker *a, const char *retriever, gorilla_error *err)
{
    int hubs = 0;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) hubs += a->store[h] != NULL;
    if (hubs < 2) return GORILLA_OK;
    pybuf b;
    pybuf_init(&b);
    size_t n = 0;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        a->offset[h] = n;
        if (!a->store[h]) continue;
        for (size_t i = 0; i < gorilla_store_count(a->store[h]); i++, n++) {
            char *doc = gorilla_store_doc_json(a->store[h], i);
            if (!doc) {
                pybuf_free(&b);
                return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            }
            pybuf_puts(&b, doc);
            pybuf_putc(&b, '\n');
            free(doc);
        }
    }
    char *text = pybuf_take(&b);
    if (!text) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    gorilla_status st = gorilla_store_load_buffer("all hubs", text, strlen(text), &a->all_store, err);
    free(text);
    if (st == GORILLA_OK) st = gorilla_retriever_new(a->all_store, retriever, &a->all_ret, err);
    return st;
}

/* The tokenizer the model owns (built when it was loaded). */
static gorilla_status load_tokenizer(gorilla_asker *a, const char *path, gorilla_error *err)
{
    a->tok = gorilla_model_tokenizer(a->model);
    if (a->tok) return GORILLA_OK;
    const char *why = gorilla_model_tokenizer_error(a->model);
    return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no tokenizer: %s", path, why ? why : "no vocabulary");
}

gorilla_status gorilla_asker_new(const gorilla_ask_opts *o, gorilla_asker **out, gorilla_error *err)
{
    *out = NULL;
    gorilla_asker *a = calloc(1, sizeof *a);
    if (!a) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    gorilla_status st = GORILLA_OK;
    a->prompt = o->prompt;
    a->gen = o->gen;
    a->k = o->k ? o->k : 3;
    a->prompt_docs = o->prompt_docs ? o->prompt_docs : 1;
    a->rerank = o->rerank;
    a->doc_format = o->doc_format == GORILLA_DOC_REPR ? GORILLA_DOC_REPR : GORILLA_DOC_JSON;
    a->constrain = o->constrain;
    a->draft = o->draft;
    int no_retrieval = o->retriever && strcmp(o->retriever, "none") == 0;
    int any = 0;
    for (int h = 0; h < GORILLA_HUB_COUNT && st == GORILLA_OK; h++) {
        if (!o->api_paths[h]) continue;
        any = 1;
        if ((st = gorilla_store_load(o->api_paths[h], &a->store[h], err))) break;
        if (!no_retrieval && (st = gorilla_retriever_new(a->store[h], o->retriever, &a->ret[h], err))) break;
        if ((st = gorilla_matcher_new(a->store[h], (gorilla_hub)h, GORILLA_MATCH_COMPATIBLE, &a->match[h], err)))
            break;
        st = gorilla_store_domains(a->store[h], &a->domains[h], &a->n_domains[h], err);
    }
    if (st == GORILLA_OK && !any) st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask: no API documents given");
    if (st == GORILLA_OK && !no_retrieval) st = merge_hubs(a, o->retriever, err);
    if (st == GORILLA_OK) {
        a->retriever_name = strdup(no_retrieval ? "none" : o->retriever ? o->retriever : gorilla_retriever_default_name());
        if (!a->retriever_name) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (st == GORILLA_OK && (o->model_path || o->model) && o->endpoint)
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask: give a local model or an endpoint, not both");
    if (st == GORILLA_OK && o->model && !o->tokenizer)
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask: a borrowed model needs its tokenizer");
    if (st == GORILLA_OK && o->model) {
        a->model = o->model;
        a->tok = o->tokenizer;
    } else if (st == GORILLA_OK && o->model_path) {
        gorilla_model_opts mo = {o->n_threads, o->n_ctx};
        if (!(st = gorilla_model_load(o->model_path, &mo, &a->model, err))) {
            a->owns_model = 1;
            st = load_tokenizer(a, o->model_path, err);
        }
    }
    if (st == GORILLA_OK && (o->model || o->model_path)) {
        const char *name = o->model_path ? o->model_path : "model";
        const char *base = strrchr(name, '/');
        a->model_id = strdup(base ? base + 1 : name);
    }
    a->tmpl = GORILLA_TEMPLATE_GORILLA_V0;
    a->tmpl_source = "default";
    if (st == GORILLA_OK && o->template_name) {
        if (gorilla_template_parse(o->template_name, &a->tmpl) != 0)
            st = gorilla_fail(err, GORILLA_ERR_INVALID,
                              "unknown template '%s' (known: gorilla-v0, openfunctions-v1, openfunctions-v2)",
                              o->template_name);
        a->tmpl_source = "--template";
    } else if (st == GORILLA_OK && o->model_path) {
        st = gorilla_template_for_file(o->model_path, &a->tmpl, &a->tmpl_source, err);
    }
    if (st == GORILLA_OK && o->endpoint) {
        gorilla_client_opts co;
        gorilla_client_opts_init(&co);
        co.base_url = o->endpoint;
        co.model = o->model_name ? o->model_name : "gorilla";
        co.api_key_env = o->api_key_env;
        if (o->timeout_ms > 0) co.timeout_ms = o->timeout_ms;
        if (o->max_retries >= 0) co.max_retries = o->max_retries;
        st = gorilla_client_new(&co, &a->client, err);
        if (!st) a->model_id = strdup(co.model);
    }
    if (st == GORILLA_OK && (o->model_path || o->model || o->endpoint) && !a->model_id)
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (st != GORILLA_OK) {
        gorilla_asker_free(a);
        return st;
    }
    *out = a;
    return GORILLA_OK;
}

int gorilla_asker_has_model(const gorilla_asker *a) { return a && (a->model || a->client); }
gorilla_template gorilla_asker_template(const gorilla_asker *a, const char **source)
{
    if (source) *source = a ? a->tmpl_source : "default";
    return a ? a->tmpl : GORILLA_TEMPLATE_GORILLA_V0;
}
const char *gorilla_asker_model_id(const gorilla_asker *a) { return a ? a->model_id : NULL; }

size_t gorilla_asker_prompt_docs(const gorilla_asker *a) { return a ? a->prompt_docs : 1; }

size_t gorilla_asker_rerank(const gorilla_asker *a) { return a ? a->rerank : 0; }

gorilla_client *ask_client(gorilla_asker *a) { return a->client; }
const gorilla_gen_params *ask_gen(const gorilla_asker *a) { return &a->gen; }
void ask_swap_decoding(gorilla_asker *a, int *constrain, int *draft)
{
    int c = a->constrain, d = a->draft;
    a->constrain = *constrain;
    a->draft = *draft;
    *constrain = c;
    *draft = d;
}
const gorilla_store *gorilla_asker_store(const gorilla_asker *a, gorilla_hub hub)
{
    return a && (unsigned)hub < GORILLA_HUB_COUNT ? a->store[hub] : NULL;
}

/* --- Generation ------------------------------------------------------ */

/* Every loaded hub's calls, once. */
static gorilla_status collect_calls(gorilla_asker *a, gorilla_error *err)
{
    if (a->calls) return GORILLA_OK;
    size_t n = 0;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++)
        if (a->store[h]) n += gorilla_store_count(a->store[h]);
    a->calls = malloc((n + 1) * sizeof *a->calls);
    if (!a->calls) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    for (int h = 0; h < GORILLA_HUB_COUNT; h++)
        for (size_t i = 0; a->store[h] && i < gorilla_store_count(a->store[h]); i++) {
            const char *c = gorilla_store_field(a->store[h], i, "api_call");
            if (c && *c) a->calls[a->n_calls++] = c;
        }
    return GORILLA_OK;
}

/* The logits filter and draft provider the asker's decoding settings
 * ask for; *own: a constraint made for this prompt (the calls of the
 * documents it holds), to free after. */
static gorilla_status decoding_hooks(gorilla_asker *a, const char *prompt, gorilla_generate_opts *go,
                                     gorilla_call_constraint **own, gorilla_error *err)
{
    *own = NULL;
    int draft = a->draft == GORILLA_ASK_DRAFT_AUTO ? gorilla_lookup_wins(a->model) : a->draft;
    if ((!a->constrain && !draft) || !a->tok) return GORILLA_OK;
    gorilla_status st = collect_calls(a, err);
    if (st) return st;
    unsigned flags = a->tmpl == GORILLA_TEMPLATE_GORILLA_V0 ? 0u : GORILLA_CONSTRAIN_AT_START;
    if (a->constrain == GORILLA_ASK_CONSTRAIN_STORE) {
        if (!a->cc_store &&
            (st = gorilla_call_constraint_new(a->tok, a->calls, a->n_calls, flags, &a->cc_store, err)))
            return st;
        go->filter = gorilla_call_constraint_filter;
        go->filter_user = a->cc_store;
    } else if (a->constrain == GORILLA_ASK_CONSTRAIN_RETRIEVED) {
        const char **in = malloc((a->n_calls + 1) * sizeof *in);
        if (!in) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        size_t n = 0;
        for (size_t i = 0; i < a->n_calls; i++)
            if (strstr(prompt, a->calls[i])) in[n++] = a->calls[i];
        st = n ? gorilla_call_constraint_new(a->tok, in, n, flags, own, err) : GORILLA_OK; /* none: free */
        free(in);
        if (st) return st;
        if (*own) {
            go->filter = gorilla_call_constraint_filter;
            go->filter_user = *own;
        }
    }
    if (draft) {
        if (!a->lookup && (st = gorilla_lookup_new(a->tok, a->calls, a->n_calls, &a->lookup, err))) return st;
        go->draft = gorilla_lookup_draft;
        go->draft_user = a->lookup;
    }
    return GORILLA_OK;
}

/* The local model's answer: the generation loop (gorilla_generate) with
 * the request's stop strings and the chat template's turn marker "###". */
static gorilla_status local_generate(gorilla_asker *a, const char *prompt, char **out, gorilla_error *err)
{
    const char *stops[MAX_STOPS + 1];
    size_t n_stop = 0;
    for (size_t i = 0; i < a->gen.n_stop && n_stop < MAX_STOPS; i++)
        if (a->gen.stop[i] && *a->gen.stop[i]) stops[n_stop++] = a->gen.stop[i];
    stops[n_stop++] = "###";
    gorilla_generate_opts go;
    gorilla_generate_opts_init(&go);
    gorilla_generate_opts_from_params(&go, &a->gen);
    go.stop = stops;
    go.n_stop = n_stop;
    gorilla_call_constraint *own = NULL;
    gorilla_status st = decoding_hooks(a, prompt, &go, &own, err);
    if (st) return st;
    gorilla_generate_result r;
    st = gorilla_generate_text(a->model, a->tok, prompt, &go, &r, err);
    gorilla_call_constraint_free(own);
    if (st == GORILLA_OK) {
        a->stats.answers++;
        a->stats.tokens += r.n_tokens;
        a->stats.decode_steps += r.n_decode;
        a->stats.drafted += r.n_drafted;
        a->stats.accepted += r.n_draft_accepted;
        a->stats.decode_ms += r.decode_ms;
        *out = r.text;
        r.text = NULL;
    }
    gorilla_generate_result_clear(&r);
    return st;
}

gorilla_status gorilla_asker_complete(gorilla_asker *a, gorilla_hub hub, const char *user_text, char **prompt_out,
                                      char **text, gorilla_error *err)
{
    *text = NULL;
    if (prompt_out) *prompt_out = NULL;
    if (!a->model && !a->client) return gorilla_fail(err, GORILLA_ERR_INVALID, "no model or endpoint to generate with");
    char *prompt = NULL, *user = NULL;
    gorilla_status st = GORILLA_OK;
    if (a->prompt == GORILLA_PROMPT_EVAL) {
        gorilla_hub h = hub >= 0 && hub < GORILLA_HUB_COUNT ? (gorilla_hub)hub : GORILLA_HUB_HUGGINGFACE;
        user = gorilla_prompt_eval_user(h, user_text, (const char *const *)a->domains[h], a->n_domains[h]);
        if (!user) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        if (a->client) {
            st = gorilla_client_chat(a->client, gorilla_prompt_eval_system(), user, &a->gen, text, err);
            prompt = user;
            user = NULL;
        } else {
            /* a local model: the system message, then the Gorilla chat turn */
            pybuf b;
            pybuf_init(&b);
            pybuf_puts(&b, gorilla_prompt_eval_system());
            pybuf_puts(&b, "\n");
            char *chat = gorilla_prompt_gorilla_chat(user);
            if (chat) pybuf_puts(&b, chat);
            else b.oom = 1;
            free(chat);
            prompt = pybuf_take(&b);
            if (prompt) st = local_generate(a, prompt, text, err);
        }
    } else if (a->client) {
        prompt = strdup(user_text);
        if (prompt) st = gorilla_client_chat(a->client, NULL, user_text, &a->gen, text, err);
    } else {
        prompt = gorilla_template_apply(a->tmpl, user_text, NULL);
        if (prompt) st = local_generate(a, prompt, text, err);
    }
    free(user);
    if (!prompt) {
        free(*text);
        *text = NULL;
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (st == GORILLA_OK && !*text) *text = strdup("");
    if (st != GORILLA_OK || !*text) {
        free(*text);
        *text = NULL;
        free(prompt);
        return st != GORILLA_OK ? st : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (prompt_out) *prompt_out = prompt;
    else free(prompt);
    return GORILLA_OK;
}

gorilla_status gorilla_asker_generate(gorilla_asker *a, const char *prompt, char **text, gorilla_error *err)
{
    *text = NULL;
    gorilla_status st;
    if (a->model) st = local_generate(a, prompt, text, err);
    else if (a->client) st = gorilla_client_complete(a->client, prompt, &a->gen, text, err);
    else return gorilla_fail(err, GORILLA_ERR_INVALID, "no model or endpoint to generate with");
    if (st == GORILLA_OK && !*text) {
        *text = strdup("");
        if (!*text) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    return st;
}

/* task_text_n with each document cut to at most cut bytes (0: whole; on
 * a UTF-8 character boundary). */
static char *task_text_cut(gorilla_asker *a, const char *task, const gorilla_ask_hit *hits, size_t n, size_t cut)
{
    if (!hits || !n) return strdup(task);
    pybuf b;
    pybuf_init(&b);
    for (size_t i = 0; i < n; i++) {
        const store_value *d = store_doc(a->store[hits[i].hub], hits[i].api_index);
        char *doc = a->doc_format == GORILLA_DOC_REPR ? store_py_str(d) : store_py_json_dumps(d);
        if (!doc) b.oom = 1;
        else {
            size_t len = strlen(doc);
            if (cut && len > cut) {
                while (cut && ((unsigned char)doc[cut] & 0xC0) == 0x80) cut--;
                doc[cut] = '\0';
            }
            if (i) pybuf_putc(&b, '\n');
            pybuf_puts(&b, doc);
        }
        free(doc);
    }
    char *docs = pybuf_take(&b);
    if (!docs) return NULL;
    char *t = gorilla_prompt_with_doc(task, docs);
    free(docs);
    return t;
}

char *gorilla_asker_task_text_n(gorilla_asker *a, const char *task, const gorilla_ask_hit *hits, size_t n)
{
    return task_text_cut(a, task, hits, n, 0);
}

/* Tokens of the local model's prompt for user text u (the Gorilla prompt
 * style), or 0 when it cannot tell (no tokenizer, OOM). */
static size_t prompt_tokens(gorilla_asker *a, const char *u)
{
    char *prompt = gorilla_template_apply(a->tmpl, u, NULL);
    if (!prompt) return 0;
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error e = {0};
    if (gorilla_tokenizer_encode(a->tok, prompt, strlen(prompt), 1, 0, &ids, &n, &e)) n = 0;
    free(ids);
    free(prompt);
    return n;
}

char *gorilla_asker_task_text_fit(gorilla_asker *a, const char *task, const gorilla_ask_hit *hits, size_t n,
                                  size_t *n_used, size_t *cut)
{
    *n_used = n;
    *cut = 0;
    char *u = task_text_cut(a, task, hits, n, 0);
    if (!u || !a->model || !a->tok || a->prompt != GORILLA_PROMPT_GORILLA || !hits || !n) return u;
    size_t ctx = (size_t)gorilla_model_n_ctx(a->model), reserve = GORILLA_ASK_ANSWER_RESERVE;
    size_t budget = ctx > reserve ? ctx - reserve : ctx;
    size_t t = prompt_tokens(a, u);
    /* fewer documents first, then the one cut shorter (a document's fields
     * come in store order: domain, api_name, api_call before the long
     * description and example code) */
    size_t limit = strlen(u);
    while (t > budget && limit > 256) {
        if (*n_used > 1) {
            (*n_used)--;
        } else {
            /* scale by the overshoot, then a little more */
            size_t want = (size_t)((double)limit * (double)budget / (double)t * 0.95);
            limit = want < limit ? want : limit - 1;
            *cut = limit;
        }
        free(u);
        u = task_text_cut(a, task, hits, *n_used, *cut);
        if (!u) return NULL;
        t = prompt_tokens(a, u);
    }
    return u;
}

char *gorilla_asker_task_text(gorilla_asker *a, const char *task, const gorilla_ask_hit *top, size_t n_hits)
{
    return gorilla_asker_task_text_n(a, task, top, n_hits < a->prompt_docs ? n_hits : a->prompt_docs);
}

/* --- The pipeline ---------------------------------------------------- */

/* A field of a document as text: strings as they are, lists of strings one
 * per line, other values as JSON. Caller frees; NULL when absent/null. */
static char *field_text(const gorilla_store *s, size_t i, const char *key)
{
    const store_value *v = store_value_get(store_doc(s, i), key);
    store_kind kind = store_value_kind(v);
    if (kind == STORE_ABSENT || kind == STORE_NULL) return NULL;
    if (kind == STORE_STRING) return strdup(store_value_string(v, NULL));
    if (kind == STORE_ARRAY) {
        pybuf b;
        pybuf_init(&b);
        for (size_t j = 0, n = store_value_size(v); j < n; j++) {
            const store_value *e = store_value_at(v, j);
            if (j) pybuf_putc(&b, '\n');
            const char *str = store_value_string(e, NULL);
            if (str) pybuf_puts(&b, str);
            else {
                char *t = store_value_json(e);
                if (t) pybuf_puts(&b, t);
                free(t);
            }
        }
        return pybuf_take(&b);
    }
    return store_value_json(v);
}

void gorilla_ask_result_clear(gorilla_ask_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_hits; i++) free(r->hits[i].example_code);
    free(r->hits);
    free(r->task);
    free(r->prompt);
    free(r->text);
    gorilla_answer_clear(&r->answer);
    memset(r, 0, sizeof *r);
}

static int cmp_hit(const void *x, const void *y)
{
    const gorilla_ask_hit *a = x, *b = y;
    if (a->score != b->score) return a->score < b->score ? 1 : -1;
    if (a->hub != b->hub) return (int)a->hub - (int)b->hub;
    return a->api_index < b->api_index ? -1 : a->api_index > b->api_index;
}

static gorilla_status retrieve(gorilla_asker *a, const char *task, int hub, size_t k, gorilla_ask_result *r,
                               gorilla_error *err)
{
    size_t cap = k * GORILLA_HUB_COUNT;
    gorilla_hit *hits = malloc(k * sizeof *hits);
    r->hits = calloc(cap ? cap : 1, sizeof *r->hits);
    if (!hits || !r->hits) {
        free(hits);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    gorilla_status st = GORILLA_OK;
    if (hub < 0 && a->all_ret) {
        size_t n = 0;
        st = gorilla_retriever_search(a->all_ret, task, k, hits, &n, err);
        for (size_t i = 0; i < n && st == GORILLA_OK; i++) {
            int h = GORILLA_HUB_COUNT - 1;
            while (h > 0 && (!a->store[h] || hits[i].api_index < a->offset[h])) h--;
            gorilla_ask_hit *x = &r->hits[r->n_hits++];
            x->hub = (gorilla_hub)h;
            x->api_index = hits[i].api_index - a->offset[h];
            x->score = hits[i].score;
        }
        hub = GORILLA_HUB_COUNT; /* done: skip the per-hub loop */
    }
    for (int h = 0; h < GORILLA_HUB_COUNT && st == GORILLA_OK; h++) {
        if (!a->ret[h] || (hub >= 0 && hub != h)) continue;
        size_t n = 0;
        if ((st = gorilla_retriever_search(a->ret[h], task, k, hits, &n, err))) break;
        for (size_t i = 0; i < n; i++) {
            gorilla_ask_hit *x = &r->hits[r->n_hits++];
            x->hub = (gorilla_hub)h;
            x->api_index = hits[i].api_index;
            x->score = hits[i].score;
        }
    }
    free(hits);
    if (st) return st;
    qsort(r->hits, r->n_hits, sizeof *r->hits, cmp_hit);
    if (r->n_hits > k) {
        for (size_t i = k; i < r->n_hits; i++) free(r->hits[i].example_code);
        r->n_hits = k;
    }
    for (size_t i = 0; i < r->n_hits; i++) {
        gorilla_ask_hit *x = &r->hits[i];
        const gorilla_store *s = a->store[x->hub];
        x->api_name = gorilla_store_field(s, x->api_index, "api_name");
        x->api_call = gorilla_store_field(s, x->api_index, "api_call");
        x->domain = gorilla_store_field(s, x->api_index, "domain");
        x->description = gorilla_store_field(s, x->api_index, "description");
        x->example_code = field_text(s, x->api_index, "example_code");
    }
    return GORILLA_OK;
}

void gorilla_asker_check(gorilla_asker *a, const char *call, int prefer_hub, gorilla_ask_result *r)
{
    r->checked = 0;
    r->match_index = -1;
    if (!call || !*call) return;
    r->checked = 1;
    int order[GORILLA_HUB_COUNT], n = 0;
    int first = prefer_hub >= 0 ? prefer_hub : (int)ask_guess_hub(call);
    order[n++] = first;
    int guess = (int)ask_guess_hub(call);
    if (guess != first) order[n++] = guess;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++)
        if (h != first && h != guess) order[n++] = h;
    for (int j = 0; j < n; j++) {
        int h = order[j];
        if (!a->match[h]) continue;
        long i = gorilla_matcher_find(a->match[h], call, strlen(call), NULL);
        if (i >= 0) {
            r->match_hub = (gorilla_hub)h;
            r->match_index = i;
            r->match_api_name = gorilla_store_field(a->store[h], (size_t)i, "api_name");
            r->match_domain = gorilla_store_field(a->store[h], (size_t)i, "domain");
            r->match_api_call = gorilla_store_field(a->store[h], (size_t)i, "api_call");
            return;
        }
    }
}

gorilla_status gorilla_ask_retrieve(gorilla_asker *a, const char *task, gorilla_hub hub, size_t k, gorilla_ask_result *r,
                                    gorilla_error *err)
{
    memset(r, 0, sizeof *r);
    r->match_index = -1;
    r->hub = hub;
    if (!task || !*task) return gorilla_fail(err, GORILLA_ERR_INVALID, "ask: the task is empty");
    if (hub >= GORILLA_HUB_COUNT || (hub >= 0 && !a->store[hub]))
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "ask: no API documents for hub %s",
                            hub >= 0 && hub < GORILLA_HUB_COUNT ? gorilla_hub_name((gorilla_hub)hub) : "?");
    r->task = strdup(task);
    if (!r->task) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (k == 0) k = a->k;
    gorilla_status st = GORILLA_OK;
    if (strcmp(a->retriever_name, "none") != 0) st = retrieve(a, task, hub, k, r, err);
    if (st != GORILLA_OK) gorilla_ask_result_clear(r);
    return st;
}

/* The reranker: each candidate's call scored by the model after the
 * prompt and, for the Gorilla template, the answer's fields before the
 * call. A candidate that cannot be scored is left without a score. */
static void score_hits(gorilla_asker *a, gorilla_ask_result *r)
{
    if (!a->model || !a->tok || !a->constrain || !r->prompt) return;
    for (size_t i = 0; i < r->n_hits; i++) {
        gorilla_ask_hit *x = &r->hits[i];
        if (!x->api_call || !*x->api_call) continue;
        pybuf b;
        pybuf_init(&b);
        pybuf_puts(&b, r->prompt);
        if (a->tmpl == GORILLA_TEMPLATE_GORILLA_V0) {
            pybuf_puts(&b, "<<<domain>>>: ");
            pybuf_puts(&b, x->domain ? x->domain : "");
            pybuf_puts(&b, "\n<<<api_call>>>: ");
        }
        char *prefix = pybuf_take(&b);
        if (!prefix) continue;
        gorilla_error e = {0};
        double lp = 0;
        if (gorilla_call_logprob(a->model, a->tok, prefix, x->api_call, &lp, NULL, &e) == GORILLA_OK) {
            x->has_logprob = 1;
            x->call_logprob = lp;
        }
        free(prefix);
    }
}

gorilla_status gorilla_asker_rerank_docs(gorilla_asker *a, const char *task, gorilla_ask_hit *hits, size_t n,
                                         size_t *best, gorilla_error *err)
{
    *best = 0;
    if (!a->model || !a->tok || a->prompt != GORILLA_PROMPT_GORILLA || a->tmpl != GORILLA_TEMPLATE_GORILLA_V0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "rerank: needs a local model with the Gorilla template");
    int have = 0;
    for (size_t i = 0; i < n; i++) {
        gorilla_ask_hit *x = &hits[i];
        x->has_logprob = 0;
        if (!x->api_call || !*x->api_call) continue;
        char *user = gorilla_asker_task_text_n(a, task, x, 1);
        char *prompt = user ? gorilla_template_apply(a->tmpl, user, NULL) : NULL;
        free(user);
        pybuf p, c;
        pybuf_init(&p);
        pybuf_init(&c);
        pybuf_puts(&p, prompt ? prompt : "");
        pybuf_puts(&p, "<<<domain>>>: ");
        pybuf_puts(&c, x->domain ? x->domain : "");
        pybuf_puts(&c, "\n<<<api_call>>>: ");
        pybuf_puts(&c, x->api_call);
        int oom = !prompt;
        free(prompt);
        char *prefix = pybuf_take(&p), *cont = pybuf_take(&c);
        gorilla_status st = GORILLA_OK;
        double lp = 0;
        if (oom || !prefix || !cont) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        else {
            gorilla_error e = {0};
            /* a document whose prompt does not fit the context is not a candidate */
            gorilla_status s2 = gorilla_call_logprob(a->model, a->tok, prefix, cont, &lp, NULL, &e);
            if (s2 == GORILLA_OK) {
                x->has_logprob = 1;
                x->call_logprob = lp;
                if (!have || lp > hits[*best].call_logprob) *best = i;
                have = 1;
            } else if (s2 != GORILLA_ERR_LIMIT) {
                *err = e;
                st = s2;
            }
        }
        free(prefix);
        free(cont);
        if (st) return st;
    }
    return GORILLA_OK;
}

gorilla_status gorilla_ask(gorilla_asker *a, const char *task, gorilla_hub hub, size_t k, gorilla_ask_result *r,
                           gorilla_error *err)
{
    gorilla_status st = gorilla_ask_retrieve(a, task, hub, k, r, err);
    if (st != GORILLA_OK) return st;
    if (a->model && a->prompt == GORILLA_PROMPT_GORILLA && a->tmpl != GORILLA_TEMPLATE_GORILLA_V0) {
        /* OpenFunctions: the task as <<question>>, the document as the
         * json.dumps'd function list */
        const gorilla_ask_hit *top = r->n_hits ? &r->hits[0] : NULL;
        char *doc = top ? store_py_json_dumps(store_doc(a->store[top->hub], top->api_index)) : NULL;
        char *fn = doc ? malloc(strlen(doc) + 3) : NULL;
        if (fn) sprintf(fn, "[%s]", doc);
        free(doc);
        r->prompt = top && !fn ? NULL : gorilla_template_apply(a->tmpl, task, fn);
        free(fn);
        if (!r->prompt) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        else st = local_generate(a, r->prompt, &r->text, err);
        if (st == GORILLA_OK && !r->text && !(r->text = strdup("")))
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        if (st == GORILLA_OK) {
            gorilla_answer ans;
            st = gorilla_answer_parse_call(r->text, strlen(r->text), &ans, err);
            if (st == GORILLA_OK) r->answer = ans;
        }
        if (st == GORILLA_OK) {
            r->generated = 1;
            gorilla_asker_check(a, r->answer.api_call, hub >= 0 ? hub : -1, r);
        }
    } else if (a->model || a->client) {
        const gorilla_ask_hit *top = r->n_hits ? &r->hits[0] : NULL;
        char *user = NULL;
        if (a->rerank > 1 && a->model && a->prompt == GORILLA_PROMPT_GORILLA && r->n_hits > 1) {
            /* the model picks the document among the best `rerank` */
            size_t best = 0;
            st = gorilla_asker_rerank_docs(a, task, r->hits, r->n_hits < a->rerank ? r->n_hits : a->rerank, &best, err);
            if (st) {
                gorilla_ask_result_clear(r);
                return st;
            }
            r->reranked = 1;
            top = &r->hits[best];
            user = gorilla_asker_task_text_fit(a, task, top, 1, &r->docs_in_prompt, &r->doc_cut);
        } else {
            size_t n = r->n_hits < a->prompt_docs ? r->n_hits : a->prompt_docs;
            user = gorilla_asker_task_text_fit(a, task, r->hits, n, &r->docs_in_prompt, &r->doc_cut);
        }
        if (!user) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        else {
            int h = top ? (int)top->hub : hub;
            st = gorilla_asker_complete(a, h, user, &r->prompt, &r->text, err);
            free(user);
        }
        if (st == GORILLA_OK) {
            const char *text = r->text ? r->text : "";
            gorilla_answer ans;
            st = gorilla_answer_parse(text, strlen(text), &ans, err);
            if (st == GORILLA_OK) r->answer = ans;
        }
        if (st == GORILLA_OK) {
            r->generated = 1;
            gorilla_asker_check(a, r->answer.api_call, hub >= 0 ? hub : -1, r);
        }
    }
    if (st == GORILLA_OK && r->generated && !r->reranked) score_hits(a, r);
    if (st != GORILLA_OK) gorilla_ask_result_clear(r);
    return st;
}

const char *gorilla_ask_verdict(const gorilla_ask_result *r)
{
    if (!r->generated) return "retrieval_only";
    if (!r->checked) return "no_call";
    return r->match_index >= 0 ? "known" : "hallucination";
}

/* --- JSON ------------------------------------------------------------ */

json_t *ask_json_string(const char *s)
{
    if (!s) return json_null();
    size_t n = strlen(s);
    json_t *v = json_stringn(s, n);
    if (v) return v;
    size_t len = 0;
    char *t = gorilla_utf8_sanitize(s, n, &len);
    v = t ? json_stringn(t, len) : NULL;
    free(t);
    return v ? v : json_null();
}

static json_t *jstr(const char *s) { return ask_json_string(s); }

char *gorilla_ask_result_json(const gorilla_asker *a, const gorilla_ask_result *r)
{
    json_t *o = json_object(), *docs = json_array();
    if (!o || !docs) {
        json_decref(o);
        json_decref(docs);
        return NULL;
    }
    json_object_set_new(o, "task", jstr(r->task));
    json_object_set_new(o, "hub", json_string(r->hub >= 0 ? gorilla_hub_name((gorilla_hub)r->hub) : "all"));
    json_object_set_new(o, "retriever", jstr(a->retriever_name));
    for (size_t i = 0; i < r->n_hits; i++) {
        const gorilla_ask_hit *x = &r->hits[i];
        json_t *d = json_object();
        json_object_set_new(d, "hub", json_string(gorilla_hub_name(x->hub)));
        json_object_set_new(d, "index", json_integer((json_int_t)x->api_index));
        json_object_set_new(d, "score", json_real(x->score));
        json_object_set_new(d, "api_name", jstr(x->api_name));
        json_object_set_new(d, "domain", jstr(x->domain));
        json_object_set_new(d, "api_call", jstr(x->api_call));
        json_object_set_new(d, "description", jstr(x->description));
        json_object_set_new(d, "example_code", jstr(x->example_code));
        if (x->has_logprob) json_object_set_new(d, "call_logprob", json_real(x->call_logprob));
        json_array_append_new(docs, d);
    }
    json_object_set_new(o, "documents", docs);
    /* the reranker: the scored candidates' calls, most probable first */
    json_t *rr = json_array();
    size_t order[64], n_sc = 0;
    for (size_t i = 0; i < r->n_hits && n_sc < 64; i++)
        if (r->hits[i].has_logprob) order[n_sc++] = i;
    for (size_t i = 1; i < n_sc; i++)
        for (size_t j = i; j > 0 && r->hits[order[j]].call_logprob > r->hits[order[j - 1]].call_logprob; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t i = 0; rr && i < n_sc; i++) {
        const gorilla_ask_hit *x = &r->hits[order[i]];
        json_t *c = json_object();
        json_object_set_new(c, "document", json_integer((json_int_t)order[i]));
        json_object_set_new(c, "api_call", jstr(x->api_call));
        json_object_set_new(c, "logprob", json_real(x->call_logprob));
        json_array_append_new(rr, c);
    }
    if (rr && n_sc) json_object_set_new(o, "reranked_calls", rr);
    else json_decref(rr);
    json_object_set_new(o, "model", jstr(a->model_id));
    if (r->generated && r->docs_in_prompt) {
        json_object_set_new(o, "docs_in_prompt", json_integer((json_int_t)r->docs_in_prompt));
        if (r->doc_cut) json_object_set_new(o, "doc_cut_bytes", json_integer((json_int_t)r->doc_cut));
    }
    if (r->generated) {
        json_object_set_new(o, "prompt", jstr(r->prompt));
        json_object_set_new(o, "answer_text", jstr(r->text));
        json_t *ans = json_object();
        json_object_set_new(ans, "domain", jstr(r->answer.domain));
        json_object_set_new(ans, "api_call", jstr(r->answer.api_call));
        json_object_set_new(ans, "api_provider", jstr(r->answer.api_provider));
        json_object_set_new(ans, "explanation", jstr(r->answer.explanation));
        json_object_set_new(ans, "code", jstr(r->answer.code));
        json_object_set_new(o, "answer", ans);
    }
    json_object_set_new(o, "verdict", json_string(gorilla_ask_verdict(r)));
    if (r->match_index >= 0) {
        json_t *m = json_object();
        json_object_set_new(m, "hub", json_string(gorilla_hub_name(r->match_hub)));
        json_object_set_new(m, "index", json_integer(r->match_index));
        json_object_set_new(m, "api_name", jstr(r->match_api_name));
        json_object_set_new(m, "domain", jstr(r->match_domain));
        json_object_set_new(m, "api_call", jstr(r->match_api_call));
        json_object_set_new(o, "match", m);
    } else {
        json_object_set_new(o, "match", json_null());
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    return s;
}

gorilla_status gorilla_ask_json(gorilla_asker *a, const char *request_json, char **response_json, gorilla_error *err)
{
    *response_json = NULL;
    json_error_t je;
    json_t *req = json_loads(request_json ? request_json : "", 0, &je);
    if (!req || !json_is_object(req)) {
        json_decref(req);
        return gorilla_fail(err, GORILLA_ERR_PARSE, "ask request: expected a JSON object (%s)",
                            req ? "not an object" : je.text);
    }
    gorilla_status st = GORILLA_OK;
    const json_t *jt = json_object_get(req, "task");
    if (!jt) jt = json_object_get(req, "instruction");
    const json_t *jh = json_object_get(req, "hub"), *jk = json_object_get(req, "k");
    int hub = -1;
    size_t k = 0;
    if (!json_is_string(jt) || !*json_string_value(jt))
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask request: \"task\" must be a non-empty string");
    else if (jh && !json_is_null(jh)) {
        gorilla_hub h;
        const char *hs = json_is_string(jh) ? json_string_value(jh) : "";
        if (strcmp(hs, "all") == 0) hub = -1;
        else if (gorilla_hub_parse(hs, &h) != 0)
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask request: unknown hub '%s'", hs);
        else hub = (int)h;
    }
    if (st == GORILLA_OK && jk && !json_is_null(jk)) {
        if (!json_is_integer(jk) || json_integer_value(jk) < 1 || json_integer_value(jk) > 100)
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask request: \"k\" must be an integer in [1, 100]");
        else k = (size_t)json_integer_value(jk);
    }
    /* "constrain": "store"|"retrieved"|"off", "draft": "lookup"|"off": this
     * request only (the asker's own settings are the defaults) */
    int constrain = a->constrain, draft = a->draft;
    const json_t *jc = json_object_get(req, "constrain"), *jd = json_object_get(req, "draft");
    if (st == GORILLA_OK && jc && !json_is_null(jc)) {
        const char *cs = json_is_string(jc) ? json_string_value(jc) : "";
        if (!strcmp(cs, "store")) a->constrain = GORILLA_ASK_CONSTRAIN_STORE;
        else if (!strcmp(cs, "retrieved")) a->constrain = GORILLA_ASK_CONSTRAIN_RETRIEVED;
        else if (!strcmp(cs, "off")) a->constrain = GORILLA_ASK_CONSTRAIN_OFF;
        else st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask request: \"constrain\" is \"store\", \"retrieved\" or \"off\"");
    }
    if (st == GORILLA_OK && jd && !json_is_null(jd)) {
        const char *ds = json_is_string(jd) ? json_string_value(jd) : "";
        if (!strcmp(ds, "lookup")) a->draft = GORILLA_ASK_DRAFT_LOOKUP;
        else if (!strcmp(ds, "off")) a->draft = GORILLA_ASK_DRAFT_OFF;
        else if (!strcmp(ds, "auto")) a->draft = GORILLA_ASK_DRAFT_AUTO;
        else st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask request: \"draft\" is \"lookup\", \"off\" or \"auto\"");
    }
    gorilla_ask_result r;
    if (st == GORILLA_OK) st = gorilla_ask(a, json_string_value(jt), hub, k, &r, err);
    a->constrain = constrain;
    a->draft = draft;
    json_decref(req);
    if (st) return st;
    *response_json = gorilla_ask_result_json(a, &r);
    gorilla_ask_result_clear(&r);
    return *response_json ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}
