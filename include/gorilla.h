/*
 * gorilla.h — the public C API of libgorilla.
 *
 * Gorilla finds the right API call for a task: an API store and retriever,
 * a LLaMA-family inference engine, and the APIBench AST evaluator.
 *
 * Conventions
 *  - Objects are opaque handles with a `gorilla_<noun>_new/_load` and a
 *    `gorilla_<noun>_free` (free accepts NULL).
 *  - Functions that can fail return a gorilla_status and, when given a
 *    non-NULL gorilla_error*, fill it with a message naming where (file,
 *    line, column when known) and what went wrong. Nothing in the library
 *    prints or exits.
 *  - Strings are UTF-8 and NUL-terminated; returned `const char *` point
 *    into the object that returned them and live as long as it does.
 *  - No global mutable state: distinct objects may be used from distinct
 *    threads. One object is not safe to use from two threads at once unless
 *    its comment says so.
 */
#ifndef GORILLA_H
#define GORILLA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Status and errors                                                   */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_OK = 0,
    GORILLA_ERR_IO,          /* a file could not be opened, read or written */
    GORILLA_ERR_PARSE,       /* malformed input (JSON, GGUF, request, ...) */
    GORILLA_ERR_INVALID,     /* well-formed but wrong: missing field, bad value */
    GORILLA_ERR_NOMEM,       /* allocation failed */
    GORILLA_ERR_LIMIT,       /* input exceeds a documented limit */
    GORILLA_ERR_UNSUPPORTED, /* a valid but unsupported variant */
    GORILLA_ERR_NOT_FOUND    /* a named thing does not exist */
} gorilla_status;

/* Filled by failing functions. `message` is self-contained, e.g.
 * "data/x.jsonl:12:7: expected ',' or '}'". */
typedef struct {
    gorilla_status status;
    char message[1024];
} gorilla_error;

/* A short fixed name for a status ("io", "parse", ...). */
const char *gorilla_status_name(gorilla_status status);

/* The library's version string, e.g. "0.1.0". */
const char *gorilla_version(void);

/* ------------------------------------------------------------------ */
/* Hubs                                                                */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_HUB_TORCHHUB = 0,
    GORILLA_HUB_HUGGINGFACE = 1,
    GORILLA_HUB_TENSORFLOWHUB = 2,
    GORILLA_HUB_COUNT = 3
} gorilla_hub;

/* Parses "torchhub"/"th", "huggingface"/"hf", "tensorflowhub"/"tf"
 * (also "tensorflow"). Returns 0 on success, -1 when unknown. */
int gorilla_hub_parse(const char *name, gorilla_hub *out);
/* Long name ("torchhub"), short name ("th"). */
const char *gorilla_hub_name(gorilla_hub hub);
const char *gorilla_hub_short(gorilla_hub hub);

/* ------------------------------------------------------------------ */
/* Data root: files of an APIBench-shaped folder, found by hub         */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_FILE_API,       /* api/<hub>_api.jsonl */
    GORILLA_FILE_EVAL,      /* apibench/<torchhub|huggingface|tensorflow>_eval.json */
    GORILLA_FILE_TRAIN,     /* apibench/<...>_train.json (TorchHub only here) */
    GORILLA_FILE_QUESTIONS, /* questions/<hub>/questions_<hub>_<setting>.jsonl */
    GORILLA_FILE_RESPONSES  /* responses/<hub>/response_<hub>_<model>_<setting>.jsonl */
} gorilla_file_kind;

/* Picks the data root: `explicit_root` when non-NULL, else $GORILLA_DATA.
 * Returns NULL (and fills err) when neither is set. */
const char *gorilla_data_root(const char *explicit_root, gorilla_error *err);

/* Writes the path of a file of the data root into `out` (size `cap`).
 * `setting` is used for questions and responses ("0_shot", "bm25", ...),
 * `model` for responses ("Gorilla_FT"); pass NULL otherwise. */
gorilla_status gorilla_data_path(const char *root, gorilla_hub hub, gorilla_file_kind kind,
                                 const char *model, const char *setting, char *out, size_t cap,
                                 gorilla_error *err);

/* Infers hub, model and setting from a response file name
 * `response_<hub>_<model>_<setting>.jsonl` (the model may contain '_';
 * the setting is one of 0_shot, bm25, gpt_index, oracle). Copies model and
 * setting into the given buffers. Returns 0, or -1 when the name does not fit. */
int gorilla_response_name_parse(const char *path, gorilla_hub *hub, char *model, size_t model_cap,
                                char *setting, size_t setting_cap);

/* ------------------------------------------------------------------ */
/* API store: API documents, one JSON object per line                  */
/* ------------------------------------------------------------------ */

typedef struct gorilla_store gorilla_store;

/* Loads API documents from a JSON-lines file. Every line must be a JSON
 * object; blank lines are errors too (they would shift line numbers, which
 * are the documents' indices). */
gorilla_status gorilla_store_load(const char *path, gorilla_store **out, gorilla_error *err);
/* Parses API documents from memory; `name` is used in messages. */
gorilla_status gorilla_store_load_buffer(const char *name, const char *data, size_t len,
                                         gorilla_store **out, gorilla_error *err);
void gorilla_store_free(gorilla_store *store);

size_t gorilla_store_count(const gorilla_store *store);
/* A string field of document i ("domain", "api_call", "api_name", ...);
 * NULL when absent or not a string. */
const char *gorilla_store_field(const gorilla_store *store, size_t i, const char *field);
/* Document i as compact JSON text (keys in file order). Caller frees. */
char *gorilla_store_doc_json(const gorilla_store *store, size_t i);

/* ------------------------------------------------------------------ */
/* Eval pairs, questions and responses                                 */
/* ------------------------------------------------------------------ */

/* Evaluation / training pairs: one JSON object per line with `code`,
 * `api_call`, `provider`, `api_data` (the gold document). */
typedef struct gorilla_pairs gorilla_pairs;
gorilla_status gorilla_pairs_load(const char *path, gorilla_pairs **out, gorilla_error *err);
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

/* ------------------------------------------------------------------ */
/* Retrieval (src/retrieve)                                            */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Prompts and answers (src/prompt)                                    */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Inference engine (src/llm)                                          */
/* ------------------------------------------------------------------ */

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_H */
