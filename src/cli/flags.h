/* flags.h — the table-driven flag parser every subcommand uses (internal
 * to the CLI). A command lists its flags once: name, alias, kind, where
 * the value goes and its range; the parser handles --help, missing
 * values, ranges, unknown flags and positional arguments, with one
 * message style ("gorilla CMD: -n needs an integer >= 0"). */
#ifndef GORILLA_CLI_FLAGS_H
#define GORILLA_CLI_FLAGS_H

#include <stddef.h>

typedef enum {
    CLI_BOOL,   /* no value: *(int *)dst = 1 */
    CLI_STR,    /* *(const char **)dst = value */
    CLI_LONG,   /* *(long *)dst, in [lmin, lmax] */
    CLI_INT,    /* *(int *)dst, in [lmin, lmax] */
    CLI_DOUBLE, /* *(double *)dst, in [min, max] (min excluded with open_min) */
    CLI_LIST    /* repeatable: appended to *(cli_list *)dst; `bad` when it is full */
} cli_flag_kind;

typedef struct {
    const char **items;
    size_t n, max;
} cli_list;

typedef struct {
    const char *name;  /* "--model" */
    const char *alias; /* "-m", or NULL */
    void *dst;
    const char *bad;   /* the usage error after the flag's name, e.g. "needs an integer >= 0" */
    int *seen;         /* optional: set to 1 when the flag is given */
    double min, max;   /* CLI_DOUBLE */
    long lmin, lmax;   /* CLI_LONG */
    cli_flag_kind kind;
    int open_min;      /* CLI_DOUBLE: the value must be > min */
} cli_flag;

/* Positional arguments (anything not starting with '-', and "-" itself):
 * up to max into pos[] (count in *n); max 0 refuses them. */
typedef struct {
    const char **pos;
    size_t max, n;
    const char *extra; /* the usage error for one too many ("... 'X'"), or NULL: "unknown argument 'X'" */
} cli_positional;

/* Parses argv[1..argc) against flags[0..n_flags). --help/-h prints usage
 * to stdout. Returns -1 to go on, 0 after the help, 2 after a usage error
 * (printed). positional may be NULL (none allowed). */
int cli_flags_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_flag *flags, size_t n_flags,
                    cli_positional *positional);

/* How many entries a flag table array has. */
#define CLI_NFLAGS(t) (sizeof(t) / sizeof((t)[0]))

/* Table entries, shortest form. */
#define CLI_F_BOOL(n, a, d) ((cli_flag){.name = (n), .alias = (a), .kind = CLI_BOOL, .dst = (d)})
#define CLI_F_STR(n, a, d) ((cli_flag){.name = (n), .alias = (a), .kind = CLI_STR, .dst = (d)})
#define CLI_F_LONG(n, a, d, lo, hi, msg) \
    ((cli_flag){.name = (n), .alias = (a), .kind = CLI_LONG, .dst = (d), .lmin = (lo), .lmax = (hi), .bad = (msg)})
#define CLI_F_INT(n, a, d, lo, hi, msg) \
    ((cli_flag){.name = (n), .alias = (a), .kind = CLI_INT, .dst = (d), .lmin = (lo), .lmax = (hi), .bad = (msg)})
#define CLI_F_LIST(n, a, d, msg) ((cli_flag){.name = (n), .alias = (a), .kind = CLI_LIST, .dst = (d), .bad = (msg)})
#define CLI_F_DOUBLE(n, a, d, lo, hi, msg) \
    ((cli_flag){.name = (n), .alias = (a), .kind = CLI_DOUBLE, .dst = (d), .min = (lo), .max = (hi), .bad = (msg)})

#endif
