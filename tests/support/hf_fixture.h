/* hf_fixture.h — small random Hugging Face checkpoints for tests:
 * config.json, safetensors (one file, or two shards with
 * model.safetensors.index.json), and a tiny byte-level BPE tokenizer.json
 * or a SentencePiece tokenizer.model (test-only code). */
#ifndef GORILLA_TEST_HF_FIXTURE_H
#define GORILLA_TEST_HF_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *arch;  /* "llama", "mpt", "falcon" */
    int n_embd, n_ff, n_layer, n_head, n_head_kv, n_vocab, n_ctx;
    const char *dtype; /* "F32", "F16", "BF16" */
    int tied;          /* llama: tie_word_embeddings (no lm_head) */
    double rope_theta, rope_factor; /* llama; factor 0: no rope_scaling */
    int sharded;       /* two shards and an index */
    int spm;           /* tokenizer.model instead of tokenizer.json */
    int bias;          /* mpt: norm biases (Falcon's norms always have them) */
    uint64_t seed;
} hf_fixture;

/* Fills defaults: llama, E 32, F 64, 2 layers, 4 heads, 2 KV heads, vocab
 * 300, ctx 64, F32, theta 10000. */
void hf_fixture_init(hf_fixture *f);
/* Creates dir (mkdir -p of one level) and writes the checkpoint. 0 / -1. */
int hf_fixture_write(const hf_fixture *f, const char *dir);
/* A safetensors file from a header JSON text and a data buffer. 0 / -1. */
int hf_fixture_write_raw(const char *path, const char *header, const void *data, size_t len);
/* Removes the files the fixture may have written and the directory. */
void hf_fixture_remove(const char *dir);
/* GPT-2's byte-to-unicode: the UTF-8 text of byte b's vocabulary char. */
void hf_fixture_byte_char(int b, char out[4]);

#endif
