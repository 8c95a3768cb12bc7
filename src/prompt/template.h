/* template.h — Gorilla prompt formats (internal header; the functions are
 * public and declared in gorilla.h, "Prompts and answers"). */
#ifndef GORILLA_PROMPT_TEMPLATE_H
#define GORILLA_PROMPT_TEMPLATE_H

#include "gorilla.h"

/* The separator the published question files put between an instruction
 * and a retrieved document. */
#define GORILLA_PROMPT_DOC_SEP " \n Use this API documentation for reference: "

#endif
