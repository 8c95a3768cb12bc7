/* pyrepr.h — Python's str()/repr() and json.dumps() of jansson values (internal).
 *
 * The published APIBench prompts were made in Python: documents appear as
 * str(dict) (BM25 / GPT-Index settings) or json.dumps(dict) (oracle), and the
 * BM25 retriever tokenizes str(dict). These functions reproduce those texts
 * byte for byte:
 *  - repr of str: quote ' unless the text contains ' and no "; escapes \\,
 *    the quote, \t \n \r; other non-printable characters as \xNN, \uNNNN or
 *    \UNNNNNNNN (Python's str.isprintable: Unicode categories Cc, Cf, Cs, Co,
 *    Cn, Zl, Zp and Zs other than ' '; unassigned code points are
 *    approximated by the noncharacters and the ranges listed in pyrepr.c);
 *  - float repr: shortest text that round-trips, fixed notation when the
 *    decimal exponent is in [-4, 16), else d.ddde+XX; '.0' added to integral
 *    fixed values; inf, -inf, nan;
 *  - True / False / None; dicts {'k': v} in key order, lists [a, b];
 *  - json.dumps with ensure_ascii=True and separators ', ' / ': ' (non-ASCII
 *    as \uXXXX, above the BMP as surrogate pairs; NaN, Infinity).
 * Invalid UTF-8 (which jansson does not produce) is passed through as bytes.
 */
#ifndef GORILLA_STORE_PYREPR_H
#define GORILLA_STORE_PYREPR_H

#include <jansson.h>
#include <stddef.h>
#include "store/store.h" /* pybuf, py_repr_string_append, py_json_string_append */

/* repr(v) / str(v) appended to b. str() differs from repr() only for a
 * top-level string (str('x') is x itself). */
void py_repr_append(pybuf *b, const json_t *v);
void py_str_append(pybuf *b, const json_t *v);
/* json.dumps(v) (ensure_ascii=True, default separators). */
void py_json_dumps_append(pybuf *b, const json_t *v);

/* Convenience wrappers: malloc'd results, NULL on allocation failure. */
char *py_repr(const json_t *v);
char *py_str(const json_t *v);
char *py_json_dumps(const json_t *v);

/* repr(float(x)) into out (at least 32 bytes). Returns the length. */
size_t py_float_repr(double x, char *out, size_t cap);

/* Python's str.isprintable() for one code point. */
int py_isprintable(unsigned cp);

#endif
