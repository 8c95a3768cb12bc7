/* rerank.c — the model's own log-probability of a call after a prompt
 * (the reranker over the retriever's candidates; gorilla/decode.h). The
 * prompt runs through the model's prefix cache, the call's tokens in one
 * batched gorilla_model_eval; the sum of log-softmax at each token. */
#include "base/error.h"
#include "gorilla.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double log_softmax_at(const float *logits, size_t V, int32_t t)
{
    float mx = logits[0];
    for (size_t i = 1; i < V; i++)
        if (logits[i] > mx) mx = logits[i];
    double s = 1; /* exp of the largest, 0 */
    for (size_t i = 0; i < V; i++) s += exp((double)(logits[i] - mx));
    s -= 1;
    if (!(s > 0)) return -INFINITY;
    return (double)(logits[t] - mx) - log(s);
}

gorilla_status gorilla_call_logprob(gorilla_model *m, const gorilla_tokenizer *tok, const char *prefix,
                                    const char *call, double *logprob, size_t *n_tokens, gorilla_error *err)
{
    *logprob = 0;
    if (n_tokens) *n_tokens = 0;
    if (!m || !tok || !prefix || !call) return gorilla_fail(err, GORILLA_ERR_INVALID, "call logprob: missing argument");
    size_t pl = strlen(prefix), cl = strlen(call);
    char *full = malloc(pl + cl + 1);
    if (!full) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    snprintf(full, pl + cl + 1, "%s%s", prefix, call);
    int32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    gorilla_status st = gorilla_tokenizer_encode(tok, prefix, pl, 1, 0, &a, &na, err);
    if (!st) st = gorilla_tokenizer_encode(tok, full, pl + cl, 1, 0, &b, &nb, err);
    free(full);
    size_t V = (size_t)gorilla_model_n_vocab(m);
    float *rows = NULL;
    if (!st) {
        size_t c = 0; /* the prompt part: the tokens the two encodings share */
        while (c < na && c < nb && a[c] == b[c]) c++;
        if (c == 0) c = 1;
        if (c >= nb) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "call logprob: the call adds no token");
        } else if (nb > (size_t)gorilla_model_n_ctx(m)) {
            st = gorilla_fail(err, GORILLA_ERR_LIMIT, "call logprob: %zu tokens exceed the context", nb);
        } else {
            size_t k = nb - c; /* tokens scored */
            rows = malloc(k * V * sizeof *rows);
            if (!rows) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            if (!st) st = gorilla_model_prompt(m, b, c, 0, rows, err);
            if (!st && k > 1) st = gorilla_model_eval(m, b + c, k - 1, (int)c, rows + V, err);
            double lp = 0;
            for (size_t i = 0; !st && i < k; i++) lp += log_softmax_at(rows + i * V, V, b[c + i]);
            if (!st) {
                *logprob = lp;
                if (n_tokens) *n_tokens = k;
            }
        }
    }
    free(rows);
    free(a);
    free(b);
    return st;
}
