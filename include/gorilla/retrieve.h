/* gorilla/retrieve.h — retrieval (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_RETRIEVE_H
#define GORILLA_API_RETRIEVE_H

#include "gorilla/base.h"
#include "gorilla/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Retrieval (src/retrieve)                                            */
/* ------------------------------------------------------------------ */

/* A retriever ranks a store's API documents for an instruction. It borrows
 * the store (which must outlive it) and edits it through
 * gorilla_retriever_add/replace/remove, so that store and index agree.
 * Not thread-safe: one retriever per thread (it keeps scratch buffers).
 *
 * Names:
 *  "gorilla"        the project's default (docs/retrieve.md): field-weighted
 *                   BM25 over stemmed words, then a domain vote among the
 *                   top 50 documents; documents of the winning domain first.
 *  "bm25-official"  the published retriever: BM25Okapi (k1 1.5, b 0.75,
 *                   epsilon 0.25) over Python's str() of each document split
 *                   on single spaces; the query is split the same way.
 * Ties rank the lower document index first. */
typedef struct gorilla_retriever gorilla_retriever;

typedef struct {
    size_t api_index; /* 0-based line of the API document */
    double score;
} gorilla_hit;

/* Limits: a query longer than this is refused (GORILLA_ERR_LIMIT). */
#define GORILLA_RETRIEVE_MAX_QUERY (256u * 1024u)

/* Builds the index of every document of `store`. name NULL: "gorilla";
 * unknown names are GORILLA_ERR_NOT_FOUND. */
gorilla_status gorilla_retriever_new(gorilla_store *store, const char *name, gorilla_retriever **out,
                                     gorilla_error *err);
void gorilla_retriever_free(gorilla_retriever *r);
const char *gorilla_retriever_name(const gorilla_retriever *r);
/* The store the retriever searches (borrowed). */
const gorilla_store *gorilla_retriever_store(const gorilla_retriever *r);
/* The default retriever's name ("gorilla"). */
const char *gorilla_retriever_default_name(void);

/* Ranks the documents for `query` and writes up to k hits (best first) to
 * `hits`; *n_hits is how many (fewer than k only when fewer documents pass
 * the constraints). An empty or blank query is GORILLA_ERR_INVALID. */
gorilla_status gorilla_retriever_search(gorilla_retriever *r, const char *query, size_t k,
                                        gorilla_hit *hits, size_t *n_hits, gorilla_error *err);

/* Metadata constraints (the paper's constraint-aware setting), ANDed:
 * "FIELD OP VALUE" with OP one of < <= > >= = != ~ (contains). Numeric
 * fields, parsed from the free-form `performance` values: params_m,
 * top1, top5, accuracy (the first number of performance.accuracy).
 * Text fields (case-insensitive): dataset, domain, framework, api_name,
 * functionality, api_call. A document without the field fails the
 * constraint. Unknown fields and malformed numbers are GORILLA_ERR_INVALID. */
gorilla_status gorilla_retriever_where(gorilla_retriever *r, const char *expr, gorilla_error *err);
void gorilla_retriever_clear_where(gorilla_retriever *r);
/* 1 when document i exists and passes every constraint. */
int gorilla_retriever_accepts(const gorilla_retriever *r, size_t i);

/* Test-time document changes, without rebuilding the index. `json` is one
 * JSON object (an API document). add appends it (its index is
 * gorilla_store_count() before the call); replace swaps document i for it;
 * remove deletes document i (later indices do not move; i is then absent).
 * Edit a store through one retriever only: another retriever of the same
 * store would not see the change. */
gorilla_status gorilla_retriever_add(gorilla_retriever *r, const char *json, size_t *index,
                                     gorilla_error *err);
gorilla_status gorilla_retriever_replace(gorilla_retriever *r, size_t i, const char *json,
                                         gorilla_error *err);
gorilla_status gorilla_retriever_remove(gorilla_retriever *r, size_t i, gorilla_error *err);

/* Persistent index. save writes the retriever's index (terms, postings,
 * lengths, domains) to one file: a versioned header, 8-byte aligned
 * sections, a checksum over the header and one over the payload. open maps
 * it (mmap) and searches it in place, so a large store opens without
 * re-tokenizing; the file is checked (sizes, bounds, checksums) and a
 * corrupted, truncated or foreign file is GORILLA_ERR_PARSE, never a crash.
 * `store` (may be NULL: search only) must be the store the index was built
 * from (its document count is checked); edits copy the index into memory
 * first. */
gorilla_status gorilla_retriever_save(const gorilla_retriever *r, const char *path, gorilla_error *err);
gorilla_status gorilla_retriever_open(const char *path, gorilla_store *store, gorilla_retriever **out,
                                      gorilla_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_RETRIEVE_H */
