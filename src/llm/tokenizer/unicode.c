/* unicode.c — llama.cpp's whitespace set, CJK ranges and the
 * generated per-code-point maps (see unicode.h). */
#include "llm/tokenizer/unicode.h"

/* UTF-8 itself: base/utf8.c. */

int gorilla_cp_is_space(uint32_t cp)
{
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

int gorilla_cp_is_cjk(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint32_t gorilla_cp_map_apply(const gorilla_cp_map *map, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < map[mid].first) hi = mid;
        else if (cp > map[mid].last) lo = mid + 1;
        else return map[mid].shift ? map[mid].target + (cp - map[mid].first) : map[mid].target;
    }
    return cp;
}

uint32_t gorilla_cp_nfd_first(uint32_t cp)
{
    if (cp < 0xC0) return cp;
    return gorilla_cp_map_apply(gorilla_nfd_first, gorilla_nfd_first_len, cp);
}

uint32_t gorilla_cp_lower(uint32_t cp)
{
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    return gorilla_cp_map_apply(gorilla_lowercase, gorilla_lowercase_len, cp);
}
