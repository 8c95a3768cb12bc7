/* sampler.h — sampler internals (internal). The public API is in gorilla.h
 * (gorilla_sampler_*, gorilla_stop_find). */
#ifndef GORILLA_LLM_SAMPLER_H
#define GORILLA_LLM_SAMPLER_H

#include <stdint.h>

#include "gorilla.h"

/* The sampler's PRNG is the project's one (base/rng.h): xorshift64* over
 * a state seeded by splitmix64(seed). */
#include "base/rng.h"

#endif
