/* matmul.c — products over the pool with the model's kernel set.
 *
 * Work is split by units of output rows: one packed group of 16 rows for
 * packed matrices, otherwise one row (one token) or 16 rows (a batch). */
#include "llm/model/matmul.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define MAXM 4
#define TILE_ROWS 16 /* unpacked batched products split rows in units of this */
/* Fewer tokens than this run the one-token kernels per token (a group's
 * weights stay in cache across the tokens): the batched tiles fill 16
 * token lanes and unpack weights once per tile, which a handful of tokens
 * does not repay (measured in docs/engine-speed.md). */
#define GEMM_MIN_TOKENS 64

typedef struct {
    const llm_kernels *k;
    const llm_mm_ctx *c;
    int n;
    const llm_matrix *w[MAXM];
    float *out[MAXM];
    size_t ldo[MAXM];
    size_t units[MAXM]; /* units of rows per matrix */
    const float *x;     /* f32 activations */
    size_t ldx;
    const llm_q8 *xq;   /* quantized activations, nb blocks per token */
    size_t nb, nt;
    const void *xt;     /* packed for gemm, or NULL */
} mm_job;

/* Rows [lo, hi) of an unpacked matrix, all tokens. */
static void rows_stored(const mm_job *j, int k, size_t lo, size_t hi)
{
    const llm_matrix *w = j->w[k];
    if (llm_type_uses_q8(w->type)) {
        llm_dotq_fn dot = j->k->dotq[w->type];
        for (size_t r = lo; r < hi; r++)
            for (size_t t = 0; t < j->nt; t++)
                j->out[k][t * j->ldo[k] + r] = dot(w->data + r * w->row_bytes, j->xq + t * j->nb, w->cols);
    } else {
        qt_dot_fn dot = j->k->dotf[w->type];
        for (size_t r = lo; r < hi; r++)
            for (size_t t = 0; t < j->nt; t++)
                j->out[k][t * j->ldo[k] + r] = dot(w->data + r * w->row_bytes, j->x + t * j->ldx, w->cols);
    }
}

/* Groups [lo, hi) of a packed matrix, all tokens. */
static void groups_packed(const mm_job *j, int k, size_t lo, size_t hi, int thread)
{
    const llm_matrix *w = j->w[k];
    size_t gbytes = j->nb * llm_pack_block_bytes(w->type);
    llm_gemm_fn gemm = j->xt ? j->k->gemm[w->type] : NULL;
    if (gemm) {
        gemm(w->packed, LLM_PACK_ROWS * lo, LLM_PACK_ROWS * hi, w->cols, j->xt, j->nt, j->out[k], j->ldo[k],
             j->c->wscratch + (size_t)thread * j->c->wstride);
        return;
    }
    llm_gemv16_fn gemv = j->k->gemv16[w->type];
    for (size_t g = lo; g < hi; g++) {
        const uint8_t *group = w->packed + g * gbytes;
        if (j->nt == 1) {
            gemv(group, j->xq, w->cols, j->out[k] + LLM_PACK_ROWS * g);
            continue;
        }
        for (size_t t = 0; t < j->nt; t++) {
            float o[LLM_PACK_ROWS];
            gemv(group, j->xq + t * j->nb, w->cols, o);
            memcpy(j->out[k] + t * j->ldo[k] + LLM_PACK_ROWS * g, o, sizeof o);
        }
    }
}

static void mm_units(void *ctx, size_t start, size_t end, int thread)
{
    const mm_job *j = ctx;
    size_t base = 0;
    for (int k = 0; k < j->n; k++) {
        size_t u = j->units[k];
        if (end > base && start < base + u) {
            size_t lo = start > base ? start - base : 0, hi = end - base < u ? end - base : u;
            const llm_matrix *w = j->w[k];
            if (w->packed) groups_packed(j, k, lo, hi, thread);
            else if (j->nt > 1) rows_stored(j, k, TILE_ROWS * lo, TILE_ROWS * hi < w->rows ? TILE_ROWS * hi : w->rows);
            else rows_stored(j, k, lo, hi);
        }
        base += u;
    }
}

static void prep_groups(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    mm_job *j = ctx;
    size_t cols = j->nb * 32;
    for (size_t g = start; g < end; g++) {
        size_t t0 = 16 * g, t1 = t0 + 16 < j->nt ? t0 + 16 : j->nt;
        llm_q8 *xq = (llm_q8 *)j->xq + t0 * j->nb;
        for (size_t t = t0; t < t1; t++) j->k->quantize(j->x + t * j->ldx, xq + (t - t0) * j->nb, cols);
        if (j->xt) j->k->xt_pack(xq, j->nb, t1 - t0, cols, (uint8_t *)j->xt + j->k->xt_size(16, cols) * g);
    }
}

static void run(llm_pool *pool, mm_job *j, int n, const llm_matrix *const *w, float *const *out, const size_t *ldo)
{
    size_t total = 0;
    j->n = n;
    for (int k = 0; k < n; k++) {
        j->w[k] = w[k];
        j->out[k] = out[k];
        j->ldo[k] = ldo ? ldo[k] : w[k]->rows;
        if (w[k]->packed) j->units[k] = w[k]->rows / LLM_PACK_ROWS;
        else if (j->nt > 1) j->units[k] = (w[k]->rows + TILE_ROWS - 1) / TILE_ROWS;
        else j->units[k] = w[k]->rows;
        total += j->units[k];
    }
    llm_pool_run(pool, mm_units, j, total);
}

static int any_q8(int n, const llm_matrix *const *w)
{
    for (int k = 0; k < n; k++)
        if (llm_type_uses_q8(w[k]->type)) return 1;
    return 0;
}

gorilla_status llm_mm_ctx_init(llm_mm_ctx *c, const llm_kernels *kn, llm_pool *pool, size_t max_tokens,
                               size_t max_cols, gorilla_error *err)
{
    memset(c, 0, sizeof *c);
    c->kn = kn;
    c->pool = pool;
    c->max_tokens = max_tokens;
    c->max_cols = max_cols;
    size_t nb = (max_cols + 31) / 32, threads = (size_t)llm_pool_size(pool);
    c->xq = malloc(max_tokens * nb * sizeof *c->xq);
    int ok = c->xq != NULL;
    if (ok && kn->xt_pack && max_tokens >= GEMM_MIN_TOKENS) {
        c->xt = aligned_alloc(64, (kn->xt_size(max_tokens, nb * 32) + 63) / 64 * 64);
        c->wstride = (kn->gemm_scratch(nb * 32) + 63) / 64 * 64;
        c->wscratch = aligned_alloc(64, threads * c->wstride);
        ok = c->xt && c->wscratch;
    }
    if (!ok) {
        llm_mm_ctx_free(c);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory for the products' scratch (%zu tokens of %zu)",
                            max_tokens, max_cols);
    }
    return GORILLA_OK;
}

void llm_mm_ctx_free(llm_mm_ctx *c)
{
    free(c->xq);
    free(c->xt);
    free(c->wscratch);
    memset(c, 0, sizeof *c);
}

void llm_mm(const llm_mm_ctx *c, int n, const llm_matrix *const *w, const float *x, size_t ldx, size_t nt,
            float *const *out, const size_t *ldo)
{
    mm_job j = {.k = c->kn, .c = c, .x = x, .ldx = ldx, .nt = nt};
    size_t cols = w[0]->cols;
    if (any_q8(n, w) && cols % 32 == 0) {
        j.nb = cols / 32;
        j.xq = c->xq;
        if (nt == 1) {
            j.k->quantize(x, c->xq, cols);
        } else {
            int want_gemm = 0;
            for (int k = 0; k < n; k++)
                if (w[k]->packed && j.k->gemm[w[k]->type]) want_gemm = 1;
            if (want_gemm && c->xt && nt >= GEMM_MIN_TOKENS) j.xt = c->xt;
            /* quantize (and pack) groups of 16 tokens across the pool */
            llm_pool_run(c->pool, prep_groups, &j, (nt + 15) / 16);
        }
    }
    run(c->pool, &j, n, w, out, nt == 1 ? NULL : ldo);
}
