/* apizoo_pairs.c — APIZoo documents with their `questions` as training
 * pairs: one pair per question, the document itself as the gold one. */
#include "dataset/dataset_internal.h"
#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_of(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The API family of an APIZoo api_name ("Google Drive API - about.get" ->
 * "Google Drive API"). Caller frees. */
char *ds_api_family(const char *api_name)
{
    if (!api_name) return NULL;
    const char *dash = strstr(api_name, " - ");
    return strndup(api_name, dash ? (size_t)(dash - api_name) : strlen(api_name));
}

gorilla_status gorilla_pairset_load_apizoo_buffer(gorilla_pairset *set, const char *name, const char *data, size_t len,
                                                  size_t *added, gorilla_error *err)
{
    if (added) *added = 0;
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!root) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    if (json_is_object(root)) {
        json_t *a = json_array();
        json_array_append(a, root);
        json_decref(root);
        root = a;
    }
    if (!json_is_array(root)) {
        json_decref(root);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: expected a JSON array of API documents", name);
    }
    gorilla_status st = GORILLA_OK;
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e)
    {
        const json_t *qs = json_object_get(e, "questions");
        if (!json_is_object(e) || !qs || json_is_null(qs)) continue;
        const char *call = str_of(e, "api_call"), *api_name = str_of(e, "api_name");
        if (!json_is_array(qs) || !call) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: document %zu: %s", name, i,
                              !call ? "\"questions\" without a string \"api_call\"" : "\"questions\" is not an array");
            break;
        }
        const char *domain = str_of(e, "domain");
        char *fam = ds_api_family(api_name);
        char *code = ds_json_text(json_object_get(e, "example_code"));
        char *answer = gorilla_answer_format(domain ? domain : fam, call, fam, str_of(e, "functionality"), code);
        char *doc = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!answer || !doc) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        size_t j;
        json_t *q;
        json_array_foreach(qs, j, q)
        {
            if (st != GORILLA_OK) break;
            if (!json_is_string(q) || !*json_string_value(q)) {
                st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: document %zu: question %zu is not a non-empty string",
                                  name, i, j);
                break;
            }
            gorilla_train_pair p = {(char *)json_string_value(q), answer, (char *)call, domain ? (char *)domain : fam,
                                    fam, doc};
            st = gorilla_pairset_add(set, &p, err);
            if (st == GORILLA_OK && added) (*added)++;
        }
        free(fam);
        free(code);
        free(answer);
        free(doc);
        if (st != GORILLA_OK) break;
    }
    json_decref(root);
    return st;
}

gorilla_status gorilla_pairset_load_apizoo(gorilla_pairset *set, const char *path, size_t *added, gorilla_error *err)
{
    if (added) *added = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
    pybuf b;
    pybuf_init(&b);
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) pybuf_append(&b, chunk, r);
    int bad = ferror(f);
    fclose(f);
    if (bad || b.oom) {
        pybuf_free(&b);
        return gorilla_fail(err, bad ? GORILLA_ERR_IO : GORILLA_ERR_NOMEM, "%s: %s", path,
                            bad ? "read error" : "out of memory");
    }
    gorilla_status st = gorilla_pairset_load_apizoo_buffer(set, path, b.p ? b.p : "", b.n, added, err);
    pybuf_free(&b);
    return st;
}
