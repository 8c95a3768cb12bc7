/* gorilla/store.h — API store (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_STORE_H
#define GORILLA_STORE_H

#include "gorilla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* API store: API documents, one JSON object per line                  */
/* ------------------------------------------------------------------ */

typedef struct gorilla_store gorilla_store;

/* Loads API documents from a JSON-lines file. Every line must be a JSON
 * object; blank lines are errors too (they would shift line numbers, which
 * are the documents' indices). */
gorilla_status gorilla_store_load(const char *path, gorilla_store **out, gorilla_error *err);
/* Parses API documents from memory; `name` is used in messages. */
gorilla_status gorilla_store_load_buffer(const char *name, const char *data, size_t len,
                                         gorilla_store **out, gorilla_error *err);
void gorilla_store_free(gorilla_store *store);

size_t gorilla_store_count(const gorilla_store *store);
/* A string field of document i ("domain", "api_call", "api_name", ...);
 * NULL when absent or not a string. */
const char *gorilla_store_field(const gorilla_store *store, size_t i, const char *field);
/* Document i as compact JSON text (keys in file order). Caller frees. */
char *gorilla_store_doc_json(const gorilla_store *store, size_t i);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_STORE_H */
