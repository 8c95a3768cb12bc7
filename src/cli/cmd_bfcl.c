/* cmd_bfcl.c — `gorilla bfcl eval`: the Berkeley Function Calling
 * Leaderboard's AST evaluation of result files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla bfcl eval --data DIR --results DIR [--out SCORE_DIR] [--category C ...]\n"
    "                         [--model-name NAME] [--format auto|fc|prompt] [--names auto|underscore|keep]\n"
    "                         [--strict] [--json]\n"
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
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--strict")) {
            o.strict = 1;
            continue;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (i + 1 >= argc) return cli_usage_error("bfcl eval", "%s needs a value (or is unknown)", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--data")) o.data_dir = v;
        else if (!strcmp(a, "--results")) o.results_dir = v;
        else if (!strcmp(a, "--out")) o.out_dir = v;
        else if (!strcmp(a, "--model-name")) o.model_name = v;
        else if (!strcmp(a, "--category")) {
            if (gorilla_bfcl_category_index(v) < 0) return cli_usage_error("bfcl eval", "unknown category '%s'", v);
            if (ncat < sizeof cats / sizeof cats[0]) cats[ncat++] = v;
        } else if (!strcmp(a, "--format")) {
            if (!strcmp(v, "auto")) o.format = GORILLA_BFCL_AUTO;
            else if (!strcmp(v, "fc")) o.format = GORILLA_BFCL_FC;
            else if (!strcmp(v, "prompt")) o.format = GORILLA_BFCL_PROMPT;
            else return cli_usage_error("bfcl eval", "--format: auto, fc or prompt, not '%s'", v);
        } else if (!strcmp(a, "--names")) {
            if (!strcmp(v, "auto")) o.names = GORILLA_BFCL_NAMES_AUTO;
            else if (!strcmp(v, "underscore")) o.names = GORILLA_BFCL_NAMES_UNDERSCORE;
            else if (!strcmp(v, "keep")) o.names = GORILLA_BFCL_NAMES_KEEP;
            else return cli_usage_error("bfcl eval", "--names: auto, underscore or keep, not '%s'", v);
        } else return cli_usage_error("bfcl eval", "unknown flag '%s'", a);
    }
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

int cmd_bfcl(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "eval")) return bfcl_eval_cmd(argc - 1, argv + 1);
    return cli_usage_error("bfcl", "unknown subcommand '%s' (eval)", argv[1]);
}
