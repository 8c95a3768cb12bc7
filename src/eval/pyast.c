/* pyast.c — tree-sitter parse of a candidate call and the subtree walk. */
#include "eval/pyast.h"

#include <stdlib.h>
#include <string.h>

int pyast_init(pyast *p)
{
    memset(p, 0, sizeof *p);
    p->parser = ts_parser_new();
    if (!p->parser) return -1;
    if (!ts_parser_set_language(p->parser, tree_sitter_python())) {
        ts_parser_delete(p->parser);
        p->parser = NULL;
        return -1;
    }
    return 0;
}

void pyast_free(pyast *p)
{
    if (!p) return;
    if (p->tree) ts_tree_delete(p->tree);
    if (p->parser) ts_parser_delete(p->parser);
    free(p->list);
    free(p->stack);
    memset(p, 0, sizeof *p);
}

int pyast_parse(pyast *p, const char *src, size_t len)
{
    if (len > UINT32_MAX) return -1;
    if (p->tree) {
        ts_tree_delete(p->tree);
        p->tree = NULL;
    }
    p->n = 0;
    ts_parser_reset(p->parser);
    p->tree = ts_parser_parse_string(p->parser, NULL, src, (uint32_t)len);
    if (!p->tree) return -1;
    p->src = src;
    p->src_len = (uint32_t)len;
    return 0;
}

TSNode pyast_root(const pyast *p) { return ts_tree_root_node(p->tree); }

int pyast_has_error(const pyast *p) { return ts_node_has_error(ts_tree_root_node(p->tree)); }

static int push(pyast *p, size_t *top, TSNode n)
{
    if (*top == p->stack_cap) {
        size_t ncap = p->stack_cap ? p->stack_cap * 2 : 64;
        TSNode *s = realloc(p->stack, ncap * sizeof *s);
        if (!s) return -1;
        p->stack = s;
        p->stack_cap = ncap;
    }
    p->stack[(*top)++] = n;
    return 0;
}

int pyast_list_subtrees(pyast *p)
{
    size_t top = 0;
    p->n = 0;
    if (push(p, &top, pyast_root(p)) != 0) return -1;
    while (top > 0) {
        TSNode node = p->stack[--top];
        if (p->n == p->cap) {
            size_t ncap = p->cap ? p->cap * 2 : 64;
            pyast_subtree *l = realloc(p->list, ncap * sizeof *l);
            if (!l) return -1;
            p->list = l;
            p->cap = ncap;
        }
        pyast_subtree *e = &p->list[p->n++];
        e->node = node;
        uint32_t count = ts_node_child_count(node);
        e->has_first = count > 0;
        e->first_start = e->first_end = 0;
        if (count > 0) {
            TSNode first = ts_node_child(node, 0);
            e->first_start = ts_node_start_byte(first);
            e->first_end = ts_node_end_byte(first);
        }
        for (uint32_t i = 0; i < count; i++) {
            TSNode c = ts_node_child(node, i);
            if (ts_node_child_count(c) > 0 && push(p, &top, c) != 0) return -1;
        }
    }
    return 0;
}
