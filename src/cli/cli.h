/* cli.h — what the subcommands share (internal to the CLI). */
#ifndef GORILLA_CLI_H
#define GORILLA_CLI_H

#include "cli/flags.h"
#include "gorilla.h"

/* Every subcommand: argc/argv start at the subcommand's name (argv[0]).
 * Returns the process exit code: 0 ok, 1 failure, 2 usage error. */
typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct {
    const char *name;
    cli_command_fn run;
    const char *summary; /* one line for `gorilla help` */
} cli_command;

/* Prints "gorilla CMD: message" to stderr and returns the exit code for err. */
int cli_fail(const char *cmd, const gorilla_error *err);
/* Prints a usage error and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when argv[i] is "-h" or "--help". */
int cli_is_help(const char *arg);
/* Parses a decimal integer flag value into [min, max]; returns 0 ok, -1 bad. */
int cli_parse_long(const char *s, long min, long max, long *out);
/* Parses a floating-point flag value; returns 0 ok, -1 bad. */
int cli_parse_double(const char *s, double *out);

/* The subcommands (one cmd_<name>.c each). */
int cmd_eval(int argc, char **argv);
int cmd_retrieve(int argc, char **argv);
int cmd_prompt(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_logprobs(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_ask(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_bfcl(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_selfinstruct(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_vocab(int argc, char **argv);
/* Shared helpers (common.c). API files of ask/bench/chat/serve: --api FILE (hub
 * from `hub` or the name), else --data ROOT, else $GORILLA_DATA, else the
 * starter store; ROOT/api/<hub>_api.jsonl or ROOT/<hub>_api.jsonl. hub -1:
 * every hub found. Returns 0, or the exit code after printing why. */
typedef struct {
    const char *paths[GORILLA_HUB_COUNT];
    char buf[GORILLA_HUB_COUNT][4096];
    char root[4096]; /* the root used ("" for --api) */
} cli_api_files;
int cli_api_paths(const char *cmd, const char *data, const char *api, int hub, cli_api_files *f);
/* For an APIZoo store: prints to stderr what its load skipped (files that are
 * not valid JSON, entries with missing fields or wrong types) and the counts. */
void cli_report_store(const char *cmd, const char *path, const gorilla_store *store);
/* Model flags shared by ask/bench/chat. */
typedef struct {
    const char *model, *endpoint, *model_name, *api_key_env, *prompt_s;
    const char *template_name; /* --template NAME (NULL: from the model file) */
    gorilla_prompt_style prompt;
    long max_tokens, ctx, threads, retries;
    int retries_set;
    double temp;
    const char *constrain_s, *draft_s; /* --constrain store|retrieved|off, --draft lookup|off */
    const char *doc_format_s;          /* --doc-format json|repr */
    long prompt_docs;                  /* --prompt-docs N (0: not given) */
    long rerank;                       /* --rerank K (0: not given) */
    int doc_format;                    /* parsed; -1: not given */
    int constrain, draft;              /* parsed; -1: not given */
} cli_gen_flags;
/* Entries the model flags take in a flag table. */
#define CLI_GEN_NFLAGS 16
/* Writes the model flags' table entries into t (room for CLI_GEN_NFLAGS);
 * returns how many. */
size_t cli_gen_flags_table(cli_gen_flags *g, cli_flag *t);
/* Checks the parsed values (--prompt gorilla|eval). Returns 0, or 2 after a
 * usage error. */
int cli_gen_flags_check(const char *cmd, cli_gen_flags *g);
void cli_gen_flags_apply(const cli_gen_flags *g, gorilla_ask_opts *o);
/* The asker of ask/chat from their common flags (--data/--api, --hub,
 * --retriever, -k, model or endpoint): checks them, finds the API files and
 * creates the asker. Returns 0, or the exit code after printing the error.
 * *hub is the chosen hub, -1 for all. */
int cli_asker_open(const char *cmd, const char *data, const char *api, const char *hub_s, const char *retriever,
                   long k, const cli_gen_flags *g, int *hub, gorilla_asker **asker);
/* Prints an ask result as text. */
void cli_print_ask(const gorilla_ask_result *r, const char *model_id);
/* Parses token ids separated by spaces or commas into a malloc'd array
 * (common.c). Returns 0, or -1 on a bad id. */
int cli_parse_token_list(const char *s, int32_t **out, size_t *n);

#endif
