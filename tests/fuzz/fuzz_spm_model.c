/* fuzz_spm_model.c — libFuzzer target for the SentencePiece model
 * (protobuf) reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/spm_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    spm_model m;
    gorilla_error err;
    if (spm_model_parse("fuzz.model", copy, size, &m, &err) == GORILLA_OK) {
        volatile size_t sink = 0;
        for (size_t i = 0; i < m.n; i++) {
            if (!m.pieces[i] || m.types[i] < 1 || m.types[i] > 6) abort();
            sink += strlen(m.pieces[i]);
        }
        (void)sink;
        spm_model_free(&m);
    }
    free(copy);
    return 0;
}
