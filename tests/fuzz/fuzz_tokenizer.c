/* fuzz_tokenizer.c — libFuzzer target for the tokenizers: the input is a
 * GGUF image whose tokenizer.ggml.* metadata builds a tokenizer (first byte
 * odd), or a text (first byte even) for small fixed vocabularies: SPM, a
 * byte-level BPE one under the pre-tokenizer picked by the first byte, and
 * WordPiece; every pre-tokenizer must also cut the text (when valid UTF-8)
 * into non-empty words that cover it exactly.
 * Build: clang -fsanitize=fuzzer,address -Iinclude -Isrc tests/fuzz/fuzz_tokenizer.c libgorilla.a ... */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf/gguf.h"
#include "llm/tokenizer/pretokenize.h"
#include "llm/tokenizer/tokenizer.h"

static const char *const PRE[] = {"default", "gpt-2", "llama-bpe", "qwen2", "deepseek-coder",
                                  "deepseek-llm", "falcon", "starcoder"};
#define N_PRE (sizeof PRE / sizeof PRE[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const gorilla_tokenizer *t, const char *text, size_t len)
{
    gorilla_error err;
    for (int mode = 0; mode < 4; mode++) {
        int32_t *ids = NULL;
        size_t n = 0;
        if (gorilla_tokenizer_encode(t, text, len, mode & 1, mode & 2, &ids, &n, &err) != GORILLA_OK) continue;
        for (size_t i = 0; i < n; i++)
            if (ids[i] < 0 || (size_t)ids[i] >= gorilla_tokenizer_n_vocab(t)) abort();
        char *out = NULL;
        size_t ol = 0;
        if (gorilla_tokenizer_decode(t, ids, n, mode, &out, &ol, &err) != GORILLA_OK) abort();
        free(out);
        free(ids);
    }
}

static gorilla_tokenizer *bert_vocab(void)
{
    static const char *const toks[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "\xE2\x96\x81" "a", "b", "\xE2\x96\x81" ",",
                                       "\xE2\x96\x81" "\xE6\x97\xA5", "ab", "\xE2\x96\x81" "e"};
    static const int32_t ty[] = {3, 1, 3, 3, 1, 1, 1, 1, 1, 1};
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "bert";
    s.tokens = toks;
    s.n_tokens = 10;
    s.token_types = ty;
    s.unk_id = 1;
    s.bos_id = 2;
    s.eos_id = 3;
    gorilla_tokenizer *t = NULL;
    gorilla_error err;
    if (gorilla_tokenizer_new(&s, &t, &err) != GORILLA_OK) abort();
    return t;
}

/* Every pre-tokenizer cuts valid UTF-8 into non-empty, contiguous words. */
static void check_split(const char *text, size_t len)
{
    static gorilla_pretok *pre[N_PRE];
    static gorilla_pretok_ws ws;
    if (!gorilla_utf8_valid(text, len)) return;
    for (size_t i = 0; i < N_PRE; i++) {
        if (!pre[i] && gorilla_pretok_new(PRE[i], &pre[i], NULL) != GORILLA_OK) abort();
        const gorilla_span *w;
        size_t nw, at = 0;
        if (gorilla_pretok_split(pre[i], &ws, text, len, &w, &nw) != 0) continue; /* out of memory */
        for (size_t k = 0; k < nw; k++) {
            if (w[k].off != at || w[k].len == 0) abort();
            at += w[k].len;
        }
        if (at != len) abort();
    }
}

static gorilla_tokenizer *fixed(int gpt2, const char *pre)
{
    static const char *const spm[] = {"<unk>", "<s>", "</s>", "<0x0A>", "<0xC3>", "<0xA9>", "\xE2\x96\x81",
                                      "a", "b", ("\xE2\x96\x81" "a"), "ab", "<tool>"};
    static const float sc[] = {0, 0, 0, 0, 0, 0, -1, -1, -1, -2, -3, 0};
    static const int32_t ty[] = {2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 4};
    static const char *const bpe[] = {"a", "b", "\xC4\xA0", "\xC4\x8A", "ab", ("\xC4\xA0" "a"), "<|endoftext|>"};
    static const int32_t bty[] = {1, 1, 1, 1, 1, 1, 3};
    static const char *const merges[] = {"a b", "\xC4\xA0 a"};
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    if (gpt2) {
        s.model = "gpt2";
        s.tokens = bpe;
        s.n_tokens = 7;
        s.token_types = bty;
        s.merges = merges;
        s.n_merges = 2;
        s.eos_id = 6;
    } else {
        s.model = "llama";
        s.tokens = spm;
        s.n_tokens = 12;
        s.scores = sc;
        s.token_types = ty;
        s.unk_id = 0;
        s.bos_id = 1;
        s.eos_id = 2;
    }
    gorilla_tokenizer *t = NULL;
    gorilla_error err;
    if (gorilla_tokenizer_new_pre(&s, pre, &t, &err) != GORILLA_OK) abort();
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    if (data[0] & 1) {
        gguf_file *f = NULL;
        gorilla_error err;
        if (gguf_open_buffer("fuzz.gguf", data + 1, size - 1, &f, &err) != GORILLA_OK) return 0;
        gorilla_tokenizer *t = NULL;
        if (gorilla_tokenizer_from_gguf(f, &t, &err) == GORILLA_OK) {
            exercise(t, "hello world\n<s> caf\xC3\xA9", 22);
            gorilla_tokenizer_free(t);
        }
        gguf_close(f);
        return 0;
    }
    static gorilla_tokenizer *spm, *bpe[N_PRE], *bert;
    if (!spm) spm = fixed(0, NULL);
    if (!bert) bert = bert_vocab();
    size_t p = (size_t)(data[0] >> 1) % N_PRE;
    if (!bpe[p]) bpe[p] = fixed(1, PRE[p]);
    const char *text = (const char *)data + 1;
    exercise(spm, text, size - 1);
    exercise(bpe[p], text, size - 1);
    exercise(bert, text, size - 1);
    check_split(text, size - 1);
    return 0;
}
