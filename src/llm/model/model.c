/* model.c — LLaMA: config from metadata, weights from the map, the run
 * state, the kernel set and the thread pool, all set up once at load; the
 * public calls check their arguments and run llm_forward (forward.c). */
#include "llm/model/model.h"

#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "llm/kernels/kernels.h"
#include "llm/model/forward.h"
#include "llm/quant/quant.h"
#include "llm/tokenizer/tokenizer.h"

#define MAX_CTX (1 << 20)
#define MAX_LAYERS 4096
/* Tokens per pass of the forward (its run state holds this many rows). */
#define FORWARD_CHUNK 256

/* ---- building ---------------------------------------------------------- */

static gorilla_status get_int(const gguf_file *f, const char *key, int required, int dflt, int lo, int hi,
                              int *out, gorilla_error *err)
{
    int64_t v;
    gorilla_status st = gguf_get_i64(f, key, &v, err);
    if (st == GORILLA_ERR_NOT_FOUND && !required) {
        *out = dflt;
        return GORILLA_OK;
    }
    if (st == GORILLA_ERR_NOT_FOUND)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required metadata key '%s'", gguf_name(f), key);
    if (st) return st;
    if (v < lo || v > hi)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' = %lld is out of range [%d, %d]",
                            gguf_name(f), key, (long long)v, lo, hi);
    *out = (int)v;
    return GORILLA_OK;
}

static gorilla_status get_float(const gguf_file *f, const char *key, float dflt, float *out, gorilla_error *err)
{
    gorilla_status st = gguf_get_f32(f, key, out, err);
    if (st == GORILLA_ERR_NOT_FOUND) {
        *out = dflt;
        return GORILLA_OK;
    }
    if (st) return st;
    if (!isfinite(*out))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is not finite", gguf_name(f), key);
    return GORILLA_OK;
}

static gorilla_status read_config(const gguf_file *f, const gorilla_model_opts *opts, llm_config *c,
                                  gorilla_error *err)
{
    gguf_str arch;
    gorilla_status st = gguf_get_str(f, "general.architecture", &arch, err);
    if (st == GORILLA_ERR_NOT_FOUND)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: missing required metadata key 'general.architecture'",
                            gguf_name(f));
    if (st) return st;
    if (!gguf_str_eq(arch, "llama"))
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: architecture '%.*s' is not supported (only llama)",
                            gguf_name(f), (int)(arch.len > 64 ? 64 : arch.len), arch.ptr);
    if ((st = get_int(f, "llama.embedding_length", 1, 0, 1, 1 << 16, &c->n_embd, err))) return st;
    if ((st = get_int(f, "llama.block_count", 1, 0, 1, MAX_LAYERS, &c->n_layer, err))) return st;
    if ((st = get_int(f, "llama.feed_forward_length", 1, 0, 1, 1 << 20, &c->n_ff, err))) return st;
    if ((st = get_int(f, "llama.attention.head_count", 1, 0, 1, 1 << 12, &c->n_head, err))) return st;
    if ((st = get_int(f, "llama.attention.head_count_kv", 0, c->n_head, 1, c->n_head, &c->n_head_kv, err)))
        return st;
    if ((st = get_int(f, "llama.context_length", 1, 0, 1, INT32_MAX, &c->n_ctx_train, err))) return st;
    if (c->n_embd % c->n_head)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: embedding length %d is not a multiple of head count %d",
                            gguf_name(f), c->n_embd, c->n_head);
    if (c->n_head % c->n_head_kv)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: head count %d is not a multiple of KV head count %d",
                            gguf_name(f), c->n_head, c->n_head_kv);
    c->head_dim = c->n_embd / c->n_head;
    c->kv_dim = c->head_dim * c->n_head_kv;
    if ((st = get_int(f, "llama.rope.dimension_count", 0, c->head_dim, 2, c->head_dim, &c->n_rot, err))) return st;
    if (c->n_rot % 2)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rope dimension count %d is odd", gguf_name(f), c->n_rot);
    if ((st = get_float(f, "llama.attention.layer_norm_rms_epsilon", 1e-5f, &c->rms_eps, err))) return st;
    if ((st = get_float(f, "llama.rope.freq_base", 10000.0f, &c->rope_base, err))) return st;
    if (c->rms_eps < 0 || c->rope_base <= 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rms epsilon / rope base out of range", gguf_name(f));
    c->rope_scale = 1.0f;
    gguf_str stype;
    st = gguf_get_str(f, "llama.rope.scaling.type", &stype, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st && !gguf_str_eq(stype, "none")) {
        if (!gguf_str_eq(stype, "linear"))
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: rope scaling type '%.*s' is not supported",
                                gguf_name(f), (int)(stype.len > 32 ? 32 : stype.len), stype.ptr);
        float factor;
        if ((st = get_float(f, "llama.rope.scaling.factor", 1.0f, &factor, err))) return st;
        if (factor <= 0)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: rope scaling factor %g is not positive", gguf_name(f),
                                (double)factor);
        c->rope_scale = 1.0f / factor;
    }
    c->n_ctx = opts && opts->n_ctx > 0 ? opts->n_ctx : c->n_ctx_train;
    if (c->n_ctx > MAX_CTX)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: context length %d exceeds the limit %d (pass a smaller n_ctx)",
                            gguf_name(f), c->n_ctx, MAX_CTX);
    return GORILLA_OK;
}

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

static gorilla_status get_norm(const gguf_file *f, const char *name, size_t n, float **out, gorilla_error *err)
{
    llm_matrix mt;
    gorilla_status st = get_matrix(f, name, n, 1, &mt, err);
    if (st) return st;
    *out = malloc(n * sizeof **out);
    if (!*out) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    dequantize_row(mt.type, mt.data, *out, n);
    return GORILLA_OK;
}

static gorilla_status read_weights(gorilla_model *m, gorilla_error *err)
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
    size_t E = (size_t)c->n_embd, KV = (size_t)c->kv_dim, FF = (size_t)c->n_ff, V = (size_t)c->n_vocab;
    gorilla_status st;
    if ((st = get_matrix(f, "token_embd.weight", E, V, &w->tok_embd, err))) return st;
    if ((st = get_norm(f, "output_norm.weight", E, &w->out_norm, err))) return st;
    if (gguf_find_tensor(f, "output.weight")) {
        if ((st = get_matrix(f, "output.weight", E, V, &w->output, err))) return st;
    } else {
        w->output = w->tok_embd;
        w->tied = 1;
    }
    w->layers = calloc((size_t)c->n_layer, sizeof *w->layers);
    if (!w->layers) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    for (int l = 0; l < c->n_layer; l++) {
        llm_layer *L = &w->layers[l];
        char name[96];
#define NAME(s) (snprintf(name, sizeof name, "blk.%d." s ".weight", l), name)
        if ((st = get_norm(f, NAME("attn_norm"), E, &L->attn_norm, err))) return st;
        if ((st = get_norm(f, NAME("ffn_norm"), E, &L->ffn_norm, err))) return st;
        if ((st = get_matrix(f, NAME("attn_q"), E, E, &L->wq, err))) return st;
        if ((st = get_matrix(f, NAME("attn_k"), E, KV, &L->wk, err))) return st;
        if ((st = get_matrix(f, NAME("attn_v"), E, KV, &L->wv, err))) return st;
        if ((st = get_matrix(f, NAME("attn_output"), E, E, &L->wo, err))) return st;
        if ((st = get_matrix(f, NAME("ffn_gate"), E, FF, &L->w_gate, err))) return st;
        if ((st = get_matrix(f, NAME("ffn_up"), E, FF, &L->w_up, err))) return st;
        if ((st = get_matrix(f, NAME("ffn_down"), FF, E, &L->w_down, err))) return st;
#undef NAME
    }
    return GORILLA_OK;
}

static gorilla_status read_vocab(gorilla_model *m, gorilla_error *err)
{
    const gguf_file *f = m->file;
    m->bos = m->eos = -1;
    gguf_str kind;
    gorilla_status st = gguf_get_str(f, "tokenizer.ggml.model", &kind, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        m->tok_kind = strndup(kind.ptr, (size_t)kind.len);
        if (!m->tok_kind) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    }
    const gguf_kv *toks;
    st = gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, err);
    if (st == GORILLA_ERR_NOT_FOUND) return GORILLA_OK;
    if (st) return st;
    /* Fewer tokens than embedding rows happens (padded embeddings); more
     * would name ids the model cannot run. */
    if (toks->arr_n > (uint64_t)m->cfg.n_vocab)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tokenizer has %llu tokens but token_embd.weight has only %d rows",
                            gguf_name(f), (unsigned long long)toks->arr_n, m->cfg.n_vocab);
    size_t n = (size_t)toks->arr_n;
    m->tokens = calloc(n, sizeof *m->tokens);
    m->scores = calloc(n, sizeof *m->scores);
    m->token_types = calloc(n, sizeof *m->token_types);
    if (!m->tokens || !m->scores || !m->token_types)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    m->n_tokens = n;
    for (size_t i = 0; i < n; i++) {
        gguf_str s = gguf_arr_str(toks, i);
        if (!(m->tokens[i] = strndup(s.ptr, (size_t)s.len)))
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    }
    const gguf_kv *a;
    st = gguf_get_arr(f, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &a, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        if (a->arr_n != n)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tokenizer.ggml.scores has %llu entries, expected %zu",
                                gguf_name(f), (unsigned long long)a->arr_n, n);
        for (size_t i = 0; i < n; i++) m->scores[i] = gguf_arr_f32(a, i);
    }
    st = gguf_get_arr(f, "tokenizer.ggml.token_type", GGUF_T_INT32, &a, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        if (a->arr_n != n)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s: tokenizer.ggml.token_type has %llu entries, expected %zu", gguf_name(f),
                                (unsigned long long)a->arr_n, n);
        for (size_t i = 0; i < n; i++) m->token_types[i] = gguf_arr_i32(a, i);
    } else {
        for (size_t i = 0; i < n; i++) m->token_types[i] = 1;
    }
    int v;
    if ((st = get_int(f, "tokenizer.ggml.bos_token_id", 0, -1, -1, (int)n - 1, &v, err))) return st;
    m->bos = v;
    if ((st = get_int(f, "tokenizer.ggml.eos_token_id", 0, -1, -1, (int)n - 1, &v, err))) return st;
    m->eos = v;
    return GORILLA_OK;
}

static gorilla_status alloc_state(gorilla_model *m, gorilla_error *err)
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
    for (int i = 0; i < c->n_rot / 2; i++) s->inv_freq[i] = pow((double)c->rope_base, -2.0 * i / c->n_rot);
    /* Per-pair frequency factors (Llama 3.1-style rope scaling): theta is
     * divided by factor[i]. */
    if (gguf_find_tensor(m->file, "rope_freqs.weight")) {
        float *ff;
        st = get_norm(m->file, "rope_freqs.weight", (size_t)c->n_rot / 2, &ff, err);
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

static void free_state(llm_state *s)
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
}

/* The tokenizer from the already parsed file. A file without
 * tokenizer.ggml.model still loads (ids-only use); one whose tokenizer
 * cannot be built keeps the reason for gorilla_model_tokenizer_error. Only
 * running out of memory fails the load. */
static gorilla_status build_tokenizer(gorilla_model *m, gorilla_error *err)
{
    if (!m->tok_kind) {
        gorilla_fail(&m->tok_err, GORILLA_ERR_NOT_FOUND, "%s: no tokenizer (tokenizer.ggml.model is absent)",
                     gguf_name(m->file));
        return GORILLA_OK;
    }
    gorilla_status st = gorilla_tokenizer_from_gguf(m->file, &m->tok, &m->tok_err);
    if (st) gorilla_error_prefix(&m->tok_err, gguf_name(m->file));
    if (st == GORILLA_ERR_NOMEM) {
        *err = m->tok_err;
        return st;
    }
    return GORILLA_OK;
}

/* ---- packed copies of the Q4_0/Q8_0 matrices (kernels.h) --------------- */

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

/* The matrices the products read: every layer's seven and the output (a
 * tied output gets its own packed copy; the embedding rows stay as
 * stored). */
static gorilla_status pack_weights(gorilla_model *m, gorilla_error *err)
{
    gorilla_status st = GORILLA_OK;
    for (int l = 0; l < m->cfg.n_layer && !st; l++) {
        llm_layer *L = &m->w.layers[l];
        llm_matrix *ws[7] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
        for (int i = 0; i < 7 && !st; i++) st = pack_matrix(m, ws[i], err);
    }
    if (!st) st = pack_matrix(m, &m->w.output, err);
    return st;
}

gorilla_status llm_model_build(gguf_file *file, const gorilla_model_opts *opts, const char *cpu, gorilla_model **out,
                               gorilla_error *err)
{
    *out = NULL;
    gorilla_model *m = calloc(1, sizeof *m);
    if (!m) {
        gguf_close(file);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    m->file = file;
    /* the kernel set: cpu, else GORILLA_CPU, else the best the CPU has */
    const char *what = cpu ? "cpu" : "GORILLA_CPU";
    gorilla_status st = llm_kernels_choose(cpu ? cpu : getenv("GORILLA_CPU"), what, &m->kn, err);
    if (!st) st = read_config(file, opts, &m->cfg, err);
    if (!st) st = read_weights(m, err);
    if (!st) st = read_vocab(m, err);
    if (!st) st = build_tokenizer(m, err);
    if (!st && !(m->kv_tokens = calloc((size_t)m->cfg.n_ctx, sizeof *m->kv_tokens)))
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(file));
    if (!st) {
        int nt = opts && opts->n_threads > 0 ? opts->n_threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
        if (nt < 1) nt = 1;
        if (nt > 256) nt = 256;
        m->pool = llm_pool_new(nt);
        if (!m->pool) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: cannot start %d threads", gguf_name(file), nt);
    }
    if (!st) st = alloc_state(m, err);
    if (!st) st = pack_weights(m, err);
    if (st) {
        gorilla_model_free(m);
        return st;
    }
    *out = m;
    return GORILLA_OK;
}

/* ---- the public API ----------------------------------------------------- */

gorilla_status llm_model_load_cpu(const char *path, const gorilla_model_opts *opts, const char *cpu,
                                  gorilla_model **out, gorilla_error *err)
{
    *out = NULL;
    gguf_file *f;
    gorilla_status st = gguf_open(path, &f, err);
    if (st) return st;
    return llm_model_build(f, opts, cpu, out, err);
}

gorilla_status gorilla_model_load(const char *path, const gorilla_model_opts *opts, gorilla_model **out,
                                  gorilla_error *err)
{
    return llm_model_load_cpu(path, opts, NULL, out, err);
}

void gorilla_model_free(gorilla_model *m)
{
    if (!m) return;
    llm_pool_free(m->pool);
    if (m->w.layers)
        for (int l = 0; l < m->cfg.n_layer; l++) {
            llm_layer *L = &m->w.layers[l];
            free(L->attn_norm);
            free(L->ffn_norm);
            packed_free(&L->wq);
            packed_free(&L->wk);
            packed_free(&L->wv);
            packed_free(&L->wo);
            packed_free(&L->w_gate);
            packed_free(&L->w_up);
            packed_free(&L->w_down);
        }
    packed_free(&m->w.output);
    free(m->w.layers);
    free(m->w.out_norm);
    free_state(&m->s);
    free(m->kv_tokens);
    for (size_t i = 0; i < m->n_tokens; i++) free(m->tokens[i]);
    free(m->tokens);
    free(m->scores);
    free(m->token_types);
    free(m->tok_kind);
    gorilla_tokenizer_free(m->tok);
    gguf_close(m->file);
    free(m);
}

int gorilla_model_n_vocab(const gorilla_model *m) { return m->cfg.n_vocab; }
int gorilla_model_n_ctx(const gorilla_model *m) { return m->cfg.n_ctx; }
int gorilla_model_n_ctx_train(const gorilla_model *m) { return m->cfg.n_ctx_train; }
int gorilla_model_n_embd(const gorilla_model *m) { return m->cfg.n_embd; }
int gorilla_model_n_layer(const gorilla_model *m) { return m->cfg.n_layer; }
int gorilla_model_n_threads(const gorilla_model *m) { return llm_pool_size(m->pool); }
const char *gorilla_model_cpu(const gorilla_model *m) { return m->kn.name; }

static gorilla_status check_token(const gorilla_model *m, int32_t token, gorilla_error *err)
{
    if (token < 0 || token >= m->cfg.n_vocab)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "token id %d is out of range [0, %d)", token, m->cfg.n_vocab);
    return GORILLA_OK;
}

gorilla_status gorilla_model_forward(gorilla_model *m, int32_t token, int pos, float *logits, gorilla_error *err)
{
    gorilla_status st = check_token(m, token, err);
    if (st) return st;
    if (pos < 0 || pos >= m->cfg.n_ctx)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "position %d is outside the context of %d tokens", pos,
                            m->cfg.n_ctx);
    llm_forward(m, &token, 1, pos, logits, 0);
    llm_kv_note(m, &token, 1, pos);
    return GORILLA_OK;
}

void llm_kv_note(gorilla_model *m, const int32_t *tokens, size_t n, int pos)
{
    /* A gap after the valid prefix leaves the prefix as it is: positions
     * before pos do not depend on later ones. */
    if (pos > m->n_kv) return;
    memcpy(m->kv_tokens + pos, tokens, n * sizeof *tokens);
    m->n_kv = pos + (int)n;
}

gorilla_status gorilla_model_prompt(gorilla_model *m, const int32_t *tokens, size_t n, int pos, float *logits,
                                    gorilla_error *err)
{
    if (pos < 0 || pos > m->cfg.n_ctx || n > (size_t)(m->cfg.n_ctx - pos))
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%zu prompt tokens at position %d exceed the context of %d tokens",
                            n, pos, m->cfg.n_ctx);
    for (size_t i = 0; i < n; i++) {
        gorilla_status st = check_token(m, tokens[i], err);
        if (st) return st;
    }
    /* Reuse the cached positions that already hold this prompt's leading
     * tokens (a shared system prompt); the last token is always run, for
     * its logits. */
    size_t reuse = 0;
    while (reuse + 1 < n && pos + (int)reuse < m->n_kv && m->kv_tokens[pos + (int)reuse] == tokens[reuse]) reuse++;
    m->n_reused = (int)reuse;
    if (!n) return GORILLA_OK;
    llm_forward(m, tokens + reuse, (int)(n - reuse), pos + (int)reuse, logits, 0);
    llm_kv_note(m, tokens, n, pos);
    return GORILLA_OK;
}

gorilla_status gorilla_model_eval(gorilla_model *m, const int32_t *tokens, size_t n, int pos, float *logits_all,
                                  gorilla_error *err)
{
    if (pos < 0 || pos > m->cfg.n_ctx || n > (size_t)(m->cfg.n_ctx - pos))
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%zu tokens at position %d exceed the context of %d tokens", n, pos,
                            m->cfg.n_ctx);
    for (size_t i = 0; i < n; i++) {
        gorilla_status st = check_token(m, tokens[i], err);
        if (st) return st;
    }
    m->n_reused = 0;
    if (!n) return GORILLA_OK;
    llm_forward(m, tokens, (int)n, pos, logits_all, 1);
    llm_kv_note(m, tokens, n, pos);
    return GORILLA_OK;
}

size_t gorilla_model_vocab_count(const gorilla_model *m) { return m->n_tokens; }

const char *gorilla_model_token_text(const gorilla_model *m, int32_t id)
{
    return id >= 0 && (size_t)id < m->n_tokens ? m->tokens[id] : NULL;
}

float gorilla_model_token_score(const gorilla_model *m, int32_t id)
{
    return id >= 0 && (size_t)id < m->n_tokens ? m->scores[id] : 0.0f;
}

int gorilla_model_token_type(const gorilla_model *m, int32_t id)
{
    return id >= 0 && (size_t)id < m->n_tokens ? m->token_types[id] : 0;
}

int32_t gorilla_model_bos(const gorilla_model *m) { return m->bos; }
int32_t gorilla_model_eos(const gorilla_model *m) { return m->eos; }
const char *gorilla_model_tokenizer_kind(const gorilla_model *m) { return m->tok_kind; }
const gorilla_tokenizer *gorilla_model_tokenizer(const gorilla_model *m) { return m->tok; }
const char *gorilla_model_tokenizer_error(const gorilla_model *m) { return m->tok ? NULL : m->tok_err.message; }
