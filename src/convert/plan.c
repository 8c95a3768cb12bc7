/* plan.c — the output side of every conversion: tensor list, type rules,
 * row-by-row production and the atomic save. */
#include "convert/convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/quant/quant.h"

gorilla_status cv_plan_init(cv_plan *p, const char *src_name, gorilla_error *err)
{
    memset(p, 0, sizeof *p);
    p->src_name = src_name;
    if (!(p->w = gguf_writer_new())) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return GORILLA_OK;
}

void cv_plan_free(cv_plan *p)
{
    if (!p) return;
    gguf_writer_free(p->w);
    for (size_t i = 0; i < p->n; i++) free(p->t[i].row_map);
    free(p->t);
    memset(p, 0, sizeof *p);
}

uint32_t cv_pick_type(uint32_t want, uint32_t n_dims, uint64_t ne0)
{
    if (n_dims < 2) return QT_F32;
    const qtype_traits *tr = qtype_get(want);
    if (!tr) return QT_F32;
    if (ne0 % tr->block_size == 0) return want;
    uint32_t fb;
    switch (want) {
    case QT_Q2_K:
    case QT_Q3_K: fb = QT_Q4_0; break;
    case QT_Q4_K: fb = QT_Q5_0; break;
    case QT_Q5_K: fb = QT_Q5_1; break;
    case QT_Q6_K: fb = QT_Q8_0; break;
    default: fb = QT_F16; break;
    }
    tr = qtype_get(fb);
    return ne0 % tr->block_size == 0 ? fb : QT_F16;
}

uint32_t cv_file_type(uint32_t type)
{
    switch (type) {
    case QT_F32: return 0;
    case QT_F16: return 1;
    case QT_Q4_0: return 2;
    case QT_Q4_1: return 3;
    case QT_Q8_0: return 7;
    case QT_Q5_0: return 8;
    case QT_Q5_1: return 9;
    case QT_Q2_K: return 10;
    case QT_Q3_K: return 11; /* Q3_K_S: every weight Q3_K */
    case QT_Q4_K: return 14; /* Q4_K_S */
    case QT_Q5_K: return 16; /* Q5_K_S */
    case QT_Q6_K: return 18;
    case QT_BF16: return 32;
    default: return 0;
    }
}

int cv_meta_common(gguf_writer *w, const char *arch, const char *name, uint32_t weight_type)
{
    int bad = 0;
    bad |= gguf_writer_str(w, "general.architecture", arch);
    bad |= gguf_writer_str(w, "general.name", name);
    bad |= gguf_writer_u32(w, "general.file_type", cv_file_type(weight_type));
    const qtype_traits *tr = qtype_get(weight_type);
    if (tr && tr->block_size > 1) bad |= gguf_writer_u32(w, "general.quantization_version", 2);
    bad |= gguf_writer_alignment(w, 32);
    return bad;
}

uint64_t *cv_rowmap_rope_permute(uint64_t rows, uint64_t n_head)
{
    if (n_head == 0 || rows % n_head || (rows / n_head) % 2) return NULL;
    uint64_t *m = malloc((size_t)rows * sizeof *m);
    if (!m) return NULL;
    uint64_t D = rows / n_head, half = D / 2;
    for (uint64_t h = 0; h < n_head; h++)
        for (uint64_t i = 0; i < half; i++)
            for (uint64_t s = 0; s < 2; s++) m[h * D + 2 * i + s] = h * D + s * half + i;
    return m;
}

gorilla_status cv_plan_add(cv_plan *p, const cv_tensor *t, gorilla_error *err)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        cv_tensor *nt = realloc(p->t, cap * sizeof *nt);
        if (!nt) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        p->t = nt;
        p->cap = cap;
    }
    cv_tensor *d = &p->t[p->n];
    *d = *t;
    d->type = cv_pick_type(t->type, t->n_dims, t->ne[0]);
    for (uint32_t i = t->n_dims; i < 4; i++) d->ne[i] = 1;
    if (gguf_writer_tensor(p->w, d->name, d->type, d->n_dims, d->ne, NULL)) {
        free(d->row_map);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: cannot add tensor '%s'", p->src_name, d->name);
    }
    p->n++;
    return GORILLA_OK;
}

static float rd_f32(const uint8_t *q)
{
    float f;
    memcpy(&f, q, 4);
    return f;
}

/* One source row (length ne0) as f32. */
static void source_row(const cv_tensor *t, uint64_t r, float *out)
{
    uint64_t ne0 = t->ne[0];
    if (t->kind == CV_SRC_QTYPE) {
        size_t rb = qtype_row_size(t->qtype, (size_t)ne0);
        dequantize_row(t->qtype, t->data + r * rb, out, (size_t)ne0);
        return;
    }
    const int8_t *q = (const int8_t *)t->data;
    for (uint64_t j = 0; j < ne0; j++) {
        uint64_t e = r * ne0 + j;
        out[j] = (float)q[e] * rd_f32(t->scales + 4 * (e / t->group));
    }
}

typedef struct {
    const cv_plan *p;
} fill_ctx;

static gorilla_status fill(void *vctx, size_t index, void *buf, size_t n_bytes, gorilla_error *err)
{
    const fill_ctx *c = vctx;
    const cv_tensor *t = &c->p->t[index];
    uint64_t ne0 = t->ne[0], rows = t->ne[1] * t->ne[2] * t->ne[3];
    size_t rb = qtype_row_size(t->type, (size_t)ne0);
    if (rb * rows != n_bytes)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor '%s': size mismatch", c->p->src_name, t->name);
    float *row = malloc((size_t)ne0 * 2 * sizeof *row);
    if (!row) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (t->n_dims == 1 && t->row_map) { /* a 1-D tensor reorders its elements */
        source_row(t, 0, row + ne0);
        for (uint64_t j = 0; j < ne0; j++) row[j] = row[ne0 + t->row_map[j]];
        quantize_row(t->type, row, buf, (size_t)ne0);
        free(row);
        return GORILLA_OK;
    }
    for (uint64_t r = 0; r < rows; r++) {
        source_row(t, t->row_map ? t->row_map[r] : r, row);
        quantize_row(t->type, row, (uint8_t *)buf + r * rb, (size_t)ne0);
    }
    free(row);
    return GORILLA_OK;
}

gorilla_status cv_plan_fill(const cv_plan *p, size_t i, void *buf, size_t n_bytes, gorilla_error *err)
{
    fill_ctx fc = {p};
    if (i >= p->n) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no tensor %zu", p->src_name, i);
    return fill(&fc, i, buf, n_bytes, err);
}

gorilla_status cv_plan_save(cv_plan *p, const char *path, gorilla_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (!tmp) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    fill_ctx fc = {p};
    gorilla_status st = gguf_writer_save(p->w, tmp, fill, &fc, err);
    if (st == GORILLA_OK && rename(tmp, path) != 0)
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot rename from %s: %s", path, tmp, strerror(errno));
    if (st != GORILLA_OK) remove(tmp);
    free(tmp);
    return st;
}
