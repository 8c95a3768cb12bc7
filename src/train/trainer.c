/* trainer.c — building a trainer (from scratch or a base GGUF), the
 * training step (micro-batches, clipping, AdamW, schedule), validation. */
#include "train/trainer_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/rng.h"
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"

#define CHUNK (1u << 16)

void gorilla_train_opts_init(gorilla_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n_embd = 64;
    o->n_layer = 2;
    o->n_head = 4;
    o->n_head_kv = 4;
    o->n_ff = 172;
    o->n_ctx = 128;
    o->rope_base = 10000.0f;
    o->rms_eps = 1e-5f;
    o->batch = 4;
    o->grad_accum = 1;
    o->steps = 100;
    o->lr = 1e-3;
    o->min_lr = 1e-4;
    o->warmup_steps = 10;
    o->weight_decay = 0.1;
    o->beta1 = 0.9;
    o->beta2 = 0.95;
    o->eps = 1e-8;
    o->grad_clip = 1.0;
    o->seed = 1;
}

/* ---- the base model ----------------------------------------------------------- */

static gorilla_status meta_int(const gguf_file *f, const char *key, int dflt, int *out, gorilla_error *err)
{
    int64_t v;
    gorilla_status st = gguf_get_i64(f, key, &v, err);
    if (st == GORILLA_ERR_NOT_FOUND && dflt >= 0) return *out = dflt, GORILLA_OK;
    if (st == GORILLA_ERR_NOT_FOUND)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing metadata key '%s'", gguf_name(f), key);
    if (st) return st;
    if (v < 1 || v > (1 << 24))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: '%s' = %lld is out of range", gguf_name(f), key,
                            (long long)v);
    *out = (int)v;
    return GORILLA_OK;
}

static gorilla_status base_config(const gguf_file *f, tr_config *c, int *n_ctx_train, gorilla_error *err)
{
    gguf_str arch;
    if (gguf_get_str(f, "general.architecture", &arch, err) || !gguf_str_eq(arch, "llama"))
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: not a LLaMA-architecture GGUF", gguf_name(f));
    gorilla_status st;
    if ((st = meta_int(f, "llama.embedding_length", -1, &c->n_embd, err))) return st;
    if ((st = meta_int(f, "llama.block_count", -1, &c->n_layer, err))) return st;
    if ((st = meta_int(f, "llama.feed_forward_length", -1, &c->n_ff, err))) return st;
    if ((st = meta_int(f, "llama.attention.head_count", -1, &c->n_head, err))) return st;
    if ((st = meta_int(f, "llama.attention.head_count_kv", c->n_head, &c->n_head_kv, err))) return st;
    if ((st = meta_int(f, "llama.context_length", -1, n_ctx_train, err))) return st;
    if (c->n_embd % c->n_head)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: dim not a multiple of heads", gguf_name(f));
    int rot;
    if ((st = meta_int(f, "llama.rope.dimension_count", c->n_embd / c->n_head, &rot, err))) return st;
    if (rot != c->n_embd / c->n_head)
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "%s: partial rotary embeddings (%d of %d dims) are not supported by the trainer",
                            gguf_name(f), rot, c->n_embd / c->n_head);
    gguf_str s;
    if (!gguf_get_str(f, "llama.rope.scaling.type", &s, err) && !gguf_str_eq(s, "none"))
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: rope scaling is not supported by the trainer",
                            gguf_name(f));
    if (gguf_find_tensor(f, "rope_freqs.weight"))
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: rope frequency factors are not supported by the trainer",
                            gguf_name(f));
    float v;
    c->rms_eps = gguf_get_f32(f, "llama.attention.layer_norm_rms_epsilon", &v, err) ? 1e-5f : v;
    c->rope_base = gguf_get_f32(f, "llama.rope.freq_base", &v, err) ? 10000.0f : v;
    const gguf_tensor *te = gguf_find_tensor(f, "token_embd.weight");
    if (!te || te->ne[1] < 1 || te->ne[1] > (1 << 22))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing or bad tensor 'token_embd.weight'", gguf_name(f));
    c->n_vocab = (int)te->ne[1];
    c->tied = gguf_find_tensor(f, "output.weight") == NULL;
    return GORILLA_OK;
}

static gorilla_status base_weights(const gguf_file *f, const tr_layout *lay, float *params, gorilla_error *err)
{
    for (size_t i = 0; i < lay->n_base; i++) {
        const tr_tensor *tt = &lay->t[i];
        const gguf_tensor *g = gguf_find_tensor(f, tt->name);
        if (!g) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing tensor '%s'", gguf_name(f), tt->name);
        if (g->ne[0] != tt->cols || g->ne[1] != tt->rows || g->ne[2] != 1 || g->ne[3] != 1)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor '%s' has shape [%llu, %llu], expected [%zu, %zu]",
                                gguf_name(f), tt->name, (unsigned long long)g->ne[0], (unsigned long long)g->ne[1],
                                tt->cols, tt->rows);
        if (!qtype_get(g->type))
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: tensor '%s' has an unsupported type %u",
                                gguf_name(f), tt->name, g->type);
        size_t rb = qtype_row_size(g->type, tt->cols);
        for (size_t r = 0; r < tt->rows; r++)
            dequantize_row(g->type, (const uint8_t *)g->data + r * rb, params + tt->off + r * tt->cols, tt->cols);
    }
    return GORILLA_OK;
}

/* ---- data ---------------------------------------------------------------------- */

typedef struct {
    uint64_t seed;
    double frac;
    int want_val;
} split_ctx;

/* Conversation i is held out when its hash falls under the fraction. */
static int pick_split(void *ctx, size_t i)
{
    const split_ctx *s = ctx;
    uint64_t h = s->seed ^ (i * 0xD1B54A32D192ED03ULL);
    double u = (double)(gorilla_splitmix64(&h) >> 11) / 9007199254740992.0;
    return (u < s->frac) == s->want_val;
}

void tr_shuffle(gorilla_trainer *t)
{
    size_t n = t->train.n_rows;
    for (size_t i = 0; i < n; i++) t->perm[i] = i;
    uint64_t s = t->o.seed * 0x9E3779B97F4A7C15ULL ^ (t->epoch + 1) * 0xBF58476D1CE4E5B9ULL;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(gorilla_splitmix64(&s) % i);
        size_t tmp = t->perm[i - 1];
        t->perm[i - 1] = t->perm[j];
        t->perm[j] = tmp;
    }
    t->rng = s;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001B3ULL;
    return h;
}

static gorilla_status load_data(gorilla_trainer *t, gorilla_error *err)
{
    const gorilla_train_opts *o = &t->o;
    int V = t->lay.cfg.n_vocab, T = t->lay.cfg.n_ctx;
    tr_chat chat;
    gorilla_status st = tr_chat_load(o->data_path, &chat, err);
    if (st) return st;
    split_ctx sp = {o->seed, o->val_path ? 0.0 : o->val_fraction, 0};
    st = tr_rows_build(&chat, o->val_fraction > 0 && !o->val_path ? pick_split : NULL, &sp, t->tok, V, T, &t->train,
                       err);
    if (!st && o->val_fraction > 0 && !o->val_path) {
        sp.want_val = 1;
        st = tr_rows_build(&chat, pick_split, &sp, t->tok, V, T, &t->val, err);
    }
    tr_chat_free(&chat);
    if (st) return st;
    if (o->val_path) {
        if ((st = tr_chat_load(o->val_path, &chat, err))) return st;
        st = tr_rows_build(&chat, NULL, NULL, t->tok, V, T, &t->val, err);
        tr_chat_free(&chat);
        if (st) return st;
    }
    if (!t->train.n_rows)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: no trainable tokens (%zu conversations, %zu dropped with no assistant token left "
                            "within the context of %d)",
                            o->data_path, t->train.n_convs, t->train.n_dropped, T);
    size_t W = (size_t)T + 1;
    uint64_t h = 0xCBF29CE484222325ULL;
    h = fnv(h, t->train.tokens, t->train.n_rows * W * sizeof(int32_t));
    h = fnv(h, t->train.mask, t->train.n_rows * W);
    t->data_hash = h;
    t->perm = malloc(t->train.n_rows * sizeof *t->perm);
    if (!t->perm) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    tr_shuffle(t);
    return GORILLA_OK;
}

/* ---- building -------------------------------------------------------------------- */

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (int)n : 1;
}

static gorilla_status build(gorilla_trainer *t, gorilla_error *err)
{
    const gorilla_train_opts *o = &t->o;
    if (!o->data_path) return gorilla_fail(err, GORILLA_ERR_INVALID, "no training data given");
    if (o->batch < 1 || o->batch > 4096 || o->grad_accum < 1 || o->grad_accum > 4096 || o->steps < 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "batch, accumulation or steps out of range");
    if (!(o->lr >= 0) || !(o->min_lr >= 0) || !(o->warmup_steps >= 0) || !(o->weight_decay >= 0) ||
        !(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1) || !(o->eps > 0) ||
        !(o->grad_clip >= 0) || !(o->val_fraction >= 0 && o->val_fraction < 1))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "an optimizer setting is out of range");
    tr_config c = {0};
    gorilla_status st;
    if (o->base_model) {
        gguf_file *f;
        if ((st = gguf_open(o->base_model, &f, err))) return st;
        int n_ctx_train = 0;
        st = base_config(f, &c, &n_ctx_train, err);
        c.n_ctx = o->n_ctx;
        c.lora_rank = o->lora_rank;
        c.lora_alpha = o->lora_alpha;
        c.lora_targets = o->lora_targets;
        if (!st && c.n_ctx > n_ctx_train)
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: context %d exceeds the model's context length %d",
                              o->base_model, c.n_ctx, n_ctx_train);
        if (!st) st = tr_layout_build(&c, &t->lay, err);
        if (!st && !(t->params = malloc(t->lay.n_params * sizeof *t->params)))
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory for %zu parameters", t->lay.n_params);
        if (!st) st = base_weights(f, &t->lay, t->params, err);
        if (!st) tr_init_lora(&t->lay, o->seed, t->params);
        gguf_close(f);
        if (st) return st;
        t->n_ctx_export = n_ctx_train;
        if (!(t->tok_src = strdup(o->base_model))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    } else {
        if (!o->vocab_path)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "from scratch needs a vocabulary file (a GGUF with a tokenizer)");
        if (!(t->tok_src = strdup(o->vocab_path))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if ((st = gorilla_tokenizer_load_gguf(t->tok_src, &t->tok, err))) return st;
    size_t nv = gorilla_tokenizer_n_vocab(t->tok);
    if (o->base_model && nv > (size_t)t->lay.cfg.n_vocab)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: the vocabulary has %zu tokens but the model only %d embedding rows (the vocabulary "
                            "does not fit the model)",
                            o->base_model, nv, t->lay.cfg.n_vocab);
    if (!o->base_model) {
        if (o->lora_rank)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "LoRA adapts a base model: give --model with --lora-rank");
        if (nv < 2 || nv > (1u << 22))
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: a vocabulary of %zu tokens does not fit a model",
                                o->vocab_path, nv);
        c = (tr_config){.n_vocab = (int)nv, .n_embd = o->n_embd, .n_layer = o->n_layer, .n_head = o->n_head,
                        .n_head_kv = o->n_head_kv, .n_ff = o->n_ff, .n_ctx = o->n_ctx, .tied = o->tied,
                        .rms_eps = o->rms_eps, .rope_base = o->rope_base};
        if ((st = tr_layout_build(&c, &t->lay, err))) return st;
        if (!(t->params = malloc(t->lay.n_params * sizeof *t->params)))
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory for %zu parameters", t->lay.n_params);
        tr_init_params(&t->lay, o->seed, t->params);
        t->n_ctx_export = o->n_ctx;
    }
    size_t P = t->lay.n_params;
    t->grads = calloc(P, sizeof(float));
    t->m = calloc(P, sizeof(float));
    t->v = calloc(P, sizeof(float));
    if (!t->grads || !t->m || !t->v)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory for the gradients and AdamW moments");
    if ((st = load_data(t, err))) return st;
    int T = t->lay.cfg.n_ctx;
    size_t BT = (size_t)o->batch * T;
    if ((st = tr_acts_new_f32(&t->acts, &t->lay, o->batch, T, err))) return st;
    t->btok = malloc(BT * sizeof *t->btok);
    t->btgt = malloc(BT * sizeof *t->btgt);
    t->bmask = malloc(BT);
    size_t wt = 0;
    for (size_t i = 0; i < t->lay.n_tensors; i++)
        if (t->lay.t[i].rows * t->lay.t[i].cols > wt) wt = t->lay.t[i].rows * t->lay.t[i].cols;
    t->cx.wt = malloc(wt * sizeof(float));
    if (!t->btok || !t->btgt || !t->bmask || !t->cx.wt) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    /* optimizer chunks: per tensor, CHUNK elements at most */
    for (int pass = 0; pass < 2; pass++) {
        t->n_chunks = 0;
        for (size_t i = t->lay.cfg.lora_rank > 0 ? t->lay.n_base : 0; i < t->lay.n_tensors; i++) {
            size_t n = t->lay.t[i].rows * t->lay.t[i].cols;
            for (size_t s = 0; s < n; s += CHUNK) {
                if (pass)
                    t->chunks[t->n_chunks] = (tr_chunk){t->lay.t[i].off + s, n - s < CHUNK ? n - s : CHUNK,
                                                        !t->lay.t[i].is_norm};
                t->n_chunks++;
            }
        }
        if (!pass) {
            t->chunks = malloc(t->n_chunks * sizeof *t->chunks);
            t->chunk_sums = malloc(t->n_chunks * sizeof *t->chunk_sums);
            if (!t->chunks || !t->chunk_sums) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
    }
    int nt = o->n_threads > 0 ? o->n_threads : online_cpus();
    if (!(t->pool = llm_pool_new(nt))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "cannot start %d threads", nt);
    t->cx.pool = t->pool;
    t->cx.k = tr_kernels_active();
    return GORILLA_OK;
}

gorilla_status gorilla_trainer_new(const gorilla_train_opts *opts, gorilla_trainer **out, gorilla_error *err)
{
    *out = NULL;
    gorilla_trainer *t = calloc(1, sizeof *t);
    if (!t) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    t->o = *opts;
    gorilla_status st = build(t, err);
    if (st) {
        gorilla_trainer_free(t);
        return st;
    }
    *out = t;
    return GORILLA_OK;
}

void gorilla_trainer_free(gorilla_trainer *t)
{
    if (!t) return;
    free(t->tok_src);
    free(t->params);
    free(t->grads);
    free(t->m);
    free(t->v);
    tr_acts_free_f32(&t->acts);
    free(t->cx.wt);
    llm_pool_free(t->pool);
    gorilla_tokenizer_free(t->tok);
    tr_rows_free(&t->train);
    tr_rows_free(&t->val);
    free(t->chunks);
    free(t->chunk_sums);
    free(t->btok);
    free(t->btgt);
    free(t->bmask);
    free(t->perm);
    tr_layout_free(&t->lay);
    free(t);
}

void gorilla_trainer_info(const gorilla_trainer *t, gorilla_train_info *o)
{
    const tr_config *c = &t->lay.cfg;
    *o = (gorilla_train_info){.n_params = t->lay.n_params,
                              .n_trained_params = c->lora_rank > 0 ? t->lay.n_params - t->lay.lora_off : t->lay.n_params, .n_vocab = c->n_vocab, .n_embd = c->n_embd,
                              .n_layer = c->n_layer, .n_head = c->n_head, .n_head_kv = c->n_head_kv,
                              .n_ff = c->n_ff, .n_ctx = c->n_ctx, .tied = c->tied,
                              .train_convs = t->train.n_convs, .train_rows = t->train.n_rows,
                              .train_tokens = t->train.n_tokens, .train_trained = t->train.n_trained,
                              .val_convs = t->val.n_convs, .val_rows = t->val.n_rows,
                              .val_trained = t->val.n_trained,
                              .truncated = t->train.n_truncated + t->val.n_truncated,
                              .dropped = t->train.n_dropped + t->val.n_dropped,
                              .flops_per_token = tr_flops_per_token(c, c->n_ctx), .kernels = t->cx.k->name};
}

long gorilla_trainer_step_count(const gorilla_trainer *t) { return t->step; }

/* ---- the step ------------------------------------------------------------------------ */

/* Copies rows (indices) into the batch buffers; rows past n are masked
 * copies of the first. Returns the number of trained targets. */
static size_t fill_batch(gorilla_trainer *t, const tr_rows *r, const size_t *rows, size_t n)
{
    int T = r->T;
    size_t W = (size_t)T + 1, count = 0;
    for (size_t b = 0; b < (size_t)t->o.batch; b++) {
        size_t ri = rows[b < n ? b : 0];
        const int32_t *tok = r->tokens + ri * W;
        const uint8_t *mk = r->mask + ri * W;
        for (int i = 0; i < T; i++) {
            t->btok[b * T + (size_t)i] = tok[i];
            t->btgt[b * T + (size_t)i] = tok[i + 1];
            uint8_t m = b < n ? mk[i + 1] : 0;
            t->bmask[b * T + (size_t)i] = m;
            count += m;
        }
    }
    return count;
}

static size_t next_row(gorilla_trainer *t)
{
    if (t->cursor >= t->train.n_rows) {
        t->epoch++;
        t->cursor = 0;
        tr_shuffle(t);
    }
    return t->perm[t->cursor++];
}

static double lr_at(const gorilla_train_opts *o, long step)
{
    double s = (double)step;
    if (s < o->warmup_steps) return o->lr * (s + 1) / (o->warmup_steps + 1);
    double span = (double)o->steps - o->warmup_steps;
    double p = span > 0 ? (s - o->warmup_steps) / span : 1.0;
    if (p > 1) p = 1;
    return o->min_lr + 0.5 * (o->lr - o->min_lr) * (1 + cos(3.14159265358979323846 * p));
}

typedef struct {
    gorilla_trainer *t;
    double lr, gscale, bc1, bc2;
} opt_job;

static void sumsq_chunks(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const opt_job *j = ctx;
    for (size_t c = start; c < end; c++) {
        const float *g = j->t->grads + j->t->chunks[c].off;
        double s = 0;
        for (size_t i = 0; i < j->t->chunks[c].n; i++) s += (double)g[i] * g[i];
        j->t->chunk_sums[c] = s;
    }
}

/* AdamW: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr (m / bc1 / (sqrt(v / bc2) + eps) + wd p)   (wd only on matrices). */
static void adamw_chunks(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const opt_job *j = ctx;
    const gorilla_train_opts *o = &j->t->o;
    float b1 = (float)o->beta1, b2 = (float)o->beta2, eps = (float)o->eps, lr = (float)j->lr;
    float gs = (float)j->gscale, bc1 = (float)j->bc1, bc2 = (float)j->bc2;
    for (size_t c = start; c < end; c++) {
        const tr_chunk *ch = &j->t->chunks[c];
        float wd = ch->decay ? (float)o->weight_decay : 0.0f;
        float *p = j->t->params + ch->off, *g = j->t->grads + ch->off, *m = j->t->m + ch->off, *v = j->t->v + ch->off;
        for (size_t i = 0; i < ch->n; i++) {
            float gi = g[i] * gs;
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            float mh = m[i] / bc1, vh = v[i] / bc2;
            p[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * p[i]);
        }
    }
}

gorilla_status gorilla_trainer_step(gorilla_trainer *t, gorilla_train_stats *out, gorilla_error *err)
{
    const gorilla_train_opts *o = &t->o;
    size_t A = (size_t)o->grad_accum, B = (size_t)o->batch, *rows = malloc(A * B * sizeof *rows);
    if (!rows) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    uint64_t keep_epoch = t->epoch, keep_cursor = t->cursor;
    for (size_t i = 0; i < A * B; i++) rows[i] = next_row(t);
    size_t total = 0, W = (size_t)t->lay.cfg.n_ctx + 1;
    for (size_t i = 0; i < A * B; i++)
        for (size_t k = 1; k < W; k++) total += t->train.mask[rows[i] * W + k];
    memset(t->grads, 0, t->lay.n_params * sizeof *t->grads);
    double loss = 0;
    for (size_t a = 0; a < A; a++) {
        fill_batch(t, &t->train, rows + a * B, B);
        loss += tr_model_forward_f32(&t->cx, &t->acts, t->params, t->btok, t->btgt, t->bmask);
        tr_model_backward_f32(&t->cx, &t->acts, t->params, t->grads, t->btok, t->btgt, t->bmask, 1.0 / (double)total);
    }
    free(rows);
    loss /= (double)total;
    opt_job j = {.t = t};
    llm_pool_run(t->pool, sumsq_chunks, &j, t->n_chunks);
    double ss = 0;
    for (size_t c = 0; c < t->n_chunks; c++) ss += t->chunk_sums[c];
    double norm = sqrt(ss);
    if (!isfinite(loss) || !isfinite(norm)) {
        int reshuffle = t->epoch != keep_epoch;
        t->epoch = keep_epoch;
        t->cursor = keep_cursor;
        if (reshuffle) tr_shuffle(t);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "step %ld: the %s is %s; training stopped (weights unchanged)",
                            t->step + 1, isfinite(loss) ? "gradient norm" : "loss",
                            isnan(isfinite(loss) ? norm : loss) ? "NaN" : "infinite");
    }
    j.gscale = o->grad_clip > 0 && norm > o->grad_clip ? o->grad_clip / norm : 1.0;
    j.lr = lr_at(o, t->step);
    j.bc1 = 1 - pow(o->beta1, (double)(t->step + 1));
    j.bc2 = 1 - pow(o->beta2, (double)(t->step + 1));
    llm_pool_run(t->pool, adamw_chunks, &j, t->n_chunks);
    t->step++;
    if (out)
        *out = (gorilla_train_stats){.step = t->step, .loss = loss, .lr = j.lr, .grad_norm = norm,
                                     .tokens = A * B * (size_t)t->lay.cfg.n_ctx};
    return GORILLA_OK;
}

gorilla_status gorilla_trainer_eval(gorilla_trainer *t, double *val_loss, gorilla_error *err)
{
    *val_loss = NAN;
    if (!t->val.n_rows) return GORILLA_OK;
    size_t B = (size_t)t->o.batch, *rows = malloc(B * sizeof *rows);
    if (!rows) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    double loss = 0;
    size_t count = 0;
    for (size_t r0 = 0; r0 < t->val.n_rows; r0 += B) {
        size_t n = t->val.n_rows - r0 < B ? t->val.n_rows - r0 : B;
        for (size_t i = 0; i < n; i++) rows[i] = r0 + i;
        count += fill_batch(t, &t->val, rows, n);
        loss += tr_model_forward_f32(&t->cx, &t->acts, t->params, t->btok, t->btgt, t->bmask);
    }
    free(rows);
    *val_loss = count ? loss / (double)count : NAN;
    return GORILLA_OK;
}
