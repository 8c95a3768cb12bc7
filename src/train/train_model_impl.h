/* train_model_impl.h — the layers and the model, for one REAL (float or
 * double); compiled by train_model_f32.c and train_model_f64.c, which
 * first define REAL, TR_SFX and the three linear-layer products
 * mm_forward / mm_backward_dinp / mm_backward_dw. No include guard on
 * purpose. Shapes as in train_layers_decl.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define TRN_CAT2(a, b) a##_##b
#define TRN_CAT(a, b) TRN_CAT2(a, b)
#define TRN(x) TRN_CAT(x, TR_SFX)

/* Runs fn over [0, n) on the pool (or here when there is none). */
static void par_run(const tr_ctx *cx, llm_pool_fn fn, void *ctx, size_t n)
{
    if (cx && cx->pool && n > 1) llm_pool_run(cx->pool, fn, ctx, n);
    else if (n) fn(ctx, 0, n, 0);
}

/* ---- token embedding --------------------------------------------------- */

void TRN(tr_embed_forward)(REAL *out, const int32_t *tokens, const REAL *wte, size_t N, size_t C)
{
    for (size_t n = 0; n < N; n++) memcpy(out + n * C, wte + (size_t)tokens[n] * C, C * sizeof(REAL));
}

void TRN(tr_embed_backward)(REAL *dwte, const REAL *dout, const int32_t *tokens, size_t N, size_t C)
{
    for (size_t n = 0; n < N; n++) {
        REAL *d = dwte + (size_t)tokens[n] * C;
        const REAL *g = dout + n * C;
        for (size_t i = 0; i < C; i++) d[i] += g[i];
    }
}

/* ---- RMSNorm ------------------------------------------------------------
 * y_i = x_i r w_i, r = (sum x^2 / C + eps)^-1/2 (the sum in double, as the
 * engine). dr/dx_j = -r^3 x_j / C, so
 * dx_j = r (dy_j w_j - x_j r^2 sum_i(dy_i w_i x_i) / C). */

void TRN(tr_rmsnorm_forward)(REAL *out, REAL *rstd, const REAL *inp, const REAL *w, size_t N, size_t C, float eps)
{
    for (size_t n = 0; n < N; n++) {
        const REAL *x = inp + n * C;
        REAL *y = out + n * C;
        double ss = 0;
        for (size_t i = 0; i < C; i++) ss += (double)x[i] * x[i];
        REAL r = (REAL)(1.0 / sqrt(ss / (double)C + eps));
        rstd[n] = r;
        for (size_t i = 0; i < C; i++) y[i] = x[i] * r * w[i];
    }
}

void TRN(tr_rmsnorm_backward)(REAL *dinp, REAL *dw, const REAL *dout, const REAL *inp, const REAL *w,
                              const REAL *rstd, size_t N, size_t C)
{
    for (size_t n = 0; n < N; n++) {
        const REAL *x = inp + n * C, *dy = dout + n * C;
        REAL *dx = dinp + n * C;
        REAL r = rstd[n];
        double dot = 0;
        for (size_t i = 0; i < C; i++) dot += (double)dy[i] * w[i] * x[i];
        REAL k = (REAL)(dot / (double)C) * r * r;
        for (size_t i = 0; i < C; i++) {
            dx[i] += r * (dy[i] * w[i] - x[i] * k);
            dw[i] += dy[i] * x[i] * r;
        }
    }
}

/* ---- linear layers (the products come from the including file) ---------- */

void TRN(tr_matmul_forward)(const tr_ctx *cx, REAL *out, const REAL *inp, const REAL *w, size_t N, size_t C,
                            size_t OC)
{
    mm_forward(cx, out, inp, w, N, C, OC);
}

void TRN(tr_matmul_backward)(const tr_ctx *cx, REAL *dinp, REAL *dw, const REAL *dout, const REAL *inp,
                             const REAL *w, size_t N, size_t C, size_t OC, int acc_dinp)
{
    if (dinp) mm_backward_dinp(cx, dinp, dout, w, N, C, OC, acc_dinp);
    if (dw) mm_backward_dw(cx, dw, dout, inp, N, C, OC);
}

/* ---- RoPE ------------------------------------------------------------------
 * (a, b) -> (a cos - b sin, a sin + b cos); its inverse (transpose) takes
 * the gradient back: (da, db) -> (da cos + db sin, -da sin + db cos). */

void TRN(tr_rope_table)(REAL *cs, int T, int hd, float base)
{
    int half = hd / 2;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < half; i++) {
            double th = (double)t * pow((double)base, -2.0 * i / hd);
            cs[((size_t)t * half + i) * 2] = (REAL)cos(th);
            cs[((size_t)t * half + i) * 2 + 1] = (REAL)sin(th);
        }
}

static void rope_rows(REAL *x, const REAL *cs, size_t N, int T, int n_head, int hd, int inverse)
{
    size_t half = (size_t)hd / 2;
    for (size_t n = 0; n < N; n++) {
        const REAL *c = cs + (n % (size_t)T) * half * 2;
        for (int h = 0; h < n_head; h++) {
            REAL *v = x + (n * (size_t)n_head + (size_t)h) * (size_t)hd;
            for (size_t i = 0; i < half; i++) {
                REAL co = c[2 * i], si = inverse ? -c[2 * i + 1] : c[2 * i + 1];
                REAL a = v[2 * i], b = v[2 * i + 1];
                v[2 * i] = a * co - b * si;
                v[2 * i + 1] = a * si + b * co;
            }
        }
    }
}

void TRN(tr_rope_forward)(REAL *x, const REAL *cs, size_t N, int T, int n_head, int hd)
{
    rope_rows(x, cs, N, T, n_head, hd, 0);
}

void TRN(tr_rope_backward)(REAL *dx, const REAL *cs, size_t N, int T, int n_head, int hd)
{
    rope_rows(dx, cs, N, T, n_head, hd, 1);
}

/* ---- attention ----------------------------------------------------------------
 * Per sequence b and head h: s[t][u] = q_t . k_u / sqrt(hd) for u <= t,
 * p = softmax_u(s), out_t = sum_u p[t][u] v_u. Backward:
 * dv_u += p dout_t; dp = dout_t . v_u; ds = p (dp - sum_u p dp);
 * dq_t += ds k_u / sqrt(hd); dk_u += ds q_t / sqrt(hd). Work items are
 * (sequence, KV head) pairs so each dk/dv row has one writer. */

typedef struct {
    REAL *out, *att, *dq, *dk, *dv, *datt, *scratch;
    const REAL *q, *k, *v, *dout, *patt;
    int B, T, NH, NKV, hd;
} attn_job;

#ifndef TR_ATTN_FWD
static void attn_fwd_items(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const attn_job *j = ctx;
    int T = j->T, hd = j->hd, group = j->NH / j->NKV;
    size_t C = (size_t)j->NH * hd, KV = (size_t)j->NKV * hd;
    REAL scale = (REAL)(1.0 / sqrt((double)hd));
    for (size_t it = start; it < end; it++) {
        size_t b = it / (size_t)j->NKV, kvh = it % (size_t)j->NKV;
        for (int g = 0; g < group; g++) {
            size_t h = kvh * (size_t)group + (size_t)g;
            for (int t = 0; t < T; t++) {
                const REAL *q = j->q + (b * T + (size_t)t) * C + h * hd;
                REAL *p = j->att + ((b * j->NH + h) * T + (size_t)t) * T;
                REAL mx = -INFINITY;
                for (int u = 0; u <= t; u++) {
                    const REAL *k = j->k + (b * T + (size_t)u) * KV + kvh * hd;
                    REAL d = 0;
                    for (int i = 0; i < hd; i++) d += q[i] * k[i];
                    p[u] = d * scale;
                    if (p[u] > mx) mx = p[u];
                }
                REAL sum = 0;
                for (int u = 0; u <= t; u++) {
                    p[u] = (REAL)exp(p[u] - mx);
                    sum += p[u];
                }
                REAL inv = 1 / sum;
                for (int u = 0; u <= t; u++) p[u] *= inv;
                for (int u = t + 1; u < T; u++) p[u] = 0;
                REAL *o = j->out + (b * T + (size_t)t) * C + h * hd;
                for (int i = 0; i < hd; i++) o[i] = 0;
                for (int u = 0; u <= t; u++) {
                    const REAL *v = j->v + (b * T + (size_t)u) * KV + kvh * hd;
                    REAL a = p[u];
                    for (int i = 0; i < hd; i++) o[i] += a * v[i];
                }
            }
        }
    }
}

#endif

void TRN(tr_attention_forward)(const tr_ctx *cx, REAL *out, REAL *att, REAL *scratch, const REAL *q, const REAL *k,
                               const REAL *v, int B, int T, int NH, int NKV, int hd)
{
    attn_job j = {.out = out, .att = att, .scratch = scratch, .q = q, .k = k, .v = v, .B = B, .T = T, .NH = NH, .NKV = NKV, .hd = hd};
#ifdef TR_ATTN_FWD
    par_run(cx, TR_ATTN_FWD, &j, (size_t)B * NH);
#else
    par_run(cx, attn_fwd_items, &j, (size_t)B * NKV);
#endif
}

#ifndef TR_ATTN_BWD
static void attn_bwd_items(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const attn_job *j = ctx;
    int T = j->T, hd = j->hd, group = j->NH / j->NKV;
    size_t C = (size_t)j->NH * hd, KV = (size_t)j->NKV * hd;
    REAL scale = (REAL)(1.0 / sqrt((double)hd));
    for (size_t it = start; it < end; it++) {
        size_t b = it / (size_t)j->NKV, kvh = it % (size_t)j->NKV;
        for (int u = 0; u < T; u++) {
            memset(j->dk + (b * T + (size_t)u) * KV + kvh * hd, 0, (size_t)hd * sizeof(REAL));
            memset(j->dv + (b * T + (size_t)u) * KV + kvh * hd, 0, (size_t)hd * sizeof(REAL));
        }
        for (int g = 0; g < group; g++) {
            size_t h = kvh * (size_t)group + (size_t)g;
            for (int t = 0; t < T; t++) {
                const REAL *p = j->patt + ((b * j->NH + h) * T + (size_t)t) * T;
                REAL *dp = j->datt + ((b * j->NH + h) * T + (size_t)t) * T;
                const REAL *dout = j->dout + (b * T + (size_t)t) * C + h * hd;
                const REAL *q = j->q + (b * T + (size_t)t) * C + h * hd;
                REAL *dq = j->dq + (b * T + (size_t)t) * C + h * hd;
                REAL pdp = 0;
                for (int u = 0; u <= t; u++) {
                    const REAL *v = j->v + (b * T + (size_t)u) * KV + kvh * hd;
                    REAL *dv = j->dv + (b * T + (size_t)u) * KV + kvh * hd;
                    REAL d = 0;
                    for (int i = 0; i < hd; i++) {
                        d += dout[i] * v[i];
                        dv[i] += p[u] * dout[i];
                    }
                    dp[u] = d;
                    pdp += p[u] * d;
                }
                for (int i = 0; i < hd; i++) dq[i] = 0;
                for (int u = 0; u <= t; u++) {
                    REAL ds = p[u] * (dp[u] - pdp) * scale;
                    const REAL *k = j->k + (b * T + (size_t)u) * KV + kvh * hd;
                    REAL *dk = j->dk + (b * T + (size_t)u) * KV + kvh * hd;
                    for (int i = 0; i < hd; i++) {
                        dq[i] += ds * k[i];
                        dk[i] += ds * q[i];
                    }
                }
            }
        }
    }
}

#endif

void TRN(tr_attention_backward)(const tr_ctx *cx, REAL *dq, REAL *dk, REAL *dv, REAL *datt, REAL *scratch,
                                const REAL *dout, const REAL *att, const REAL *q, const REAL *k, const REAL *v, int B,
                                int T, int NH, int NKV, int hd)
{
    attn_job j = {.dq = dq, .dk = dk, .dv = dv, .datt = datt, .scratch = scratch, .dout = dout, .patt = att, .q = q, .k = k, .v = v,
                  .B = B, .T = T, .NH = NH, .NKV = NKV, .hd = hd};
#ifdef TR_ATTN_BWD
    par_run(cx, TR_ATTN_BWD, &j, (size_t)B * NKV);
#else
    par_run(cx, attn_bwd_items, &j, (size_t)B * NKV);
#endif
}

/* ---- SwiGLU ---------------------------------------------------------------------
 * a = g / (1 + e^-g) * u; d silu/dg = s (1 + g (1 - s)), s = sigmoid(g). */

void TRN(tr_swiglu_forward)(REAL *out, const REAL *gate, const REAL *up, size_t N)
{
    for (size_t i = 0; i < N; i++) {
        REAL g = gate[i];
        out[i] = g / (1 + (REAL)exp(-g)) * up[i];
    }
}

void TRN(tr_swiglu_backward)(REAL *dgate, REAL *dup, const REAL *dout, const REAL *gate, const REAL *up, size_t N)
{
    for (size_t i = 0; i < N; i++) {
        REAL g = gate[i], s = 1 / (1 + (REAL)exp(-g));
        dup[i] = dout[i] * g * s;
        dgate[i] = dout[i] * up[i] * s * (1 + g * (1 - s));
    }
}

/* ---- cross-entropy --------------------------------------------------------------- */

typedef struct {
    REAL *p;
    const int32_t *targets;
    const uint8_t *mask;
    size_t V;
    double scale;
    double *loss; /* per row */
} ce_job;

static void ce_fwd_rows(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const ce_job *j = ctx;
    for (size_t n = start; n < end; n++) {
        REAL *p = j->p + n * j->V;
        REAL mx = p[0];
        for (size_t i = 1; i < j->V; i++) mx = p[i] > mx ? p[i] : mx;
        double sum = 0;
        for (size_t i = 0; i < j->V; i++) {
            p[i] = (REAL)exp(p[i] - mx);
            sum += p[i];
        }
        REAL inv = (REAL)(1.0 / sum);
        for (size_t i = 0; i < j->V; i++) p[i] *= inv;
        j->loss[n] = j->mask[n] ? -log((double)p[j->targets[n]]) : 0.0;
    }
}

double TRN(tr_crossentropy_forward)(const tr_ctx *cx, REAL *logits, const int32_t *targets, const uint8_t *mask,
                                    size_t N, size_t V)
{
    double *loss = calloc(N ? N : 1, sizeof *loss);
    if (!loss) return NAN;
    ce_job j = {.p = logits, .targets = targets, .mask = mask, .V = V, .loss = loss};
    par_run(cx, ce_fwd_rows, &j, N);
    double total = 0;
    for (size_t n = 0; n < N; n++) total += loss[n];
    free(loss);
    return total;
}

static void ce_bwd_rows(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const ce_job *j = ctx;
    for (size_t n = start; n < end; n++) {
        REAL *p = j->p + n * j->V;
        if (!j->mask[n]) {
            memset(p, 0, j->V * sizeof(REAL));
            continue;
        }
        REAL s = (REAL)j->scale;
        for (size_t i = 0; i < j->V; i++) p[i] *= s;
        p[j->targets[n]] -= s;
    }
}

void TRN(tr_crossentropy_backward)(const tr_ctx *cx, REAL *probs, const int32_t *targets, const uint8_t *mask,
                                   size_t N, size_t V, double scale)
{
    ce_job j = {.p = probs, .targets = targets, .mask = mask, .V = V, .scale = scale};
    par_run(cx, ce_bwd_rows, &j, N);
}

/* ---- the model ------------------------------------------------------------------ */

gorilla_status TRN(tr_acts_new)(TRN(tr_acts) *a, const tr_layout *lay, int B, int T, gorilla_error *err)
{
    memset(a, 0, sizeof *a);
    const tr_config *c = &lay->cfg;
    a->lay = lay;
    a->B = B;
    a->T = T;
    size_t BT = (size_t)B * T, C = (size_t)c->n_embd, L = (size_t)c->n_layer, FF = (size_t)c->n_ff;
    size_t hd = C / (size_t)c->n_head, KV = hd * (size_t)c->n_head_kv, V = (size_t)c->n_vocab;
    size_t ATT = (size_t)B * c->n_head * T * T, R = (size_t)c->lora_rank, W = FF > C ? FF : C;
    REAL **bufs[] = {&a->lora_h, &a->lora_t, &a->lora_d, &a->cs, &a->x, &a->h1, &a->rstd1, &a->q, &a->k, &a->v, &a->att, &a->atty, &a->xmid,
                     &a->h2, &a->rstd2, &a->gate, &a->up, &a->act, &a->hf, &a->rstdf, &a->logits,
                     &a->dres, &a->dh, &a->dq, &a->dk, &a->dv, &a->datty, &a->datt, &a->dgate, &a->dup, &a->dact};
    size_t sizes[] = {L * TR_PER_LAYER * BT * R, R ? BT * W : 0, BT * R, (size_t)T * hd, (L + 1) * BT * C, L * BT * C, L * BT, L * BT * C, L * BT * KV, L * BT * KV,
                      L * ATT, L * BT * C, L * BT * C, L * BT * C, L * BT, L * BT * FF, L * BT * FF, L * BT * FF,
                      BT * C, BT, BT * V, BT * C, BT * C, BT * C, BT * KV, BT * KV, BT * C, ATT, BT * FF, BT * FF,
                      BT * FF};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        *bufs[i] = calloc(sizes[i] ? sizes[i] : 1, sizeof(REAL));
        if (!*bufs[i]) {
            TRN(tr_acts_free)(a);
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory for the activations (%d x %d tokens)", B, T);
        }
    }
    TRN(tr_rope_table)(a->cs, T, (int)hd, c->rope_base);
    return GORILLA_OK;
}

void TRN(tr_acts_free)(TRN(tr_acts) *a)
{
    REAL *bufs[] = {a->lora_h, a->lora_t, a->lora_d, a->cs, a->x, a->h1, a->rstd1, a->q, a->k, a->v, a->att, a->atty, a->xmid,
                    a->h2, a->rstd2, a->gate, a->up, a->act, a->hf, a->rstdf, a->logits,
                    a->dres, a->dh, a->dq, a->dk, a->dv, a->datty, a->datt, a->dgate, a->dup, a->dact};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    memset(a, 0, sizeof *a);
}

#define PT(i) (params + lay->t[(i)].off)
#define GT(i) (grads + lay->t[(i)].off)

/* Layer l's matrix `which` [OC][C] on inp[N][C]: out = inp W^T, plus
 * (alpha / rank) (inp A^T) B^T when LoRA targets it (inp A^T kept). */
static void lin_forward(const tr_ctx *cx, TRN(tr_acts) *a, const REAL *params, int l, int which, REAL *out,
                        const REAL *inp, size_t N, size_t C, size_t OC)
{
    const tr_layout *lay = a->lay;
    TRN(tr_matmul_forward)(cx, out, inp, PT(tr_layer_tensor(lay, l, which)), N, C, OC);
    size_t ai = lay->lora[(size_t)l * TR_PER_LAYER + (size_t)which];
    if (!ai) return;
    size_t R = (size_t)lay->cfg.lora_rank;
    REAL s = (REAL)(lay->cfg.lora_alpha / lay->cfg.lora_rank);
    REAL *h = a->lora_h + ((size_t)l * TR_PER_LAYER + (size_t)which) * N * R;
    TRN(tr_matmul_forward)(cx, h, inp, PT(ai), N, C, R);
    TRN(tr_matmul_forward)(cx, a->lora_t, h, PT(ai + 1), N, R, OC);
    for (size_t i = 0; i < N * OC; i++) out[i] += s * a->lora_t[i];
}

/* Its backward: dinp (= or += by acc), dW unless frozen (LoRA on), and
 * with LoRA dB += s dout^T h, dh = s dout B, dA += dh^T inp, dinp += dh A. */
static void lin_backward(const tr_ctx *cx, TRN(tr_acts) *a, const REAL *params, REAL *grads, int l, int which,
                         REAL *dinp, const REAL *dout, const REAL *inp, size_t N, size_t C, size_t OC, int acc)
{
    const tr_layout *lay = a->lay;
    size_t wi = tr_layer_tensor(lay, l, which);
    int frozen = lay->cfg.lora_rank > 0;
    TRN(tr_matmul_backward)(cx, dinp, frozen ? NULL : GT(wi), dout, inp, PT(wi), N, C, OC, acc);
    size_t ai = lay->lora[(size_t)l * TR_PER_LAYER + (size_t)which];
    if (!ai) return;
    size_t R = (size_t)lay->cfg.lora_rank;
    REAL s = (REAL)(lay->cfg.lora_alpha / lay->cfg.lora_rank);
    const REAL *h = a->lora_h + ((size_t)l * TR_PER_LAYER + (size_t)which) * N * R;
    for (size_t i = 0; i < N * R; i++) a->lora_d[i] = s * h[i];
    TRN(tr_matmul_backward)(cx, NULL, GT(ai + 1), dout, a->lora_d, PT(ai + 1), N, R, OC, 0);
    TRN(tr_matmul_backward)(cx, a->lora_d, NULL, dout, NULL, PT(ai + 1), N, R, OC, 0);
    for (size_t i = 0; i < N * R; i++) a->lora_d[i] *= s;
    TRN(tr_matmul_backward)(cx, dinp, GT(ai), a->lora_d, inp, PT(ai), N, C, R, 1);
}

double TRN(tr_model_forward)(const tr_ctx *cx, TRN(tr_acts) *a, const REAL *params, const int32_t *tokens,
                             const int32_t *targets, const uint8_t *mask)
{
    const tr_layout *lay = a->lay;
    const tr_config *c = &lay->cfg;
    size_t BT = (size_t)a->B * a->T, C = (size_t)c->n_embd, FF = (size_t)c->n_ff, V = (size_t)c->n_vocab;
    int hd = c->n_embd / c->n_head;
    size_t KV = (size_t)hd * c->n_head_kv, ATT = (size_t)a->B * c->n_head * a->T * a->T;

    TRN(tr_embed_forward)(a->x, tokens, PT(0), BT, C);
    for (int l = 0; l < c->n_layer; l++) {
        size_t L = (size_t)l;
        const REAL *x = a->x + L * BT * C;
        REAL *h1 = a->h1 + L * BT * C, *q = a->q + L * BT * C, *k = a->k + L * BT * KV, *v = a->v + L * BT * KV;
        REAL *att = a->att + L * ATT, *atty = a->atty + L * BT * C, *xmid = a->xmid + L * BT * C;
        REAL *h2 = a->h2 + L * BT * C, *gate = a->gate + L * BT * FF, *up = a->up + L * BT * FF;
        REAL *act = a->act + L * BT * FF, *xout = a->x + (L + 1) * BT * C;

        TRN(tr_rmsnorm_forward)(h1, a->rstd1 + L * BT, x, PT(tr_layer_tensor(lay, l, TR_ATTN_NORM)), BT, C,
                                c->rms_eps);
        lin_forward(cx, a, params, l, TR_WQ, q, h1, BT, C, C);
        lin_forward(cx, a, params, l, TR_WK, k, h1, BT, C, KV);
        lin_forward(cx, a, params, l, TR_WV, v, h1, BT, C, KV);
        TRN(tr_rope_forward)(q, a->cs, BT, a->T, c->n_head, hd);
        TRN(tr_rope_forward)(k, a->cs, BT, a->T, c->n_head_kv, hd);
        TRN(tr_attention_forward)(cx, atty, att, a->dq, q, k, v, a->B, a->T, c->n_head, c->n_head_kv, hd);
        lin_forward(cx, a, params, l, TR_WO, xmid, atty, BT, C, C);
        for (size_t i = 0; i < BT * C; i++) xmid[i] += x[i];

        TRN(tr_rmsnorm_forward)(h2, a->rstd2 + L * BT, xmid, PT(tr_layer_tensor(lay, l, TR_FFN_NORM)), BT, C,
                                c->rms_eps);
        lin_forward(cx, a, params, l, TR_GATE, gate, h2, BT, C, FF);
        lin_forward(cx, a, params, l, TR_UP, up, h2, BT, C, FF);
        TRN(tr_swiglu_forward)(act, gate, up, BT * FF);
        lin_forward(cx, a, params, l, TR_DOWN, xout, act, BT, FF, C);
        for (size_t i = 0; i < BT * C; i++) xout[i] += xmid[i];
    }
    size_t on = 1 + (size_t)TR_PER_LAYER * c->n_layer;
    TRN(tr_rmsnorm_forward)(a->hf, a->rstdf, a->x + (size_t)c->n_layer * BT * C, PT(on), BT, C, c->rms_eps);
    TRN(tr_matmul_forward)(cx, a->logits, a->hf, c->tied ? PT(0) : PT(on + 1), BT, C, V);
    if (!targets) return 0;
    return TRN(tr_crossentropy_forward)(cx, a->logits, targets, mask, BT, V);
}

void TRN(tr_model_backward)(const tr_ctx *cx, TRN(tr_acts) *a, const REAL *params, REAL *grads,
                            const int32_t *tokens, const int32_t *targets, const uint8_t *mask, double scale)
{
    const tr_layout *lay = a->lay;
    const tr_config *c = &lay->cfg;
    size_t BT = (size_t)a->B * a->T, C = (size_t)c->n_embd, FF = (size_t)c->n_ff, V = (size_t)c->n_vocab;
    int hd = c->n_embd / c->n_head;
    size_t KV = (size_t)hd * c->n_head_kv, ATT = (size_t)a->B * c->n_head * a->T * a->T;
    size_t on = 1 + (size_t)TR_PER_LAYER * c->n_layer;

    TRN(tr_crossentropy_backward)(cx, a->logits, targets, mask, BT, V, scale);
    REAL *dlogits = a->logits;
    int frozen = c->lora_rank > 0;
    TRN(tr_matmul_backward)(cx, a->dh, frozen ? NULL : c->tied ? GT(0) : GT(on + 1), dlogits, a->hf, c->tied ? PT(0) : PT(on + 1),
                            BT, C, V, 0);
    memset(a->dres, 0, BT * C * sizeof(REAL));
    TRN(tr_rmsnorm_backward)(a->dres, GT(on), a->dh, a->x + (size_t)c->n_layer * BT * C, PT(on), a->rstdf, BT, C);

    for (int l = c->n_layer - 1; l >= 0; l--) {
        size_t L = (size_t)l;
        const REAL *x = a->x + L * BT * C;
        const REAL *h1 = a->h1 + L * BT * C, *q = a->q + L * BT * C, *k = a->k + L * BT * KV;
        const REAL *v = a->v + L * BT * KV, *att = a->att + L * ATT, *atty = a->atty + L * BT * C;
        const REAL *xmid = a->xmid + L * BT * C, *h2 = a->h2 + L * BT * C, *gate = a->gate + L * BT * FF;
        const REAL *up = a->up + L * BT * FF, *act = a->act + L * BT * FF;
        size_t ti = tr_layer_tensor(lay, l, 0);

        /* MLP: dres is d(x_out) = d(xmid) through the residual. */
        lin_backward(cx, a, params, grads, l, TR_DOWN, a->dact, a->dres, act, BT, FF, C, 0);
        TRN(tr_swiglu_backward)(a->dgate, a->dup, a->dact, gate, up, BT * FF);
        lin_backward(cx, a, params, grads, l, TR_GATE, a->dh, a->dgate, h2, BT, C, FF, 0);
        lin_backward(cx, a, params, grads, l, TR_UP, a->dh, a->dup, h2, BT, C, FF, 1);
        TRN(tr_rmsnorm_backward)(a->dres, GT(ti + TR_FFN_NORM), a->dh, xmid, PT(ti + TR_FFN_NORM),
                                 a->rstd2 + L * BT, BT, C);

        /* Attention: dres is now d(xmid) = d(x) through the residual. */
        lin_backward(cx, a, params, grads, l, TR_WO, a->datty, a->dres, atty, BT, C, C, 0);
        TRN(tr_attention_backward)(cx, a->dq, a->dk, a->dv, a->datt, a->dh, a->datty, att, q, k, v, a->B, a->T, c->n_head,
                                   c->n_head_kv, hd);
        TRN(tr_rope_backward)(a->dq, a->cs, BT, a->T, c->n_head, hd);
        TRN(tr_rope_backward)(a->dk, a->cs, BT, a->T, c->n_head_kv, hd);
        lin_backward(cx, a, params, grads, l, TR_WQ, a->dh, a->dq, h1, BT, C, C, 0);
        lin_backward(cx, a, params, grads, l, TR_WK, a->dh, a->dk, h1, BT, C, KV, 1);
        lin_backward(cx, a, params, grads, l, TR_WV, a->dh, a->dv, h1, BT, C, KV, 1);
        TRN(tr_rmsnorm_backward)(a->dres, GT(ti + TR_ATTN_NORM), a->dh, x, PT(ti + TR_ATTN_NORM),
                                 a->rstd1 + L * BT, BT, C);
    }
    if (!frozen) TRN(tr_embed_backward)(GT(0), a->dres, tokens, BT, C);
}

#undef PT
#undef GT
#undef TRN
#undef TRN_CAT
#undef TRN_CAT2
