/* cmd_bench.c — `gorilla bench`: run a model over a question file, writing
 * responses in the published format (resumable), then evaluate them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct {
    gorilla_hub hub;
    const char *qpath, *out;
    int tty;
} bench_ui;

static const char USAGE[] =
    "usage: gorilla bench --hub HUB --setting SETTING (--model MODEL.gguf | --endpoint URL [--model-name NAME])\n"
    "                     --out RESPONSES.jsonl [--data ROOT] [--questions FILE] [--limit N]\n"
    "                     [--retriever NAME] [--prompt gorilla|eval] [-n N] [--temp T] [--ctx N] [--constrain off|store|retrieved] [--draft auto|lookup|off]\n"
    "                     [--prompt-docs N] [--rerank K] [--doc-format json|repr]\n"
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
    "                       best documents of this retriever (gorilla, bm25-official) over\n"
    "                       ROOT's API documents (--setting is then not needed)\n"
    "  --prompt-docs N      with --retriever: the best N documents, one per line (default 1)\n"
    "  --rerank K           with --retriever: the model picks one document among the best K\n"
    "                       (log P of its domain and call after the task with it alone)\n"
    "  --doc-format F       with --retriever: json (json.dumps, as the oracle questions; default)\n"
    "                       or repr (str(), as the published bm25 questions)\n"
    "  --constrain MODE     the call field limited to the store's calls: store, retrieved, off (default off)\n"
    "  --draft MODE         prompt-lookup speculative decoding: lookup, off, or auto (the default:\n"
    "                     lookup where it pays, on models of 256 MiB of weights or more)\n"
    "  --limit N            answer at most the first N questions of the file\n"
    "  -n N                 tokens to generate per answer (default 256)\n"
    "  --no-eval            do not evaluate at the end\n";

/* Progress on stderr: a bar on a terminal, else a line per answer. */
static void progress(void *user, const gorilla_bench_progress *p)
{
    const bench_ui *ui = user;
    if (p->event == GORILLA_BENCH_START) {
        fprintf(stderr, "gorilla bench: %s, %s: %zu questions, %zu already answered in %s, %zu to go\n",
                gorilla_hub_name(ui->hub), ui->qpath, p->n_questions, p->n_questions - p->n_todo, ui->out, p->n_todo);
        return;
    }
    if (p->event == GORILLA_BENCH_EMPTY) {
        fprintf(stderr, "gorilla bench: question %ld: %s: recorded as an empty answer\n", p->question_id, p->note);
        return;
    }
    size_t done = p->n_answered, total = p->n_todo;
    if (ui->tty) {
        char bar[31];
        size_t fill = total ? done * 30 / total : 30;
        for (size_t i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        double eta = p->rate > 0 ? (double)(total - done) / p->rate : 0;
        fprintf(stderr, "\r[%s] %zu/%zu  %.2f q/s  ETA %d:%02d  ", bar, done, total, p->rate, (int)eta / 60,
                (int)eta % 60);
        if (done == total) fputc('\n', stderr);
    } else {
        fprintf(stderr, "gorilla bench: %zu/%zu answered (question %ld, %.2f q/s)\n", done, total, p->question_id,
                p->rate);
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
    cli_flag t[CLI_GEN_NFLAGS + 8];
    size_t n = cli_gen_flags_table(&g, t);
    t[n++] = CLI_F_BOOL("--no-eval", NULL, &no_eval);
    t[n++] = CLI_F_STR("--hub", NULL, &hub_s);
    t[n++] = CLI_F_STR("--setting", NULL, &setting_s);
    t[n++] = CLI_F_STR("--out", NULL, &out);
    t[n++] = CLI_F_STR("--data", NULL, &data);
    t[n++] = CLI_F_STR("--questions", NULL, &qfile);
    t[n++] = CLI_F_STR("--retriever", NULL, &retriever);
    t[n++] = CLI_F_LONG("--limit", NULL, &limit, 0, 100000000, "needs an integer >= 0");
    int rc = cli_flags_parse("bench", USAGE, argc, argv, t, n, NULL);
    if (rc >= 0) return rc;
    if ((rc = cli_gen_flags_check("bench", &g))) return rc;
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
    rc = cli_api_paths("bench", root, NULL, (int)hub, &files);
    if (rc) return rc;

    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    o.api_paths[hub] = files.paths[hub];
    o.retriever = retriever ? retriever : "none";
    o.constrain = GORILLA_ASK_CONSTRAIN_OFF; /* published-style numbers by default */
    cli_gen_flags_apply(&g, &o);
    gorilla_asker *asker = NULL;
    if (gorilla_asker_new(&o, &asker, &err)) return cli_fail("bench", &err);
    bench_ui ui = {hub, qpath, out, isatty(STDERR_FILENO)};
    gorilla_bench_opts bo;
    gorilla_bench_opts_init(&bo);
    bo.hub = hub;
    bo.questions_path = qpath;
    bo.out_path = out;
    bo.retrieve = retriever != NULL;
    bo.limit = limit;
    bo.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    bo.on_progress = progress;
    bo.user = &ui;
    gorilla_bench_progress last;
    if (gorilla_bench_run(asker, &bo, &last, &err)) rc = cli_fail("bench", &err);
    gorilla_asker_stats ds;
    gorilla_asker_decode_stats(asker, &ds);
    if (ds.answers)
        fprintf(stderr,
                "gorilla bench: decoded %zu tokens in %zu answers, %.1f tokens/s (%zu tokens through the model; drafts: %zu proposed, "
                "%zu accepted, %.1f%%)\n",
                ds.tokens, ds.answers, ds.decode_ms > 0 ? 1000.0 * (double)ds.tokens / ds.decode_ms : 0.0,
                ds.decode_steps, ds.drafted, ds.accepted, ds.drafted ? 100.0 * (double)ds.accepted / (double)ds.drafted : 0.0);
    gorilla_asker_free(asker);
    if (rc == 0) fprintf(stderr, "gorilla bench: %zu answers written to %s\n", last.n_answered, out);
    if (rc == 0 && !no_eval) rc = evaluate(out, hub, files.paths[hub], root);
    return rc;
}
