/* gguf_synth — writes a LLaMA, MPT or Falcon GGUF v3 file with random weights.
 *
 *   gguf_synth -o OUT.gguf [--n-embd N] [--n-layer N] [--n-head N]
 *              [--n-head-kv N] [--n-ff N] [--n-vocab N] [--n-ctx N]
 *              [--type F32|F16|BF16|Q4_0|...|Q6_K] [--seed S] [--tied]
 *              [--rope-base F] [--rope-scale-linear F] [--rope-freqs] [--no-vocab]
 *              [--arch llama|mpt|falcon] [--alibi-max F] [--clamp-kqv F] [--biases]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/quant/quant.h"
#include "support/synth.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: gguf_synth -o OUT.gguf [--n-embd N] [--n-layer N] [--n-head N] [--n-head-kv N]\n"
               "                  [--n-ff N] [--n-vocab N] [--n-ctx N] [--type T] [--seed S] [--tied]\n"
               "                  [--rope-base F] [--rope-scale-linear F] [--rope-freqs] [--no-vocab]\n"
               "                  [--arch llama|mpt|falcon] [--alibi-max F] [--clamp-kqv F] [--biases]\n"
               "  --biases: MPT with every bias; Falcon with attn_norm_2 (40B style)\n"
               "types: F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K\n"
               "defaults: n_embd 64, 2 layers, 4 heads, 2 KV heads, n_ff 128, vocab 300, ctx 64, F32, seed 1\n");
}

static int parse_int(const char *flag, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < lo || v > hi) {
        fprintf(stderr, "gguf_synth: %s needs an integer in [%ld, %ld]\n", flag, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    llm_synth_params p;
    llm_synth_defaults(&p);
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--tied")) {
            p.tied = 1;
        } else if (!strcmp(a, "--no-vocab")) {
            p.with_vocab = 0;
        } else if (!strcmp(a, "--biases")) {
            p.biases = 1;
        } else if (!strcmp(a, "--arch")) {
            if (v && !strcmp(v, "llama")) p.arch = LLM_SYNTH_LLAMA;
            else if (v && !strcmp(v, "mpt")) p.arch = LLM_SYNTH_MPT;
            else if (v && !strcmp(v, "falcon")) p.arch = LLM_SYNTH_FALCON;
            else {
                fprintf(stderr, "gguf_synth: --arch needs llama, mpt or falcon\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--alibi-max") || !strcmp(a, "--clamp-kqv")) {
            char *end;
            double d = v ? strtod(v, &end) : -1;
            if (!v || *end || !(d >= 0)) {
                fprintf(stderr, "gguf_synth: %s needs a number >= 0\n", a);
                return 2;
            }
            if (!strcmp(a, "--alibi-max")) p.alibi_max = (float)d;
            else p.clamp_kqv = (float)d;
            i++;
        } else if (!strcmp(a, "--rope-freqs")) {
            p.rope_freqs = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (!v) return usage(stderr), 2;
            out = v;
            i++;
        } else if (!strcmp(a, "--type")) {
            int found = 0;
            for (uint32_t t = 0; v && t < QT_COUNT; t++)
                if (qtype_get(t) && !strcasecmp(qtype_name(t), v)) {
                    p.type = t;
                    found = 1;
                }
            if (!found) {
                fprintf(stderr, "gguf_synth: unknown --type '%s'\n", v ? v : "");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--rope-base") || !strcmp(a, "--rope-scale-linear")) {
            char *end;
            double d = v ? strtod(v, &end) : 0;
            if (!v || *end || !(d > 0)) {
                fprintf(stderr, "gguf_synth: %s needs a positive number\n", a);
                return 2;
            }
            if (!strcmp(a, "--rope-base")) p.rope_base = (float)d;
            else p.rope_scale_linear = (float)d;
            i++;
        } else if (!strcmp(a, "--seed")) {
            if (parse_int(a, v, 0, 0x7fffffffL, &n)) return 2;
            p.seed = (uint64_t)n;
            i++;
        } else {
            struct { const char *flag; int *dst; long lo, hi; } ints[] = {
                {"--n-embd", &p.n_embd, 2, 1 << 16},      {"--n-layer", &p.n_layer, 1, 1024},
                {"--n-head", &p.n_head, 1, 4096},         {"--n-head-kv", &p.n_head_kv, 1, 4096},
                {"--n-ff", &p.n_ff, 1, 1 << 20},          {"--n-vocab", &p.n_vocab, 259, 1 << 22},
                {"--n-ctx", &p.n_ctx, 1, 1 << 20},
            };
            int hit = 0;
            for (size_t k = 0; k < sizeof ints / sizeof *ints; k++)
                if (!strcmp(a, ints[k].flag)) {
                    if (parse_int(a, v, ints[k].lo, ints[k].hi, &n)) return 2;
                    *ints[k].dst = (int)n;
                    hit = 1;
                    i++;
                }
            if (!hit) {
                fprintf(stderr, "gguf_synth: unknown flag '%s'\n", a);
                usage(stderr);
                return 2;
            }
        }
    }
    if (!out) {
        fprintf(stderr, "gguf_synth: -o OUT.gguf is required\n");
        usage(stderr);
        return 2;
    }
    gorilla_error err = {0};
    if (llm_synth_write(&p, out, &err)) {
        fprintf(stderr, "gguf_synth: %s\n", err.message);
        return 1;
    }
    return 0;
}
