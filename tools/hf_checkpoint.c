/* hf_checkpoint — writes a small random Hugging Face checkpoint (the
 * tests' fixture: config.json, safetensors, tokenizer.json) for the
 * developer check against llama.cpp (tools/check-llamacpp.mjs `files`
 * mode on its `gorilla convert` output):
 *
 *   hf_checkpoint llama|mpt|falcon DIR [SEED] [nobias]
 *
 * 64-wide, 2 layers, 4 heads (LLaMA 2 KV heads, Falcon 1), vocabulary 300,
 * F32; MPT with norm biases unless `nobias`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/hf_fixture.h"

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "llama") != 0 && strcmp(argv[1], "mpt") != 0 && strcmp(argv[1], "falcon") != 0)) {
        fprintf(stderr, "usage: hf_checkpoint llama|mpt|falcon DIR [SEED] [nobias]\n");
        return 2;
    }
    hf_fixture f;
    hf_fixture_init(&f);
    f.arch = argv[1];
    f.n_embd = 64;
    f.n_ff = !strcmp(f.arch, "falcon") ? 4 * f.n_embd : 128; /* Falcon's MLP is 4 E wide */
    f.n_head = 4;
    f.n_head_kv = !strcmp(f.arch, "falcon") ? 1 : !strcmp(f.arch, "mpt") ? 4 : 2;
    f.bias = !strcmp(f.arch, "mpt") && !(argc > 4 && !strcmp(argv[4], "nobias"));
    f.seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    if (hf_fixture_write(&f, argv[2])) {
        fprintf(stderr, "hf_checkpoint: cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
