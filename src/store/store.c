/* store.c — API documents loaded from JSON lines. */
#include "store/store_internal.h"
#include "store/jsonl.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static gorilla_status store_from_lines(const char *name, jsonl_lines *lines, gorilla_store **out,
                                       gorilla_error *err)
{
    gorilla_store *s = calloc(1, sizeof *s);
    char *dup = strdup(name);
    if (!s || !dup) {
        free(s);
        free(dup);
        jsonl_lines_free(lines);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", name);
    }
    s->docs = lines->objs;
    s->n = s->cap = lines->n;
    s->name = dup;
    *out = s;
    return GORILLA_OK;
}

gorilla_status gorilla_store_load_buffer(const char *name, const char *data, size_t len,
                                         gorilla_store **out, gorilla_error *err)
{
    *out = NULL;
    jsonl_lines lines;
    gorilla_status st = jsonl_parse(name, data, len, &lines, err);
    if (st != GORILLA_OK) return st;
    return store_from_lines(name, &lines, out, err);
}

gorilla_status gorilla_store_load(const char *path, gorilla_store **out, gorilla_error *err)
{
    *out = NULL;
    jsonl_lines lines;
    gorilla_status st = jsonl_load(path, &lines, err);
    if (st != GORILLA_OK) return st;
    return store_from_lines(path, &lines, out, err);
}

void gorilla_store_free(gorilla_store *store)
{
    if (!store) return;
    for (size_t i = 0; i < store->n; i++) json_decref(store->docs[i]);
    free(store->docs);
    free(store->name);
    free(store);
}

size_t gorilla_store_count(const gorilla_store *store) { return store ? store->n : 0; }

const json_t *gorilla_store_doc(const gorilla_store *store, size_t i)
{
    return store && i < store->n ? store->docs[i] : NULL;
}

const char *gorilla_store_field(const gorilla_store *store, size_t i, const char *field)
{
    const json_t *d = gorilla_store_doc(store, i);
    return d ? json_str(d, field) : NULL;
}

char *gorilla_store_doc_json(const gorilla_store *store, size_t i)
{
    const json_t *d = gorilla_store_doc(store, i);
    return d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}
