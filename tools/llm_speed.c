/* llm_speed — times the engine's prefill and decode on a GGUF model.
 *
 *   llm_speed MODEL.gguf [-t THREADS] [-p PROMPT_TOKENS] [-n DECODE_TOKENS] [--json]
 *
 * The prompt is PROMPT_TOKENS pseudo-random token ids; decoding feeds
 * back the greedy token. Prints prefill and decode tokens per second (the
 * kernel set follows GORILLA_CPU). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gorilla.h"

static int to_int(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* FNV-1a over bytes, to compare runs bit for bit. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static int argmax(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int threads = 0, np = 256, nd = 64, json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc) threads = to_int(argv[++i]);
        else if (!strcmp(argv[i], "-p") && i + 1 < argc) np = to_int(argv[++i]);
        else if (!strcmp(argv[i], "-n") && i + 1 < argc) nd = to_int(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] != '-' && !path) path = argv[i];
        else {
            fprintf(stderr, "usage: llm_speed MODEL.gguf [-t THREADS] [-p PROMPT_TOKENS] [-n DECODE_TOKENS] [--json]\n");
            return 2;
        }
    }
    if (!path || np < 1 || nd < 0) {
        fprintf(stderr, "usage: llm_speed MODEL.gguf [-t THREADS] [-p PROMPT_TOKENS] [-n DECODE_TOKENS] [--json]\n");
        return 2;
    }
    gorilla_model_opts o = {threads, np + nd + 1};
    gorilla_model *m;
    gorilla_error err;
    if (gorilla_model_load(path, &o, &m, &err)) {
        fprintf(stderr, "llm_speed: %s\n", err.message);
        return 1;
    }
    int V = gorilla_model_n_vocab(m);
    int32_t *toks = malloc((size_t)np * sizeof *toks);
    uint64_t r = 12345;
    for (int i = 0; i < np; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        toks[i] = (int32_t)((r >> 33) % (uint64_t)V);
    }
    float *logits = malloc((size_t)V * sizeof *logits);
    double c0 = cpu_now(), t0 = now();
    if (!logits || gorilla_model_prompt(m, toks, (size_t)np, 0, logits, &err)) {
        fprintf(stderr, "llm_speed: %s\n", logits ? err.message : "out of memory");
        free(toks);
        free(logits);
        gorilla_model_free(m);
        return 1;
    }
    double t1 = now(), c1 = cpu_now();
    /* digest: the prompt's logits, every greedy token, the last logits */
    uint64_t digest = fnv(14695981039346656037ull, logits, (size_t)V * sizeof(float));
    int32_t tok = argmax(logits, V);
    double t2 = now();
    for (int i = 0; i < nd; i++) {
        if (gorilla_model_forward(m, tok, np + i, logits, &err)) {
            fprintf(stderr, "llm_speed: %s\n", err.message);
            free(toks);
            free(logits);
            gorilla_model_free(m);
            return 1;
        }
        tok = argmax(logits, V);
        digest = fnv(digest, &tok, sizeof tok);
    }
    double t3 = now(), c3 = cpu_now();
    digest = fnv(digest, logits, (size_t)V * sizeof(float));
    double pf = np / (t1 - t0), dc = nd ? nd / (t3 - t2) : 0;
    /* CPU seconds per token: steadier than wall time on a shared machine */
    double pf_cpu = (c1 - c0) / np, dc_cpu = nd ? (c3 - c1) / nd : 0;
    if (json)
        printf("{\"kernels\": \"%s\", \"threads\": %d, \"prompt_tokens\": %d, \"decode_tokens\": %d, "
               "\"prefill_tok_s\": %.2f, \"decode_tok_s\": %.2f, \"prefill_cpu_ms_per_tok\": %.3f, "
               "\"decode_cpu_ms_per_tok\": %.3f, \"last_token\": %d, \"digest\": \"%016llx\"}\n",
               gorilla_model_cpu(m), gorilla_model_n_threads(m), np, nd, pf, dc, pf_cpu * 1e3, dc_cpu * 1e3, tok,
               (unsigned long long)digest);
    else
        printf("%s: kernels %s, %d threads: prefill %d tokens %.1f tok/s (%.2f cpu ms/tok), decode %d tokens %.1f "
               "tok/s (%.2f cpu ms/tok) (last %d, digest %016llx)\n",
               path, gorilla_model_cpu(m), gorilla_model_n_threads(m), np, pf, pf_cpu * 1e3, nd, dc, dc_cpu * 1e3,
               tok, (unsigned long long)digest);
    free(toks);
    free(logits);
    gorilla_model_free(m);
    return 0;
}
