/* flags.c — the table-driven flag parser (flags.h). */
#include "cli/flags.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cli_flag *find_flag(const cli_flag *flags, size_t n, const char *a)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a, flags[i].name) || (flags[i].alias && !strcmp(a, flags[i].alias))) return &flags[i];
    return NULL;
}

static int bad_value(const char *cmd, const char *a, const cli_flag *f)
{
    return cli_usage_error(cmd, "%s %s", a, f->bad ? f->bad : "has a bad value");
}

static int set_value(const char *cmd, const char *a, const cli_flag *f, const char *v)
{
    switch (f->kind) {
    case CLI_STR: *(const char **)f->dst = v; break;
    case CLI_LONG:
    case CLI_INT: {
        long x;
        if (cli_parse_long(v, f->lmin, f->lmax, &x)) return bad_value(cmd, a, f);
        if (f->kind == CLI_INT) *(int *)f->dst = (int)x; /* the range fits an int */
        else *(long *)f->dst = x;
        break;
    }
    case CLI_DOUBLE: {
        double x;
        if (cli_parse_double(v, &x) || !(x >= f->min) || !(x <= f->max) || (f->open_min && x == f->min))
            return bad_value(cmd, a, f);
        *(double *)f->dst = x;
        break;
    }
    case CLI_LIST: {
        cli_list *l = f->dst;
        if (l->n >= l->max) return bad_value(cmd, a, f);
        l->items[l->n++] = v;
        break;
    }
    default: *(int *)f->dst = 1; break;
    }
    if (f->seen) *f->seen = 1;
    return 0;
}

int cli_flags_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_flag *flags, size_t n_flags,
                    cli_positional *positional)
{
    if (positional) positional->n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return 0;
        }
        if (a[0] != '-' || !a[1]) {
            if (!positional || positional->n >= positional->max) {
                if (positional && positional->extra) return cli_usage_error(cmd, "%s '%s'", positional->extra, a);
                return cli_usage_error(cmd, "unknown argument '%s'", a);
            }
            positional->pos[positional->n++] = a;
            continue;
        }
        const cli_flag *f = find_flag(flags, n_flags, a);
        if (!f) return cli_usage_error(cmd, "unknown flag '%s'", a);
        if (f->kind == CLI_BOOL) {
            set_value(cmd, a, f, NULL);
            continue;
        }
        if (i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", a);
        int rc = set_value(cmd, a, f, argv[++i]);
        if (rc) return rc;
    }
    return -1;
}
