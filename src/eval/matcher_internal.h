/* matcher_internal.h — the matcher's data, shared by matcher.c and strict.c. */
#ifndef GORILLA_EVAL_MATCHER_INTERNAL_H
#define GORILLA_EVAL_MATCHER_INTERNAL_H

#include "gorilla.h"
#include "base/hashmap.h"
#include "eval/pyast.h"
#include "eval/zoo_match.h"

/* One API document as the matcher sees it. */
typedef struct {
    char *name;          /* text of call's child 0; NULL: document never matches */
    size_t name_len;
    int is_call;         /* the parsed api_call is a call expression */
    char **args;         /* selected arguments, leading/trailing ' stripped */
    size_t *arg_lens;
    char **kw;           /* keyword of args[a], or NULL when positional */
    int *arg_pos;        /* index of args[a] among the call's arguments */
    size_t nargs;
    size_t n_positional_seen;
    size_t key_arg;      /* longest argument: the fall-through index key */
    size_t group;        /* index of the name group */
    const char *domain;  /* borrowed from the store */
    char *shell;         /* the command, for shell entries ("./run.sh ...") */
} mdoc;

typedef struct {
    size_t *items;
    size_t n;
} idx_list;

struct gorilla_matcher {
    gorilla_hub hub;
    gorilla_match_mode mode;
    mdoc *docs;
    size_t n;
    gorilla_hashmap names; /* call name -> group */
    idx_list *groups;
    size_t n_groups;
    /* first 4 bytes of the key argument (as a u32) -> bucket: a small
     * open-addressing table, probed for every 4-byte window of a candidate */
    uint32_t *gram_keys;
    int32_t *gram_vals;    /* -1: empty slot */
    size_t gram_cap;       /* power of two */
    idx_list *buckets;
    size_t n_buckets;
    size_t *short_docs;    /* key argument shorter than 4 bytes */
    size_t n_short;
    pyast ast;
    /* per-query scratch */
    uint32_t now;
    uint32_t *stamp;       /* per document */
    size_t *cand;
    size_t n_cand;
    uint32_t *gstamp;      /* per group */
    size_t *gfirst;        /* first listed subtree reaching the group */
    zoo_doc *zoo;          /* APIZoo hub: the documents' call templates (n of them) */
};

/* The verdict for a matched document index (-1: none) and a gold domain. */
gorilla_verdict_kind matcher_verdict(const gorilla_matcher *m, long idx, const char *gold_domain);

/* Strict mode: unescapes and parses the candidate itself. */
long strict_find(gorilla_matcher *m, const char *call, size_t len, gorilla_parse_kind *parse);

#endif
