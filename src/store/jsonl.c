/* jsonl.c — JSON-lines loading: one object per line, errors with file:line:col. */
#include "store/jsonl.h"
#include "base/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

gorilla_status jsonl_read_file(const char *path, char **data, size_t *len, gorilla_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: not a regular file", path);
    }
    if (st.st_size > GORILLA_MAX_FILE_BYTES) {
        fclose(f);
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: %lld bytes, more than the limit of %ld",
                            path, (long long)st.st_size, GORILLA_MAX_FILE_BYTES);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, size);
    }
    size_t got = fread(buf, 1, size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != size) {
        free(buf);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: read error", path);
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    return GORILLA_OK;
}

void jsonl_lines_free(jsonl_lines *lines)
{
    if (!lines) return;
    for (size_t i = 0; i < lines->n; i++) json_decref(lines->objs[i]);
    free(lines->objs);
    lines->objs = NULL;
    lines->n = 0;
}

gorilla_status jsonl_parse(const char *name, const char *data, size_t len, jsonl_lines *out,
                           gorilla_error *err)
{
    out->objs = NULL;
    out->n = 0;
    size_t cap = 0, lineno = 0, pos = 0;
    while (pos < len) {
        lineno++;
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        pos += llen + (nl ? 1 : 0);
        size_t body = llen;
        if (body && line[body - 1] == '\r') body--;
        if (body > (size_t)GORILLA_MAX_LINE_BYTES) {
            jsonl_lines_free(out);
            return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s:%zu: line of %zu bytes, more than the limit of %ld",
                                name, lineno, body, GORILLA_MAX_LINE_BYTES);
        }
        size_t k = 0;
        while (k < body && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == body) {
            jsonl_lines_free(out);
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu: empty line (expected a JSON object)", name, lineno);
        }
        if (out->n >= (size_t)GORILLA_MAX_RECORDS) {
            jsonl_lines_free(out);
            return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s:%zu: more than %ld lines", name, lineno, GORILLA_MAX_RECORDS);
        }
        json_error_t je;
        json_t *obj = json_loadb(line, body, 0, &je);
        if (!obj) {
            jsonl_lines_free(out);
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu:%d: %s", name, lineno,
                                je.column > 0 ? je.column : 1, je.text);
        }
        if (!json_is_object(obj)) {
            json_decref(obj);
            jsonl_lines_free(out);
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu:1: expected a JSON object", name, lineno);
        }
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            json_t **grown = realloc(out->objs, ncap * sizeof *grown);
            if (!grown) {
                json_decref(obj);
                jsonl_lines_free(out);
                return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s:%zu: out of memory", name, lineno);
            }
            out->objs = grown;
            cap = ncap;
        }
        out->objs[out->n++] = obj;
    }
    if (out->n == 0) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: empty file (expected JSON lines)", name);
    return GORILLA_OK;
}

gorilla_status jsonl_load(const char *path, jsonl_lines *out, gorilla_error *err)
{
    char *data = NULL;
    size_t len = 0;
    gorilla_status st = jsonl_read_file(path, &data, &len, err);
    if (st != GORILLA_OK) return st;
    st = jsonl_parse(path, data, len, out, err);
    free(data);
    return st;
}

const char *json_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
