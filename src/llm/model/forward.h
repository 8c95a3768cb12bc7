/* forward.h — the forward pass, and its blocks (internal). */
#ifndef GORILLA_LLM_FORWARD_H
#define GORILLA_LLM_FORWARD_H

#include <stdint.h>

#include "llm/model/model.h"

/* Runs tokens[0..n) at positions pos..pos+n-1 (the caller has checked
 * them), filling the KV cache. Logits: none when logits is NULL; else the
 * last token's (n_vocab floats) or, with all, every token's (row t at
 * logits + t * n_vocab). Allocates nothing; cannot fail. */
void llm_forward(gorilla_model *m, const int32_t *tokens, int n, int pos, float *logits, int all);

/* out = x / rms(x) * w over n floats (the sum of squares in double). */
void llm_rmsnorm(float *out, const float *x, const float *w, int n, float eps);
/* out = (x - mean) / sqrt(var + eps) * w (+ b when b is not NULL) over n
 * floats (mean and variance in double). */
void llm_layernorm(float *out, const float *x, const float *w, const float *b, int n, float eps);
/* ggml's GELU, the tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
 * x^3))), evaluated in double and rounded once. */
float llm_gelu(float x);
/* Rotates adjacent pairs (2i, 2i+1) (c->rope NORMAL) or pairs (i, i +
 * n_rot/2) (NEOX) of the first n_rot dims of each of n_heads heads of v by
 * pos * rope_scale * inv_freq[i]; cs is n_rot floats of scratch. */
void llm_rope(const llm_config *c, const double *inv_freq, float *v, int n_heads, int pos, float *cs);

#endif
