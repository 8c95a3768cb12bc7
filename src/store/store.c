/* store.c — API documents loaded from JSON lines. */
#include "store/store_internal.h"
#include "store/jsonl.h"
#include "store/apizoo.h"
#include "base/error.h"

#include <stdio.h>
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

/* A store from an APIZoo load (takes its documents and messages). */
static gorilla_status store_from_apizoo(const char *name, apizoo_load *z, gorilla_store **out, gorilla_error *err)
{
    jsonl_lines lines = {z->docs, z->n};
    gorilla_store *s = NULL;
    z->docs = NULL;
    z->n = z->cap = 0;
    gorilla_status st = store_from_lines(name, &lines, &s, err);
    if (st != GORILLA_OK) {
        apizoo_load_free(z);
        return st;
    }
    s->apizoo = 1;
    s->skipped = z->skipped;
    s->n_skipped = z->n_skipped;
    s->files_loaded = z->files_loaded;
    s->files_skipped = z->files_skipped;
    s->entries_skipped = z->entries_skipped;
    z->skipped = NULL;
    z->n_skipped = 0;
    apizoo_load_free(z);
    *out = s;
    return GORILLA_OK;
}

gorilla_status gorilla_store_load_buffer(const char *name, const char *data, size_t len,
                                         gorilla_store **out, gorilla_error *err)
{
    *out = NULL;
    if (apizoo_is_array_text(data, len)) {
        apizoo_load z;
        apizoo_load_init(&z);
        gorilla_status st = apizoo_parse(name, data, len, &z, 1, err);
        if (st == GORILLA_OK && z.n == 0)
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no valid APIZoo entries%s%s", name,
                              z.n_skipped ? "; first problem: " : "", z.n_skipped ? z.skipped[0] : "");
        if (st != GORILLA_OK) {
            apizoo_load_free(&z);
            return st;
        }
        return store_from_apizoo(name, &z, out, err);
    }
    jsonl_lines lines;
    gorilla_status st = jsonl_parse(name, data, len, &lines, err);
    if (st != GORILLA_OK) return st;
    return store_from_lines(name, &lines, out, err);
}

gorilla_status gorilla_store_load(const char *path, gorilla_store **out, gorilla_error *err)
{
    *out = NULL;
    if (!path) return gorilla_fail(err, GORILLA_ERR_INVALID, "no API file given");
    if (apizoo_is_dir(path)) {
        apizoo_load z;
        apizoo_load_init(&z);
        gorilla_status st = apizoo_load_path(path, &z, err);
        if (st != GORILLA_OK) {
            apizoo_load_free(&z);
            return st;
        }
        return store_from_apizoo(path, &z, out, err);
    }
    char *data;
    size_t len;
    gorilla_status st = jsonl_read_file(path, &data, &len, err);
    if (st != GORILLA_OK) return st;
    st = gorilla_store_load_buffer(path, data, len, out, err);
    free(data);
    return st;
}

void gorilla_store_free(gorilla_store *store)
{
    if (!store) return;
    for (size_t i = 0; i < store->n; i++) json_decref(store->docs[i]);
    free(store->docs);
    free(store->name);
    for (size_t i = 0; i < store->n_skipped; i++) free(store->skipped[i]);
    free(store->skipped);
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

int gorilla_store_is_apizoo(const gorilla_store *store) { return store ? store->apizoo : 0; }

size_t gorilla_store_skipped_count(const gorilla_store *store) { return store ? store->n_skipped : 0; }

const char *gorilla_store_skipped(const gorilla_store *store, size_t i)
{
    return store && i < store->n_skipped ? store->skipped[i] : NULL;
}

void gorilla_store_load_counts(const gorilla_store *store, size_t *files_loaded, size_t *files_skipped,
                               size_t *entries_skipped)
{
    if (files_loaded) *files_loaded = store ? store->files_loaded : 0;
    if (files_skipped) *files_skipped = store ? store->files_skipped : 0;
    if (entries_skipped) *entries_skipped = store ? store->entries_skipped : 0;
}

int gorilla_store_path_is_apizoo(const char *path)
{
    if (!path) return 0;
    if (apizoo_is_dir(path)) return 1;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char head[64];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return apizoo_is_array_text(head, n);
}
