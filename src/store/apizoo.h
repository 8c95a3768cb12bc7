/* apizoo.h — loading APIZoo documents (internal; see apizoo.c for the rules). */
#ifndef GORILLA_STORE_APIZOO_H
#define GORILLA_STORE_APIZOO_H

#include <jansson.h>
#include "gorilla.h"

/* What a load produced: the valid entries in file order (files sorted by
 * name), and one message per skipped file or entry. */
typedef struct {
    json_t **docs;
    size_t n, cap;
    char **skipped;
    size_t n_skipped;
    size_t files_loaded, files_skipped, entries_skipped;
} apizoo_load;

void apizoo_load_init(apizoo_load *z);
void apizoo_load_free(apizoo_load *z);

/* 1 when path is a folder. */
int apizoo_is_dir(const char *path);
/* 1 when the text's first non-blank byte is '[' (an APIZoo file, not JSON lines). */
int apizoo_is_array_text(const char *data, size_t len);
/* NULL when entry is a valid APIZoo entry, else the reason (written to buf). */
const char *apizoo_check_entry(const json_t *entry, char *buf, size_t cap);

/* Parses one file's text into z. strict_json: invalid JSON or a non-array is
 * an error (a file named by the user), else it is skipped and reported (a
 * file found in a folder). Bad entries are always skipped and reported. */
gorilla_status apizoo_parse(const char *name, const char *data, size_t len, apizoo_load *z, int strict_json,
                            gorilla_error *err);
/* A file (strict) or every *.json / *.JSON file of a folder (lenient). No
 * valid entry at all is an error. */
gorilla_status apizoo_load_path(const char *path, apizoo_load *z, gorilla_error *err);

#endif
