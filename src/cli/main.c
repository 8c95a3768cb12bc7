/* main.c — `gorilla` dispatch: gorilla [--version] <command> [flags]. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);

/* One line per subcommand; `gorilla help` lists them in this order. */
static const cli_command COMMANDS[] = {
    {"eval", cmd_eval, "judge model responses against an API store (APIBench AST matching)"},
    {"retrieve", cmd_retrieve, "rank API documents for an instruction; retrieval metrics (--eval)"},
    {"prompt", cmd_prompt, "write question files (0_shot, bm25, gpt_index, oracle) in the published format"},
    {"info", cmd_info, "describe a GGUF model: architecture, sizes, tensor types, memory"},
    {"generate", cmd_generate, "generate text from a prompt with a GGUF model"},
    {"logprobs", cmd_logprobs, "top next-token probabilities after each prefix of a token list"},
    {"tokenize", cmd_tokenize, "show the token ids (and pieces) a GGUF model's tokenizer gives a text"},
    {"serve", cmd_serve, "serve an OpenAI-compatible HTTP API (chat, completions, streaming) on a GGUF model"},
    {"ask", cmd_ask, "the API call for a task: retrieve, ask a model (optional), check the call against the store"},
    {"bench", cmd_bench, "run a model over an APIBench question file (resumable), then evaluate the answers"},
    {"bfcl", cmd_bfcl, "Berkeley Function Calling Leaderboard: `bfcl eval` checks result files as BFCL's AST checker"},
    {"chat", cmd_chat, "interactive API assistant keeping the conversation (reads tasks from stdin)"},
    {"train", cmd_train, "train a LLaMA model from scratch or fine-tune a GGUF on conversations; plot its log"},
    {"selfinstruct", cmd_selfinstruct, "{instruction, API} pairs from an OpenAI-compatible teacher (self-instruct)"},
    {"dataset", cmd_dataset, "training conversations (0-shot, retriever-aware) from pairs; export for FastChat / HF"},
    {"convert", cmd_convert, "convert a llama2.c or Hugging Face checkpoint to GGUF"},
    {"quantize", cmd_quantize, "rewrite a GGUF model with its weights in another tensor type"},
    {"help", cmd_help, "list commands, or show a command's help"},
};
static const size_t N_COMMANDS = sizeof COMMANDS / sizeof COMMANDS[0];

int cli_fail(const char *cmd, const gorilla_error *err)
{
    fprintf(stderr, "gorilla %s: %s\n", cmd, err->message[0] ? err->message : "failed");
    return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gorilla %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see: gorilla %s --help)\n", cmd);
    va_end(ap);
    return 2;
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v != v) return -1;
    *out = v;
    return 0;
}

static void print_overview(FILE *f)
{
    fprintf(f, "gorilla %s — the right API call for a task, checked against an API store\n\n"
               "usage: gorilla <command> [flags]     (gorilla <command> --help for its flags)\n\n"
               "commands:\n", gorilla_version());
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(f, "\ndata: --data DIR or $GORILLA_DATA points at an APIBench-shaped folder\n");
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0) return &COMMANDS[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc >= 2 && !cli_is_help(argv[1])) {
        const cli_command *c = find_command(argv[1]);
        if (!c) return cli_usage_error("help", "unknown command '%s'", argv[1]);
        char help[] = "--help";
        char *args[] = {argv[1], help, NULL};
        return c->run(2, args);
    }
    print_overview(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("gorilla %s\n", gorilla_version());
        return 0;
    }
    if (cli_is_help(argv[1])) return cmd_help(1, argv + 1);
    const cli_command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "gorilla: unknown command '%s' (see: gorilla help)\n", argv[1]);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
