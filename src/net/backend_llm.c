/* backend_llm.c — the server backend on a local GGUF model: the request's
 * parameters over the one generation loop (gorilla_generate), its text
 * streamed to the server as it becomes final (complete UTF-8, never the
 * start of a stop string that may still complete). */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "gorilla.h"

typedef struct {
    gorilla_model *model;
    const gorilla_tokenizer *tok;
    int owns_model; /* the backend loaded it (and so its tokenizer) */
    char name[256];
} llm_backend;

static void llm_release(void *ctx)
{
    llm_backend *b = ctx;
    if (!b) return;
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
    gorilla_generate_result r;
    gorilla_status st = gorilla_generate_text(b->model, b->tok, prompt, &go, &r, err);
    if (st == GORILLA_OK) {
        usage->prompt_tokens = (int)r.n_prompt;
        usage->completion_tokens = (int)r.n_tokens;
        usage->truncated = r.stop == GORILLA_GEN_STOP_MAX_TOKENS || r.stop == GORILLA_GEN_STOP_CONTEXT;
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
