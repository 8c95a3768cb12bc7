/* generate.c — the one generation loop (gorilla_generate): prompt tokens
 * in, kept tokens out through a callback, with stop strings, the
 * end-of-generation token, incremental UTF-8-safe detokenization, usage
 * counts and timing.
 *
 * A step, and where later work plugs in:
 *
 *   propose_draft   the draft provider's guesses (speculative decoding),
 *                   run with the last kept token in one batched pass
 *                   (gorilla_model_eval) by run_batch
 *   pick_token      the logits filter (constrained decoding), then the
 *                   sampler
 *   keep_token      end of generation, text, stop strings, the callback
 *
 * Verification is greedy-exact: a draft token is kept only while it is
 * the token the sampler picks from the model's logits at its position, so
 * the output does not depend on the drafts (only the work done does). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "gorilla.h"
#include "llm/model/model.h"

#define DEFAULT_MAX_TOKENS 128
#define DEFAULT_MAX_DRAFT 4
#define MAX_DRAFT_LIMIT 64

void gorilla_gen_params_init(gorilla_gen_params *p)
{
    memset(p, 0, sizeof *p);
    p->max_tokens = DEFAULT_MAX_TOKENS;
    p->temperature = 0.0f;
    p->top_p = 1.0f;
    p->top_k = 0;
    p->seed = 42;
    p->draft = 1;
}

void gorilla_generate_opts_init(gorilla_generate_opts *o)
{
    memset(o, 0, sizeof *o);
    gorilla_sampler_params_init(&o->sampler);
    o->max_tokens = DEFAULT_MAX_TOKENS;
    o->max_draft = DEFAULT_MAX_DRAFT;
}

void gorilla_generate_opts_from_params(gorilla_generate_opts *o, const gorilla_gen_params *p)
{
    o->max_tokens = p->max_tokens > 0 ? p->max_tokens : DEFAULT_MAX_TOKENS;
    o->sampler.temperature = p->temperature;
    o->sampler.top_k = p->top_k > 0 ? p->top_k : 0;
    o->sampler.top_p = p->top_p > 0 && p->top_p < 1 ? p->top_p : 1.0f;
    o->sampler.min_p = 0.0f;
    o->sampler.repeat_penalty = 1.0f;
    o->sampler.seed = p->seed;
    o->stop = p->stop;
    o->n_stop = p->n_stop;
}

void gorilla_generate_result_clear(gorilla_generate_result *r)
{
    if (!r) return;
    free(r->tokens);
    free(r->text);
    memset(r, 0, sizeof *r);
    r->stop_index = -1;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* One generation's state. seq = prompt, then the kept tokens; text = the
 * kept tokens' pieces, of which text[0..safe) went to the callback. */
typedef struct {
    gorilla_model *m;
    const gorilla_tokenizer *tok;
    const gorilla_generate_opts *o;
    gorilla_generate_result *r;
    gorilla_sampler *smp;
    size_t V;
    int n_ctx;
    size_t max_tokens, max_draft;
    int32_t *seq;
    size_t n_seq, n_prompt;
    char *text;
    size_t len, cap, safe;
    float *logits;     /* [V] after the last token run */
    float *logits_all; /* [1 + max_draft][V] after each token of a batch */
    int32_t *batch;    /* [1 + max_draft]: the last kept token, then the guesses */
} gen;

/* --- The model: the calls later work replaces ------------------------ */

/* Runs the prompt (reusing the model's cached prefix) into g->logits. */
static gorilla_status run_prompt(gen *g, const int32_t *prompt, size_t n, gorilla_error *err)
{
    gorilla_status st = gorilla_model_prompt(g->m, prompt, n, 0, g->logits, err);
    /* the prefix cache's count, until the model API reports it */
    if (!st) g->r->n_reused = (size_t)(g->m->n_reused > 0 ? g->m->n_reused : 0);
    return st;
}

/* Runs tokens[0..n) at positions pos..pos+n-1 in one batched pass,
 * writing the logits after each into g->logits_all[i*V..] (one token: a
 * plain forward, bit for bit the same). */
static gorilla_status run_batch(gen *g, const int32_t *tokens, size_t n, int pos, gorilla_error *err)
{
    if (n == 1) return gorilla_model_forward(g->m, tokens[0], pos, g->logits_all, err);
    return gorilla_model_eval(g->m, tokens, n, pos, g->logits_all, err);
}

/* --- The step ------------------------------------------------------- */

static int is_eog(const gen *g, int32_t t)
{
    return g->tok ? gorilla_tokenizer_is_eog(g->tok, t) : t == gorilla_model_eos(g->m);
}

static gorilla_status append_text(gen *g, const char *p, size_t n, gorilla_error *err)
{
    if (g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 256;
        while (cap < g->len + n + 1) cap *= 2;
        char *t = realloc(g->text, cap);
        if (!t) return gorilla_fail(err, GORILLA_ERR_NOMEM, "generate: out of memory");
        g->text = t;
        g->cap = cap;
    }
    memcpy(g->text + g->len, p, n);
    g->len += n;
    g->text[g->len] = '\0';
    return GORILLA_OK;
}

/* Filters the logits (when a filter is set), then samples a token. */
static gorilla_status pick_token(gen *g, float *logits, int32_t *t, gorilla_error *err)
{
    const gorilla_generate_opts *o = g->o;
    if (o->filter) {
        gorilla_status st = o->filter(o->filter_user, g->seq + g->n_prompt, g->n_seq - g->n_prompt,
                                      g->text ? g->text : "", g->len, logits, g->V, err);
        if (st) return st;
    }
    gorilla_status st = gorilla_sampler_sample(g->smp, logits, g->V, t, err);
    if (st) return st;
    gorilla_sampler_accept(g->smp, *t);
    return GORILLA_OK;
}

/* Hands text[safe..upto) to the callback with token t; 1: it says stop. */
static int deliver(gen *g, int32_t t, size_t upto)
{
    const gorilla_generate_opts *o = g->o;
    size_t from = g->safe;
    g->safe = upto;
    if (!o->on_token) return 0;
    return o->on_token(o->user, t, g->text ? g->text + from : "", upto - from) != 0;
}

/* Keeps token t (or ends the generation at it): its piece, stop strings,
 * the callback, max_tokens. Sets *done and r->stop when this ends it. */
static gorilla_status keep_token(gen *g, int32_t t, int *done, gorilla_error *err)
{
    gorilla_generate_result *r = g->r;
    const gorilla_generate_opts *o = g->o;
    if (is_eog(g, t)) {
        r->stop = GORILLA_GEN_STOP_EOG;
        *done = 1;
        return GORILLA_OK;
    }
    g->seq[g->n_seq++] = t;
    r->n_tokens++;
    size_t plen = 0;
    const char *piece = g->tok ? gorilla_tokenizer_piece(g->tok, t, &plen) : NULL;
    if (piece && plen) {
        gorilla_status st = append_text(g, piece, plen, err);
        if (st) return st;
    }
    size_t upto = g->len;
    if (o->n_stop && g->len > g->safe) {
        /* no stop string starts before `safe` (the held-back tail was at
         * least the longest suffix that could begin one) */
        size_t which = 0, hold = 0;
        long at = gorilla_stop_find(g->text + g->safe, g->len - g->safe, o->stop, o->n_stop, &which, &hold);
        if (at >= 0) {
            size_t cut = g->safe + (size_t)at;
            g->len = cut;
            g->text[cut] = '\0';
            r->stop = GORILLA_GEN_STOP_STRING;
            r->stop_index = (long)which;
            *done = 1;
            deliver(g, t, cut);
            return GORILLA_OK;
        }
        upto = g->len - hold;
    }
    size_t tail = g->len ? gorilla_utf8_incomplete_tail(g->text, g->len) : 0;
    if (g->len - tail < upto) upto = g->len - tail;
    if (upto < g->safe) upto = g->safe;
    if (deliver(g, t, upto)) {
        r->stop = GORILLA_GEN_STOP_CALLBACK;
        *done = 1;
    } else if (r->n_tokens >= g->max_tokens) {
        r->stop = GORILLA_GEN_STOP_MAX_TOKENS;
        *done = 1;
    }
    return GORILLA_OK;
}

/* Asks the draft provider for guesses of the tokens after seq (whose
 * last token, at pos, has not been run yet) into g->batch[1..]; returns
 * how many (0: no draft this step). */
static size_t propose_draft(gen *g, int pos)
{
    const gorilla_generate_opts *o = g->o;
    if (!o->draft || !g->max_draft) return 0;
    size_t left = g->max_tokens - g->r->n_tokens; /* tokens still to keep */
    if (left < 2) return 0;                       /* the last token needs no guess */
    size_t kmax = g->max_draft;
    if (kmax > left - 1) kmax = left - 1;
    if (pos + 1 >= g->n_ctx) return 0;
    if (kmax > (size_t)(g->n_ctx - pos - 1)) kmax = (size_t)(g->n_ctx - pos - 1);
    if (kmax == 0) return 0;
    size_t k = o->draft(o->draft_user, g->seq, g->n_seq, g->batch + 1, kmax);
    if (k > kmax) k = kmax;
    for (size_t i = 0; i < k; i++) /* an invalid guess ends the draft there */
        if (g->batch[1 + i] < 0 || (size_t)g->batch[1 + i] >= g->V) k = i;
    g->r->n_drafted += k;
    return k;
}

/* The loop. Each step runs the last kept token (at pos) together with the
 * draft's guesses of the ones after it in one batched pass, then picks
 * from each row while the picks equal the guesses. */
static gorilla_status run(gen *g, gorilla_error *err)
{
    gorilla_generate_result *r = g->r;
    int done = 0;
    int32_t t = -1;
    gorilla_status st = pick_token(g, g->logits, &t, err); /* after the prompt */
    if (!st) st = keep_token(g, t, &done, err);
    if (st || done) return st;
    int pos = (int)g->n_prompt; /* where t goes */
    for (;;) {
        if (pos >= g->n_ctx) {
            r->stop = GORILLA_GEN_STOP_CONTEXT;
            return GORILLA_OK;
        }
        g->batch[0] = t;
        size_t k = propose_draft(g, pos);
        if ((st = run_batch(g, g->batch, k + 1, pos, err))) return st;
        r->n_decode += k + 1;
        size_t j = 0;
        for (;; j++) {
            if ((st = pick_token(g, g->logits_all + j * g->V, &t, err))) return st;
            if ((st = keep_token(g, t, &done, err))) return st;
            if (done) return GORILLA_OK;
            if (j < k && t == g->batch[1 + j]) { /* a right guess: already run */
                r->n_draft_accepted++;
                continue;
            }
            break;
        }
        pos += (int)j + 1; /* t goes after the accepted guesses */
    }
}

static void gen_free(gen *g)
{
    gorilla_sampler_free(g->smp);
    free(g->seq);
    free(g->text);
    free(g->logits);
    free(g->logits_all);
    free(g->batch);
}

gorilla_status gorilla_generate(gorilla_model *model, const gorilla_tokenizer *tok, const int32_t *prompt,
                                size_t n_prompt, const gorilla_generate_opts *opts, gorilla_generate_result *out,
                                gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    out->stop_index = -1;
    if (!model || !opts || (n_prompt && !prompt))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "generate: missing argument");
    int n_ctx = gorilla_model_n_ctx(model);
    if (n_prompt == 0) return gorilla_fail(err, GORILLA_ERR_INVALID, "the prompt is empty");
    if (n_prompt >= (size_t)n_ctx)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "the prompt has %zu tokens; the context holds %d", n_prompt,
                            n_ctx);
    gen g;
    memset(&g, 0, sizeof g);
    g.m = model;
    g.tok = tok;
    g.o = opts;
    g.r = out;
    g.V = (size_t)gorilla_model_n_vocab(model);
    g.n_ctx = n_ctx;
    g.max_tokens = opts->max_tokens >= 0 ? (size_t)opts->max_tokens : DEFAULT_MAX_TOKENS;
    g.max_draft = opts->draft ? (opts->max_draft < MAX_DRAFT_LIMIT ? opts->max_draft : MAX_DRAFT_LIMIT) : 0;
    g.n_prompt = n_prompt;
    out->n_prompt = n_prompt;
    g.seq = malloc((n_prompt + g.max_tokens) * sizeof *g.seq);
    g.logits = malloc(g.V * sizeof *g.logits);
    g.logits_all = malloc((1 + g.max_draft) * g.V * sizeof *g.logits_all);
    g.batch = malloc((1 + g.max_draft) * sizeof *g.batch);
    gorilla_status st = GORILLA_OK;
    if (!g.seq || !g.logits || !g.logits_all || !g.batch)
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "generate: out of memory");
    if (!st) st = gorilla_sampler_new(&opts->sampler, g.V, &g.smp, err);
    if (!st) {
        memcpy(g.seq, prompt, n_prompt * sizeof *prompt);
        g.n_seq = n_prompt;
        for (size_t i = 0; i < n_prompt; i++) gorilla_sampler_accept(g.smp, prompt[i]);
        double t0 = now_ms();
        st = run_prompt(&g, prompt, n_prompt, err);
        double t1 = now_ms();
        out->prefill_ms = t1 - t0;
        if (!st && g.max_tokens == 0) out->stop = GORILLA_GEN_STOP_MAX_TOKENS; /* the prompt alone */
        else if (!st) st = run(&g, err);
        out->decode_ms = now_ms() - t1;
    }
    if (!st && out->stop != GORILLA_GEN_STOP_STRING && out->stop != GORILLA_GEN_STOP_CALLBACK && g.len > g.safe)
        deliver(&g, -1, g.len); /* what was held back is final now */
    if (!st) {
        /* the kept tokens move to the front of seq, which becomes r->tokens */
        memmove(g.seq, g.seq + n_prompt, out->n_tokens * sizeof *g.seq);
        out->tokens = g.seq;
        g.seq = NULL;
        if (!g.text && (g.text = malloc(1))) g.text[0] = '\0';
        if (!g.text) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "generate: out of memory");
        out->text = g.text;
        out->text_len = g.len;
        g.text = NULL;
    }
    gen_free(&g);
    return st;
}

gorilla_status gorilla_generate_text(gorilla_model *model, const gorilla_tokenizer *tok, const char *text,
                                     const gorilla_generate_opts *opts, gorilla_generate_result *out,
                                     gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    out->stop_index = -1;
    if (!tok || !text) return gorilla_fail(err, GORILLA_ERR_INVALID, "generate: no tokenizer or text");
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_status st = gorilla_tokenizer_encode(tok, text, strlen(text), 1, 0, &ids, &n, err);
    if (!st) st = gorilla_generate(model, tok, ids, n, opts, out, err);
    free(ids);
    return st;
}
