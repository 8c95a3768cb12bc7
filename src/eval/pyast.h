/* pyast.h — Python parsing with tree-sitter and the evaluator's subtree list (internal). */
#ifndef GORILLA_EVAL_PYAST_H
#define GORILLA_EVAL_PYAST_H

#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

/* One entry of the subtree list: a node, and the byte span of its first
 * child's text (has_first = 0 for a leaf). */
typedef struct {
    TSNode node;
    uint32_t first_start, first_end;
    int has_first;
} pyast_subtree;

typedef struct {
    TSParser *parser;
    TSTree *tree;
    const char *src;      /* the text last parsed (borrowed) */
    uint32_t src_len;
    pyast_subtree *list;  /* subtrees in the published walk's order */
    size_t n, cap;
    TSNode *stack;
    size_t stack_cap;
} pyast;

/* Returns 0, or -1 when out of memory. */
int pyast_init(pyast *p);
void pyast_free(pyast *p);

/* Parses src[0..len) (kept borrowed until the next parse). Returns 0, or -1
 * on failure (out of memory, or text over 4 GiB). */
int pyast_parse(pyast *p, const char *src, size_t len);
TSNode pyast_root(const pyast *p);
/* 1 when the last parse has error or missing nodes. */
int pyast_has_error(const pyast *p);

/* Fills p->list as the published get_all_sub_trees walk does: a stack seeded
 * with the root; pop a node, list it with its first child's text, push the
 * children that have children, in order. Returns 0, or -1 out of memory. */
int pyast_list_subtrees(pyast *p);

/* The source text of a node (pointer into the parsed text and its length). */
static inline const char *pyast_text(const pyast *p, TSNode n, size_t *len)
{
    uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    if (e > p->src_len) e = p->src_len;
    if (s > e) s = e;
    *len = e - s;
    return p->src + s;
}

/* The Python grammar from the npm package tree-sitter-python. */
const TSLanguage *tree_sitter_python(void);

#endif
