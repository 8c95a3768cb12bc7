/* cmd_generate.c — `gorilla generate`: text from a prompt with a GGUF model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla generate -m MODEL.gguf (-p TEXT | --tokens \"ID ...\") [-n N] [--temp T]\n"
    "                        [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R]\n"
    "                        [--seed S] [-t THREADS] [--ctx N] [--json]\n"
    "\n"
    "Runs the prompt, then samples up to N tokens (stopping at end of generation\n"
    "or the end of the context) and prints the text as it is generated.\n"
    "\n"
    "  -m, --model FILE     the GGUF model (LLaMA architecture)\n"
    "  -p, --prompt TEXT    prompt text, tokenized with the model's vocabulary\n"
    "  --tokens IDS         prompt token ids instead (spaces or commas)\n"
    "  -n N                 tokens to generate (default 64)\n"
    "  --temp T             temperature; 0 is greedy (default 0.8)\n"
    "  --top-k K            keep the K most likely tokens (default 40; 0 off)\n"
    "  --top-p P            nucleus sampling (default 0.95; 1 off)\n"
    "  --min-p P            drop tokens below P x the best one (default 0.05; 0 off)\n"
    "  --repeat-penalty R   penalize the last 64 tokens (default 1.1; 1 off)\n"
    "  --seed S             sampler seed (default 42)\n"
    "  -t THREADS           threads (default: online CPUs)\n"
    "  --ctx N              context length (default: the model's)\n"
    "  --json               print {\"prompt_tokens\", \"tokens\", \"text\", \"prefill_tok_s\", \"decode_tok_s\"}\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void json_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_ids(FILE *f, const int32_t *ids, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", ids[i]);
    fputc(']', f);
}

typedef struct {
    const char *path, *prompt, *tokens;
    long n_gen, threads, ctx, top_k, seed;
    double temp, top_p, min_p, repeat_penalty;
    int json;
} gen_args;

static int parse_args(int argc, char **argv, gen_args *g)
{
    memset(g, 0, sizeof *g);
    g->n_gen = 64;
    g->temp = 0.8;
    g->top_k = 40;
    g->top_p = 0.95;
    g->min_p = 0.05;
    g->repeat_penalty = 1.1;
    g->seed = 42;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            g->json = 1;
            continue;
        }
        if (!v) return cli_usage_error("generate", "%s needs a value", a);
        i++;
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) g->path = v;
        else if (!strcmp(a, "-p") || !strcmp(a, "--prompt")) g->prompt = v;
        else if (!strcmp(a, "--tokens")) g->tokens = v;
        else if (!strcmp(a, "-n")) {
            if (cli_parse_long(v, 0, 1 << 20, &g->n_gen)) return cli_usage_error("generate", "-n needs an integer >= 0");
        } else if (!strcmp(a, "-t") || !strcmp(a, "--threads")) {
            if (cli_parse_long(v, 1, 256, &g->threads)) return cli_usage_error("generate", "-t needs an integer in [1, 256]");
        } else if (!strcmp(a, "--ctx")) {
            if (cli_parse_long(v, 1, 1 << 20, &g->ctx)) return cli_usage_error("generate", "--ctx needs an integer in [1, 1048576]");
        } else if (!strcmp(a, "--top-k")) {
            if (cli_parse_long(v, 0, 1 << 24, &g->top_k)) return cli_usage_error("generate", "--top-k needs an integer >= 0");
        } else if (!strcmp(a, "--seed")) {
            if (cli_parse_long(v, 0, 0x7fffffffffffffffL, &g->seed)) return cli_usage_error("generate", "--seed needs an integer >= 0");
        } else if (!strcmp(a, "--temp")) {
            if (cli_parse_double(v, &g->temp) || g->temp < 0) return cli_usage_error("generate", "--temp needs a number >= 0");
        } else if (!strcmp(a, "--top-p")) {
            if (cli_parse_double(v, &g->top_p) || g->top_p <= 0 || g->top_p > 1) return cli_usage_error("generate", "--top-p needs a number in (0, 1]");
        } else if (!strcmp(a, "--min-p")) {
            if (cli_parse_double(v, &g->min_p) || g->min_p < 0 || g->min_p > 1) return cli_usage_error("generate", "--min-p needs a number in [0, 1]");
        } else if (!strcmp(a, "--repeat-penalty")) {
            if (cli_parse_double(v, &g->repeat_penalty) || g->repeat_penalty <= 0) return cli_usage_error("generate", "--repeat-penalty needs a number > 0");
        } else {
            return cli_usage_error("generate", "unknown argument '%s'", a);
        }
    }
    if (!g->path) return cli_usage_error("generate", "-m MODEL.gguf is required");
    if (!g->prompt == !g->tokens) return cli_usage_error("generate", "give exactly one of -p TEXT and --tokens IDS");
    return -1; /* go on */
}

/* Prints the not-yet-printed, complete-UTF-8 part of the decoded text. */
static void stream_text(const gorilla_tokenizer *tok, const int32_t *ids, size_t n, size_t *printed, int final)
{
    char *text;
    size_t len;
    if (gorilla_tokenizer_decode(tok, ids, n, 0, &text, &len, NULL)) return;
    size_t upto = final ? len : len - gorilla_utf8_incomplete_tail(text, len);
    if (upto > *printed) {
        fwrite(text + *printed, 1, upto - *printed, stdout);
        fflush(stdout);
        *printed = upto;
    }
    free(text);
}

int cmd_generate(int argc, char **argv)
{
    gen_args g;
    int rc = parse_args(argc, argv, &g);
    if (rc >= 0) return rc;
    rc = 0;

    gorilla_error err = {0};
    gorilla_model *m = NULL;
    gorilla_tokenizer *tok = NULL;
    gorilla_sampler *smp = NULL;
    int32_t *prompt = NULL, *out = NULL;
    size_t n_prompt = 0, n_out = 0;
    float *logits = NULL;
    gorilla_model_opts o = {(int)g.threads, (int)g.ctx};
    if (gorilla_model_load(g.path, &o, &m, &err)) return cli_fail("generate", &err);
    if (gorilla_model_vocab_count(m) && gorilla_tokenizer_load_gguf(g.path, &tok, &err)) {
        if (g.prompt) {
            rc = cli_fail("generate", &err);
            goto done;
        }
        tok = NULL; /* ids only: generate without text */
    }
    if (g.prompt) {
        if (!tok) {
            fprintf(stderr, "gorilla generate: %s has no tokenizer vocabulary; use --tokens\n", g.path);
            rc = 1;
            goto done;
        }
        if (gorilla_tokenizer_encode(tok, g.prompt, strlen(g.prompt), 1, 0, &prompt, &n_prompt, &err)) {
            rc = cli_fail("generate", &err);
            goto done;
        }
    } else if (cli_parse_token_list(g.tokens, &prompt, &n_prompt)) {
        rc = cli_usage_error("generate", "--tokens: expected token ids");
        goto done;
    }
    if (n_prompt == 0) {
        rc = cli_usage_error("generate", "the prompt is empty");
        goto done;
    }
    int V = gorilla_model_n_vocab(m), n_ctx = gorilla_model_n_ctx(m);
    gorilla_sampler_params sp;
    gorilla_sampler_params_init(&sp);
    sp.temperature = (float)g.temp;
    sp.top_k = (int32_t)g.top_k;
    sp.top_p = (float)g.top_p;
    sp.min_p = (float)g.min_p;
    sp.repeat_penalty = (float)g.repeat_penalty;
    sp.repeat_last_n = 64;
    sp.seed = (uint64_t)g.seed;
    logits = malloc((size_t)V * sizeof *logits);
    out = malloc(((size_t)g.n_gen + 1) * sizeof *out);
    if (!logits || !out) {
        fprintf(stderr, "gorilla generate: out of memory\n");
        rc = 1;
        goto done;
    }
    if (gorilla_sampler_new(&sp, (size_t)V, &smp, &err)) {
        rc = cli_fail("generate", &err);
        goto done;
    }
    for (size_t i = 0; i < n_prompt; i++) gorilla_sampler_accept(smp, prompt[i]);

    double t0 = now_s();
    if (gorilla_model_prompt(m, prompt, n_prompt, 0, logits, &err)) {
        rc = cli_fail("generate", &err);
        goto done;
    }
    double t1 = now_s();
    size_t printed = 0;
    int pos = (int)n_prompt;
    for (long i = 0; i < g.n_gen; i++) {
        int32_t t;
        if (gorilla_sampler_sample(smp, logits, (size_t)V, &t, &err)) {
            rc = cli_fail("generate", &err);
            goto done;
        }
        gorilla_sampler_accept(smp, t);
        int eog = tok ? gorilla_tokenizer_is_eog(tok, t) : t == gorilla_model_eos(m);
        if (eog) break;
        out[n_out++] = t;
        if (!g.json) {
            if (tok) stream_text(tok, out, n_out, &printed, 0);
            else printf("%s%d", n_out > 1 ? " " : "", t), fflush(stdout);
        }
        if (i + 1 == g.n_gen || pos >= n_ctx) break;
        if (gorilla_model_forward(m, t, pos++, logits, &err)) {
            rc = cli_fail("generate", &err);
            goto done;
        }
    }
    double t2 = now_s();
    /* decode steps run: one forward per generated token but the last */
    size_t steps = n_out ? n_out - 1 : 0;
    double prefill_tps = t1 > t0 ? (double)n_prompt / (t1 - t0) : 0;
    double decode_tps = steps && t2 > t1 ? (double)steps / (t2 - t1) : 0;
    if (g.json) {
        char *text = NULL;
        size_t len = 0;
        if (tok && gorilla_tokenizer_decode(tok, out, n_out, 0, &text, &len, &err)) {
            rc = cli_fail("generate", &err);
            goto done;
        }
        printf("{\"prompt_tokens\": ");
        json_ids(stdout, prompt, n_prompt);
        printf(", \"tokens\": ");
        json_ids(stdout, out, n_out);
        printf(", \"text\": ");
        json_string(stdout, text ? text : "", len);
        printf(", \"prefill_tok_s\": %.3f, \"decode_tok_s\": %.3f}\n", prefill_tps, decode_tps);
        free(text);
    } else {
        if (tok) stream_text(tok, out, n_out, &printed, 1);
        printf("\n");
        fprintf(stderr, "gorilla generate: %zu prompt tokens (%.2f tok/s), %zu generated (%.2f tok/s), %d threads\n",
                n_prompt, prefill_tps, n_out, decode_tps, gorilla_model_n_threads(m));
    }
done:
    free(prompt);
    free(out);
    free(logits);
    gorilla_sampler_free(smp);
    gorilla_tokenizer_free(tok);
    gorilla_model_free(m);
    return rc;
}
