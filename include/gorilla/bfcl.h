/* gorilla/bfcl.h — the Berkeley Function Calling Leaderboard checker (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_BFCL_H
#define GORILLA_API_BFCL_H

#include "gorilla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- BFCL ---- */
/* The Berkeley Function Calling Leaderboard's AST evaluation (v4 files):
 * model result files checked against the questions and possible answers,
 * verdict for verdict as BFCL's checker gives them (docs/bfcl.md). */

#define GORILLA_BFCL_N_CATEGORIES 13

/* The 13 AST categories in leaderboard order: simple_python, simple_java,
 * simple_javascript, multiple, parallel, parallel_multiple, irrelevance,
 * live_simple, live_multiple, live_parallel, live_parallel_multiple,
 * live_irrelevance, live_relevance. NULL past the end. */
const char *gorilla_bfcl_category_name(int i);
/* Index of a category name, or -1. */
int gorilla_bfcl_category_index(const char *name);

typedef enum {
    GORILLA_BFCL_AUTO = 0, /* decided from the result files (see below) */
    GORILLA_BFCL_FC,       /* results are [{"name": "<arguments JSON>"}] (function-calling models) */
    GORILLA_BFCL_PROMPT    /* results are text: [f(a=1), g(b="x")] (prompting models) */
} gorilla_bfcl_format;

typedef enum {
    GORILLA_BFCL_NAMES_AUTO = 0,   /* underscore when no decoded call name has a '.' */
    GORILLA_BFCL_NAMES_UNDERSCORE, /* expected "a.b" is compared as "a_b" (OpenAI-style FC models) */
    GORILLA_BFCL_NAMES_KEEP
} gorilla_bfcl_names;

typedef struct {
    const char *data_dir;    /* BFCL_v4_<c>.json, possible_answer/BFCL_v4_<c>.json */
    const char *results_dir; /* BFCL_v4_<c>_result.json (or in DIR/result/, or one sub-folder down) */
    const char *out_dir;     /* when non-NULL: BFCL_v4_<c>_score.json written there (created) */
    const char *model_name;  /* the score lines' "model_name" (default: the results folder's name) */
    const char *const *categories; /* NULL: every category with a result file */
    size_t n_categories;
    int strict;              /* bipartite parallel matching; garbled output is no abstention */
    gorilla_bfcl_format format;
    gorilla_bfcl_names names;
} gorilla_bfcl_opts;

typedef struct {
    int evaluated; /* 0: no result file (the aggregates count it as 0, shown N/A) */
    size_t correct, total;
    double accuracy;
} gorilla_bfcl_score;

typedef struct {
    gorilla_bfcl_score cat[GORILLA_BFCL_N_CATEGORIES];
    /* The leaderboard's aggregates. Non-live: simple = mean of the three
     * simple categories; ast = unweighted mean of simple, multiple,
     * parallel, parallel_multiple; overall adds irrelevance (unweighted).
     * Live: ast weighted by entry count over the four live AST categories;
     * overall adds live_irrelevance and live_relevance (weighted).
     * irrelevance = mean of the two irrelevance categories. */
    double non_live_simple, non_live_ast, non_live_overall, live_ast, live_overall, irrelevance, relevance;
    int fc;         /* the result format used: 1 FC, 0 prompting */
    int underscore; /* the name rule used */
} gorilla_bfcl_report;

/* Evaluates every chosen category. A result line that is not JSON, an id
 * that is not in the data, a file holding entries of another category, a
 * data entry without a result or two results for one id: GORILLA_ERR_PARSE
 * / GORILLA_ERR_INVALID naming the file and line. Malformed model output
 * (arguments that are not JSON, nesting deeper than 200 levels, ...) is a
 * failed verdict with its reason, as in BFCL. */
gorilla_status gorilla_bfcl_eval(const gorilla_bfcl_opts *o, gorilla_bfcl_report *r, gorilla_error *err);

/* One entry's verdict: entry_json is the question line (with "function"),
 * answer_json the possible_answer line (NULL for irrelevance/relevance),
 * result_json the result line ({"id", "result"}). o: format, names,
 * strict (other fields unused; NULL for defaults). */
typedef struct {
    int valid;
    char error_type[96]; /* "" when valid */
    char *score_line;    /* the score file line (malloc'd) when not valid */
} gorilla_bfcl_verdict;
gorilla_status gorilla_bfcl_check_entry(const char *category, const char *entry_json, const char *answer_json,
                                        const char *result_json, const gorilla_bfcl_opts *o, gorilla_bfcl_verdict *v,
                                        gorilla_error *err);
void gorilla_bfcl_verdict_clear(gorilla_bfcl_verdict *v);

/* Decodes model output as BFCL does: lang "python", "java", "javascript"
 * (prompting text) or "fc" (a JSON result list). On success *calls_json is
 * the decoded [{"name": {args}}] as JSON (malloc'd); a decoding failure is
 * GORILLA_ERR_PARSE with BFCL's reason. */
gorilla_status gorilla_bfcl_decode(const char *lang, const char *text, size_t len, char **calls_json,
                                   gorilla_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_BFCL_H */
