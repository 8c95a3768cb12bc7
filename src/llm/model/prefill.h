/* prefill.h — the forward pass over many tokens at once (internal). */
#ifndef GORILLA_LLM_PREFILL_H
#define GORILLA_LLM_PREFILL_H

#include <stdint.h>

#include "llm/model/model.h"

/* Runs tokens[0..n) at positions pos.. pos+n-1 (the caller has checked
 * them), filling the KV cache; with want_logits, the last token's logits
 * go to m->s.logits; with logits_all, every token's (row t at logits_all
 * + t * n_vocab). Returns 0, or -1 when out of memory. */
int llm_forward_batch(gorilla_model *m, const int32_t *tokens, int n, int pos, int want_logits, float *logits_all);

#endif
