/* strict.c — the strict matcher: what the published logic means, without
 * its accidents.
 *  - No fall-through: a document is tested only against a call in the
 *    candidate whose function is the document's call name.
 *  - Argument by argument: each selected argument of the document must
 *    equal the candidate's argument of the same keyword, or the one at the
 *    same position (string quotes and whitespace normalized), instead of
 *    occurring anywhere in the subtree's text.
 *  - Shell entries ("./run.sh ..."): the candidate must contain the
 *    command, whitespace normalized.
 * The first matching document in file order wins, as in compatible mode. */
#include "eval/matcher_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CALL_ARGS 64

typedef struct {
    const char *kw, *val;
    size_t kwlen, vallen;
} cand_arg;

/* Strips surrounding quotes of a string literal (with r/b/f/u prefixes). */
static void unquote(const char **s, size_t *len)
{
    const char *t = *s;
    size_t n = *len;
    size_t k = 0;
    while (k < n && k < 2 && strchr("rRbBfFuU", t[k])) k++;
    if (n - k >= 2 && (t[k] == '\'' || t[k] == '"') && t[n - 1] == t[k]) {
        size_t q = (n - k >= 6 && t[k + 1] == t[k] && t[k + 2] == t[k]) ? 3 : 1;
        if (n - k >= 2 * q) {
            *s = t + k + q;
            *len = n - k - 2 * q;
        }
    }
}

/* Equality of argument values: quotes stripped, whitespace ignored. */
static int value_equal(const char *a, size_t al, const char *b, size_t bl)
{
    unquote(&a, &al);
    while (al && a[0] == '\'') { a++; al--; }
    while (al && a[al - 1] == '\'') al--;
    unquote(&b, &bl);
    while (bl && b[0] == '\'') { b++; bl--; }
    while (bl && b[bl - 1] == '\'') bl--;
    size_t i = 0, j = 0;
    for (;;) {
        while (i < al && isspace((unsigned char)a[i])) i++;
        while (j < bl && isspace((unsigned char)b[j])) j++;
        if (i == al || j == bl) return i == al && j == bl;
        if (a[i] != b[j]) return 0;
        i++;
        j++;
    }
}

static size_t call_args(const pyast *p, TSNode call, cand_arg *out)
{
    if (ts_node_child_count(call) < 2) return 0;
    TSNode list = ts_node_child(call, 1);
    if (strcmp(ts_node_type(list), "argument_list") != 0) return 0;
    size_t n = 0;
    uint32_t nc = ts_node_child_count(list);
    for (uint32_t i = 0; i < nc && n < MAX_CALL_ARGS; i++) {
        TSNode c = ts_node_child(list, i);
        if (!ts_node_is_named(c)) continue;
        cand_arg *a = &out[n++];
        if (strcmp(ts_node_type(c), "keyword_argument") == 0 && ts_node_child_count(c) >= 3) {
            a->kw = pyast_text(p, ts_node_child(c, 0), &a->kwlen);
            a->val = pyast_text(p, ts_node_child(c, 2), &a->vallen);
        } else {
            a->kw = NULL;
            a->kwlen = 0;
            a->val = pyast_text(p, c, &a->vallen);
        }
    }
    return n;
}

static int args_match(const mdoc *d, const cand_arg *ca, size_t n)
{
    for (size_t a = 0; a < d->nargs; a++) {
        int ok = 0;
        for (size_t j = 0; j < n && !ok; j++) {
            int same_slot = ca[j].kw ? (d->kw[a] && strlen(d->kw[a]) == ca[j].kwlen &&
                                        memcmp(d->kw[a], ca[j].kw, ca[j].kwlen) == 0)
                                     : (int)j == d->arg_pos[a];
            if (!same_slot && !ca[j].kw && d->kw[a] == NULL) same_slot = (int)j == d->arg_pos[a];
            if (same_slot) ok = value_equal(d->args[a], d->arg_lens[a], ca[j].val, ca[j].vallen);
        }
        if (!ok) return 0;
    }
    return 1;
}

/* Whitespace-normalized containment, for shell commands. */
static int contains_normalized(const char *hay, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t s = 0; s < hl; s++) {
        size_t i = s, j = 0;
        while (j < nl && i < hl) {
            if (isspace((unsigned char)needle[j])) {
                if (!isspace((unsigned char)hay[i])) break;
                while (j < nl && isspace((unsigned char)needle[j])) j++;
                while (i < hl && isspace((unsigned char)hay[i])) i++;
                continue;
            }
            if (needle[j] != hay[i]) break;
            i++;
            j++;
        }
        if (j == nl) return 1;
    }
    return 0;
}

long strict_find(gorilla_matcher *m, const char *call, size_t len)
{
    const pyast *p = &m->ast;
    long best = -1;
    cand_arg ca[MAX_CALL_ARGS];
    for (size_t s = 0; s < p->n; s++) {
        TSNode node = p->list[s].node;
        if (strcmp(ts_node_type(node), "call") != 0 || !p->list[s].has_first) continue;
        const char *t = p->src + p->list[s].first_start;
        size_t tl = p->list[s].first_end - p->list[s].first_start;
        int64_t g;
        if (!gorilla_hashmap_get(&m->names, t, tl, &g)) continue;
        size_t n = call_args(p, node, ca);
        for (size_t k = 0; k < m->groups[g].n; k++) {
            size_t i = m->groups[g].items[k];
            if (best >= 0 && (long)i >= best) break;
            const mdoc *d = &m->docs[i];
            if (d->shell || d->nargs == 0) continue;
            if (args_match(d, ca, n)) best = (long)i;
        }
    }
    for (size_t i = 0; i < m->n && (best < 0 || (long)i < best); i++)
        if (m->docs[i].shell && contains_normalized(call, len, m->docs[i].shell)) best = (long)i;
    return best;
}
