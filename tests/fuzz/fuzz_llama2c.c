/* fuzz_llama2c.c — libFuzzer target for the llama2.c checkpoint and
 * tokenizer readers. The input is a 4-byte little-endian length L, L bytes
 * of checkpoint, then the tokenizer .bin. When both validate, every output
 * tensor is produced (into memory; small models only). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "llm/quant/quant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    size_t l = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
    if (l > size - 4) l = size - 4;
    /* copies, so that reads past either part are caught */
    uint8_t *ck = malloc(l ? l : 1), *tk = malloc(size - 4 - l ? size - 4 - l : 1);
    memcpy(ck, data + 4, l);
    memcpy(tk, data + 4 + l, size - 4 - l);
    cv_map m = {(char *)"fuzz.bin", l ? ck : NULL, l}, t = {(char *)"fuzz-tok.bin", size - 4 - l ? tk : NULL, size - 4 - l};
    cv_plan p;
    gorilla_error err;
    if (cv_plan_init(&p, "fuzz.bin", &err) == GORILLA_OK) {
        gorilla_convert_info info;
        if (l2c_plan(&m, &t, "fuzz", QT_Q8_0, &p, &info, &err) == GORILLA_OK && info.n_params < (1u << 20)) {
            for (size_t i = 0; i < p.n; i++) {
                size_t n = qtype_row_size(p.t[i].type, (size_t)p.t[i].ne[0]) * (size_t)p.t[i].ne[1];
                void *buf = malloc(n ? n : 1);
                if (cv_plan_fill(&p, i, buf, n, &err) != GORILLA_OK) abort();
                free(buf);
            }
        }
        cv_plan_free(&p);
    }
    free(ck);
    free(tk);
    return 0;
}
