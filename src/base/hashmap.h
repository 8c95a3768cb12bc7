/* hashmap.h — a small open-addressing map from byte strings to int64 (internal).
 *
 * Keys are copied; values are plain integers (an index into the caller's
 * arrays). Not thread-safe for writers; concurrent readers are fine. */
#ifndef GORILLA_BASE_HASHMAP_H
#define GORILLA_BASE_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **keys;       /* NULL: empty slot */
    size_t *key_lens;
    int64_t *values;
    size_t cap;        /* power of two */
    size_t count;
} gorilla_hashmap;

/* FNV-1a 64-bit over the bytes. */
uint64_t gorilla_hash_bytes(const void *data, size_t len);

void gorilla_hashmap_init(gorilla_hashmap *m);
void gorilla_hashmap_free(gorilla_hashmap *m);
/* Inserts or overwrites. Returns 0, or -1 when out of memory. */
int gorilla_hashmap_put(gorilla_hashmap *m, const char *key, size_t len, int64_t value);
/* Returns 1 and sets *value when present, else 0. */
int gorilla_hashmap_get(const gorilla_hashmap *m, const char *key, size_t len, int64_t *value);
/* Removes a key; returns 1 when it was present. */
int gorilla_hashmap_remove(gorilla_hashmap *m, const char *key, size_t len);

#endif
