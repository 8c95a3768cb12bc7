/* cmd_convert.c — `gorilla convert` (checkpoints to GGUF) and `gorilla
 * quantize` (a GGUF file in another tensor type). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char CONVERT_USAGE[] =
    "usage: gorilla convert INPUT -o OUT.gguf [--type T] [--tokenizer TOK.bin] [--name NAME] [--pre NAME]\n"
    "\n"
    "Converts a checkpoint to a GGUF file that this engine and llama.cpp read.\n"
    "INPUT is either\n"
    "  - a llama2.c checkpoint (.bin: legacy, v1 fp32 or v2 int8 export) with its\n"
    "    tokenizer .bin (--tokenizer; default: tokenizer.bin beside the checkpoint), or\n"
    "  - a Hugging Face checkpoint directory: config.json, model.safetensors or\n"
    "    sharded safetensors with model.safetensors.index.json (F32, F16, BF16),\n"
    "    and tokenizer.json or tokenizer.model; LlamaForCausalLM (also Mistral and\n"
    "    DeepSeek-Coder configs), MPTForCausalLM, FalconForCausalLM.\n"
    "\n"
    "  -o, --output FILE   the GGUF file to write (written to FILE.tmp, then renamed)\n"
    "  --type T            weight type: F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K\n"
    "                      Q4_K Q5_K Q6_K (default: llama2.c F32, Hugging Face the\n"
    "                      checkpoint's dtype); 1-D tensors stay F32\n"
    "  --tokenizer FILE    llama2.c tokenizer .bin\n"
    "  --name NAME         general.name (default: from the input's name)\n"
    "  --pre NAME          tokenizer.ggml.pre of a byte-level BPE vocabulary (default:\n"
    "                      mpt, falcon by architecture; for LLaMA read from\n"
    "                      tokenizer.json: llama-bpe, deepseek-coder, deepseek-llm, gpt-2)\n";

static const char QUANTIZE_USAGE[] =
    "usage: gorilla quantize IN.gguf OUT.gguf TYPE\n"
    "\n"
    "Rewrites a GGUF model with its weight matrices in TYPE (F32 F16 BF16 Q4_0\n"
    "Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K). 1-D tensors stay F32; a row\n"
    "length that does not fit TYPE's block falls back as llama.cpp does (Q4_K ->\n"
    "Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> Q4_0, then F16). Metadata is\n"
    "copied, general.file_type updated.\n";

static void print_info(const char *out, const gorilla_convert_info *info, const char *type)
{
    fprintf(stderr, "gorilla: wrote %s: %s, %s, %zu tensors, %llu parameters, vocabulary %zu, weights %s\n", out,
            info->format, info->arch, info->n_tensors, (unsigned long long)info->n_params, info->n_vocab, type);
}

int cmd_convert(int argc, char **argv)
{
    const char *input = NULL, *out = NULL;
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(CONVERT_USAGE, stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (input) return cli_usage_error("convert", "one INPUT only (got '%s' and '%s')", input, a);
            input = a;
            continue;
        }
        if (!v) return cli_usage_error("convert", "%s needs a value", a);
        i++;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) out = v;
        else if (!strcmp(a, "--tokenizer")) o.tokenizer = v;
        else if (!strcmp(a, "--name")) o.name = v;
        else if (!strcmp(a, "--pre")) o.pre = v;
        else if (!strcmp(a, "--type")) {
            if ((o.type = gorilla_type_from_name(v)) < 0)
                return cli_usage_error("convert", "unknown type '%s' (F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K..Q6_K)",
                                       v);
        } else {
            return cli_usage_error("convert", "unknown argument '%s'", a);
        }
    }
    if (!input) return cli_usage_error("convert", "INPUT is required");
    if (!out) return cli_usage_error("convert", "-o OUT.gguf is required");
    gorilla_error err = {0};
    gorilla_convert_info info;
    if (gorilla_convert(input, out, &o, &info, &err)) return cli_fail("convert", &err);
    print_info(out, &info, o.type < 0 ? "as the source" : gorilla_type_name(o.type));
    return 0;
}

int cmd_quantize(int argc, char **argv)
{
    const char *pos[3];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(QUANTIZE_USAGE, stdout);
            return 0;
        }
        if (n == 3) return cli_usage_error("quantize", "unexpected argument '%s'", argv[i]);
        pos[n++] = argv[i];
    }
    if (n != 3) return cli_usage_error("quantize", "IN.gguf OUT.gguf TYPE are required");
    int type = gorilla_type_from_name(pos[2]);
    if (type < 0) return cli_usage_error("quantize", "unknown type '%s'", pos[2]);
    gorilla_error err = {0};
    gorilla_convert_info info;
    if (gorilla_quantize(pos[0], pos[1], type, &info, &err)) return cli_fail("quantize", &err);
    print_info(pos[1], &info, gorilla_type_name(type));
    return 0;
}
