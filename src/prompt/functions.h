/* functions.h — function documents (internal to the library; the public
 * functions are in gorilla.h, "Function calling"): the one check of a
 * function document that the server's `tools` and `gorilla ask
 * --functions` share. */
#ifndef GORILLA_PROMPT_FUNCTIONS_H
#define GORILLA_PROMPT_FUNCTIONS_H

#include <jansson.h>
#include <stddef.h>

/* Checks one function document {"name", "description", "parameters"}:
 * an object, a name of 1 to 128 letters, digits, '_', '-' or '.', a
 * string (or null) description, an object (or null) parameters. 0, or -1
 * with msg = "<where> ..." saying what is wrong. */
int fn_doc_check(const json_t *f, const char *where, char *msg, size_t cap);

/* The document named `name` in a list of function documents, or NULL. */
json_t *fn_doc_find(const json_t *functions, const char *name);

#endif
