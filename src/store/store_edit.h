/* store_edit.h — adding, replacing and removing API documents (internal).
 * The retriever calls these (gorilla_retriever_add/replace/remove) so that
 * its index follows the store. */
#ifndef GORILLA_STORE_EDIT_H
#define GORILLA_STORE_EDIT_H

#include <jansson.h>
#include "gorilla.h"

/* Parses one API document (a JSON object). Returns a new reference. */
gorilla_status store_parse_doc(const char *json, json_t **out, gorilla_error *err);
/* Appends doc (the store takes the reference); *index is its position. */
gorilla_status store_append(gorilla_store *s, json_t *doc, size_t *index, gorilla_error *err);
/* Replaces document i (present or removed) by doc (reference taken). */
gorilla_status store_replace(gorilla_store *s, size_t i, json_t *doc, gorilla_error *err);
/* Removes document i: the slot stays, empty (gorilla_store_doc gives NULL). */
gorilla_status store_remove(gorilla_store *s, size_t i, gorilla_error *err);

#endif
