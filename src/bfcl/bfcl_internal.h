/* bfcl_internal.h — what the BFCL files share (internal to src/bfcl). */
#ifndef GORILLA_BFCL_INTERNAL_H
#define GORILLA_BFCL_INTERNAL_H

#include "bfcl/value.h"
#include "gorilla.h"

typedef enum { BFCL_LANG_PYTHON, BFCL_LANG_JAVA, BFCL_LANG_JS } bfcl_lang;

/* The regular expressions of BFCL's Java and JavaScript type converters,
 * compiled once per evaluation (convert.c). */
typedef struct bfcl_regex bfcl_regex;
bfcl_regex *bfcl_regex_new(void);
void bfcl_regex_free(bfcl_regex *rx);

/* One evaluation's state: the arena values live in, the regexes, options. */
typedef struct {
    bfcl_arena *a;
    bfcl_regex *rx;
    int underscore; /* compare expected names with '.' turned into '_' (FC models) */
    int strict;     /* --strict: bipartite parallel matching */
} bfcl_ctx;

/* A checker verdict: as BFCL's {"valid", "error", "error_type"}. error is a
 * list (of strings, and for parallel calls of per-candidate dicts). */
typedef struct {
    int valid;
    bv *error;
    const char *error_type;
    int is_variable;
} bfcl_result;

/* ---- converters (convert.c) ---- */
/* java_type_converter(value, type, nested) / js_type_converter: value is a
 * str. NULL when the type has no converter in BFCL (Set, Queue, ...). */
bv *bfcl_java_convert(bfcl_ctx *c, const bv *value, const char *type, const char *nested);
bv *bfcl_js_convert(bfcl_ctx *c, const bv *value, const char *type, const char *nested);
/* Whether a type name is one of JAVA_TYPE_CONVERSION / JS_TYPE_CONVERSION,
 * and the Python type (bv_kind) it maps to. */
int bfcl_java_type(const char *type, bv_kind *kind);
int bfcl_js_type(const char *type, bv_kind *kind);

/* ---- checker (checker.c) ---- */
/* ast_checker(func_description, model_output, possible_answer, language,
 * test_category): model_output a decoded list of {name: {param: value}}. */
bfcl_result bfcl_ast_check(bfcl_ctx *c, const bv *functions, const bv *model_output, const bv *possible_answer,
                           bfcl_lang lang, const char *category);

/* ---- decoders (decode.c, decode_py.c, decode_java.c, decode_js.c) ---- */
/* FC results: [{"name": "<arguments JSON>"}, ...] -> [{name: {args}}].
 * NULL with *why (Python's exception text) when BFCL's decode_ast raises. */
bv *bfcl_decode_fc(bfcl_ctx *c, const bv *result, const char **why);
/* Prompting results: the model's text, decoded as default_decode_ast_prompting. */
bv *bfcl_decode_prompt(bfcl_ctx *c, const bv *text, bfcl_lang lang, const char **why);
bv *bfcl_decode_python(bfcl_ctx *c, const char *s, size_t len, const char **why);
bv *bfcl_decode_java(bfcl_ctx *c, const char *s, size_t len, const char **why);
bv *bfcl_decode_js(bfcl_ctx *c, const char *s, size_t len, const char **why);
/* is_function_calling_format_output / is_empty_output. */
int bfcl_is_call_list(const bv *decoded);
int bfcl_is_empty_output(const bv *decoded);

#endif
