/* client.h — internals of the OpenAI-compatible client, exposed for tests. */
#ifndef GORILLA_NET_CLIENT_H
#define GORILLA_NET_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* The wait before retry number `attempt` (0 for the first retry): the
 * exponential delay d = min(max_ms, base_ms * 2^attempt), then a uniform
 * draw in [d/2, d] from *rng (a base/rng.h state, advanced). */
long net_backoff_ms(long base_ms, long max_ms, int attempt, uint64_t *rng);

/* Parses a Retry-After value (delta seconds or an HTTP date) into
 * milliseconds from now, capped at max_ms; -1 when it does not parse. */
long net_retry_after_ms(const char *value, long max_ms);

/* Replaces every occurrence of `secret` (when non-empty) in msg with "***",
 * in place (msg is NUL-terminated, cap bytes). */
void net_redact(char *msg, size_t cap, const char *secret);

/* The URL as shown in messages: without user:password@, query or fragment.
 * Caller frees. */
char *net_display_url(const char *url);

#endif
