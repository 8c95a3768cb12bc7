/* fuzz_call_constraint.c — libFuzzer target for the store constraint: the
 * input is a list of calls (lines, up to the first NUL byte) and a model
 * output (the rest). The calls' spellings (call_variants), the constraint
 * built over them (gorilla_call_constraint_new), its state on the text and
 * its filter on a vocabulary that spells every byte must never crash or
 * loop; a filter either succeeds, leaving each logit as it was or at -inf,
 * or fails with a message. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/call_variants.h"
#include "gorilla/decode.h"
#include "llm/tokenizer/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* SentencePiece with every byte (<0x00>..<0xFF>) and a few call pieces */
static gorilla_tokenizer *vocab(void)
{
    static const char *const pieces[] = {"torch", ".hub", ".load", "('", "',", " '", "pipeline", "model",
                                         " =", "=", "hub", "True", ")", "\xE2\x96\x81", "\xE2\x96\x81model"};
    enum { NP = sizeof pieces / sizeof *pieces, N = 3 + 256 + NP };
    static char bytes[256][8];
    static const char *toks[N];
    static float sc[N];
    static int32_t ty[N];
    toks[0] = "<unk>", toks[1] = "<s>", toks[2] = "</s>";
    ty[0] = 2, ty[1] = 3, ty[2] = 3;
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        toks[3 + b] = bytes[b];
        ty[3 + b] = 6;
    }
    for (int i = 0; i < NP; i++) {
        toks[3 + 256 + i] = pieces[i];
        ty[3 + 256 + i] = 1;
        sc[3 + 256 + i] = -(float)i;
    }
    gorilla_tokenizer_spec s;
    gorilla_tokenizer_spec_init(&s);
    s.model = "llama";
    s.tokens = toks;
    s.n_tokens = N;
    s.scores = sc;
    s.token_types = ty;
    s.unk_id = 0;
    s.bos_id = 1;
    s.eos_id = 2;
    gorilla_tokenizer *t = NULL;
    gorilla_error err;
    if (gorilla_tokenizer_new(&s, &t, &err) != GORILLA_OK) abort();
    return t;
}

static int count(void *user, const char *s, size_t n)
{
    (void)s;
    if (n == 0) abort();
    return ++*(int *)user > 64; /* at most 1 + 32 spellings */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gorilla_tokenizer *tok;
    if (!tok) tok = vocab();
    const uint8_t *nul = memchr(data, 0, size);
    size_t head = nul ? (size_t)(nul - data) : size;
    const char *text = nul ? (const char *)nul + 1 : "";
    size_t text_len = nul ? size - head - 1 : 0;

    char *buf = malloc(head + 1);
    if (!buf) return 0;
    memcpy(buf, data, head);
    buf[head] = 0;
    const char *calls[32];
    size_t n_calls = 0;
    for (char *p = buf, *nl; p && n_calls < 32; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = 0;
        calls[n_calls++] = p;
        int spellings = 0; /* the constraint passes only non-empty calls */
        if (*p && (call_variants(p, strlen(p), count, &spellings) > 0 || spellings > 33)) abort();
    }
    gorilla_call_constraint *c = NULL;
    gorilla_error err;
    err.message[0] = 0;
    unsigned flags = head && (data[0] & 1) ? GORILLA_CONSTRAIN_AT_START : 0;
    if (gorilla_call_constraint_new(tok, calls, n_calls, flags, &c, &err) != GORILLA_OK) {
        if (c || !err.message[0]) abort();
        free(buf);
        return 0;
    }
    size_t start = 0;
    int st = gorilla_call_constraint_state(c, text, text_len, &start);
    if (st < 0 || st > 2 || (st && start > text_len)) abort();
    size_t V = gorilla_tokenizer_n_vocab(tok);
    float logits[3 + 256 + 16];
    for (size_t t = 0; t < V; t++) logits[t] = (float)(t % 7);
    err.message[0] = 0;
    if (gorilla_call_constraint_filter(c, NULL, 0, text, text_len, logits, V, &err) == GORILLA_OK) {
        for (size_t t = 0; t < V; t++)
            if (logits[t] != (float)(t % 7) && logits[t] != -INFINITY) abort();
    } else if (!err.message[0]) {
        abort();
    }
    gorilla_call_constraint_free(c);
    free(buf);
    return 0;
}
