/* forward.c — the one forward pass, for the LLaMA, MPT and Falcon
 * architectures:
 *
 *   x = embed(token)                                    for every token
 *   for each layer:
 *       h   = norm(x) * attn_norm (+ b)       LLaMA RMSNorm; MPT, Falcon LayerNorm
 *       q,k,v = Wq h, Wk h, Wv h (+ b)        MPT, Falcon: row ranges of one fused Wqkv
 *       MPT: clamp q, k, v to +-clamp_kqv (when set)
 *       rope(q), rope(k)                      LLaMA adjacent pairs; Falcon NeoX; MPT none
 *       cache k, v at pos
 *       a   = Wo attention(q, cached k, v) (+ b)   causal; GQA/MQA: kv head = head / group;
 *                                                  MPT: ALiBi bias -slope_h * distance
 *       LLaMA:  x += a; h = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate h) * (Wup h))
 *       MPT:    x += a; h = layernorm(x) * ffn_norm (+ b); x += Wdown gelu(Wup h + b) + b
 *       Falcon: x += a + Wdown gelu(Wup h)     (parallel: the MLP reads the same h;
 *                                               with attn_norm_2 (40B style) the attention
 *                                               reads layernorm(x) * attn_norm_2 instead)
 *   logits = Woutput (norm(x) * output_norm (+ b))
 *
 * RoPE "normal" (llama.cpp's LLaMA mode) rotates pairs (2i, 2i+1) of each
 * head by pos * base^(-2i/n_rot); "NeoX" (Falcon) rotates pairs (i, i +
 * n_rot/2) by the same angles. GELU is ggml's tanh form (see gelu below).
 *
 * Tokens run in chunks of up to s.chunk rows. Per layer a chunk's rows go
 * through each product together (llm_mm: each weight block loaded once per
 * tile of tokens), K and V are written straight into the cache, and
 * attention is causal over the cache (earlier positions) and the chunk
 * itself. Decoding one token is the same code with a chunk of one. Every
 * buffer is the model's run state (model.h), allocated at load. The
 * per-element blocks (norms, rope, GELU, clamp, biases) are plain C shared
 * by every kernel set, so every set gives the same bits. */
#include "llm/model/forward.h"

#include <math.h>
#include <string.h>

#include "llm/kernels/kernels.h"
#include "llm/model/matmul.h"
#include "llm/quant/quant.h"

void llm_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
    float scale = (float)(1.0 / sqrt(ss / n + eps));
    for (int i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

void llm_layernorm(float *out, const float *x, const float *w, const float *b, int n, float eps)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += ((double)x[i] - mean) * ((double)x[i] - mean);
    double scale = 1.0 / sqrt(var / n + eps);
    for (int i = 0; i < n; i++) {
        float y = (float)(((double)x[i] - mean) * scale) * w[i];
        out[i] = b ? y + b[i] : y;
    }
}

float llm_gelu(float x)
{
    double t = x;
    return (float)(0.5 * t * (1.0 + tanh(0.79788456080286535588 * (t + 0.044715 * t * t * t))));
}

void llm_rope(const llm_config *c, const double *inv_freq, float *v, int n_heads, int pos, float *cs)
{
    size_t half = (size_t)c->n_rot / 2;
    double p = (double)pos * c->rope_scale;
    for (size_t i = 0; i < half; i++) {
        double th = p * inv_freq[i];
        cs[2 * i] = (float)cos(th);
        cs[2 * i + 1] = (float)sin(th);
    }
    if (c->rope == LLM_ROPE_NEOX) {
        for (int h = 0; h < n_heads; h++) {
            float *x = v + (size_t)h * c->head_dim;
            for (size_t i = 0; i < half; i++) {
                float co = cs[2 * i], si = cs[2 * i + 1];
                float a = x[i], b = x[i + half];
                x[i] = a * co - b * si;
                x[i + half] = a * si + b * co;
            }
        }
        return;
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
    const gorilla_model *m;
    int layer, pos0, nt;
    const float *q; /* [nt][n_embd] */
    float *out;     /* [nt][n_embd] */
} attn_job;

/* Heads [start, end) for every token of the chunk: token t attends to
 * positions 0..pos0 + t, softmax(q.k / sqrt(head_dim) - slope_h * (pos0 +
 * t - p)) . v (slope 0 but for MPT's ALiBi). */
static void attention_heads(void *ctx, size_t start, size_t end, int thread)
{
    const attn_job *j = ctx;
    const llm_config *c = &j->m->cfg;
    const llm_state *s = &j->m->s;
    const llm_kernels *kn = &j->m->kn;
    int group = c->n_head / c->n_head_kv, hd = c->head_dim, E = c->n_embd;
    size_t layer_off = (size_t)j->layer * c->n_ctx * c->kv_dim;
    float scale = 1.0f / sqrtf((float)hd);
    float *att = s->att + (size_t)thread * c->n_ctx;
    for (size_t h = start; h < end; h++) {
        size_t kvh = h / (size_t)group;
        float slope = s->alibi ? s->alibi[h] : 0.0f;
        const float *kbase = s->k_cache + layer_off + kvh * hd, *vbase = s->v_cache + layer_off + kvh * hd;
        for (int t = 0; t < j->nt; t++) {
            const float *q = j->q + (size_t)t * E + h * hd;
            kn->attn(kn, q, kbase, vbase, c->kv_dim, j->pos0 + t + 1, hd, scale, slope, att, j->out + (size_t)t * E + h * hd);
        }
    }
}

static void attention(const gorilla_model *m, int layer, int pos0, int nt, const float *q, float *out)
{
    attn_job j = {m, layer, pos0, nt, q, out};
    llm_pool_run(m->pool, attention_heads, &j, (size_t)m->cfg.n_head);
}

typedef struct {
    const llm_kernels *kn;
    float *g;
    const float *u;
} silu_job;

static void silu_range(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const silu_job *j = ctx;
    j->kn->silu(j->g + start, j->u + start, end - start);
}

/* g = silu(g) * u over n floats. */
static void silu_mul(const gorilla_model *m, float *g, const float *u, size_t n, int nt)
{
    silu_job j = {&m->kn, g, u};
    if (nt == 1) silu_range(&j, 0, n, 0);
    else llm_pool_run(m->pool, silu_range, &j, n);
}

typedef struct {
    float *g;
} gelu_job;

static void gelu_range(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const gelu_job *j = ctx;
    for (size_t i = start; i < end; i++) j->g[i] = llm_gelu(j->g[i]);
}

/* g = gelu(g) over n floats. */
static void gelu(const gorilla_model *m, float *g, size_t n, int nt)
{
    gelu_job j = {g};
    if (nt == 1) gelu_range(&j, 0, n, 0);
    else llm_pool_run(m->pool, gelu_range, &j, n);
}

/* out_t = W x_t for the nt rows of x (row length ldx, out rows ldo). */
static void matmul(const gorilla_model *m, const llm_matrix *w, const float *x, size_t ldx, int nt, float *out,
                   size_t ldo)
{
    llm_mm(&m->s.mm, 1, &w, x, ldx, (size_t)nt, &out, &ldo);
}

static void add(float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* row_t += b for the nt rows of n floats (row stride ld); nothing when b
 * is NULL. */
static void add_bias(float *x, size_t ld, const float *b, size_t n, int nt)
{
    if (!b) return;
    for (int t = 0; t < nt; t++) add(x + (size_t)t * ld, b, n);
}

/* x clamped to [-c, c] over the nt rows of n floats (row stride ld). */
static void clamp_rows(float *x, size_t ld, size_t n, int nt, float c)
{
    for (int t = 0; t < nt; t++)
        for (size_t i = 0; i < n; i++) {
            float *v = x + (size_t)t * ld + i;
            *v = *v > c ? c : *v < -c ? -c : *v;
        }
}

/* x_t = the embedding row of tokens[t]. */
static void embed(const gorilla_model *m, const int32_t *tokens, int nt, float *x)
{
    const llm_matrix *te = &m->w.tok_embd;
    size_t E = (size_t)m->cfg.n_embd;
    for (int t = 0; t < nt; t++) dequantize_row(te->type, te->data + (size_t)tokens[t] * te->row_bytes, x + t * E, E);
}

/* out_t = rmsnorm(x_t) * w for the nt rows. */
static void rmsnorm_rows(const gorilla_model *m, float *out, const float *x, const float *w, int nt)
{
    size_t E = (size_t)m->cfg.n_embd;
    for (int t = 0; t < nt; t++) llm_rmsnorm(out + t * E, x + t * E, w, m->cfg.n_embd, m->cfg.rms_eps);
}

/* out_t = layernorm(x_t) * w + b for the nt rows (b may be NULL). */
static void layernorm_rows(const gorilla_model *m, float *out, const float *x, const float *w, const float *b, int nt)
{
    size_t E = (size_t)m->cfg.n_embd;
    for (int t = 0; t < nt; t++) llm_layernorm(out + t * E, x + t * E, w, b, m->cfg.n_embd, m->cfg.rms_eps);
}

/* LLaMA: nt tokens at positions pos0.. (nt <= s.chunk) through every
 * layer. */
static void llama_layers(gorilla_model *m, int nt, int pos0)
{
    const llm_config *c = &m->cfg;
    const llm_weights *w = &m->w;
    llm_state *s = &m->s;
    size_t E = (size_t)c->n_embd, FF = (size_t)c->n_ff, KV = (size_t)c->kv_dim;
    for (int l = 0; l < c->n_layer; l++) {
        const llm_layer *L = &w->layers[l];
        /* this chunk's rows of the layer's K and V cache */
        size_t cache_off = ((size_t)l * c->n_ctx + (size_t)pos0) * KV;
        float *k = s->k_cache + cache_off, *v = s->v_cache + cache_off;

        /* h = rmsnorm(x) * attn_norm; q, k, v = Wq h, Wk h, Wv h */
        rmsnorm_rows(m, s->xb, s->x, L->attn_norm, nt);
        const llm_matrix *qkv[3] = {&L->wq, &L->wk, &L->wv};
        float *qkv_out[3] = {s->q, k, v};
        size_t qkv_ld[3] = {E, KV, KV};
        llm_mm(&s->mm, 3, qkv, s->xb, E, (size_t)nt, qkv_out, qkv_ld);
        /* rope(q), rope(k) */
        for (int t = 0; t < nt; t++) {
            llm_rope(c, s->inv_freq, s->q + t * E, c->n_head, pos0 + t, s->cs);
            llm_rope(c, s->inv_freq, k + t * KV, c->n_head_kv, pos0 + t, s->cs);
        }
        /* x += Wo attention(q, cached k, v) */
        attention(m, l, pos0, nt, s->q, s->xb);
        matmul(m, &L->wo, s->xb, E, nt, s->xb2, E);
        add(s->x, s->xb2, (size_t)nt * E);

        /* h = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate h) * (Wup h)) */
        rmsnorm_rows(m, s->xb, s->x, L->ffn_norm, nt);
        const llm_matrix *gu[2] = {&L->w_gate, &L->w_up};
        float *gu_out[2] = {s->hb, s->hb2};
        size_t gu_ld[2] = {FF, FF};
        llm_mm(&s->mm, 2, gu, s->xb, E, (size_t)nt, gu_out, gu_ld);
        silu_mul(m, s->hb, s->hb2, (size_t)nt * FF, nt);
        matmul(m, &L->w_down, s->hb, FF, nt, s->xb, E);
        add(s->x, s->xb, (size_t)nt * E);
    }
}

/* MPT and Falcon: nt tokens at positions pos0.. through every layer. */
static void ln_layers(gorilla_model *m, int nt, int pos0)
{
    const llm_config *c = &m->cfg;
    const llm_weights *w = &m->w;
    llm_state *s = &m->s;
    size_t E = (size_t)c->n_embd, FF = (size_t)c->n_ff, KV = (size_t)c->kv_dim;
    int falcon = c->arch == LLM_ARCH_FALCON;
    for (int l = 0; l < c->n_layer; l++) {
        const llm_layer *L = &w->layers[l];
        size_t cache_off = ((size_t)l * c->n_ctx + (size_t)pos0) * KV;
        float *k = s->k_cache + cache_off, *v = s->v_cache + cache_off;

        /* h = layernorm(x) * attn_norm + b; q, k, v = the fused Wqkv h + b
         * (Falcon, parallel: up = Wup h in the same pass; Falcon-40B
         * style files, as llama.cpp reads them: the attention reads its
         * own layernorm(x) * attn_norm_2 + b, the MLP h) */
        layernorm_rows(m, s->xb, s->x, L->attn_norm, L->attn_norm_b, nt);
        const llm_matrix *mats[4] = {&L->wq, &L->wk, &L->wv, &L->w_up};
        float *outs[4] = {s->q, k, v, s->hb};
        size_t lds[4] = {E, KV, KV, FF};
        if (falcon && L->attn_norm_2) {
            matmul(m, &L->w_up, s->xb, E, nt, s->hb, FF);
            layernorm_rows(m, s->xb2, s->x, L->attn_norm_2, L->attn_norm_2_b, nt);
            llm_mm(&s->mm, 3, mats, s->xb2, E, (size_t)nt, outs, lds);
        } else {
            llm_mm(&s->mm, falcon ? 4 : 3, mats, s->xb, E, (size_t)nt, outs, lds);
        }
        if (L->bqkv) {
            add_bias(s->q, E, L->bqkv, E, nt);
            add_bias(k, KV, L->bqkv + E, KV, nt);
            add_bias(v, KV, L->bqkv + E + KV, KV, nt);
        }
        if (c->clamp_kqv > 0) {
            clamp_rows(s->q, E, E, nt, c->clamp_kqv);
            clamp_rows(k, KV, KV, nt, c->clamp_kqv);
            clamp_rows(v, KV, KV, nt, c->clamp_kqv);
        }
        if (c->rope != LLM_ROPE_NONE)
            for (int t = 0; t < nt; t++) {
                llm_rope(c, s->inv_freq, s->q + t * E, c->n_head, pos0 + t, s->cs);
                llm_rope(c, s->inv_freq, k + t * KV, c->n_head_kv, pos0 + t, s->cs);
            }
        /* a = Wo attention(q, cached k, v) + b */
        attention(m, l, pos0, nt, s->q, s->xb);
        matmul(m, &L->wo, s->xb, E, nt, s->xb2, E);
        add_bias(s->xb2, E, L->bo, E, nt);
        add(s->x, s->xb2, (size_t)nt * E);

        /* MPT: h = layernorm(x) * ffn_norm + b, up = Wup h */
        if (!falcon) {
            layernorm_rows(m, s->xb, s->x, L->ffn_norm, L->ffn_norm_b, nt);
            matmul(m, &L->w_up, s->xb, E, nt, s->hb, FF);
        }
        /* x += Wdown gelu(up + b) + b */
        add_bias(s->hb, FF, L->b_up, FF, nt);
        gelu(m, s->hb, (size_t)nt * FF, nt);
        matmul(m, &L->w_down, s->hb, FF, nt, s->xb, E);
        add_bias(s->xb, E, L->b_down, E, nt);
        add(s->x, s->xb, (size_t)nt * E);
    }
}

/* nt tokens at positions pos0.. (nt <= s.chunk); logits as llm_forward's
 * for this chunk. */
static void chunk_forward(gorilla_model *m, const int32_t *tokens, int nt, int pos0, float *logits, int all)
{
    const llm_config *c = &m->cfg;
    const llm_weights *w = &m->w;
    llm_state *s = &m->s;
    size_t E = (size_t)c->n_embd, V = (size_t)c->n_vocab;

    embed(m, tokens, nt, s->x);
    if (c->arch == LLM_ARCH_LLAMA) llama_layers(m, nt, pos0);
    else ln_layers(m, nt, pos0);
    if (!logits) return;

    /* logits = Woutput (norm(x) * output_norm (+ b)): every row, or the last */
    int first = all ? 0 : nt - 1;
    float *x = s->x + (size_t)first * E;
    if (c->arch == LLM_ARCH_LLAMA) rmsnorm_rows(m, x, x, w->out_norm, nt - first);
    else layernorm_rows(m, x, x, w->out_norm, w->out_norm_b, nt - first);
    matmul(m, &w->output, x, E, nt - first, logits, V);
}

void llm_forward(gorilla_model *m, const int32_t *tokens, int n, int pos, float *logits, int all)
{
    int chunk = m->s.chunk;
    size_t V = (size_t)m->cfg.n_vocab;
    for (int done = 0; done < n; done += chunk) {
        int nt = n - done < chunk ? n - done : chunk;
        float *lg = NULL;
        if (logits && all) lg = logits + (size_t)done * V;
        else if (logits && done + nt == n) lg = logits;
        chunk_forward(m, tokens + done, nt, pos + done, lg, all);
    }
}
