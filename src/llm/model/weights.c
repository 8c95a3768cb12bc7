/* weights.c — the weight matrices as pointers into the mapped file
 * (shapes checked), the norm vectors expanded to f32, and the packed
 * copies the products read (kernels.h), made once at load. */
#include "llm/model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/error.h"
#include "llm/quant/quant.h"

/* Finds a tensor and checks it is [cols] or [cols, rows]. */
static gorilla_status get_matrix(const gguf_file *f, const char *name, size_t cols, size_t rows, llm_matrix *out,
                                 gorilla_error *err)
{
    const gguf_tensor *t = gguf_find_tensor(f, name);
    if (!t) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing tensor '%s'", gguf_name(f), name);
    if (t->ne[0] != cols || t->ne[1] != rows || t->ne[2] != 1 || t->ne[3] != 1)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: tensor '%s' has shape [%llu, %llu, %llu, %llu], expected [%zu, %zu]", gguf_name(f),
                            name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                            (unsigned long long)t->ne[2], (unsigned long long)t->ne[3], cols, rows);
    out->t = t;
    out->data = t->data;
    out->type = t->type;
    out->rows = rows;
    out->cols = cols;
    out->row_bytes = qtype_row_size(t->type, cols);
    return GORILLA_OK;
}

gorilla_status llm_weights_norm(const gguf_file *f, const char *name, size_t n, float **out, gorilla_error *err)
{
    llm_matrix mt;
    gorilla_status st = get_matrix(f, name, n, 1, &mt, err);
    if (st) return st;
    *out = malloc(n * sizeof **out);
    if (!*out) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    dequantize_row(mt.type, mt.data, *out, n);
    return GORILLA_OK;
}

/* An optional vector (a bias): *out NULL when the file has no such tensor. */
static gorilla_status opt_norm(const gguf_file *f, const char *name, size_t n, float **out, gorilla_error *err)
{
    *out = NULL;
    if (!gguf_find_tensor(f, name)) return GORILLA_OK;
    return llm_weights_norm(f, name, n, out, err);
}

/* Rows [r0, r0 + rows) of m as a matrix of their own. */
static llm_matrix row_view(const llm_matrix *m, size_t r0, size_t rows)
{
    llm_matrix v = *m;
    v.data = m->data + r0 * m->row_bytes;
    v.rows = rows;
    return v;
}

/* LLaMA's layer l. */
static gorilla_status read_llama_layer(const gguf_file *f, const llm_config *c, int l, llm_layer *L,
                                       gorilla_error *err)
{
    size_t E = (size_t)c->n_embd, KV = (size_t)c->kv_dim, FF = (size_t)c->n_ff;
    gorilla_status st;
    char name[96];
#define NAME(s) (snprintf(name, sizeof name, "blk.%d." s ".weight", l), name)
    if ((st = llm_weights_norm(f, NAME("attn_norm"), E, &L->attn_norm, err))) return st;
    if ((st = llm_weights_norm(f, NAME("ffn_norm"), E, &L->ffn_norm, err))) return st;
    if ((st = get_matrix(f, NAME("attn_q"), E, E, &L->wq, err))) return st;
    if ((st = get_matrix(f, NAME("attn_k"), E, KV, &L->wk, err))) return st;
    if ((st = get_matrix(f, NAME("attn_v"), E, KV, &L->wv, err))) return st;
    if ((st = get_matrix(f, NAME("attn_output"), E, E, &L->wo, err))) return st;
    if ((st = get_matrix(f, NAME("ffn_gate"), E, FF, &L->w_gate, err))) return st;
    if ((st = get_matrix(f, NAME("ffn_up"), E, FF, &L->w_up, err))) return st;
    if ((st = get_matrix(f, NAME("ffn_down"), FF, E, &L->w_down, err))) return st;
#undef NAME
    return GORILLA_OK;
}

/* MPT's or Falcon's layer l: LayerNorms (weight, optional bias), the fused
 * attn_qkv split into row views, optional biases of every product. */
static gorilla_status read_ln_layer(const gguf_file *f, const llm_config *c, int l, llm_layer *L, gorilla_error *err)
{
    size_t E = (size_t)c->n_embd, KV = (size_t)c->kv_dim, FF = (size_t)c->n_ff;
    gorilla_status st;
    char name[96];
#define NAME(s) (snprintf(name, sizeof name, "blk.%d." s, l), name)
    if ((st = llm_weights_norm(f, NAME("attn_norm.weight"), E, &L->attn_norm, err))) return st;
    if ((st = opt_norm(f, NAME("attn_norm.bias"), E, &L->attn_norm_b, err))) return st;
    if (c->arch == LLM_ARCH_MPT) {
        if ((st = llm_weights_norm(f, NAME("ffn_norm.weight"), E, &L->ffn_norm, err))) return st;
        if ((st = opt_norm(f, NAME("ffn_norm.bias"), E, &L->ffn_norm_b, err))) return st;
    } else {
        /* Falcon-40B style: the attention has a LayerNorm of its own */
        if ((st = opt_norm(f, NAME("attn_norm_2.weight"), E, &L->attn_norm_2, err))) return st;
        if ((st = opt_norm(f, NAME("attn_norm_2.bias"), E, &L->attn_norm_2_b, err))) return st;
    }
    llm_matrix qkv = {0};
    if ((st = get_matrix(f, NAME("attn_qkv.weight"), E, E + 2 * KV, &qkv, err))) return st;
    L->wq = row_view(&qkv, 0, E);
    L->wk = row_view(&qkv, E, KV);
    L->wv = row_view(&qkv, E + KV, KV);
    if ((st = opt_norm(f, NAME("attn_qkv.bias"), E + 2 * KV, &L->bqkv, err))) return st;
    if ((st = get_matrix(f, NAME("attn_output.weight"), E, E, &L->wo, err))) return st;
    if ((st = opt_norm(f, NAME("attn_output.bias"), E, &L->bo, err))) return st;
    if ((st = get_matrix(f, NAME("ffn_up.weight"), E, FF, &L->w_up, err))) return st;
    if ((st = opt_norm(f, NAME("ffn_up.bias"), FF, &L->b_up, err))) return st;
    if ((st = get_matrix(f, NAME("ffn_down.weight"), FF, E, &L->w_down, err))) return st;
    if ((st = opt_norm(f, NAME("ffn_down.bias"), E, &L->b_down, err))) return st;
#undef NAME
    return GORILLA_OK;
}

gorilla_status llm_weights_read(gorilla_model *m, gorilla_error *err)
{
    const gguf_file *f = m->file;
    llm_config *c = &m->cfg;
    llm_weights *w = &m->w;
    const gguf_tensor *te = gguf_find_tensor(f, "token_embd.weight");
    if (!te) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing tensor 'token_embd.weight'", gguf_name(f));
    if (te->ne[1] < 1 || te->ne[1] > INT32_MAX)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor 'token_embd.weight': vocabulary size out of range",
                            gguf_name(f));
    c->n_vocab = (int)te->ne[1];
    size_t E = (size_t)c->n_embd, V = (size_t)c->n_vocab;
    gorilla_status st;
    if ((st = get_matrix(f, "token_embd.weight", E, V, &w->tok_embd, err))) return st;
    if ((st = llm_weights_norm(f, "output_norm.weight", E, &w->out_norm, err))) return st;
    if (c->arch != LLM_ARCH_LLAMA && (st = opt_norm(f, "output_norm.bias", E, &w->out_norm_b, err))) return st;
    if (gguf_find_tensor(f, "output.weight")) {
        if ((st = get_matrix(f, "output.weight", E, V, &w->output, err))) return st;
    } else {
        w->output = w->tok_embd;
        w->tied = 1;
    }
    w->layers = calloc((size_t)c->n_layer, sizeof *w->layers);
    if (!w->layers) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    for (int l = 0; l < c->n_layer; l++) {
        st = c->arch == LLM_ARCH_LLAMA ? read_llama_layer(f, c, l, &w->layers[l], err)
                                       : read_ln_layer(f, c, l, &w->layers[l], err);
        if (st) return st;
    }
    return GORILLA_OK;
}

/* ---- packed copies of the matrices (kernels.h) ------------------------- */

typedef struct {
    const llm_matrix *w;
    uint8_t *dst;
} pack_job;

static void pack_groups(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const pack_job *j = ctx;
    llm_pack_rows(j->w->type, j->w->data, j->w->row_bytes, j->w->cols, start, end, j->dst);
}

static size_t packed_bytes(const llm_matrix *w)
{
    return w->rows / LLM_PACK_ROWS * (w->cols / 32) * llm_pack_block_bytes(w->type);
}

/* Anonymous pages for a packed copy, in transparent huge pages where the
 * kernel allows (2 MiB pages: far fewer faults while the copy is written,
 * fewer TLB misses while it is streamed). */
static uint8_t *packed_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

static void packed_free(llm_matrix *w)
{
    if (w->packed) munmap(w->packed, packed_bytes(w));
    w->packed = NULL;
}

static gorilla_status pack_matrix(gorilla_model *m, llm_matrix *w, gorilla_error *err)
{
    if (!llm_pack_wanted(w->type, w->rows, w->cols)) return GORILLA_OK;
    w->packed = packed_alloc(packed_bytes(w));
    if (!w->packed) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(m->file));
    pack_job j = {w, w->packed};
    llm_pool_run(m->pool, pack_groups, &j, w->rows / LLM_PACK_ROWS);
    /* the products read only the copy: the file's pages need not stay
     * resident (embedding rows, and the tests' f32 reference, page them
     * back) */
    gguf_drop_pages(m->file, w->data, w->rows * w->row_bytes);
    return GORILLA_OK;
}

/* The matrices the products read: every layer's seven (six for MPT and
 * Falcon, whose q, k and v are views of one fused matrix) and the output (a
 * tied output gets its own packed copy; the embedding rows stay as
 * stored). */
gorilla_status llm_weights_pack(gorilla_model *m, gorilla_error *err)
{
    gorilla_status st = GORILLA_OK;
    for (int l = 0; l < m->cfg.n_layer && !st; l++) {
        llm_layer *L = &m->w.layers[l];
        llm_matrix *ws[7] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
        for (int i = 0; i < 7 && !st; i++)
            if (ws[i]->data) st = pack_matrix(m, ws[i], err); /* MPT, Falcon: no w_gate */
    }
    if (!st) st = pack_matrix(m, &m->w.output, err);
    return st;
}

void llm_weights_free(llm_weights *w, int n_layer)
{
    if (w->layers)
        for (int l = 0; l < n_layer; l++) {
            llm_layer *L = &w->layers[l];
            free(L->attn_norm);
            free(L->ffn_norm);
            free(L->attn_norm_b);
            free(L->ffn_norm_b);
            free(L->attn_norm_2);
            free(L->attn_norm_2_b);
            free(L->bqkv);
            free(L->bo);
            free(L->b_up);
            free(L->b_down);
            packed_free(&L->wq);
            packed_free(&L->wk);
            packed_free(&L->wv);
            packed_free(&L->wo);
            packed_free(&L->w_gate);
            packed_free(&L->w_up);
            packed_free(&L->w_down);
        }
    packed_free(&w->output);
    free(w->layers);
    free(w->out_norm);
    free(w->out_norm_b);
}
