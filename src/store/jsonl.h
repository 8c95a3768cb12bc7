/* jsonl.h — reading JSON-lines files with jansson (internal). */
#ifndef GORILLA_STORE_JSONL_H
#define GORILLA_STORE_JSONL_H

#include <jansson.h>
#include "gorilla.h"

/* Limits on untrusted files (see README "Limits"). */
#define GORILLA_MAX_FILE_BYTES  (1024L * 1024 * 1024) /* 1 GiB */
#define GORILLA_MAX_LINE_BYTES  (16L * 1024 * 1024)   /* 16 MiB */
#define GORILLA_MAX_RECORDS     10000000L

/* Parsed lines: objs[i] is line i+1 of the input (every line must be a JSON
 * object; a final newline is optional; blank lines are errors). */
typedef struct {
    json_t **objs;
    size_t n;
} jsonl_lines;

/* Reads a whole file into memory (NUL-terminated). Caller frees *data. */
gorilla_status jsonl_read_file(const char *path, char **data, size_t *len, gorilla_error *err);

/* Parses a buffer of JSON lines; `name` names it in messages
 * ("name:LINE:COL: what"). */
gorilla_status jsonl_parse(const char *name, const char *data, size_t len, jsonl_lines *out,
                           gorilla_error *err);
/* jsonl_read_file + jsonl_parse. */
gorilla_status jsonl_load(const char *path, jsonl_lines *out, gorilla_error *err);
void jsonl_lines_free(jsonl_lines *lines);

/* The string value of obj[key], or NULL when absent or not a string. */
const char *json_str(const json_t *obj, const char *key);

#endif
