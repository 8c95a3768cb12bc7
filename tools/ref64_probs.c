/* ref64_probs — the exact reference: next-token probabilities of a GGUF
 * file (LLaMA, MPT or Falcon, any tensor type), computed in float64 from its
 * dequantized weights by tests/support/ref64 (which shares no code with the
 * engine's forward). A developer tool for tools/check-llamacpp.mjs (`ref`
 * mode), which judges our engine and llama.cpp against it.
 *
 *   ref64_probs MODEL.gguf "1 20 33 ..."
 *
 * Prints one line per position: the probabilities of every vocabulary
 * entry, space-separated, after the tokens up to and including it. */
#include <stdio.h>
#include <stdlib.h>

#include "support/ref64.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ref64_probs MODEL.gguf \"TOKEN TOKEN ...\"\n");
        return 2;
    }
    int toks[4096], n = 0;
    for (char *p = argv[2], *end; *p && n < 4096; p = end) {
        long t = strtol(p, &end, 10);
        if (end == p) {
            if (*p == ' ' || *p == ',') {
                end = p + 1;
                continue;
            }
            fprintf(stderr, "ref64_probs: bad token list at '%s'\n", p);
            return 2;
        }
        toks[n++] = (int)t;
    }
    ref64 m;
    if (ref64_load_gguf(&m, argv[1], n > 0 ? n : 1)) return 1;
    double *x = malloc((size_t)m.n_vocab * sizeof *x);
    if (!x) {
        ref64_free(&m);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (toks[i] < 0 || toks[i] >= m.n_vocab) {
            fprintf(stderr, "ref64_probs: token %d out of range (vocabulary %d)\n", toks[i], m.n_vocab);
            free(x);
            ref64_free(&m);
            return 2;
        }
        ref64_forward(&m, toks[i], i, x);
        ref64_softmax(x, m.n_vocab);
        for (int v = 0; v < m.n_vocab; v++) printf(v ? " %.10g" : "%.10g", x[v]);
        putchar('\n');
    }
    free(x);
    ref64_free(&m);
    return 0;
}
