/* call_variants.h — the spellings of a store call that the constraint
 * accepts (internal).
 *
 * A store writes a call one way (TorchHub's documents:
 * `torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50',
 * pretrained=True)`), the published answers often another
 * (`torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)`): its
 * leading keyword arguments whose values are string literals passed by
 * position. Both name the same API for the evaluator (it looks for the
 * argument values in the call), so both are allowed: the call as written,
 * then, for t = 1..m, the call with the first t of those m arguments
 * positional (arguments already positional at the front stay as they are;
 * the rest keep their keywords). */
#ifndef GORILLA_DECODE_CALL_VARIANTS_H
#define GORILLA_DECODE_CALL_VARIANTS_H

#include <stddef.h>

/* Called once per spelling; returns 0 to go on, non-zero to stop. */
typedef int (*call_variant_fn)(void *user, const char *s, size_t n);

/* Calls fn with s[0..n) (n > 0) and each positional spelling; returns fn's first
 * non-zero result, -1 when out of memory, else 0. A text that is not
 * NAME(ARGS) with balanced brackets and quotes has no other spelling. */
int call_variants(const char *s, size_t n, call_variant_fn fn, void *user);

#endif
