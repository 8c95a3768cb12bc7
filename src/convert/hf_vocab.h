/* hf_vocab.h — a Hugging Face checkpoint's vocabulary as GGUF tokenizer
 * metadata (internal), as llama.cpp's convert_hf_to_gguf.py writes it:
 *  - tokenizer.model (SentencePiece): model "llama", pre "default", every
 *    piece with its score and type; ids past the model up to vocab_size are
 *    "[PAD{i}]" (unused, score -10000); added_tokens.json entries are
 *    user-defined with score -1000.
 *  - tokenizer.json (byte-level BPE): model "gpt2", the vocabulary (ids
 *    with no token are "[PAD{i}]", unused), added tokens control when
 *    special, else user-defined; merges by rank; pre from the
 *    architecture (mpt, falcon) or the pre-tokenizer's split patterns.
 * Special ids from tokenizer_config.json (bos_token... by content), else
 * config.json (bos_token_id...), else the SentencePiece trainer spec;
 * add_bos_token / add_eos_token and chat_template from
 * tokenizer_config.json. */
#ifndef GORILLA_CONVERT_HF_VOCAB_H
#define GORILLA_CONVERT_HF_VOCAB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"
#include "llm/gguf/gguf_write.h"

typedef struct {
    const char *model; /* "llama" or "gpt2" */
    char pre[32];
    char **tokens;
    float *scores;     /* NULL for gpt2 */
    int32_t *types;
    size_t n;
    char **merges;
    size_t n_merges;
    int32_t bos, eos, unk, pad; /* -1: none */
    int add_bos, add_eos;       /* -1: not said */
    int add_space_prefix;       /* -1: not said */
    char *chat_template;
    char source[32];            /* "tokenizer.model" / "tokenizer.json" */
} hf_vocab;

/* Loads dir's vocabulary. arch: "llama", "mpt", "falcon"; n_vocab: the
 * model's vocabulary size (config.json), which the token list is padded
 * to; pre: a tokenizer.ggml.pre to use instead of detecting one (or NULL). */
gorilla_status hf_vocab_load(const char *dir, const char *arch, size_t n_vocab, const json_t *config, const char *pre,
                             hf_vocab *v, gorilla_error *err);
/* The byte-level BPE part from a parsed tokenizer.json (`dir` for
 * messages); v must be zeroed; on failure the caller frees v. */
gorilla_status hf_vocab_bpe(const char *dir, const char *arch, size_t n_vocab, const json_t *tj, const char *pre,
                            hf_vocab *v, gorilla_error *err);
void hf_vocab_free(hf_vocab *v);
/* Writes the tokenizer.* keys; returns 0, -1 when out of memory. */
int hf_vocab_write(gguf_writer *w, const hf_vocab *v);

#endif
