/* cmd_bfcl.c — `gorilla bfcl run` (result files from a model) and `gorilla bfcl eval`: the Berkeley Function Calling
 * Leaderboard's AST evaluation of result files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla bfcl eval --data DIR --results DIR [--out SCORE_DIR] [--category C ...]\n"
    "                         [--model-name NAME] [--format auto|fc|prompt] [--names auto|underscore|keep]\n"
    "                         [--strict] [--json]\n"
    "       gorilla bfcl run ... (see gorilla bfcl run --help)\n"
    "\n"
    "Checks BFCL v4 result files (as BFCL's generation step writes them) against the\n"
    "questions and possible answers, with BFCL's AST checker rules, verdict for verdict.\n"
    "\n"
    "  --data DIR        BFCL_v4_<category>.json and possible_answer/ (e.g. ../shared/bfcl/data)\n"
    "  --results DIR     BFCL_v4_<category>_result.json (also DIR/result/ or one folder down)\n"
    "  --out DIR         write BFCL_v4_<category>_score.json there, in the official format\n"
    "  --category C      only these categories (repeatable; default: every result file found):\n"
    "                    simple_python simple_java simple_javascript multiple parallel\n"
    "                    parallel_multiple irrelevance live_simple live_multiple live_parallel\n"
    "                    live_parallel_multiple live_irrelevance live_relevance\n"
    "  --model-name N    the score lines' model_name (default: the results folder's name)\n"
    "  --format F        fc: results are [{\"name\": \"<arguments JSON>\"}]; prompt: results are\n"
    "                    call text [f(a=1)]; auto (default): fc when results are lists\n"
    "  --names N         underscore: expected \"a.b\" compared as \"a_b\" (OpenAI-style FC models);\n"
    "                    auto (default): underscore for FC results without a '.' in any name\n"
    "  --strict          optimal (bipartite) matching of parallel calls; output that failed to\n"
    "                    decode but looks like a call is no abstention in irrelevance\n"
    "  --json            print the scores as JSON\n"
    "\n"
    "example: gorilla bfcl eval --data ../shared/bfcl/data --results ../shared/bfcl/results/gpt-oss-120b/result\n";

static void print_pct(const gorilla_bfcl_report *r, int i)
{
    const gorilla_bfcl_score *s = &r->cat[i];
    if (s->evaluated)
        printf("  %-24s %7.2f%%  %5zu / %-5zu\n", gorilla_bfcl_category_name(i), 100.0 * s->accuracy, s->correct, s->total);
    else printf("  %-24s     N/A\n", gorilla_bfcl_category_name(i));
}

static int all_in(const gorilla_bfcl_report *r, int from, int to)
{
    for (int i = from; i <= to; i++)
        if (!r->cat[i].evaluated) return 0;
    return 1;
}

static void print_agg(const char *name, double v, int complete)
{
    if (complete) printf("  %-24s %7.2f%%\n", name, 100.0 * v);
    else printf("  %-24s     N/A  (%.2f%% with missing categories as 0)\n", name, 100.0 * v);
}

static void print_text(const gorilla_bfcl_report *r, int strict)
{
    printf("BFCL v4 AST evaluation (%s results, %s names%s)\n\n", r->fc ? "FC" : "prompting",
           r->underscore ? "'.' -> '_'" : "exact", strict ? ", strict" : "");
    printf("  %-24s %8s  %s\n", "category", "accuracy", "correct / total");
    for (int i = 0; i < GORILLA_BFCL_N_CATEGORIES; i++) print_pct(r, i);
    printf("\nnon-live (unweighted means)\n");
    print_agg("simple (py, java, js)", r->non_live_simple, all_in(r, 0, 2));
    print_agg("ast summary", r->non_live_ast, all_in(r, 0, 5));
    print_agg("overall (+ irrelevance)", r->non_live_overall, all_in(r, 0, 6));
    printf("live (weighted by entries)\n");
    print_agg("ast summary", r->live_ast, all_in(r, 7, 10));
    print_agg("overall (+ irr., rel.)", r->live_overall, all_in(r, 7, 12));
    printf("hallucination\n");
    print_agg("irrelevance (mean)", r->irrelevance, r->cat[6].evaluated && r->cat[11].evaluated);
    print_agg("relevance", r->relevance, r->cat[12].evaluated);
}

static void print_json(const gorilla_bfcl_report *r, int strict)
{
    printf("{\"format\": \"%s\", \"underscore_names\": %s, \"strict\": %s, \"categories\": {", r->fc ? "fc" : "prompt",
           r->underscore ? "true" : "false", strict ? "true" : "false");
    int first = 1;
    for (int i = 0; i < GORILLA_BFCL_N_CATEGORIES; i++) {
        const gorilla_bfcl_score *s = &r->cat[i];
        if (!s->evaluated) continue;
        printf("%s\"%s\": {\"accuracy\": %.17g, \"correct_count\": %zu, \"total_count\": %zu}", first ? "" : ", ",
               gorilla_bfcl_category_name(i), s->accuracy, s->correct, s->total);
        first = 0;
    }
    printf("}, \"non_live\": {\"simple\": %.17g, \"ast_summary\": %.17g, \"overall\": %.17g, \"complete\": %s}",
           r->non_live_simple, r->non_live_ast, r->non_live_overall, all_in(r, 0, 6) ? "true" : "false");
    printf(", \"live\": {\"ast_summary\": %.17g, \"overall\": %.17g, \"complete\": %s}", r->live_ast, r->live_overall,
           all_in(r, 7, 12) ? "true" : "false");
    printf(", \"irrelevance\": %.17g, \"relevance\": %.17g}\n", r->irrelevance, r->relevance);
}

static int bfcl_eval_cmd(int argc, char **argv)
{
    gorilla_bfcl_opts o = {0};
    const char *cats[GORILLA_BFCL_N_CATEGORIES * 4];
    size_t ncat = 0;
    int json = 0;
    const char *format = NULL, *names = NULL;
    cli_list catl = {cats, 0, sizeof cats / sizeof cats[0]};
    const cli_flag flags[] = {
        CLI_F_BOOL("--strict", NULL, &o.strict),
        CLI_F_BOOL("--json", NULL, &json),
        CLI_F_STR("--data", NULL, &o.data_dir),
        CLI_F_STR("--results", NULL, &o.results_dir),
        CLI_F_STR("--out", NULL, &o.out_dir),
        CLI_F_STR("--model-name", NULL, &o.model_name),
        CLI_F_LIST("--category", NULL, &catl, "is given too often"),
        CLI_F_STR("--format", NULL, &format),
        CLI_F_STR("--names", NULL, &names),
    };
    int rc = cli_flags_parse("bfcl eval", USAGE, argc, argv, flags, CLI_NFLAGS(flags), NULL);
    if (rc >= 0) return rc;
    ncat = catl.n;
    for (size_t i = 0; i < ncat; i++)
        if (gorilla_bfcl_category_index(cats[i]) < 0)
            return cli_usage_error("bfcl eval", "unknown category '%s'", cats[i]);
    if (!format) (void)0; /* the default */
    else if (!strcmp(format, "auto")) o.format = GORILLA_BFCL_AUTO;
    else if (!strcmp(format, "fc")) o.format = GORILLA_BFCL_FC;
    else if (!strcmp(format, "prompt")) o.format = GORILLA_BFCL_PROMPT;
    else return cli_usage_error("bfcl eval", "--format: auto, fc or prompt, not '%s'", format);
    if (!names) (void)0;
    else if (!strcmp(names, "auto")) o.names = GORILLA_BFCL_NAMES_AUTO;
    else if (!strcmp(names, "underscore")) o.names = GORILLA_BFCL_NAMES_UNDERSCORE;
    else if (!strcmp(names, "keep")) o.names = GORILLA_BFCL_NAMES_KEEP;
    else return cli_usage_error("bfcl eval", "--names: auto, underscore or keep, not '%s'", names);
    if (!o.data_dir) return cli_usage_error("bfcl eval", "--data DIR is needed");
    if (!o.results_dir) return cli_usage_error("bfcl eval", "--results DIR is needed");
    o.categories = ncat ? cats : NULL;
    o.n_categories = ncat;
    gorilla_bfcl_report r;
    gorilla_error err = {0};
    if (gorilla_bfcl_eval(&o, &r, &err) != GORILLA_OK) return cli_fail("bfcl eval", &err);
    if (json) print_json(&r, o.strict);
    else print_text(&r, o.strict);
    return 0;
}

static const char RUN_USAGE[] =
    "usage: gorilla bfcl run --data DIR --out DIR (--model MODEL.gguf | --endpoint URL [--model-name NAME])\n"
    "                        --category C [--category C ...] [--mode prompt|ofv2|fc] [--limit N]\n"
    "                        [--max-tokens N] [--api-key-env NAME] [--threads N] [--ctx N] [--json]\n"
    "\n"
    "Generates BFCL v4 result files (OUT/result/BFCL_v4_<c>_result.json, one fsync'ed line\n"
    "per entry; a rerun skips the ids already answered), writes the answered subset of the\n"
    "data to OUT/data/, then scores it (OUT/score/) with `gorilla bfcl eval`'s checker.\n"
    "\n"
    "  --mode prompt     BFCL's default prompting system prompt; results are the text (default)\n"
    "  --mode ofv2       the OpenFunctions v2 prompt (/v1/completions for an endpoint)\n"
    "  --mode fc         chat with `tools` (an endpoint); a local model's parsed calls\n"
    "  --limit N         the first N entries of each category\n"
    "\n"
    "example: gorilla bfcl run --data ../shared/bfcl/data --endpoint http://127.0.0.1:8080/v1 \\\n"
    "           --category simple_python --limit 5 --out /tmp/bfcl-run\n";

static void run_progress(void *user, const char *cat, const char *id, int skipped)
{
    (void)user;
    fprintf(stderr, "bfcl run: %s %s%s\n", cat, id, skipped ? " (already answered)" : "");
}

static int bfcl_run_cmd(int argc, char **argv)
{
    gorilla_bfcl_run_opts o;
    memset(&o, 0, sizeof o);
    const char *cats[GORILLA_BFCL_N_CATEGORIES * 4];
    size_t ncat = 0;
    int json = 0, quiet = 0;
    long limit = 0, max_tokens = 256, threads = 0, ctx = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(RUN_USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (i + 1 >= argc) return cli_usage_error("bfcl run", "%s needs a value (or is unknown)", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--data")) o.data_dir = v;
        else if (!strcmp(a, "--out")) o.out_dir = v;
        else if (!strcmp(a, "--model") || !strcmp(a, "-m")) o.model_path = v;
        else if (!strcmp(a, "--endpoint")) o.endpoint = v;
        else if (!strcmp(a, "--model-name")) o.model_name = v;
        else if (!strcmp(a, "--api-key-env")) o.api_key_env = v;
        else if (!strcmp(a, "--category")) {
            if (gorilla_bfcl_category_index(v) < 0) return cli_usage_error("bfcl run", "unknown category '%s'", v);
            if (ncat < sizeof cats / sizeof cats[0]) cats[ncat++] = v;
        } else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "prompt")) o.mode = GORILLA_BFCL_RUN_PROMPT;
            else if (!strcmp(v, "ofv2")) o.mode = GORILLA_BFCL_RUN_OFV2;
            else if (!strcmp(v, "fc")) o.mode = GORILLA_BFCL_RUN_FC;
            else return cli_usage_error("bfcl run", "--mode: prompt, ofv2 or fc, not '%s'", v);
        } else if (!strcmp(a, "--limit")) {
            if (cli_parse_long(v, 0, 1000000, &limit)) return cli_usage_error("bfcl run", "--limit needs an integer >= 0");
        } else if (!strcmp(a, "--max-tokens")) {
            if (cli_parse_long(v, 1, 32768, &max_tokens)) return cli_usage_error("bfcl run", "--max-tokens needs an integer in [1, 32768]");
        } else if (!strcmp(a, "--threads")) {
            if (cli_parse_long(v, 1, 256, &threads)) return cli_usage_error("bfcl run", "--threads needs an integer in [1, 256]");
        } else if (!strcmp(a, "--ctx")) {
            if (cli_parse_long(v, 1, 1 << 20, &ctx)) return cli_usage_error("bfcl run", "--ctx needs an integer");
        } else return cli_usage_error("bfcl run", "unknown flag '%s'", a);
    }
    if (!o.data_dir) return cli_usage_error("bfcl run", "--data DIR is needed");
    if (!o.out_dir) return cli_usage_error("bfcl run", "--out DIR is needed");
    if (!ncat) return cli_usage_error("bfcl run", "give at least one --category");
    if (!o.model_path == !o.endpoint) return cli_usage_error("bfcl run", "give --model MODEL.gguf or --endpoint URL");
    o.categories = cats;
    o.n_categories = ncat;
    o.limit = (size_t)limit;
    o.max_tokens = (int)max_tokens;
    o.n_threads = (int)threads;
    o.n_ctx = (int)ctx;
    if (!quiet) o.on_entry = run_progress;
    gorilla_error err = {0};
    size_t n_new = 0;
    if (gorilla_bfcl_run(&o, &n_new, &err) != GORILLA_OK) return cli_fail("bfcl run", &err);
    fprintf(stderr, "bfcl run: %zu new entries answered\n", n_new);
    char data[4096], results[4096], score[4096];
    snprintf(data, sizeof data, "%s/data", o.out_dir);
    snprintf(results, sizeof results, "%s/result", o.out_dir);
    snprintf(score, sizeof score, "%s/score", o.out_dir);
    gorilla_bfcl_opts eo = {0};
    eo.data_dir = data;
    eo.results_dir = results;
    eo.out_dir = score;
    eo.model_name = o.model_name ? o.model_name : "gorilla";
    eo.categories = cats;
    eo.n_categories = ncat;
    eo.format = o.mode == GORILLA_BFCL_RUN_FC ? GORILLA_BFCL_FC : GORILLA_BFCL_PROMPT;
    gorilla_bfcl_report r;
    if (gorilla_bfcl_eval(&eo, &r, &err) != GORILLA_OK) return cli_fail("bfcl run", &err);
    if (json) print_json(&r, 0);
    else print_text(&r, 0);
    return 0;
}

int cmd_bfcl(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "eval")) return bfcl_eval_cmd(argc - 1, argv + 1);
    if (!strcmp(argv[1], "run")) return bfcl_run_cmd(argc - 1, argv + 1);
    return cli_usage_error("bfcl", "unknown subcommand '%s' (eval, run)", argv[1]);
}
