/* fuzz_safetensors.c — libFuzzer target for the safetensors reader: any
 * file image either fails cleanly or yields tensors whose every byte is
 * inside the image (each tensor is read end to end). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/safetensors.h"
#include "llm/quant/quant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_set *s = NULL;
    gorilla_error err;
    if (st_open_buffer("fuzz.safetensors", data, size, &s, &err) != GORILLA_OK) return 0;
    volatile float sink = 0;
    float buf[64];
    for (size_t i = 0; i < st_count(s); i++) {
        const st_tensor *t = st_at(s, i);
        if (st_find(s, t->name) == NULL) abort();
        if (t->data < data || t->data + t->n_bytes > data + size) abort();
        size_t es = st_dtype_size(t->dtype);
        if (t->n_bytes != t->n_elems * es) abort();
        for (uint64_t e = 0; e < t->n_elems; e += 64) {
            size_t n = t->n_elems - e < 64 ? (size_t)(t->n_elems - e) : 64;
            dequantize_row(t->qtype, t->data + e * es, buf, n);
            sink += buf[0];
        }
    }
    (void)sink;
    st_close(s);
    return 0;
}
