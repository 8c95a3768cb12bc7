/* server.h — internals of `gorilla serve` shared with the backends and tests. */
#ifndef GORILLA_NET_SERVER_H
#define GORILLA_NET_SERVER_H

#include <stddef.h>

/* The Gorilla chat prompt of a conversation: system texts first, then
 * "###USER: {content}\n" and "###ASSISTANT: {content}\n" per turn, ending
 * with "###ASSISTANT: " (for one user message: "###USER: {content}\n###ASSISTANT: ").
 * roles[i] is "system", "user" or "assistant" (others count as user).
 * Caller frees; NULL on OOM. */
char *net_chat_prompt(const char *const *roles, const char *const *contents, size_t n);

/* 1 when a[0..alen) equals b[0..blen), in time that depends on the lengths
 * only (not on where they differ). */
int net_ct_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
