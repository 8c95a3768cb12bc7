/* backend_llm.c — the server backend on a local GGUF model: tokenize the
 * prompt, run it, sample up to max_tokens tokens (stopping at end of
 * generation or the context end) and hand out complete UTF-8 text. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "gorilla.h"

typedef struct {
    gorilla_model *model;
    gorilla_tokenizer *tok;
    float *logits;
    int n_vocab;
    char name[256];
} llm_backend;

static void llm_release(void *ctx)
{
    llm_backend *b = ctx;
    if (!b) return;
    gorilla_tokenizer_free(b->tok);
    gorilla_model_free(b->model);
    free(b->logits);
    free(b);
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
    int32_t *ids = NULL;
    size_t n_ids = 0;
    gorilla_status st = gorilla_tokenizer_encode(b->tok, prompt, strlen(prompt), 1, 0, &ids, &n_ids, err);
    if (st) return st;
    int n_ctx = gorilla_model_n_ctx(b->model);
    if (n_ids == 0) {
        free(ids);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "the prompt is empty");
    }
    if (n_ids >= (size_t)n_ctx) {
        free(ids);
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "the prompt has %zu tokens; the context holds %d", n_ids, n_ctx);
    }
    usage->prompt_tokens = (int)n_ids;
    gorilla_sampler_params sp;
    gorilla_sampler_params_init(&sp);
    sp.temperature = p->temperature;
    sp.top_k = p->top_k > 0 ? p->top_k : 0;
    sp.top_p = p->top_p > 0 && p->top_p < 1 ? p->top_p : 1.0f;
    sp.min_p = 0.0f;
    sp.repeat_penalty = 1.0f;
    sp.seed = p->seed;
    gorilla_sampler *smp = NULL;
    char *text = NULL;
    size_t text_len = 0, text_cap = 0, sent = 0;
    st = gorilla_sampler_new(&sp, (size_t)b->n_vocab, &smp, err);
    if (!st) {
        for (size_t i = 0; i < n_ids; i++) gorilla_sampler_accept(smp, ids[i]);
        st = gorilla_model_prompt(b->model, ids, n_ids, 0, b->logits, err);
    }
    int pos = (int)n_ids;
    int max = p->max_tokens > 0 ? p->max_tokens : 128;
    while (!st) {
        if (usage->completion_tokens >= max || pos >= n_ctx) {
            usage->truncated = 1;
            break;
        }
        int32_t t;
        st = gorilla_sampler_sample(smp, b->logits, (size_t)b->n_vocab, &t, err);
        if (st || gorilla_tokenizer_is_eog(b->tok, t)) break;
        gorilla_sampler_accept(smp, t);
        usage->completion_tokens++;
        size_t plen = 0;
        const char *piece = gorilla_tokenizer_piece(b->tok, t, &plen);
        if (piece && plen) {
            if (!text || text_len + plen + 1 > text_cap) {
                size_t cap = text_cap ? text_cap * 2 : 256;
                while (cap < text_len + plen + 1) cap *= 2;
                char *nt = realloc(text, cap);
                if (!nt) {
                    st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                    break;
                }
                text = nt;
                text_cap = cap;
            }
            memcpy(text + text_len, piece, plen);
            text_len += plen;
            size_t upto = text_len - gorilla_utf8_incomplete_tail(text, text_len);
            if (upto > sent) {
                int stop = on_token(user, text + sent, upto - sent);
                sent = upto;
                if (stop) break;
            }
        }
        if (pos + 1 > n_ctx) {
            usage->truncated = 1;
            break;
        }
        st = gorilla_model_forward(b->model, t, pos, b->logits, err);
        pos++;
    }
    if (!st && text_len > sent) on_token(user, text + sent, text_len - sent);
    free(text);
    free(ids);
    gorilla_sampler_free(smp);
    return st;
}

gorilla_status gorilla_backend_llm_load(const char *model_path, const gorilla_model_opts *opts,
                                        gorilla_backend *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    llm_backend *b = calloc(1, sizeof *b);
    if (!b) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    gorilla_status st = gorilla_model_load(model_path, opts, &b->model, err);
    if (!st) st = gorilla_tokenizer_load_gguf(model_path, &b->tok, err);
    if (!st) {
        b->n_vocab = gorilla_model_n_vocab(b->model);
        b->logits = malloc((size_t)b->n_vocab * sizeof *b->logits);
        if (!b->logits) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (st) {
        llm_release(b);
        return st;
    }
    const char *base = strrchr(model_path, '/');
    base = base ? base + 1 : model_path;
    snprintf(b->name, sizeof b->name, "%s", base);
    size_t n = strlen(b->name);
    if (n > 5 && !strcmp(b->name + n - 5, ".gguf")) b->name[n - 5] = '\0';
    out->ctx = b;
    out->model_name = b->name;
    out->complete = llm_complete;
    out->ask = NULL;
    out->release = llm_release;
    return GORILLA_OK;
}
