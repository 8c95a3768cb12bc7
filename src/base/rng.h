/* rng.h — small deterministic pseudo-random generators (internal).
 * Not for secrets: for sampling, jitter, synthetic data and test fixtures,
 * where the same seed must give the same sequence on every machine. */
#ifndef GORILLA_BASE_RNG_H
#define GORILLA_BASE_RNG_H

#include <stdint.h>

/* SplitMix64: advances *state and returns the next 64-bit value. Any seed,
 * zero included, is fine. */
static inline uint64_t gorilla_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#endif
