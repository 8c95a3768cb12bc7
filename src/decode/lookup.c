/* lookup.c — prompt-lookup drafts: the next tokens guessed by copying
 * what followed the last n tokens where they occurred before, in the
 * sequence itself (the prompt holds the retrieved document, whose call
 * the answer copies) or in the store's calls (see gorilla/decode.h).
 * No model is run; a step costs one scan of the sequence. */
#include "base/error.h"
#include "gorilla.h"

#include <stdlib.h>
#include <string.h>

#define NGRAM_MAX 3

struct gorilla_lookup {
    int32_t *corpus; /* the calls' tokens, each call followed by -1 */
    size_t n;
};

/* The latest i < n - k (so that a continuation exists) with
 * hay[i..i+k) == key[0..k); -1 when none. */
static long find_last(const int32_t *hay, size_t n, const int32_t *key, size_t k, size_t end)
{
    if (end < k + 1) return -1;
    for (size_t i = end - k; i-- > 0;) {
        if (hay[i] != key[0]) continue;
        size_t j = 1;
        while (j < k && hay[i + j] == key[j]) j++;
        if (j == k && hay[i + k] >= 0) return (long)i;
    }
    (void)n;
    return -1;
}

static size_t copy_after(const int32_t *hay, size_t n, size_t from, int32_t *draft, size_t max_draft)
{
    size_t k = 0;
    while (k < max_draft && from + k < n && hay[from + k] >= 0) {
        draft[k] = hay[from + k];
        k++;
    }
    return k;
}

int gorilla_lookup_wins(const gorilla_model *model)
{
    return model && gorilla_model_weight_bytes(model) >= GORILLA_LOOKUP_MIN_WEIGHT_BYTES;
}

size_t gorilla_lookup_draft(void *user, const int32_t *tokens, size_t n_tokens, int32_t *draft, size_t max_draft)
{
    const gorilla_lookup *l = user;
    if (!max_draft || n_tokens < 2) return 0;
    for (size_t k = NGRAM_MAX; k >= 1; k--) {
        if (k >= n_tokens) continue;
        const int32_t *key = tokens + n_tokens - k;
        /* in the sequence before its own last k tokens */
        long at = find_last(tokens, n_tokens, key, k, n_tokens);
        if (at >= 0) return copy_after(tokens, n_tokens, (size_t)at + k, draft, max_draft);
        if (l && l->n) {
            at = find_last(l->corpus, l->n, key, k, l->n);
            if (at >= 0) return copy_after(l->corpus, l->n, (size_t)at + k, draft, max_draft);
        }
    }
    return 0;
}

gorilla_status gorilla_lookup_new(const gorilla_tokenizer *tok, const char *const *calls, size_t n_calls,
                                  gorilla_lookup **out, gorilla_error *err)
{
    *out = NULL;
    gorilla_lookup *l = calloc(1, sizeof *l);
    if (!l) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    size_t cap = 0;
    for (size_t i = 0; tok && calls && i < n_calls; i++) {
        if (!calls[i] || !*calls[i]) continue;
        int32_t *ids = NULL;
        size_t n = 0;
        gorilla_error e = {0};
        if (gorilla_tokenizer_encode(tok, calls[i], strlen(calls[i]), 0, 0, &ids, &n, &e) || !n || !ids) {
            free(ids); /* not a guess */
            continue;
        }
        if (l->n + n + 1 > cap) {
            size_t nc = cap ? cap * 2 : 1024;
            while (nc < l->n + n + 1) nc *= 2;
            int32_t *p = realloc(l->corpus, nc * sizeof *p);
            if (!p) {
                free(ids);
                gorilla_lookup_free(l);
                return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            }
            l->corpus = p;
            cap = nc;
        }
        if (!l->corpus) { /* not reached: cap > 0 here */
            free(ids);
            continue;
        }
        memcpy(l->corpus + l->n, ids, n * sizeof *ids);
        l->n += n;
        l->corpus[l->n++] = -1;
        free(ids);
    }
    *out = l;
    return GORILLA_OK;
}

void gorilla_lookup_free(gorilla_lookup *l)
{
    if (!l) return;
    free(l->corpus);
    free(l);
}
