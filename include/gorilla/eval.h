/* gorilla/eval.h — eval pairs, questions, responses; AST evaluation (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_EVAL_H
#define GORILLA_API_EVAL_H

#include "gorilla/base.h"
#include "gorilla/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Eval pairs, questions and responses                                 */
/* ------------------------------------------------------------------ */

/* Evaluation / training pairs: one JSON object per line with `code`,
 * `api_call`, `provider`, `api_data` (the gold document). */
typedef struct gorilla_pairs gorilla_pairs;
gorilla_status gorilla_pairs_load(const char *path, gorilla_pairs **out, gorilla_error *err);
/* The same from memory; `name` is used in messages. */
gorilla_status gorilla_pairs_load_buffer(const char *name, const char *data, size_t len, gorilla_pairs **out,
                                         gorilla_error *err);
void gorilla_pairs_free(gorilla_pairs *pairs);
size_t gorilla_pairs_count(const gorilla_pairs *pairs);
/* Gold domain (`api_data.domain`), gold `api_call`, and the `code` text of
 * pair i (0-based); NULL when absent. */
const char *gorilla_pairs_domain(const gorilla_pairs *pairs, size_t i);
const char *gorilla_pairs_api_call(const gorilla_pairs *pairs, size_t i);
const char *gorilla_pairs_code(const gorilla_pairs *pairs, size_t i);
/* The instruction part of `code` (the text after "###Instruction:" up to
 * "###Output:", trimmed). Caller frees. */
char *gorilla_pairs_instruction(const gorilla_pairs *pairs, size_t i);

/* Question and response files share one shape: `question_id` (integer)
 * and `text` (string) are required; other fields are kept. */
typedef struct gorilla_records gorilla_records;
gorilla_status gorilla_records_load(const char *path, gorilla_records **out, gorilla_error *err);
/* The same from memory; `name` is used in messages. */
gorilla_status gorilla_records_load_buffer(const char *name, const char *data, size_t len,
                                           gorilla_records **out, gorilla_error *err);
void gorilla_records_free(gorilla_records *recs);
size_t gorilla_records_count(const gorilla_records *recs);
long gorilla_records_question_id(const gorilla_records *recs, size_t i);
const char *gorilla_records_text(const gorilla_records *recs, size_t i);
/* Any other string field of record i, or NULL. */
const char *gorilla_records_field(const gorilla_records *recs, size_t i, const char *field);

/* ------------------------------------------------------------------ */
/* Evaluation: AST sub-tree matching                                   */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_VERDICT_CORRECT = 0,
    GORILLA_VERDICT_HALLUCINATION = 1,
    GORILLA_VERDICT_ERROR = 2
} gorilla_verdict_kind;

typedef enum {
    GORILLA_PARSE_NONE = 0,  /* no candidate call was extracted */
    GORILLA_PARSE_CLEAN = 1, /* the candidate parsed without error nodes */
    GORILLA_PARSE_ERROR = 2, /* the candidate parsed with error nodes */
    GORILLA_PARSE_SKIPPED = 3 /* not parsed: no document's arguments occur in it */
} gorilla_parse_kind;

typedef struct {
    gorilla_verdict_kind verdict;
    long api_index;            /* 0-based matched document, -1 when none */
    gorilla_parse_kind parse;
} gorilla_verdict;

typedef enum {
    GORILLA_MATCH_COMPATIBLE = 0, /* the published evaluator, quirks included */
    GORILLA_MATCH_STRICT = 1      /* argument-by-argument, no fall-through */
} gorilla_match_mode;

/* A matcher holds a hub's parsed API documents, indexed by call name.
 * Build once, then check any number of responses. Not thread-safe (it
 * owns a parser); make one per thread. */
typedef struct gorilla_matcher gorilla_matcher;
gorilla_status gorilla_matcher_new(const gorilla_store *store, gorilla_hub hub,
                                   gorilla_match_mode mode, gorilla_matcher **out,
                                   gorilla_error *err);
void gorilla_matcher_free(gorilla_matcher *m);

/* Finds the API document that a call text (e.g. "pipeline('x', model='y')")
 * matches: its 0-based index, or -1. `parse` (may be NULL) tells how the
 * text parsed. */
long gorilla_matcher_find(gorilla_matcher *m, const char *call, size_t len,
                          gorilla_parse_kind *parse);

/* Judges one model response text against the gold domain. */
gorilla_status gorilla_matcher_judge(gorilla_matcher *m, const char *response_text,
                                     const char *gold_domain, gorilla_verdict *out,
                                     gorilla_error *err);

/* Extracts the candidate API call from a response the way the published
 * evaluator does. Returns 1 and sets [*start, *start+*len) within `text`,
 * or 0 when the hub's rule finds none (TorchHub without "api_call"). */
int gorilla_candidate_extract(gorilla_hub hub, const char *text, size_t *start, size_t *len);

/* Totals of a set of verdicts. */
typedef struct {
    size_t total, correct, hallucination, error, unparsed;
} gorilla_tally;
void gorilla_tally_add(gorilla_tally *t, const gorilla_verdict *v);

/* Evaluates a whole response file: loads nothing itself, judges every
 * record against `pairs` (question_id N is pair N-1) and fills `verdicts`
 * (an array of gorilla_records_count(responses) entries) and `tally`. */
gorilla_status gorilla_eval_records(gorilla_matcher *m, const gorilla_pairs *pairs,
                                    const gorilla_records *responses, const char *responses_name,
                                    gorilla_verdict *verdicts, gorilla_tally *tally,
                                    gorilla_error *err);

const char *gorilla_verdict_name(gorilla_verdict_kind v);

/* One response file of a batch. Set `path` and `hub`; the batch fills the
 * rest (free it with gorilla_eval_job_clear). */
typedef struct {
    const char *path;
    gorilla_hub hub;
    size_t n;                  /* responses */
    long *question_ids;        /* n entries, in file order */
    gorilla_verdict *verdicts; /* n entries, in file order */
    gorilla_tally tally;
} gorilla_eval_job;

/* Evaluates many response files at once with `threads` threads: loads each
 * needed hub's API documents (`api_paths[hub]`) and eval pairs
 * (`eval_paths[hub]`) once, loads the response files in parallel, and
 * judges them in chunks so that the threads stay busy. On failure, the
 * message names the file (and line) at fault. */
gorilla_status gorilla_eval_batch(const char *const api_paths[GORILLA_HUB_COUNT],
                                  const char *const eval_paths[GORILLA_HUB_COUNT],
                                  gorilla_match_mode mode, gorilla_eval_job *jobs, size_t n_jobs,
                                  int threads, gorilla_error *err);
void gorilla_eval_job_clear(gorilla_eval_job *job);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_EVAL_H */
