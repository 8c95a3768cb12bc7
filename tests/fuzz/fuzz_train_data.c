/* fuzz_train_data.c — libFuzzer target: the trainer's dataset reader
 * (FastChat JSON / JSON lines) on arbitrary bytes, then rendering and
 * packing what parsed with a small synthetic vocabulary. The first byte
 * picks the row length. Must fail cleanly or succeed, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support/synth.h"
#include "train/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gorilla_tokenizer *tok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    gorilla_error err;
    if (!tok) {
        char **v = llm_synth_vocab(300);
        gorilla_tokenizer_spec spec;
        gorilla_tokenizer_spec_init(&spec);
        spec.model = "llama";
        spec.tokens = (const char *const *)v;
        spec.n_tokens = 300;
        spec.bos_id = 1;
        spec.eos_id = 2;
        spec.unk_id = 0;
        if (gorilla_tokenizer_new(&spec, &tok, &err)) tok = NULL;
        llm_synth_vocab_free(v, 300);
        if (!tok) return 0;
    }
    tr_chat chat;
    if (tr_chat_parse("fuzz", (const char *)data + 1, size - 1, &chat, &err)) return 0;
    tr_rows rows;
    int T = 2 + data[0] % 64;
    if (!tr_rows_build(&chat, NULL, NULL, tok, 300, T, &rows, &err)) {
        /* every row is T + 1 tokens inside the vocabulary */
        for (size_t i = 0; i < rows.n_rows * (size_t)(T + 1); i++)
            if (rows.tokens[i] < 0 || rows.tokens[i] >= 300) abort();
        tr_rows_free(&rows);
    }
    tr_chat_free(&chat);
    return 0;
}
