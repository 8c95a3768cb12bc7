/* cmd_tokenize.c — `gorilla tokenize`: a GGUF model's tokenizer on a text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla tokenize -m MODEL.gguf (-p TEXT | -f FILE) [--json] [--no-bos] [--parse-special]\n"
    "\n"
    "Tokenizes a text with the model's own vocabulary (tokenizer.ggml.* metadata;\n"
    "SentencePiece \"llama\" or byte-level BPE \"gpt2\"), as llama.cpp does.\n"
    "\n"
    "  -m, --model FILE   the GGUF model\n"
    "  -p, --prompt TEXT  the text to tokenize\n"
    "  -f, --file FILE    read the text from a file instead\n"
    "  --json             print a JSON list of ids\n"
    "  --no-bos           do not add BOS (default: as the model says)\n"
    "  --parse-special    text like \"<s>\" becomes the control token\n"
    "\n"
    "Output: one line per token, `ID -> 'PIECE'` (control tokens as their text;\n"
    "bytes other than printable ASCII and UTF-8 escaped as \\n, \\t, \\xNN).\n"
    "\n"
    "example: gorilla tokenize -m model.gguf -p 'Hello world'\n";

static void print_piece(FILE *f, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c == '\\') fputs("\\\\", f);
        else if (c == '\'') fputs("\\'", f);
        else if (c < 0x20 || c == 0x7F) fprintf(f, "\\x%02X", c);
        else fputc(c, f);
    }
}

static char *read_file(const char *path, size_t *len, gorilla_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->message, sizeof err->message, "%s: cannot open", path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    const char *why = NULL;
    for (;;) {
        if (!buf) {
            why = "out of memory";
            break;
        }
        if (n == cap) {
            if (cap > GORILLA_TOKENIZER_MAX_TEXT) {
                why = "too long to tokenize";
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                why = "out of memory";
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    if (!why && ferror(f)) why = "read error";
    fclose(f);
    if (why) {
        free(buf);
        snprintf(err->message, sizeof err->message, "%s: %s", path, why);
        return NULL;
    }
    *len = n;
    return buf;
}

int cmd_tokenize(int argc, char **argv)
{
    const char *cmd = "tokenize";
    const char *model = NULL, *prompt = NULL, *file = NULL;
    int json = 0, no_bos = 0, parse_special = 0;
    const cli_flag flags[] = {
        CLI_F_STR("--model", "-m", &model),
        CLI_F_STR("--prompt", "-p", &prompt),
        CLI_F_STR("--file", "-f", &file),
        CLI_F_BOOL("--json", NULL, &json),
        CLI_F_BOOL("--no-bos", NULL, &no_bos),
        CLI_F_BOOL("--parse-special", NULL, &parse_special),
    };
    int rc = cli_flags_parse(cmd, USAGE, argc, argv, flags, CLI_NFLAGS(flags), NULL);
    if (rc >= 0) return rc;
    if (!model) return cli_usage_error(cmd, "missing -m MODEL.gguf");
    if (!prompt == !file) return cli_usage_error(cmd, "give exactly one of -p TEXT or -f FILE");

    gorilla_error err = {0};
    char *text = NULL;
    size_t len;
    if (file) {
        text = read_file(file, &len, &err);
        if (!text) return cli_fail(cmd, &err);
    } else {
        len = strlen(prompt);
    }
    gorilla_tokenizer *tok = NULL;
    if (gorilla_tokenizer_load_gguf(model, &tok, &err)) {
        free(text);
        return cli_fail(cmd, &err);
    }
    int32_t *ids = NULL;
    size_t n = 0;
    if (gorilla_tokenizer_encode(tok, text ? text : prompt, len, !no_bos, parse_special, &ids, &n, &err)) {
        free(text);
        gorilla_tokenizer_free(tok);
        return cli_fail(cmd, &err);
    }
    if (json) {
        fputc('[', stdout);
        for (size_t i = 0; i < n; i++) printf(i ? ", %d" : "%d", (int)ids[i]);
        fputs("]\n", stdout);
    } else {
        for (size_t i = 0; i < n; i++) {
            int ty = gorilla_tokenizer_token_type(tok, ids[i]);
            size_t pl = 0;
            const char *p;
            if (ty == GORILLA_TOKEN_CONTROL || ty == GORILLA_TOKEN_UNKNOWN) {
                p = gorilla_tokenizer_token_text(tok, ids[i]);
                pl = strlen(p);
            } else {
                p = gorilla_tokenizer_piece(tok, ids[i], &pl);
            }
            printf("%6d -> '", (int)ids[i]);
            print_piece(stdout, p, pl);
            fputs("'\n", stdout);
        }
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
    free(ids);
    free(text);
    gorilla_tokenizer_free(tok);
    return rc;
}
