/* cmd_logprobs.c — `gorilla logprobs`: next-token distributions of a model
 * after each prefix of a token sequence. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla logprobs -m MODEL.gguf (--tokens \"ID ID ...\" | -p TEXT) [--top K] [--json] [-t N] [--ctx N]\n"
    "\n"
    "For each position i, the K most likely next tokens with their softmax\n"
    "probabilities after tokens 0..i.\n"
    "\n"
    "  -m, --model FILE   the GGUF model\n"
    "  --tokens IDS       token ids separated by spaces or commas\n"
    "  -p, --prompt TEXT  text instead, tokenized with the model's vocabulary (BOS added)\n"
    "  --top K            tokens per position (default 5; the whole vocabulary at most)\n"
    "  --json             print [[[id, p], ...], ...] (one list per position)\n"
    "  -t N               threads (default: online CPUs)\n"
    "  --ctx N            context length (default: the model's)\n";

typedef struct {
    int32_t id;
    double p;
} tok_prob;

/* The top k of a softmax over logits[0..n), best first. */
static void top_k(const float *logits, int n, int k, tok_prob *out)
{
    if (k <= 0 || n <= 0) return;
    double mx = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        if (logits[i] > mx) mx = logits[i];
    for (int i = 0; i < n; i++) sum += exp((double)logits[i] - mx);
    int have = 0;
    for (int i = 0; i < n; i++) {
        double p = exp((double)logits[i] - mx) / sum;
        if (have == k && p <= out[k - 1].p) continue;
        int j = have < k ? have++ : k - 1;
        while (j > 0 && out[j - 1].p < p) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = (tok_prob){i, p};
    }
}

int cmd_logprobs(int argc, char **argv)
{
    const char *path = NULL, *tokens = NULL, *text = NULL;
    long k = 5, threads = 0, ctx = 0;
    int json = 0;
    const cli_flag flags[] = {
        CLI_F_BOOL("--json", NULL, &json),
        CLI_F_STR("--model", "-m", &path),
        CLI_F_STR("--prompt", "-p", &text),
        CLI_F_STR("--tokens", NULL, &tokens),
        CLI_F_LONG("--top", NULL, &k, 1, 1 << 18, "needs an integer in [1, 262144]"),
        CLI_F_LONG("--threads", "-t", &threads, 1, 256, "needs an integer in [1, 256]"),
        CLI_F_LONG("--ctx", NULL, &ctx, 1, 1 << 20, "needs an integer in [1, 1048576]"),
    };
    int rc = cli_flags_parse("logprobs", USAGE, argc, argv, flags, CLI_NFLAGS(flags), NULL);
    if (rc >= 0) return rc;
    if (!path) return cli_usage_error("logprobs", "-m MODEL.gguf is required");
    if (!tokens == !text) return cli_usage_error("logprobs", "give exactly one of --tokens IDS and -p TEXT");
    int32_t *ids = NULL;
    size_t n = 0;
    gorilla_error err = {0};
    if (tokens && (cli_parse_token_list(tokens, &ids, &n) || n == 0)) {
        free(ids);
        return cli_usage_error("logprobs", "--tokens: expected token ids");
    }
    if (text) {
        gorilla_tokenizer *tok;
        if (gorilla_tokenizer_load_gguf(path, &tok, &err)) return cli_fail("logprobs", &err);
        gorilla_status st = gorilla_tokenizer_encode(tok, text, strlen(text), 1, 0, &ids, &n, &err);
        gorilla_tokenizer_free(tok);
        if (st) return cli_fail("logprobs", &err);
        if (n == 0) {
            free(ids);
            return cli_usage_error("logprobs", "the text has no tokens");
        }
    }

    gorilla_model *m;
    gorilla_model_opts o = {(int)threads, (int)ctx};
    if (gorilla_model_load(path, &o, &m, &err)) {
        free(ids);
        return cli_fail("logprobs", &err);
    }
    int V = gorilla_model_n_vocab(m);
    if (k > V) k = V;
    float *logits = malloc((size_t)V * sizeof *logits);
    tok_prob *top = calloc((size_t)k, sizeof *top);
    rc = 0;
    if (!logits || !top) {
        fprintf(stderr, "gorilla logprobs: out of memory\n");
        rc = 1;
        goto done;
    }
    if (n > (size_t)gorilla_model_n_ctx(m)) {
        fprintf(stderr, "gorilla logprobs: %zu tokens exceed the context of %d tokens (see --ctx)\n", n,
                gorilla_model_n_ctx(m));
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= V) {
            fprintf(stderr, "gorilla logprobs: token id %d is out of range [0, %d)\n", ids[i], V);
            rc = 1;
            goto done;
        }
    if (json) printf("[");
    for (size_t i = 0; i < n; i++) {
        if (gorilla_model_forward(m, ids[i], (int)i, logits, &err)) {
            if (json) printf("]\n");
            rc = cli_fail("logprobs", &err);
            goto done;
        }
        top_k(logits, V, (int)k, top);
        if (json) {
            printf("%s[", i ? ", " : "");
            for (long j = 0; j < k; j++) printf("%s[%d, %.9g]", j ? ", " : "", top[j].id, top[j].p);
            printf("]");
        } else {
            printf("%zu (token %d):", i, ids[i]);
            for (long j = 0; j < k; j++) printf(" %d:%.6f", top[j].id, top[j].p);
            printf("\n");
        }
    }
    if (json) printf("]\n");
done:
    free(logits);
    free(top);
    free(ids);
    gorilla_model_free(m);
    return rc;
}
