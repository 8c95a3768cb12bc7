/* matmul.c — products over the pool with the active kernel set. */
#include "llm/matmul.h"

#include <stdlib.h>
#include <string.h>

#define MAXM 4
#define TILE_ROWS 16 /* batched products split rows in units of this */

typedef struct {
    const llm_kernels *k;
    int n;
    const llm_matrix *w[MAXM];
    float *out[MAXM];
    size_t ldo[MAXM];
    size_t units[MAXM]; /* rows (vec) or units of TILE_ROWS (batch) per matrix */
    const float *x;     /* f32 activations */
    size_t ldx;
    const llm_q8 *xq;   /* quantized activations, nb blocks per token */
    size_t nb, nt;
    const void *xt;     /* packed for gemm, or NULL */
    const void *xd;     /* packed for dotd (one token), or NULL */
} mm_job;

static void die_oom(void)
{
    abort(); /* the products have no error path; a few MiB of scratch */
}

/* Rows [lo, hi) of one matrix, all tokens. */
static void rows_one(const mm_job *j, int k, size_t lo, size_t hi)
{
    const llm_matrix *w = j->w[k];
    if (j->xd && j->k->dotd[w->type]) {
        for (size_t r = lo; r < hi; r++)
            j->out[k][r] = j->k->dotd[w->type](w->data + r * w->row_bytes, j->xq, j->xd, w->cols);
    } else if (llm_type_uses_q8(w->type)) {
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

static void mm_units(void *ctx, size_t start, size_t end)
{
    const mm_job *j = ctx;
    size_t base = 0;
    for (int k = 0; k < j->n; k++) {
        size_t u = j->units[k];
        if (end > base && start < base + u) {
            size_t lo = start > base ? start - base : 0, hi = end - base < u ? end - base : u;
            const llm_matrix *w = j->w[k];
            llm_gemm_fn g = j->xt ? j->k->gemm[w->type] : NULL;
            if (g) {
                size_t r0 = TILE_ROWS * lo, r1 = TILE_ROWS * hi < w->rows ? TILE_ROWS * hi : w->rows;
                g(w->data, w->row_bytes, r0, r1, w->cols, j->xt, j->nt, j->out[k], j->ldo[k]);
            } else if (j->xt) {
                rows_one(j, k, TILE_ROWS * lo, TILE_ROWS * hi < w->rows ? TILE_ROWS * hi : w->rows);
            } else {
                rows_one(j, k, lo, hi);
            }
        }
        base += u;
    }
}

static void prep_groups(void *ctx, size_t start, size_t end)
{
    mm_job *j = ctx;
    size_t cols = j->nb * 32;
    for (size_t g = start; g < end; g++) {
        size_t t0 = 16 * g, t1 = t0 + 16 < j->nt ? t0 + 16 : j->nt;
        llm_q8 *xq = (llm_q8 *)j->xq + t0 * j->nb;
        for (size_t t = t0; t < t1; t++) j->k->quantize(j->x + t * j->ldx, xq + (t - t0) * j->nb, cols);
        if (j->xt) j->k->xt_pack(xq, j->nb, t1 - t0, cols, (uint8_t *)j->xt + j->k->xt_size(16, cols) * g);
    }
}

static void run(llm_pool *pool, mm_job *j, int n, const llm_matrix *const *w, float *const *out, const size_t *ldo,
                int tiles)
{
    size_t total = 0;
    j->n = n;
    for (int k = 0; k < n; k++) {
        j->w[k] = w[k];
        j->out[k] = out[k];
        j->ldo[k] = ldo ? ldo[k] : w[k]->rows;
        j->units[k] = tiles ? (w[k]->rows + TILE_ROWS - 1) / TILE_ROWS : w[k]->rows;
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

void llm_mm_vec(llm_pool *pool, int n, const llm_matrix *const *w, const float *x, float *const *out)
{
    mm_job j = {.k = llm_kernels_active(), .x = x, .nt = 1};
    size_t cols = w[0]->cols;
    llm_q8 stackq[256], *xq = NULL;
    _Alignas(64) uint8_t stackd[256 / 4 * 512];
    void *xd = NULL;
    if (any_q8(n, w) && cols % 32 == 0) {
        j.nb = cols / 32;
        xq = j.nb <= 256 ? stackq : malloc(j.nb * sizeof *xq);
        if (!xq) die_oom();
        j.k->quantize(x, xq, cols);
        j.xq = xq;
        if (j.k->xd_pack && cols >= 128) {
            size_t sz = (j.k->xd_size(cols) + 63) / 64 * 64;
            xd = sz <= sizeof stackd ? (void *)stackd : aligned_alloc(64, sz);
            if (!xd) die_oom();
            j.k->xd_pack(xq, cols, xd);
            j.xd = xd;
        }
    }
    run(pool, &j, n, w, out, NULL, 0);
    if (xq != stackq) free(xq);
    if (xd != (void *)stackd) free(xd);
}

void llm_mm_batch(llm_pool *pool, int n, const llm_matrix *const *w, const float *x, size_t ldx, size_t nt,
                  float *const *out, const size_t *ldo)
{
    mm_job j = {.k = llm_kernels_active(), .x = x, .ldx = ldx, .nt = nt};
    size_t cols = w[0]->cols;
    llm_q8 *xq = NULL;
    void *xt = NULL;
    if (any_q8(n, w) && cols % 32 == 0) {
        j.nb = cols / 32;
        xq = malloc(nt * j.nb * sizeof *xq);
        if (!xq) die_oom();
        j.xq = xq;
        int want_gemm = 0;
        for (int k = 0; k < n; k++)
            if (j.k->gemm[w[k]->type]) want_gemm = 1;
        if (want_gemm && j.k->xt_pack && nt > 1) {
            size_t sz = (j.k->xt_size(nt, cols) + 63) / 64 * 64;
            xt = aligned_alloc(64, sz);
            if (!xt) die_oom();
            j.xt = xt;
        }
        /* quantize (and pack) groups of 16 tokens across the pool */
        llm_pool_run(pool, prep_groups, &j, (nt + 15) / 16);
    }
    run(pool, &j, n, w, out, ldo, j.xt != NULL);
    free(xt);
    free(xq);
}
