/* value.h — the values BFCL's checker compares, with Python's semantics
 * (internal to src/bfcl).
 *
 * BFCL is Python: a decoded call's arguments and the possible answers are
 * Python objects compared with `==`, `in` and `type(x) == T`, printed with
 * repr() in error messages and written with json.dumps(). This file holds
 * one small value model with exactly those operations, all allocated in an
 * arena (freed at once), plus a JSON reader that accepts and rejects what
 * Python's json.loads does, with its error messages.
 */
#ifndef GORILLA_BFCL_VALUE_H
#define GORILLA_BFCL_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* ---- arena: bump allocation in chunks, freed together ---- */
typedef struct bfcl_chunk bfcl_chunk;
typedef struct {
    bfcl_chunk *head;
    int failed; /* an allocation failed: results are incomplete */
} bfcl_arena;

void *bfcl_alloc(bfcl_arena *a, size_t n);
char *bfcl_strndup(bfcl_arena *a, const char *s, size_t n);
char *bfcl_printf(bfcl_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bfcl_arena_free(bfcl_arena *a);

/* ---- values ---- */
typedef enum {
    BV_NONE,
    BV_BOOL,
    BV_INT,   /* i; or big (decimal text) when outside int64 */
    BV_FLOAT,
    BV_STR,   /* UTF-8 bytes s[0..len) */
    BV_LIST,
    BV_TUPLE, /* from decoded Python text only */
    BV_DICT   /* keys are values (Python allows 1, None, ...); insertion order */
} bv_kind;

typedef struct bv bv;
struct bv {
    bv_kind kind;
    union {
        int b;
        struct {
            int64_t i;
            const char *big; /* non-NULL: the exact decimal text */
        } in;
        double f;
        struct {
            const char *s;
            size_t len;
        } str;
        struct {
            bv **items;
            size_t n;
        } list;
        struct {
            bv **keys;
            bv **vals;
            size_t n;
        } dict;
    } u;
};

bv *bv_none(bfcl_arena *a);
bv *bv_bool(bfcl_arena *a, int b);
bv *bv_int(bfcl_arena *a, int64_t i);
bv *bv_float(bfcl_arena *a, double f);
bv *bv_str(bfcl_arena *a, const char *s, size_t len);
bv *bv_cstr(bfcl_arena *a, const char *s);
/* A list/tuple/dict copied from n items (keys/vals) into the arena. */
bv *bv_list(bfcl_arena *a, bv_kind kind, bv *const *items, size_t n);
bv *bv_dict(bfcl_arena *a, bv *const *keys, bv *const *vals, size_t n);

/* A growable array of values while building (heap; copied by bv_list). */
typedef struct {
    bv **v;
    size_t n, cap;
    int failed;
} bv_vec;
void bv_vec_push(bv_vec *vec, bv *x);
void bv_vec_free(bv_vec *vec);

/* Dict lookup by Python equality (NULL when absent); by C string key. */
bv *bv_dict_get(const bv *d, const bv *key);
bv *bv_dict_gets(const bv *d, const char *key);
int bv_is_str(const bv *v, const char *s);

/* Python `a == b` (1 == 1.0 == True, [1] != (1,), dicts by content). */
int bv_eq(const bv *a, const bv *b);
/* Python `x in seq` for a list/tuple (items), str (substring), dict (keys). */
int bv_in(const bv *x, const bv *seq);
/* type(v).__name__: "int", "str", "NoneType", ... */
const char *bv_type_name(const bv *v);

/* ---- text out (a growable buffer) ---- */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} bfcl_buf;
void bfcl_buf_put(bfcl_buf *b, const char *s, size_t n);
void bfcl_buf_puts(bfcl_buf *b, const char *s);
void bfcl_buf_printf(bfcl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bfcl_buf_free(bfcl_buf *b);

/* Python repr(v) / str(v) appended to b. */
void bv_repr(bfcl_buf *b, const bv *v);
void bv_str_of(bfcl_buf *b, const bv *v);
/* repr() of a float ("1.0", "1e-05", "inf"). */
void bfcl_float_repr(bfcl_buf *b, double f);
/* Python json.dumps(v) (ensure_ascii, ", " and ": ") appended to b. */
void bv_dumps(bfcl_buf *b, const bv *v);
/* The arena copy of repr(v) / a formatted message. */
const char *bv_repr_a(bfcl_arena *a, const bv *v);

/* ---- JSON in: Python json.loads ---- */
#define BFCL_MAX_DEPTH 200
/* Parses text[0..len) as one JSON document. Returns the value, or NULL with
 * msg (arena) set to Python's message, e.g. "Expecting ',' delimiter: line
 * 1 column 9 (char 8)"; nesting deeper than BFCL_MAX_DEPTH fails too. */
bv *bfcl_json_parse(bfcl_arena *a, const char *text, size_t len, const char **msg);

/* ---- Python text helpers ---- */
/* standardize_string: drop " ,./-_*^", lowercase, ' -> ". */
bv *bfcl_standardize(bfcl_arena *a, const bv *s);
/* Python str.strip() of whitespace / of the characters in chars. */
void bfcl_strip(const char **s, size_t *len, const char *chars);
/* Python int(s) / float(s) on a str; 0 ok, -1 ValueError. */
int bfcl_py_int(bfcl_arena *a, const char *s, size_t len, bv **out);
int bfcl_py_float(const char *s, size_t len, double *out);
/* An int value from decimal digits text (with optional '-'), big when needed. */
bv *bfcl_int_from_text(bfcl_arena *a, const char *s, size_t len);

#endif
