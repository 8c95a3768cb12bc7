/* apizoo.c — APIZoo documents: a JSON array of API entries per file, or a
 * folder of such files (the Gorilla project's data/apizoo).
 *
 * An entry is an object with (types checked):
 *   api_name, api_call          non-empty strings (required)
 *   user_name, api_version, functionality, example_code   strings
 *   api_arguments               an object (argument -> description) or null
 *   env_requirements, questions lists of strings (or null)
 *   meta_data / metadata        an object
 * Other keys are kept as they are. An entry that breaks these rules is
 * skipped and reported ("FILE:LINE: entry N: ..."); so is, in a folder, a
 * file that is not valid JSON ("FILE:LINE:COL: ...") or not an array. A
 * single file given by name that is not valid JSON is an error. */
#include "store/apizoo.h"
#include "store/jsonl.h"
#include "base/error.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_SKIP_TEXT 512

int apizoo_is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int apizoo_is_array_text(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB && (unsigned char)data[2] == 0xBF)
        i = 3; /* UTF-8 byte-order mark */
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) i++;
    return i < len && data[i] == '[';
}

void apizoo_load_init(apizoo_load *z)
{
    memset(z, 0, sizeof *z);
}

void apizoo_load_free(apizoo_load *z)
{
    for (size_t i = 0; i < z->n; i++) json_decref(z->docs[i]);
    free(z->docs);
    for (size_t i = 0; i < z->n_skipped; i++) free(z->skipped[i]);
    free(z->skipped);
    apizoo_load_init(z);
}

static int add_doc(apizoo_load *z, json_t *doc)
{
    if (z->n >= (size_t)GORILLA_MAX_RECORDS) return -2;
    if (z->n == z->cap) {
        size_t ncap = z->cap ? z->cap * 2 : 256;
        json_t **grown = realloc(z->docs, ncap * sizeof *grown);
        if (!grown) return -1;
        z->docs = grown;
        z->cap = ncap;
    }
    z->docs[z->n++] = json_incref(doc);
    return 0;
}

__attribute__((format(printf, 2, 3))) static int add_skip(apizoo_load *z, const char *fmt, ...)
{
    char buf[MAX_SKIP_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **grown = realloc(z->skipped, (z->n_skipped + 1) * sizeof *grown);
    if (!grown) return -1;
    z->skipped = grown;
    z->skipped[z->n_skipped] = strdup(buf);
    if (!z->skipped[z->n_skipped]) return -1;
    z->n_skipped++;
    return 0;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

typedef enum { T_STRING, T_OBJECT_OR_NULL, T_STRINGS_OR_NULL, T_OBJECT } field_type;

static const struct {
    const char *key;
    field_type type;
    int required;
} FIELDS[] = {
    {"api_name", T_STRING, 1},         {"api_call", T_STRING, 1},          {"user_name", T_STRING, 0},
    {"api_version", T_STRING, 0},      {"functionality", T_STRING, 0},     {"example_code", T_STRING, 0},
    {"api_arguments", T_OBJECT_OR_NULL, 0}, {"env_requirements", T_STRINGS_OR_NULL, 0},
    {"questions", T_STRINGS_OR_NULL, 0}, {"meta_data", T_OBJECT, 0},      {"metadata", T_OBJECT, 0},
};

/* NULL when entry is a valid APIZoo entry, else why not (into buf). */
const char *apizoo_check_entry(const json_t *entry, char *buf, size_t cap)
{
    if (!json_is_object(entry)) {
        snprintf(buf, cap, "expected an object, got %s", type_name(entry));
        return buf;
    }
    for (size_t f = 0; f < sizeof FIELDS / sizeof FIELDS[0]; f++) {
        const json_t *v = json_object_get(entry, FIELDS[f].key);
        const char *k = FIELDS[f].key;
        if (!v) {
            if (FIELDS[f].required) {
                snprintf(buf, cap, "missing \"%s\"", k);
                return buf;
            }
            continue;
        }
        switch (FIELDS[f].type) {
        case T_STRING:
            if (!json_is_string(v)) {
                snprintf(buf, cap, "\"%s\" should be a string, is %s", k, type_name(v));
                return buf;
            }
            if (FIELDS[f].required && json_string_length(v) == 0) {
                snprintf(buf, cap, "\"%s\" is empty", k);
                return buf;
            }
            break;
        case T_OBJECT:
        case T_OBJECT_OR_NULL:
            if (!json_is_object(v) && !(FIELDS[f].type == T_OBJECT_OR_NULL && json_is_null(v))) {
                snprintf(buf, cap, "\"%s\" should be an object, is %s", k, type_name(v));
                return buf;
            }
            break;
        case T_STRINGS_OR_NULL:
            if (json_is_null(v)) break;
            if (!json_is_array(v)) {
                snprintf(buf, cap, "\"%s\" should be a list of strings, is %s", k, type_name(v));
                return buf;
            }
            for (size_t i = 0; i < json_array_size(v); i++) {
                if (!json_is_string(json_array_get(v, i))) {
                    snprintf(buf, cap, "\"%s\"[%zu] should be a string, is %s", k, i,
                             type_name(json_array_get(v, i)));
                    return buf;
                }
            }
            break;
        }
    }
    return NULL;
}

/* Line of each top-level array element's first byte (lines[i] for element
 * i; at most max). The text is valid JSON (jansson parsed it). */
static size_t element_lines(const char *data, size_t len, size_t *lines, size_t max)
{
    size_t n = 0, line = 1;
    int depth = 0, in_str = 0, want = 0;
    for (size_t i = 0; i < len && n < max; i++) {
        char c = data[i];
        if (c == '\n') line++;
        if (in_str) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_str = 0;
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (depth == 1 && want && c != ']') {
            lines[n++] = line;
            want = 0;
        }
        if (c == '"') in_str = 1;
        else if (c == '[' || c == '{') {
            depth++;
            if (depth == 1) want = 1;
        } else if (c == ']' || c == '}') depth--;
        else if (c == ',' && depth == 1) want = 1;
    }
    return n;
}

gorilla_status apizoo_parse(const char *name, const char *data, size_t len, apizoo_load *z, int strict_json,
                            gorilla_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        int line = je.line > 0 ? je.line : 1, col = je.column > 0 ? je.column : 1;
        if (strict_json)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: not valid JSON: %s", name, line, col, je.text);
        if (add_skip(z, "%s:%d:%d: not valid JSON: %s (file skipped)", name, line, col, je.text) != 0)
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        z->files_skipped++;
        return GORILLA_OK;
    }
    if (!json_is_array(root)) {
        const char *t = type_name(root);
        json_decref(root);
        if (strict_json)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: an APIZoo file is a JSON list of API entries, not %s",
                                name, t);
        if (add_skip(z, "%s: a JSON list of API entries expected, got %s (file skipped)", name, t) != 0)
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        z->files_skipped++;
        return GORILLA_OK;
    }
    size_t n = json_array_size(root);
    size_t *lines = calloc(n ? n : 1, sizeof *lines);
    if (!lines) {
        json_decref(root);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    size_t nl = element_lines(data, len, lines, n);
    gorilla_status st = GORILLA_OK;
    for (size_t i = 0; i < n && st == GORILLA_OK; i++) {
        const json_t *e = json_array_get(root, i);
        char why[256];
        const char *bad = apizoo_check_entry(e, why, sizeof why);
        size_t line = i < nl ? lines[i] : 0;
        if (bad) {
            z->entries_skipped++;
            if (add_skip(z, "%s:%zu: entry %zu: %s (entry skipped)", name, line, i + 1, bad) != 0)
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            continue;
        }
        int r = add_doc(z, (json_t *)e);
        if (r == -2) st = gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: more than %ld documents", name, GORILLA_MAX_RECORDS);
        else if (r) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    free(lines);
    json_decref(root);
    if (st == GORILLA_OK) z->files_loaded++;
    return st;
}

static int is_json_name(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && name[0] != '.' && strcasecmp(name + n - 5, ".json") == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

gorilla_status apizoo_load_path(const char *path, apizoo_load *z, gorilla_error *err)
{
    if (!apizoo_is_dir(path)) {
        char *data;
        size_t len;
        gorilla_status st = jsonl_read_file(path, &data, &len, err);
        if (st != GORILLA_OK) return st;
        st = apizoo_parse(path, data, len, z, 1, err);
        free(data);
        if (st == GORILLA_OK && z->n == 0)
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no valid APIZoo entries%s%s", path,
                              z->n_skipped ? "; first problem: " : "", z->n_skipped ? z->skipped[0] : "");
        return st;
    }
    DIR *d = opendir(path);
    if (!d) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open the folder", path);
    char **names = NULL;
    size_t n = 0;
    gorilla_status st = GORILLA_OK;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (!is_json_name(de->d_name)) continue;
        char **grown = realloc(names, (n + 1) * sizeof *grown);
        if (!grown || !(grown[n] = strdup(de->d_name))) {
            if (grown) names = grown;
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        names = grown;
        n++;
    }
    closedir(d);
    if (st == GORILLA_OK && n > 1) qsort(names, n, sizeof *names, cmp_str); /* file order does not depend on the disk */
    for (size_t i = 0; i < n && st == GORILLA_OK; i++) {
        size_t plen = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(plen);
        if (!full) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(full, plen, "%s/%s", path, names[i]);
        char *data;
        size_t len;
        gorilla_error ferr = {0};
        if (jsonl_read_file(full, &data, &len, &ferr) != GORILLA_OK) {
            z->files_skipped++;
            if (add_skip(z, "%s (file skipped)", ferr.message) != 0)
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        } else {
            st = apizoo_parse(full, data, len, z, 0, err);
            free(data);
        }
        free(full);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (st == GORILLA_OK && z->n == 0)
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no APIZoo documents (%zu .json files%s%s)", path, n,
                          z->n_skipped ? "; first problem: " : "", z->n_skipped ? z->skipped[0] : "");
    return st;
}
