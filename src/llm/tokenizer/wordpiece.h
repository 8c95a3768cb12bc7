/* wordpiece.h — WordPiece (BERT, tokenizer.ggml.model "bert") as llama.cpp
 * tokenizes it (internal). */
#ifndef GORILLA_LLM_TOKENIZER_WORDPIECE_H
#define GORILLA_LLM_TOKENIZER_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#include "base/hashmap.h"
#include "gorilla.h"

/* A growing id array; oom set (and later pushes ignored) when full memory. */
typedef struct {
    int32_t *v;
    size_t n, cap;
    int oom;
} gorilla_idvec;
void gorilla_idvec_push(gorilla_idvec *o, int32_t id);

typedef struct gorilla_wpm gorilla_wpm;

/* Per-call scratch (zero-initialise, free with _ws_free). */
typedef struct {
    char *buf, *word;
    size_t buf_cap, word_cap;
    void *md; /* pcre2_match_data_8 */
} gorilla_wpm_ws;

/* tok2id: token text -> id (word-initial tokens start with "▁", as
 * llama.cpp's converter writes them; "##" continuations have no prefix). */
gorilla_status gorilla_wpm_new(const gorilla_hashmap *tok2id, size_t max_token_len, int32_t unk,
                               gorilla_wpm **out, gorilla_error *err);
void gorilla_wpm_free(gorilla_wpm *w);

/* Encodes s[0..n) (any bytes; invalid UTF-8 is dropped), appending ids to
 * o. Returns 0, or -1 when out of memory or PCRE2 fails. */
int gorilla_wpm_encode(const gorilla_wpm *w, gorilla_wpm_ws *ws, const char *s, size_t n, gorilla_idvec *o);
void gorilla_wpm_ws_free(gorilla_wpm_ws *ws);

#endif
