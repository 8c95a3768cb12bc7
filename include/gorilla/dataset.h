/* gorilla/dataset.h — training pairs, conversations, the eval-leak guard and
 * self-instruct (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_DATASET_H
#define GORILLA_API_DATASET_H

#include "gorilla/base.h"
#include "gorilla/store.h"
#include "gorilla/eval.h"
#include "gorilla/retrieve.h"
#include "gorilla/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Training pairs (src/dataset/pairset.c)                              */
/* ------------------------------------------------------------------ */

/* One {instruction, API} pair. `answer` is the assistant turn in the
 * published Gorilla format:
 *   "<<<domain>>>: D\n<<<api_call>>>: C\n<<<api_provider>>>: P\n"
 *   "<<<explanation>>>: E\n<<<code>>>: CODE"
 * `api_json` is the gold API document as compact JSON (NULL when unknown). */
typedef struct {
    char *instruction, *answer, *api_call, *domain, *provider, *api_json;
} gorilla_train_pair;

typedef struct gorilla_pairset gorilla_pairset;

gorilla_status gorilla_pairset_new(gorilla_pairset **out, gorilla_error *err);
void gorilla_pairset_free(gorilla_pairset *set);
size_t gorilla_pairset_count(const gorilla_pairset *set);
const gorilla_train_pair *gorilla_pairset_get(const gorilla_pairset *set, size_t i);
/* Appends a copy of the fields (instruction and answer required; the
 * others may be NULL). */
gorilla_status gorilla_pairset_add(gorilla_pairset *set, const gorilla_train_pair *p, gorilla_error *err);

/* Reads APIBench train pairs (JSON lines {"code", "api_call", "provider",
 * "api_data"}) and appends them. `code` is either
 * "###Instruction: I\n###Output: <<<domain>>>: ..." (the eval files, and
 * what selfinstruct writes) or "{'Instruction': I, 'Output': {'domain': ...,
 * 'api_call': ..., ...}}" (the published TorchHub train file); the answer is
 * rewritten in the <<<field>>> format, fields missing from `code` taken from
 * the line (api_call, provider, api_data.domain). Errors name path:line. */
gorilla_status gorilla_pairset_load(gorilla_pairset *set, const char *path, gorilla_error *err);
gorilla_status gorilla_pairset_load_buffer(gorilla_pairset *set, const char *name, const char *data, size_t len,
                                           gorilla_error *err);

/* One APIBench train line (no newline) for a pair: code is
 * "###Instruction: I\n###Output: ANSWER", api_data the parsed api_json.
 * Caller frees; NULL on OOM. */
char *gorilla_pair_apibench_line(const gorilla_train_pair *p);

/* The <<<field>>> answer text from its fields (NULL fields written empty).
 * Caller frees; NULL on OOM. */
char *gorilla_answer_format(const char *domain, const char *api_call, const char *provider,
                            const char *explanation, const char *code);

/* Teacher-free pairs (src/dataset/synth.c): for every document of `store`,
 * `per_doc` instructions made from templates over its fields: the task
 * (functionality, or the domain's task words), the description's first
 * sentence with the API's and model's names removed, and the domain, in
 * the second person or as a product need ("I need an API that can ...",
 * "Our app must ..."). The template and the sentence pieces are drawn
 * from `seed`; the same seed gives the same pairs. Answers: the document's
 * domain, api_call, framework, a one-line explanation and its example
 * code. Returns how many were added in *added (may be NULL). */
gorilla_status gorilla_pairset_synth(gorilla_pairset *set, const gorilla_store *store, unsigned per_doc,
                                     uint64_t seed, size_t *added, gorilla_error *err);

/* ------------------------------------------------------------------ */
/* The eval-leak guard (src/dataset/leak.c)                            */
/* ------------------------------------------------------------------ */

/* Normalised text: lowercase (ASCII), ASCII punctuation removed ('-', '/'
 * and '_' count as spaces: "street-photos" is "street photos"), runs of
 * whitespace collapsed to one space, trimmed. Caller frees; NULL on OOM. */
char *gorilla_text_normalize(const char *text);

/* The normalised instructions of the APIBench eval files, so that no eval
 * question is trained on. */
typedef struct gorilla_leakset gorilla_leakset;
gorilla_status gorilla_leakset_new(gorilla_leakset **out, gorilla_error *err);
void gorilla_leakset_free(gorilla_leakset *ls);
/* Adds every instruction of an eval file (APIBench pairs, JSON lines). */
gorilla_status gorilla_leakset_add_file(gorilla_leakset *ls, const char *path, gorilla_error *err);
gorilla_status gorilla_leakset_add_text(gorilla_leakset *ls, const char *instruction, gorilla_error *err);
size_t gorilla_leakset_count(const gorilla_leakset *ls);
/* 1 when the instruction, normalised, is one of the eval instructions. */
int gorilla_leakset_contains(const gorilla_leakset *ls, const char *instruction);
/* Refuses (GORILLA_ERR_INVALID, naming the file) a training input that is
 * one of the eval files added (same file by device and inode), or whose
 * name ends in "_eval.json" / "_eval.jsonl". */
gorilla_status gorilla_leakset_check_input(const gorilla_leakset *ls, const char *path, gorilla_error *err);

/* ------------------------------------------------------------------ */
/* Conversations (src/dataset/convset.c)                               */
/* ------------------------------------------------------------------ */

/* A two-turn conversation: the user's text (instruction, and document when
 * retriever-aware) and the assistant's answer. */
typedef struct {
    char *id, *human, *gpt;
} gorilla_conversation;

typedef struct gorilla_convset gorilla_convset;

typedef enum {
    GORILLA_CONV_FASTCHAT_JSON = 0,  /* [{"id", "conversations": [{"from": "human"|"gpt", "value"}]}] */
    GORILLA_CONV_FASTCHAT_JSONL = 1, /* the same objects, one a line */
    GORILLA_CONV_HF_CHAT = 2         /* {"messages": [{"role": "user"|"assistant", "content"}]} a line */
} gorilla_conv_format;

/* "fastchat" (JSON), "fastchat-jsonl", "hf-chat"; 0 ok, -1 unknown. */
int gorilla_conv_format_parse(const char *name, gorilla_conv_format *out);

gorilla_status gorilla_convset_new(gorilla_convset **out, gorilla_error *err);
void gorilla_convset_free(gorilla_convset *cs);
size_t gorilla_convset_count(const gorilla_convset *cs);
const gorilla_conversation *gorilla_convset_get(const gorilla_convset *cs, size_t i);
gorilla_status gorilla_convset_add(gorilla_convset *cs, const char *id, const char *human, const char *gpt,
                                   gorilla_error *err);
/* Reads any of the three formats (a JSON array, or JSON lines of FastChat
 * or hf-chat objects); the first human/user turn and the first gpt/assistant
 * turn after it are kept (system turns ignored). A conversation without
 * both is an error naming file and line (or array index). */
gorilla_status gorilla_convset_load(gorilla_convset *cs, const char *path, gorilla_error *err);
gorilla_status gorilla_convset_load_buffer(gorilla_convset *cs, const char *name, const char *data, size_t len,
                                           gorilla_error *err);
gorilla_status gorilla_convset_write(const gorilla_convset *cs, FILE *out, gorilla_conv_format fmt,
                                     gorilla_error *err);
/* Writes to path atomically (a temporary file, fsync, rename). */
gorilla_status gorilla_convset_save(const gorilla_convset *cs, const char *path, gorilla_conv_format fmt,
                                    gorilla_error *err);

/* ------------------------------------------------------------------ */
/* Building a training set (src/dataset/build.c)                       */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_DOC_NONE = 0,     /* 0-shot: the instruction alone */
    GORILLA_DOC_ORACLE = 1,   /* the pair's gold document (plus k-1 others) */
    GORILLA_DOC_RETRIEVER = 2 /* the retriever's top-k for the instruction */
} gorilla_doc_source;

/* "none"/"0_shot", "oracle", "retriever"; 0 ok, -1 unknown. */
int gorilla_doc_source_parse(const char *name, gorilla_doc_source *out);

typedef struct {
    gorilla_doc_source doc;
    size_t k;               /* documents in the user turn (default 1) */
    double distractor_rate; /* share of examples given only non-gold documents (0) */
    double holdout_rate;    /* share held out (default 0.05) */
    uint64_t seed;          /* default 1 */
    int keep_duplicates;    /* 0: the same normalised instruction + call once */
} gorilla_dataset_opts;
void gorilla_dataset_opts_init(gorilla_dataset_opts *o);

typedef struct {
    size_t pairs_in;       /* pairs seen */
    size_t leaks;          /* dropped: instruction is an eval instruction */
    size_t duplicates;     /* dropped: same instruction and call as an earlier pair */
    size_t train, holdout; /* conversations written to each split */
    size_t with_doc;       /* conversations with a document */
    size_t gold_shown;     /* ... of which the gold document is among those shown */
    size_t distractor_only;/* ... given only non-gold documents */
    size_t gold_missing;   /* pairs whose gold document is not in the store */
} gorilla_dataset_stats;

/* Turns pairs into conversations. The user turn is the instruction, and
 * with documents "<instruction> \n Use this API documentation for
 * reference: <doc>" (the separator of the published question files), each
 * document as json.dumps would write it (", " and ": ", ASCII-escaped),
 * several separated by "\n". `store` and `retriever` are needed for
 * GORILLA_DOC_RETRIEVER, for k > 1 and for distractors (the retriever
 * borrows the store; retriever NULL: other documents drawn at random from
 * the store). `leaks` (may be NULL only when the caller accepts the risk)
 * drops eval instructions. Each pair goes to `holdout` when a hash of the
 * seed and its normalised instruction falls below holdout_rate, so that
 * the split does not depend on input order and a repeated instruction
 * never lands on both sides. */
gorilla_status gorilla_dataset_build(const gorilla_pairset *pairs, const gorilla_store *store,
                                     gorilla_retriever *retriever, const gorilla_leakset *leaks,
                                     const gorilla_dataset_opts *opts, gorilla_convset *train,
                                     gorilla_convset *holdout, gorilla_dataset_stats *stats, gorilla_error *err);

/* How close a set of instructions comes to another's style
 * (src/dataset/style.c). */
typedef struct {
    size_t n;                  /* instructions */
    double mean_words;         /* mean length in words */
    double vocab_in_reference; /* share of this set's distinct words found in the reference vocabulary */
    double token_in_reference; /* share of this set's word occurrences found in it */
    double hit1, hit3;         /* retriever's top-1 / top-3 contains the gold document (pairs with one) */
    size_t with_gold;          /* pairs whose gold document is in the store */
} gorilla_style_stats;

/* Statistics of `pairs`; vocabulary shares against `reference` (may be
 * NULL: 0); hit rates with `retriever` (may be NULL: 0), the gold document
 * found in its store by api_call. A retrieved document counts as the gold
 * one when `matcher` (may be NULL: the same api_call text) finds the same
 * document for both calls, as the evaluator would judge the retrieved call. */
gorilla_status gorilla_style_measure(const gorilla_pairset *pairs, const gorilla_pairset *reference,
                                     gorilla_retriever *retriever, gorilla_matcher *matcher,
                                     gorilla_style_stats *out, gorilla_error *err);

/* ------------------------------------------------------------------ */
/* Self-instruct (src/dataset/selfinstruct*.c)                         */
/* ------------------------------------------------------------------ */

/* Hand-written in-context examples of one hub: a JSON array of
 * {"api_data": {...document...}, "instructions": [{"instruction", "api_call",
 * "explanation"}, ...]}. */
typedef struct gorilla_si_examples gorilla_si_examples;
gorilla_status gorilla_si_examples_load(const char *path, gorilla_si_examples **out, gorilla_error *err);
gorilla_status gorilla_si_examples_load_buffer(const char *name, const char *data, size_t len,
                                               gorilla_si_examples **out, gorilla_error *err);
void gorilla_si_examples_free(gorilla_si_examples *ex);
size_t gorilla_si_examples_count(const gorilla_si_examples *ex);

/* The teacher's prompt for one document (compact JSON `doc_json`): the
 * task, `n_shots` examples drawn from `ex` with `seed` (all when fewer),
 * and the answer format: `n_instructions` numbered blocks
 * "Instruction: ...\nAPI call: ...\nExplanation: ...". Caller frees. */
char *gorilla_si_prompt(const gorilla_si_examples *ex, const char *doc_json, unsigned n_shots,
                        unsigned n_instructions, uint64_t seed);

/* One generated item. */
typedef struct {
    char *instruction, *api_call, *explanation;
} gorilla_si_item;
/* Parses a teacher answer into items (blocks in the format above; numbering,
 * markdown bold, code quotes and blank lines tolerated; a block without an
 * instruction or a call is skipped and counted in *skipped). Never fails on
 * content; only GORILLA_ERR_NOMEM. Free with gorilla_si_items_free. */
gorilla_status gorilla_si_parse(const char *text, gorilla_si_item **items, size_t *n, size_t *skipped,
                                gorilla_error *err);
void gorilla_si_items_free(gorilla_si_item *items, size_t n);

/* Word-set Jaccard similarity of two texts (normalised words), in [0, 1]. */
double gorilla_text_jaccard(const char *a, const char *b);

typedef struct {
    gorilla_hub hub;            /* for the matcher */
    gorilla_match_mode match;   /* default GORILLA_MATCH_STRICT: argument by argument (the
                                   compatible mode takes 'resnet5000' for 'resnet50') */
    unsigned n_shots;           /* default 3 */
    unsigned n_instructions;    /* default 10 */
    double dedup_jaccard;       /* drop when the Jaccard with a kept instruction is >= this (default 0.7) */
    uint64_t seed;              /* default 1 */
    size_t first, count;        /* documents [first, first+count); count 0: to the end */
    const gorilla_leakset *leaks; /* may be NULL: eval instructions dropped too */
    /* Optional progress: called after each document. */
    void (*on_doc)(void *user, size_t doc, size_t kept, size_t total_kept);
    void *on_doc_user;
} gorilla_si_opts;
void gorilla_si_opts_init(gorilla_si_opts *o);

typedef struct {
    size_t docs_done;       /* documents asked in this run */
    size_t docs_skipped;    /* documents already done (resume) */
    size_t generated;       /* items parsed from answers */
    size_t unparsed;        /* answer blocks without instruction or call */
    size_t hallucinated;    /* calls the matcher does not find in the document */
    size_t duplicates;      /* near-duplicate instructions dropped */
    size_t leaks;           /* eval instructions dropped */
    size_t named_api;       /* instructions naming the API (its api_name) dropped */
    size_t kept;            /* pairs written in this run */
    size_t kept_before;     /* pairs already in the file (resume) */
} gorilla_si_stats;

/* Runs self-instruct over `store` with `client` as the teacher, appending
 * kept pairs to `out_path` in the APIBench train format, one fsynced line
 * per pair. `out_path`.progress records each finished document with the
 * output's length after it (fsynced), so that a rerun skips finished
 * documents, truncates pairs of an unfinished one and keeps the rest.
 * A teacher failure (after the client's retries) stops the run with the
 * error; everything written before stays. */
gorilla_status gorilla_selfinstruct_run(const gorilla_store *store, const gorilla_si_examples *ex,
                                        gorilla_client *client, const char *out_path, const gorilla_si_opts *opts,
                                        gorilla_si_stats *stats, gorilla_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_DATASET_H */
