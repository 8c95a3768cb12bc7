/* export.c — the trained model as a LLaMA GGUF: llama.cpp's tensor names
 * and llama.* metadata, every tensor F32, the tokenizer.* metadata copied
 * from the vocabulary (or base model) file. Written to PATH.tmp, then
 * renamed. */
#include "train/trainer_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/gguf/gguf.h"
#include "llm/gguf/gguf_write.h"

static int copy_kv(gguf_writer *w, const gguf_file *f, const gguf_kv *kv)
{
    const char *k = kv->key;
    gorilla_error e;
    int bad = 0;
    switch (kv->type) {
    case GGUF_T_STRING: {
        char *s = strndup(kv->str.ptr, (size_t)kv->str.len);
        bad = !s || gguf_writer_str(w, k, s);
        free(s);
        break;
    }
    case GGUF_T_BOOL: {
        int b;
        bad = gguf_get_bool(f, k, &b, &e) || gguf_writer_bool(w, k, b);
        break;
    }
    case GGUF_T_FLOAT32:
    case GGUF_T_FLOAT64: {
        float v;
        bad = gguf_get_f32(f, k, &v, &e) || gguf_writer_f32(w, k, v);
        break;
    }
    case GGUF_T_ARRAY:
        if (kv->arr_type == GGUF_T_STRING) {
            size_t n = (size_t)kv->arr_n;
            char **s = calloc(n ? n : 1, sizeof *s);
            bad = !s;
            for (size_t i = 0; i < n && !bad; i++) {
                gguf_str g = gguf_arr_str(kv, i);
                bad = !(s[i] = strndup(g.ptr, (size_t)g.len));
            }
            if (!bad) bad = gguf_writer_arr_str(w, k, (const char *const *)s, n);
            for (size_t i = 0; s && i < n; i++) free(s[i]);
            free(s);
        } else if (kv->arr_type == GGUF_T_FLOAT32) {
            float *v = malloc((size_t)kv->arr_n * sizeof *v + 1);
            bad = !v;
            for (uint64_t i = 0; !bad && i < kv->arr_n; i++) v[i] = gguf_arr_f32(kv, i);
            if (!bad) bad = gguf_writer_arr_f32(w, k, v, (size_t)kv->arr_n);
            free(v);
        } else if (kv->arr_type == GGUF_T_INT32) {
            int32_t *v = malloc((size_t)kv->arr_n * sizeof *v + 1);
            bad = !v;
            for (uint64_t i = 0; !bad && i < kv->arr_n; i++) v[i] = gguf_arr_i32(kv, i);
            if (!bad) bad = gguf_writer_arr_i32(w, k, v, (size_t)kv->arr_n);
            free(v);
        }
        break; /* other array types: not written (llama.cpp does not need them) */
    default: {
        int64_t v;
        if (gguf_get_i64(f, k, &v, &e)) break;
        if (v >= 0 && v <= (int64_t)UINT32_MAX) bad = gguf_writer_u32(w, k, (uint32_t)v);
        else if (v >= INT32_MIN && v < 0) bad = gguf_writer_i32(w, k, (int32_t)v);
        else bad = gguf_writer_u64(w, k, (uint64_t)v);
        break;
    }
    }
    return bad;
}

/* A base tensor's data; a LoRA-targeted matrix merged:
 * W[r][:] + (alpha / rank) sum_k B[r][k] A[k][:]. */
static gorilla_status fill(void *ctx, size_t index, void *buf, size_t n_bytes, gorilla_error *err)
{
    const gorilla_trainer *t = ctx;
    const tr_layout *lay = &t->lay;
    (void)err;
    const tr_tensor *tt = &lay->t[index];
    memcpy(buf, t->params + tt->off, n_bytes);
    size_t L = (size_t)lay->cfg.n_layer * TR_PER_LAYER;
    if (lay->cfg.lora_rank <= 0 || index < 1 || index > L || !lay->lora[index - 1]) return GORILLA_OK;
    const tr_tensor *ta = &lay->t[lay->lora[index - 1]], *tb = ta + 1;
    const float *A = t->params + ta->off, *B = t->params + tb->off;
    size_t R = (size_t)lay->cfg.lora_rank;
    float s = lay->cfg.lora_alpha / (float)lay->cfg.lora_rank, *w = buf;
    for (size_t r = 0; r < tt->rows; r++)
        for (size_t k = 0; k < R; k++) {
            float b = s * B[r * R + k];
            for (size_t i = 0; i < tt->cols; i++) w[r * tt->cols + i] += b * A[k * tt->cols + i];
        }
    return GORILLA_OK;
}

gorilla_status gorilla_trainer_export(const gorilla_trainer *t, const char *path, gorilla_error *err)
{
    const tr_config *c = &t->lay.cfg;
    gguf_file *src;
    gorilla_status st = gguf_open(t->tok_src, &src, err);
    if (st) return st;
    gguf_writer *w = gguf_writer_new();
    if (!w) {
        gguf_close(src);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    int bad = 0;
    bad |= gguf_writer_str(w, "general.architecture", "llama");
    bad |= gguf_writer_str(w, "general.name", "gorilla-train");
    bad |= gguf_writer_u32(w, "general.file_type", 0);
    bad |= gguf_writer_u32(w, "llama.vocab_size", (uint32_t)c->n_vocab);
    bad |= gguf_writer_u32(w, "llama.context_length", (uint32_t)t->n_ctx_export);
    bad |= gguf_writer_u32(w, "llama.embedding_length", (uint32_t)c->n_embd);
    bad |= gguf_writer_u32(w, "llama.block_count", (uint32_t)c->n_layer);
    bad |= gguf_writer_u32(w, "llama.feed_forward_length", (uint32_t)c->n_ff);
    bad |= gguf_writer_u32(w, "llama.attention.head_count", (uint32_t)c->n_head);
    bad |= gguf_writer_u32(w, "llama.attention.head_count_kv", (uint32_t)c->n_head_kv);
    bad |= gguf_writer_u32(w, "llama.rope.dimension_count", (uint32_t)(c->n_embd / c->n_head));
    bad |= gguf_writer_f32(w, "llama.attention.layer_norm_rms_epsilon", c->rms_eps);
    bad |= gguf_writer_f32(w, "llama.rope.freq_base", c->rope_base);
    for (size_t i = 0; i < gguf_n_kv(src) && !bad; i++) {
        const gguf_kv *kv = gguf_kv_at(src, i);
        if (!strncmp(kv->key, "tokenizer.", 10)) bad |= copy_kv(w, src, kv);
    }
    for (size_t i = 0; i < t->lay.n_base && !bad; i++) {
        const tr_tensor *tt = &t->lay.t[i];
        uint64_t ne[2] = {tt->cols, tt->rows};
        bad |= gguf_writer_tensor(w, tt->name, 0 /* F32 */, tt->rows == 1 ? 1 : 2, ne, NULL);
    }
    gguf_close(src);
    if (bad) {
        gguf_writer_free(w);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory building the GGUF");
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) {
        gguf_writer_free(w);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    snprintf(tmp, plen + 5, "%s.tmp", path);
    st = gguf_writer_save(w, tmp, fill, (void *)t, err);
    gguf_writer_free(w);
    if (!st && rename(tmp, path))
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot rename the GGUF into place: %s", path, strerror(errno));
    if (st) remove(tmp);
    free(tmp);
    return st;
}
