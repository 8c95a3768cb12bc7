/* tokenize_lines — batch tokenization for comparisons with other tokenizers
 * (tools/check-spm.sh):
 *
 *   tokenize_lines extract FIELD[,FIELD...] FILE.jsonl...
 *       prints the text lines of the named string fields of every JSON
 *       object (one per input line; "a.b" reaches into an object), each
 *       field split at newlines, lines without a visible character and
 *       lines with a carriage return left out
 *   tokenize_lines encode MODEL.gguf [--bos]
 *       reads lines on stdin, prints each line's token ids space-separated
 *       (no BOS unless --bos; text like "<s>" stays text)
 *   tokenize_lines encode-json MODEL.gguf
 *       reads a JSON array of strings on stdin, prints a JSON array of id
 *       arrays (no BOS), for texts with newlines (tools/check-llamacpp-vocab.mjs)
 *   tokenize_lines time MODEL.gguf FILE [REPEAT]
 *       encodes FILE as one text REPEAT times (default 5), prints the best
 *       MB/s (CPU time of the encoding thread) and the token count
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gorilla.h"

static void emit_lines(const char *s)
{
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t l = nl ? (size_t)(nl - s) : strlen(s);
        int visible = 0, cr = 0;
        for (size_t i = 0; i < l; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\r') cr = 1;
            else if (c > ' ') visible = 1;
        }
        if (visible && !cr) printf("%.*s\n", (int)l, s);
        s += l + (nl ? 1 : 0);
    }
}

static const json_t *lookup(const json_t *obj, const char *path)
{
    char key[256];
    while (json_is_object(obj)) {
        const char *dot = strchr(path, '.');
        size_t l = dot ? (size_t)(dot - path) : strlen(path);
        if (l >= sizeof key) return NULL;
        memcpy(key, path, l);
        key[l] = 0;
        obj = json_object_get(obj, key);
        if (!dot) return obj;
        path = dot + 1;
    }
    return NULL;
}

static int extract(const char *fields, int nfiles, char **files)
{
    for (int f = 0; f < nfiles; f++) {
        FILE *in = fopen(files[f], "r");
        if (!in) {
            fprintf(stderr, "tokenize_lines: %s: cannot open\n", files[f]);
            return 1;
        }
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, in) > 0) {
            json_error_t e;
            json_t *j = json_loads(line, 0, &e);
            if (!j) continue;
            char *fs = strdup(fields);
            for (char *save = NULL, *name = strtok_r(fs, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
                const json_t *v = lookup(j, name);
                if (json_is_string(v)) emit_lines(json_string_value(v));
            }
            free(fs);
            json_decref(j);
        }
        free(line);
        fclose(in);
    }
    return 0;
}

static int encode(const char *model, int bos)
{
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    if (gorilla_tokenizer_load_gguf(model, &t, &err)) {
        fprintf(stderr, "tokenize_lines: %s\n", err.message);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n') n--;
        int32_t *ids = NULL;
        size_t ni = 0;
        if (gorilla_tokenizer_encode(t, line, (size_t)n, bos, 0, &ids, &ni, &err)) {
            fprintf(stderr, "tokenize_lines: %s\n", err.message);
            return 1;
        }
        for (size_t i = 0; i < ni; i++) printf(i ? " %d" : "%d", ids[i]);
        putchar('\n');
        free(ids);
    }
    free(line);
    gorilla_tokenizer_free(t);
    return 0;
}

static int encode_json(const char *model)
{
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    if (gorilla_tokenizer_load_gguf(model, &t, &err)) {
        fprintf(stderr, "tokenize_lines: %s\n", err.message);
        return 1;
    }
    json_error_t e;
    json_t *in = json_loadf(stdin, 0, &e);
    if (!json_is_array(in)) {
        fprintf(stderr, "tokenize_lines: stdin: not a JSON array (%s)\n", e.text);
        return 1;
    }
    putchar('[');
    for (size_t k = 0; k < json_array_size(in); k++) {
        const json_t *v = json_array_get(in, k);
        int32_t *ids = NULL;
        size_t ni = 0;
        if (gorilla_tokenizer_encode(t, json_string_value(v), json_string_length(v), 0, 0, &ids, &ni, &err)) {
            fprintf(stderr, "tokenize_lines: %s\n", err.message);
            return 1;
        }
        printf(k ? ",[" : "[");
        for (size_t i = 0; i < ni; i++) printf(i ? ",%d" : "%d", ids[i]);
        putchar(']');
        free(ids);
    }
    puts("]");
    json_decref(in);
    gorilla_tokenizer_free(t);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine may be shared */
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int time_file(const char *model, const char *path, int repeat)
{
    gorilla_tokenizer *t = NULL;
    gorilla_error err = {0};
    if (gorilla_tokenizer_load_gguf(model, &t, &err)) {
        fprintf(stderr, "tokenize_lines: %s\n", err.message);
        return 1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tokenize_lines: %s: cannot open\n", path);
        return 1;
    }
    char *buf = malloc(GORILLA_TOKENIZER_MAX_TEXT);
    size_t len = buf ? fread(buf, 1, GORILLA_TOKENIZER_MAX_TEXT, f) : 0;
    fclose(f);
    double best = 1e30;
    size_t ntok = 0;
    for (int r = 0; r < repeat; r++) {
        int32_t *ids = NULL;
        double t0 = now();
        if (gorilla_tokenizer_encode(t, buf, len, 0, 0, &ids, &ntok, &err)) {
            fprintf(stderr, "tokenize_lines: %s\n", err.message);
            return 1;
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
        free(ids);
    }
    printf("%zu bytes, %zu tokens, best of %d: %.3f s, %.2f MB/s\n", len, ntok, repeat, best, len / best / 1e6);
    free(buf);
    gorilla_tokenizer_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "extract") == 0) return extract(argv[2], argc - 3, argv + 3);
    if (argc >= 3 && strcmp(argv[1], "encode") == 0) return encode(argv[2], argc > 3 && strcmp(argv[3], "--bos") == 0);
    if (argc >= 3 && strcmp(argv[1], "encode-json") == 0) return encode_json(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "time") == 0) return time_file(argv[2], argv[3], argc > 4 ? (int)strtol(argv[4], NULL, 10) : 5);
    fprintf(stderr, "usage: tokenize_lines extract FIELDS FILE... | encode MODEL.gguf [--bos] | encode-json MODEL.gguf | "
                    "time MODEL.gguf FILE [N]\n");
    return 2;
}
