/* cmd_bench.c — `gorilla bench`: run a model over a question file, writing
 * responses in the published format (resumable), then evaluate them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla bench --hub HUB --setting SETTING (--model MODEL.gguf | --endpoint URL [--model-name NAME])\n"
    "                     --out RESPONSES.jsonl [--data ROOT] [--questions FILE] [--limit N]\n"
    "                     [--retriever NAME] [--prompt gorilla|eval] [-n N] [--temp T] [--ctx N]\n"
    "                     [-t THREADS] [--no-eval]\n"
    "\n"
    "Runs the model over the question file of a setting\n"
    "(ROOT/questions/<hub>/questions_<hub>_<setting>.jsonl) and appends one response\n"
    "per question to RESPONSES.jsonl in the published format (question_id, text,\n"
    "answer_id, model_id, metadata), flushed to disk (fsync) as each arrives. A rerun\n"
    "skips the questions already answered (a torn last line is dropped), so a killed\n"
    "run loses at most the answer in flight and never writes a duplicate. Then the\n"
    "file is evaluated (AST matching, as `gorilla eval`).\n"
    "\n"
    "  --hub HUB            torchhub|huggingface|tensorflowhub\n"
    "  --setting S          0_shot, bm25, gpt_index or oracle\n"
    "  --model FILE         a local GGUF model (Gorilla chat template)\n"
    "  --endpoint URL       an OpenAI-compatible server; --model-name NAME, --api-key-env VAR\n"
    "  --prompt STYLE       gorilla (default) or eval (the prompt for general chat models)\n"
    "  --out FILE           the responses file (created, or resumed)\n"
    "  --data ROOT          APIBench-shaped data (default: $GORILLA_DATA)\n"
    "  --questions FILE     a question file instead of ROOT's\n"
    "  --retriever NAME     build the prompts here: each 0_shot question followed by the\n"
    "                       top document of this retriever (gorilla, bm25-official) over\n"
    "                       ROOT's API documents (--setting is then not needed)\n"
    "  --limit N            answer at most the first N questions of the file\n"
    "  -n N                 tokens to generate per answer (default 256)\n"
    "  --no-eval            do not evaluate at the end\n";

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* Was question q answered already? (done is sorted) */
static int is_done(long q, const long *done, size_t n)
{
    return n && bsearch(&q, done, n, sizeof *done, cmp_long) != NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static void progress(int tty, size_t done, size_t total, long qid, double rate)
{
    if (tty) {
        char bar[31];
        size_t fill = total ? done * 30 / total : 30;
        for (size_t i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        double eta = rate > 0 ? (double)(total - done) / rate : 0;
        fprintf(stderr, "\r[%s] %zu/%zu  %.2f q/s  ETA %d:%02d  ", bar, done, total, rate, (int)eta / 60,
                (int)eta % 60);
        if (done == total) fputc('\n', stderr);
    } else {
        fprintf(stderr, "gorilla bench: %zu/%zu answered (question %ld, %.2f q/s)\n", done, total, qid, rate);
    }
}

static int evaluate(const char *out, gorilla_hub hub, const char *api, const char *root)
{
    char eval_path[4096];
    gorilla_error err = {0};
    if (gorilla_data_path(root, hub, GORILLA_FILE_EVAL, NULL, NULL, eval_path, sizeof eval_path, &err) ||
        access(eval_path, R_OK) != 0) {
        fprintf(stderr, "gorilla bench: no eval pairs for %s under %s: not evaluated\n", gorilla_hub_name(hub), root);
        return 0;
    }
    const char *apis[GORILLA_HUB_COUNT] = {0}, *evals[GORILLA_HUB_COUNT] = {0};
    apis[hub] = api;
    evals[hub] = eval_path;
    gorilla_eval_job job;
    memset(&job, 0, sizeof job);
    job.path = out;
    job.hub = hub;
    if (gorilla_eval_batch(apis, evals, GORILLA_MATCH_COMPATIBLE, &job, 1, 1, &err)) return cli_fail("bench", &err);
    const gorilla_tally *t = &job.tally;
    double d = t->total ? (double)t->total : 1;
    printf("%s (%s, %zu responses)\n", out, gorilla_hub_name(hub), t->total);
    printf("  accuracy       %6.2f%%  (%zu)\n", 100.0 * (double)t->correct / d, t->correct);
    printf("  hallucination  %6.2f%%  (%zu)\n", 100.0 * (double)t->hallucination / d, t->hallucination);
    printf("  error          %6.2f%%  (%zu: %zu without a call)\n", 100.0 * (double)t->error / d, t->error,
           t->unparsed);
    gorilla_eval_job_clear(&job);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *hub_s = NULL, *setting_s = NULL, *out = NULL, *data = NULL, *qfile = NULL, *retriever = NULL;
    long limit = -1;
    int no_eval = 0;
    cli_gen_flags g = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--no-eval")) {
            no_eval = 1;
            continue;
        }
        if (!v) return cli_usage_error("bench", "%s needs a value", a);
        i++;
        int used, rc = cli_parse_gen_flag("bench", a, v, &g, &used);
        if (rc) return rc;
        if (used) continue;
        if (!strcmp(a, "--hub")) hub_s = v;
        else if (!strcmp(a, "--setting")) setting_s = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--questions")) qfile = v;
        else if (!strcmp(a, "--retriever")) retriever = v;
        else if (!strcmp(a, "--limit")) {
            if (cli_parse_long(v, 0, 100000000, &limit)) return cli_usage_error("bench", "--limit needs an integer >= 0");
        } else return cli_usage_error("bench", "unknown argument '%s'", a);
    }
    gorilla_hub hub;
    gorilla_setting setting;
    if (!hub_s) return cli_usage_error("bench", "--hub is required");
    if (gorilla_hub_parse(hub_s, &hub) != 0) return cli_usage_error("bench", "unknown hub '%s'", hub_s);
    if (retriever && setting_s && strcmp(setting_s, "0_shot") != 0)
        return cli_usage_error("bench", "--retriever builds its prompts from the 0_shot questions: drop --setting %s",
                               setting_s);
    if (retriever && !strcmp(retriever, "none")) return cli_usage_error("bench", "--retriever none: use --setting 0_shot");
    if (retriever && !setting_s) setting_s = "0_shot";
    if (!setting_s && !qfile) return cli_usage_error("bench", "--setting is required");
    if (setting_s && gorilla_setting_parse(setting_s, &setting) != 0)
        return cli_usage_error("bench", "unknown setting '%s' (0_shot, bm25, gpt_index, oracle)", setting_s);
    if (!out) return cli_usage_error("bench", "--out RESPONSES.jsonl is required");
    if (!g.model && !g.endpoint) return cli_usage_error("bench", "give --model MODEL.gguf or --endpoint URL");
    if (g.model && g.endpoint) return cli_usage_error("bench", "give --model or --endpoint, not both");

    gorilla_error err = {0};
    const char *root = data ? data : getenv("GORILLA_DATA");
    if (!root || !*root) return cli_usage_error("bench", "no data: give --data ROOT or set GORILLA_DATA");
    char qpath[4096];
    if (qfile) snprintf(qpath, sizeof qpath, "%s", qfile);
    else if (gorilla_data_path(root, hub, GORILLA_FILE_QUESTIONS, NULL, setting_s, qpath, sizeof qpath, &err))
        return cli_fail("bench", &err);
    cli_api_files files;
    int rc = cli_api_paths("bench", root, NULL, (int)hub, &files);
    if (rc) return rc;

    gorilla_records *qs = NULL;
    if (gorilla_records_load(qpath, &qs, &err)) return cli_fail("bench", &err);
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[hub] = files.paths[hub];
    o.retriever = retriever ? retriever : "none";
    cli_gen_flags_apply(&g, &o);
    gorilla_asker *asker = NULL;
    if (gorilla_asker_new(&o, &asker, &err)) {
        gorilla_records_free(qs);
        return cli_fail("bench", &err);
    }
    long *done = NULL;
    size_t n_done = 0;
    int fd = -1;
    if (gorilla_bench_resume(out, &done, &n_done, &err)) {
        rc = cli_fail("bench", &err);
        goto end;
    }
    if (n_done) qsort(done, n_done, sizeof *done, cmp_long);
    fd = open(out, O_WRONLY | O_APPEND);
    if (fd < 0) {
        fprintf(stderr, "gorilla bench: %s: cannot open: %s\n", out, strerror(errno));
        rc = 1;
        goto end;
    }
    size_t n_q = gorilla_records_count(qs);
    if (limit >= 0 && (size_t)limit < n_q) n_q = (size_t)limit;
    size_t todo = 0;
    for (size_t i = 0; i < n_q; i++) {
        long q = gorilla_records_question_id(qs, i);
        if (!is_done(q, done, n_done)) todo++;
    }
    int tty = isatty(STDERR_FILENO);
    fprintf(stderr, "gorilla bench: %s, %s: %zu questions, %zu already answered in %s, %zu to go\n",
            gorilla_hub_name(hub), qpath, n_q, n_q - todo, out, todo);
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    double t0 = now_s();
    size_t answered = 0;
    for (size_t i = 0; i < n_q && rc == 0; i++) {
        long q = gorilla_records_question_id(qs, i);
        if (is_done(q, done, n_done)) continue;
        char *text = NULL, *user = NULL;
        const char *qtext = gorilla_records_text(qs, i);
        if (retriever) {
            gorilla_ask_result r;
            if (gorilla_ask_retrieve(asker, qtext, (int)hub, 1, &r, &err)) {
                fprintf(stderr, "gorilla bench: question %ld: %s\n", q, err.message);
                rc = 1;
                break;
            }
            user = gorilla_asker_task_text(asker, qtext, r.n_hits ? &r.hits[0] : NULL);
            gorilla_ask_result_clear(&r);
            if (!user) {
                fprintf(stderr, "gorilla bench: out of memory\n");
                rc = 1;
                break;
            }
            qtext = user;
        }
        gorilla_status gst = gorilla_asker_complete(asker, (int)hub, qtext, NULL, &text, &err);
        free(user);
        const char *failed = NULL;
        if (gst == GORILLA_ERR_LIMIT) {
            /* this question cannot be answered (prompt longer than the
             * context): record an empty answer, so that a rerun moves on */
            fprintf(stderr, "gorilla bench: question %ld: %s: recorded as an empty answer\n", q, err.message);
            failed = err.message;
            gst = GORILLA_OK;
        }
        if (gst) {
            fprintf(stderr, "gorilla bench: question %ld: %s\n", q, err.message);
            rc = 1;
            break;
        }
        char *line = gorilla_bench_response_line(q, text ? text : "", gorilla_asker_model_id(asker), seed, failed);
        free(text);
        if (!line) {
            fprintf(stderr, "gorilla bench: out of memory\n");
            rc = 1;
            break;
        }
        if (write_all(fd, line, strlen(line)) != 0 || fsync(fd) != 0) {
            fprintf(stderr, "gorilla bench: %s: write error: %s\n", out, strerror(errno));
            free(line);
            rc = 1;
            break;
        }
        free(line);
        answered++;
        double el = now_s() - t0;
        progress(tty, answered, todo, q, el > 0 ? (double)answered / el : 0);
    }
    if (close(fd) != 0 && rc == 0) {
        fprintf(stderr, "gorilla bench: %s: %s\n", out, strerror(errno));
        rc = 1;
    }
    fd = -1;
    if (rc == 0) fprintf(stderr, "gorilla bench: %zu answers written to %s\n", answered, out);
    if (rc == 0 && !no_eval) rc = evaluate(out, hub, files.paths[hub], root);
end:
    if (fd >= 0) close(fd);
    free(done);
    gorilla_asker_free(asker);
    gorilla_records_free(qs);
    return rc;
}
