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

/* ------------------------------------------------------------------ */
/* Retrieval (src/retrieve)                                            */
/* ------------------------------------------------------------------ */

/* A retriever ranks a store's API documents for an instruction. It borrows
 * the store (which must outlive it) and edits it through
 * gorilla_retriever_add/replace/remove, so that store and index agree.
 * Not thread-safe: one retriever per thread (it keeps scratch buffers).
 *
 * Names:
 *  "gorilla"        the project's default (docs/retrieve.md): field-weighted
 *                   BM25 over stemmed words, then a domain vote among the
 *                   top 50 documents; documents of the winning domain first.
 *  "bm25-official"  the published retriever: BM25Okapi (k1 1.5, b 0.75,
 *                   epsilon 0.25) over Python's str() of each document split
 *                   on single spaces; the query is split the same way.
 * Ties rank the lower document index first. */
typedef struct gorilla_retriever gorilla_retriever;

typedef struct {
    size_t api_index; /* 0-based line of the API document */
    double score;
} gorilla_hit;

/* Limits: a query longer than this is refused (GORILLA_ERR_LIMIT). */
#define GORILLA_RETRIEVE_MAX_QUERY (256u * 1024u)

/* Builds the index of every document of `store`. name NULL: "gorilla";
 * unknown names are GORILLA_ERR_NOT_FOUND. */
gorilla_status gorilla_retriever_new(gorilla_store *store, const char *name, gorilla_retriever **out,
                                     gorilla_error *err);
void gorilla_retriever_free(gorilla_retriever *r);
const char *gorilla_retriever_name(const gorilla_retriever *r);
/* The store the retriever searches (borrowed). */
const gorilla_store *gorilla_retriever_store(const gorilla_retriever *r);
/* The default retriever's name ("gorilla"). */
const char *gorilla_retriever_default_name(void);

/* Ranks the documents for `query` and writes up to k hits (best first) to
 * `hits`; *n_hits is how many (fewer than k only when fewer documents pass
 * the constraints). An empty or blank query is GORILLA_ERR_INVALID. */
gorilla_status gorilla_retriever_search(gorilla_retriever *r, const char *query, size_t k,
                                        gorilla_hit *hits, size_t *n_hits, gorilla_error *err);

/* Metadata constraints (the paper's constraint-aware setting), ANDed:
 * "FIELD OP VALUE" with OP one of < <= > >= = != ~ (contains). Numeric
 * fields, parsed from the free-form `performance` values: params_m,
 * top1, top5, accuracy (the first number of performance.accuracy).
 * Text fields (case-insensitive): dataset, domain, framework, api_name,
 * functionality, api_call. A document without the field fails the
 * constraint. Unknown fields and malformed numbers are GORILLA_ERR_INVALID. */
gorilla_status gorilla_retriever_where(gorilla_retriever *r, const char *expr, gorilla_error *err);
void gorilla_retriever_clear_where(gorilla_retriever *r);
/* 1 when document i exists and passes every constraint. */
int gorilla_retriever_accepts(const gorilla_retriever *r, size_t i);

/* Test-time document changes, without rebuilding the index. `json` is one
 * JSON object (an API document). add appends it (its index is
 * gorilla_store_count() before the call); replace swaps document i for it;
 * remove deletes document i (later indices do not move; i is then absent).
 * Edit a store through one retriever only: another retriever of the same
 * store would not see the change. */
gorilla_status gorilla_retriever_add(gorilla_retriever *r, const char *json, size_t *index,
                                     gorilla_error *err);
gorilla_status gorilla_retriever_replace(gorilla_retriever *r, size_t i, const char *json,
                                         gorilla_error *err);
gorilla_status gorilla_retriever_remove(gorilla_retriever *r, size_t i, gorilla_error *err);

/* Persistent index. save writes the retriever's index (terms, postings,
 * lengths, domains) to one file: a versioned header, 8-byte aligned
 * sections, a checksum over the header and one over the payload. open maps
 * it (mmap) and searches it in place, so a large store opens without
 * re-tokenizing; the file is checked (sizes, bounds, checksums) and a
 * corrupted, truncated or foreign file is GORILLA_ERR_PARSE, never a crash.
 * `store` (may be NULL: search only) must be the store the index was built
 * from (its document count is checked); edits copy the index into memory
 * first. */
gorilla_status gorilla_retriever_save(const gorilla_retriever *r, const char *path, gorilla_error *err);
gorilla_status gorilla_retriever_open(const char *path, gorilla_store *store, gorilla_retriever **out,
                                      gorilla_error *err);

/* ------------------------------------------------------------------ */
/* Prompts and answers (src/prompt)                                    */
/* ------------------------------------------------------------------ */

/* Question files (questions_<hub>_<setting>.jsonl), as published: one line
 * per eval pair that has "###Instruction:" and "###Output" in its `code`,
 * {"question_id": N, "text": T, "category": "generic"} with N the pair's
 * 1-based line. T starts with the instruction as json.dumps escaped it
 * (quotes removed, each escaped "\n\n" written "\n") and, for the settings with
 * a document, goes on with " \n Use this API documentation for reference: "
 * and the document: bm25 / gpt_index put the retrieved document as
 * "[Document(page_content=<repr of str(doc)>, metadata={})]"; oracle puts
 * json.dumps of the gold api_data (each "\n\n" written "\n") after one more
 * space, followed by the eval line's closing "}" (the published builder cut
 * the raw line before its last character: see the flag below). */
typedef enum {
    GORILLA_SETTING_0_SHOT = 0,
    GORILLA_SETTING_BM25 = 1,
    GORILLA_SETTING_GPT_INDEX = 2,
    GORILLA_SETTING_ORACLE = 3
} gorilla_setting;

/* Parses "0_shot", "bm25", "gpt_index", "oracle"; 0 ok, -1 unknown. */
int gorilla_setting_parse(const char *name, gorilla_setting *out);
const char *gorilla_setting_name(gorilla_setting s);

/* The question text of pair i (the 0_shot text), or NULL when the pair has
 * no instruction/output markers (the published files skip it) or on OOM.
 * Also the query the published retrievers were given. Caller frees. */
char *gorilla_question_text(const gorilla_pairs *pairs, size_t i);

/* Set when the eval file has no final newline: its last line's oracle text
 * then has no trailing "}" (as in the published TorchHub oracle file). */
#define GORILLA_QUESTIONS_LAST_LINE_UNTERMINATED 1u

/* One question line for pair i (no newline), or *out = NULL when the pair
 * is skipped. `api_index` is the document for bm25 / gpt_index (from
 * `store`); ignored otherwise. Caller frees *out. */
gorilla_status gorilla_question_line(const gorilla_pairs *pairs, size_t i, gorilla_setting setting,
                                     const gorilla_store *store, size_t api_index, unsigned flags,
                                     char **out, gorilla_error *err);

/* Writes the whole question file for a setting. bm25 / gpt_index take the
 * top-1 document of `retriever` for each question text (required then). */
gorilla_status gorilla_questions_write(FILE *out, const gorilla_pairs *pairs, gorilla_setting setting,
                                       gorilla_retriever *retriever, unsigned flags, gorilla_error *err);

/* For published bm25 / gpt_index question texts: out[j] is the index of the
 * store document that texts[j] embeds (its repr(str(doc)) after
 * "[Document(page_content="), or -1 when none does (e.g. a document that
 * has since changed). The first of duplicate documents is given. */
gorilla_status gorilla_questions_embedded_docs(const gorilla_store *store, const char *const *texts, size_t n,
                                               long *out, gorilla_error *err);

/* --- Prompt templates (src/prompt/template.c) ----------------------- */

/* The instruction followed by a retrieved document, as in the published
 * question files: instruction + " \n Use this API documentation for
 * reference: " + document (document NULL: the instruction alone). Caller
 * frees; NULL on OOM. */
char *gorilla_prompt_with_doc(const char *instruction, const char *document);
/* The chat template of the published Gorilla LLaMA models:
 * "###USER: " + user_text + "\n###ASSISTANT: ". Caller frees. */
char *gorilla_prompt_gorilla_chat(const char *user_text);
/* The evaluation prompt for general chat models: a system message and a
 * user message asking for <<<domain>>>, <<<api_call>>>, <<<api_provider>>>,
 * <<<explanation>>>, <<<code>>>, the domain one of `domains`. */
const char *gorilla_prompt_eval_system(void);
char *gorilla_prompt_eval_user(gorilla_hub hub, const char *question, const char *const *domains,
                               size_t n_domains);
/* The distinct `domain` values of a store, in first-seen order (malloc'd
 * array of malloc'd strings; free with gorilla_strings_free). */
gorilla_status gorilla_store_domains(const gorilla_store *store, char ***out, size_t *n,
                                     gorilla_error *err);
void gorilla_strings_free(char **strings, size_t n);

/* --- Answer parser (src/prompt/answer.c) ---------------------------- */

typedef enum {
    GORILLA_ANSWER_PLAIN = 0,  /* no field marker found */
    GORILLA_ANSWER_ARROWS = 1, /* <<<api_call>>>: ... */
    GORILLA_ANSWER_DICT = 2    /* {'api_call': "...", ...} */
} gorilla_answer_style;

/* A model answer's fields (malloc'd, NULL when not found). */
typedef struct {
    char *domain, *api_call, *api_provider, *explanation, *code;
    gorilla_answer_style style;
} gorilla_answer;

/* Parses either published answer style, tolerating escaped quotes and
 * newlines, mismatched quotes, a missing closing brace, any field order and
 * extra fields. Never fails on content (fields not found stay NULL); only
 * GORILLA_ERR_NOMEM. Clear `out` with gorilla_answer_clear. */
gorilla_status gorilla_answer_parse(const char *text, size_t len, gorilla_answer *out, gorilla_error *err);
void gorilla_answer_clear(gorilla_answer *a);
/* 1 when two call texts are the same after normalization (escapes, outer
 * quotes, a leading "x = ", whitespace, quote kinds ignored). */
int gorilla_answer_same_call(const char *a, size_t alen, const char *b, size_t blen);

/* ------------------------------------------------------------------ */
/* Inference engine (src/llm)                                          */
/* ------------------------------------------------------------------ */

/* A LLaMA-architecture model from a GGUF file (v2/v3; F32, F16, BF16,
 * Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K weights). Weights stay memory-
 * mapped; the model owns its KV cache and a thread pool, so one model is
 * one sequence: not safe to use from two threads at once. */
typedef struct gorilla_model gorilla_model;

typedef struct {
    int n_threads; /* threads for matrix products; 0: online CPUs */
    int n_ctx;     /* context length (KV cache size); 0: the model's */
} gorilla_model_opts;

/* Loads and validates a model (opts may be NULL for defaults). */
gorilla_status gorilla_model_load(const char *path, const gorilla_model_opts *opts, gorilla_model **out,
                                  gorilla_error *err);
void gorilla_model_free(gorilla_model *model);

int gorilla_model_n_vocab(const gorilla_model *model);
int gorilla_model_n_ctx(const gorilla_model *model);       /* in use */
int gorilla_model_n_ctx_train(const gorilla_model *model); /* from metadata */
int gorilla_model_n_embd(const gorilla_model *model);
int gorilla_model_n_layer(const gorilla_model *model);
int gorilla_model_n_threads(const gorilla_model *model);

/* Runs one token at position `pos` (0 <= pos < n_ctx; positions before
 * pos must have been run, their keys/values are cached). Writes n_vocab
 * logits to `logits` when non-NULL. */
gorilla_status gorilla_model_forward(gorilla_model *model, int32_t token, int pos, float *logits,
                                     gorilla_error *err);
/* Runs tokens[0..n) at positions pos..pos+n-1; writes the logits after the
 * last one to `logits` when non-NULL. Fails with GORILLA_ERR_LIMIT, running
 * nothing, when pos + n exceeds the context. */
gorilla_status gorilla_model_prompt(gorilla_model *model, const int32_t *tokens, size_t n, int pos,
                                    float *logits, gorilla_error *err);

/* The vocabulary from the metadata (tokenizer.ggml.*): count (0 when
 * absent), token text, score and type of id (NULL/0 when out of range);
 * special ids (-1 when absent). */
size_t gorilla_model_vocab_count(const gorilla_model *model);
const char *gorilla_model_token_text(const gorilla_model *model, int32_t id);
float gorilla_model_token_score(const gorilla_model *model, int32_t id);
int gorilla_model_token_type(const gorilla_model *model, int32_t id);
int32_t gorilla_model_bos(const gorilla_model *model);
int32_t gorilla_model_eos(const gorilla_model *model);
/* The tokenizer model name ("llama", "gpt2", ...), or NULL. */
const char *gorilla_model_tokenizer_kind(const gorilla_model *model);

/* --- Tokenizer (src/llm/tokenizer.c) --------------------------------- */

/* A vocabulary and its encoder/decoder, matching llama.cpp's tokenization:
 * "llama" = SentencePiece-style (score-ordered bigram merges, "▁" for
 * spaces, <0xXX> byte fallback), "gpt2" = byte-level BPE (GPT-2
 * pre-tokenizer, merges by rank). Immutable once built: one tokenizer may
 * be used from many threads at once. */
typedef struct gorilla_tokenizer gorilla_tokenizer;

typedef enum {
    GORILLA_TOKENIZER_LLAMA = 0, /* SentencePiece (SPM) */
    GORILLA_TOKENIZER_GPT2 = 1   /* byte-level BPE */
} gorilla_tokenizer_kind;

/* Token types as stored in GGUF's tokenizer.ggml.token_type. */
typedef enum {
    GORILLA_TOKEN_NORMAL = 1,
    GORILLA_TOKEN_UNKNOWN = 2,
    GORILLA_TOKEN_CONTROL = 3,
    GORILLA_TOKEN_USER_DEFINED = 4,
    GORILLA_TOKEN_UNUSED = 5,
    GORILLA_TOKEN_BYTE = 6
} gorilla_token_type;

/* What a tokenizer is built from: plain arrays, copied by _new. */
typedef struct {
    const char *model;               /* "llama" or "gpt2" */
    const char *const *tokens;       /* n_tokens UTF-8 strings */
    const size_t *token_lens;        /* lengths, or NULL: strlen */
    size_t n_tokens;
    const float *scores;             /* NULL: all 0 */
    const int32_t *token_types;      /* NULL: inferred (see tokenizer.c) */
    const char *const *merges;       /* gpt2: "left right" strings, by rank */
    const size_t *merge_lens;        /* or NULL: strlen */
    size_t n_merges;
    int32_t bos_id, eos_id, unk_id, pad_id; /* -1 when absent */
    int add_bos;                     /* 1, 0, or -1: default (llama 1, gpt2 0) */
    int add_space_prefix;            /* 1, 0, or -1: default (llama 1; gpt2 never) */
    int add_eos;                     /* 1, 0, or -1: off */
} gorilla_tokenizer_spec;

/* Longest text gorilla_tokenizer_encode accepts (bytes). */
#define GORILLA_TOKENIZER_MAX_TEXT ((size_t)4 << 20)

/* Sets ids to -1, flags to -1 (defaults) and the rest to zero/NULL. */
void gorilla_tokenizer_spec_init(gorilla_tokenizer_spec *spec);
gorilla_status gorilla_tokenizer_new(const gorilla_tokenizer_spec *spec, gorilla_tokenizer **out,
                                     gorilla_error *err);
void gorilla_tokenizer_free(gorilla_tokenizer *tok);

/* Encodes text[0..len) into a malloc'd array *ids of *n_ids tokens (the
 * caller frees it). add_special: prepend BOS when the model's add_bos flag
 * is set (and append EOS when its add_eos flag is). parse_special: text
 * matching control tokens (e.g. "<s>") becomes those tokens; user-defined
 * tokens are always matched, as in llama.cpp. */
gorilla_status gorilla_tokenizer_encode(const gorilla_tokenizer *tok, const char *text, size_t len,
                                        int add_special, int parse_special, int32_t **ids,
                                        size_t *n_ids, gorilla_error *err);

/* The bytes one token decodes to ("▁" -> " ", <0x0A> -> "\n", control
 * tokens -> ""), NUL-terminated but possibly containing a NUL (<0x00>):
 * use *len. NULL when id is out of range. */
const char *gorilla_tokenizer_piece(const gorilla_tokenizer *tok, int32_t id, size_t *len);
/* The token's stored text ("▁Hello", "<s>"), NULL when out of range. */
const char *gorilla_tokenizer_token_text(const gorilla_tokenizer *tok, int32_t id);

/* Flags for gorilla_tokenizer_decode. */
#define GORILLA_DECODE_STRIP_SPACE 1 /* drop the space add_space_prefix added */
#define GORILLA_DECODE_SPECIAL 2     /* render control/unknown tokens' text */

/* Decodes ids into a malloc'd NUL-terminated string *out (length *out_len,
 * which may contain NUL bytes from byte tokens). Fails with
 * GORILLA_ERR_INVALID on an id out of range. */
gorilla_status gorilla_tokenizer_decode(const gorilla_tokenizer *tok, const int32_t *ids, size_t n,
                                        int flags, char **out, size_t *out_len,
                                        gorilla_error *err);

gorilla_tokenizer_kind gorilla_tokenizer_get_kind(const gorilla_tokenizer *tok);
size_t gorilla_tokenizer_n_vocab(const gorilla_tokenizer *tok);
int32_t gorilla_tokenizer_bos(const gorilla_tokenizer *tok); /* -1 when none */
int32_t gorilla_tokenizer_eos(const gorilla_tokenizer *tok);
int gorilla_tokenizer_add_bos(const gorilla_tokenizer *tok);
/* The type of token id (GORILLA_TOKEN_*), 0 when out of range. */
int gorilla_tokenizer_token_type(const gorilla_tokenizer *tok, int32_t id);
/* The id of a token's exact stored text, or -1. */
int32_t gorilla_tokenizer_find(const gorilla_tokenizer *tok, const char *text, size_t len);
/* True for end-of-generation tokens: EOS and control tokens named
 * <|eot_id|>, <|im_end|>, <|end|>, <|endoftext|>, <end_of_turn>, <|eom_id|>. */
int gorilla_tokenizer_is_eog(const gorilla_tokenizer *tok, int32_t id);

/* Builds a tokenizer from a GGUF file's tokenizer.ggml.* metadata. */
gorilla_status gorilla_tokenizer_load_gguf(const char *path, gorilla_tokenizer **out,
                                           gorilla_error *err);

/* --- Sampler (src/llm/sampler.c) -------------------------------------- */

/* One sampler per generation: it owns its PRNG and the recent-token
 * history for penalties. Order of the chain, as in llama.cpp:
 * penalties -> top-k -> top-p -> min-p -> temperature -> random draw
 * (temperature <= 0: argmax after penalties, lowest id on ties). */
typedef struct gorilla_sampler gorilla_sampler;

typedef struct {
    float temperature;       /* <= 0: greedy */
    int32_t top_k;           /* <= 0: off */
    float top_p;             /* >= 1: off */
    float min_p;             /* <= 0: off */
    float repeat_penalty;    /* 1: off; logit > 0 divided, <= 0 multiplied */
    float frequency_penalty; /* 0: off; logit -= count * f */
    float presence_penalty;  /* 0: off; logit -= p when count > 0 */
    int32_t repeat_last_n;   /* history length for penalties; 0: off */
    uint64_t seed;
} gorilla_sampler_params;

/* llama.cpp's defaults: temperature 0.8, top_k 40, top_p 0.95, min_p 0.05,
 * repeat_penalty 1 (off), repeat_last_n 64, seed 42. */
void gorilla_sampler_params_init(gorilla_sampler_params *p);
gorilla_status gorilla_sampler_new(const gorilla_sampler_params *p, size_t n_vocab,
                                   gorilla_sampler **out, gorilla_error *err);
void gorilla_sampler_free(gorilla_sampler *s);
/* Picks a token from logits[0..n_vocab) (not modified). */
gorilla_status gorilla_sampler_sample(gorilla_sampler *s, const float *logits, size_t n_vocab,
                                      int32_t *token, gorilla_error *err);
/* Records a token (prompt or generated) in the penalty history. */
void gorilla_sampler_accept(gorilla_sampler *s, int32_t token);
/* Clears the history and restarts the PRNG from the seed. */
void gorilla_sampler_reset(gorilla_sampler *s);

/* Stop strings over decoded text (which grows token by token, so a stop
 * string may straddle tokens: search the whole text, or its tail).
 * Returns the offset of the earliest occurrence of any stop string in
 * text[0..len) and sets *which (may be NULL) to its index; or -1 when none
 * occurs, setting *hold (may be NULL) to the length of the longest suffix
 * of text that is a proper prefix of some stop string (bytes a streaming
 * caller should not print yet). Empty stop strings are ignored. */
long gorilla_stop_find(const char *text, size_t len, const char *const *stops, size_t n_stops,
                       size_t *which, size_t *hold);
/* Number of trailing bytes of s[0..len) that form an incomplete UTF-8
 * sequence (0..3): hold them back when streaming byte tokens. */
size_t gorilla_utf8_incomplete_tail(const char *s, size_t len);
/* --- end tokenizer/sampler ------------------------------------------- */

/* ------------------------------------------------------------------ */
/* Network: OpenAI-compatible client and server (src/net)              */
/* ------------------------------------------------------------------ */

/* Generation parameters, shared by the client (sent in the request) and by
 * server backends (applied to the local model). */
typedef struct {
    int max_tokens;          /* tokens to generate at most (default 128) */
    float temperature;       /* 0: greedy (default 0) */
    float top_p;             /* >= 1: off (default 1) */
    int top_k;               /* <= 0: off (default 0; not sent by the client) */
    uint64_t seed;           /* sampler seed (default 42; the client sends it when non-zero) */
    const char *const *stop; /* stop strings (at most 4), may be NULL */
    size_t n_stop;
} gorilla_gen_params;

/* Sets the defaults above. */
void gorilla_gen_params_init(gorilla_gen_params *p);

/* --- Client (src/net/client.c): OpenAI-compatible, over libcurl ---- */

/* One client may be used from many threads at once: at most
 * `max_in_flight` of their requests are on the wire together, the others
 * wait their turn. Requests are retried on connection errors, HTTP 429 and
 * 5xx, with exponential backoff (base * 2^attempt, capped, with jitter:
 * a uniform draw in [delay/2, delay]) or the server's Retry-After (seconds
 * or an HTTP date, capped at backoff_max_ms). A timeout is not retried.
 * The API key is read from the environment once, sent as
 * "Authorization: Bearer ...", and never appears in messages (a server's
 * echo of it is replaced by "***"). Failures: GORILLA_ERR_IO (connection,
 * HTTP status), GORILLA_ERR_LIMIT (timeout), GORILLA_ERR_PARSE (a 2xx
 * answer that is not the expected JSON). */
typedef struct gorilla_client gorilla_client;

typedef struct {
    const char *base_url;    /* e.g. "https://api.openai.com/v1" (required) */
    const char *model;       /* the "model" field sent (required) */
    const char *api_key_env; /* variable holding the key; NULL: OPENAI_API_KEY.
                                When unset or empty, no Authorization header. */
    long connect_timeout_ms; /* default 10000 */
    long timeout_ms;         /* whole request, default 120000 */
    int max_retries;         /* retries after the first attempt, default 4 */
    long backoff_base_ms;    /* default 500 */
    long backoff_max_ms;     /* default 30000 */
    int max_in_flight;       /* default 4 */
} gorilla_client_opts;

/* Counters since the client was made (for logs and tests). */
typedef struct {
    unsigned long requests;  /* calls to chat/complete */
    unsigned long attempts;  /* HTTP attempts, retries included */
    unsigned long retries;
    int max_in_flight_seen;  /* the most requests ever on the wire together */
} gorilla_client_stats;

void gorilla_client_opts_init(gorilla_client_opts *o);
gorilla_status gorilla_client_new(const gorilla_client_opts *opts, gorilla_client **out, gorilla_error *err);
void gorilla_client_free(gorilla_client *c);

/* POST {base}/chat/completions with a system message (omitted when NULL)
 * and a user message; *text (caller frees) is choices[0].message.content.
 * Errors name the URL (without credentials), the HTTP status and the
 * server's error message. `p` may be NULL (defaults). Thread-safe. */
gorilla_status gorilla_client_chat(gorilla_client *c, const char *system, const char *user,
                                   const gorilla_gen_params *p, char **text, gorilla_error *err);
/* POST {base}/completions with a prompt; *text is choices[0].text. */
gorilla_status gorilla_client_complete(gorilla_client *c, const char *prompt, const gorilla_gen_params *p,
                                       char **text, gorilla_error *err);
void gorilla_client_get_stats(gorilla_client *c, gorilla_client_stats *out);

/* --- Backends: what `gorilla serve` generates with ------------------ */

/* Receives generated text piece by piece (complete UTF-8 sequences);
 * returns non-zero to stop the generation early. */
typedef int (*gorilla_token_fn)(void *user, const char *piece, size_t len);

typedef struct {
    int prompt_tokens, completion_tokens;
    int truncated; /* 1 when stopped by max_tokens or the context end */
} gorilla_gen_usage;

/* A text generator behind the server, as a small table of functions.
 * The server calls them from one thread at a time (requests are queued). */
typedef struct {
    void *ctx;
    const char *model_name;
    /* Generates a continuation of `prompt`. Stop strings are applied by the
     * caller (the server), which may also stop it through on_token. */
    gorilla_status (*complete)(void *ctx, const char *prompt, const gorilla_gen_params *p,
                               gorilla_token_fn on_token, void *user, gorilla_gen_usage *usage,
                               gorilla_error *err);
    /* Optional (NULL: POST /v1/gorilla/ask answers 501): a JSON request in,
     * a malloc'd JSON object out. */
    gorilla_status (*ask)(void *ctx, const char *json_request, char **json_response, gorilla_error *err);
    /* Optional: releases ctx (gorilla_backend_free). */
    void (*release)(void *ctx);
} gorilla_backend;

/* The deterministic echo backend (tests, demos): it streams the prompt's
 * last "###USER: " turn back word by word, up to max_tokens words, and its
 * ask hook answers {"echo": <request>}. Needs no freeing. */
void gorilla_backend_echo(gorilla_backend *out);
/* A backend on a local GGUF model (src/net/backend_llm.c): the model, its
 * tokenizer and a sampler per request. */
gorilla_status gorilla_backend_llm_load(const char *model_path, const gorilla_model_opts *opts,
                                        gorilla_backend *out, gorilla_error *err);
/* Calls release(ctx) when set, and clears the struct. */
void gorilla_backend_free(gorilla_backend *b);

/* --- Server (src/net/server.c): `gorilla serve`, on libmicrohttpd -- */

/* Endpoints: GET /v1/models, POST /v1/chat/completions, POST
 * /v1/completions (both also streaming, "stream": true, as server-sent
 * events ending with "data: [DONE]"), POST /v1/gorilla/ask. One generation
 * runs at a time: requests wait in a queue of at most max_queue; beyond
 * that they get 503. Errors are JSON {"error": {"message", "type"}}:
 * 400 malformed request, 401 bad or missing key, 404, 405, 413 body too
 * large, 503 queue full or stopping. Thread per connection, bounded. */
typedef struct gorilla_server gorilla_server;

typedef struct {
    const char *host;         /* numeric address to bind, default "127.0.0.1" */
    int port;                 /* 0: an ephemeral port (see gorilla_server_port) */
    const char *api_key;      /* NULL or "": no authentication; else the bearer token */
    int max_queue;            /* requests waiting for the backend, default 16 */
    int max_connections;      /* default 64 */
    size_t max_body;          /* bytes, default 1 MiB */
    unsigned timeout_s;       /* idle connection timeout, default 30 */
    int default_max_tokens;   /* when a request gives none, default 128 */
    /* Optional access log: called from connection threads (concurrently)
     * when a request ends; status 0 when no response was sent. */
    void (*on_request)(void *user, const char *method, const char *path, unsigned status, double ms);
    void *on_request_user;
} gorilla_server_opts;

void gorilla_server_opts_init(gorilla_server_opts *o);
/* Starts serving in background threads. `backend` is copied; its ctx must
 * outlive the server. */
gorilla_status gorilla_server_start(const gorilla_server_opts *opts, const gorilla_backend *backend,
                                    gorilla_server **out, gorilla_error *err);
/* The bound port. */
int gorilla_server_port(const gorilla_server *s);
/* Stops accepting, fails queued requests with 503, cuts the running
 * generation short at its next piece (its client gets what was generated),
 * closes connections and frees the server. NULL is fine. */
void gorilla_server_stop(gorilla_server *s);

/* ------------------------------------------------------------------ */
/* End to end: ask, bench (src/pipeline)                               */
/* ------------------------------------------------------------------ */

/* --- Ask (src/pipeline/ask.c) ---------------------------------------- */

/* How a task is put to the model: the Gorilla chat template
 * ("###USER: {task + retrieved doc}\n###ASSISTANT: ", or for an endpoint
 * the same text as the user message), or the evaluation prompt for general
 * chat models (gorilla_prompt_eval_system / _user). */
typedef enum { GORILLA_PROMPT_GORILLA = 0, GORILLA_PROMPT_EVAL = 1 } gorilla_prompt_style;

typedef struct {
    const char *api_paths[GORILLA_HUB_COUNT]; /* API documents per hub; NULL: hub not used */
    const char *retriever;     /* NULL: the default retriever; "none": no retrieval */
    size_t k;                  /* documents retrieved (default 3) */
    const char *model_path;    /* local GGUF model, or NULL */
    int n_threads, n_ctx;      /* for the local model (0: its defaults) */
    const char *endpoint;      /* OpenAI-compatible base URL, or NULL */
    const char *model_name;    /* the model sent to the endpoint (default "gorilla") */
    const char *api_key_env;   /* NULL: OPENAI_API_KEY */
    long timeout_ms;           /* 0: the client's default */
    int max_retries;           /* -1 (default): the client's default */
    gorilla_prompt_style prompt;
    gorilla_gen_params gen;    /* default: gorilla_gen_params_init, max_tokens 256 */
} gorilla_ask_opts;
void gorilla_ask_opts_init(gorilla_ask_opts *o);

/* An asker holds the stores, retrievers and matchers of the hubs given,
 * and the model or endpoint (none: answers come from retrieval alone).
 * Not thread-safe (one per thread, or serialize calls). */
typedef struct gorilla_asker gorilla_asker;
gorilla_status gorilla_asker_new(const gorilla_ask_opts *opts, gorilla_asker **out, gorilla_error *err);
void gorilla_asker_free(gorilla_asker *a);
int gorilla_asker_has_model(const gorilla_asker *a);
/* The model's name (file name of a local model, or the endpoint's model), or NULL. */
const char *gorilla_asker_model_id(const gorilla_asker *a);
/* The hub's store, or NULL when the hub is not loaded. */
const gorilla_store *gorilla_asker_store(const gorilla_asker *a, gorilla_hub hub);

/* A retrieved document (strings borrowed from the asker's store). */
typedef struct {
    gorilla_hub hub;
    size_t api_index; /* 0-based line in the hub's API file */
    double score;
    const char *api_name, *api_call, *domain, *description;
    char *example_code; /* owned: the example code as text, or NULL */
} gorilla_ask_hit;

typedef struct {
    char *task;
    int hub;                 /* the hub asked, -1: all */
    gorilla_ask_hit *hits;   /* best first, across hubs */
    size_t n_hits;
    int generated;           /* a model answered */
    char *prompt, *text;     /* the prompt sent and the raw answer (when generated) */
    gorilla_answer answer;   /* the answer's fields */
    int checked;             /* the answer had an api_call, checked against the store */
    long match_index;        /* the document it matches (evaluator's matcher), -1: none */
    gorilla_hub match_hub;
    const char *match_api_name, *match_domain, *match_api_call;
} gorilla_ask_result;

/* Runs the pipeline for one task: retrieve k documents (k 0: the asker's
 * default) from `hub` (-1: every loaded hub, merged by score), and when a
 * model or endpoint is set, prompt it with the task and the best document,
 * parse the answer and check its api_call against the stores. Clear the
 * result with gorilla_ask_result_clear. */
gorilla_status gorilla_ask(gorilla_asker *a, const char *task, int hub, size_t k, gorilla_ask_result *out,
                           gorilla_error *err);
/* The retrieval half of gorilla_ask only (no generation). */
gorilla_status gorilla_ask_retrieve(gorilla_asker *a, const char *task, int hub, size_t k, gorilla_ask_result *out,
                                    gorilla_error *err);
void gorilla_ask_result_clear(gorilla_ask_result *r);
/* "retrieval_only", "no_call" (the answer had no api_call), "known" (it
 * matches a document), or "hallucination" (it matches none). */
const char *gorilla_ask_verdict(const gorilla_ask_result *r);
/* Checks a call against the stores (prefer_hub first, -1: guessed from the
 * call) and fills r's checked/match_* fields. */
void gorilla_asker_check(gorilla_asker *a, const char *call, int prefer_hub, gorilla_ask_result *r);
/* Generates an answer for a user text (a question, possibly with a
 * document) in the asker's prompt style; `hub` picks the domain list of
 * the evaluation prompt (-1: HuggingFace's). *prompt (may be NULL) is the
 * prompt sent. Caller frees *prompt and *text. */
gorilla_status gorilla_asker_complete(gorilla_asker *a, int hub, const char *user_text, char **prompt,
                                      char **text, gorilla_error *err);

/* Generates a continuation of a complete prompt (already templated) with
 * the local model, or the endpoint's /completions. Caller frees *text. */
gorilla_status gorilla_asker_generate(gorilla_asker *a, const char *prompt, char **text, gorilla_error *err);
/* The user text for a task: the task alone, or followed by the document
 * `top` (Python str() of it, as in the published bm25 questions). Caller
 * frees; NULL on OOM. */
char *gorilla_asker_task_text(gorilla_asker *a, const char *task, const gorilla_ask_hit *top);

/* The result as one JSON object: task, hub, retriever, documents[] (hub,
 * index, score, api_name, domain, api_call, description, example_code),
 * model, and when generated prompt, answer_text, answer{domain, api_call,
 * api_provider, explanation, code}; verdict; match (hub, index, api_name,
 * domain, api_call) or null. Caller frees. */
char *gorilla_ask_result_json(const gorilla_asker *a, const gorilla_ask_result *r);
/* The server's /v1/gorilla/ask: request {"task": T, "hub": H|"all",
 * "k": K} (hub and k optional), response as gorilla_ask_result_json.
 * Malformed requests are GORILLA_ERR_PARSE / GORILLA_ERR_INVALID. */
gorilla_status gorilla_ask_json(gorilla_asker *a, const char *request_json, char **response_json,
                                gorilla_error *err);

/* --- Bench (src/pipeline/bench.c) ------------------------------------ */

/* Prepares a response file for a resumed run: creates it when missing;
 * when its last line is torn (no final newline), truncates it; returns the
 * question_ids already answered (malloc'd, *n entries). A complete line that
 * is not a JSON object with an integer question_id is GORILLA_ERR_PARSE
 * (path:line). */
gorilla_status gorilla_bench_resume(const char *path, long **ids, size_t *n, gorilla_error *err);
/* One response line in the published format, newline included:
 * {"question_id": N, "text": T, "answer_id": A, "model_id": M, "metadata": {}}
 * with A a 22-character id drawn from `seed`; when `error` is non-NULL the
 * metadata is {"error": error}. Caller frees. */
char *gorilla_bench_response_line(long question_id, const char *text, const char *model_id, uint64_t seed,
                                  const char *error);

/* ---- convert ---- */
/* Checkpoints to GGUF, and GGUF to another tensor type (src/convert).
 * Outputs use llama.cpp's tensor names, metadata and Q/K row order, so
 * llama.cpp and this engine read them alike. Written to OUT.tmp, then
 * renamed over OUT. Inputs are untrusted: every size and offset is checked,
 * errors name the file and tensor. */
typedef struct {
    int type;              /* weight type: a GGUF/ggml type id (gorilla_type_from_name);
                              -1: the source's (llama2.c: F32; HF: its dtype) */
    const char *tokenizer; /* llama2.c: the tokenizer .bin (NULL: tokenizer.bin beside it) */
    const char *name;      /* general.name (NULL: from the input's name) */
    const char *pre;       /* HF byte-level BPE: tokenizer.ggml.pre (NULL: from the architecture
                              or tokenizer.json's pre-tokenizer) */
} gorilla_convert_opts;

/* What a conversion wrote (for messages). */
typedef struct {
    char arch[16];       /* "llama", "mpt", "falcon" */
    char format[48];     /* the input's format: "llama2.c legacy", "llama2.c v1", "hf safetensors", ... */
    size_t n_tensors;
    size_t n_vocab;
    uint64_t n_params;
} gorilla_convert_info;

void gorilla_convert_opts_init(gorilla_convert_opts *opts);
/* A llama2.c checkpoint (legacy, v1 fp32 or v2 int8 export) with its
 * tokenizer .bin to a LLaMA GGUF. info may be NULL. */
gorilla_status gorilla_convert_llama2c(const char *checkpoint, const char *out_path, const gorilla_convert_opts *opts,
                                       gorilla_convert_info *info, gorilla_error *err);
/* A Hugging Face checkpoint directory (config.json, *.safetensors single or
 * sharded, tokenizer.json or tokenizer.model) of LlamaForCausalLM,
 * MistralForCausalLM, MPTForCausalLM or FalconForCausalLM to GGUF. */
gorilla_status gorilla_convert_hf(const char *dir, const char *out_path, const gorilla_convert_opts *opts,
                                  gorilla_convert_info *info, gorilla_error *err);
/* Either of the above: a directory is a Hugging Face checkpoint, a file a
 * llama2.c one. */
gorilla_status gorilla_convert(const char *input, const char *out_path, const gorilla_convert_opts *opts,
                               gorilla_convert_info *info, gorilla_error *err);
/* Rewrites a GGUF file with its weight matrices in `type` (1-D tensors stay
 * F32; rows that do not fit the type's block fall back as llama.cpp does),
 * every metadata key copied (general.file_type updated). */
gorilla_status gorilla_quantize(const char *in_path, const char *out_path, int type, gorilla_convert_info *info,
                                gorilla_error *err);
/* "Q4_0" -> its type id, -1 when unknown or not writable; and back ("?"). */
int gorilla_type_from_name(const char *name);
const char *gorilla_type_name(int type);
/* ---- end convert ---- */

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_H */
