/* candidate.c — the published evaluator's extraction of the candidate call.
 *
 * Python, on the response text (positions in code points):
 *   parts = text.split("api_call")
 *   if len(parts) == 1: TorchHub -> no candidate; HF/TF -> whole text
 *   piece = parts[1].split("api_provider")[0]
 *   start = piece.index(":") if ":" in piece else 0
 *   end   = piece.rindex(")") if ")" in piece else -2
 *   candidate = piece[start+2 : end+1]
 * ':' and ')' are ASCII, so their byte offsets stand for their code point
 * offsets; "start+2" steps over ':' and the next whole code point, and
 * "-1" drops the last whole code point. */
#include "gorilla.h"
#include "base/utf8.h"

#include <string.h>

/* Byte offset after stepping `count` code points from `off` (clamped to len). */
static size_t step_chars(const char *s, size_t len, size_t off, int count)
{
    while (count-- > 0 && off < len) {
        off += gorilla_utf8_lead_len((unsigned char)s[off]);
        if (off > len) off = len;
    }
    return off;
}

/* Byte offset of the start of the last code point of s[0..len) (0 if empty). */
static size_t last_char_start(const char *s, size_t len)
{
    if (len == 0) return 0;
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    return i;
}

int gorilla_candidate_extract(gorilla_hub hub, const char *text, size_t *start, size_t *len)
{
    size_t tlen = strlen(text);
    const char *key = "api_call";
    const char *first = strstr(text, key);
    if (!first) {
        if (hub == GORILLA_HUB_TORCHHUB) return 0;
        *start = 0;
        *len = tlen;
        return 1;
    }
    const char *piece = first + strlen(key);
    const char *second = strstr(piece, key);
    size_t plen = second ? (size_t)(second - piece) : tlen - (size_t)(piece - text);
    const char *prov = memmem(piece, plen, "api_provider", strlen("api_provider"));
    if (prov) plen = (size_t)(prov - piece);

    const char *colon = memchr(piece, ':', plen);
    size_t s = step_chars(piece, plen, colon ? (size_t)(colon - piece) : 0, 2);
    size_t e; /* exclusive end */
    const char *paren = NULL;
    for (size_t i = plen; i > 0; i--) {
        if (piece[i - 1] == ')') {
            paren = piece + i - 1;
            break;
        }
    }
    if (paren) e = (size_t)(paren - piece) + 1;
    else e = last_char_start(piece, plen);
    *start = (size_t)(piece - text) + s;
    *len = e > s ? e - s : 0;
    return 1;
}
