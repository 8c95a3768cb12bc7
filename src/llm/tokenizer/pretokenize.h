/* pretokenize.h — byte-level BPE pre-tokenizers (internal): the regex
 * sequence llama.cpp applies for each tokenizer.ggml.pre value, compiled
 * with PCRE2 (UTF + UCP: full Unicode general categories). */
#ifndef GORILLA_LLM_TOKENIZER_PRETOKENIZE_H
#define GORILLA_LLM_TOKENIZER_PRETOKENIZE_H

#include <stddef.h>

#include "gorilla.h"

typedef struct gorilla_pretok gorilla_pretok;

/* A word: bytes [off, off + len) of the split text. */
typedef struct {
    size_t off, len;
} gorilla_span;

/* Per-call scratch (one per thread; zero-initialise, free with _ws_free). */
typedef struct {
    gorilla_span *a, *b;
    size_t cap_a, cap_b;
    void *md; /* pcre2_match_data_8 */
} gorilla_pretok_ws;

/* Builds the pre-tokenizer named by tokenizer.ggml.pre (NULL or "":
 * "default", as llama.cpp does when the key is missing). Unknown names fail
 * with GORILLA_ERR_UNSUPPORTED naming the value. */
gorilla_status gorilla_pretok_new(const char *name, gorilla_pretok **out, gorilla_error *err);
void gorilla_pretok_free(gorilla_pretok *p);
/* The canonical name ("gpt2", "llama3", "deepseek-coder", ...). */
const char *gorilla_pretok_name(const gorilla_pretok *p);
/* 1 when a word that is itself a token skips the merges (llama3). */
int gorilla_pretok_ignore_merges(const gorilla_pretok *p);

/* Splits valid UTF-8 s[0..n) into words: each regex of the sequence, in
 * turn, cuts every current word into its matches and the gaps between them
 * (both kept, as llama.cpp's unicode_regex_split). *words points into ws and
 * stays valid until the next call. Returns 0, or -1 when out of memory or
 * when PCRE2 fails (match limit). */
int gorilla_pretok_split(const gorilla_pretok *p, gorilla_pretok_ws *ws, const char *s, size_t n,
                         const gorilla_span **words, size_t *n_words);
void gorilla_pretok_ws_free(gorilla_pretok_ws *ws);

#endif
