/* train_model.c — the trainer's model shape: checks, the parameter
 * layout (GGUF tensor names), initial weights, FLOPs per token. */
#include "train/train_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"

gorilla_status tr_config_check(const tr_config *c, gorilla_error *err)
{
    if (c->n_vocab < 1 || c->n_vocab > (1 << 22) || c->n_embd < 2 || c->n_embd > TR_MAX_DIM || c->n_layer < 1 ||
        c->n_layer > 1024 || c->n_head < 1 || c->n_head_kv < 1 || c->n_ff < 1 || c->n_ff > (1 << 20) ||
        c->n_ctx < 2 || c->n_ctx > (1 << 16))
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "model shape out of range: vocab %d, dim %d, layers %d, heads %d, kv heads %d, ff %d, "
                            "ctx %d",
                            c->n_vocab, c->n_embd, c->n_layer, c->n_head, c->n_head_kv, c->n_ff, c->n_ctx);
    if (c->n_embd % c->n_head)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "dim %d is not a multiple of the head count %d", c->n_embd,
                            c->n_head);
    if (c->n_head % c->n_head_kv)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "head count %d is not a multiple of the KV head count %d",
                            c->n_head, c->n_head_kv);
    if ((c->n_embd / c->n_head) % 2)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "head dimension %d is odd (rope rotates pairs)",
                            c->n_embd / c->n_head);
    if (!(c->rms_eps >= 0) || !(c->rope_base > 0))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "rms epsilon / rope base out of range");
    return GORILLA_OK;
}

size_t tr_layer_tensor(const tr_layout *l, int layer, int which)
{
    (void)l;
    return 1 + (size_t)TR_PER_LAYER * (size_t)layer + (size_t)which;
}

gorilla_status tr_layout_build(const tr_config *c, tr_layout *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    gorilla_status st = tr_config_check(c, err);
    if (st) return st;
    out->cfg = *c;
    size_t C = (size_t)c->n_embd, KV = C / (size_t)c->n_head * (size_t)c->n_head_kv, FF = (size_t)c->n_ff;
    size_t V = (size_t)c->n_vocab;
    if (c->lora_rank < 0 || c->lora_rank > 4096 || (c->lora_rank > 0 && (!(c->lora_alpha > 0) || !c->lora_targets)))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "LoRA rank %d, alpha %g or targets out of range", c->lora_rank,
                            (double)c->lora_alpha);
    size_t n_lora = 0;
    for (int j = TR_WQ; j <= TR_DOWN; j++) n_lora += c->lora_rank > 0 && (c->lora_targets & (1u << j)) && j != TR_FFN_NORM;
    out->n_tensors = 2 + (size_t)TR_PER_LAYER * c->n_layer + (c->tied ? 0 : 1) + 2 * n_lora * (size_t)c->n_layer;
    out->t = calloc(out->n_tensors, sizeof *out->t);
    out->lora = calloc((size_t)TR_PER_LAYER * c->n_layer, sizeof *out->lora);
    if (!out->t || !out->lora) {
        tr_layout_free(out);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    size_t off = 0, i = 0;
#define ADD(nm, r, cl, norm)                                                                                   \
    do {                                                                                                       \
        tr_tensor *t = &out->t[i++];                                                                           \
        snprintf(t->name, sizeof t->name, "%s", nm);                                                           \
        t->off = off;                                                                                          \
        t->rows = (r);                                                                                         \
        t->cols = (cl);                                                                                        \
        t->is_norm = (norm);                                                                                   \
        off += (size_t)(r) * (cl);                                                                             \
    } while (0)
    ADD("token_embd.weight", V, C, 0);
    static const char *const names[TR_PER_LAYER] = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                                                     "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"};
    for (int l = 0; l < c->n_layer; l++) {
        size_t rows[TR_PER_LAYER] = {1, C, KV, KV, C, 1, FF, FF, C};
        size_t cols[TR_PER_LAYER] = {C, C, C, C, C, C, C, C, FF};
        for (int j = 0; j < TR_PER_LAYER; j++) {
            char nm[48];
            snprintf(nm, sizeof nm, "blk.%d.%s.weight", l, names[j]);
            ADD(nm, rows[j], cols[j], j == TR_ATTN_NORM || j == TR_FFN_NORM);
        }
    }
    ADD("output_norm.weight", 1, C, 1);
    if (!c->tied) ADD("output.weight", V, C, 0);
    out->n_base = i;
    out->lora_off = off;
    if (c->lora_rank > 0) {
        size_t r = (size_t)c->lora_rank;
        for (int l = 0; l < c->n_layer; l++)
            for (int j = TR_WQ; j <= TR_DOWN; j++)
                if (c->lora_targets & (1u << j) && j != TR_FFN_NORM) {
                    const tr_tensor *w = &out->t[tr_layer_tensor(out, l, j)];
                    char nm[48];
                    out->lora[(size_t)l * TR_PER_LAYER + (size_t)j] = i;
                    snprintf(nm, sizeof nm, "blk.%d.%s.lora_a", l, names[j]);
                    ADD(nm, r, w->cols, 0);
                    w = &out->t[tr_layer_tensor(out, l, j)];
                    snprintf(nm, sizeof nm, "blk.%d.%s.lora_b", l, names[j]);
                    ADD(nm, w->rows, r, 0);
                }
    }
#undef ADD
    out->n_tensors = i;
    out->n_params = off;
    return GORILLA_OK;
}

void tr_layout_free(tr_layout *l)
{
    free(l->t);
    free(l->lora);
    memset(l, 0, sizeof *l);
}

/* Box-Muller on SplitMix64 draws. */
static double gauss(uint64_t *s)
{
    double u1 = ((double)(gorilla_splitmix64(s) >> 11) + 1.0) / 9007199254740993.0;
    double u2 = (double)(gorilla_splitmix64(s) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void tr_init_params(const tr_layout *l, uint64_t seed, float *params)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    double resid = 0.02 / sqrt(2.0 * l->cfg.n_layer);
    for (size_t i = 0; i < l->n_tensors; i++) {
        const tr_tensor *t = &l->t[i];
        float *p = params + t->off;
        size_t n = t->rows * t->cols;
        int is_resid = strstr(t->name, "attn_output") || strstr(t->name, "ffn_down");
        double sd = is_resid ? resid : 0.02;
        for (size_t k = 0; k < n; k++) p[k] = t->is_norm ? 1.0f : (float)(gauss(&s) * sd);
    }
}

void tr_init_lora(const tr_layout *l, uint64_t seed, float *params)
{
    uint64_t s = seed * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL;
    for (size_t i = l->n_base; i < l->n_tensors; i++) {
        const tr_tensor *t = &l->t[i];
        int is_a = strstr(t->name, ".lora_a") != NULL;
        double sd = 1.0 / sqrt((double)t->cols);
        for (size_t k = 0; k < t->rows * t->cols; k++) params[t->off + k] = is_a ? (float)(gauss(&s) * sd) : 0.0f;
    }
}

double tr_flops_per_token(const tr_config *c, int T)
{
    double C = c->n_embd, KV = (double)c->n_embd / c->n_head * c->n_head_kv, FF = c->n_ff, V = c->n_vocab;
    double per_layer = C * C * 2 + 2 * C * KV + 3 * C * FF;
    double matrix = per_layer * c->n_layer + V * C;
    /* attention: q.k and p.v, 2 FLOPs per multiply-add, over T/2 positions
     * on average, times 3 for forward + backward */
    double attn = 2.0 * 2.0 * c->n_layer * C * (T / 2.0) * 3.0;
    return 6.0 * matrix + attn;
}
