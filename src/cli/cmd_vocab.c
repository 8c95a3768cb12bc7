/* cmd_vocab.c — `gorilla vocab train`: a byte-level BPE vocabulary learned on
 * training text, written as a GGUF vocabulary, and checked against our
 * tokenizer on held-out text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla vocab train [--vocab-size N] [--min-frequency F] [--holdout-every K]\n"
    "                           [--name NAME] -o VOCAB.gguf FILE...\n"
    "\n"
    "Learns a byte-level BPE vocabulary (GPT-2 scheme: GPT-2 pre-tokenizer regex,\n"
    "bytes as the first 256 tokens, most frequent pair merged first) of N tokens\n"
    "(default 4096, \"<s>\" and \"</s>\" included) on the text of FILEs: conversation\n"
    "files (.json / .jsonl, as `gorilla dataset build` writes them: each user and\n"
    "assistant turn is a text) or plain text (any other name: the whole file).\n"
    "Every K-th text (default 20; 0: none) is held out; the vocabulary is written\n"
    "as a GGUF (tokenizer.ggml.model gpt2) and our tokenizer, loaded from it,\n"
    "must encode every held-out text exactly as the training's encoder does.\n"
    "\n"
    "example: gorilla vocab train --vocab-size 4096 -o vocab.gguf gorilla_th.json\n";

typedef struct {
    char **t;
    size_t *len;
    size_t n, cap;
} texts;

static int texts_add(texts *x, const char *s, size_t n)
{
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 256;
        char **g = realloc(x->t, nc * sizeof *g);
        if (!g) return -1;
        x->t = g;
        size_t *gl = realloc(x->len, nc * sizeof *gl);
        if (!gl) return -1;
        x->len = gl;
        x->cap = nc;
    }
    x->t[x->n] = malloc(n + 1);
    if (!x->t[x->n]) return -1;
    memcpy(x->t[x->n], s, n);
    x->t[x->n][n] = '\0';
    x->len[x->n++] = n;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int load_texts(const char *path, texts *x, gorilla_error *err)
{
    if (ends_with(path, ".json") || ends_with(path, ".jsonl")) {
        gorilla_convset *cs = NULL;
        if (gorilla_convset_new(&cs, err) != GORILLA_OK || gorilla_convset_load(cs, path, err) != GORILLA_OK) {
            gorilla_convset_free(cs);
            return -1;
        }
        int bad = 0;
        for (size_t i = 0; i < gorilla_convset_count(cs) && !bad; i++) {
            const gorilla_conversation *c = gorilla_convset_get(cs, i);
            bad = texts_add(x, c->human, strlen(c->human)) || texts_add(x, c->gpt, strlen(c->gpt));
        }
        gorilla_convset_free(cs);
        if (bad) snprintf(err->message, sizeof err->message, "out of memory");
        return bad ? -1 : 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->message, sizeof err->message, "%s: cannot open", path);
        return -1;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0, r;
    char chunk[65536];
    int bad = 0;
    while (!bad && (r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + r > cap) {
            size_t nc = cap ? cap * 2 : 65536;
            while (nc < n + r) nc *= 2;
            char *g = realloc(buf, nc);
            if (!g) bad = 1;
            else buf = g, cap = nc;
        }
        if (!bad) memcpy(buf + n, chunk, r), n += r;
    }
    bad |= ferror(f);
    fclose(f);
    /* one text per paragraph (blank-line separated), so that hold-out has units */
    for (size_t s = 0; !bad && s < n;) {
        size_t e = s;
        while (e < n && !(buf[e] == '\n' && e + 1 < n && buf[e + 1] == '\n')) e++;
        if (e > s) bad = texts_add(x, buf + s, e - s);
        s = e + 2;
    }
    free(buf);
    if (bad) snprintf(err->message, sizeof err->message, "%s: read error or out of memory", path);
    return bad ? -1 : 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cmd_vocab(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "train") != 0) return cli_usage_error("vocab", "unknown subcommand '%s' (train)", argv[1]);
    long vocab = 4096, minf = 2, every = 20;
    const char *out = NULL, *name = NULL;
    const char *files[64];
    size_t n_files = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (n_files == 64) return cli_usage_error("vocab", "at most 64 files");
            files[n_files++] = a;
            continue;
        }
        if (!v) return cli_usage_error("vocab", "%s needs a value", a);
        i++;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) out = v;
        else if (strcmp(a, "--name") == 0) name = v;
        else if (strcmp(a, "--vocab-size") == 0) {
            if (cli_parse_long(v, 256 + GORILLA_BPE_N_SPECIAL, 1000000, &vocab) != 0)
                return cli_usage_error("vocab", "--vocab-size needs a number in %d..1000000", 256 + GORILLA_BPE_N_SPECIAL);
        } else if (strcmp(a, "--min-frequency") == 0) {
            if (cli_parse_long(v, 1, 1000000000L, &minf) != 0) return cli_usage_error("vocab", "--min-frequency needs a number >= 1");
        } else if (strcmp(a, "--holdout-every") == 0) {
            if (cli_parse_long(v, 0, 1000000, &every) != 0 || every == 1)
                return cli_usage_error("vocab", "--holdout-every needs 0 or a number >= 2");
        } else return cli_usage_error("vocab", "unknown flag '%s'", a);
    }
    if (!out) return cli_usage_error("vocab", "-o VOCAB.gguf is required");
    if (!n_files) return cli_usage_error("vocab", "no training text (give FILEs)");
    gorilla_error err = {0};
    texts x = {0};
    int rc = 0;
    for (size_t i = 0; i < n_files && rc == 0; i++)
        if (load_texts(files[i], &x, &err) != 0) rc = cli_fail("vocab", &err);
    gorilla_bpe *b = NULL;
    gorilla_tokenizer *tok = NULL;
    size_t trained_bytes = 0, held = 0;
    double t0 = now_s(), t1 = t0;
    if (rc == 0 && gorilla_bpe_new(&b, &err) != GORILLA_OK) rc = cli_fail("vocab", &err);
    for (size_t i = 0; rc == 0 && i < x.n; i++) {
        if (every && i % (size_t)every == (size_t)every - 1) {
            held++;
            continue;
        }
        trained_bytes += x.len[i];
        if (gorilla_bpe_add_text(b, x.t[i], x.len[i], &err) != GORILLA_OK) rc = cli_fail("vocab", &err);
    }
    if (rc == 0 && gorilla_bpe_train(b, (size_t)vocab, (uint64_t)minf, &err) != GORILLA_OK) rc = cli_fail("vocab", &err);
    if (rc == 0) t1 = now_s();
    if (rc == 0 && gorilla_bpe_save_gguf(b, out, name, &err) != GORILLA_OK) rc = cli_fail("vocab", &err);
    if (rc == 0) {
        printf("%s: %zu tokens (%zu merges) learned on %zu texts, %zu bytes, in %.2f s\n", out, gorilla_bpe_n_vocab(b),
               gorilla_bpe_n_merges(b), x.n - held, trained_bytes, t1 - t0);
        if (gorilla_tokenizer_load_gguf(out, &tok, &err) != GORILLA_OK) rc = cli_fail("vocab", &err);
    }
    size_t same = 0, tokens = 0, bytes = 0;
    for (size_t i = 0; rc == 0 && every && i < x.n; i++) {
        if (i % (size_t)every != (size_t)every - 1) continue;
        int32_t *a = NULL, *c = NULL;
        size_t na = 0, nc = 0;
        if (gorilla_bpe_encode(b, x.t[i], x.len[i], &a, &na, &err) != GORILLA_OK ||
            gorilla_tokenizer_encode(tok, x.t[i], x.len[i], 0, 0, &c, &nc, &err) != GORILLA_OK) {
            rc = cli_fail("vocab", &err);
        } else {
            same += na == nc && (na == 0 || memcmp(a, c, na * sizeof *a) == 0);
            tokens += na;
            bytes += x.len[i];
        }
        free(a);
        free(c);
    }
    if (rc == 0 && held) {
        printf("held out %zu texts, %zu bytes: %zu tokens (%.2f bytes/token); our tokenizer = training encoder on "
               "%zu/%zu\n",
               held, bytes, tokens, tokens ? (double)bytes / (double)tokens : 0.0, same, held);
        if (same != held) {
            fprintf(stderr, "gorilla vocab: our tokenizer differs from the training's encoder on %zu held-out texts\n",
                    held - same);
            rc = 1;
        }
    }
    gorilla_tokenizer_free(tok);
    gorilla_bpe_free(b);
    for (size_t i = 0; i < x.n; i++) free(x.t[i]);
    free(x.t);
    free(x.len);
    return rc;
}
