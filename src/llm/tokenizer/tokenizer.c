/* tokenizer.c — SentencePiece-style ("llama"), byte-level BPE ("gpt2") and
 * WordPiece ("bert") tokenizers with llama.cpp's behaviour, built from plain
 * arrays.
 *
 * SPM encoding (llama.cpp llm_tokenizer_spm):
 *   1. With add_space_prefix, a " " is prepended to each raw-text fragment
 *      that starts the text or follows a special token; then every ' ' is
 *      replaced by "▁" (U+2581).
 *   2. The text is cut into characters by the UTF-8 lead byte's length
 *      (no validation: a stray byte is a one-byte "character").
 *   3. Repeatedly, the adjacent pair whose concatenation is a vocabulary
 *      token with the highest score is merged (ties: leftmost pair).
 *   4. Each final symbol maps to its id; a symbol not in the vocabulary is
 *      emitted byte by byte as "<0xXX>" tokens, or as <unk> when the vocab
 *      has no byte token for that byte (llama.cpp would abort there).
 *
 * BPE encoding (llama.cpp llm_tokenizer_bpe): invalid UTF-8 bytes become
 * U+FFFD; the pre-tokenizer of tokenizer.ggml.pre (pretokenize.c, PCRE2)
 * cuts the text into words; each word's UTF-8 bytes are mapped through
 * GPT-2's bytes_to_unicode, then the adjacent pair with the lowest merge
 * rank is merged repeatedly (ties: leftmost). With llama3's ignore_merges a
 * word that is itself a token is taken whole. A final symbol not in the
 * vocabulary is emitted as its single bytes that are tokens (the others are
 * dropped, as llama.cpp drops them).
 *
 * WordPiece: wordpiece.c.
 *
 * Special tokens: control and unknown tokens in the text are recognised only
 * with parse_special; user-defined tokens always are (llama.cpp's
 * tokenizer_st_partition). Longer special tokens are matched first. As
 * llama.cpp does at load, tokens named like end-of-turn/generation or
 * fill-in-the-middle markers become control tokens whatever their stored
 * type (fix_special_types).
 *
 * Decoding a token ("piece", llama.cpp's token_to_piece with special=false):
 *   llama, bert: normal -> text with "▁" -> " "; byte (llama) -> the byte;
 *          user-defined -> text as is; control/unknown/unused -> "".
 *   gpt2:  normal -> inverse bytes_to_unicode; user-defined -> text as is;
 *          others -> "".
 * gorilla_tokenizer_decode with GORILLA_DECODE_STRIP_SPACE removes one
 * leading ' ' from the first non-empty piece when the tokenizer adds a space
 * prefix, and for WordPiece (llama.cpp strips it from tokens[0] only; we skip
 * a leading BOS or other empty pieces first, so that decode(encode(text)) ==
 * text with or without BOS). Without the flag pieces are concatenated as they
 * are, which is what a generation loop wants for the continuation of a
 * prompt.
 *
 * Token types when the spec gives none: unk_id -> unknown, bos/eos/pad ->
 * control, "<0xXX>" (llama only) -> byte, every other token -> normal.
 *
 * Not reproduced: token lstrip/rstrip attributes, and the clean-up of spaces
 * before punctuation that llama.cpp applies when detokenizing some models.
 *
 * Checked against references: llama.cpp's test texts for every vocabulary
 * of ../shared/models/vocab (tests/test_llm_tokenizer_vocab.c); llama.cpp
 * itself on 32k texts a vocabulary (tools/check-llamacpp-vocab.mjs);
 * spm_encode on APIBench (tools/check-spm.sh).
 */
#include "llm/tokenizer/tokenizer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hashmap.h"
#include "llm/tokenizer/pretokenize.h"
#include "llm/tokenizer/unicode.h"
#include "llm/tokenizer/wordpiece.h"

#define MAX_TOKENS ((size_t)INT32_MAX)
#define MAX_TOKEN_LEN ((size_t)1 << 16)

struct gorilla_tokenizer {
    gorilla_tokenizer_kind kind;
    size_t n;
    char **text;         /* NUL-terminated copies */
    size_t *text_len;
    char **piece;        /* decoded bytes (NUL-terminated for convenience) */
    size_t *piece_len;
    float *score;
    int32_t *type;
    unsigned char *eog;
    char *arena;         /* backs text[] and piece[] */
    gorilla_hashmap tok2id;
    gorilla_hashmap merges; /* "left right" -> rank (gpt2) */
    int32_t bos, eos, unk, pad;
    int add_bos, add_eos, add_space_prefix;
    int32_t byte_tok[256]; /* llama: id of "<0xXX>", -1 when absent */
    int32_t *special;     /* control/unknown/user-defined ids, longest text first */
    size_t n_special;
    /* gpt2 byte mapping */
    uint32_t byte2cp[256];
    int16_t cp2byte[324]; /* code points < 324 -> byte, -1 when not mapped */
    gorilla_pretok *pre;  /* gpt2: the pre-tokenizer of tokenizer.ggml.pre */
    gorilla_wpm *wpm;     /* bert: WordPiece */
    size_t max_token_len; /* bytes, over the whole vocabulary */
};

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

void gorilla_tokenizer_spec_init(gorilla_tokenizer_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->bos_id = spec->eos_id = spec->unk_id = spec->pad_id = -1;
    spec->add_bos = -1;
    spec->add_space_prefix = -1;
    spec->add_eos = -1;
}

void gorilla_tokenizer_free(gorilla_tokenizer *tok)
{
    if (!tok) return;
    free(tok->text);
    free(tok->text_len);
    free(tok->piece);
    free(tok->piece_len);
    free(tok->score);
    free(tok->type);
    free(tok->eog);
    free(tok->arena);
    free(tok->special);
    gorilla_hashmap_free(&tok->tok2id);
    gorilla_hashmap_free(&tok->merges);
    gorilla_pretok_free(tok->pre);
    gorilla_wpm_free(tok->wpm);
    free(tok);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* "<0xXX>" -> the byte, else -1. */
static int byte_token_value(const char *s, size_t n)
{
    if (n != 6 || s[0] != '<' || s[1] != '0' || s[2] != 'x' || s[5] != '>') return -1;
    int h = hexval(s[3]), l = hexval(s[4]);
    if (h < 0 || l < 0) return -1;
    return h * 16 + l;
}

static void init_byte_map(gorilla_tokenizer *t)
{
    for (int i = 0; i < 324; i++) t->cp2byte[i] = -1;
    uint32_t extra = 256;
    for (int b = 0; b < 256; b++) {
        int keep = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        uint32_t cp = keep ? (uint32_t)b : extra++;
        t->byte2cp[b] = cp;
        t->cp2byte[cp] = (int16_t)b;
    }
}

/* Token texts llama.cpp treats as control tokens whatever their stored
 * type ("control-looking" tokens: end of turn or generation, and
 * fill-in-the-middle markers); the EOG_NAMES ones also end generation. */
static const char *const EOG_NAMES[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
    "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
    "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>"};
static const char *const FIM_EOG_NAMES[] = {/* pad, repo, file separator: also EOG */
                                            "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
                                            "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                            "<reponame>", "<|file_sep|>"};
static const char *const CONTROL_NAMES[] = {
    ("<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"), /* DeepSeek */
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<PRE>", "<|code_prefix|>", "<|prefix|>",
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<SUF>", "<|code_suffix|>", "<|suffix|>",
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<MID>", "<|code_middle|>", "<|middle|>"};
/* ... and these always user-defined (rendered as text: gpt-oss) */
static const char *const USER_NAMES[] = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};

static int32_t find_text(const gorilla_tokenizer *t, const char *s)
{
    int64_t v;
    return gorilla_hashmap_get(&t->tok2id, s, strlen(s), &v) ? (int32_t)v : -1;
}

/* llama.cpp's load-time type fixes and end-of-generation set (llama.cpp as
 * node-llama-cpp 3.22.1 ships it). */
static void fix_special_types(gorilla_tokenizer *t)
{
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
    int32_t id;
    for (size_t k = 0; k < N_OF(CONTROL_NAMES); k++)
        if ((id = find_text(t, CONTROL_NAMES[k])) >= 0) t->type[id] = GORILLA_TOKEN_CONTROL;
    for (size_t k = 0; k < N_OF(FIM_EOG_NAMES); k++)
        if ((id = find_text(t, FIM_EOG_NAMES[k])) >= 0) {
            t->type[id] = GORILLA_TOKEN_CONTROL;
            t->eog[id] = 1;
        }
    for (size_t k = 0; k < N_OF(EOG_NAMES); k++)
        if ((id = find_text(t, EOG_NAMES[k])) >= 0) {
            t->type[id] = GORILLA_TOKEN_CONTROL;
            t->eog[id] = 1;
        }
    for (size_t k = 0; k < N_OF(USER_NAMES); k++)
        if ((id = find_text(t, USER_NAMES[k])) >= 0) t->type[id] = GORILLA_TOKEN_USER_DEFINED;
    if (t->eos >= 0) t->eog[t->eos] = 1;
    /* <|end|> is no end of generation next to <|return|> and <|call|> (or
     * <|calls|> and <|flush|>); </s> none next to <|tool_response> */
    int32_t end = find_text(t, "<|end|>"), s = find_text(t, "</s>");
    int has_call = find_text(t, "<|call|>") >= 0 || find_text(t, "<|calls|>") >= 0;
    if (end >= 0 && has_call && (find_text(t, "<|return|>") >= 0 || find_text(t, "<|flush|>") >= 0)) {
        t->eog[end] = end == t->eos;
        t->type[end] = GORILLA_TOKEN_USER_DEFINED;
    }
    if (s >= 0 && find_text(t, "<|tool_response>") >= 0) {
        t->eog[s] = s == t->eos;
        t->type[s] = GORILLA_TOKEN_NORMAL;
    }
#undef N_OF
}


static int cmp_special(const void *a, const void *b, void *ctx)
{
    const gorilla_tokenizer *t = ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (t->text_len[x] != t->text_len[y]) return t->text_len[x] > t->text_len[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* Computes the decoded piece of token i into dst (room: text_len + 1);
 * returns its length. */
static size_t make_piece(const gorilla_tokenizer *t, size_t i, char *dst)
{
    const char *s = t->text[i];
    size_t n = t->text_len[i];
    int ty = t->type[i];
    if (ty == GORILLA_TOKEN_USER_DEFINED) {
        memcpy(dst, s, n);
        return n;
    }
    if (t->kind != GORILLA_TOKENIZER_GPT2) {
        if (ty == GORILLA_TOKEN_BYTE && t->kind == GORILLA_TOKENIZER_LLAMA) {
            int b = byte_token_value(s, n);
            if (b < 0) {
                memcpy(dst, s, n);
                return n;
            }
            dst[0] = (char)b;
            return 1;
        }
        if (ty != GORILLA_TOKEN_NORMAL) return 0;
        size_t o = 0;
        for (size_t k = 0; k < n;) {
            if (k + 3 <= n && memcmp(s + k, "\xE2\x96\x81", 3) == 0) {
                dst[o++] = ' ';
                k += 3;
            } else {
                dst[o++] = s[k++];
            }
        }
        return o;
    }
    if (ty != GORILLA_TOKEN_NORMAL) return 0;
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t k = 0; k < n;) {
        uint32_t cp;
        size_t l = gorilla_utf8_decode(u + k, n - k, &cp);
        if (l == 0) l = 1; /* validated at build; defensive */
        if (l > 1 || u[k] < 0x80) {
            if (cp < 324 && t->cp2byte[cp] >= 0) {
                dst[o++] = (char)t->cp2byte[cp];
                k += l;
                continue;
            }
        }
        /* not a mapped code point: keep its bytes as they are */
        memcpy(dst + o, s + k, l);
        o += l;
        k += l;
    }
    return o;
}

/* Whether the l bytes at s (a counted string, not NUL-terminated) contain a NUL. */
static int has_nul(const char *s, size_t l) { return memchr(s, 0, l) != NULL; }

static gorilla_status check_id(int32_t id, size_t n, const char *what, gorilla_error *err)
{
    if (id < -1 || (id >= 0 && (size_t)id >= n))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: %s id %ld is out of range (vocab of %zu)",
                            what, (long)id, n);
    return GORILLA_OK;
}

gorilla_status gorilla_tokenizer_new(const gorilla_tokenizer_spec *spec, gorilla_tokenizer **out,
                                     gorilla_error *err)
{
    return gorilla_tokenizer_new_pre(spec, NULL, out, err);
}

gorilla_status gorilla_tokenizer_new_pre(const gorilla_tokenizer_spec *spec, const char *pre,
                                         gorilla_tokenizer **out, gorilla_error *err)
{
    *out = NULL;
    if (!spec || !spec->model)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: no model kind given");
    gorilla_tokenizer_kind kind;
    if (strcmp(spec->model, "llama") == 0) kind = GORILLA_TOKENIZER_LLAMA;
    else if (strcmp(spec->model, "gpt2") == 0) kind = GORILLA_TOKENIZER_GPT2;
    else if (strcmp(spec->model, "bert") == 0) kind = GORILLA_TOKENIZER_BERT;
    else
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "tokenizer: model '%.64s' is not supported (expected llama, gpt2 or bert)",
                            spec->model);
    size_t n = spec->n_tokens;
    if (n == 0 || !spec->tokens)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: the vocabulary is empty");
    if (n > MAX_TOKENS)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "tokenizer: %zu tokens exceed the limit of %zu",
                            n, MAX_TOKENS);
    if (spec->n_merges && !spec->merges)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: n_merges set without merges");
    gorilla_status st;
    if ((st = check_id(spec->bos_id, n, "bos", err)) || (st = check_id(spec->eos_id, n, "eos", err)) ||
        (st = check_id(spec->unk_id, n, "unknown", err)) || (st = check_id(spec->pad_id, n, "padding", err)))
        return st;

    /* validate token texts and size the arena */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = spec->tokens[i];
        if (!s) return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: token %zu is missing", i);
        size_t l = spec->token_lens ? spec->token_lens[i] : strlen(s);
        if (l > MAX_TOKEN_LEN)
            return gorilla_fail(err, GORILLA_ERR_LIMIT, "tokenizer: token %zu is %zu bytes long (limit %zu)",
                                i, l, MAX_TOKEN_LEN);
        if (has_nul(s, l))
            return gorilla_fail(err, GORILLA_ERR_PARSE, "tokenizer: token %zu contains a NUL byte", i);
        if (!gorilla_utf8_valid(s, l))
            return gorilla_fail(err, GORILLA_ERR_PARSE, "tokenizer: token %zu is not valid UTF-8", i);
        total += 2 * (l + 1);
    }
    if (spec->token_types) {
        for (size_t i = 0; i < n; i++) {
            int32_t ty = spec->token_types[i];
            if (ty < GORILLA_TOKEN_NORMAL || ty > GORILLA_TOKEN_BYTE)
                return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: token %zu has unknown type %ld",
                                    i, (long)ty);
        }
    }

    gorilla_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return gorilla_fail(err, GORILLA_ERR_NOMEM, "tokenizer: out of memory");
    gorilla_hashmap_init(&t->tok2id);
    gorilla_hashmap_init(&t->merges);
    t->kind = kind;
    t->n = n;
    t->bos = spec->bos_id;
    t->eos = spec->eos_id;
    t->unk = spec->unk_id;
    t->pad = spec->pad_id;
    t->add_bos = spec->add_bos >= 0 ? spec->add_bos != 0 : kind != GORILLA_TOKENIZER_GPT2;
    t->add_space_prefix = kind == GORILLA_TOKENIZER_LLAMA &&
                          (spec->add_space_prefix >= 0 ? spec->add_space_prefix != 0 : 1);
    if (t->add_bos && t->bos < 0) t->add_bos = 0;
    t->add_eos = (spec->add_eos > 0 || (spec->add_eos < 0 && kind == GORILLA_TOKENIZER_BERT)) && t->eos >= 0;
    init_byte_map(t);
    for (int b = 0; b < 256; b++) t->byte_tok[b] = -1;

    t->text = malloc(n * sizeof *t->text);
    t->text_len = malloc(n * sizeof *t->text_len);
    t->piece = malloc(n * sizeof *t->piece);
    t->piece_len = malloc(n * sizeof *t->piece_len);
    t->score = malloc(n * sizeof *t->score);
    t->type = malloc(n * sizeof *t->type);
    t->eog = calloc(n, 1);
    t->arena = malloc(total);
    t->special = malloc(n * sizeof *t->special);
    if (!t->text || !t->text_len || !t->piece || !t->piece_len || !t->score || !t->type || !t->eog ||
        !t->arena || !t->special)
        goto nomem;

    char *a = t->arena;
    for (size_t i = 0; i < n; i++) {
        size_t l = spec->token_lens ? spec->token_lens[i] : strlen(spec->tokens[i]);
        memcpy(a, spec->tokens[i], l);
        a[l] = 0;
        t->text[i] = a;
        t->text_len[i] = l;
        a += l + 1;
        float sc = spec->scores ? spec->scores[i] : 0.0f;
        t->score[i] = isfinite(sc) ? sc : (sc > 0 ? 3.0e38f : -3.0e38f); /* NaN -> very low */
        if (spec->token_types) {
            t->type[i] = spec->token_types[i];
        } else {
            int32_t id = (int32_t)i;
            if (id == t->unk) t->type[i] = GORILLA_TOKEN_UNKNOWN;
            else if (id == t->bos || id == t->eos || id == t->pad) t->type[i] = GORILLA_TOKEN_CONTROL;
            else if (kind == GORILLA_TOKENIZER_LLAMA && byte_token_value(t->text[i], l) >= 0)
                t->type[i] = GORILLA_TOKEN_BYTE;
            else t->type[i] = GORILLA_TOKEN_NORMAL;
        }
        /* last duplicate wins, as in llama.cpp's token_to_id[text] = id */
        if (gorilla_hashmap_put(&t->tok2id, t->text[i], l, (int64_t)i) != 0) goto nomem;
    }
    fix_special_types(t);
    for (size_t i = 0; i < n; i++) {
        t->piece[i] = a;
        t->piece_len[i] = make_piece(t, i, a);
        a[t->piece_len[i]] = 0;
        a += t->piece_len[i] + 1;
    }
    if (kind == GORILLA_TOKENIZER_LLAMA) {
        static const char hex[] = "0123456789ABCDEF";
        for (int b = 0; b < 256; b++) {
            char buf[6] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
            int64_t v;
            if (gorilla_hashmap_get(&t->tok2id, buf, 6, &v)) t->byte_tok[b] = (int32_t)v;
        }
    }
    /* special tokens (partitioned out of the text before tokenizing) */
    for (size_t i = 0; i < n; i++) {
        int ty = t->type[i];
        if ((ty == GORILLA_TOKEN_CONTROL || ty == GORILLA_TOKEN_UNKNOWN || ty == GORILLA_TOKEN_USER_DEFINED) &&
            t->text_len[i] > 0)
            t->special[t->n_special++] = (int32_t)i;
    }
    qsort_r(t->special, t->n_special, sizeof *t->special, cmp_special, t);
    /* merges: "left right" -> rank, first occurrence wins */
    if (kind == GORILLA_TOKENIZER_GPT2) {
        for (size_t r = 0; r < spec->n_merges; r++) {
            const char *m = spec->merges[r];
            if (!m) {
                gorilla_tokenizer_free(t);
                return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer: merge %zu is missing", r);
            }
            size_t l = spec->merge_lens ? spec->merge_lens[r] : strlen(m);
            const char *sp = l > 1 ? memchr(m + 1, ' ', l - 1) : NULL;
            if (!sp || sp + 1 == m + l || has_nul(m, l) || !gorilla_utf8_valid(m, l)) {
                gorilla_tokenizer_free(t);
                return gorilla_fail(err, GORILLA_ERR_PARSE,
                                    "tokenizer: merge %zu is not \"left right\" in valid UTF-8", r);
            }
            int64_t v;
            if (!gorilla_hashmap_get(&t->merges, m, l, &v) &&
                gorilla_hashmap_put(&t->merges, m, l, (int64_t)r) != 0)
                goto nomem;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (t->text_len[i] > t->max_token_len) t->max_token_len = t->text_len[i];
    if (kind == GORILLA_TOKENIZER_GPT2) {
        gorilla_status ps = gorilla_pretok_new(pre ? pre : "gpt2", &t->pre, err);
        if (ps) {
            gorilla_tokenizer_free(t);
            return ps;
        }
    } else if (kind == GORILLA_TOKENIZER_BERT) {
        gorilla_status ps = gorilla_wpm_new(&t->tok2id, t->max_token_len, t->unk, &t->wpm, err);
        if (ps) {
            gorilla_tokenizer_free(t);
            return ps;
        }
    }
    *out = t;
    return GORILLA_OK;
nomem:
    gorilla_tokenizer_free(t);
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "tokenizer: out of memory");
}

/* ------------------------------------------------------------------ */
/* Accessors                                                           */
/* ------------------------------------------------------------------ */

gorilla_tokenizer_kind gorilla_tokenizer_get_kind(const gorilla_tokenizer *tok) { return tok->kind; }
const char *gorilla_tokenizer_pre_name(const gorilla_tokenizer *tok)
{
    return tok->pre ? gorilla_pretok_name(tok->pre) : NULL;
}
size_t gorilla_tokenizer_n_vocab(const gorilla_tokenizer *tok) { return tok->n; }
int32_t gorilla_tokenizer_bos(const gorilla_tokenizer *tok) { return tok->bos; }
int32_t gorilla_tokenizer_eos(const gorilla_tokenizer *tok) { return tok->eos; }
int gorilla_tokenizer_add_bos(const gorilla_tokenizer *tok) { return tok->add_bos; }

static int valid_id(const gorilla_tokenizer *tok, int32_t id)
{
    return tok && id >= 0 && (size_t)id < tok->n;
}

int gorilla_tokenizer_token_type(const gorilla_tokenizer *tok, int32_t id)
{
    return valid_id(tok, id) ? tok->type[id] : 0;
}

int gorilla_tokenizer_is_eog(const gorilla_tokenizer *tok, int32_t id)
{
    return valid_id(tok, id) && tok->eog[id];
}

const char *gorilla_tokenizer_token_text(const gorilla_tokenizer *tok, int32_t id)
{
    return valid_id(tok, id) ? tok->text[id] : NULL;
}

const char *gorilla_tokenizer_piece(const gorilla_tokenizer *tok, int32_t id, size_t *len)
{
    if (!valid_id(tok, id)) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = tok->piece_len[id];
    return tok->piece[id];
}

int32_t gorilla_tokenizer_find(const gorilla_tokenizer *tok, const char *text, size_t len)
{
    int64_t v;
    return gorilla_hashmap_get(&tok->tok2id, text, len, &v) ? (int32_t)v : -1;
}

/* ------------------------------------------------------------------ */
/* Encoding helpers                                                    */
/* ------------------------------------------------------------------ */

typedef gorilla_idvec idvec;

static void push_id(idvec *o, int32_t id)
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

typedef struct {
    const char *text;
    size_t n;
    int prev, next;
} symbol;

typedef struct {
    int left, right;
    double key; /* higher is better: SPM score, or -rank for BPE */
    size_t size;
} bigram;

typedef struct {
    bigram *v;
    size_t n, cap;
    int oom;
} heap;

static int better(const bigram *a, const bigram *b)
{
    return a->key > b->key || (a->key == b->key && a->left < b->left);
}

static void heap_push(heap *h, bigram b)
{
    if (h->oom) return;
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 64;
        bigram *nv = realloc(h->v, nc * sizeof *nv);
        if (!nv) {
            h->oom = 1;
            return;
        }
        h->v = nv;
        h->cap = nc;
    }
    size_t i = h->n++;
    h->v[i] = b;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!better(&h->v[i], &h->v[p])) break;
        bigram tmp = h->v[i];
        h->v[i] = h->v[p];
        h->v[p] = tmp;
        i = p;
    }
}

static bigram heap_pop(heap *h)
{
    bigram top = h->v[0];
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && better(&h->v[l], &h->v[m])) m = l;
        if (r < h->n && better(&h->v[r], &h->v[m])) m = r;
        if (m == i) break;
        bigram tmp = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = tmp;
        i = m;
    }
    return top;
}

/* Length of the character starting with byte c (llama.cpp's
 * unicode_len_utf8: by the lead byte's high nibble, no validation). */
static size_t lead_len(unsigned char c) { return gorilla_utf8_lead_len(c); }

/* Merges symbols[0..ns) in place (a doubly linked list, first at 0). */
static void merge_symbols(const gorilla_tokenizer *t, symbol *sym, heap *h, char **scratch,
                          size_t *scratch_cap);

static int pair_key(const gorilla_tokenizer *t, const symbol *sym, int l, int r, char **scratch,
                    size_t *scratch_cap, double *key)
{
    const symbol *a = &sym[l], *b = &sym[r];
    if (t->kind == GORILLA_TOKENIZER_LLAMA) {
        int64_t id;
        /* symbols are contiguous in the text: the pair is a.text[0..a.n+b.n) */
        if (!gorilla_hashmap_get(&t->tok2id, a->text, a->n + b->n, &id)) return 0;
        *key = t->score[id];
        return 1;
    }
    size_t need = a->n + 1 + b->n;
    if (!*scratch || need > *scratch_cap) {
        size_t nc = need * 2;
        char *ns = realloc(*scratch, nc);
        if (!ns) return 0;
        *scratch = ns;
        *scratch_cap = nc;
    }
    memcpy(*scratch, a->text, a->n);
    (*scratch)[a->n] = ' ';
    memcpy(*scratch + a->n + 1, b->text, b->n);
    int64_t rank;
    if (!gorilla_hashmap_get(&t->merges, *scratch, need, &rank)) return 0;
    *key = -(double)rank;
    return 1;
}

static void try_add(const gorilla_tokenizer *t, symbol *sym, heap *h, int l, int r, char **scratch,
                    size_t *scratch_cap)
{
    if (l < 0 || r < 0) return;
    double key;
    if (!pair_key(t, sym, l, r, scratch, scratch_cap, &key)) return;
    bigram b = {l, r, key, sym[l].n + sym[r].n};
    heap_push(h, b);
}

static void merge_symbols(const gorilla_tokenizer *t, symbol *sym, heap *h, char **scratch,
                          size_t *scratch_cap)
{
    h->n = 0;
    for (int i = 1; sym[i - 1].next >= 0; i++) try_add(t, sym, h, i - 1, i, scratch, scratch_cap);
    while (h->n > 0 && !h->oom) {
        bigram b = heap_pop(h);
        symbol *l = &sym[b.left], *r = &sym[b.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != b.size) continue; /* outdated */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = b.left;
        try_add(t, sym, h, l->prev, b.left, scratch, scratch_cap);
        try_add(t, sym, h, b.left, l->next, scratch, scratch_cap);
    }
}

typedef struct {
    symbol *sym;
    size_t sym_cap;
    heap h;
    char *scratch;
    size_t scratch_cap;
    char *buf;
    size_t buf_cap;
    char *utf8;          /* bpe: the fragment as valid UTF-8 */
    size_t utf8_cap;
    gorilla_pretok_ws *pre; /* separate objects: the callees see only them */
    gorilla_wpm_ws *wpm;
} workspace;

/* p grown to hold need elements (amortised; the grown part zeroed), or
 * NULL when out of memory (p is then left as it was, still owned by the
 * caller's field). Used as: if (!(q = grow(f, ...))) fail; f = q; */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (p && need <= *cap) return p;
    size_t nc = need < 64 ? 64 : need;
    void *np = realloc(p, nc * elem);
    if (!np) return NULL;
    memset((char *)np + *cap * elem, 0, (nc - *cap) * elem);
    *cap = nc;
    return np;
}
#define RESERVE(field, cap, need)                                                                  \
    do {                                                                                           \
        void *grown_ = grow((field), &(cap), (need), sizeof *(field));                             \
        if (!grown_) return -1;                                                                    \
        (field) = grown_;                                                                          \
    } while (0)

/* U+2581 "▁", SPM's stand-in for a space: three bytes, no terminator. */
static const char SPM_SPACE[3] = {'\xE2', '\x96', '\x81'};

/* SPM over one raw fragment. */
static int spm_fragment(const gorilla_tokenizer *t, workspace *w, const char *s, size_t len,
                        int prefix, idvec *o)
{
    /* escape: optional leading "▁", every ' ' -> "▁" */
    size_t spaces = prefix ? 1 : 0;
    for (size_t i = 0; i < len; i++) spaces += s[i] == ' ';
    size_t n = len + (prefix ? 1 : 0) + 2 * spaces;
    if (n == 0) return 0;
    RESERVE(w->buf, w->buf_cap, n);
    char *b = w->buf;
    size_t k = 0;
    if (prefix) {
        memcpy(b, SPM_SPACE, sizeof SPM_SPACE);
        k = sizeof SPM_SPACE;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') {
            memcpy(b + k, SPM_SPACE, sizeof SPM_SPACE);
            k += sizeof SPM_SPACE;
        } else {
            b[k++] = s[i];
        }
    }
    n = k;
    RESERVE(w->sym, w->sym_cap, n);
    int ns = 0;
    for (size_t off = 0; off < n;) {
        size_t cl = lead_len((unsigned char)b[off]);
        if (cl > n - off) cl = n - off;
        w->sym[ns].text = b + off;
        w->sym[ns].n = cl;
        w->sym[ns].prev = ns - 1;
        w->sym[ns].next = off + cl < n ? ns + 1 : -1;
        ns++;
        off += cl;
    }
    merge_symbols(t, w->sym, &w->h, &w->scratch, &w->scratch_cap);
    if (w->h.oom) return -1;
    for (int i = 0; i != -1; i = w->sym[i].next) {
        const symbol *sy = &w->sym[i];
        int64_t id;
        if (gorilla_hashmap_get(&t->tok2id, sy->text, sy->n, &id)) {
            push_id(o, (int32_t)id);
            continue;
        }
        for (size_t j = 0; j < sy->n; j++) {
            int32_t bt = t->byte_tok[(unsigned char)sy->text[j]];
            if (bt < 0) {
                /* llama.cpp also tries the byte itself as a one-byte token */
                int64_t v;
                if (gorilla_hashmap_get(&t->tok2id, sy->text + j, 1, &v)) bt = (int32_t)v;
            }
            if (bt < 0) bt = t->unk;
            if (bt < 0) return -2;
            push_id(o, bt);
        }
    }
    return o->oom ? -1 : 0;
}

/* BPE over one word (already cut by the pre-tokenizer): its UTF-8 bytes
 * through bytes_to_unicode, merged by rank. */
static int bpe_word(const gorilla_tokenizer *t, workspace *w, const char *s, size_t len, idvec *o)
{
    if (len == 0) return 0;
    /* each byte -> a code point below U+0144: at most 2 bytes of UTF-8 */
    RESERVE(w->buf, w->buf_cap, len * 2 + 1);
    size_t k = 0;
    for (size_t j = 0; j < len; j++) k += gorilla_utf8_encode(t->byte2cp[(unsigned char)s[j]], w->buf + k);
    int64_t id;
    if (gorilla_pretok_ignore_merges(t->pre) && gorilla_hashmap_get(&t->tok2id, w->buf, k, &id)) {
        push_id(o, (int32_t)id);
        return o->oom ? -1 : 0;
    }
    RESERVE(w->sym, w->sym_cap, k);
    int ns = 0;
    for (size_t off = 0; off < k;) {
        size_t cl = lead_len((unsigned char)w->buf[off]);
        if (cl > k - off) cl = k - off;
        w->sym[ns].text = w->buf + off;
        w->sym[ns].n = cl;
        w->sym[ns].prev = ns - 1;
        w->sym[ns].next = off + cl < k ? ns + 1 : -1;
        ns++;
        off += cl;
    }
    merge_symbols(t, w->sym, &w->h, &w->scratch, &w->scratch_cap);
    if (w->h.oom) return -1;
    for (int i = 0; i != -1; i = w->sym[i].next) {
        const symbol *sy = &w->sym[i];
        if (gorilla_hashmap_get(&t->tok2id, sy->text, sy->n, &id)) {
            push_id(o, (int32_t)id);
            continue;
        }
        /* not a token: llama.cpp tries each byte as a one-byte token and
         * drops the bytes that are not */
        for (size_t j = 0; j < sy->n; j++)
            if (gorilla_hashmap_get(&t->tok2id, sy->text + j, 1, &id)) push_id(o, (int32_t)id);
    }
    return o->oom ? -1 : 0;
}

/* BPE over one raw fragment: invalid UTF-8 bytes become U+FFFD (as in
 * llama.cpp), the pre-tokenizer cuts words, each word is merged. */
static int bpe_fragment(const gorilla_tokenizer *t, workspace *w, const char *s, size_t len, idvec *o)
{
    if (len == 0) return 0;
    RESERVE(w->utf8, w->utf8_cap, len * 3);
    size_t n = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t l = gorilla_utf8_decode(u + i, len - i, &cp);
        if (l == 0) {
            memcpy(w->utf8 + n, "\xEF\xBF\xBD", 3);
            n += 3;
            i++;
        } else {
            memcpy(w->utf8 + n, s + i, l);
            n += l;
            i += l;
        }
    }
    const gorilla_span *words;
    size_t nw;
    if (gorilla_pretok_split(t->pre, w->pre, w->utf8, n, &words, &nw)) return -1;
    /* the buffers stay in *w (freed by the caller); the analyzer loses them
     * through the bpe_word call */
    for (size_t i = 0; i < nw; i++) // NOLINT(clang-analyzer-unix.Malloc)
        if (bpe_word(t, w, w->utf8 + words[i].off, words[i].len, o)) return -1;
    return 0;
}

typedef struct {
    int32_t id; /* >= 0: a special token; -1: raw text */
    size_t off, len;
} fragment;

/* Splits text into raw fragments and special tokens (llama.cpp's
 * tokenizer_st_partition): for each special token, longest first, every
 * occurrence inside a raw fragment is cut out. */
static int partition(const gorilla_tokenizer *t, const char *text, size_t len, int parse_special,
                     fragment **frags, size_t *nfrags)
{
    size_t cap = 16, n = 0;
    fragment *f = malloc(cap * sizeof *f);
    if (!f) return -1;
    if (len > 0) f[n++] = (fragment){-1, 0, len};
    for (size_t si = 0; si < t->n_special && n > 0; si++) {
        int32_t id = t->special[si];
        int ty = t->type[id];
        if (!parse_special && ty != GORILLA_TOKEN_USER_DEFINED) continue;
        const char *st = t->text[id];
        size_t sl = t->text_len[id];
        for (size_t fi = 0; fi < n; fi++) {
            if (f[fi].id >= 0 || f[fi].len < sl) continue;
            const char *base = text + f[fi].off;
            const char *hit = memmem(base, f[fi].len, st, sl);
            if (!hit) continue;
            size_t pre = (size_t)(hit - base);
            size_t post = f[fi].len - pre - sl;
            /* replace f[fi] by [pre] [token] [post] */
            if (n + 2 > cap) {
                size_t nc = cap * 2;
                fragment *nf = realloc(f, nc * sizeof *nf);
                if (!nf) {
                    free(f);
                    return -1;
                }
                f = nf;
                cap = nc;
            }
            fragment orig = f[fi];
            size_t add = (pre ? 1 : 0) + 1 + (post ? 1 : 0);
            memmove(&f[fi + add], &f[fi + 1], (n - fi - 1) * sizeof *f);
            n += add - 1;
            size_t k = fi;
            if (pre) f[k++] = (fragment){-1, orig.off, pre};
            f[k++] = (fragment){id, orig.off + pre, sl};
            if (post) f[k] = (fragment){-1, orig.off + pre + sl, post};
            /* continue scanning with the post fragment (next iteration) */
            fi = k - 1;
        }
    }
    *frags = f;
    *nfrags = n;
    return 0;
}

gorilla_status gorilla_tokenizer_encode(const gorilla_tokenizer *tok, const char *text, size_t len,
                                        int add_special, int parse_special, int32_t **ids,
                                        size_t *n_ids, gorilla_error *err)
{
    *ids = NULL;
    *n_ids = 0;
    if (!tok) return gorilla_fail(err, GORILLA_ERR_INVALID, "encode: no tokenizer");
    if (len > 0 && !text) return gorilla_fail(err, GORILLA_ERR_INVALID, "encode: no text");
    if (len > GORILLA_TOKENIZER_MAX_TEXT)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "encode: text of %zu bytes exceeds the limit of %zu",
                            len, GORILLA_TOKENIZER_MAX_TEXT);
    idvec o = {0};
    gorilla_pretok_ws pre_ws = {0};
    gorilla_wpm_ws wpm_ws = {0};
    workspace w = {0};
    w.pre = &pre_ws;
    w.wpm = &wpm_ws;
    fragment *frags = NULL;
    size_t nf = 0;
    int rc = 0;
    if (add_special && tok->add_bos && tok->bos >= 0) push_id(&o, tok->bos);
    if (partition(tok, text, len, parse_special, &frags, &nf) != 0) rc = -1;
    int prev_special = 1;
    for (size_t i = 0; i < nf && rc == 0; i++) {
        if (frags[i].id >= 0) {
            push_id(&o, frags[i].id);
            prev_special = 1;
            continue;
        }
        if (tok->kind == GORILLA_TOKENIZER_LLAMA)
            rc = spm_fragment(tok, &w, text + frags[i].off, frags[i].len,
                              tok->add_space_prefix && prev_special, &o);
        else if (tok->kind == GORILLA_TOKENIZER_BERT)
            rc = gorilla_wpm_encode(tok->wpm, w.wpm, text + frags[i].off, frags[i].len, &o);
        else rc = bpe_fragment(tok, &w, text + frags[i].off, frags[i].len, &o);
        prev_special = 0;
    }
    if (rc == 0 && add_special && tok->add_eos) push_id(&o, tok->eos);
    if (o.oom && rc == 0) rc = -1;
    free(frags);
    free(w.sym);
    free(w.h.v);
    free(w.scratch);
    free(w.buf);
    free(w.utf8);
    gorilla_pretok_ws_free(&pre_ws);
    gorilla_wpm_ws_free(&wpm_ws);
    if (rc != 0) {
        free(o.v);
        if (rc == -2)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "encode: a character is not in the vocabulary and there is no byte "
                                "or unknown token to stand for it");
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "encode: out of memory");
    }
    if (o.n == 0) {
        free(o.v);
        o.v = malloc(sizeof *o.v); /* a valid (empty) array for the caller to free */
        if (!o.v) return gorilla_fail(err, GORILLA_ERR_NOMEM, "encode: out of memory");
    }
    *ids = o.v;
    *n_ids = o.n;
    return GORILLA_OK;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */
/* ------------------------------------------------------------------ */

gorilla_status gorilla_tokenizer_decode(const gorilla_tokenizer *tok, const int32_t *ids, size_t n,
                                        int flags, char **out, size_t *out_len, gorilla_error *err)
{
    *out = NULL;
    if (out_len) *out_len = 0;
    if (!tok) return gorilla_fail(err, GORILLA_ERR_INVALID, "decode: no tokenizer");
    if (n > 0 && !ids) return gorilla_fail(err, GORILLA_ERR_INVALID, "decode: no ids");
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        if (!valid_id(tok, ids[i]))
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "decode: token %zu has id %ld, out of range (vocab of %zu)", i,
                                (long)ids[i], tok->n);
        total += tok->text_len[ids[i]] + 1; /* a piece is never longer than its text */
    }
    char *s = malloc(total);
    if (!s) return gorilla_fail(err, GORILLA_ERR_NOMEM, "decode: out of memory");
    size_t k = 0;
    int strip = (flags & GORILLA_DECODE_STRIP_SPACE) && (tok->add_space_prefix || tok->kind == GORILLA_TOKENIZER_BERT);
    for (size_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        const char *p = tok->piece[id];
        size_t l = tok->piece_len[id];
        int ty = tok->type[id];
        if ((flags & GORILLA_DECODE_SPECIAL) && (ty == GORILLA_TOKEN_CONTROL || ty == GORILLA_TOKEN_UNKNOWN)) {
            p = tok->text[id];
            l = tok->text_len[id];
        }
        if (l == 0) continue;
        if (strip) {
            if (p[0] == ' ') {
                p++;
                l--;
            }
            strip = 0;
        }
        memcpy(s + k, p, l);
        k += l;
    }
    s[k] = 0;
    *out = s;
    if (out_len) *out_len = k;
    return GORILLA_OK;
}
