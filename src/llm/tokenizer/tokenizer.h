/* tokenizer.h — tokenizer internals shared with tokenizer_gguf.c and tests
 * (internal). The public API is in gorilla.h (gorilla_tokenizer_*). */
#ifndef GORILLA_LLM_TOKENIZER_H
#define GORILLA_LLM_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "base/utf8.h"
#include "gorilla.h"

struct gguf_file;

/* Builds a tokenizer from an open GGUF file's tokenizer.ggml.* keys. */
gorilla_status gorilla_tokenizer_from_gguf(const struct gguf_file *f, gorilla_tokenizer **out,
                                           gorilla_error *err);

/* UTF-8 decoding and encoding: base/utf8.h (included for the tests). */

/* Approximate Unicode classes used by the GPT-2 pre-tokenizer: exact for
 * ASCII, a compact table of common ranges beyond it. */
int gorilla_cp_is_letter(uint32_t cp);
int gorilla_cp_is_number(uint32_t cp);
int gorilla_cp_is_space(uint32_t cp);

/* The GPT-2 pre-tokenizer
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * over code points: the end of the pre-token starting at pos (< n). */
size_t gorilla_gpt2_split_next(const uint32_t *cp, size_t n, size_t pos);

#endif
