/* decode_speed.c — the cost of store-constrained calls and the effect of
 * prompt-lookup drafts on one model (bench/constrain_speed.sh,
 * bench/lookup_speed.sh).
 *
 *   decode_speed MODEL API.jsonl [N_TOKENS] [THREADS]
 *
 * Prints JSON: decode ms/token plain and constrained (the call field from
 * the start, every call of API.jsonl in the trie), the filter's own time
 * per step inside a call, and decode tokens/s with and without lookup
 * drafts on a prompt holding a document's call, with the acceptance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include "gorilla.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int run(gorilla_model *m, const gorilla_tokenizer *tok, const char *prompt, gorilla_generate_opts *o,
               gorilla_generate_result *r)
{
    gorilla_error err = {0};
    if (gorilla_generate_text(m, tok, prompt, o, r, &err)) {
        fprintf(stderr, "decode_speed: %s\n", err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: decode_speed MODEL API.jsonl [N_TOKENS] [THREADS]\n");
        return 2;
    }
    int n = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 32;
    if (n < 1) n = 32;
    gorilla_error err = {0};
    gorilla_model_opts mo = {argc > 4 ? (int)strtol(argv[4], NULL, 10) : 2, 0};
    gorilla_model *m = NULL;
    gorilla_store *s = NULL;
    if (gorilla_model_load(argv[1], &mo, &m, &err) || gorilla_store_load(argv[2], &s, &err)) {
        fprintf(stderr, "decode_speed: %s\n", err.message);
        return 1;
    }
    const gorilla_tokenizer *tok = gorilla_model_tokenizer(m);
    size_t nc = gorilla_store_count(s), k = 0;
    const char **calls = malloc((nc + 1) * sizeof *calls);
    for (size_t i = 0; i < nc; i++) {
        const char *c = gorilla_store_field(s, i, "api_call");
        if (c && *c) calls[k++] = c;
    }
    gorilla_call_constraint *cc = NULL;
    gorilla_lookup *lk = NULL;
    if (gorilla_call_constraint_new(tok, calls, k, GORILLA_CONSTRAIN_AT_START, &cc, &err) ||
        gorilla_lookup_new(tok, calls, k, &lk, &err)) {
        fprintf(stderr, "decode_speed: %s\n", err.message);
        return 1;
    }
    char prompt[4096];
    snprintf(prompt, sizeof prompt,
             "###USER: Classify the sentiment of a review.\nReference API: {'api_call': \"%s\"}\n###ASSISTANT: "
             "<<<domain>>>: NLP\n<<<api_call>>>: ",
             calls[0]);
    gorilla_generate_opts o;
    gorilla_generate_opts_init(&o);
    o.max_tokens = n;
    gorilla_generate_result r;
    double plain_ms = 1e30, cons_ms = 1e30;
    for (int round = 0; round < 3; round++) {
        o.filter = NULL;
        if (run(m, tok, prompt, &o, &r)) return 1;
        double t = r.decode_ms / (double)(r.n_tokens ? r.n_tokens : 1);
        if (t < plain_ms) plain_ms = t;
        gorilla_generate_result_clear(&r);
        o.filter = gorilla_call_constraint_filter;
        o.filter_user = cc;
        if (run(m, tok, prompt, &o, &r)) return 1;
        t = r.decode_ms / (double)(r.n_tokens ? r.n_tokens : 1);
        if (t < cons_ms) cons_ms = t;
        gorilla_generate_result_clear(&r);
    }
    /* the filter alone, inside a call */
    size_t V = (size_t)gorilla_model_n_vocab(m);
    float *logits = calloc(V, sizeof *logits);
    const char *inside = "pipeline('";
    int reps = 200;
    double t0 = now_ms();
    for (int i = 0; i < reps; i++) {
        memset(logits, 0, V * sizeof *logits);
        gorilla_call_constraint_filter(cc, NULL, 0, inside, strlen(inside), logits, V, &err);
    }
    double filter_ms = (now_ms() - t0) / reps;
    /* lookup drafts: the answer copies the document's call */
    o.filter = NULL;
    double tps[2] = {0, 0};
    size_t drafted = 0, accepted = 0;
    int same = 1;
    int32_t *ref = NULL;
    size_t n_ref = 0;
    for (int d = 0; d < 2; d++) {
        o.draft = d ? gorilla_lookup_draft : NULL;
        o.draft_user = lk;
        if (run(m, tok, prompt, &o, &r)) return 1;
        tps[d] = (double)r.n_tokens / (r.decode_ms / 1e3);
        if (!d) {
            ref = malloc(r.n_tokens * sizeof *ref + 1);
            memcpy(ref, r.tokens, r.n_tokens * sizeof *ref);
            n_ref = r.n_tokens;
        } else {
            drafted = r.n_drafted;
            accepted = r.n_draft_accepted;
            same = n_ref == r.n_tokens && !memcmp(ref, r.tokens, n_ref * sizeof *ref);
        }
        gorilla_generate_result_clear(&r);
    }
    /* what a draft's check costs: one pass over k tokens (k = 1, 4, 8) at
     * position 64, best of 3; a draft pays when cost(k) / cost(1) stays
     * well below the tokens it gains */
    int32_t toks[8];
    for (int i = 0; i < 8; i++) toks[i] = 100 + 37 * i;
    double pass_ms[3] = {1e30, 1e30, 1e30};
    const int ks[3] = {1, 4, 8};
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 3; i++) {
            double t1 = now_ms();
            if (gorilla_model_eval(m, toks, (size_t)ks[i], 64, NULL, &err)) {
                fprintf(stderr, "decode_speed: %s\n", err.message);
                return 1;
            }
            double dt = now_ms() - t1;
            if (dt < pass_ms[i]) pass_ms[i] = dt;
        }
    printf("{\"calls\": %zu, \"plain_ms_per_token\": %.2f, \"constrained_ms_per_token\": %.2f, "
           "\"overhead_pct\": %.2f, \"filter_ms_in_call\": %.3f, \"decode_tps_plain\": %.2f, "
           "\"decode_tps_lookup\": %.2f, \"drafted\": %zu, \"accepted\": %zu, \"identical\": %s, "
           "\"pass_ms_1_4_8\": [%.2f, %.2f, %.2f], \"pass_cost_4_8\": [%.2f, %.2f]}\n",
           gorilla_call_constraint_n_calls(cc), plain_ms, cons_ms, 100.0 * (cons_ms - plain_ms) / plain_ms, filter_ms,
           tps[0], tps[1], drafted, accepted, same ? "true" : "false", pass_ms[0], pass_ms[1], pass_ms[2],
           pass_ms[1] / pass_ms[0], pass_ms[2] / pass_ms[0]);
    free(ref);
    free(logits);
    free(calls);
    gorilla_lookup_free(lk);
    gorilla_call_constraint_free(cc);
    gorilla_store_free(s);
    gorilla_model_free(m);
    return 0;
}
