/* llm_reference.h — a naive double-precision LLaMA forward pass for tests.
 * Weights are dequantized from the same GGUF tensors the engine uses (so a
 * quantized model is compared on identical weights), then every step runs
 * in double. */
#ifndef GORILLA_TEST_LLM_REFERENCE_H
#define GORILLA_TEST_LLM_REFERENCE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf/gguf.h"
#include "llm/model/model.h"
#include "llm/quant/quant.h"

typedef struct {
    llm_config c;
    double *embd, *out_norm, *output;
    double *rope_ff; /* rope_freqs.weight or NULL */
    struct {
        double *attn_norm, *ffn_norm, *wq, *wk, *wv, *wo, *gate, *up, *down;
    } *L;
    double *kc, *vc; /* [layer][pos][kv_dim] */
} ref_model;

static inline double *ref_tensor(const gorilla_model *m, const char *name)
{
    const gguf_tensor *t = gguf_find_tensor(m->file, name);
    if (!t) return NULL;
    size_t n = (size_t)t->n_elems;
    float *f = malloc(n * sizeof *f);
    double *d = malloc(n * sizeof *d);
    dequantize_row(t->type, t->data, f, n);
    for (size_t i = 0; i < n; i++) d[i] = f[i];
    free(f);
    return d;
}

static inline void ref_build(ref_model *r, const gorilla_model *m)
{
    memset(r, 0, sizeof *r);
    r->c = m->cfg;
    r->embd = ref_tensor(m, "token_embd.weight");
    r->out_norm = ref_tensor(m, "output_norm.weight");
    r->rope_ff = ref_tensor(m, "rope_freqs.weight");
    r->output = ref_tensor(m, "output.weight");
    if (!r->output) r->output = ref_tensor(m, "token_embd.weight");
    r->L = calloc((size_t)r->c.n_layer, sizeof *r->L);
    for (int l = 0; l < r->c.n_layer; l++) {
        char nm[64];
#define RT(field, s) (snprintf(nm, sizeof nm, "blk.%d." s ".weight", l), r->L[l].field = ref_tensor(m, nm))
        RT(attn_norm, "attn_norm");
        RT(ffn_norm, "ffn_norm");
        RT(wq, "attn_q");
        RT(wk, "attn_k");
        RT(wv, "attn_v");
        RT(wo, "attn_output");
        RT(gate, "ffn_gate");
        RT(up, "ffn_up");
        RT(down, "ffn_down");
#undef RT
    }
    size_t cache = (size_t)r->c.n_layer * r->c.n_ctx * r->c.kv_dim;
    r->kc = calloc(cache, sizeof(double));
    r->vc = calloc(cache, sizeof(double));
}

static inline void ref_free(ref_model *r)
{
    free(r->embd);
    free(r->out_norm);
    free(r->rope_ff);
    free(r->output);
    for (int l = 0; l < r->c.n_layer; l++) {
        free(r->L[l].attn_norm); free(r->L[l].ffn_norm); free(r->L[l].wq); free(r->L[l].wk);
        free(r->L[l].wv); free(r->L[l].wo); free(r->L[l].gate); free(r->L[l].up); free(r->L[l].down);
    }
    free(r->L);
    free(r->kc);
    free(r->vc);
}

/* out[rows] = W[rows][cols] x[cols] */
static inline void ref_matvec(const double *W, const double *x, double *out, int rows, int cols)
{
    for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int j = 0; j < cols; j++) s += W[(size_t)i * cols + j] * x[j];
        out[i] = s;
    }
}

static inline void ref_rmsnorm(double *out, const double *x, const double *w, int n, double eps)
{
    double ss = 0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    double s = 1.0 / sqrt(ss / n + eps);
    for (int i = 0; i < n; i++) out[i] = x[i] * s * w[i];
}

static inline void ref_rope(const ref_model *r, double *v, int n_heads, int pos)
{
    const llm_config *c = &r->c;
    for (int h = 0; h < n_heads; h++)
        for (int i = 0; i < c->n_rot / 2; i++) {
            double th = pos * (double)c->rope_scale * pow((double)c->rope_base, -2.0 * i / c->n_rot);
            if (r->rope_ff) th /= r->rope_ff[i];
            double *x = v + h * c->head_dim;
            double a = x[2 * i], b = x[2 * i + 1];
            x[2 * i] = a * cos(th) - b * sin(th);
            x[2 * i + 1] = a * sin(th) + b * cos(th);
        }
}

/* Logits (n_vocab) after token at pos; earlier positions must have run. */
static inline void ref_forward(ref_model *r, int token, int pos, double *logits)
{
    const llm_config *c = &r->c;
    int E = c->n_embd, KV = c->kv_dim, hd = c->head_dim, FF = c->n_ff;
    double *x = malloc(E * sizeof(double)), *h = malloc(E * sizeof(double)), *q = malloc(E * sizeof(double));
    double *att = malloc(E * sizeof(double)), *o = malloc(E * sizeof(double));
    double *g = malloc(FF * sizeof(double)), *u = malloc(FF * sizeof(double));
    double *sc = malloc((pos + 1) * sizeof(double));
    memcpy(x, r->embd + (size_t)token * E, E * sizeof(double));
    for (int l = 0; l < c->n_layer; l++) {
        double *kc = r->kc + ((size_t)l * c->n_ctx + pos) * KV, *vc = r->vc + ((size_t)l * c->n_ctx + pos) * KV;
        ref_rmsnorm(h, x, r->L[l].attn_norm, E, c->rms_eps);
        ref_matvec(r->L[l].wq, h, q, E, E);
        ref_matvec(r->L[l].wk, h, kc, KV, E);
        ref_matvec(r->L[l].wv, h, vc, KV, E);
        ref_rope(r, q, c->n_head, pos);
        ref_rope(r, kc, c->n_head_kv, pos);
        for (int hh = 0; hh < c->n_head; hh++) {
            int kvh = hh / (c->n_head / c->n_head_kv);
            double mx = -1e300, sum = 0;
            for (int t = 0; t <= pos; t++) {
                const double *k = r->kc + ((size_t)l * c->n_ctx + t) * KV + kvh * hd;
                double d = 0;
                for (int i = 0; i < hd; i++) d += q[hh * hd + i] * k[i];
                sc[t] = d / sqrt((double)hd);
                if (sc[t] > mx) mx = sc[t];
            }
            for (int t = 0; t <= pos; t++) sum += (sc[t] = exp(sc[t] - mx));
            for (int i = 0; i < hd; i++) {
                double a = 0;
                for (int t = 0; t <= pos; t++)
                    a += sc[t] / sum * r->vc[((size_t)l * c->n_ctx + t) * KV + kvh * hd + i];
                att[hh * hd + i] = a;
            }
        }
        ref_matvec(r->L[l].wo, att, o, E, E);
        for (int i = 0; i < E; i++) x[i] += o[i];
        ref_rmsnorm(h, x, r->L[l].ffn_norm, E, c->rms_eps);
        ref_matvec(r->L[l].gate, h, g, FF, E);
        ref_matvec(r->L[l].up, h, u, FF, E);
        for (int i = 0; i < FF; i++) g[i] = g[i] / (1 + exp(-g[i])) * u[i];
        ref_matvec(r->L[l].down, g, o, E, FF);
        for (int i = 0; i < E; i++) x[i] += o[i];
    }
    ref_rmsnorm(h, x, r->out_norm, E, c->rms_eps);
    ref_matvec(r->output, h, logits, c->n_vocab, E);
    free(x); free(h); free(q); free(att); free(o); free(g); free(u); free(sc);
}

#endif
