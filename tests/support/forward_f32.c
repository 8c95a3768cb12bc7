/* forward_f32.c — the f32-activation reference forward (forward_f32.h). */
#include "support/forward_f32.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/model/forward.h"
#include "llm/quant/quant.h"

/* out[r] = row r of w . x, f32 activations. */
static void matvec(const llm_matrix *w, const float *x, float *out)
{
    qt_dot_fn dot = qt_dot_kernel(w->type);
    for (size_t r = 0; r < w->rows; r++) out[r] = dot(w->data + r * w->row_bytes, x, w->cols);
}

int llm_forward_f32(gorilla_model *m, int32_t token, int pos, float *logits)
{
    const llm_config *c = &m->cfg;
    const llm_weights *w = &m->w;
    llm_state *s = &m->s;
    int dim = c->n_embd, hd = c->head_dim, group = c->n_head / c->n_head_kv;
    size_t E = (size_t)dim;
    float *x = calloc(E, sizeof *x), *xb = calloc(E, sizeof *xb), *xb2 = calloc(E, sizeof *xb2);
    float *q = calloc(E, sizeof *q), *hb = calloc((size_t)c->n_ff, sizeof *hb);
    float *hb2 = calloc((size_t)c->n_ff, sizeof *hb2), *att = calloc((size_t)pos + 1, sizeof *att);
    float *cs = calloc((size_t)c->n_rot + 2, sizeof *cs);
    int rc = -1;
    if (!x || !xb || !xb2 || !q || !hb || !hb2 || !att || !cs) goto done;

    dequantize_row(w->tok_embd.type, w->tok_embd.data + (size_t)token * w->tok_embd.row_bytes, x, E);
    llm_kv_note(m, &token, 1, pos);
    for (int l = 0; l < c->n_layer; l++) {
        const llm_layer *L = &w->layers[l];
        size_t layer_off = (size_t)l * c->n_ctx * c->kv_dim;
        float *k = s->k_cache + layer_off + (size_t)pos * c->kv_dim, *v = s->v_cache + layer_off + (size_t)pos * c->kv_dim;

        llm_rmsnorm(xb, x, L->attn_norm, dim, c->rms_eps);
        matvec(&L->wq, xb, q);
        matvec(&L->wk, xb, k);
        matvec(&L->wv, xb, v);
        llm_rope(c, s->inv_freq, q, c->n_head, pos, cs);
        llm_rope(c, s->inv_freq, k, c->n_head_kv, pos, cs);
        float scale = 1.0f / sqrtf((float)hd);
        for (int h = 0; h < c->n_head; h++) {
            size_t kvh = (size_t)(h / group);
            m->kn.attn(&m->kn, q + (size_t)h * hd, s->k_cache + layer_off + kvh * hd, s->v_cache + layer_off + kvh * hd,
                       (size_t)c->kv_dim, pos + 1, hd, scale, 0.0f, att, xb + (size_t)h * hd);
        }
        matvec(&L->wo, xb, xb2);
        for (int i = 0; i < dim; i++) x[i] += xb2[i];

        llm_rmsnorm(xb, x, L->ffn_norm, dim, c->rms_eps);
        matvec(&L->w_gate, xb, hb);
        matvec(&L->w_up, xb, hb2);
        for (int i = 0; i < c->n_ff; i++) hb[i] = hb[i] / (1.0f + expf(-hb[i])) * hb2[i];
        matvec(&L->w_down, hb, xb);
        for (int i = 0; i < dim; i++) x[i] += xb[i];
    }
    if (logits) {
        llm_rmsnorm(x, x, w->out_norm, dim, c->rms_eps);
        matvec(&w->output, x, logits);
    }
    rc = 0;
done:
    free(x);
    free(xb);
    free(xb2);
    free(q);
    free(hb);
    free(hb2);
    free(att);
    free(cs);
    return rc;
}
