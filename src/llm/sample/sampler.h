/* sampler.h — sampler internals (internal). The public API is in gorilla.h
 * (gorilla_sampler_*, gorilla_stop_find, gorilla_utf8_incomplete_tail). */
#ifndef GORILLA_LLM_SAMPLER_H
#define GORILLA_LLM_SAMPLER_H

#include <stdint.h>

#include "gorilla.h"

/* The sampler's PRNG: xorshift64* over a state seeded by splitmix64(seed)
 * (never 0). Deterministic for a seed. */
uint64_t gorilla_rng_seed(uint64_t seed);
uint64_t gorilla_rng_next(uint64_t *state);

#endif
