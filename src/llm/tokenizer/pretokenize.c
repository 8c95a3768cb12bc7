/* pretokenize.c — llama.cpp's BPE pre-tokenizers on PCRE2.
 *
 * Each pre-tokenizer is a sequence of regexes (llama.cpp's regex_exprs for
 * the tokenizer.ggml.pre value, which are those of the model's
 * tokenizer.json). Splitting starts from the whole text as one word; each
 * regex then cuts every word into its matches and the gaps between them,
 * keeping both (matches never cross a word's ends: each word is matched as
 * its own subject, so lookaheads and \z stop there).
 *
 * Written for PCRE2 with PCRE2_UTF | PCRE2_UCP so that \p{L}, \p{N}, \p{P}
 * are the full Unicode general categories. \s is spelled out as the class
 * GORILLA_WS_CLASS (Unicode White_Space, llama.cpp's whitespace set), since
 * PCRE2's \s leaves out U+0085; `[^\S...]`-style negations likewise use the
 * class. llama.cpp writes (?i:'s|...) as '[sS]|... to keep the ASCII
 * meaning; so do we.
 *
 *   gpt2      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   llama3    '[sS]|..|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   qwen2     as llama3 with \p{N} (one digit a word)
 *   deepseek-coder  [\r\n] ; \s?\p{L}+ ; \s?\p{P}+ ; [一-龥ࠀ-一가-퟿]+ ; \p{N}
 *   deepseek-llm    [\r\n] ; \s?[cased letters]+ ; \s?[ASCII/fullwidth punct.]+ ; \s+$ ;
 *                   [一-龥ࠀ-一가-퟿]+ ; \p{N}+
 *   falcon    [\p{P}\$\+<=>\^~\|`]+ ; gpt2 ; [0-9][0-9][0-9]
 *   starcoder \p{N} ; gpt2                       (also refact, command-r, ...)
 *   default   [\p{P}\$\+<=>\^~\|]+ ; gpt2 ; \p{N}+ ; [0-9][0-9][0-9]
 *
 * The digit rules are where the families differ on "ied 4 ½ months": ½ is
 * \p{N} (No), so deepseek-coder and starcoder cut " ½" into " " and "½".
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "llm/tokenizer/pretokenize.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/tokenizer/unicode.h"

#define WS GORILLA_WS_CLASS
#define MAX_REGEX 6

#define GPT2_RE                                                                                    \
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|[" WS "]+(?![^" WS     \
    "])|[" WS "]+"
#define LLAMA3_HEAD "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
#define LLAMA3_TAIL                                                                                \
    "| ?[^" WS "\\p{L}\\p{N}]+[\\r\\n]*|[" WS "]*[\\r\\n]+|[" WS "]+(?![^" WS "])|[" WS "]+"
#define CJK_RE "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"
/* DeepSeek LLM's letters: the cased letters (Lu, Ll, Lt) of its tokenizer.json. */
#define DSLLM_LETTERS                                                                              \
    "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"    \
    "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}"               \
    "\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}"     \
    "\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"     \
    "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}"   \
    "\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}"    \
    "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"    \
    "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"   \
    "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"     \
    "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}"              \
    "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"              \
    "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}"    \
    "\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"   \
    "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"                  \
    "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"              \
    "\\x{1E900}-\\x{1E943}"
#define DSLLM_PUNCT "!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}"

typedef struct {
    const char *name;        /* canonical */
    const char *aliases;     /* tokenizer.ggml.pre values, ';'-separated, ';' around */
    int ignore_merges;
    const char *regex[MAX_REGEX];
} pretok_def;

static const pretok_def DEFS[] = {
    {"default", ";default;", 0, {"[\\p{P}$+<=>^~|]+", GPT2_RE, "\\p{N}+", "[0-9][0-9][0-9]"}},
    {"gpt2", ";gpt-2;gpt2;mpt;phi-2;roberta-bpe;olmo;jais;", 0, {GPT2_RE}},
    {"llama3", ";llama3;llama-v3;llama-bpe;falcon3;", 1, {LLAMA3_HEAD "\\p{N}{1,3}" LLAMA3_TAIL}},
    {"qwen2", ";qwen2;deepseek-r1-qwen;stablelm2;", 0, {LLAMA3_HEAD "\\p{N}" LLAMA3_TAIL}},
    {"deepseek-coder", ";deepseek-coder;", 0,
     {"[\\r\\n]", "[" WS "]?\\p{L}+", "[" WS "]?\\p{P}+", CJK_RE, "\\p{N}"}},
    {"deepseek-llm", ";deepseek-llm;", 0,
     {"[\\r\\n]", "[" WS "]?[" DSLLM_LETTERS "]+", "[" WS "]?[" DSLLM_PUNCT "]+", "[" WS "]+\\z", CJK_RE,
      "\\p{N}+"}},
    {"falcon", ";falcon;", 0, {"[\\p{P}$+<=>^~|`]+", GPT2_RE, "[0-9][0-9][0-9]"}},
    {"starcoder", ";starcoder;refact;command-r;smollm;codeshell;exaone;minerva-7b;", 0, {"\\p{N}", GPT2_RE}},
};

struct gorilla_pretok {
    const pretok_def *def;
    pcre2_code *code[MAX_REGEX];
    int jit[MAX_REGEX]; /* 1: JIT-compiled, matched with pcre2_jit_match */
    size_t n;
};

static const pretok_def *find_def(const char *name)
{
    if (!name || !*name) return &DEFS[0];
    size_t nl = strlen(name);
    if (nl > 64 || memchr(name, ';', nl)) return NULL;
    for (size_t i = 0; i < sizeof DEFS / sizeof DEFS[0]; i++) {
        const char *a = DEFS[i].aliases;
        for (const char *p = strstr(a, name); p; p = strstr(p + 1, name))
            if (p[-1] == ';' && p[nl] == ';') return &DEFS[i];
    }
    return NULL;
}

void gorilla_pretok_free(gorilla_pretok *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) pcre2_code_free(p->code[i]);
    free(p);
}

gorilla_status gorilla_pretok_new(const char *name, gorilla_pretok **out, gorilla_error *err)
{
    *out = NULL;
    const pretok_def *d = find_def(name);
    if (!d)
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "tokenizer.ggml.pre: unknown pre-tokenizer '%.64s' (known: default, gpt-2, mpt, "
                            "llama-bpe, llama3, qwen2, deepseek-coder, deepseek-llm, falcon, starcoder, refact)",
                            name);
    gorilla_pretok *p = calloc(1, sizeof *p);
    if (!p) return gorilla_fail(err, GORILLA_ERR_NOMEM, "pre-tokenizer: out of memory");
    p->def = d;
    for (size_t i = 0; i < MAX_REGEX && d->regex[i]; i++) {
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)d->regex[i], PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec,
                                      &eo, NULL);
        if (!c) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof msg);
            gorilla_pretok_free(p);
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "pre-tokenizer %s: regex %zu at %zu: %s", d->name, i,
                                (size_t)eo, (const char *)msg);
        }
        p->jit[p->n] = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0; /* else the interpreter */
        p->code[p->n++] = c;
    }
    *out = p;
    return GORILLA_OK;
}

const char *gorilla_pretok_name(const gorilla_pretok *p) { return p->def->name; }
int gorilla_pretok_ignore_merges(const gorilla_pretok *p) { return p->def->ignore_merges; }

void gorilla_pretok_ws_free(gorilla_pretok_ws *ws)
{
    free(ws->a);
    free(ws->b);
    pcre2_match_data_free(ws->md);
    memset(ws, 0, sizeof *ws);
}

static int push_span(gorilla_span **v, size_t *n, size_t *cap, size_t off, size_t len)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        gorilla_span *nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (gorilla_span){off, len};
    return 0;
}

int gorilla_pretok_split(const gorilla_pretok *p, gorilla_pretok_ws *ws, const char *s, size_t n,
                         const gorilla_span **words, size_t *n_words)
{
    *words = NULL;
    *n_words = 0;
    if (n == 0) return 0;
    if (!ws->md && !(ws->md = pcre2_match_data_create(1, NULL))) return -1;
    pcre2_match_data *md = ws->md;
    size_t na = 0;
    if (push_span(&ws->a, &na, &ws->cap_a, 0, n)) return -1;
    for (size_t r = 0; r < p->n; r++) {
        size_t nb = 0;
        for (size_t w = 0; w < na; w++) {
            const gorilla_span in = ws->a[w];
            PCRE2_SPTR subj = (PCRE2_SPTR)(s + in.off);
            size_t pos = 0, gap = 0;
            while (pos < in.len) {
                int rc = p->jit[r] ? pcre2_jit_match(p->code[r], subj, in.len, pos, 0, md, NULL)
                                   : pcre2_match(p->code[r], subj, in.len, pos, PCRE2_NO_UTF_CHECK, md, NULL);
                if (rc == PCRE2_ERROR_NOMATCH) break;
                if (rc < 0) return -1;
                const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                size_t ms = ov[0], me = ov[1];
                if (me <= ms) { /* no pattern matches empty; step over one character */
                    pos = ms + gorilla_utf8_lead_len(subj[ms]);
                    continue;
                }
                if (ms > gap && push_span(&ws->b, &nb, &ws->cap_b, in.off + gap, ms - gap)) return -1;
                if (push_span(&ws->b, &nb, &ws->cap_b, in.off + ms, me - ms)) return -1;
                pos = gap = me;
            }
            if (gap < in.len && push_span(&ws->b, &nb, &ws->cap_b, in.off + gap, in.len - gap)) return -1;
        }
        gorilla_span *t = ws->a;
        ws->a = ws->b;
        ws->b = t;
        size_t tc = ws->cap_a;
        ws->cap_a = ws->cap_b;
        ws->cap_b = tc;
        na = nb;
    }
    *words = ws->a;
    *n_words = na;
    return 0;
}
