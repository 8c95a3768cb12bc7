/* utf8.h — UTF-8 decoding, encoding and repair: the one place the project
 * reads UTF-8 (internal; gorilla_utf8_incomplete_tail is public, in
 * gorilla/base.h). */
#ifndef GORILLA_BASE_UTF8_H
#define GORILLA_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"

/* Decodes one code point at s[0..n) strictly (no overlongs, no surrogates,
 * <= U+10FFFF). Returns its length (1..4) and sets *cp, or returns 0 when
 * the bytes there are not a valid sequence (or n is 0). */
size_t gorilla_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Decodes one sequence at s[0..n) by its structure only (lead byte and
 * continuation bytes; overlongs and surrogates pass, as Python's
 * surrogatepass would): returns its length and sets *cp; a stray byte
 * returns 1 with *cp = that byte. n must be > 0. */
size_t gorilla_utf8_decode_lax(const unsigned char *s, size_t n, uint32_t *cp);
/* Writes cp as UTF-8 into out (4 bytes room); returns the length. */
size_t gorilla_utf8_encode(uint32_t cp, char *out);
/* 1 when s[0..n) is valid UTF-8. */
int gorilla_utf8_valid(const char *s, size_t n);
/* The length a lead byte announces, by its high nibble and without
 * validation (llama.cpp's unicode_len_utf8): 1 for ASCII and for stray
 * continuation bytes, 2 for 0xC_/0xD_, 3 for 0xE_, 4 for 0xF_. */
size_t gorilla_utf8_lead_len(unsigned char c);
/* A malloc'd NUL-terminated copy of s[0..n) with every byte that does not
 * start a valid sequence (NUL included) replaced by U+FFFD; *out_len (may
 * be NULL) is its length. NULL when out of memory. */
char *gorilla_utf8_sanitize(const char *s, size_t n, size_t *out_len);

#endif
