/* tokenize.h — the default retriever's text tokenizer (internal).
 *
 * Tokens are runs of ASCII letters and digits, lower-cased, split at
 * lower→Upper camel-case boundaries; English stop words and one-character
 * tokens are dropped; a light suffix stemmer folds plurals and -ing/-ed
 * forms ("images" → "image", "classifying" → "classify") and folds
 * nominalizations ("segmentation" → "segment", "detection" → "detect",
 * "classification" → "classific"). */
#ifndef GORILLA_RETRIEVE_TOKENIZE_H
#define GORILLA_RETRIEVE_TOKENIZE_H

#include <stddef.h>

/* Called once per token (not NUL-terminated). */
typedef void (*rt_token_fn)(const char *tok, size_t len, void *ctx);

/* Tokenizes s[0..len); returns the number of tokens emitted. */
size_t rt_tokenize(const char *s, size_t len, rt_token_fn fn, void *ctx);

/* Splits on single spaces exactly like Python's str.split(' ') (empty
 * tokens included); returns the number of tokens. */
size_t rt_split_spaces(const char *s, size_t len, rt_token_fn fn, void *ctx);

/* 1 when the lower-case token is a stop word. */
int rt_is_stopword(const char *tok, size_t len);

#endif
