/* bpe_train.c — a byte-level BPE vocabulary learned on training text (the
 * GPT-2 scheme): the text is split into pre-tokens by the GPT-2 regex
 * (PCRE2, UTF + Unicode properties), each pre-token's bytes start as single
 * byte symbols, and the most frequent adjacent pair is merged until the
 * vocabulary has the size asked. Tokens are stored GPT-2 style: each byte as
 * the character bytes_to_unicode gives it, merges as "left right". The
 * encoder applies the merges by rank, leftmost lowest first, as llama.cpp's
 * and our tokenizer's "gpt2" model do. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "dataset/dataset_internal.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "llm/gguf/gguf_write.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define GPT2_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

typedef struct {
    int32_t *sym;
    size_t n;
    uint64_t count;
} bpe_word;

typedef struct {
    char *bytes; /* raw bytes of the token */
    size_t len;
} bpe_token;

struct gorilla_bpe {
    pcre2_code *re;
    pcre2_match_data *md;
    gorilla_hashmap words; /* pre-token bytes -> index in `w` */
    bpe_word *w;
    size_t n_words, cap_words;
    bpe_token *tok; /* ids: bytes 0..255, then merge results */
    size_t n_tok, cap_tok;
    gorilla_hashmap tok_ids;   /* raw bytes -> id */
    int32_t (*merges)[3];      /* left, right, result, by rank */
    size_t n_merges;
    gorilla_hashmap merge_rank; /* 8-byte key (left, right) -> rank */
    int trained;
};

/* GPT-2's bytes_to_unicode: byte -> code point. */
static uint32_t byte_cp(unsigned b)
{
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) return b;
    uint32_t n = 0;
    for (unsigned x = 0; x < b; x++)
        if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff))) n++;
    return 256 + n;
}

static void put_utf8(pybuf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) u[0] = (char)cp, n = 1;
    else if (cp < 0x800) u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    pybuf_append(b, u, n);
}

/* The GPT-2 text of raw token bytes. Caller frees. */
static char *mapped(const char *s, size_t n)
{
    pybuf b;
    pybuf_init(&b);
    for (size_t i = 0; i < n; i++) put_utf8(&b, byte_cp((unsigned char)s[i]));
    return pybuf_take(&b);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t l = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!l || l > n) return 0;
    for (size_t i = 1; i < l; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    uint32_t cp = l == 1 ? c : l == 2 ? (c & 0x1f) : l == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t i = 1; i < l; i++) cp = (cp << 6) | (s[i] & 0x3f);
    if ((l == 2 && cp < 0x80) || (l == 3 && cp < 0x800) || (l == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return l;
}

/* The text with invalid UTF-8 bytes replaced by U+FFFD. Caller frees. */
static char *valid_utf8(const char *text, size_t len, size_t *out_len)
{
    pybuf b;
    pybuf_init(&b);
    for (size_t i = 0; i < len;) {
        size_t l = utf8_len((const unsigned char *)text + i, len - i);
        if (l) pybuf_append(&b, text + i, l), i += l;
        else pybuf_append(&b, "\xef\xbf\xbd", 3), i++;
    }
    *out_len = b.n;
    return pybuf_take(&b);
}

static int add_token(gorilla_bpe *b, const char *s, size_t n, int32_t *id)
{
    int64_t v;
    if (gorilla_hashmap_get(&b->tok_ids, s, n, &v)) {
        *id = (int32_t)v;
        return 0;
    }
    if (b->n_tok == b->cap_tok) {
        size_t nc = b->cap_tok ? b->cap_tok * 2 : 512;
        bpe_token *g = realloc(b->tok, nc * sizeof *g);
        if (!g) return -1;
        b->tok = g;
        b->cap_tok = nc;
    }
    char *c = malloc(n + 1);
    if (!c) return -1;
    memcpy(c, s, n);
    c[n] = '\0';
    if (gorilla_hashmap_put(&b->tok_ids, s, n, (int64_t)b->n_tok) != 0) {
        free(c);
        return -1;
    }
    b->tok[b->n_tok].bytes = c;
    b->tok[b->n_tok].len = n;
    *id = (int32_t)b->n_tok++;
    return 0;
}

gorilla_status gorilla_bpe_new(gorilla_bpe **out, gorilla_error *err)
{
    *out = NULL;
    gorilla_bpe *b = calloc(1, sizeof *b);
    if (!b) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    gorilla_hashmap_init(&b->words);
    gorilla_hashmap_init(&b->tok_ids);
    gorilla_hashmap_init(&b->merge_rank);
    int ec;
    PCRE2_SIZE eo;
    b->re = pcre2_compile((PCRE2_SPTR)GPT2_PATTERN, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
    b->md = b->re ? pcre2_match_data_create_from_pattern(b->re, NULL) : NULL;
    if (!b->md) {
        gorilla_bpe_free(b);
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "PCRE2: cannot compile the GPT-2 pattern (error %d)", ec);
    }
    for (unsigned i = 0; i < 256; i++) {
        char c = (char)i;
        int32_t id;
        if (add_token(b, &c, 1, &id) != 0) {
            gorilla_bpe_free(b);
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
    }
    *out = b;
    return GORILLA_OK;
}

void gorilla_bpe_free(gorilla_bpe *b)
{
    if (!b) return;
    pcre2_match_data_free(b->md);
    pcre2_code_free(b->re);
    for (size_t i = 0; i < b->n_words; i++) free(b->w[i].sym);
    free(b->w);
    for (size_t i = 0; i < b->n_tok; i++) free(b->tok[i].bytes);
    free(b->tok);
    free(b->merges);
    gorilla_hashmap_free(&b->words);
    gorilla_hashmap_free(&b->tok_ids);
    gorilla_hashmap_free(&b->merge_rank);
    free(b);
}

/* Calls fn for each pre-token of valid UTF-8 text. Returns 0, -1 on fn
 * failure, -2 on a PCRE2 error. */
static int split(gorilla_bpe *b, const char *text, size_t len, int (*fn)(void *, const char *, size_t), void *ctx)
{
    PCRE2_SIZE off = 0;
    while (off < len) {
        int rc = pcre2_match(b->re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, b->md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) return -2;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(b->md);
        if (ov[1] == ov[0]) { /* cannot happen with this pattern; step on to be safe */
            off++;
            continue;
        }
        if (fn(ctx, text + ov[0], ov[1] - ov[0]) != 0) return -1;
        off = ov[1];
    }
    return 0;
}

static int count_word(void *ctx, const char *s, size_t n)
{
    gorilla_bpe *b = ctx;
    int64_t v;
    if (gorilla_hashmap_get(&b->words, s, n, &v)) {
        b->w[v].count++;
        return 0;
    }
    if (b->n_words == b->cap_words) {
        size_t nc = b->cap_words ? b->cap_words * 2 : 1024;
        bpe_word *g = realloc(b->w, nc * sizeof *g);
        if (!g) return -1;
        b->w = g;
        b->cap_words = nc;
    }
    bpe_word *w = &b->w[b->n_words];
    w->sym = malloc(n * sizeof *w->sym);
    if (!w->sym) return -1;
    for (size_t i = 0; i < n; i++) w->sym[i] = (unsigned char)s[i];
    w->n = n;
    w->count = 1;
    if (gorilla_hashmap_put(&b->words, s, n, (int64_t)b->n_words) != 0) {
        free(w->sym);
        return -1;
    }
    b->n_words++;
    return 0;
}

gorilla_status gorilla_bpe_add_text(gorilla_bpe *b, const char *text, size_t len, gorilla_error *err)
{
    if (b->trained) return gorilla_fail(err, GORILLA_ERR_INVALID, "the vocabulary is already trained");
    size_t n;
    char *t = valid_utf8(text, len, &n);
    if (!t) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    int r = split(b, t, n, count_word, b);
    free(t);
    if (r == -2) return gorilla_fail(err, GORILLA_ERR_INVALID, "PCRE2 match error");
    return r ? gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory") : GORILLA_OK;
}

/* --- Pair counts: open addressing over 64-bit keys ------------------- */

typedef struct {
    uint64_t *key; /* 0: empty (pairs are stored +1) */
    uint64_t *cnt;
    size_t cap;
} pair_table;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int pairs_count(const gorilla_bpe *b, pair_table *t)
{
    size_t need = 16;
    for (size_t i = 0; i < b->n_words; i++) need += b->w[i].n;
    size_t cap = 1;
    while (cap < need * 2) cap <<= 1;
    if (cap > t->cap) {
        free(t->key);
        free(t->cnt);
        t->key = malloc(cap * sizeof *t->key);
        t->cnt = malloc(cap * sizeof *t->cnt);
        t->cap = cap;
        if (!t->key || !t->cnt) return -1;
    }
    memset(t->key, 0, t->cap * sizeof *t->key);
    for (size_t i = 0; i < b->n_words; i++) {
        const bpe_word *w = &b->w[i];
        for (size_t j = 0; j + 1 < w->n; j++) {
            uint64_t k = (((uint64_t)(uint32_t)w->sym[j] << 32) | (uint32_t)w->sym[j + 1]) + 1;
            size_t h = (size_t)mix(k) & (t->cap - 1);
            while (t->key[h] && t->key[h] != k) h = (h + 1) & (t->cap - 1);
            if (!t->key[h]) t->key[h] = k, t->cnt[h] = 0;
            t->cnt[h] += w->count;
        }
    }
    return 0;
}

/* Ties: the pair whose bytes (left then right) sort first. */
static int pair_before(const gorilla_bpe *b, uint64_t x, uint64_t y)
{
    const bpe_token *xl = &b->tok[(x - 1) >> 32], *xr = &b->tok[(uint32_t)(x - 1)];
    const bpe_token *yl = &b->tok[(y - 1) >> 32], *yr = &b->tok[(uint32_t)(y - 1)];
    size_t n = xl->len < yl->len ? xl->len : yl->len;
    int c = memcmp(xl->bytes, yl->bytes, n);
    if (c || xl->len != yl->len) return c ? c < 0 : xl->len < yl->len;
    n = xr->len < yr->len ? xr->len : yr->len;
    c = memcmp(xr->bytes, yr->bytes, n);
    return c ? c < 0 : xr->len < yr->len;
}

static int add_merge(gorilla_bpe *b, int32_t l, int32_t r, int32_t res)
{
    int32_t(*g)[3] = realloc(b->merges, (b->n_merges + 1) * sizeof *g);
    if (!g) return -1;
    b->merges = g;
    b->merges[b->n_merges][0] = l;
    b->merges[b->n_merges][1] = r;
    b->merges[b->n_merges][2] = res;
    int32_t key[2] = {l, r};
    if (gorilla_hashmap_put(&b->merge_rank, (const char *)key, sizeof key, (int64_t)b->n_merges) != 0) return -1;
    b->n_merges++;
    return 0;
}

gorilla_status gorilla_bpe_train(gorilla_bpe *b, size_t vocab_size, uint64_t min_frequency, gorilla_error *err)
{
    if (b->trained) return gorilla_fail(err, GORILLA_ERR_INVALID, "the vocabulary is already trained");
    if (vocab_size < 256 + GORILLA_BPE_N_SPECIAL)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "a byte-level vocabulary needs at least %d tokens",
                            256 + GORILLA_BPE_N_SPECIAL);
    if (!b->n_words) return gorilla_fail(err, GORILLA_ERR_INVALID, "no training text");
    b->trained = 1;
    pair_table t = {0};
    gorilla_status st = GORILLA_OK;
    size_t target = vocab_size - GORILLA_BPE_N_SPECIAL;
    while (b->n_tok < target) {
        if (pairs_count(b, &t) != 0) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        uint64_t best = 0, best_n = 0;
        for (size_t i = 0; i < t.cap; i++)
            if (t.key[i] && (t.cnt[i] > best_n || (t.cnt[i] == best_n && pair_before(b, t.key[i], best))))
                best = t.key[i], best_n = t.cnt[i];
        if (!best || best_n < (min_frequency ? min_frequency : 1)) break;
        int32_t l = (int32_t)((best - 1) >> 32), r = (int32_t)(uint32_t)(best - 1);
        size_t nl = b->tok[l].len, nr = b->tok[r].len;
        char *cat = malloc(nl + nr);
        int32_t res;
        if (!cat) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(cat, b->tok[l].bytes, nl);
        memcpy(cat + nl, b->tok[r].bytes, nr);
        int bad = add_token(b, cat, nl + nr, &res) != 0 || add_merge(b, l, r, res) != 0;
        free(cat);
        if (bad) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < b->n_words; i++) { /* apply, left to right */
            bpe_word *w = &b->w[i];
            size_t o = 0;
            for (size_t j = 0; j < w->n; j++) {
                if (j + 1 < w->n && w->sym[j] == l && w->sym[j + 1] == r) {
                    w->sym[o++] = res;
                    j++;
                } else {
                    w->sym[o++] = w->sym[j];
                }
            }
            w->n = o;
        }
    }
    free(t.key);
    free(t.cnt);
    return st;
}

size_t gorilla_bpe_n_vocab(const gorilla_bpe *b) { return b->n_tok + GORILLA_BPE_N_SPECIAL; }
size_t gorilla_bpe_n_merges(const gorilla_bpe *b) { return b->n_merges; }
int32_t gorilla_bpe_bos(const gorilla_bpe *b) { return (int32_t)b->n_tok; }
int32_t gorilla_bpe_eos(const gorilla_bpe *b) { return (int32_t)b->n_tok + 1; }

typedef struct {
    const gorilla_bpe *b;
    int32_t *ids;
    size_t n, cap;
    int32_t *sym;
    size_t sym_cap;
} enc_state;

static int encode_word(void *ctx, const char *s, size_t n)
{
    enc_state *e = ctx;
    if (n > e->sym_cap) {
        int32_t *g = realloc(e->sym, n * sizeof *g);
        if (!g) return -1;
        e->sym = g;
        e->sym_cap = n;
    }
    for (size_t i = 0; i < n; i++) e->sym[i] = (unsigned char)s[i];
    size_t m = n;
    for (;;) {
        int64_t best = -1;
        size_t at = 0;
        for (size_t j = 0; j + 1 < m; j++) {
            int32_t key[2] = {e->sym[j], e->sym[j + 1]};
            int64_t rank;
            if (gorilla_hashmap_get(&e->b->merge_rank, (const char *)key, sizeof key, &rank) &&
                (best < 0 || rank < best))
                best = rank, at = j;
        }
        if (best < 0) break;
        e->sym[at] = e->b->merges[best][2];
        memmove(e->sym + at + 1, e->sym + at + 2, (m - at - 2) * sizeof *e->sym);
        m--;
    }
    if (e->n + m > e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 256;
        while (nc < e->n + m) nc *= 2;
        int32_t *g = realloc(e->ids, nc * sizeof *g);
        if (!g) return -1;
        e->ids = g;
        e->cap = nc;
    }
    memcpy(e->ids + e->n, e->sym, m * sizeof *e->sym);
    e->n += m;
    return 0;
}

gorilla_status gorilla_bpe_encode(const gorilla_bpe *b, const char *text, size_t len, int32_t **ids, size_t *n_ids,
                                  gorilla_error *err)
{
    *ids = NULL;
    *n_ids = 0;
    size_t n;
    char *t = valid_utf8(text, len, &n);
    if (!t) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    enc_state e = {b, NULL, 0, 0, NULL, 0};
    int r = split((gorilla_bpe *)b, t, n, encode_word, &e);
    free(t);
    free(e.sym);
    if (r) {
        free(e.ids);
        return r == -2 ? gorilla_fail(err, GORILLA_ERR_INVALID, "PCRE2 match error")
                       : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    *ids = e.ids;
    *n_ids = e.n;
    return GORILLA_OK;
}

gorilla_status gorilla_bpe_save_gguf(const gorilla_bpe *b, const char *path, const char *name, gorilla_error *err)
{
    size_t nv = gorilla_bpe_n_vocab(b);
    char **toks = calloc(nv, sizeof *toks);
    int32_t *types = calloc(nv, sizeof *types);
    char **merges = calloc(b->n_merges ? b->n_merges : 1, sizeof *merges);
    gguf_writer *w = gguf_writer_new();
    gorilla_status st = GORILLA_OK;
    int bad = !toks || !types || !merges || !w;
    for (size_t i = 0; i < b->n_tok && !bad; i++) {
        toks[i] = mapped(b->tok[i].bytes, b->tok[i].len);
        types[i] = GORILLA_TOKEN_NORMAL;
        bad = !toks[i];
    }
    if (!bad) {
        toks[b->n_tok] = strdup("<s>");
        toks[b->n_tok + 1] = strdup("</s>");
        types[b->n_tok] = types[b->n_tok + 1] = GORILLA_TOKEN_CONTROL;
        bad = !toks[b->n_tok] || !toks[b->n_tok + 1];
    }
    for (size_t i = 0; i < b->n_merges && !bad; i++) {
        char *l = mapped(b->tok[b->merges[i][0]].bytes, b->tok[b->merges[i][0]].len);
        char *r = mapped(b->tok[b->merges[i][1]].bytes, b->tok[b->merges[i][1]].len);
        pybuf m;
        pybuf_init(&m);
        pybuf_puts(&m, l);
        pybuf_puts(&m, " ");
        pybuf_puts(&m, r);
        merges[i] = (l && r) ? pybuf_take(&m) : NULL;
        if (!l || !r) pybuf_free(&m);
        free(l);
        free(r);
        bad = !merges[i];
    }
    if (!bad)
        bad = gguf_writer_str(w, "general.architecture", "llama") || gguf_writer_str(w, "general.name", name ? name : "gorilla-bpe") ||
              gguf_writer_str(w, "tokenizer.ggml.model", "gpt2") || gguf_writer_str(w, "tokenizer.ggml.pre", "gpt-2") ||
              gguf_writer_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)toks, nv) ||
              gguf_writer_arr_i32(w, "tokenizer.ggml.token_type", types, nv) ||
              gguf_writer_arr_str(w, "tokenizer.ggml.merges", (const char *const *)merges, b->n_merges) ||
              gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)gorilla_bpe_bos(b)) ||
              gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)gorilla_bpe_eos(b)) ||
              gguf_writer_bool(w, "tokenizer.ggml.add_bos_token", 0);
    if (bad) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    else st = gguf_writer_save(w, path, NULL, NULL, err);
    for (size_t i = 0; toks && i < nv; i++) free(toks[i]);
    for (size_t i = 0; merges && i < b->n_merges; i++) free(merges[i]);
    free(toks);
    free(types);
    free(merges);
    gguf_writer_free(w);
    return st;
}
