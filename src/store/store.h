/* store/store.h — what the rest of the library may ask of the API store
 * (internal; the public part is include/gorilla/store.h).
 *
 * Other modules never see the store's struct layout or its JSON library:
 * they read documents through a read-only view (store_value), render them
 * the way the published Python code did (str(), repr(), json.dumps()), and
 * change them through store_add / store_replace / store_remove. A view
 * borrowed from a store stays valid until that document is replaced or
 * removed, or the store is freed.
 */
#ifndef GORILLA_STORE_STORE_H
#define GORILLA_STORE_STORE_H

#include <stddef.h>
#include "gorilla.h"
#include "base/pybuf.h"

/* A JSON value inside a document (object, array, string, number, ...). */
typedef struct store_value store_value;

typedef enum {
    STORE_ABSENT = 0, /* a NULL view: the key or element is not there */
    STORE_NULL,
    STORE_BOOL,
    STORE_NUMBER,
    STORE_STRING,
    STORE_ARRAY,
    STORE_OBJECT,
} store_kind;

/* Document i (an object), or NULL when i is out of range or removed. */
const store_value *store_doc(const gorilla_store *store, size_t i);

store_kind store_value_kind(const store_value *v);
/* obj[key], or NULL when v is not an object or has no such key. */
const store_value *store_value_get(const store_value *obj, const char *key);
/* The text of a string (its byte length in *len when len != NULL), else NULL. */
const char *store_value_string(const store_value *v, size_t *len);
/* obj[key] when it is a string, else NULL. */
const char *store_value_get_string(const store_value *obj, const char *key);
/* 1 and *out when v is a number (integer or real), else 0. */
int store_value_number(const store_value *v, double *out);
/* Number of elements of an array or members of an object; 0 otherwise. */
size_t store_value_size(const store_value *v);
/* Element i of an array, or NULL. */
const store_value *store_value_at(const store_value *arr, size_t i);

/* Members of an object in file order:
 *   for (store_iter it = store_iter_begin(obj); it.value; store_iter_next(&it)) use(it.key, it.value); */
typedef struct {
    const store_value *obj;
    void *pos;
    const char *key;
    const store_value *value; /* NULL after the last member */
} store_iter;
store_iter store_iter_begin(const store_value *obj);
void store_iter_next(store_iter *it);

/* Python renderings, byte for byte (see store/pyrepr.h): repr(v), str(v)
 * (a top-level string unquoted) and json.dumps(v) (ensure_ascii, default
 * separators). The _append forms add to b; the others return malloc'd text,
 * NULL on allocation failure or a NULL view. */
void store_py_repr_append(pybuf *b, const store_value *v);
void store_py_str_append(pybuf *b, const store_value *v);
char *store_py_str(const store_value *v);
char *store_py_json_dumps(const store_value *v);
/* repr() of a Python str given as UTF-8, and json.dumps() of it (quotes included). */
void py_repr_string_append(pybuf *b, const char *s, size_t len);
void py_json_string_append(pybuf *b, const char *s, size_t len);
/* Compact JSON text (jansson's, keys in file order); NULL on failure. */
char *store_value_json(const store_value *v);

/* Edits (the retriever calls these so that its index follows the store).
 * json is one API document, a JSON object; errors name "document:LINE:COL". */
gorilla_status store_add(gorilla_store *s, const char *json, size_t *index, gorilla_error *err);
/* Replaces document i (present or removed). On error document i is unchanged. */
gorilla_status store_replace(gorilla_store *s, size_t i, const char *json, gorilla_error *err);
/* Removes document i: the slot stays, empty (store_doc gives NULL). */
gorilla_status store_remove(gorilla_store *s, size_t i, gorilla_error *err);

/* APIBench pairs: pair i as an object (code, api_call, provider, api_data). */
const store_value *store_pair(const gorilla_pairs *pairs, size_t i);

#endif
