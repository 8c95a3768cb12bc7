/* cmd_info.c — `gorilla info -m MODEL.gguf`: what a model file holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "llm/gguf/gguf.h"
#include "llm/model/model.h"
#include "llm/quant/quant.h"

static const char USAGE[] =
    "usage: gorilla info -m MODEL.gguf [--ctx N]\n"
    "\n"
    "Prints a GGUF model's architecture, sizes, tensor types, vocabulary, the\n"
    "memory a run needs (the mapped file plus the f32 KV cache), and the prompt\n"
    "templates (the one its metadata picks marked *).\n"
    "\n"
    "  -m, --model FILE   the GGUF file (LLaMA, MPT or Falcon architecture)\n"
    "  --ctx N            context length for the KV cache estimate (default: the model's)\n";

static double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    long ctx = 0;
    const cli_flag flags[] = {
        CLI_F_STR("--model", "-m", &path),
        CLI_F_LONG("--ctx", NULL, &ctx, 1, 1 << 20, "needs an integer in [1, 1048576]"),
    };
    int rc = cli_flags_parse("info", USAGE, argc, argv, flags, CLI_NFLAGS(flags), NULL);
    if (rc >= 0) return rc;
    if (!path) return cli_usage_error("info", "-m MODEL.gguf is required");

    gorilla_error err = {0};
    gorilla_model *m;
    gorilla_model_opts o = {1, (int)ctx};
    if (gorilla_model_load(path, &o, &m, &err)) return cli_fail("info", &err);
    const gguf_file *f = m->file;
    const llm_config *c = &m->cfg;

    gguf_str name = {"", 0};
    gguf_get_str(f, "general.name", &name, NULL);
    printf("file:            %s (%.1f MiB, GGUF v%u, alignment %u)\n", path, mib((double)gguf_file_size(f)),
           gguf_version(f), gguf_alignment(f));
    static const char *const ARCH[] = {"llama", "mpt", "falcon"};
    printf("architecture:    %s%s%.*s%s\n", ARCH[c->arch], name.len ? " (" : "", (int)(name.len > 80 ? 80 : name.len), name.ptr,
           name.len ? ")" : "");
    printf("embedding:       %d\n", c->n_embd);
    printf("layers:          %d\n", c->n_layer);
    printf("heads:           %d (KV heads %d, head size %d, rope dims %d)\n", c->n_head, c->n_head_kv, c->head_dim,
           c->n_rot);
    printf("feed-forward:    %d\n", c->n_ff);
    printf("vocabulary:      %d\n", c->n_vocab);
    printf("context:         %d (trained %d)\n", c->n_ctx, c->n_ctx_train);
    if (c->arch == LLM_ARCH_LLAMA) {
        printf("rope:            base %g, linear scale %g\n", (double)c->rope_base, 1.0 / (double)c->rope_scale);
        printf("rms epsilon:     %g\n", (double)c->rms_eps);
    } else {
        if (c->arch == LLM_ARCH_FALCON)
            printf("rope:            NeoX, base %g, linear scale %g\n", (double)c->rope_base, 1.0 / (double)c->rope_scale);
        else
            printf("attention:       ALiBi max bias %g, clamp_kqv %g\n", (double)c->alibi_max, (double)c->clamp_kqv);
        printf("norm epsilon:    %g (LayerNorm; GELU tanh form)\n", (double)c->rms_eps);
    }
    printf("output:          %s\n", m->w.tied ? "tied to token_embd" : "output.weight");

    size_t counts[QT_COUNT] = {0};
    uint64_t params = 0, bytes = 0;
    for (size_t i = 0; i < gguf_n_tensors(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        counts[t->type]++;
        params += t->n_elems;
        bytes += t->n_bytes;
    }
    printf("tensors:         %zu, %.3f B parameters, %.1f MiB\n", gguf_n_tensors(f), (double)params / 1e9,
           mib((double)bytes));
    printf("tensor types:   ");
    for (uint32_t t = 0; t < QT_COUNT; t++)
        if (counts[t]) printf(" %s: %zu", qtype_name(t), counts[t]);
    printf("\n");
    if (gorilla_model_vocab_count(m))
        printf("tokenizer:       %s, %zu tokens, bos %d, eos %d\n",
               gorilla_model_tokenizer_kind(m) ? gorilla_model_tokenizer_kind(m) : "?", gorilla_model_vocab_count(m),
               gorilla_model_bos(m), gorilla_model_eos(m));
    else
        printf("tokenizer:       none in the file\n");
    double kv = 2.0 * c->n_layer * (double)c->n_ctx * c->kv_dim * sizeof(float);
    double act = ((double)c->n_embd * 4 + (double)c->n_ff * 2 + (double)c->n_head * c->n_ctx + c->n_vocab) * 4;
    printf("memory:          %.1f MiB file (mapped) + %.1f MiB KV cache (n_ctx %d, f32) + %.1f MiB activations"
           " = %.1f MiB\n",
           mib((double)gguf_file_size(f)), mib(kv), c->n_ctx, mib(act), mib((double)gguf_file_size(f) + kv + act));
    gorilla_model_free(m);
    gorilla_template tp;
    const char *source;
    if (gorilla_template_for_file(path, &tp, &source, &err)) return cli_fail("info", &err);
    printf("prompt template: %s (from %s; --template NAME picks another)\n", gorilla_template_name(tp), source);
    for (int t = 0; t < GORILLA_TEMPLATE_COUNT; t++)
        printf("  %c %-16s %s\n", t == (int)tp ? '*' : ' ', gorilla_template_name((gorilla_template)t),
               gorilla_template_summary((gorilla_template)t));
    return 0;
}
