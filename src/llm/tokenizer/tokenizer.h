/* tokenizer.h — tokenizer internals shared with tokenizer_gguf.c and tests
 * (internal). The public API is in gorilla.h (gorilla_tokenizer_*). */
#ifndef GORILLA_LLM_TOKENIZER_H
#define GORILLA_LLM_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"
#include "llm/tokenizer/unicode.h"

struct gguf_file;

/* WordPiece (tokenizer.ggml.model "bert"): a kind beyond gorilla.h's two. */
#define GORILLA_TOKENIZER_BERT ((gorilla_tokenizer_kind)2)

/* gorilla_tokenizer_new with the byte-level BPE pre-tokenizer named by pre
 * (a tokenizer.ggml.pre value; "" = llama.cpp's "default"; NULL = "gpt2",
 * what gorilla_tokenizer_new uses). Ignored by the other kinds. An unknown
 * name is GORILLA_ERR_UNSUPPORTED. */
gorilla_status gorilla_tokenizer_new_pre(const gorilla_tokenizer_spec *spec, const char *pre,
                                         gorilla_tokenizer **out, gorilla_error *err);

/* Builds a tokenizer from an open GGUF file's tokenizer.ggml.* keys. */
gorilla_status gorilla_tokenizer_from_gguf(const struct gguf_file *f, gorilla_tokenizer **out,
                                           gorilla_error *err);

/* The canonical name of a BPE tokenizer's pre-tokenizer ("gpt2",
 * "llama3", ...), NULL for the other kinds. */
const char *gorilla_tokenizer_pre_name(const gorilla_tokenizer *tok);

#endif
