/* store_internal.h — the API store's data, for other modules of the library. */
#ifndef GORILLA_STORE_INTERNAL_H
#define GORILLA_STORE_INTERNAL_H

#include <jansson.h>
#include "gorilla.h"

struct gorilla_store {
    json_t **docs; /* docs[i]: document i (line i+1), a JSON object; NULL when removed */
    size_t n, cap;
    char *name;    /* file name, for messages */
    int apizoo;    /* loaded from APIZoo files (JSON arrays) */
    /* what the load skipped (APIZoo): one message per file or entry */
    char **skipped;
    size_t n_skipped;
    size_t files_loaded, files_skipped, entries_skipped;
};

/* Document i as a jansson object (borrowed), or NULL. */
const json_t *gorilla_store_doc(const gorilla_store *store, size_t i);

struct gorilla_pairs {
    json_t **objs;
    size_t n;
};

struct gorilla_records {
    json_t **objs;
    long *qid;
    const char **text;
    size_t n;
};

#endif
