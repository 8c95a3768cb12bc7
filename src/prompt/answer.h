/* answer.h — the model-answer parser (internal helpers; the public
 * functions are in gorilla.h, "Prompts and answers"). */
#ifndef GORILLA_PROMPT_ANSWER_H
#define GORILLA_PROMPT_ANSWER_H

#include "gorilla.h"

/* Normalizes a call text for comparison: drops backslashes, outer quotes,
 * commas and spaces, a leading "name = " assignment, and collapses runs of
 * whitespace. Writes at most cap-1 bytes and a NUL; returns the length. */
size_t answer_normalize_call(const char *s, size_t len, char *out, size_t cap);

#endif
