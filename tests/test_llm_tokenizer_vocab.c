/* test_llm_tokenizer_vocab.c — the tokenizers on real vocabularies: every
 * ggml-vocab-*.gguf of ../shared/models/vocab (or $GORILLA_MODELS/vocab)
 * against llama.cpp's expected ids for its test texts (.inp/.out); skipped
 * when the files are absent. Also the pre-tokenizer rules one by one, the
 * unknown-pre-tokenizer error, and WordPiece on a small hand-made vocab. */
#include "testutil.h"

#include <dirent.h>

#include "llm/gguf/gguf_write.h"
#include "llm/tokenizer/pretokenize.h"
#include "llm/tokenizer/tokenizer.h"

#define SP "\xE2\x96\x81" /* ▁ */

static const char *vocab_dir(void)
{
    static char buf[4096];
    const char *m = getenv("GORILLA_MODELS");
    snprintf(buf, sizeof buf, "%s/vocab", m && *m ? m : "../shared/models");
    DIR *d = opendir(buf);
    if (!d) return NULL;
    closedir(d);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
        }
        size_t r = fread(b + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    b[n] = 0;
    *len = n;
    return b;
}

/* Runs one vocabulary's test texts; returns the number of texts and sets
 * *exact to the number whose ids equal llama.cpp's. */
static size_t run_vocab(const char *dir, const char *name, size_t *exact)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    if (gorilla_tokenizer_load_gguf(path, &t, &err)) fail_msg("%s: %s", name, err.message);
    size_t il, ol;
    snprintf(path, sizeof path, "%s/%s.inp", dir, name);
    char *inp = slurp(path, &il);
    snprintf(path, sizeof path, "%s/%s.out", dir, name);
    char *out = slurp(path, &ol);
    assert_non_null(inp);
    assert_non_null(out);
    static const char SEP[] = "\n__ggml_vocab_test__\n";
    size_t n = 0;
    *exact = 0;
    char *text = inp, *line = out;
    for (;;) {
        char *end = strstr(text, SEP);
        if (!end) break;
        char *nl = strchr(line, '\n');
        if (!nl) fail_msg("%s: fewer .out lines than texts", name);
        *nl = 0;
        int32_t *ids = NULL;
        size_t nid = 0;
        if (gorilla_tokenizer_encode(t, text, (size_t)(end - text), 0, 0, &ids, &nid, &err))
            fail_msg("%s text %zu: %s", name, n, err.message);
        size_t k = 0;
        int same = 1;
        for (char *p = line; *p;) {
            char *q;
            long v = strtol(p, &q, 10);
            if (q == p) break;
            if (k >= nid || ids[k] != v) same = 0;
            k++;
            p = q;
        }
        if (k != nid) same = 0;
        if (same) (*exact)++;
        else printf("    %s: text %zu differs: '%.40s'\n", name, n, text);
        free(ids);
        n++;
        text = end + sizeof SEP - 1;
        line = nl + 1;
    }
    free(inp);
    free(out);
    gorilla_tokenizer_free(t);
    return n;
}

static void test_vocab_files_exact(void **state)
{
    (void)state;
    const char *dir = vocab_dir();
    if (!dir) {
        printf("[ SKIPPED  ] test_vocab_files_exact: no ../shared/models/vocab (set GORILLA_MODELS)\n");
        skip();
    }
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[64];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 64) {
        size_t l = strlen(e->d_name);
        if (l > 9 && strcmp(e->d_name + l - 9, ".gguf.inp") == 0 && strncmp(e->d_name, "ggml-vocab-", 11) == 0) {
            names[nn] = strdup(e->d_name);
            names[nn][l - 4] = 0;
            nn++;
        }
    }
    closedir(d);
    size_t total = 0, total_exact = 0;
    for (size_t i = 0; i < nn; i++) {
        size_t exact;
        size_t n = run_vocab(dir, names[i], &exact);
        printf("    %-34s %3zu texts, %3zu exact\n", names[i], n, exact);
        assert_true(n >= 40);
        total += n;
        total_exact += exact;
        free(names[i]);
    }
    /* the ten vocabularies with test texts (README of ../shared/models) */
    assert_true(nn >= 10);
    assert_int_equal(total_exact, total);
}

/* Every vocabulary file loads, with the pre-tokenizer llama.cpp would pick. */
static void test_vocab_files_load(void **state)
{
    (void)state;
    const char *dir = vocab_dir();
    if (!dir) {
        printf("[ SKIPPED  ] test_vocab_files_load: no ../shared/models/vocab\n");
        skip();
    }
    static const struct {
        const char *file, *pre;
        int kind;
    } want[] = {
        {"ggml-vocab-gpt-neox.gguf", "default", GORILLA_TOKENIZER_GPT2}, /* no tokenizer.ggml.pre */
        {"ggml-vocab-mpt.gguf", "gpt2", GORILLA_TOKENIZER_GPT2},
        {"ggml-vocab-falcon.gguf", "falcon", GORILLA_TOKENIZER_GPT2},
        {"ggml-vocab-deepseek-coder.gguf", "deepseek-coder", GORILLA_TOKENIZER_GPT2},
        {"ggml-vocab-deepseek-llm.gguf", "deepseek-llm", GORILLA_TOKENIZER_GPT2},
        {"ggml-vocab-refact.gguf", "starcoder", GORILLA_TOKENIZER_GPT2},
        {"ggml-vocab-baichuan.gguf", NULL, GORILLA_TOKENIZER_LLAMA},
        {"ggml-vocab-bert-bge.gguf", NULL, GORILLA_TOKENIZER_BERT},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, want[i].file);
        gorilla_tokenizer *t = NULL;
        gorilla_error err = {0};
        if (gorilla_tokenizer_load_gguf(path, &t, &err)) fail_msg("%s: %s", want[i].file, err.message);
        assert_int_equal(gorilla_tokenizer_get_kind(t), want[i].kind);
        const char *pre = gorilla_tokenizer_pre_name(t);
        if (want[i].pre) assert_string_equal(pre, want[i].pre);
        else assert_null(pre);
        gorilla_tokenizer_free(t);
    }
    /* ids as llama.cpp (node-llama-cpp 3.22.1) gives them, for the files
     * without test texts and for phi-3's </s>, which llama.cpp turns into a
     * control token (text here, without parse_special) */
    static const struct {
        const char *file, *text;
        int32_t ids[12];
        size_t n;
    } cases[] = {
        /* default pre-tokenizer: punctuation runs apart, digits by three */
        {"ggml-vocab-gpt-neox.gguf", "x = 12345", {89, 209, 30, 209, 10683, 1857}, 6},
        {"ggml-vocab-gpt-neox.gguf", "def f(a, b): return a+b", {1545, 269, 9, 66, 13, 270, 2262, 1091, 247, 12, 67}, 11},
        {"ggml-vocab-gpt-neox.gguf", "x</s> y", {89, 870, 84, 31, 340}, 5},
        {"ggml-vocab-phi-3.gguf", "x</s> y", {921, 829, 29879, 29958, 343}, 5},
        {"ggml-vocab-baichuan.gguf", "x = 12345", {2759, 1147, 31106, 53, 54, 55, 56, 57}, 8},
        {"ggml-vocab-baichuan.gguf", "x</s> y", {2759, 2154, 31114, 31219, 721}, 5},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, cases[c].file);
        gorilla_tokenizer *t = NULL;
        assert_int_equal(gorilla_tokenizer_load_gguf(path, &t, NULL), GORILLA_OK);
        int32_t *ids = NULL;
        size_t n = 0;
        assert_int_equal(gorilla_tokenizer_encode(t, cases[c].text, strlen(cases[c].text), 0, 0, &ids, &n, NULL),
                         GORILLA_OK);
        int same = n == cases[c].n;
        for (size_t i = 0; same && i < n; i++) same = ids[i] == cases[c].ids[i];
        if (!same) fail_msg("%s: '%s' differs from llama.cpp's ids", cases[c].file, cases[c].text);
        free(ids);
        gorilla_tokenizer_free(t);
    }
}

/* ------------------------------------------------------------------ */
/* Pre-tokenizer rules                                                 */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *pre, *text;
    const char *parts[16];
} split_case;

static void test_pretok_rules(void **state)
{
    (void)state;
    static const split_case cases[] = {
        /* ½ is \p{N} (No): deepseek-coder and starcoder isolate it */
        {"deepseek-coder", "ied 4 \xC2\xBD months", {"ied", " ", "4", " ", "\xC2\xBD", " months", NULL}},
        {"starcoder", "ied 4 \xC2\xBD months", {"ied", " ", "4", " ", "\xC2\xBD", " months", NULL}},
        {"gpt-2", "ied 4 \xC2\xBD months", {"ied", " 4", " \xC2\xBD", " months", NULL}},
        {"deepseek-llm", "ied 4 \xC2\xBD months", {"ied", " ", "4", " ", "\xC2\xBD", " months", NULL}},
        /* digits: llama3 by three from the left, qwen2 one by one, falcon
         * and default by three after the GPT-2 split */
        {"llama-bpe", "a 12345", {"a", " ", "123", "45", NULL}},
        {"qwen2", "a 123", {"a", " ", "1", "2", "3", NULL}},
        {"falcon", "3333", {"333", "3", NULL}},
        {"default", "x 12345", {"x", " ", "123", "45", NULL}},
        /* punctuation runs first (falcon, default) */
        {"falcon", "\n =", {"\n ", "=", NULL}},
        {"default", "f(a, b)", {"f", "(", "a", ",", " b", ")", NULL}},
        /* llama3: case-insensitive contractions, newlines kept with spaces */
        {"llama3", "I'M here\n\n  x", {"I", "'M", " here", "\n\n", " ", " x", NULL}},
        /* U+0085 and U+3000 are whitespace (White_Space) */
        {"gpt-2", "a\xC2\x85\xC2\x85" "b", {"a", "\xC2\x85", "\xC2\x85", "b", NULL}},
        /* full Unicode letters: Devanagari and Cyrillic are \p{L} */
        {"gpt-2", " \xD0\xBC\xD0\xB8\xD1\x80!", {" \xD0\xBC\xD0\xB8\xD1\x80", "!", NULL}},
        {"deepseek-coder", "\xE4\xBD\xA0\xE5\xA5\xBD, a", {"\xE4\xBD\xA0\xE5\xA5\xBD", ",", " a", NULL}},
    };
    gorilla_pretok_ws ws = {0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gorilla_pretok *p = NULL;
        assert_int_equal(gorilla_pretok_new(cases[c].pre, &p, NULL), GORILLA_OK);
        const char *s = cases[c].text;
        const gorilla_span *w;
        size_t nw, k = 0;
        assert_int_equal(gorilla_pretok_split(p, &ws, s, strlen(s), &w, &nw), 0);
        for (; k < nw; k++) {
            const char *want = cases[c].parts[k];
            if (!want) fail_msg("case %zu (%s): extra part '%.*s'", c, cases[c].pre, (int)w[k].len, s + w[k].off);
            if (strlen(want) != w[k].len || memcmp(want, s + w[k].off, w[k].len) != 0)
                fail_msg("case %zu (%s) part %zu: got '%.*s' want '%s'", c, cases[c].pre, k, (int)w[k].len,
                         s + w[k].off, want);
        }
        if (cases[c].parts[k]) fail_msg("case %zu (%s): missing part '%s'", c, cases[c].pre, cases[c].parts[k]);
        gorilla_pretok_free(p);
    }
    gorilla_pretok_ws_free(&ws);
}

static void test_pretok_unknown(void **state)
{
    (void)state;
    gorilla_pretok *p = NULL;
    gorilla_error err = {0};
    assert_int_equal(gorilla_pretok_new("gpt-neox", &p, &err), GORILLA_ERR_UNSUPPORTED);
    assert_null(p);
    assert_non_null(strstr(err.message, "'gpt-neox'"));
    assert_int_equal(gorilla_pretok_new("gpt", &p, &err), GORILLA_ERR_UNSUPPORTED); /* no prefix match */
    assert_int_equal(gorilla_pretok_new("2;gpt", &p, &err), GORILLA_ERR_UNSUPPORTED);

    /* through a GGUF file: the error names the file and the value */
    static const char *const toks[] = {"a", "b", "ab"};
    static const char *const merges[] = {"a b"};
    gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_str(w, "tokenizer.ggml.model", "gpt2"), 0);
    assert_int_equal(gguf_writer_str(w, "tokenizer.ggml.pre", "my-new-pre"), 0);
    assert_int_equal(gguf_writer_arr_str(w, "tokenizer.ggml.tokens", toks, 3), 0);
    assert_int_equal(gguf_writer_arr_str(w, "tokenizer.ggml.merges", merges, 1), 0);
    char *path = test_write_temp("", 0);
    if (gguf_writer_save(w, path, NULL, NULL, &err)) fail_msg("save: %s", err.message);
    gguf_writer_free(w);
    gorilla_tokenizer *t = NULL;
    assert_int_equal(gorilla_tokenizer_load_gguf(path, &t, &err), GORILLA_ERR_UNSUPPORTED);
    assert_null(t);
    assert_non_null(strstr(err.message, "'my-new-pre'"));
    assert_non_null(strstr(err.message, path));
    unlink(path);
    free(path);
}

/* ------------------------------------------------------------------ */
/* WordPiece                                                           */
/* ------------------------------------------------------------------ */

static void check_ids(const gorilla_tokenizer *t, const char *text, const int32_t *want, size_t nw)
{
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    if (gorilla_tokenizer_encode(t, text, strlen(text), 0, 0, &ids, &n, &err)) fail_msg("%s", err.message);
    int same = n == nw;
    for (size_t i = 0; same && i < n; i++) same = ids[i] == want[i];
    if (!same) {
        char buf[512] = "";
        for (size_t i = 0; i < n && strlen(buf) < 480; i++) snprintf(buf + strlen(buf), 16, " %d", ids[i]);
        fail_msg("'%s': got%s", text, buf);
    }
    free(ids);
}
#define IDS(t, text, ...)                                                                          \
    do {                                                                                           \
        static const int32_t w_[] = {__VA_ARGS__};                                                 \
        check_ids(t, text, w_, sizeof w_ / sizeof w_[0]);                                          \
    } while (0)

static void test_wordpiece(void **state)
{
    (void)state;
    static const char *const toks[] = {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", SP "hello", SP "world", "s", SP ",", SP "!", SP "fuhrer", /* 0-9 */
        SP "\xE6\x97\xA5", SP "\xE6\x9C\xAC", SP "un", "aff", "able", SP "$", SP "a", "b", SP "caf", "e", /* 10-19 */
    };
    static const int32_t types[] = {3, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "bert";
    s.tokens = toks;
    s.n_tokens = 20;
    s.token_types = types;
    s.unk_id = 1;
    s.bos_id = 2;
    s.eos_id = 3;
    gorilla_tokenizer *t = NULL;
    assert_int_equal(gorilla_tokenizer_new(&s, &t, NULL), GORILLA_OK);
    assert_int_equal(gorilla_tokenizer_get_kind(t), GORILLA_TOKENIZER_BERT);
    /* lowercase, punctuation split, continuation "s" */
    IDS(t, "Hello, worlds!", 4, 7, 5, 6, 8);
    /* accents stripped through NFD, CJK one ideograph a word */
    IDS(t, "F\xC3\xBChrer \xE6\x97\xA5\xE6\x9C\xAC", 9, 10, 11);
    /* greedy longest match; an unmatchable word is [UNK] as a whole */
    IDS(t, "unaffable xyz", 12, 13, 14, 1);
    /* ASCII symbols are words; control characters vanish without ending a word */
    IDS(t, "$a\x01" "b \t\n", 15, 16, 17);
    IDS(t, "caf\xC3\xA9", 18, 19);
    IDS(t, "   ");
    /* add_special: [CLS] ... [SEP] */
    int32_t *ids = NULL;
    size_t n = 0;
    assert_int_equal(gorilla_tokenizer_encode(t, "hello", 5, 1, 0, &ids, &n, NULL), GORILLA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 4);
    assert_int_equal(ids[2], 3);
    char *out = NULL;
    assert_int_equal(gorilla_tokenizer_decode(t, ids, n, GORILLA_DECODE_STRIP_SPACE, &out, NULL, NULL), GORILLA_OK);
    assert_string_equal(out, "hello");
    free(out);
    free(ids);
    /* invalid UTF-8 is dropped, never a crash */
    IDS(t, "hel\xFFlo", 4);
    gorilla_tokenizer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_files_exact), cmocka_unit_test(test_vocab_files_load),
        cmocka_unit_test(test_pretok_rules),      cmocka_unit_test(test_pretok_unknown),
        cmocka_unit_test(test_wordpiece),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
