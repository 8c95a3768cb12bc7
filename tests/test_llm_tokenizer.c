/* test_llm_tokenizer.c — SentencePiece-style and byte-level BPE tokenizers
 * on small hand-built vocabularies; expected ids are worked out by hand
 * (the merge traces are in the comments). */
#include "testutil.h"

#include "base/hashmap.h"
#include "llm/gguf/gguf.h"
#include "llm/gguf/gguf_write.h"
#include "llm/tokenizer/pretokenize.h"
#include "llm/tokenizer/tokenizer.h"

#define SP "\xE2\x96\x81" /* ▁ */

/* ------------------------------------------------------------------ */
/* SPM fixture                                                         */
/* ------------------------------------------------------------------ */

/* ids: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, 259 "▁",
 * 260.. the characters of CHARS, 297.. the pieces of PIECES. */
static const char CHARS[] = "abcdefghijklmnopqrstuvwxyzHW().,'=/05";
#define C(ch) (260 + (int)(strchr(CHARS, (ch)) - CHARS))
#define B(byte) (3 + (byte))

static const struct {
    const char *text;
    float score;
    int type;
} PIECES[] = {
    {SP "t", -2, 1},     /* 297 */
    {"he", -3, 1},       /* 298 */
    {SP "the", -4, 1},   /* 299 */
    {"ll", -5, 1},       /* 300 */
    {"lo", -6, 1},       /* 301 */
    {"llo", -7, 1},      /* 302 */
    {SP "he", -8, 1},    /* 303 */
    {SP "hello", -9, 1}, /* 304 */
    {SP "w", -10, 1},    /* 305 */
    {"or", -11, 1},      /* 306 */
    {"ld", -12, 1},      /* 307 */
    {SP "wor", -13, 1},  /* 308 */
    {SP "world", -14, 1},/* 309 */
    {SP SP, -15, 1},     /* 310 */
    {SP SP SP SP, -16, 1}, /* 311 */
    {"er", -1, 1},       /* 312 */
    {"\xE6\x97\xA5", -50, 1}, /* 313 日 */
    {"od", -17, 1},      /* 314 */
    {"mod", -18, 1},     /* 315 */
    {"el", -19, 1},      /* 316 */
    {"model", -20, 1},   /* 317 */
    {SP "model", -21, 1},/* 318 */
    {SP "=", -22, 1},    /* 319 */
    {"<tool>", 0, 4},    /* 320 user-defined */
};
#define N_PIECES (sizeof PIECES / sizeof PIECES[0])

typedef struct {
    char *text[400];
    const char *ptr[400];
    float score[400];
    int32_t type[400];
    size_t n;
} vocab;

static void vocab_add(vocab *v, const char *t, float s, int ty)
{
    v->text[v->n] = strdup(t);
    v->ptr[v->n] = v->text[v->n];
    v->score[v->n] = s;
    v->type[v->n] = ty;
    v->n++;
}

static void vocab_free(vocab *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->text[i]);
}

static void spm_vocab(vocab *v, int with_bytes)
{
    memset(v, 0, sizeof *v);
    vocab_add(v, "<unk>", 0, 2);
    vocab_add(v, "<s>", 0, 3);
    vocab_add(v, "</s>", 0, 3);
    for (int b = 0; b < 256; b++) {
        char buf[8];
        snprintf(buf, sizeof buf, "<0x%02X>", b);
        vocab_add(v, with_bytes ? buf : "", 0, with_bytes ? 6 : 5);
    }
    vocab_add(v, SP, -100, 1);
    for (const char *c = CHARS; *c; c++) {
        char buf[2] = {*c, 0};
        vocab_add(v, buf, -100, 1);
    }
    assert_int_equal(v->n, 297);
    for (size_t i = 0; i < N_PIECES; i++) vocab_add(v, PIECES[i].text, PIECES[i].score, PIECES[i].type);
}

static gorilla_tokenizer *spm_new(int with_bytes, int with_unk)
{
    vocab v;
    spm_vocab(&v, with_bytes);
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "llama";
    s.tokens = v.ptr;
    s.n_tokens = v.n;
    s.scores = v.score;
    s.token_types = v.type;
    s.bos_id = 1;
    s.eos_id = 2;
    s.unk_id = with_unk ? 0 : -1;
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_tokenizer_new(&s, &t, &err);
    vocab_free(&v);
    if (st) fail_msg("tokenizer_new: %s", err.message);
    return t;
}

static void check_ids(const gorilla_tokenizer *t, const char *text, int add_special, int parse_special,
                      const int *want, size_t n_want)
{
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    gorilla_status st = gorilla_tokenizer_encode(t, text, strlen(text), add_special, parse_special, &ids, &n, &err);
    if (st) fail_msg("encode '%s': %s", text, err.message);
    int same = n == n_want;
    for (size_t i = 0; same && i < n; i++) same = ids[i] == want[i];
    if (!same) {
        char got[2048] = "", exp[2048] = "";
        for (size_t i = 0; i < n; i++) snprintf(got + strlen(got), sizeof got - strlen(got), " %d", ids[i]);
        for (size_t i = 0; i < n_want; i++) snprintf(exp + strlen(exp), sizeof exp - strlen(exp), " %d", want[i]);
        free(ids);
        fail_msg("encode '%s':\n  got [%s]\n want [%s]", text, got, exp);
    }
    free(ids);
}
#define CHECK(t, text, add, parse, ...)                                                   \
    do {                                                                                  \
        const int want_[] = {__VA_ARGS__};                                                \
        check_ids(t, text, add, parse, want_, sizeof want_ / sizeof want_[0]);            \
    } while (0)

/* decode(encode(text)) with STRIP_SPACE gives text back. */
static void check_roundtrip(const gorilla_tokenizer *t, const char *text, size_t len, int add_special)
{
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    assert_int_equal(gorilla_tokenizer_encode(t, text, len, add_special, 0, &ids, &n, &err), GORILLA_OK);
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(gorilla_tokenizer_decode(t, ids, n, GORILLA_DECODE_STRIP_SPACE, &out, &out_len, &err), GORILLA_OK);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, text, len);
    free(out);
    free(ids);
}

static void test_spm_words(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    /* "▁hello▁world": he(-3) ll(-5) [lo outdated] llo(-7) ▁he(-8) ▁hello(-9)
     * ▁w(-10) or(-11) ld(-12) ▁wor(-13) ▁world(-14) */
    CHECK(t, "hello world", 1, 0, 1, 304, 309);
    CHECK(t, "hello world", 0, 0, 304, 309);
    /* capital H: no "He", so ▁ H e llo ▁world */
    CHECK(t, "Hello world", 0, 0, 259, C('H'), C('e'), 302, 309);
    /* "▁the": ▁t(-2), he(-3), then ▁t+he = ▁the(-4) */
    CHECK(t, "the", 0, 0, 299);
    /* "▁ther": er(-1) first takes the e, so he never forms: ▁t h er */
    CHECK(t, "ther", 0, 0, 297, C('h'), 312);
    assert_int_equal(gorilla_tokenizer_n_vocab(t), 321);
    assert_int_equal(gorilla_tokenizer_bos(t), 1);
    assert_int_equal(gorilla_tokenizer_eos(t), 2);
    assert_int_equal(gorilla_tokenizer_add_bos(t), 1);
    assert_int_equal(gorilla_tokenizer_get_kind(t), GORILLA_TOKENIZER_LLAMA);
    gorilla_tokenizer_free(t);
}

static void test_spm_spaces(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    /* two spaces: ▁ a ▁▁ b */
    CHECK(t, "a  b", 0, 0, 259, C('a'), 310, C('b'));
    /* three spaces: ties among ▁▁ pairs go to the leftmost: ▁ a ▁▁ ▁ b */
    CHECK(t, "a   b", 0, 0, 259, C('a'), 310, 259, C('b'));
    /* four: ▁▁ ▁▁ then ▁▁▁▁ */
    CHECK(t, "a    b", 0, 0, 259, C('a'), 311, C('b'));
    /* a leading space: "▁▁hello" -> ▁ ▁hello (▁▁ is outdated once ▁hello forms) */
    CHECK(t, " hello", 0, 0, 259, 304);
    /* a trailing space */
    CHECK(t, "hello ", 0, 0, 304, 259);
    /* newline: no token, byte fallback <0x0A>; "world" has no ▁ */
    CHECK(t, "hello\nworld", 0, 0, 304, B(0x0A), C('w'), 306, 307);
    CHECK(t, "\n", 0, 0, 259, B(0x0A));
    /* tab */
    CHECK(t, "a\tb", 0, 0, 259, C('a'), B(0x09), C('b'));
    /* empty text: BOS only, or nothing */
    CHECK(t, "", 1, 0, 1);
    int32_t *ids = NULL;
    size_t n = 99;
    assert_int_equal(gorilla_tokenizer_encode(t, "", 0, 0, 0, &ids, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 0);
    free(ids);
    gorilla_tokenizer_free(t);
}

static void test_spm_code_and_quotes(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    /* ▁t(-2) lo(-6) or(-11) x2 od(-17) mod(-18) el(-19) model(-20)
     * ▁model(-21) ▁=(-22); everything else stays one character */
    CHECK(t, "model = torch.hub.load('pytorch/vision', 'resnet50')", 1, 0,
          1, 318, 319, 297, 306, C('c'), C('h'), C('.'), C('h'), C('u'), C('b'), C('.'), 301, C('a'),
          C('d'), C('('), C('\''), C('p'), C('y'), C('t'), 306, C('c'), C('h'), C('/'), C('v'), C('i'),
          C('s'), C('i'), C('o'), C('n'), C('\''), C(','), 259, C('\''), C('r'), C('e'), C('s'),
          C('n'), C('e'), C('t'), C('5'), C('0'), C('\''), C(')'));
    /* double quotes are not in the vocabulary: <0x22> */
    CHECK(t, "say \"hi\"", 0, 0, 259, C('s'), C('a'), C('y'), 259, B(0x22), C('h'), C('i'), B(0x22));
    gorilla_tokenizer_free(t);
}

static void test_spm_non_ascii(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    /* é = C3 A9, not a token */
    CHECK(t, "\xC3\xA9", 0, 0, 259, B(0xC3), B(0xA9));
    /* 日 is a token, 本 (E6 9C AC) is not */
    CHECK(t, "\xE6\x97\xA5\xE6\x9C\xAC", 0, 0, 259, 313, B(0xE6), B(0x9C), B(0xAC));
    /* 😀 U+1F600 = F0 9F 98 80 */
    CHECK(t, "\xF0\x9F\x98\x80", 0, 0, 259, B(0xF0), B(0x9F), B(0x98), B(0x80));
    /* invalid UTF-8 in the text: a stray byte, a truncated sequence */
    CHECK(t, "\xFF", 0, 0, 259, B(0xFF));
    CHECK(t, "a\xE6\x97", 0, 0, 259, C('a'), B(0xE6), B(0x97));
    gorilla_tokenizer_free(t);

    /* no byte tokens: <unk> per byte; neither: a clear error */
    t = spm_new(0, 1);
    CHECK(t, "\xC3\xA9", 0, 0, 259, 0, 0);
    gorilla_tokenizer_free(t);
    t = spm_new(0, 0);
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    assert_int_equal(gorilla_tokenizer_encode(t, "\xC3\xA9", 2, 0, 0, &ids, &n, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "not in the vocabulary"));
    assert_null(ids);
    CHECK(t, "hello", 0, 0, 304);
    gorilla_tokenizer_free(t);
}

static void test_spm_special(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    /* not parsed by default: ▁ <0x3C> s <0x3E> he llo */
    CHECK(t, "<s>hello", 0, 0, 259, B('<'), C('s'), B('>'), 298, 302);
    /* parsed: <s>, then "hello" gets the space prefix after a special token */
    CHECK(t, "<s>hello", 0, 1, 1, 304);
    CHECK(t, "hello</s>", 1, 1, 1, 304, 2);
    /* user-defined tokens are always matched */
    CHECK(t, "a<tool>b", 0, 0, 259, C('a'), 320, 259, C('b'));
    CHECK(t, "<tool><tool>", 0, 0, 320, 320);
    gorilla_tokenizer_free(t);
}

static void test_spm_decode(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    size_t len;
    const char *p = gorilla_tokenizer_piece(t, 304, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(p, " hello", 6);
    p = gorilla_tokenizer_piece(t, B(0x0A), &len);
    assert_int_equal(len, 1);
    assert_int_equal(p[0], '\n');
    p = gorilla_tokenizer_piece(t, B(0x00), &len);
    assert_int_equal(len, 1);
    assert_int_equal(p[0], 0);
    p = gorilla_tokenizer_piece(t, 1, &len); /* control */
    assert_int_equal(len, 0);
    p = gorilla_tokenizer_piece(t, 320, &len); /* user-defined: as is */
    assert_int_equal(len, 6);
    assert_memory_equal(p, "<tool>", 6);
    assert_null(gorilla_tokenizer_piece(t, 321, &len));
    assert_null(gorilla_tokenizer_piece(t, -1, &len));
    assert_string_equal(gorilla_tokenizer_token_text(t, 304), SP "hello");
    assert_int_equal(gorilla_tokenizer_find(t, SP "world", strlen(SP "world")), 309);
    assert_int_equal(gorilla_tokenizer_find(t, "nope", 4), -1);
    assert_int_equal(gorilla_tokenizer_token_type(t, 1), GORILLA_TOKEN_CONTROL);
    assert_int_equal(gorilla_tokenizer_token_type(t, 5000), 0);

    const int32_t ids[] = {1, 304, 309, B(0x0A), 2};
    char *out = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    assert_int_equal(gorilla_tokenizer_decode(t, ids, 5, 0, &out, &n, &err), GORILLA_OK);
    assert_string_equal(out, " hello world\n");
    free(out);
    assert_int_equal(gorilla_tokenizer_decode(t, ids, 5, GORILLA_DECODE_STRIP_SPACE, &out, &n, &err), GORILLA_OK);
    assert_string_equal(out, "hello world\n");
    assert_int_equal(n, 12);
    free(out);
    assert_int_equal(gorilla_tokenizer_decode(t, ids, 5, GORILLA_DECODE_SPECIAL, &out, &n, &err), GORILLA_OK);
    assert_string_equal(out, "<s> hello world\n</s>");
    free(out);
    /* continuation pieces keep their space */
    const int32_t cont[] = {309};
    assert_int_equal(gorilla_tokenizer_decode(t, cont, 1, 0, &out, &n, &err), GORILLA_OK);
    assert_string_equal(out, " world");
    free(out);
    /* ids out of range */
    const int32_t bad[] = {304, 321};
    assert_int_equal(gorilla_tokenizer_decode(t, bad, 2, 0, &out, &n, &err), GORILLA_ERR_INVALID);
    assert_null(out);
    assert_non_null(strstr(err.message, "token 1 has id 321"));
    const int32_t neg[] = {-5};
    assert_int_equal(gorilla_tokenizer_decode(t, neg, 1, 0, &out, &n, &err), GORILLA_ERR_INVALID);
    /* empty list */
    assert_int_equal(gorilla_tokenizer_decode(t, NULL, 0, 0, &out, &n, &err), GORILLA_OK);
    assert_string_equal(out, "");
    free(out);
    gorilla_tokenizer_free(t);
}

static void test_spm_roundtrip(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    static const char *const texts[] = {
        "hello world", " hello", "  two leading", "trailing  ", "a\nb\n\nc", "\n",
        "model = torch.hub.load('pytorch/vision', 'resnet50')", "say \"hi\" & 'bye'",
        "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", "bad\xFFxyzw utf8 \xC3",
        "<s>not special</s>", "tabs\tand\r\nCRLF", "x",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        check_roundtrip(t, texts[i], strlen(texts[i]), 1);
        check_roundtrip(t, texts[i], strlen(texts[i]), 0);
    }
    /* an embedded NUL byte survives too */
    check_roundtrip(t, "a\0b", 3, 1);
    gorilla_tokenizer_free(t);
}

static void test_spm_no_space_prefix(void **state)
{
    (void)state;
    vocab v;
    spm_vocab(&v, 1);
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "llama";
    s.tokens = v.ptr;
    s.n_tokens = v.n;
    s.scores = v.score;
    s.token_types = v.type;
    s.bos_id = 1;
    s.add_space_prefix = 0;
    s.add_bos = 0;
    gorilla_tokenizer *t = NULL;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, NULL), GORILLA_OK);
    vocab_free(&v);
    /* no ▁ prefix: h e → he, ll, llo, (he,llo) "hello" is not a token */
    CHECK(t, "hello world", 1, 0, 298, 302, 309);
    CHECK(t, " hello", 0, 0, 304);
    check_roundtrip(t, "hello world", 11, 1);
    gorilla_tokenizer_free(t);
}

static void test_spm_inferred_types(void **state)
{
    (void)state;
    /* no token types: <0xXX> are bytes, bos/eos control, unk unknown */
    static const char *const toks[] = {"<unk>", "<s>", "</s>", "<0x0A>", "<0x41>", SP, "a", SP "a"};
    static const float scores[] = {0, 0, 0, 0, 0, -1, -1, -2};
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "llama";
    s.tokens = toks;
    s.n_tokens = 8;
    s.scores = scores;
    s.unk_id = 0;
    s.bos_id = 1;
    s.eos_id = 2;
    gorilla_tokenizer *t = NULL;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, NULL), GORILLA_OK);
    assert_int_equal(gorilla_tokenizer_token_type(t, 0), GORILLA_TOKEN_UNKNOWN);
    assert_int_equal(gorilla_tokenizer_token_type(t, 1), GORILLA_TOKEN_CONTROL);
    assert_int_equal(gorilla_tokenizer_token_type(t, 3), GORILLA_TOKEN_BYTE);
    assert_int_equal(gorilla_tokenizer_token_type(t, 6), GORILLA_TOKEN_NORMAL);
    /* A is only a byte token: <0x41>; \n -> <0x0A>; z -> <unk> */
    CHECK(t, "a\nA z", 1, 0, 1, 7, 3, 4, 5, 0);
    assert_true(gorilla_tokenizer_is_eog(t, 2));
    assert_false(gorilla_tokenizer_is_eog(t, 1));
    assert_false(gorilla_tokenizer_is_eog(t, 99));
    gorilla_tokenizer_free(t);
}

/* ------------------------------------------------------------------ */
/* GPT-2 byte-level BPE fixture                                        */
/* ------------------------------------------------------------------ */

/* GPT-2's bytes_to_unicode, written out independently for the test. */
static uint32_t b2u(int b)
{
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return (uint32_t)b;
    uint32_t n = 0;
    for (int x = 0; x < b; x++)
        if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) n++;
    return 256 + n;
}

/* ids 0..255: the byte-level character of byte id; then merged tokens. */
static const struct {
    const char *merge, *token;
} BPE[] = {
    {"\xC4\xA0 t", "\xC4\xA0t"},               /* rank 0, id 256 "Ġt" */
    {"h e", "he"},                             /* 1, 257 */
    {"\xC4\xA0t he", "\xC4\xA0the"},           /* 2, 258 */
    {"i n", "in"},                             /* 3, 259 */
    {"\xC4\xA0 w", "\xC4\xA0w"},               /* 4, 260 */
    {"o r", "or"},                             /* 5, 261 */
    {"\xC4\xA0w or", "\xC4\xA0wor"},           /* 6, 262 */
    {"l d", "ld"},                             /* 7, 263 */
    {"\xC4\xA0wor ld", "\xC4\xA0world"},       /* 8, 264 */
    {"l l", "ll"},                             /* 9, 265 */
    {"he ll", "hell"},                         /* 10, 266 */
    {"hell o", "hello"},                       /* 11, 267 */
    {"x y", NULL},                             /* 12: no "xy" token */
    {"\xC4\xA0 \xC4\xA0", "\xC4\xA0\xC4\xA0"}, /* 13, 268 "ĠĠ" */
};
#define N_BPE (sizeof BPE / sizeof BPE[0])

static gorilla_tokenizer *gpt2_new(void)
{
    vocab *v = calloc(1, sizeof *v);
    for (int b = 0; b < 256; b++) {
        char buf[8] = {0};
        gorilla_utf8_encode(b2u(b), buf);
        vocab_add(v, buf, 0, 1);
    }
    const char *merges[N_BPE];
    for (size_t i = 0; i < N_BPE; i++) {
        merges[i] = BPE[i].merge;
        if (BPE[i].token) vocab_add(v, BPE[i].token, 0, 1);
    }
    assert_int_equal(v->n, 269);
    vocab_add(v, "<|endoftext|>", 0, 3); /* 269 */
    vocab_add(v, "<|im_end|>", 0, 3);    /* 270 */
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "gpt2";
    s.tokens = v->ptr;
    s.n_tokens = v->n;
    s.token_types = v->type;
    s.merges = merges;
    s.n_merges = N_BPE;
    s.bos_id = 269;
    s.eos_id = 269;
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    gorilla_status st = gorilla_tokenizer_new(&s, &t, &err);
    vocab_free(v);
    free(v);
    if (st) fail_msg("tokenizer_new: %s", err.message);
    return t;
}

static void test_gpt2_byte_map(void **state)
{
    (void)state;
    /* spot values of bytes_to_unicode: ' ' -> Ġ (U+0120), '\n' -> Ċ (U+010A),
     * 0x00 -> U+0100, 0x7F -> U+0121, 0xAD -> U+0143 */
    assert_int_equal(b2u(' '), 0x120);
    assert_int_equal(b2u('\n'), 0x10A);
    assert_int_equal(b2u(0), 0x100);
    assert_int_equal(b2u(0x7F), 0x121);
    assert_int_equal(b2u(0xAD), 0x143);
    gorilla_tokenizer *t = gpt2_new();
    /* and the tokenizer agrees: byte b's token decodes to b */
    for (int b = 0; b < 256; b++) {
        size_t len;
        const char *p = gorilla_tokenizer_piece(t, b, &len);
        assert_int_equal(len, 1);
        assert_int_equal((unsigned char)p[0], b);
    }
    gorilla_tokenizer_free(t);
}

typedef struct {
    const char *text;
    const char *parts[24];
} split_case;

static void test_gpt2_pretokenizer(void **state)
{
    (void)state;
    static const split_case cases[] = {
        {"Hello world's  test 123abc!!? \n\nx  ",
         {"Hello", " world", "'s", " ", " test", " 123", "abc", "!!?", " \n", "\n", "x", "  ", NULL}},
        {"I'm we'll they're I've he'd 'sa", {"I", "'m", " we", "'ll", " they", "'re", " I", "'ve", " he", "'d", " '", "sa", NULL}},
        {" h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80\xF0\x9F\x98\x80",
         {" h\xC3\xA9llo", " \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", " \xF0\x9F\x98\x80\xF0\x9F\x98\x80", NULL}},
        {"model = torch.hub.load('pytorch/vision', 'resnet50')",
         {"model", " =", " torch", ".", "hub", ".", "load", "('", "pytorch", "/", "vision", "',", " '", "resnet", "50", "')", NULL}},
        {"a\tb", {"a", "\t", "b", NULL}},
        {"   ", {"   ", NULL}},
        {"x'", {"x", "'", NULL}},
    };
    gorilla_pretok *p = NULL;
    assert_int_equal(gorilla_pretok_new("gpt-2", &p, NULL), GORILLA_OK);
    gorilla_pretok_ws ws = {0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *s = cases[c].text;
        const gorilla_span *w;
        size_t nw, k = 0;
        assert_int_equal(gorilla_pretok_split(p, &ws, s, strlen(s), &w, &nw), 0);
        for (; k < nw; k++) {
            const char *want = cases[c].parts[k];
            if (!want) fail_msg("case %zu: extra part at %zu", c, w[k].off);
            if (strlen(want) != w[k].len || memcmp(want, s + w[k].off, w[k].len) != 0)
                fail_msg("case %zu part %zu: got '%.*s' want '%s'", c, k, (int)w[k].len, s + w[k].off, want);
        }
        assert_null(cases[c].parts[k]);
    }
    gorilla_pretok_ws_free(&ws);
    gorilla_pretok_free(p);
}

static void test_gpt2_encode(void **state)
{
    (void)state;
    gorilla_tokenizer *t = gpt2_new();
    /* "hello" -> he(1) ll(9) hell(10) hello(11); " world" -> Ġw(4) or(5)
     * Ġwor(6) ld(7) Ġworld(8). gpt2 models add no BOS by default. */
    CHECK(t, "hello world", 1, 0, 267, 264);
    assert_int_equal(gorilla_tokenizer_add_bos(t), 0);
    /* " the" -> Ġt(0) he(1)? Ġt + h + e: Ġt(0) first, then h e -> he(1), then Ġthe(2) */
    CHECK(t, " the", 0, 0, 258);
    /* the merge x y exists but "xy" is not a token: per character */
    CHECK(t, "xy", 0, 0, 'x', 'y');
    /* spaces: "a  b" -> "a", " ", " b"; "   " -> "ĠĠĠ": ĠĠ(13) leftmost, Ġ */
    CHECK(t, "a  b", 0, 0, 'a', ' ', ' ', 'b');
    CHECK(t, "   ", 0, 0, 268, ' ');
    /* non-ASCII: é = C3 A9 -> byte tokens 0xC3, 0xA9; newline -> byte 0x0A */
    CHECK(t, "\xC3\xA9\n", 0, 0, 0xC3, 0xA9, 0x0A);
    /* invalid UTF-8 becomes U+FFFD (EF BF BD) as in llama.cpp */
    CHECK(t, "\xFF", 0, 0, 0xEF, 0xBF, 0xBD);
    /* special tokens only with parse_special */
    CHECK(t, "hello<|im_end|>", 0, 1, 267, 270);
    CHECK(t, "<|endoftext|>", 0, 1, 269);
    CHECK(t, "<|endoftext|>", 0, 0, '<', '|', 'e', 'n', 'd', 'o', 'f', 't', 'e', 'x', 't', '|', '>');
    assert_true(gorilla_tokenizer_is_eog(t, 269));
    assert_true(gorilla_tokenizer_is_eog(t, 270));
    assert_false(gorilla_tokenizer_is_eog(t, 267));
    gorilla_tokenizer_free(t);
}

static void test_gpt2_decode_roundtrip(void **state)
{
    (void)state;
    gorilla_tokenizer *t = gpt2_new();
    const int32_t ids[] = {267, 264, 0x0A, 0xC3, 0xA9, 269};
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(gorilla_tokenizer_decode(t, ids, 6, GORILLA_DECODE_STRIP_SPACE, &out, &n, NULL), GORILLA_OK);
    assert_string_equal(out, "hello world\n\xC3\xA9"); /* no space prefix to strip for gpt2 */
    free(out);
    static const char *const texts[] = {
        " leading", "model = torch.hub.load('pytorch/vision', 'resnet50')", "caf\xC3\xA9 \xF0\x9F\x98\x80\n\n",
        "tabs\tand\r\nCRLF  ", "I'm fine, they'll see",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) check_roundtrip(t, texts[i], strlen(texts[i]), 1);
    gorilla_tokenizer_free(t);
}

/* ------------------------------------------------------------------ */
/* Untrusted input                                                     */
/* ------------------------------------------------------------------ */

static void test_bad_vocab(void **state)
{
    (void)state;
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "llama";
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "empty"));
    assert_null(t);

    static const char *const bad[] = {"<unk>", "ok", "bad\xC3("};
    s.tokens = bad;
    s.n_tokens = 3;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "token 2 is not valid UTF-8"));

    static const char *const good[] = {"<unk>", "ok"};
    s.tokens = good;
    s.n_tokens = 2;
    s.bos_id = 2;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "bos id 2 is out of range"));
    s.bos_id = -1;

    const int32_t types[] = {2, 9};
    s.token_types = types;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "unknown type 9"));
    s.token_types = NULL;

    s.model = "t5";
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "'t5'"));
    s.model = NULL;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_INVALID);

    /* a NUL inside a token given with explicit lengths */
    s.model = "llama";
    const size_t lens[] = {5, 3};
    static const char *const nul[] = {"<unk>", "o\0k"};
    s.tokens = nul;
    s.token_lens = lens;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_PARSE);
    s.token_lens = NULL;

    /* gpt2 merges without a space */
    static const char *const m[] = {"ab"};
    s.model = "gpt2";
    s.tokens = good;
    s.merges = m;
    s.n_merges = 1;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "merge 0"));
    gorilla_tokenizer_free(NULL);
}

static void test_huge_text(void **state)
{
    (void)state;
    gorilla_tokenizer *t = spm_new(1, 1);
    /* over the limit: a clear error */
    size_t big = GORILLA_TOKENIZER_MAX_TEXT + 1;
    char *s = malloc(big);
    memset(s, 'a', big);
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    assert_int_equal(gorilla_tokenizer_encode(t, s, big, 1, 0, &ids, &n, &err), GORILLA_ERR_LIMIT);
    assert_null(ids);
    /* a large text in range: 200 000 x "hello world " */
    const char *unit = "hello world ";
    size_t ul = strlen(unit), reps = 200000;
    for (size_t i = 0; i < reps; i++) memcpy(s + i * ul, unit, ul);
    assert_int_equal(gorilla_tokenizer_encode(t, s, reps * ul, 0, 0, &ids, &n, &err), GORILLA_OK);
    /* ▁hello ▁world per unit, then the final trailing ▁ */
    assert_int_equal(n, 2 * reps + 1);
    assert_int_equal(ids[0], 304);
    assert_int_equal(ids[1], 309);
    assert_int_equal(ids[2 * reps - 1], 309);
    assert_int_equal(ids[2 * reps], 259);
    free(ids);
    free(s);
    gorilla_tokenizer_free(t);

    gorilla_tokenizer *g = gpt2_new();
    s = malloc(reps * ul);
    for (size_t i = 0; i < reps; i++) memcpy(s + i * ul, unit, ul);
    assert_int_equal(gorilla_tokenizer_encode(g, s, reps * ul, 0, 0, &ids, &n, &err), GORILLA_OK);
    /* hello, Ġworld, then " " + "hello" is "Ġ h e l l o": no Ġh merge -> Ġ hello */
    assert_int_equal(ids[0], 267);
    assert_int_equal(ids[1], 264);
    assert_int_equal(ids[2], ' ');
    assert_int_equal(ids[3], 267);
    assert_int_equal(n, 3 * reps); /* hello Ġworld, (Ġ hello Ġworld) x (reps-1), Ġ */
    free(ids);
    free(s);
    gorilla_tokenizer_free(g);
}

/* Random vocabularies and texts: ids stay in range, decoding succeeds. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_random_inputs(void **state)
{
    (void)state;
    static const char *const alphabet[] = {"a", "b", " ", SP, "\n", "\xC3\xA9", "<", ">", "\xE6\x97\xA5", "'"};
    uint64_t seed = 0x1234567;
    for (int round = 0; round < 30; round++) {
        int gpt2 = round % 2;
        vocab *v = calloc(1, sizeof *v);
        char *merges[64];
        size_t nm = 0;
        if (gpt2) {
            for (int b = 0; b < 256; b++) {
                char buf[8] = {0};
                gorilla_utf8_encode(b2u(b), buf);
                vocab_add(v, buf, 0, 1);
            }
        } else {
            spm_vocab(v, round % 4 != 0);
        }
        for (int i = 0; i < 40; i++) {
            char tok[64] = "", m[80];
            int len = 1 + (int)(rnd(&seed) % 4);
            char left[64] = "";
            for (int k = 0; k < len; k++) {
                if (k == len - 1) strcpy(left, tok);
                strcat(tok, alphabet[rnd(&seed) % 10]);
            }
            int ty = (int)(rnd(&seed) % 8 == 0 ? 3 + rnd(&seed) % 2 : 1);
            vocab_add(v, tok, -(float)(rnd(&seed) % 100), ty);
            if (gpt2 && len > 1 && nm < 64) {
                snprintf(m, sizeof m, "%s %s", left, tok + strlen(left));
                merges[nm++] = strdup(m);
            }
        }
        gorilla_tokenizer_spec s;
        gorilla_tokenizer_spec_init(&s);
        s.model = gpt2 ? "gpt2" : "llama";
        s.tokens = v->ptr;
        s.n_tokens = v->n;
        s.scores = v->score;
        s.token_types = v->type;
        s.merges = (const char *const *)merges;
        s.n_merges = nm;
        s.unk_id = gpt2 ? -1 : 0;
        gorilla_tokenizer *t = NULL;
        gorilla_error err = {0};
        gorilla_status st = gorilla_tokenizer_new(&s, &t, &err);
        /* merges of raw (not byte-mapped) text may contain a space inside a
         * part; those vocabularies may be refused, cleanly */
        if (st) {
            assert_int_equal(st, GORILLA_ERR_PARSE);
        } else {
            for (int k = 0; k < 50; k++) {
                char text[256];
                size_t len = rnd(&seed) % sizeof text;
                for (size_t i = 0; i < len; i++) text[i] = rnd(&seed) % 4 ? "ab <>'\n\xC3\xA9\xE6"[rnd(&seed) % 10] : (char)rnd(&seed);
                int32_t *ids = NULL;
                size_t n = 0;
                assert_int_equal(gorilla_tokenizer_encode(t, text, len, (int)(k & 1), (int)(k & 2), &ids, &n, &err), GORILLA_OK);
                for (size_t i = 0; i < n; i++) assert_true(ids[i] >= 0 && (size_t)ids[i] < v->n);
                char *out = NULL;
                size_t ol = 0;
                assert_int_equal(gorilla_tokenizer_decode(t, ids, n, GORILLA_DECODE_STRIP_SPACE, &out, &ol, &err), GORILLA_OK);
                free(out);
                free(ids);
            }
            gorilla_tokenizer_free(t);
        }
        for (size_t i = 0; i < nm; i++) free(merges[i]);
        vocab_free(v);
        free(v);
    }
}

/* ------------------------------------------------------------------ */
/* GGUF metadata                                                       */
/* ------------------------------------------------------------------ */

static void test_from_gguf(void **state)
{
    (void)state;
    vocab v;
    spm_vocab(&v, 1);
    gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_str(w, "general.architecture", "llama"), 0);
    assert_int_equal(gguf_writer_str(w, "tokenizer.ggml.model", "llama"), 0);
    assert_int_equal(gguf_writer_arr_str(w, "tokenizer.ggml.tokens", v.ptr, v.n), 0);
    assert_int_equal(gguf_writer_arr_f32(w, "tokenizer.ggml.scores", v.score, v.n), 0);
    assert_int_equal(gguf_writer_arr_i32(w, "tokenizer.ggml.token_type", v.type, v.n), 0);
    assert_int_equal(gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", 1), 0);
    assert_int_equal(gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", 2), 0);
    assert_int_equal(gguf_writer_u32(w, "tokenizer.ggml.unknown_token_id", 0), 0);
    assert_int_equal(gguf_writer_bool(w, "tokenizer.ggml.add_bos_token", 1), 0);
    assert_int_equal(gguf_writer_bool(w, "tokenizer.ggml.add_eos_token", 1), 0);
    char *path = test_write_temp("", 0);
    gorilla_error err = {0};
    if (gguf_writer_save(w, path, NULL, NULL, &err)) fail_msg("save: %s", err.message);
    gguf_writer_free(w);
    vocab_free(&v);

    gorilla_tokenizer *t = NULL;
    if (gorilla_tokenizer_load_gguf(path, &t, &err)) fail_msg("load: %s", err.message);
    CHECK(t, "hello world", 1, 0, 1, 304, 309, 2); /* add_eos_token */
    CHECK(t, "hello world", 0, 0, 304, 309);
    assert_true(gorilla_tokenizer_is_eog(t, 2));
    gorilla_tokenizer_free(t);
    unlink(path);
    free(path);

    /* mismatched scores length: a clear error naming the key */
    w = gguf_writer_new();
    static const char *const toks[] = {"a", "b"};
    const float one[] = {0};
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", toks, 2);
    gguf_writer_arr_f32(w, "tokenizer.ggml.scores", one, 1);
    path = test_write_temp("", 0);
    assert_int_equal(gguf_writer_save(w, path, NULL, NULL, &err), GORILLA_OK);
    gguf_writer_free(w);
    assert_int_equal(gorilla_tokenizer_load_gguf(path, &t, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "tokenizer.ggml.scores"));
    unlink(path);
    free(path);

    /* no tokenizer at all */
    w = gguf_writer_new();
    gguf_writer_str(w, "general.architecture", "llama");
    path = test_write_temp("", 0);
    assert_int_equal(gguf_writer_save(w, path, NULL, NULL, &err), GORILLA_OK);
    gguf_writer_free(w);
    assert_int_equal(gorilla_tokenizer_load_gguf(path, &t, &err), GORILLA_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "tokenizer.ggml.model"));
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spm_words),
        cmocka_unit_test(test_spm_spaces),
        cmocka_unit_test(test_spm_code_and_quotes),
        cmocka_unit_test(test_spm_non_ascii),
        cmocka_unit_test(test_spm_special),
        cmocka_unit_test(test_spm_decode),
        cmocka_unit_test(test_spm_roundtrip),
        cmocka_unit_test(test_spm_no_space_prefix),
        cmocka_unit_test(test_spm_inferred_types),
        cmocka_unit_test(test_gpt2_byte_map),
        cmocka_unit_test(test_gpt2_pretokenizer),
        cmocka_unit_test(test_gpt2_encode),
        cmocka_unit_test(test_gpt2_decode_roundtrip),
        cmocka_unit_test(test_bad_vocab),
        cmocka_unit_test(test_huge_text),
        cmocka_unit_test(test_random_inputs),
        cmocka_unit_test(test_from_gguf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
