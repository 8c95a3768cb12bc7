/* dataset_internal.h — what the dataset files share (internal). */
#ifndef GORILLA_DATASET_INTERNAL_H
#define GORILLA_DATASET_INTERNAL_H

#include "gorilla.h"
#include "base/hashmap.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A growing NUL-terminated byte buffer; `oom` is set (and further appends
 * ignored) after a failed allocation. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} ds_buf;

void ds_buf_init(ds_buf *b);
void ds_buf_free(ds_buf *b);
void ds_buf_add(ds_buf *b, const char *s, size_t len);
void ds_buf_puts(ds_buf *b, const char *s);
void ds_buf_printf(ds_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (caller frees; "" when nothing was added), NULL after OOM. */
char *ds_buf_take(ds_buf *b);

/* strdup that accepts NULL (returns NULL). Sets *oom on failure. */
char *ds_strdup(const char *s, int *oom);

/* A list of words of a text: the normalised text split on spaces. */
typedef struct {
    char **w;
    size_t n;
} ds_words;
int ds_words_split(const char *text, ds_words *out); /* 0, or -1 on OOM */
void ds_words_free(ds_words *w);

/* json.dumps(v) of Python (", " / ": " separators, ASCII-escaped). */
char *ds_json_dumps_py(const json_t *v);
/* A document as text: a string as is, a list of strings one a line,
 * anything else as compact JSON. NULL when v is NULL or null. */
char *ds_json_text(const json_t *v);

/* The instruction of an APIBench `code` text in either published style
 * ("###Instruction: ...###Output:" or "{'Instruction': ..., 'Output': ..."),
 * trimmed; NULL when neither style is found or on OOM. */
char *ds_code_instruction(const char *code);

/* Store documents by api_call text (the first of duplicates) into m
 * (initialised here; free it with gorilla_hashmap_free). 0, or -1 on OOM. */
int ds_index_calls(const gorilla_store *store, gorilla_hashmap *m);
/* The gold document's store index (its api_call looked up in `calls`), or -1. */
long ds_gold_index(const gorilla_hashmap *calls, const char *api_json);

/* A deterministic value in [0, 1) from a seed and bytes. */
double ds_unit_hash(uint64_t seed, const char *s, size_t len);

#endif
