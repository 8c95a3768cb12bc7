/* fuzz_hf_json.c — libFuzzer target for the Hugging Face JSON readers:
 * config.json (hf_config_read) and tokenizer.json (hf_vocab_bpe). The input
 * is the config text, a NUL byte, then the tokenizer text. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/hf.h"
#include "convert/hf_vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t a = nul ? (size_t)(nul - data) : size;
    gorilla_error err;
    json_t *cfg = json_loadb((const char *)data, a, 0, NULL);
    hf_config c;
    const char *arch = "llama";
    size_t n_vocab = 0;
    if (cfg && hf_config_read("config.json", cfg, &c, &err) == GORILLA_OK) {
        arch = c.gguf_arch;
        n_vocab = c.n_vocab < 4096 ? (size_t)c.n_vocab : 0;
    }
    json_decref(cfg);
    if (!nul) return 0;
    json_t *tj = json_loadb((const char *)nul + 1, size - a - 1, 0, NULL);
    if (tj) {
        hf_vocab v;
        memset(&v, 0, sizeof v);
        v.bos = v.eos = v.unk = v.pad = -1;
        if (hf_vocab_bpe("fuzz", arch, n_vocab, tj, NULL, &v, &err) == GORILLA_OK) {
            for (size_t i = 0; i < v.n; i++)
                if (!v.tokens[i]) abort();
        }
        hf_vocab_free(&v);
        json_decref(tj);
    }
    return 0;
}
