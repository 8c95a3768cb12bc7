/* prefill.c — the forward pass over a batch of tokens at once.
 *
 * Tokens run in chunks of up to PREFILL_CHUNK; per layer the chunk's rows
 * go through llm_mm_batch together (each weight block loaded once per tile
 * of tokens), K and V are written straight into the cache, and attention
 * is causal over the cache (earlier positions) and the chunk itself. One
 * token is the same code with a batch of one (the single-token products).
 * The arithmetic per token is that of llm_forward in model.c. */
#include "llm/model/prefill.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/kernels/kernels.h"
#include "llm/model/matmul.h"
#include "llm/quant/quant.h"

#define PREFILL_CHUNK 256

static void rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
    float scale = (float)(1.0 / sqrt(ss / n + eps));
    for (int i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

/* Rotates adjacent pairs of the first n_rot dims of each head at pos. */
static void rope_at(const gorilla_model *m, float *v, int n_heads, int pos, float *cs)
{
    const llm_config *c = &m->cfg;
    size_t half = (size_t)c->n_rot / 2;
    double p = (double)pos * c->rope_scale;
    for (size_t i = 0; i < half; i++) {
        double th = p * m->s.inv_freq[i];
        cs[2 * i] = (float)cos(th);
        cs[2 * i + 1] = (float)sin(th);
    }
    for (int h = 0; h < n_heads; h++) {
        float *x = v + (size_t)h * c->head_dim;
        for (size_t i = 0; i < half; i++) {
            float co = cs[2 * i], si = cs[2 * i + 1];
            float a = x[2 * i], b = x[2 * i + 1];
            x[2 * i] = a * co - b * si;
            x[2 * i + 1] = a * si + b * co;
        }
    }
}

typedef struct {
    gorilla_model *m;
    int layer, pos0, nt;
    const float *q; /* [nt][n_embd] */
    float *out;     /* [nt][n_embd] */
} battn_job;

/* Heads [start, end) for every token of the chunk. */
static void battn_heads(void *ctx, size_t start, size_t end)
{
    const battn_job *j = ctx;
    const llm_config *c = &j->m->cfg;
    const llm_state *s = &j->m->s;
    int group = c->n_head / c->n_head_kv, hd = c->head_dim, E = c->n_embd;
    size_t layer_off = (size_t)j->layer * c->n_ctx * c->kv_dim;
    float scale = 1.0f / sqrtf((float)hd);
    const llm_kernels *kn = llm_kernels_active();
    float *att = malloc((size_t)(j->pos0 + j->nt) * sizeof *att);
    if (!att) abort();
    for (size_t h = start; h < end; h++) {
        size_t kvh = h / (size_t)group;
        const float *kbase = s->k_cache + layer_off + kvh * hd, *vbase = s->v_cache + layer_off + kvh * hd;
        for (int t = 0; t < j->nt; t++) {
            const float *q = j->q + (size_t)t * E + h * hd;
            kn->attn(q, kbase, vbase, c->kv_dim, j->pos0 + t + 1, hd, scale, att, j->out + (size_t)t * E + h * hd);
        }
    }
    free(att);
}

typedef struct {
    float *x, *xb, *xb2, *q, *hb, *hb2, *cs;
} batch_bufs;

typedef struct {
    float *g;
    const float *u;
} silu_job;

static void silu_range(void *ctx, size_t start, size_t end)
{
    const silu_job *j = ctx;
    llm_kernels_active()->silu(j->g + start, j->u + start, end - start);
}

static void chunk_forward(gorilla_model *m, const batch_bufs *B, const int32_t *tokens, int nt, int pos0,
                          int want_logits, float *logits_all)
{
    const llm_config *c = &m->cfg;
    llm_weights *w = &m->w;
    llm_state *s = &m->s;
    size_t E = (size_t)c->n_embd, FF = (size_t)c->n_ff, KV = (size_t)c->kv_dim;

    for (int t = 0; t < nt; t++)
        dequantize_row(w->tok_embd.type, w->tok_embd.data + (size_t)tokens[t] * w->tok_embd.row_bytes, B->x + t * E,
                       E);

    for (int l = 0; l < c->n_layer; l++) {
        llm_layer *L = &w->layers[l];
        size_t cache_off = ((size_t)l * c->n_ctx + (size_t)pos0) * KV;
        float *k = s->k_cache + cache_off, *v = s->v_cache + cache_off;

        for (int t = 0; t < nt; t++) rmsnorm(B->xb + t * E, B->x + t * E, L->attn_norm, (int)E, c->rms_eps);
        const llm_matrix *qkv[3] = {&L->wq, &L->wk, &L->wv};
        float *qkv_out[3] = {B->q, k, v};
        size_t qkv_ld[3] = {E, KV, KV};
        if (nt == 1) llm_mm_vec(m->pool, 3, qkv, B->xb, qkv_out);
        else llm_mm_batch(m->pool, 3, qkv, B->xb, E, (size_t)nt, qkv_out, qkv_ld);
        for (int t = 0; t < nt; t++) {
            rope_at(m, B->q + t * E, c->n_head, pos0 + t, B->cs);
            rope_at(m, k + t * KV, c->n_head_kv, pos0 + t, B->cs);
        }

        battn_job aj = {m, l, pos0, nt, B->q, B->xb};
        llm_pool_run(m->pool, battn_heads, &aj, (size_t)c->n_head);
        const llm_matrix *wo = &L->wo;
        if (nt == 1) llm_mm_vec(m->pool, 1, &wo, B->xb, &B->xb2);
        else llm_mm_batch(m->pool, 1, &wo, B->xb, E, (size_t)nt, &B->xb2, NULL);
        for (size_t i = 0; i < (size_t)nt * E; i++) B->x[i] += B->xb2[i];

        for (int t = 0; t < nt; t++) rmsnorm(B->xb + t * E, B->x + t * E, L->ffn_norm, (int)E, c->rms_eps);
        const llm_matrix *gu[2] = {&L->w_gate, &L->w_up};
        float *gu_out[2] = {B->hb, B->hb2};
        if (nt == 1) llm_mm_vec(m->pool, 2, gu, B->xb, gu_out);
        else llm_mm_batch(m->pool, 2, gu, B->xb, E, (size_t)nt, gu_out, NULL);
        silu_job sj = {B->hb, B->hb2};
        if (nt == 1) silu_range(&sj, 0, FF);
        else llm_pool_run(m->pool, silu_range, &sj, (size_t)nt * FF);
        const llm_matrix *wd = &L->w_down;
        if (nt == 1) llm_mm_vec(m->pool, 1, &wd, B->hb, &B->xb);
        else llm_mm_batch(m->pool, 1, &wd, B->hb, FF, (size_t)nt, &B->xb, NULL);
        for (size_t i = 0; i < (size_t)nt * E; i++) B->x[i] += B->xb[i];
    }

    if (logits_all) {
        size_t V = (size_t)c->n_vocab;
        for (int t = 0; t < nt; t++) rmsnorm(B->x + t * E, B->x + t * E, w->out_norm, (int)E, c->rms_eps);
        const llm_matrix *out = &w->output;
        if (nt == 1) llm_mm_vec(m->pool, 1, &out, B->x, &logits_all);
        else llm_mm_batch(m->pool, 1, &out, B->x, E, (size_t)nt, &logits_all, &V);
        if (want_logits) memcpy(s->logits, logits_all + (size_t)(nt - 1) * V, V * sizeof *s->logits);
        return;
    }
    if (!want_logits) return;
    float *last = B->x + (size_t)(nt - 1) * E;
    rmsnorm(last, last, w->out_norm, (int)E, c->rms_eps);
    const llm_matrix *out = &w->output;
    llm_mm_vec(m->pool, 1, &out, last, &s->logits);
}

int llm_forward_batch(gorilla_model *m, const int32_t *tokens, int n, int pos, int want_logits, float *logits_all)
{
    const llm_config *c = &m->cfg;
    int chunk = n < PREFILL_CHUNK ? n : PREFILL_CHUNK;
    if (chunk < 1) return 0;
    size_t E = (size_t)c->n_embd, FF = (size_t)c->n_ff, C = (size_t)chunk;
    batch_bufs B;
    B.x = malloc(C * E * sizeof(float));
    B.xb = malloc(C * E * sizeof(float));
    B.xb2 = malloc(C * E * sizeof(float));
    B.q = malloc(C * E * sizeof(float));
    B.hb = malloc(C * FF * sizeof(float));
    B.hb2 = malloc(C * FF * sizeof(float));
    B.cs = malloc(((size_t)c->n_rot + 2) * sizeof(float));
    int rc = 0;
    if (!B.x || !B.xb || !B.xb2 || !B.q || !B.hb || !B.hb2 || !B.cs) {
        rc = -1;
    } else {
        for (int done = 0; done < n; done += chunk) {
            int nt = n - done < chunk ? n - done : chunk;
            chunk_forward(m, &B, tokens + done, nt, pos + done, want_logits && done + nt == n,
                          logits_all ? logits_all + (size_t)done * (size_t)c->n_vocab : NULL);
        }
    }
    free(B.x);
    free(B.xb);
    free(B.xb2);
    free(B.q);
    free(B.hb);
    free(B.hb2);
    free(B.cs);
    return rc;
}
