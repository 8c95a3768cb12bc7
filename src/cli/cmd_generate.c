/* cmd_generate.c — `gorilla generate`: text from a prompt with a GGUF model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const cli_flag flags[] = {
        CLI_F_BOOL("--json", NULL, &g->json),
        CLI_F_STR("--model", "-m", &g->path),
        CLI_F_STR("--prompt", "-p", &g->prompt),
        CLI_F_STR("--tokens", NULL, &g->tokens),
        CLI_F_LONG("-n", NULL, &g->n_gen, 0, 1 << 20, "needs an integer >= 0"),
        CLI_F_LONG("--threads", "-t", &g->threads, 1, 256, "needs an integer in [1, 256]"),
        CLI_F_LONG("--ctx", NULL, &g->ctx, 1, 1 << 20, "needs an integer in [1, 1048576]"),
        CLI_F_LONG("--top-k", NULL, &g->top_k, 0, 1 << 24, "needs an integer >= 0"),
        CLI_F_LONG("--seed", NULL, &g->seed, 0, 0x7fffffffffffffffL, "needs an integer >= 0"),
        CLI_F_DOUBLE("--temp", NULL, &g->temp, 0, 1e30, "needs a number >= 0"),
        {.name = "--top-p", .kind = CLI_DOUBLE, .dst = &g->top_p, .min = 0, .max = 1, .open_min = 1,
         .bad = "needs a number in (0, 1]"},
        CLI_F_DOUBLE("--min-p", NULL, &g->min_p, 0, 1, "needs a number in [0, 1]"),
        {.name = "--repeat-penalty", .kind = CLI_DOUBLE, .dst = &g->repeat_penalty, .min = 0, .max = 1e30,
         .open_min = 1, .bad = "needs a number > 0"},
    };
    int rc = cli_flags_parse("generate", USAGE, argc, argv, flags, CLI_NFLAGS(flags), NULL);
    if (rc >= 0) return rc;
    if (!g->path) return cli_usage_error("generate", "-m MODEL.gguf is required");
    if (!g->prompt == !g->tokens) return cli_usage_error("generate", "give exactly one of -p TEXT and --tokens IDS");
    return -1; /* go on */
}

/* Streams kept tokens to stdout: their text (held-back bytes come later),
 * or their ids for a model without a vocabulary. */
typedef struct {
    int json, ids_only;
    size_t n;
} stream_state;

static int on_token(void *user, int32_t token, const char *text, size_t len)
{
    stream_state *s = user;
    if (s->json) return 0;
    if (s->ids_only) {
        if (token >= 0) printf("%s%d", s->n++ ? " " : "", token);
    } else if (len) {
        fwrite(text, 1, len, stdout);
    }
    fflush(stdout);
    return 0;
}

int cmd_generate(int argc, char **argv)
{
    gen_args g;
    int rc = parse_args(argc, argv, &g);
    if (rc >= 0) return rc;
    rc = 0;

    gorilla_error err = {0};
    gorilla_model *m = NULL;
    const gorilla_tokenizer *tok = NULL;
    int32_t *prompt = NULL;
    size_t n_prompt = 0;
    gorilla_generate_result r = {0};
    gorilla_model_opts o = {(int)g.threads, (int)g.ctx};
    if (gorilla_model_load(g.path, &o, &m, &err)) return cli_fail("generate", &err);
    tok = gorilla_model_tokenizer(m); /* NULL: ids only, generate without text */
    if (!tok && g.prompt && gorilla_model_tokenizer_error(m)) {
        fprintf(stderr, "gorilla generate: %s: %s\n", g.path, gorilla_model_tokenizer_error(m));
        rc = 1;
        goto done;
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
    gorilla_generate_opts go;
    gorilla_generate_opts_init(&go);
    go.sampler.temperature = (float)g.temp;
    go.sampler.top_k = (int32_t)g.top_k;
    go.sampler.top_p = (float)g.top_p;
    go.sampler.min_p = (float)g.min_p;
    go.sampler.repeat_penalty = (float)g.repeat_penalty;
    go.sampler.repeat_last_n = 64;
    go.sampler.seed = (uint64_t)g.seed;
    go.max_tokens = (int)g.n_gen;
    stream_state ss = {g.json, tok == NULL, 0};
    go.on_token = on_token;
    go.user = &ss;
    if (gorilla_generate(m, tok, prompt, n_prompt, &go, &r, &err)) {
        rc = cli_fail("generate", &err);
        goto done;
    }
    double prefill_tps = r.prefill_ms > 0 ? (double)n_prompt / (r.prefill_ms * 1e-3) : 0;
    double decode_tps = r.n_decode && r.decode_ms > 0 ? (double)r.n_decode / (r.decode_ms * 1e-3) : 0;
    if (g.json) {
        printf("{\"prompt_tokens\": ");
        json_ids(stdout, prompt, n_prompt);
        printf(", \"tokens\": ");
        json_ids(stdout, r.tokens, r.n_tokens);
        printf(", \"text\": ");
        json_string(stdout, r.text, r.text_len);
        printf(", \"prefill_tok_s\": %.3f, \"decode_tok_s\": %.3f}\n", prefill_tps, decode_tps);
    } else {
        printf("\n");
        fprintf(stderr, "gorilla generate: %zu prompt tokens (%.2f tok/s), %zu generated (%.2f tok/s), %d threads\n",
                n_prompt, prefill_tps, r.n_tokens, decode_tps, gorilla_model_n_threads(m));
    }
done:
    free(prompt);
    gorilla_generate_result_clear(&r);
    gorilla_model_free(m);
    return rc;
}
