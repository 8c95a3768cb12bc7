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

typedef struct {
    char *path;
    gorilla_hub hub;
    char model[128], setting[32];
    off_t size;
    gorilla_tally tally;
    gorilla_verdict *verdicts;
    long *qids;
    size_t n;
    int failed;
    gorilla_error err;
} eval_job;

typedef struct {
    gorilla_store *store[GORILLA_HUB_COUNT];
    gorilla_pairs *pairs[GORILLA_HUB_COUNT];
    gorilla_match_mode mode;
    eval_job *jobs;
    size_t *order;        /* job indices, largest file first */
    size_t n_jobs, next;
    pthread_mutex_t lock;
} eval_ctx;

static int judge_file(eval_job *j, gorilla_matcher *m, const gorilla_pairs *pairs)
{
    gorilla_records *recs;
    if (gorilla_records_load(j->path, &recs, &j->err) != GORILLA_OK) return -1;
    j->n = gorilla_records_count(recs);
    j->verdicts = calloc(j->n ? j->n : 1, sizeof *j->verdicts);
    int rc = 0;
    if (!j->verdicts) {
        snprintf(j->err.message, sizeof j->err.message, "%s: out of memory", j->path);
        rc = -1;
    } else if (gorilla_eval_records(m, pairs, recs, j->path, j->verdicts, &j->tally, &j->err) != GORILLA_OK) {
        rc = -1;
    }
    if (rc == 0) {
        j->qids = malloc((j->n ? j->n : 1) * sizeof *j->qids);
        if (!j->qids) {
            snprintf(j->err.message, sizeof j->err.message, "%s: out of memory", j->path);
            rc = -1;
        } else {
            for (size_t i = 0; i < j->n; i++) j->qids[i] = gorilla_records_question_id(recs, i);
        }
    }
    gorilla_records_free(recs);
    return rc;
}

static void *worker(void *arg)
{
    eval_ctx *c = arg;
    gorilla_matcher *m[GORILLA_HUB_COUNT] = {0};
    for (;;) {
        pthread_mutex_lock(&c->lock);
        size_t k = c->next++;
        pthread_mutex_unlock(&c->lock);
        if (k >= c->n_jobs) break;
        eval_job *j = &c->jobs[c->order[k]];
        if (!m[j->hub] && gorilla_matcher_new(c->store[j->hub], j->hub, c->mode, &m[j->hub], &j->err) != GORILLA_OK) {
            j->failed = 1;
            continue;
        }
        if (judge_file(j, m[j->hub], c->pairs[j->hub]) != 0) j->failed = 1;
    }
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) gorilla_matcher_free(m[h]);
    return NULL;
}

static int write_verdicts(const char *path, const eval_job *j, gorilla_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err->message, sizeof err->message, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < j->n; i++)
        fprintf(f, "{\"question_id\": %ld, \"verdict\": \"%s\", \"api_index\": %ld}\n", j->qids[i],
                gorilla_verdict_name(j->verdicts[i].verdict), j->verdicts[i].api_index);
    if (fclose(f) != 0) {
        snprintf(err->message, sizeof err->message, "%s: write error: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static void print_single(const eval_job *j, gorilla_match_mode mode, int json)
{
    const gorilla_tally *t = &j->tally;
    if (json) {
        printf("{\"file\": \"%s\", \"hub\": \"%s\", \"mode\": \"%s\", \"total\": %zu, \"correct\": %zu, "
               "\"hallucination\": %zu, \"error\": %zu, \"no_candidate\": %zu, \"accuracy\": %.6f, "
               "\"hallucination_rate\": %.6f, \"error_rate\": %.6f}\n",
               j->path, gorilla_hub_name(j->hub), mode == GORILLA_MATCH_STRICT ? "strict" : "compatible",
               t->total, t->correct, t->hallucination, t->error, t->unparsed,
               pct(t->correct, t->total) / 100, pct(t->hallucination, t->total) / 100,
               pct(t->error, t->total) / 100);
        return;
    }
    printf("%s (%s, %s matching, %zu responses)\n", j->path, gorilla_hub_name(j->hub),
           mode == GORILLA_MATCH_STRICT ? "strict" : "compatible", t->total);
    printf("  accuracy       %6.2f%%  (%zu)\n", pct(t->correct, t->total), t->correct);
    printf("  hallucination  %6.2f%%  (%zu)\n", pct(t->hallucination, t->total), t->hallucination);
    printf("  error          %6.2f%%  (%zu: %zu wrong domain, %zu without a call)\n", pct(t->error, t->total),
           t->error, t->error - t->unparsed, t->unparsed);
}

/* Rows: distinct (model, setting) in first-seen order; columns: hubs. */
static void print_table(eval_job *jobs, size_t n, gorilla_match_mode mode, int json)
{
    size_t *row = calloc(n ? n : 1, sizeof *row);
    size_t nrows = 0;
    if (!row) return;
    for (size_t i = 0; i < n; i++) {
        size_t r = nrows;
        for (size_t k = 0; k < i; k++)
            if (strcmp(jobs[k].model, jobs[i].model) == 0 && strcmp(jobs[k].setting, jobs[i].setting) == 0) {
                r = row[k];
                break;
            }
        if (r == nrows) nrows++;
        row[i] = r;
    }
    if (json) {
        printf("{\"mode\": \"%s\", \"rows\": [", mode == GORILLA_MATCH_STRICT ? "strict" : "compatible");
        for (size_t r = 0; r < nrows; r++) {
            size_t first = 0;
            while (row[first] != r) first++;
            printf("%s{\"model\": \"%s\", \"setting\": \"%s\"", r ? ", " : "", jobs[first].model, jobs[first].setting);
            for (size_t i = 0; i < n; i++) {
                if (row[i] != r) continue;
                const gorilla_tally *t = &jobs[i].tally;
                printf(", \"%s\": {\"total\": %zu, \"accuracy\": %.6f, \"hallucination\": %.6f, \"error\": %.6f}",
                       gorilla_hub_name(jobs[i].hub), t->total, pct(t->correct, t->total) / 100,
                       pct(t->hallucination, t->total) / 100, pct(t->error, t->total) / 100);
            }
            printf("}");
        }
        printf("]}\n");
        free(row);
        return;
    }
    printf("APIBench AST evaluation (%s matching): accuracy / hallucination / error, %%\n\n",
           mode == GORILLA_MATCH_STRICT ? "strict" : "compatible");
    printf("%-24s %-10s", "model", "setting");
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) printf(" | %-22s", gorilla_hub_name((gorilla_hub)h));
    printf("\n%-24s %-10s", "", "");
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) printf(" | %6s %6s %6s   ", "acc", "hall", "err");
    printf("\n");
    for (size_t r = 0; r < nrows; r++) {
        size_t first = 0;
        while (row[first] != r) first++;
        printf("%-24s %-10s", jobs[first].model, jobs[first].setting);
        for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
            size_t i;
            for (i = 0; i < n; i++)
                if (row[i] == r && jobs[i].hub == (gorilla_hub)h) break;
            if (i == n) {
                printf(" | %6s %6s %6s   ", "-", "-", "-");
                continue;
            }
            const gorilla_tally *t = &jobs[i].tally;
            printf(" | %6.2f %6.2f %6.2f   ", pct(t->correct, t->total), pct(t->hallucination, t->total),
                   pct(t->error, t->total));
        }
        printf("\n");
    }
    free(row);
}

static int add_job(eval_job **jobs, size_t *n, const char *path)
{
    eval_job *g = realloc(*jobs, (*n + 1) * sizeof *g);
    if (!g) return -1;
    *jobs = g;
    eval_job *j = &g[(*n)++];
    memset(j, 0, sizeof *j);
    j->path = strdup(path);
    return j->path ? 0 : -1;
}

static int cmp_job(const void *a, const void *b)
{
    const eval_job *x = a, *y = b;
    int c = strcmp(x->model, y->model);
    if (c) return c;
    static const char *order[] = {"0_shot", "bm25", "gpt_index", "oracle"};
    int ix = 4, iy = 4;
    for (int k = 0; k < 4; k++) {
        if (strcmp(x->setting, order[k]) == 0) ix = k;
        if (strcmp(y->setting, order[k]) == 0) iy = k;
    }
    if (ix != iy) return ix - iy;
    return (int)x->hub - (int)y->hub;
}

/* Adds every responses/<hub>/response_*.jsonl under root (sorted later). */
static int add_all(eval_job **jobs, size_t *n, const char *root)
{
    char dir[4096], path[8192];
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        snprintf(dir, sizeof dir, "%s/responses/%s", root, gorilla_hub_name((gorilla_hub)h));
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (strncmp(e->d_name, "response_", 9) != 0 || len < 6 || strcmp(e->d_name + len - 6, ".jsonl") != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (add_job(jobs, n, path) != 0) {
                closedir(d);
                return -1;
            }
        }
        closedir(d);
    }
    return 0;
}

static void free_jobs(eval_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].path);
        free(jobs[i].verdicts);
        free(jobs[i].qids);
    }
    free(jobs);
}

int cmd_eval(int argc, char **argv)
{
    const char *hub_name = NULL, *api = NULL, *apibench = NULL, *responses = NULL, *verdicts = NULL,
               *data = NULL;
    int json = 0, all = 0;
    long threads = 2;
    gorilla_match_mode mode = GORILLA_MATCH_COMPATIBLE;
    eval_job *jobs = NULL;
    size_t n_jobs = 0;
    int rc = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            free_jobs(jobs, n_jobs);
            return 0;
        } else if (strcmp(a, "--hub") == 0) slot = &hub_name;
        else if (strcmp(a, "--api") == 0) slot = &api;
        else if (strcmp(a, "--apibench") == 0) slot = &apibench;
        else if (strcmp(a, "--responses") == 0) slot = &responses;
        else if (strcmp(a, "--verdicts") == 0) slot = &verdicts;
        else if (strcmp(a, "--data") == 0) slot = &data;
        else if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--all") == 0) all = 1;
        else if (strcmp(a, "--strict") == 0) mode = GORILLA_MATCH_STRICT;
        else if (strcmp(a, "-t") == 0 || strcmp(a, "--threads") == 0) {
            if (i + 1 >= argc || cli_parse_long(argv[++i], 1, 64, &threads) != 0) {
                free_jobs(jobs, n_jobs);
                return cli_usage_error("eval", "%s needs a number of threads from 1 to 64", a);
            }
        } else if (a[0] == '-' && a[1]) {
            free_jobs(jobs, n_jobs);
            return cli_usage_error("eval", "unknown flag '%s'", a);
        } else if (add_job(&jobs, &n_jobs, a) != 0) {
            free_jobs(jobs, n_jobs);
            fprintf(stderr, "gorilla eval: out of memory\n");
            return 1;
        }
        if (slot) {
            if (i + 1 >= argc) {
                free_jobs(jobs, n_jobs);
                return cli_usage_error("eval", "%s needs a value", a);
            }
            *slot = argv[++i];
        }
    }
    gorilla_error err = {0};
    int single = responses != NULL;
    if (single && (n_jobs || all)) {
        free_jobs(jobs, n_jobs);
        return cli_usage_error("eval", "give either --responses FILE or response files (or --all), not both");
    }
    if (!single && !n_jobs && !all) {
        free_jobs(jobs, n_jobs);
        return cli_usage_error("eval", "no responses given (use --responses FILE, list files, or --all)");
    }
    if (single) {
        gorilla_hub hub;
        if (!hub_name) {
            free_jobs(jobs, n_jobs);
            return cli_usage_error("eval", "--responses needs --hub HUB");
        }
        if (gorilla_hub_parse(hub_name, &hub) != 0) {
            free_jobs(jobs, n_jobs);
            return cli_usage_error("eval", "unknown hub '%s' (torchhub|huggingface|tensorflowhub, th|hf|tf)", hub_name);
        }
        if (add_job(&jobs, &n_jobs, responses) != 0) {
            free_jobs(jobs, n_jobs);
            return 1;
        }
        jobs[0].hub = hub;
        snprintf(jobs[0].model, sizeof jobs[0].model, "-");
        snprintf(jobs[0].setting, sizeof jobs[0].setting, "-");
    } else {
        if (hub_name || api || apibench) {
            free_jobs(jobs, n_jobs);
            return cli_usage_error("eval", "--hub/--api/--apibench go with --responses; many files take --data");
        }
        const char *root = gorilla_data_root(data, &err);
        if (!root) goto fail;
        if (all && add_all(&jobs, &n_jobs, root) != 0) goto fail;
        if (!n_jobs) {
            fprintf(stderr, "gorilla eval: no response files found under %s/responses\n", root);
            goto out;
        }
        for (size_t i = 0; i < n_jobs; i++)
            if (gorilla_response_name_parse(jobs[i].path, &jobs[i].hub, jobs[i].model, sizeof jobs[i].model,
                                            jobs[i].setting, sizeof jobs[i].setting) != 0) {
                free_jobs(jobs, n_jobs);
                return cli_usage_error("eval", "%s: cannot tell the hub from the name (expected "
                                       "response_<hub>_<model>_<setting>.jsonl; use --hub and --responses)",
                                       jobs[i].path);
            }
        qsort(jobs, n_jobs, sizeof *jobs, cmp_job);
    }

    eval_ctx ctx = {0};
    ctx.mode = mode;
    ctx.jobs = jobs;
    ctx.n_jobs = n_jobs;
    ctx.order = malloc((n_jobs ? n_jobs : 1) * sizeof *ctx.order);
    pthread_mutex_init(&ctx.lock, NULL);
    if (!ctx.order) {
        fprintf(stderr, "gorilla eval: out of memory\n");
        goto cleanup;
    }
    for (size_t i = 0; i < n_jobs; i++) {
        struct stat st;
        jobs[i].size = stat(jobs[i].path, &st) == 0 ? st.st_size : 0;
        size_t k = i;
        while (k > 0 && jobs[ctx.order[k - 1]].size < jobs[i].size) {
            ctx.order[k] = ctx.order[k - 1];
            k--;
        }
        ctx.order[k] = i;
    }
    /* Load each needed hub's documents and pairs once. */
    for (size_t i = 0; i < n_jobs; i++) {
        gorilla_hub h = jobs[i].hub;
        if (ctx.store[h]) continue;
        char path[4096];
        const char *api_path = api, *eval_path = apibench;
        const char *root = NULL;
        if (!single || !api || !apibench) {
            root = gorilla_data_root(data, &err);
            if (!root) {
                gorilla_error_prefix_cli:
                fprintf(stderr, "gorilla eval: %s (or give --api and --apibench)\n", err.message);
                goto cleanup;
            }
        }
        if (!single || !api) {
            if (gorilla_data_path(root, h, GORILLA_FILE_API, NULL, NULL, path, sizeof path, &err) != GORILLA_OK)
                goto gorilla_error_prefix_cli;
            api_path = strdup(path);
        }
        gorilla_status st = gorilla_store_load(api_path, &ctx.store[h], &err);
        if (api_path != api) free((char *)api_path);
        if (st != GORILLA_OK) goto report;
        if (!single || !apibench) {
            if (gorilla_data_path(root, h, GORILLA_FILE_EVAL, NULL, NULL, path, sizeof path, &err) != GORILLA_OK)
                goto report;
            eval_path = path;
        }
        if (gorilla_pairs_load(eval_path, &ctx.pairs[h], &err) != GORILLA_OK) goto report;
    }
    {
        size_t nt = (size_t)threads < n_jobs ? (size_t)threads : n_jobs;
        pthread_t tid[64];
        size_t started = 0;
        for (size_t t = 1; t < nt; t++)
            if (pthread_create(&tid[started], NULL, worker, &ctx) == 0) started++;
        worker(&ctx);
        for (size_t t = 0; t < started; t++) pthread_join(tid[t], NULL);
    }
    for (size_t i = 0; i < n_jobs; i++)
        if (jobs[i].failed) {
            fprintf(stderr, "gorilla eval: %s\n", jobs[i].err.message);
            goto cleanup;
        }
    if (verdicts) {
        if (single) {
            if (write_verdicts(verdicts, &jobs[0], &err) != 0) goto report;
        } else {
            if (mkdir(verdicts, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "gorilla eval: %s: cannot create folder: %s\n", verdicts, strerror(errno));
                goto cleanup;
            }
            for (size_t i = 0; i < n_jobs; i++) {
                const char *base = strrchr(jobs[i].path, '/');
                base = base ? base + 1 : jobs[i].path;
                char out[4096];
                snprintf(out, sizeof out, "%s/%.*s.verdicts.jsonl", verdicts, (int)(strlen(base) - 6), base);
                if (write_verdicts(out, &jobs[i], &err) != 0) goto report;
            }
        }
    }
    if (single) print_single(&jobs[0], mode, json);
    else print_table(jobs, n_jobs, mode, json);
    rc = 0;
    goto cleanup;
report:
    fprintf(stderr, "gorilla eval: %s\n", err.message);
cleanup:
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        gorilla_store_free(ctx.store[h]);
        gorilla_pairs_free(ctx.pairs[h]);
    }
    pthread_mutex_destroy(&ctx.lock);
    free(ctx.order);
out:
    free_jobs(jobs, n_jobs);
    return rc;
fail:
    cli_fail("eval", &err);
    free_jobs(jobs, n_jobs);
    return 1;
}
