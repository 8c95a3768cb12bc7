/* backend_llm.c — the server backend on a local GGUF model: the request's
 * parameters over the one generation loop (gorilla_generate), its text
 * streamed to the server as it becomes final (complete UTF-8, never the
 * start of a stop string that may still complete). The request's decoding
 * (gorilla/decode.h): the call field limited to the backend's calls
 * ("constrain": "store") or to those of them the prompt holds
 * ("retrieved"), and prompt-lookup drafts ("draft": "lookup"). */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "gorilla.h"

typedef struct {
    gorilla_model *model;
    const gorilla_tokenizer *tok;
    int owns_model; /* the backend loaded it (and so its tokenizer) */
    char name[256];
    /* decoding: the calls (copied, gorilla_backend_llm_set_calls), the
     * constraint over all of them, the lookup drafts (built on first use) */
    char **calls;
    size_t n_calls;
    gorilla_call_constraint *cc_store;
    gorilla_call_constraint *cc_store_start; /* the same from the output's first byte */
    gorilla_lookup *lookup;
} llm_backend;

static void free_calls(llm_backend *b)
{
    for (size_t i = 0; i < b->n_calls; i++) free(b->calls[i]);
    free(b->calls);
    b->calls = NULL;
    b->n_calls = 0;
    gorilla_call_constraint_free(b->cc_store);
    gorilla_call_constraint_free(b->cc_store_start);
    b->cc_store = b->cc_store_start = NULL;
    gorilla_lookup_free(b->lookup);
    b->lookup = NULL;
}

static void llm_release(void *ctx)
{
    llm_backend *b = ctx;
    if (!b) return;
    free_calls(b);
    if (b->owns_model) gorilla_model_free(b->model);
    free(b);
}

typedef struct {
    gorilla_token_fn on_token;
    void *user;
} text_sink;

static int on_gen_token(void *user, int32_t token, const char *text, size_t len)
{
    text_sink *k = user;
    (void)token;
    return len ? k->on_token(k->user, text, len) : 0;
}

/* The request's logits filter and draft provider; *own: a constraint made
 * for this prompt ("retrieved"), to free after. */
static gorilla_status decoding_hooks(llm_backend *b, const char *prompt, const gorilla_gen_params *p,
                                     gorilla_generate_opts *go, gorilla_call_constraint **own, gorilla_error *err)
{
    *own = NULL;
    if (p->constrain && !b->cc_store)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "'constrain': this server has no API calls to constrain to");
    /* a prompt that ends in the call field (after "<<<api_call>>>: "):
     * the call starts with the output */
    unsigned flags = gorilla_call_constraint_at_field(prompt, strlen(prompt)) ? GORILLA_CONSTRAIN_AT_START : 0u;
    if (p->constrain == GORILLA_ASK_CONSTRAIN_STORE) {
        gorilla_status st = GORILLA_OK;
        if (flags && !b->cc_store_start)
            st = gorilla_call_constraint_new(b->tok, (const char *const *)b->calls, b->n_calls, flags,
                                             &b->cc_store_start, err);
        if (st) return st;
        go->filter = gorilla_call_constraint_filter;
        go->filter_user = flags ? b->cc_store_start : b->cc_store;
    } else if (p->constrain == GORILLA_ASK_CONSTRAIN_RETRIEVED) {
        const char **in = malloc((b->n_calls + 1) * sizeof *in);
        if (!in) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        size_t n = 0;
        for (size_t i = 0; i < b->n_calls; i++)
            if (strstr(prompt, b->calls[i])) in[n++] = b->calls[i];
        gorilla_status st = n ? gorilla_call_constraint_new(b->tok, in, n, flags, own, err) : GORILLA_OK; /* none: free */
        free(in);
        if (st) return st;
        if (*own) {
            go->filter = gorilla_call_constraint_filter;
            go->filter_user = *own;
        }
    } else if (p->constrain) {
        return gorilla_fail(err, GORILLA_ERR_INVALID, "'constrain': unknown mode %d", p->constrain);
    }
    if (p->draft) {
        if (!b->lookup) {
            gorilla_status st =
                gorilla_lookup_new(b->tok, (const char *const *)b->calls, b->n_calls, &b->lookup, err);
            if (st) return st;
        }
        go->draft = gorilla_lookup_draft;
        go->draft_user = b->lookup;
    }
    return GORILLA_OK;
}

static gorilla_status llm_complete(void *ctx, const char *prompt, const gorilla_gen_params *p,
                                   gorilla_token_fn on_token, void *user, gorilla_gen_usage *usage,
                                   gorilla_error *err)
{
    llm_backend *b = ctx;
    gorilla_gen_params d;
    if (!p) {
        gorilla_gen_params_init(&d);
        p = &d;
    }
    memset(usage, 0, sizeof *usage);
    text_sink sink = {on_token, user};
    gorilla_generate_opts go;
    gorilla_generate_opts_init(&go);
    gorilla_generate_opts_from_params(&go, p);
    go.on_token = on_gen_token;
    go.user = &sink;
    gorilla_call_constraint *own = NULL;
    gorilla_status st = decoding_hooks(b, prompt, p, &go, &own, err);
    if (st) return st;
    gorilla_generate_result r;
    st = gorilla_generate_text(b->model, b->tok, prompt, &go, &r, err);
    gorilla_call_constraint_free(own);
    if (st == GORILLA_OK) {
        usage->prompt_tokens = (int)r.n_prompt;
        usage->completion_tokens = (int)r.n_tokens;
        usage->truncated = r.stop == GORILLA_GEN_STOP_MAX_TOKENS || r.stop == GORILLA_GEN_STOP_CONTEXT;
        usage->drafted = (int)r.n_drafted;
        usage->draft_accepted = (int)r.n_draft_accepted;
    }
    gorilla_generate_result_clear(&r);
    return st;
}

static void set_name(llm_backend *b, const char *model_path)
{
    const char *base = model_path ? strrchr(model_path, '/') : NULL;
    base = base ? base + 1 : model_path ? model_path : "model";
    snprintf(b->name, sizeof b->name, "%s", base);
    size_t n = strlen(b->name);
    if (n > 5 && !strcmp(b->name + n - 5, ".gguf")) b->name[n - 5] = '\0';
}

static void fill(llm_backend *b, gorilla_backend *out)
{
    out->ctx = b;
    out->model_name = b->name;
    out->complete = llm_complete;
    out->ask = NULL;
    out->release = llm_release;
    out->caps = GORILLA_BACKEND_CAN_DRAFT | (gorilla_lookup_wins(b->model) ? GORILLA_BACKEND_DRAFT_PAYS : 0u) |
                (b->cc_store ? GORILLA_BACKEND_CAN_CONSTRAIN : 0u);
}

gorilla_status gorilla_backend_llm_set_calls(gorilla_backend *out, const char *const *calls, size_t n_calls,
                                             gorilla_error *err)
{
    if (!out || out->complete != llm_complete || !out->ctx)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "constrained calls need a backend on a local model");
    llm_backend *b = out->ctx;
    free_calls(b);
    fill(b, out);
    b->calls = calloc(n_calls + 1, sizeof *b->calls);
    if (!b->calls) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n_calls; i++) {
        if (!calls[i] || !*calls[i]) continue;
        if (!(b->calls[b->n_calls] = strdup(calls[i]))) {
            free_calls(b);
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
        b->n_calls++;
    }
    gorilla_status st =
        gorilla_call_constraint_new(b->tok, (const char *const *)b->calls, b->n_calls, 0, &b->cc_store, err);
    if (st) {
        free_calls(b);
        return st;
    }
    fill(b, out);
    return GORILLA_OK;
}

gorilla_status gorilla_backend_llm_new(gorilla_model *model, const gorilla_tokenizer *tok, const char *model_path,
                                       gorilla_backend *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    if (!model || !tok) return gorilla_fail(err, GORILLA_ERR_INVALID, "backend: no model or tokenizer");
    llm_backend *b = calloc(1, sizeof *b);
    if (!b) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    b->model = model;
    b->tok = tok;
    set_name(b, model_path);
    fill(b, out);
    return GORILLA_OK;
}

gorilla_status gorilla_backend_llm_load(const char *model_path, const gorilla_model_opts *opts,
                                        gorilla_backend *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    llm_backend *b = calloc(1, sizeof *b);
    if (!b) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    gorilla_status st = gorilla_model_load(model_path, opts, &b->model, err);
    if (!st) {
        b->owns_model = 1;
        b->tok = gorilla_model_tokenizer(b->model);
        if (!b->tok) {
            const char *why = gorilla_model_tokenizer_error(b->model);
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no tokenizer: %s", model_path, why ? why : "no vocabulary");
        }
    }
    if (st) {
        llm_release(b);
        return st;
    }
    set_name(b, model_path);
    fill(b, out);
    return GORILLA_OK;
}
