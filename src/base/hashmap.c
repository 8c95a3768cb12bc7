/* hashmap.c — open addressing with linear probing and backward-shift deletion. */
#include "base/hashmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t gorilla_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void gorilla_hashmap_init(gorilla_hashmap *m) { memset(m, 0, sizeof *m); }

void gorilla_hashmap_free(gorilla_hashmap *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->key_lens);
    free(m->values);
    memset(m, 0, sizeof *m);
}

static size_t find_slot(const gorilla_hashmap *m, const char *key, size_t len, int *found)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)gorilla_hash_bytes(key, len) & mask;
    for (;;) {
        if (!m->keys[i]) {
            *found = 0;
            return i;
        }
        if (m->key_lens[i] == len && memcmp(m->keys[i], key, len) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int grow(gorilla_hashmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    gorilla_hashmap n = {0};
    n.keys = calloc(ncap, sizeof *n.keys);
    n.key_lens = calloc(ncap, sizeof *n.key_lens);
    n.values = calloc(ncap, sizeof *n.values);
    n.cap = ncap;
    if (!n.keys || !n.key_lens || !n.values) {
        free(n.keys);
        free(n.key_lens);
        free(n.values);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        int found;
        size_t s = find_slot(&n, m->keys[i], m->key_lens[i], &found);
        n.keys[s] = m->keys[i];
        n.key_lens[s] = m->key_lens[i];
        n.values[s] = m->values[i];
    }
    char **old_keys = m->keys;
    size_t *old_lens = m->key_lens;
    int64_t *old_values = m->values;
    m->keys = n.keys;
    m->key_lens = n.key_lens;
    m->values = n.values;
    m->cap = n.cap;
    free(old_keys);
    free(old_lens);
    free(old_values);
    return 0;
}

int gorilla_hashmap_put(gorilla_hashmap *m, const char *key, size_t len, int64_t value)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != 0) return -1;
    int found;
    size_t s = find_slot(m, key, len, &found);
    if (found) {
        m->values[s] = value;
        return 0;
    }
    char *k = malloc(len + 1);
    if (!k) return -1;
    memcpy(k, key, len);
    k[len] = '\0';
    m->keys[s] = k;
    m->key_lens[s] = len;
    m->values[s] = value;
    m->count++;
    return 0;
}

int gorilla_hashmap_get(const gorilla_hashmap *m, const char *key, size_t len, int64_t *value)
{
    if (!m->cap) return 0;
    int found;
    size_t s = find_slot(m, key, len, &found);
    if (found && value) *value = m->values[s];
    return found;
}

int gorilla_hashmap_remove(gorilla_hashmap *m, const char *key, size_t len)
{
    if (!m->cap) return 0;
    int found;
    size_t i = find_slot(m, key, len, &found);
    if (!found) return 0;
    free(m->keys[i]);
    m->keys[i] = NULL;
    m->count--;
    size_t mask = m->cap - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->keys[j]) break;
        size_t home = (size_t)gorilla_hash_bytes(m->keys[j], m->key_lens[j]) & mask;
        /* Move j back to i when its home is not in (i, j]. */
        int in_range = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            m->keys[i] = m->keys[j];
            m->key_lens[i] = m->key_lens[j];
            m->values[i] = m->values[j];
            m->keys[j] = NULL;
            i = j;
        }
    }
    return 1;
}
