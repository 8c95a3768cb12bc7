/* gorilla/store.h — API store (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_STORE_H
#define GORILLA_API_STORE_H

#include "gorilla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* API store: API documents, one JSON object per line                  */
/* ------------------------------------------------------------------ */

typedef struct gorilla_store gorilla_store;

/* Loads API documents from
 *  - a JSON-lines file (APIBench): every line a JSON object; blank lines are
 *    errors too (they would shift line numbers, which are the indices);
 *  - an APIZoo file (text starting with '['): a JSON list of API entries
 *    (api_name and api_call required strings; user_name, api_version,
 *    functionality, example_code strings; api_arguments an object or null;
 *    env_requirements, questions lists of strings; meta_data/metadata
 *    objects). Invalid JSON is an error naming file:line:col; an entry with
 *    a missing field or a wrong type is skipped and reported (below);
 *  - a folder: every *.json / *.JSON APIZoo file in it, by name; a file that
 *    is not valid JSON is skipped and reported, like a bad entry.
 * Having no valid document at all is an error. */
gorilla_status gorilla_store_load(const char *path, gorilla_store **out, gorilla_error *err);
/* 1 when path is a folder or a file that starts like an APIZoo file. */
int gorilla_store_path_is_apizoo(const char *path);
/* Parses API documents from memory (JSON lines, or an APIZoo list); `name`
 * is used in messages. */
gorilla_status gorilla_store_load_buffer(const char *name, const char *data, size_t len,
                                         gorilla_store **out, gorilla_error *err);
void gorilla_store_free(gorilla_store *store);

size_t gorilla_store_count(const gorilla_store *store);
/* A string field of document i ("domain", "api_call", "api_name", ...);
 * NULL when absent or not a string. */
const char *gorilla_store_field(const gorilla_store *store, size_t i, const char *field);
/* Document i as compact JSON text (keys in file order). Caller frees. */
char *gorilla_store_doc_json(const gorilla_store *store, size_t i);

/* APIZoo loads: 1 when the store came from APIZoo files; what was skipped,
 * one message per file or entry ("FILE:LINE:COL: not valid JSON: ... (file
 * skipped)", "FILE:LINE: entry N: missing \"api_call\" (entry skipped)");
 * files loaded and skipped, entries skipped (any pointer may be NULL). */
int gorilla_store_is_apizoo(const gorilla_store *store);
size_t gorilla_store_skipped_count(const gorilla_store *store);
const char *gorilla_store_skipped(const gorilla_store *store, size_t i);
void gorilla_store_load_counts(const gorilla_store *store, size_t *files_loaded, size_t *files_skipped,
                               size_t *entries_skipped);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_STORE_H */
