/* call_trie.c — the byte trie over calls' text (see call_trie.h). */
#include "decode/call_trie.h"

#include <stdlib.h>

void call_trie_init(call_trie *t)
{
    t->nodes = NULL;
    t->n = t->cap = 0;
    t->n_calls = 0;
}

void call_trie_free(call_trie *t)
{
    free(t->nodes);
    call_trie_init(t);
}

static int32_t new_node(call_trie *t, uint8_t b)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        if (cap > INT32_MAX) return -1;
        call_trie_node *p = realloc(t->nodes, cap * sizeof *p);
        if (!p) return -1;
        t->nodes = p;
        t->cap = cap;
    }
    call_trie_node *nd = &t->nodes[t->n];
    nd->child = nd->sibling = -1;
    nd->byte = b;
    nd->terminal = 0;
    return (int32_t)t->n++;
}

int call_trie_add(call_trie *t, const char *s, size_t len)
{
    if (t->n == 0 && new_node(t, 0) < 0) return -1;
    int32_t node = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)s[i];
        /* find the child, or the place to insert it in byte order */
        int32_t prev = -1, c = t->nodes[node].child;
        while (c >= 0 && t->nodes[c].byte < b) {
            prev = c;
            c = t->nodes[c].sibling;
        }
        if (c < 0 || t->nodes[c].byte != b) {
            int32_t nc = new_node(t, b); /* may move t->nodes */
            if (nc < 0) return -1;
            t->nodes[nc].sibling = c;
            if (prev < 0) t->nodes[node].child = nc;
            else t->nodes[prev].sibling = nc;
            c = nc;
        }
        node = c;
    }
    if (!t->nodes[node].terminal) t->n_calls++;
    t->nodes[node].terminal = 1;
    return 0;
}

int32_t call_trie_find(const call_trie *t, const char *s, size_t len)
{
    if (t->n == 0) return -1; /* nothing added yet: not even the root */
    int32_t node = 0;
    for (size_t i = 0; i < len && node >= 0; i++) node = call_trie_step(t, node, (uint8_t)s[i]);
    return node;
}
