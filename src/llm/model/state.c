/* state.c — the run state, allocated once at load: activations for a
 * chunk of tokens, per-thread scratch, the products' scratch, RoPE's
 * frequencies, MPT's ALiBi slopes and the KV cache (model.h). */
#include "llm/model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* Tokens per pass of the forward (the run state holds this many rows). */
#define FORWARD_CHUNK 256

gorilla_status llm_state_build(gorilla_model *m, gorilla_error *err)
{
    const llm_config *c = &m->cfg;
    llm_state *s = &m->s;
    s->chunk = c->n_ctx < FORWARD_CHUNK ? c->n_ctx : FORWARD_CHUNK;
    size_t C = (size_t)s->chunk, E = (size_t)c->n_embd, FF = (size_t)c->n_ff;
    size_t cache = (size_t)c->n_layer * (size_t)c->n_ctx * (size_t)c->kv_dim;
    size_t threads = (size_t)llm_pool_size(m->pool);
    s->x = malloc(C * E * sizeof(float));
    s->xb = malloc(C * E * sizeof(float));
    s->xb2 = malloc(C * E * sizeof(float));
    s->q = malloc(C * E * sizeof(float));
    s->hb = malloc(C * FF * sizeof(float));
    s->hb2 = malloc(C * FF * sizeof(float));
    s->att = malloc(threads * (size_t)c->n_ctx * sizeof(float));
    s->cs = malloc(((size_t)c->n_rot + 2) * sizeof(float));
    s->k_cache = calloc(cache, sizeof(float));
    s->v_cache = calloc(cache, sizeof(float));
    s->inv_freq = calloc((size_t)c->n_rot / 2 + 1, sizeof(double));
    if (!s->x || !s->xb || !s->xb2 || !s->q || !s->hb || !s->hb2 || !s->att || !s->cs || !s->k_cache || !s->v_cache ||
        !s->inv_freq)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory for the run state (KV cache %zu MiB)",
                            gguf_name(m->file), cache * 2 * sizeof(float) >> 20);
    gorilla_status st = llm_mm_ctx_init(&s->mm, &m->kn, m->pool, C, E > FF ? E : FF, err);
    if (st) {
        gorilla_error_prefix(err, gguf_name(m->file));
        return st;
    }
    if (c->alibi_max > 0) {
        /* ALiBi slopes as llama.cpp computes them (equal to MPT's
         * gen_slopes): with P the largest power of two <= n_head, head h <
         * P has 2^(-max (h + 1) / P), the others 2^(-max (2 (h - P) + 1) /
         * (2 P)) */
        if (!(s->alibi = malloc((size_t)c->n_head * sizeof *s->alibi)))
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(m->file));
        int P = 1;
        while (P * 2 <= c->n_head) P *= 2;
        for (int h = 0; h < c->n_head; h++)
            s->alibi[h] = (float)(h < P ? pow(2.0, -(double)c->alibi_max * (h + 1) / P)
                                        : pow(2.0, -(double)c->alibi_max * (2 * (h - P) + 1) / (2.0 * P)));
    }
    for (int i = 0; i < c->n_rot / 2; i++) s->inv_freq[i] = pow((double)c->rope_base, -2.0 * i / c->n_rot);
    /* Per-pair frequency factors (Llama 3.1-style rope scaling): theta is
     * divided by factor[i]. */
    if (c->arch == LLM_ARCH_LLAMA && gguf_find_tensor(m->file, "rope_freqs.weight")) {
        float *ff;
        st = llm_weights_norm(m->file, "rope_freqs.weight", (size_t)c->n_rot / 2, &ff, err);
        if (st) return st;
        for (int i = 0; i < c->n_rot / 2; i++) {
            if (!(ff[i] > 0) || !isfinite(ff[i])) {
                free(ff);
                return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rope_freqs.weight[%d] is not a positive number",
                                    gguf_name(m->file), i);
            }
            s->inv_freq[i] /= ff[i];
        }
        free(ff);
    }
    return GORILLA_OK;
}

void llm_state_free(llm_state *s)
{
    llm_mm_ctx_free(&s->mm);
    free(s->x);
    free(s->xb);
    free(s->xb2);
    free(s->q);
    free(s->hb);
    free(s->hb2);
    free(s->att);
    free(s->cs);
    free(s->k_cache);
    free(s->v_cache);
    free(s->inv_freq);
    free(s->alibi);
}

