/* hf.h — a Hugging Face config.json as the converter reads it (internal). */
#ifndef GORILLA_CONVERT_HF_H
#define GORILLA_CONVERT_HF_H

#include <jansson.h>
#include <stdint.h>

#include "gorilla.h"

typedef enum { HF_LLAMA, HF_MPT, HF_FALCON } hf_arch;

typedef struct {
    hf_arch arch;
    const char *gguf_arch;
    char hf_name[64];
    uint64_t n_embd, n_ff, n_layer, n_head, n_head_kv, n_vocab, n_ctx, head_dim;
    double eps, rope_theta, rope_linear; /* rope_linear 0: none */
    int tied;
    double clip_qkv, alibi_max; /* MPT; clip 0: none */
    int has_clip, falcon_new;
} hf_config;

/* Reads the architecture and hyperparameters; errors name `path` and the
 * missing or bad key. */
gorilla_status hf_config_read(const char *path, const json_t *root, hf_config *c, gorilla_error *err);

#endif
