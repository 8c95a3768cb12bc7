/* store_edit.c — test-time document changes: add, replace, remove (store/store.h). */
#include "store/store.h"
#include "store/store_internal.h"
#include "store/jsonl.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static gorilla_status parse_doc(const char *json, json_t **out, gorilla_error *err)
{
    *out = NULL;
    if (!json) return gorilla_fail(err, GORILLA_ERR_INVALID, "no document given");
    size_t len = strlen(json);
    if (len > (size_t)GORILLA_MAX_LINE_BYTES)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "document of %zu bytes, more than the limit of %ld",
                            len, GORILLA_MAX_LINE_BYTES);
    json_error_t je;
    json_t *doc = json_loadb(json, len, 0, &je);
    if (!doc)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "document:%d:%d: %s", je.line, je.column > 0 ? je.column : 1,
                            je.text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "document: expected a JSON object");
    }
    *out = doc;
    return GORILLA_OK;
}

static gorilla_status append_doc(gorilla_store *s, json_t *doc, size_t *index, gorilla_error *err)
{
    if (s->n >= (size_t)GORILLA_MAX_RECORDS) {
        json_decref(doc);
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: more than %ld documents", s->name, GORILLA_MAX_RECORDS);
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        json_t **grown = realloc(s->docs, ncap * sizeof *grown);
        if (!grown) {
            json_decref(doc);
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory adding a document", s->name);
        }
        s->docs = grown;
        s->cap = ncap;
    }
    s->docs[s->n] = doc;
    if (index) *index = s->n;
    s->n++;
    return GORILLA_OK;
}

static gorilla_status replace_doc(gorilla_store *s, size_t i, json_t *doc, gorilla_error *err)
{
    if (i >= s->n) {
        json_decref(doc);
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no document %zu (there are %zu)", s->name, i, s->n);
    }
    json_decref(s->docs[i]);
    s->docs[i] = doc;
    return GORILLA_OK;
}

gorilla_status store_remove(gorilla_store *s, size_t i, gorilla_error *err)
{
    if (i >= s->n || !s->docs[i])
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no document %zu to remove", s->name, i);
    json_decref(s->docs[i]);
    s->docs[i] = NULL;
    return GORILLA_OK;
}

gorilla_status store_add(gorilla_store *s, const char *json, size_t *index, gorilla_error *err)
{
    json_t *doc;
    gorilla_status st = parse_doc(json, &doc, err);
    return st != GORILLA_OK ? st : append_doc(s, doc, index, err);
}

gorilla_status store_replace(gorilla_store *s, size_t i, const char *json, gorilla_error *err)
{
    if (i >= s->n)
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no document %zu (there are %zu)", s->name, i, s->n);
    json_t *doc;
    gorilla_status st = parse_doc(json, &doc, err);
    return st != GORILLA_OK ? st : replace_doc(s, i, doc, err);
}
