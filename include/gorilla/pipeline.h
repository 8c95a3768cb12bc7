/* gorilla/pipeline.h — end to end: ask, bench (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_PIPELINE_H
#define GORILLA_API_PIPELINE_H

#include "gorilla/base.h"
#include "gorilla/eval.h"
#include "gorilla/llm.h"
#include "gorilla/prompt.h"
#include "gorilla/retrieve.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* End to end: ask, bench (src/pipeline)                               */
/* ------------------------------------------------------------------ */

/* --- Ask (src/pipeline/ask.c) ---------------------------------------- */

/* How a task is put to the model: the Gorilla chat template
 * ("###USER: {task + retrieved doc}\n###ASSISTANT: ", or for an endpoint
 * the same text as the user message), or the evaluation prompt for general
 * chat models (gorilla_prompt_eval_system / _user). */
typedef enum { GORILLA_PROMPT_GORILLA = 0, GORILLA_PROMPT_EVAL = 1 } gorilla_prompt_style;

enum { GORILLA_ASK_DRAFT_OFF = 0, GORILLA_ASK_DRAFT_LOOKUP = 1, GORILLA_ASK_DRAFT_AUTO = 2 };

typedef struct {
    const char *api_paths[GORILLA_HUB_COUNT]; /* API documents per hub; NULL: hub not used */
    const char *retriever;     /* NULL: the default retriever; "none": no retrieval */
    size_t k;                  /* documents retrieved (default 3) */
    const char *model_path;    /* local GGUF model, or NULL */
    /* Or a model already loaded, borrowed (model_path then only names it):
     * the caller keeps it and its tokenizer alive while the asker lives and
     * does not run it from another thread meanwhile (gorilla serve: one
     * generation at a time, so the server's backend and the asker share
     * one model). */
    gorilla_model *model;
    const gorilla_tokenizer *tokenizer;
    int n_threads, n_ctx;      /* for the local model (0: its defaults) */
    const char *endpoint;      /* OpenAI-compatible base URL, or NULL */
    const char *model_name;    /* the model sent to the endpoint (default "gorilla") */
    const char *api_key_env;   /* NULL: OPENAI_API_KEY */
    long timeout_ms;           /* 0: the client's default */
    int max_retries;           /* -1 (default): the client's default */
    gorilla_prompt_style prompt;
    const char *template_name; /* the local model's prompt template (gorilla_template_parse);
                                  NULL: from the model file's metadata (gorilla_template_for_file) */
    gorilla_gen_params gen;    /* default: gorilla_gen_params_init, max_tokens 256 */
    /* Decoding of a local model (gorilla/decode.h): the call field limited
     * to the store's calls (GORILLA_ASK_CONSTRAIN_STORE, the default), to
     * the calls of the documents in the prompt (_RETRIEVED), or free
     * (_OFF); and prompt-lookup drafts: GORILLA_ASK_DRAFT_AUTO (the
     * default: where they pay, gorilla_lookup_wins), _LOOKUP or _OFF. */
    int constrain;
    int draft;
    /* The documents put in a model's prompt after the task: the best
     * prompt_docs (0: 1) of those retrieved, one per line, each written as
     * Python's json.dumps writes it (GORILLA_DOC_JSON, the default: the form
     * of the published oracle questions and of `gorilla dataset`) or as
     * Python's str() (GORILLA_DOC_REPR: the published bm25 questions). */
    size_t prompt_docs;
    int doc_format;
    /* > 1: the model picks the one document of its prompt among the best
     * `rerank` retrieved (gorilla_asker_rerank_docs; a local model with the
     * Gorilla template), instead of the retriever's first. */
    size_t rerank;
} gorilla_ask_opts;
#define GORILLA_DOC_JSON 0
#define GORILLA_DOC_REPR 1
#define GORILLA_ASK_CONSTRAIN_OFF 0
#define GORILLA_ASK_CONSTRAIN_STORE 1
#define GORILLA_ASK_CONSTRAIN_RETRIEVED 2
void gorilla_ask_opts_init(gorilla_ask_opts *o);

/* An asker holds the stores, retrievers and matchers of the hubs given,
 * and the model or endpoint (none: answers come from retrieval alone).
 * Not thread-safe (one per thread, or serialize calls). */
typedef struct gorilla_asker gorilla_asker;
gorilla_status gorilla_asker_new(const gorilla_ask_opts *opts, gorilla_asker **out, gorilla_error *err);
void gorilla_asker_free(gorilla_asker *a);
int gorilla_asker_has_model(const gorilla_asker *a);
/* The prompt template used for a local model, and what chose it (*source:
 * "--template", "gorilla.template", "tokenizer.chat_template",
 * "general.name" or "default"; may be NULL). */
gorilla_template gorilla_asker_template(const gorilla_asker *a, const char **source);
/* The model's name (file name of a local model, or the endpoint's model), or NULL. */
const char *gorilla_asker_model_id(const gorilla_asker *a);
/* How many documents the asker puts in a model's prompt (its prompt_docs). */
size_t gorilla_asker_prompt_docs(const gorilla_asker *a);
/* Its rerank setting (gorilla_ask_opts.rerank). */
size_t gorilla_asker_rerank(const gorilla_asker *a);
/* What the local model's answers cost so far (every gorilla_asker_complete
 * and _generate): tokens written, forwards after the prompt (drafts
 * included), draft tokens proposed and kept, decode time. */
typedef struct {
    size_t answers, tokens, decode_steps, drafted, accepted;
    double decode_ms;
} gorilla_asker_stats;
void gorilla_asker_decode_stats(const gorilla_asker *a, gorilla_asker_stats *out);
/* The hub's store, or NULL when the hub is not loaded. */
const gorilla_store *gorilla_asker_store(const gorilla_asker *a, gorilla_hub hub);

/* A retrieved document (strings borrowed from the asker's store). */
typedef struct {
    gorilla_hub hub;
    size_t api_index; /* 0-based line in the hub's API file */
    double score;
    const char *api_name, *api_call, *domain, *description;
    char *example_code; /* owned: the example code as text, or NULL */
    /* with a local model and a constraint on: the model's log-probability
     * of this document's call as the answer's call (the reranker) */
    int has_logprob;
    double call_logprob;
} gorilla_ask_hit;

typedef struct {
    char *task;
    gorilla_hub hub;         /* the hub asked, GORILLA_HUB_ANY: all */
    gorilla_ask_hit *hits;   /* best first, across hubs */
    size_t n_hits;
    int generated;           /* a model answered */
    int reranked;            /* the model picked the prompt's document (gorilla_ask_opts.rerank) */
    size_t docs_in_prompt;   /* documents in the prompt, after fitting it to the context */
    size_t doc_cut;          /* each cut to this many bytes to fit (0: whole) */
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
gorilla_status gorilla_ask(gorilla_asker *a, const char *task, gorilla_hub hub, size_t k, gorilla_ask_result *out,
                           gorilla_error *err);
/* The retrieval half of gorilla_ask only (no generation). */
gorilla_status gorilla_ask_retrieve(gorilla_asker *a, const char *task, gorilla_hub hub, size_t k, gorilla_ask_result *out,
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
gorilla_status gorilla_asker_complete(gorilla_asker *a, gorilla_hub hub, const char *user_text, char **prompt,
                                      char **text, gorilla_error *err);

/* Generates a continuation of a complete prompt (already templated) with
 * the local model, or the endpoint's /completions. Caller frees *text. */
gorilla_status gorilla_asker_generate(gorilla_asker *a, const char *prompt, char **text, gorilla_error *err);
/* The user text for a task: the task alone, or followed by the documents
 * hits[0..n) (one per line, in the asker's doc_format). Caller frees; NULL
 * on OOM. gorilla_asker_task_text: the best ones of a result, as many as the
 * asker's prompt_docs (top: the result's hits, n_hits of them). */
char *gorilla_asker_task_text_n(gorilla_asker *a, const char *task, const gorilla_ask_hit *hits, size_t n);
char *gorilla_asker_task_text(gorilla_asker *a, const char *task, const gorilla_ask_hit *top, size_t n_hits);
/* Tokens a local model's prompt leaves free for the answer, at least,
 * when documents are fitted (gorilla_asker_task_text_fit). */
#define GORILLA_ASK_ANSWER_RESERVE 128
/* gorilla_asker_task_text_n fitted to a local model's context: while the
 * prompt would leave fewer than GORILLA_ASK_ANSWER_RESERVE tokens of the
 * context, one document fewer, then (one left) that document cut shorter;
 * *n_used documents are in the text, each cut to *cut bytes (0: whole).
 * Without a local model with the Gorilla prompt, the text unchanged. */
char *gorilla_asker_task_text_fit(gorilla_asker *a, const char *task, const gorilla_ask_hit *hits, size_t n,
                                  size_t *n_used, size_t *cut);
/* The reranker over documents: each of hits[0..n) scored by the local model
 * as log P("D\n<<<api_call>>>: C" | the Gorilla prompt of the task with that
 * document alone, then "<<<domain>>>: "), D and C the document's domain and
 * call; the scores go to the hits' call_logprob (has_logprob 1), *best is the
 * highest (0 when none was scored; a prompt longer than the context is
 * skipped). A model trained on retriever-aware data with wrong documents
 * (gorilla dataset --doc retriever) gives a document that does not fit the
 * task a low score. */
gorilla_status gorilla_asker_rerank_docs(gorilla_asker *a, const char *task, gorilla_ask_hit *hits, size_t n,
                                         size_t *best, gorilla_error *err);

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

/* --- Function calling (src/pipeline/ask_functions.c) ----------------- */

/* How the functions go to the model. AUTO: a local model gets its
 * template's prompt (openfunctions-v1/v2 with json.dumps(functions);
 * gorilla-v0: BFCL's default prompting system prompt, then the Gorilla
 * chat turn); an endpoint gets the functions as `tools` (gorilla_fn_tools),
 * unless the asker's template was given (--template openfunctions-*):
 * then that prompt on /completions. PROMPT: BFCL's default prompting
 * system prompt (an endpoint: as the system message, the task as the user
 * message). TOOLS: `tools` (an endpoint only). */
typedef enum { GORILLA_FN_MODE_AUTO = 0, GORILLA_FN_MODE_PROMPT = 1, GORILLA_FN_MODE_TOOLS = 2 } gorilla_fn_mode;

typedef struct {
    const char *mode;    /* what was sent: "openfunctions-v1", "openfunctions-v2", "prompt", "tools" */
    char *prompt;        /* the prompt; for chats the messages (and tools) as JSON */
    char *text;          /* the model's text ("" when it answered with tool calls only) */
    char *calls_json;    /* [{"name", "arguments": {...}}]; "[]" when the answer is no call */
    char *warnings_json; /* gorilla_fn_check's warnings, and "bad_arguments" for tool
                            calls whose arguments are not a JSON object (taken as {}) */
    size_t n_calls, n_warnings;
} gorilla_fn_answer;

/* Asks the asker's model or endpoint to call one of `functions_json` (a
 * list as gorilla_fn_docs_parse gives it) for the task, parses the answer
 * into calls (gorilla_fn_parse, or the tool calls) and checks them
 * (gorilla_fn_check). A local model decodes freely here (no store
 * constraint, no drafts). Clear with gorilla_fn_answer_clear. */
gorilla_status gorilla_ask_functions(gorilla_asker *a, const char *functions_json, const char *task,
                                     gorilla_fn_mode mode, gorilla_fn_answer *out, gorilla_error *err);
void gorilla_fn_answer_clear(gorilla_fn_answer *r);
/* "no_call" (no call parsed), "warning" (a warning), or "ok". */
const char *gorilla_fn_answer_verdict(const gorilla_fn_answer *r);
/* {"task", "model", "mode", "prompt", "text", "calls", "warnings",
 * "verdict"} as one line of JSON. Caller frees; NULL on OOM. */
char *gorilla_fn_answer_json(const gorilla_asker *a, const char *task, const gorilla_fn_answer *r);

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

/* The bench loop (gorilla bench): for every question of a question file
 * not yet answered in the responses file, build the prompt (the question,
 * or with `retrieve` the question followed by the asker's top document),
 * let the asker's model or endpoint answer, append the response line and
 * fsync it, and report progress. A prompt longer than the context is
 * recorded as an empty answer with the error in its metadata, so that a
 * rerun moves on. */
typedef enum {
    GORILLA_BENCH_START,   /* counts known, nothing answered yet */
    GORILLA_BENCH_ANSWER,  /* question_id answered and on disk */
    GORILLA_BENCH_EMPTY    /* question_id recorded as an empty answer: note says why */
} gorilla_bench_event;

typedef struct {
    gorilla_bench_event event;
    size_t n_questions; /* in the file (after the limit) */
    size_t n_todo;      /* not answered before this run */
    size_t n_answered;  /* answered in this run so far */
    long question_id;
    double elapsed_s, rate; /* since the start; answers per second */
    const char *note;
} gorilla_bench_progress;

typedef struct {
    gorilla_hub hub;
    const char *questions_path;
    const char *out_path;  /* created, or resumed (gorilla_bench_resume) */
    int retrieve;          /* 1: add the asker's best documents (its prompt_docs) to each question */
    long limit;            /* at most the first N questions; -1: all */
    uint64_t seed;         /* answer ids (gorilla_bench_response_line) */
    void (*on_progress)(void *user, const gorilla_bench_progress *p); /* may be NULL */
    void *user;
} gorilla_bench_opts;
void gorilla_bench_opts_init(gorilla_bench_opts *o);
/* Runs the loop; *last (may be NULL) is the final progress (counts). */
gorilla_status gorilla_bench_run(gorilla_asker *a, const gorilla_bench_opts *o, gorilla_bench_progress *last,
                                 gorilla_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_PIPELINE_H */
