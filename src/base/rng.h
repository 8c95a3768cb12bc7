/* rng.h — the project's one pseudo-random generator (internal).
 * Not for secrets: for sampling, jitter, answer ids, synthetic data and
 * test fixtures, where the same seed must give the same sequence on every
 * machine.
 *
 *   gorilla_splitmix64   SplitMix64, to spread a seed (any value, 0 too)
 *   gorilla_rng_seed     a xorshift64* state from a seed (never 0)
 *   gorilla_rng_next     xorshift64*: advances the state, returns 64 bits
 */
#ifndef GORILLA_BASE_RNG_H
#define GORILLA_BASE_RNG_H

#include <stdint.h>

/* SplitMix64: advances *state and returns the next 64-bit value. */
static inline uint64_t gorilla_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The xorshift64* state for a seed: splitmix64(seed), never 0. */
static inline uint64_t gorilla_rng_seed(uint64_t seed)
{
    uint64_t s = seed;
    uint64_t v = gorilla_splitmix64(&s);
    return v ? v : 0x9E3779B97F4A7C15ULL; /* xorshift state must not be 0 */
}

/* xorshift64*: advances *state (a 0 state is reseeded first) and returns
 * the next 64-bit value. */
static inline uint64_t gorilla_rng_next(uint64_t *state)
{
    uint64_t x = *state ? *state : gorilla_rng_seed(0);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
