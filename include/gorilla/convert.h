/* gorilla/convert.h — checkpoints to GGUF, GGUF to another tensor type (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_CONVERT_H
#define GORILLA_API_CONVERT_H

#include "gorilla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- convert ---- */
/* Checkpoints to GGUF, and GGUF to another tensor type (src/convert).
 * Outputs use llama.cpp's tensor names, metadata and Q/K row order, so
 * llama.cpp and this engine read them alike. Written to OUT.tmp, then
 * renamed over OUT. Inputs are untrusted: every size and offset is checked,
 * errors name the file and tensor. */
typedef struct {
    int type;              /* weight type: a GGUF/ggml type id (gorilla_type_from_name);
                              -1: the source's (llama2.c: F32; HF: its dtype) */
    const char *tokenizer; /* llama2.c: the tokenizer .bin (NULL: tokenizer.bin beside it) */
    const char *name;      /* general.name (NULL: from the input's name) */
    const char *pre;       /* HF byte-level BPE: tokenizer.ggml.pre (NULL: from the architecture
                              or tokenizer.json's pre-tokenizer) */
} gorilla_convert_opts;

/* What a conversion wrote (for messages). */
typedef struct {
    char arch[16];       /* "llama", "mpt", "falcon" */
    char format[48];     /* the input's format: "llama2.c legacy", "llama2.c v1", "hf safetensors", ... */
    size_t n_tensors;
    size_t n_vocab;
    uint64_t n_params;
} gorilla_convert_info;

void gorilla_convert_opts_init(gorilla_convert_opts *opts);
/* A llama2.c checkpoint (legacy, v1 fp32 or v2 int8 export) with its
 * tokenizer .bin to a LLaMA GGUF. info may be NULL. */
gorilla_status gorilla_convert_llama2c(const char *checkpoint, const char *out_path, const gorilla_convert_opts *opts,
                                       gorilla_convert_info *info, gorilla_error *err);
/* A Hugging Face checkpoint directory (config.json, *.safetensors single or
 * sharded, tokenizer.json or tokenizer.model) of LlamaForCausalLM,
 * MistralForCausalLM, MPTForCausalLM or FalconForCausalLM to GGUF. */
gorilla_status gorilla_convert_hf(const char *dir, const char *out_path, const gorilla_convert_opts *opts,
                                  gorilla_convert_info *info, gorilla_error *err);
/* Either of the above: a directory is a Hugging Face checkpoint, a file a
 * llama2.c one. */
gorilla_status gorilla_convert(const char *input, const char *out_path, const gorilla_convert_opts *opts,
                               gorilla_convert_info *info, gorilla_error *err);
/* Rewrites a GGUF file with its weight matrices in `type` (1-D tensors stay
 * F32; rows that do not fit the type's block fall back as llama.cpp does),
 * every metadata key copied (general.file_type updated). */
gorilla_status gorilla_quantize(const char *in_path, const char *out_path, int type, gorilla_convert_info *info,
                                gorilla_error *err);
/* "Q4_0" -> its type id, -1 when unknown or not writable; and back ("?"). */
int gorilla_type_from_name(const char *name);
const char *gorilla_type_name(int type);
/* ---- end convert ---- */

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_CONVERT_H */
