/* fuzz_gguf.c — libFuzzer target for the GGUF reader (and, when the file
 * validates, the LLaMA config/weight checks).
 * Build: clang -fsanitize=fuzzer,address -Iinclude -Isrc tests/fuzz/fuzz_gguf.c libgorilla.a ... */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf/gguf.h"
#include "llm/model/model.h"
#include "llm/quant/quant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gguf_file *f = NULL;
    gorilla_error err;
    if (gguf_open_buffer("fuzz.gguf", data, size, &f, &err) != GORILLA_OK) return 0;
    /* Touch everything the accessors expose. */
    volatile uint64_t sink = 0;
    for (size_t i = 0; i < gguf_n_kv(f); i++) {
        const gguf_kv *kv = gguf_kv_at(f, i);
        if (gguf_find_kv(f, kv->key) != kv) abort();
        if (kv->type == GGUF_T_ARRAY && kv->arr_type == GGUF_T_STRING)
            for (uint64_t j = 0; j < kv->arr_n; j++) {
                gguf_str s = gguf_arr_str(kv, j);
                if (s.len) sink += (uint8_t)s.ptr[s.len - 1];
            }
        if (kv->type == GGUF_T_ARRAY && (kv->arr_type == GGUF_T_FLOAT32 || kv->arr_type == GGUF_T_INT32))
            for (uint64_t j = 0; j < kv->arr_n; j++) sink += (uint64_t)gguf_arr_i32(kv, j);
        uint64_t u;
        double d;
        gguf_get_u64(f, kv->key, &u, NULL);
        gguf_get_f64(f, kv->key, &d, NULL);
    }
    float buf[256];
    for (size_t i = 0; i < gguf_n_tensors(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        if (gguf_find_tensor(f, t->name) != t) abort();
        const qtype_traits *tr = qtype_get(t->type);
        /* dequantize the first block of the tensor (if it has one) */
        if (t->n_bytes >= tr->type_size) {
            size_t n = tr->block_size <= 256 ? tr->block_size : 0;
            if (n) {
                dequantize_row(t->type, t->data, buf, n);
                sink += (uint64_t)(buf[0] != buf[0]);
            }
        }
    }
    (void)sink;
    /* The model checks on whatever validated (small context, one thread). */
    gorilla_model_opts o = {1, 8};
    gorilla_model *m = NULL;
    if (llm_model_build(f, &o, NULL, &m, &err) == GORILLA_OK) {
        /* one token when the model is small enough to run quickly */
        if ((uint64_t)m->cfg.n_embd * (uint64_t)(m->cfg.n_ff + m->cfg.n_vocab) * (uint64_t)m->cfg.n_layer < (1u << 22))
            gorilla_model_forward(m, 0, 0, NULL, NULL);
        gorilla_model_free(m);
    }
    return 0;
}
