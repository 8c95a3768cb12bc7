/* cmd_eval.c — `gorilla eval`: APIBench AST evaluation of response files. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla eval --hub HUB --api API.jsonl --apibench EVAL.json --responses RESP.jsonl\n"
    "                    [--verdicts OUT.jsonl] [--json] [--strict]\n"
    "       gorilla eval [--data ROOT] [--json] [--strict] [-t THREADS] RESP.jsonl ...\n"
    "       gorilla eval [--data ROOT] --all\n"
    "\n"
    "Judges model responses by AST sub-tree matching, as the published APIBench\n"
    "evaluator does: a response whose call matches no API document of the hub is a\n"
    "hallucination; one that matches a document of another domain (or has no call) is\n"
    "an error; otherwise it is correct.\n"
    "\n"
    "  --hub HUB          torchhub|huggingface|tensorflowhub (th|hf|tf)\n"
    "  --api FILE         the hub's API documents (default: ROOT/api/<hub>_api.jsonl)\n"
    "  --apibench FILE    the hub's eval pairs (default: ROOT/apibench/<hub>_eval.json)\n"
    "  --responses FILE   responses (question_id, text) to judge\n"
    "  --verdicts OUT     write one verdict line per response, in input order\n"
    "                     (with many files: a folder, one <name>.verdicts.jsonl each)\n"
    "  --data ROOT        APIBench-shaped data folder (default: $GORILLA_DATA)\n"
    "  --all              every responses/<hub>/response_*.jsonl under ROOT\n"
    "  --strict           argument-by-argument matching, no fall-through (see README)\n"
    "  --json             print JSON instead of text\n"
    "  -t THREADS         files judged in parallel (default: 2)\n"
    "\n"
    "Many files: each file's hub, model and setting come from its name,\n"
    "response_<hub>_<model>_<setting>.jsonl; one table, rows model x setting.\n"
    "\n"
    "example: gorilla eval --data ../shared/apibench --all\n";

/* A file to evaluate, with the names the table shows. */
typedef struct {
    gorilla_eval_job job;
    char *path;
    char model[128], setting[32];
} eval_file;

static int write_verdicts(const char *path, const gorilla_eval_job *j)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gorilla eval: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < j->n; i++)
        fprintf(f, "{\"question_id\": %ld, \"verdict\": \"%s\", \"api_index\": %ld}\n", j->question_ids[i],
                gorilla_verdict_name(j->verdicts[i].verdict), j->verdicts[i].api_index);
    if (fclose(f) != 0) {
        fprintf(stderr, "gorilla eval: %s: write error: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static const char *mode_name(gorilla_match_mode mode)
{
    return mode == GORILLA_MATCH_STRICT ? "strict" : "compatible";
}

static void print_single(const eval_file *f, gorilla_match_mode mode, int json)
{
    const gorilla_tally *t = &f->job.tally;
    if (json) {
        printf("{\"file\": \"%s\", \"hub\": \"%s\", \"mode\": \"%s\", \"total\": %zu, \"correct\": %zu, "
               "\"hallucination\": %zu, \"error\": %zu, \"no_candidate\": %zu, \"accuracy\": %.6f, "
               "\"hallucination_rate\": %.6f, \"error_rate\": %.6f}\n",
               f->path, gorilla_hub_name(f->job.hub), mode_name(mode), t->total, t->correct, t->hallucination,
               t->error, t->unparsed, pct(t->correct, t->total) / 100, pct(t->hallucination, t->total) / 100,
               pct(t->error, t->total) / 100);
        return;
    }
    printf("%s (%s, %s matching, %zu responses)\n", f->path, gorilla_hub_name(f->job.hub), mode_name(mode), t->total);
    printf("  accuracy       %6.2f%%  (%zu)\n", pct(t->correct, t->total), t->correct);
    printf("  hallucination  %6.2f%%  (%zu)\n", pct(t->hallucination, t->total), t->hallucination);
    printf("  error          %6.2f%%  (%zu: %zu wrong domain, %zu without a call)\n", pct(t->error, t->total),
           t->error, t->error - t->unparsed, t->unparsed);
}

/* Rows: distinct (model, setting) in the files' (sorted) order; columns: hubs. */
static void print_table(const eval_file *files, size_t n, gorilla_match_mode mode, int json)
{
    if (json) printf("{\"mode\": \"%s\", \"rows\": [", mode_name(mode));
    else {
        printf("APIBench AST evaluation (%s matching): accuracy / hallucination / error, %%\n\n", mode_name(mode));
        printf("%-24s %-10s", "model", "setting");
        for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) printf(" | %-22s", gorilla_hub_name((gorilla_hub)h));
        printf("\n%-24s %-10s", "", "");
        for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) printf(" | %6s %6s %6s   ", "acc", "hall", "err");
        printf("\n");
    }
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        /* a row starts at the first file of its (model, setting) */
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(files[k].model, files[i].model) == 0 && strcmp(files[k].setting, files[i].setting) == 0;
        if (seen) continue;
        const eval_file *cell[GORILLA_HUB_COUNT] = {0};
        for (size_t k = i; k < n; k++)
            if (strcmp(files[k].model, files[i].model) == 0 && strcmp(files[k].setting, files[i].setting) == 0)
                cell[files[k].job.hub] = &files[k];
        if (json) printf("%s{\"model\": \"%s\", \"setting\": \"%s\"", rows ? ", " : "", files[i].model, files[i].setting);
        else printf("%-24s %-10s", files[i].model, files[i].setting);
        for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
            const gorilla_tally *t = cell[h] ? &cell[h]->job.tally : NULL;
            if (json && t)
                printf(", \"%s\": {\"total\": %zu, \"accuracy\": %.6f, \"hallucination\": %.6f, \"error\": %.6f}",
                       gorilla_hub_name((gorilla_hub)h), t->total, pct(t->correct, t->total) / 100,
                       pct(t->hallucination, t->total) / 100, pct(t->error, t->total) / 100);
            else if (!json && t)
                printf(" | %6.2f %6.2f %6.2f   ", pct(t->correct, t->total), pct(t->hallucination, t->total),
                       pct(t->error, t->total));
            else if (!json)
                printf(" | %6s %6s %6s   ", "-", "-", "-");
        }
        printf(json ? "}" : "\n");
        rows++;
    }
    if (json) printf("]}\n");
}

static int add_file(eval_file **files, size_t *n, const char *path)
{
    eval_file *g = realloc(*files, (*n + 1) * sizeof *g);
    if (!g) return -1;
    *files = g;
    eval_file *f = &g[(*n)++];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    f->job.path = f->path;
    return f->path ? 0 : -1;
}

static int setting_rank(const char *s)
{
    static const char *order[] = {"0_shot", "bm25", "gpt_index", "oracle"};
    for (int k = 0; k < 4; k++)
        if (strcmp(s, order[k]) == 0) return k;
    return 4;
}

static int cmp_file(const void *a, const void *b)
{
    const eval_file *x = a, *y = b;
    int c = strcmp(x->model, y->model);
    if (c) return c;
    int rx = setting_rank(x->setting), ry = setting_rank(y->setting);
    if (rx != ry) return rx - ry;
    c = strcmp(x->setting, y->setting);
    return c ? c : (int)x->job.hub - (int)y->job.hub;
}

/* Adds every responses/<hub>/response_*.jsonl under root. */
static int add_all(eval_file **files, size_t *n, const char *root)
{
    char dir[4096], path[8192];
    for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
        snprintf(dir, sizeof dir, "%s/responses/%s", root, gorilla_hub_name((gorilla_hub)h));
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (strncmp(e->d_name, "response_", 9) != 0 || len < 6 || strcmp(e->d_name + len - 6, ".jsonl") != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (add_file(files, n, path) != 0) {
                closedir(d);
                return -1;
            }
        }
        closedir(d);
    }
    return 0;
}

static void free_files(eval_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gorilla_eval_job_clear(&files[i].job);
        free(files[i].path);
    }
    free(files);
}

/* Flags of `gorilla eval`. */
typedef struct {
    const char *hub, *api, *apibench, *responses, *verdicts, *data;
    int json, all;
    long threads;
    gorilla_match_mode mode;
} eval_opts;

static int parse_flags(int argc, char **argv, eval_opts *o, eval_file **files, size_t *n)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        } else if (strcmp(a, "--hub") == 0) slot = &o->hub;
        else if (strcmp(a, "--api") == 0) slot = &o->api;
        else if (strcmp(a, "--apibench") == 0) slot = &o->apibench;
        else if (strcmp(a, "--responses") == 0) slot = &o->responses;
        else if (strcmp(a, "--verdicts") == 0) slot = &o->verdicts;
        else if (strcmp(a, "--data") == 0) slot = &o->data;
        else if (strcmp(a, "--json") == 0) o->json = 1;
        else if (strcmp(a, "--all") == 0) o->all = 1;
        else if (strcmp(a, "--strict") == 0) o->mode = GORILLA_MATCH_STRICT;
        else if (strcmp(a, "-t") == 0 || strcmp(a, "--threads") == 0) {
            if (i + 1 >= argc || cli_parse_long(argv[++i], 1, 64, &o->threads) != 0)
                return cli_usage_error("eval", "%s needs a number of threads from 1 to 64", a);
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("eval", "unknown flag '%s'", a);
        } else if (add_file(files, n, a) != 0) {
            fprintf(stderr, "gorilla eval: out of memory\n");
            return 1;
        }
        if (slot) {
            if (i + 1 >= argc) return cli_usage_error("eval", "%s needs a value", a);
            *slot = argv[++i];
        }
    }
    return -1; /* go on */
}

/* Fills files (hub, model, setting) and the per-hub paths. Returns -1 to go
 * on, else an exit code. */
static int plan(eval_opts *o, eval_file **files, size_t *n, char api[][4096], char ev[][4096])
{
    gorilla_error err = {0};
    if (o->responses) {
        gorilla_hub hub;
        if (*n || o->all)
            return cli_usage_error("eval", "give either --responses FILE or response files (or --all), not both");
        if (!o->hub) return cli_usage_error("eval", "--responses needs --hub HUB");
        if (gorilla_hub_parse(o->hub, &hub) != 0)
            return cli_usage_error("eval", "unknown hub '%s' (torchhub|huggingface|tensorflowhub, th|hf|tf)", o->hub);
        if (add_file(files, n, o->responses) != 0) return 1;
        (*files)[0].job.hub = hub;
        if (o->api) snprintf(api[hub], 4096, "%s", o->api);
        if (o->apibench) snprintf(ev[hub], 4096, "%s", o->apibench);
        if (o->api && o->apibench) return -1;
    } else {
        if (!*n && !o->all) return cli_usage_error("eval", "no responses given (use --responses FILE, list files, or --all)");
        if (o->hub || o->api || o->apibench)
            return cli_usage_error("eval", "--hub/--api/--apibench go with --responses; many files take --data");
    }
    const char *root = gorilla_data_root(o->data, &err);
    if (!root) {
        fprintf(stderr, "gorilla eval: %s%s\n", err.message, o->responses ? " (or give --api and --apibench)" : "");
        return 1;
    }
    if (o->all && add_all(files, n, root) != 0) return 1;
    if (!*n) {
        fprintf(stderr, "gorilla eval: no response files found under %s/responses\n", root);
        return 1;
    }
    for (size_t i = 0; i < *n && !o->responses; i++) {
        eval_file *f = &(*files)[i];
        if (gorilla_response_name_parse(f->path, &f->job.hub, f->model, sizeof f->model, f->setting,
                                        sizeof f->setting) != 0)
            return cli_usage_error("eval", "%s: cannot tell the hub from the name (expected "
                                   "response_<hub>_<model>_<setting>.jsonl; use --hub and --responses)", f->path);
    }
    for (size_t i = 0; i < *n; i++) {
        gorilla_hub h = (*files)[i].job.hub;
        if (!api[h][0] && gorilla_data_path(root, h, GORILLA_FILE_API, NULL, NULL, api[h], 4096, &err) != GORILLA_OK)
            return cli_fail("eval", &err);
        if (!ev[h][0] && gorilla_data_path(root, h, GORILLA_FILE_EVAL, NULL, NULL, ev[h], 4096, &err) != GORILLA_OK)
            return cli_fail("eval", &err);
    }
    return -1;
}

static int write_all_verdicts(const eval_opts *o, const eval_file *files, size_t n)
{
    if (o->responses) return write_verdicts(o->verdicts, &files[0].job);
    if (mkdir(o->verdicts, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gorilla eval: %s: cannot create folder: %s\n", o->verdicts, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(files[i].path, '/');
        base = base ? base + 1 : files[i].path;
        char out[8192];
        snprintf(out, sizeof out, "%s/%.*s.verdicts.jsonl", o->verdicts, (int)(strlen(base) - 6), base);
        if (write_verdicts(out, &files[i].job) != 0) return -1;
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    eval_opts o = {0};
    o.threads = 2;
    eval_file *files = NULL;
    size_t n = 0;
    static char api[GORILLA_HUB_COUNT][4096], ev[GORILLA_HUB_COUNT][4096];
    memset(api, 0, sizeof api);
    memset(ev, 0, sizeof ev);
    int rc = parse_flags(argc, argv, &o, &files, &n);
    if (rc < 0) rc = plan(&o, &files, &n, api, ev);
    if (rc >= 0) {
        free_files(files, n);
        return rc;
    }
    if (!files || n == 0) { /* plan() guarantees files; kept for the analyzer */
        free_files(files, n);
        return 1;
    }
    if (!o.responses) qsort(files, n, sizeof *files, cmp_file);
    gorilla_eval_job *jobs = malloc(n * sizeof *jobs);
    const char *api_paths[GORILLA_HUB_COUNT], *eval_paths[GORILLA_HUB_COUNT];
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        api_paths[h] = api[h][0] ? api[h] : NULL;
        eval_paths[h] = ev[h][0] ? ev[h] : NULL;
    }
    gorilla_error err = {0};
    rc = 1;
    if (!jobs) fprintf(stderr, "gorilla eval: out of memory\n");
    else {
        for (size_t i = 0; i < n; i++) jobs[i] = files[i].job;
        if (gorilla_eval_batch(api_paths, eval_paths, o.mode, jobs, n, (int)o.threads, &err) != GORILLA_OK) {
            cli_fail("eval", &err);
        } else {
            for (size_t i = 0; i < n; i++) files[i].job = jobs[i];
            if (!o.verdicts || write_all_verdicts(&o, files, n) == 0) {
                if (o.responses) print_single(&files[0], o.mode, o.json);
                else print_table(files, n, o.mode, o.json);
                rc = 0;
            }
        }
    }
    free(jobs);
    free_files(files, n);
    return rc;
}
