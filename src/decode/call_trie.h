/* call_trie.h — a byte trie over the text of API calls (internal).
 *
 * Nodes live in one array; a node's children are a sibling list sorted by
 * byte. Node 0 is the root (the empty prefix). A node is "terminal" when
 * the prefix it spells is a whole call. */
#ifndef GORILLA_DECODE_CALL_TRIE_H
#define GORILLA_DECODE_CALL_TRIE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t child;   /* first child, -1: none */
    int32_t sibling; /* next sibling (larger byte), -1: none */
    uint8_t byte;    /* the byte that leads here from the parent */
    uint8_t terminal;
} call_trie_node;

typedef struct {
    call_trie_node *nodes;
    size_t n, cap;
    size_t n_calls; /* distinct calls added */
} call_trie;

void call_trie_init(call_trie *t);
void call_trie_free(call_trie *t);
/* Adds s[0..len) (len > 0); 0, or -1 when out of memory. */
int call_trie_add(call_trie *t, const char *s, size_t len);
/* The node that spells s[0..len) (the root for len 0), or -1 (also on an
 * empty trie). */
int32_t call_trie_find(const call_trie *t, const char *s, size_t len);
/* The child of node by byte b, or -1. */
static inline int32_t call_trie_step(const call_trie *t, int32_t node, uint8_t b)
{
    int32_t c = t->nodes[node].child;
    while (c >= 0 && t->nodes[c].byte < b) c = t->nodes[c].sibling;
    return c >= 0 && t->nodes[c].byte == b ? c : -1;
}

#endif
