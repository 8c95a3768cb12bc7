/* gorilla/decode.h — decoding that cannot write an unknown API call, and
 * decoding that copies (src/decode). Both plug into gorilla_generate's
 * hooks (include/gorilla/llm.h): the call constraint is a logits filter,
 * prompt lookup is a draft provider. */
#ifndef GORILLA_DECODE_H
#define GORILLA_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla/base.h"
#include "gorilla/llm.h"

/* --- Store-constrained calls (src/decode/constrain.c) ---------------- */

/* Where the constraint applies: from the end of a call marker in the
 * generated text ("<<<api_call>>>:", the 'api_call' key of the dict
 * style, "<<function>>") until a whole call has been written; with
 * GORILLA_CONSTRAIN_AT_START also from the very start of the output (the
 * OpenFunctions templates, whose answer is the call). Inside, a token is
 * allowed only when its bytes keep the call text a prefix of one of the
 * calls (or of an escape: "None", "no suitable API"); a whole call may be
 * followed by a space, newline, quote, '<', ',', ';' or '}' and ends the
 * constraint; the end-of-generation token is allowed outside a call and
 * after a whole one. Leading spaces before the call are allowed. */
#define GORILLA_CONSTRAIN_AT_START 1u

typedef struct gorilla_call_constraint gorilla_call_constraint;

/* Builds the constraint over calls[0..n_calls) (trimmed; duplicates and
 * empty ones ignored) for tok's vocabulary (each token's bytes computed
 * once here). A call the vocabulary cannot spell (encode + decode does not
 * give it back) is skipped and counted (gorilla_call_constraint_skipped);
 * no usable call at all is GORILLA_ERR_INVALID naming why. */
gorilla_status gorilla_call_constraint_new(const gorilla_tokenizer *tok, const char *const *calls, size_t n_calls,
                                           unsigned flags, gorilla_call_constraint **out, gorilla_error *err);
void gorilla_call_constraint_free(gorilla_call_constraint *c);
/* Calls kept, and calls skipped (with the first skip's reason, or NULL). */
size_t gorilla_call_constraint_n_calls(const gorilla_call_constraint *c);
size_t gorilla_call_constraint_skipped(const gorilla_call_constraint *c, const char **first_reason);
/* The logits filter (a gorilla_logits_filter_fn; user = the constraint).
 * When no token can continue the call it fails with
 * GORILLA_ERR_UNSUPPORTED naming the call prefix (never loops). */
gorilla_status gorilla_call_constraint_filter(void *user, const int32_t *tokens, size_t n_tokens, const char *text,
                                              size_t text_len, float *logits, size_t n_vocab, gorilla_error *err);
/* Where text[0..len) stands: 0 outside a call, 1 inside one (not yet
 * whole), 2 after a whole call; *call_start: where the call text begins
 * (after the marker and spaces) when 1 or 2. */
int gorilla_call_constraint_state(const gorilla_call_constraint *c, const char *text, size_t len,
                                  size_t *call_start);
/* 1 when text[0..len) ends with a call marker (then spaces or tabs): a
 * prompt after which the output is the call field, so that the constraint
 * applies from the output's first byte (GORILLA_CONSTRAIN_AT_START). */
int gorilla_call_constraint_at_field(const char *text, size_t len);

/* --- Prompt-lookup drafts (src/decode/lookup.c) ---------------------- */

/* Guesses the next tokens by copying: the longest match (n = 3, 2, then
 * 1 tokens) of the sequence's last n tokens earlier in the sequence
 * (prompt and output: the retrieved document is in the prompt), else in
 * the store's calls (tokenized once), and what followed it there. */
typedef struct gorilla_lookup gorilla_lookup;

/* calls may be NULL (prompt only); tok is needed only with calls. */
gorilla_status gorilla_lookup_new(const gorilla_tokenizer *tok, const char *const *calls, size_t n_calls,
                                  gorilla_lookup **out, gorilla_error *err);
void gorilla_lookup_free(gorilla_lookup *l);
/* Whether drafts pay on this model (the `auto` mode): a draft of k tokens
 * is checked in one pass over k tokens, which costs about one token's
 * pass only while decoding is bound by reading the weights, i.e. when
 * they are much larger than the CPU's caches. Measured (docs/decoding.md):
 * on the shipped 1.3M-parameter model (5.4 MB, compute-bound) a pass over
 * k tokens costs 0.87 k single passes and lookup halves the decode rate;
 * so 1 when the weights take at least GORILLA_LOOKUP_MIN_WEIGHT_BYTES. */
#define GORILLA_LOOKUP_MIN_WEIGHT_BYTES (256ull << 20)
int gorilla_lookup_wins(const gorilla_model *model);
/* The draft provider (a gorilla_draft_fn; user = the lookup). */
size_t gorilla_lookup_draft(void *user, const int32_t *tokens, size_t n_tokens, int32_t *draft, size_t max_draft);

/* --- The model's probability of a call (src/decode/rerank.c) --------- */

/* log P(call | prefix) under the model: the sum of the log-softmax of each
 * of the call's tokens (prefix + call encoded together; the tokens past
 * the ones shared with the prefix's own encoding are scored). Uses the
 * model's prefix cache; *n_tokens (may be NULL) gets how many were scored. */
gorilla_status gorilla_call_logprob(gorilla_model *model, const gorilla_tokenizer *tok, const char *prefix,
                                    const char *call, double *logprob, size_t *n_tokens, gorilla_error *err);

#endif /* GORILLA_DECODE_H */
