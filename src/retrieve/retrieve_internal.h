/* retrieve_internal.h — the retriever's index and constraints (internal). */
#ifndef GORILLA_RETRIEVE_INTERNAL_H
#define GORILLA_RETRIEVE_INTERNAL_H

#include <stdint.h>
#include "gorilla.h"
#include "base/hashmap.h"
#include "store/store.h"

/* One term's postings: the live documents that contain it, with the
 * (weighted) term frequency. Unordered; df = n. */
typedef struct {
    uint32_t *doc;
    float *tf;
    uint32_t n, cap;
} rt_postings;

/* An inverted index over document slots 0..ndocs-1 (a slot may be empty). */
typedef struct {
    gorilla_hashmap dict; /* token -> term id */
    rt_postings *post;
    size_t nterms, tcap;
    size_t nvocab;        /* terms with df > 0 */
    float *dl;            /* document length (weighted token count) */
    uint8_t *live;
    size_t ndocs, dcap, nlive;
    double total_len;
    int unsorted;         /* some posting list is not in ascending doc order */
    /* scratch for building a document's bag of terms */
    float *bag_w;
    uint32_t *bag_terms;
    size_t nbag;
    /* Mapped (read-only) view of an index file: when map != NULL, terms and
     * postings come from it, and dl / live point into it. Edits first copy
     * it into the owned structures above (rt_index_materialize). */
    const void *map;
    size_t map_len;
    const uint64_t *m_str_off;  /* nterms + 1 */
    const char *m_str;
    const uint64_t *m_post_off; /* nterms + 1 */
    const uint32_t *m_doc;
    const float *m_tf;
    const uint32_t *m_slots;    /* term id + 1, 0 empty; nslots a power of two */
    uint64_t m_nslots;
} rt_index;

void rt_index_init(rt_index *ix);
void rt_index_free(rt_index *ix);
/* Collects a token (weight w) into the bag being built; creates the term
 * when `create`, else ignores unknown tokens. Returns -1 on OOM. */
int rt_bag_add(rt_index *ix, const char *tok, size_t len, float w, int create);
void rt_bag_clear(rt_index *ix);
/* Adds the current bag as document `doc` (which must not be live), or
 * removes it (the bag must be the same one it was added with). -1 on OOM. */
int rt_index_add_bag(rt_index *ix, size_t doc, float dl);
void rt_index_remove_bag(rt_index *ix, size_t doc);
/* Term id of a token, or -1. */
long rt_index_term(const rt_index *ix, const char *tok, size_t len);
/* Postings of term t: returns df and sets *doc, *tf. */
uint32_t rt_index_postings(const rt_index *ix, size_t t, const uint32_t **doc, const float **tf);
/* Copies a mapped index into owned memory (before an edit); -1 on OOM. */
int rt_index_materialize(rt_index *ix);

/* The retriever (retriever.c; saved and opened by indexfile.c). */
struct gorilla_retriever {
    gorilla_store *store; /* may be NULL for an index opened without its store */
    int kind;             /* RT_KIND_* */
    rt_index ix;
    /* bm25-official: cached average idf (recomputed after changes) */
    int idf_dirty;
    double avg_idf;
    /* domain id of each document slot; domain names -> ids */
    gorilla_hashmap domains;
    size_t ndomains;
    uint32_t *dom;
    size_t domcap;
    int dom_mapped;       /* dom points into ix.map */
    /* search scratch */
    double *acc;
    uint8_t *mark;
    uint32_t *touched;
    double *kth;          /* scratch for the pruning threshold */
    size_t scap;
    double *vote;
    size_t vcap;
    /* constraints */
    struct rt_constraint *where;
    size_t nwhere;
};

enum { RT_KIND_DEFAULT = 0, RT_KIND_OFFICIAL = 1 };

/* Constraints. */
typedef enum { RT_OP_LT, RT_OP_LE, RT_OP_GT, RT_OP_GE, RT_OP_EQ, RT_OP_NE, RT_OP_CONTAINS } rt_op;

typedef struct rt_constraint {
    int field;  /* index into the field table of constraint.c */
    rt_op op;
    int numeric;
    double num;
    char *text; /* lower-cased */
} rt_constraint;

/* Parses "FIELD OP VALUE". */
gorilla_status rt_constraint_parse(const char *expr, rt_constraint *out, gorilla_error *err);
void rt_constraint_free(rt_constraint *c);
/* 1 when doc passes c. */
int rt_constraint_test(const rt_constraint *c, const store_value *doc);
/* A numeric field of a document (params_m, top1, top5, accuracy): 1 and
 * *out when found, else 0. Exposed for tests. */
int rt_doc_number(const store_value *doc, const char *field, double *out);

#endif
