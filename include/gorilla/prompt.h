/* gorilla/prompt.h — prompts and answers (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_PROMPT_H
#define GORILLA_API_PROMPT_H

#include "gorilla/base.h"
#include "gorilla/eval.h"
#include "gorilla/retrieve.h"

#ifdef __cplusplus
extern "C" {
#endif

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
/* Each published Gorilla model's prompt (src/prompt/model_template.c):
 *  gorilla-v0        "###USER: " + question [+ " \n Use this API documentation
 *                    for reference: " + doc] + "\n###ASSISTANT: "
 *  openfunctions-v1  "USER: <<question>> " + question [+ " <<function>> " +
 *                    functions] + "\nASSISTANT: "   (OpenFunctions v0 and v1)
 *  openfunctions-v2  SYSTEM + "\n### Instruction: <<function>>" + functions +
 *                    "\n<<question>>" + question + "\n### Response: "
 *                    (no functions: SYSTEM + "\n### Instruction: <<question>> "
 *                    + question + "\n### Response: ")
 * functions is the json.dumps() of the function list (for gorilla-v0: the
 * document's text); NULL for none. */
typedef enum {
    GORILLA_TEMPLATE_GORILLA_V0 = 0,
    GORILLA_TEMPLATE_OPENFUNCTIONS_V1 = 1,
    GORILLA_TEMPLATE_OPENFUNCTIONS_V2 = 2,
    GORILLA_TEMPLATE_COUNT = 3
} gorilla_template;
const char *gorilla_template_name(gorilla_template t);    /* "gorilla-v0", ... */
const char *gorilla_template_summary(gorilla_template t); /* the format, one line */
const char *gorilla_template_system(gorilla_template t);  /* openfunctions-v2's system text, else NULL */
/* Names: the three above, and gorilla, v0, gorilla_v0, openfunctions(-v0),
 * ofv1, ofv2. Returns 0, or -1 when unknown. */
int gorilla_template_parse(const char *name, gorilla_template *out);
/* The prompt; caller frees; NULL on OOM or an unknown template. */
char *gorilla_template_apply(gorilla_template t, const char *question, const char *functions);
/* Picks the template from a model's metadata: the gorilla.template key (a
 * template name; an unknown one is GORILLA_ERR_UNSUPPORTED), else
 * tokenizer.chat_template (<<function>> with "### Instruction": v2;
 * <<question>>: v1; ###USER: v0), else general.name (openfunctions-v2, then
 * openfunctions, then gorilla), else gorilla-v0. Any may be NULL. *source
 * (may be NULL) names what decided: "gorilla.template",
 * "tokenizer.chat_template", "general.name" or "default". */
gorilla_status gorilla_template_detect(const char *template_key, const char *chat_template,
                                       const char *general_name, gorilla_template *out, const char **source,
                                       gorilla_error *err);
/* gorilla_template_detect on a GGUF file's metadata (src/pipeline). */
gorilla_status gorilla_template_for_file(const char *path, gorilla_template *out, const char **source,
                                         gorilla_error *err);

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

/* --- Function calling (src/prompt/functions.c) ---------------------- */

/* BFCL's default prompting instructions (DEFAULT_SYSTEM_PROMPT_WITHOUT_FUNC_DOC). */
const char *gorilla_fn_system_base(void);
/* BFCL's DEFAULT_SYSTEM_PROMPT: the instructions, then "\nHere is a list
 * of functions in JSON format that you can invoke.\n" + str(functions) +
 * "\n\n" (Python's str() of the list, as BFCL's prompting handlers format
 * it). functions_json: a JSON list of function documents (one document is
 * taken as a list of one). Caller frees; NULL on OOM. */
char *gorilla_fn_system_prompt(const char *functions_json);
/* The whole prompt for a local model: openfunctions-v1/v2 with
 * json.dumps(functions); any other template: the default system prompt
 * followed by the Gorilla chat turn "###USER: " + question +
 * "\n###ASSISTANT: ". Caller frees. */
char *gorilla_fn_prompt(gorilla_template t, const char *functions_json, const char *question);
/* Model output -> calls: *calls_json = [{"name": N, "arguments": {...}}]
 * (compact JSON, caller frees). Accepts Python call text ([f(a=1)] or
 * f(a=1), decoded as BFCL decodes it), OpenFunctions' <<function>>
 * markers, JSON call objects or lists (name/function, arguments/parameters
 * as an object or a JSON string, OpenAI's {"type": "function", "function"}),
 * <tool_call> blocks and ``` fences. GORILLA_ERR_PARSE when the output is
 * not a call (plain text, empty list, malformed); never anything worse. */
gorilla_status gorilla_fn_parse(const char *text, size_t len, char **calls_json, gorilla_error *err);

/* --- Function documents (src/prompt/fn_docs.c) ---------------------- */

/* Reads a JSON list of function documents ({"name", "description",
 * "parameters"}, BFCL / OpenAI style, or OpenAI's tools form
 * {"type": "function", "function": {...}}, mixed freely) into
 * *functions_json: the compact list of the documents themselves (caller
 * frees). GORILLA_ERR_PARSE, the message starting with `source`, when the
 * text is not JSON (with line and column), not a list, empty, or an item
 * is not a document: no "name", a name that is not 1 to 128 letters,
 * digits, '_', '-' or '.', a description that is not a string, parameters
 * that are not an object, a name given twice. */
gorilla_status gorilla_fn_docs_parse(const char *text, size_t len, const char *source, char **functions_json,
                                     gorilla_error *err);
/* gorilla_fn_docs_parse on a file (at most 64 MiB); errors name the path. */
gorilla_status gorilla_fn_docs_load(const char *path, char **functions_json, gorilla_error *err);
/* The OpenAI `tools` list for function documents, as BFCL's FC handlers
 * send it: [{"type": "function", "function": doc}] with '.' in names as
 * '_' and a parameters type "dict" as "object". Caller frees; NULL on OOM
 * or when functions_json is not a list. */
char *gorilla_fn_tools(const char *functions_json);
/* Checks parsed calls ([{"name", "arguments": {...}}], as gorilla_fn_parse
 * gives them) against function documents, the analogue of ask's
 * hallucination warning. A call name that is no document's (a name with
 * '_' for the '.' of exactly one document's name is that document's, and
 * the call is renamed) is "unknown_function"; an argument not among the
 * function's parameters.properties "unexpected_argument"; a name of
 * parameters.required not among the arguments "missing_required".
 * *calls_out: the calls with the documents' names; *warnings_json:
 * [{"kind", "call" (1-based), "name", "argument" (when one), "message"}]
 * (both compact JSON, caller frees). GORILLA_ERR_INVALID when an input is
 * not such a list. */
gorilla_status gorilla_fn_check(const char *functions_json, const char *calls_json, char **calls_out,
                                char **warnings_json, gorilla_error *err);

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
/* gorilla_answer_parse, for models that answer with the call itself
 * (OpenFunctions): with no api_call field, api_call is the answer's first
 * line (after a leading "<<function>>"). */
gorilla_status gorilla_answer_parse_call(const char *text, size_t len, gorilla_answer *out, gorilla_error *err);
void gorilla_answer_clear(gorilla_answer *a);
/* 1 when two call texts are the same after normalization (escapes, outer
 * quotes, a leading "x = ", whitespace, quote kinds ignored). */
int gorilla_answer_same_call(const char *a, size_t alen, const char *b, size_t blen);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_PROMPT_H */
