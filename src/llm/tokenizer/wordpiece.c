/* wordpiece.c — WordPiece as llama.cpp's llm_tokenizer_wpm does it.
 *
 * Pre-tokenization (BERT's basic tokenizer, llama.cpp's version of it), per
 * code point, after mapping each one to the first code point of its NFD
 * decomposition (which strips accents: "Führer" -> "Fuhrer"):
 *   - White_Space ends the current word;
 *   - U+0000, U+FFFD (also what invalid UTF-8 becomes), \p{C} and \p{M}
 *     are dropped (llama.cpp drops all marks, spacing ones too: "का" -> "क");
 *   - \p{P}, the ASCII symbols $+<=>^`|~ and CJK ideographs are words of
 *     their own;
 *   - everything else, lowercased, extends the current word.
 * One PCRE2 regex (UTF + UCP) classifies runs of code points into those four
 * groups.
 *
 * Each word, with "▁" prepended, is then cut greedily into the longest
 * vocabulary tokens from the left (continuations carry no "▁", the GGUF
 * form of "##"); when some position matches nothing, the whole word becomes
 * the unknown token.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "llm/tokenizer/wordpiece.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/tokenizer/unicode.h"

#define WS GORILLA_WS_CLASS
#define CJK                                                                                        \
    "\\x{4E00}-\\x{9FFF}\\x{3400}-\\x{4DBF}\\x{20000}-\\x{2A6DF}\\x{2A700}-\\x{2B73F}"                \
    "\\x{2B740}-\\x{2B81F}\\x{2B820}-\\x{2CEAF}\\x{F900}-\\x{FAFF}\\x{2F800}-\\x{2FA1F}"
#define SINGLE "\\p{P}$+<=>^`|~" CJK

/* groups: 1 whitespace, 2 dropped, 3 a word of its own, 4 word characters */
static const char BERT_RE[] = "([" WS "]+)|((?:[^\\P{C}" WS "]|[\\p{M}\\x{FFFD}])+)|([" SINGLE "])|([^" WS
                              "\\p{C}\\p{M}\\x{FFFD}" SINGLE "]+)";

struct gorilla_wpm {
    pcre2_code *code;
    const gorilla_hashmap *tok2id;
    size_t max_len;
    int32_t unk;
};

void gorilla_idvec_push(gorilla_idvec *o, int32_t id)
{
    if (o->oom) return;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        int32_t *nv = realloc(o->v, nc * sizeof *nv);
        if (!nv) {
            o->oom = 1;
            return;
        }
        o->v = nv;
        o->cap = nc;
    }
    o->v[o->n++] = id;
}

gorilla_status gorilla_wpm_new(const gorilla_hashmap *tok2id, size_t max_token_len, int32_t unk,
                               gorilla_wpm **out, gorilla_error *err)
{
    *out = NULL;
    gorilla_wpm *w = calloc(1, sizeof *w);
    if (!w) return gorilla_fail(err, GORILLA_ERR_NOMEM, "wordpiece: out of memory");
    int ec;
    PCRE2_SIZE eo;
    w->code = pcre2_compile((PCRE2_SPTR)BERT_RE, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
    if (!w->code) {
        free(w);
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "wordpiece: regex error %d at %zu", ec, (size_t)eo);
    }
    (void)pcre2_jit_compile(w->code, PCRE2_JIT_COMPLETE);
    w->tok2id = tok2id;
    w->max_len = max_token_len;
    w->unk = unk;
    *out = w;
    return GORILLA_OK;
}

void gorilla_wpm_free(gorilla_wpm *w)
{
    if (!w) return;
    pcre2_code_free(w->code);
    free(w);
}

void gorilla_wpm_ws_free(gorilla_wpm_ws *ws)
{
    free(ws->buf);
    free(ws->word);
    pcre2_match_data_free(ws->md);
    memset(ws, 0, sizeof *ws);
}

static int grow(char **p, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t nc = need < 256 ? 256 : need * 2;
    char *np = realloc(*p, nc);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

/* The word in ws->word[0..n) (which starts with "▁"): longest matches. */
static void encode_word(const gorilla_wpm *w, const char *word, size_t n, gorilla_idvec *o)
{
    size_t start = o->n;
    for (size_t i = 0; i < n;) {
        size_t j = i + w->max_len + 1 < n ? i + w->max_len + 1 : n;
        int64_t id = -1;
        for (; j > i; j--)
            if (gorilla_hashmap_get(w->tok2id, word + i, j - i, &id)) break;
        if (j == i) { /* no token here: the whole word is unknown */
            o->n = start;
            break;
        }
        gorilla_idvec_push(o, (int32_t)id);
        i = j;
    }
    if (o->n == start && w->unk >= 0) gorilla_idvec_push(o, w->unk);
}

/* Appends cp lowercased to the current word (which has its "▁" already). */
static int word_add(gorilla_wpm_ws *ws, size_t *wn, uint32_t cp)
{
    if (grow(&ws->word, &ws->word_cap, *wn + 8)) return -1;
    if (*wn == 0) {
        memcpy(ws->word, "\xE2\x96\x81", 3);
        *wn = 3;
    }
    *wn += gorilla_utf8_encode(gorilla_cp_lower(cp), ws->word + *wn);
    return 0;
}

int gorilla_wpm_encode(const gorilla_wpm *w, gorilla_wpm_ws *ws, const char *s, size_t n, gorilla_idvec *o)
{
    if (n == 0) return 0;
    /* NFD-first code points, re-encoded; invalid bytes -> U+FFFD */
    if (grow(&ws->buf, &ws->buf_cap, n * 3 + 4)) return -1;
    size_t k = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = gorilla_utf8_decode(u + i, n - i, &cp);
        if (l == 0) {
            cp = 0xFFFD;
            l = 1;
        }
        k += gorilla_utf8_encode(gorilla_cp_nfd_first(cp), ws->buf + k);
        i += l;
    }
    if (!ws->md && !(ws->md = pcre2_match_data_create(5, NULL))) return -1;
    pcre2_match_data *md = ws->md;
    size_t wn = 0; /* bytes in the current word */
    const unsigned char *b = (const unsigned char *)ws->buf;
    for (size_t pos = 0; pos < k;) {
        int rc = pcre2_match(w->code, b, k, pos, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc < 0) return rc == PCRE2_ERROR_NOMATCH ? 0 : -1; /* every character is in a group */
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ov[1] <= pos) return -1; /* cannot happen: no group matches empty */
        int group = rc - 1; /* the last group set is the one that matched */
        if (group == 1 || group == 3) {
            if (wn) encode_word(w, ws->word, wn, o);
            wn = 0;
        }
        if (group == 3 || group == 4) {
            for (size_t i = ov[0]; i < ov[1];) {
                uint32_t cp;
                size_t l = gorilla_utf8_decode(b + i, ov[1] - i, &cp);
                if (l == 0) return -1;
                if (word_add(ws, &wn, cp)) return -1;
                i += l;
            }
        }
        if (group == 3) {
            encode_word(w, ws->word, wn, o);
            wn = 0;
        }
        pos = ov[1];
    }
    if (wn) encode_word(w, ws->word, wn, o);
    return o->oom ? -1 : 0;
}
