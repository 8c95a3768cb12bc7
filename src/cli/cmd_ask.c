/* cmd_ask.c — `gorilla ask`: the right API call for a task, checked
 * against the API store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla ask \"TASK\" [--hub HUB] [--retriever NAME|none] [-k K]\n"
    "                   [--model MODEL.gguf | --endpoint URL [--model-name NAME]]\n"
    "                   [--data ROOT | --api FILE] [--prompt gorilla|eval] [--json]\n"
    "       gorilla ask --functions FILE \"TASK\" (--model MODEL.gguf | --endpoint URL)\n"
    "                   [--fn-mode auto|prompt|tools] [--json]\n"
    "\n"
    "Retrieves the API documents that fit the task; with a model, asks it for the\n"
    "API call (Gorilla prompt with the best document), parses the answer and checks\n"
    "the call against the store with the evaluator's matcher: a known API (which\n"
    "document) or not in the store (a hallucination warning). Without a model, the\n"
    "answer is the best documents with their calls and example code.\n"
    "\n"
    "  --hub HUB            torchhub|huggingface|tensorflowhub (default: all three)\n"
    "  --retriever NAME     gorilla (default), bm25-official, or none\n"
    "  -k K                 documents to show (default 3)\n"
    "  --model FILE         a local GGUF model (Gorilla LLaMA chat template)\n"
    "  --endpoint URL       an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1\n"
    "  --model-name NAME    the model name sent to the endpoint (default gorilla)\n"
    "  --api-key-env VAR    environment variable holding the endpoint's key (default OPENAI_API_KEY)\n"
    "  --retries N          endpoint retries on connection errors, 429 and 5xx (default 4)\n"
    "  --prompt STYLE       gorilla (default) or eval (the prompt for general chat models)\n"
    "  --template NAME      the local model's prompt: gorilla-v0, openfunctions-v1, openfunctions-v2\n"
    "                       (default: from the GGUF metadata, see gorilla info)\n"
    "  --data ROOT          API files: ROOT/api/<hub>_api.jsonl or ROOT/<hub>_api.jsonl\n"
    "                       (default: $GORILLA_DATA, else the starter store data/starter)\n"
    "  --api FILE           one API file (its hub from --hub or the file name)\n"
    "  -n N                 tokens to generate at most (default 256)\n"
    "  --temp T             temperature (default 0: greedy)\n"
    "  --constrain MODE     the call field limited to the store's calls: store, retrieved, off (default store)\n"
    "  --draft MODE         prompt-lookup speculative decoding: lookup, off, or auto (the default:\n"
    "                     lookup where it pays, on models of 256 MiB of weights or more)\n"
    "  --prompt-docs N      the best N retrieved documents in the model's prompt, one per line (default 1)\n"
    "  --rerank K           the local model picks its prompt's one document among the best K: each\n"
    "                       scored by log P(its domain and call | the task with it alone)\n"
    "  --doc-format F       documents in the prompt as json (json.dumps, the published oracle questions'\n"
    "                       form and `gorilla dataset`'s; default) or repr (str(), the published bm25 form)\n"
    "  --ctx N, -t THREADS  context length and threads of the local model\n"
    "  --json               print one JSON object\n"
    "  --functions FILE     a JSON list of function documents ({\"name\", \"description\", \"parameters\"},\n"
    "                       or OpenAI's tools form): the model is asked to call them (no retrieval);\n"
    "                       the calls are checked against the documents (unknown function, argument\n"
    "                       not a parameter, required argument missing: a warning)\n"
    "  --fn-mode MODE       auto (default: a local model's template prompt, an endpoint's `tools`),\n"
    "                       prompt (BFCL's default system prompt), tools (an endpoint only)\n"
    "\n"
    "example: gorilla ask \"find a model that separates vocals from music\"\n";

/* Prints the calls and the check of an answer to function documents. */
static void print_fn_answer(const gorilla_fn_answer *r, const char *model_id)
{
    printf("answer (%s, %s):\n", model_id ? model_id : "model", r->mode ? r->mode : "?");
    const char *p = r->text ? r->text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        printf("  %.*s\n", (int)len, p);
        p += len + (nl ? 1 : 0);
    }
    json_t *calls = json_loads(r->calls_json ? r->calls_json : "[]", 0, NULL);
    json_t *warnings = json_loads(r->warnings_json ? r->warnings_json : "[]", 0, NULL);
    size_t i;
    json_t *c;
    if (json_array_size(calls)) printf("\ncalls:\n");
    json_array_foreach(calls, i, c) {
        char *args = json_dumps(json_object_get(c, "arguments"), JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("  %zu. %s %s\n", i + 1, json_string_value(json_object_get(c, "name")), args ? args : "{}");
        free(args);
    }
    if (!json_array_size(calls)) printf("\ncheck: the answer is not a function call\n");
    else if (!json_array_size(warnings)) printf("\ncheck: every call is one of the given functions, with its parameters\n");
    else printf("\n");
    json_array_foreach(warnings, i, c) {
        printf("WARNING: %s (possibly a hallucination)\n", json_string_value(json_object_get(c, "message")));
    }
    json_decref(calls);
    json_decref(warnings);
}

/* gorilla ask --functions FILE: the documents first (a bad file fails
 * before any model is loaded), then the model or endpoint, no retrieval. */
static int ask_functions(const char *task, const char *path, const char *mode_s, const char *data, const char *api,
                         const char *hub_s, const char *retriever, const cli_gen_flags *g, int json)
{
    gorilla_fn_mode mode = GORILLA_FN_MODE_AUTO;
    if (!path) return cli_usage_error("ask", "--fn-mode needs --functions FILE");
    if (mode_s && !strcmp(mode_s, "prompt")) mode = GORILLA_FN_MODE_PROMPT;
    else if (mode_s && !strcmp(mode_s, "tools")) mode = GORILLA_FN_MODE_TOOLS;
    else if (mode_s && strcmp(mode_s, "auto") != 0)
        return cli_usage_error("ask", "--fn-mode is auto, prompt or tools, not '%s'", mode_s);
    if (!g->model && !g->endpoint) return cli_usage_error("ask", "--functions needs --model MODEL.gguf or --endpoint URL");
    if (mode == GORILLA_FN_MODE_TOOLS && !g->endpoint)
        return cli_usage_error("ask", "--fn-mode tools needs --endpoint URL (a local model gets a prompt)");
    gorilla_error err = {0};
    char *functions = NULL;
    if (gorilla_fn_docs_load(path, &functions, &err) != GORILLA_OK) {
        fprintf(stderr, "gorilla ask: --functions %s\n", err.message);
        return 2;
    }
    int hub = -1;
    gorilla_asker *asker = NULL;
    int rc = cli_asker_open("ask", data, api, hub_s, retriever ? retriever : "none", 3, g, &hub, &asker);
    if (rc) {
        free(functions);
        return rc;
    }
    gorilla_fn_answer r;
    if (gorilla_ask_functions(asker, functions, task, mode, &r, &err) != GORILLA_OK) {
        free(functions);
        gorilla_asker_free(asker);
        return cli_fail("ask", &err);
    }
    if (json) {
        char *s = gorilla_fn_answer_json(asker, task, &r);
        if (s) printf("%s\n", s);
        else fprintf(stderr, "gorilla ask: out of memory\n"), rc = 1;
        free(s);
    } else {
        print_fn_answer(&r, gorilla_asker_model_id(asker));
    }
    gorilla_fn_answer_clear(&r);
    free(functions);
    gorilla_asker_free(asker);
    return rc;
}

int cmd_ask(int argc, char **argv)
{
    const char *task = NULL, *hub_s = NULL, *retriever = NULL, *data = NULL, *api = NULL;
    long k = 3;
    int json = 0;
    cli_gen_flags g = {0};
    const char *functions = NULL, *fn_mode_s = NULL;
    cli_flag t[CLI_GEN_NFLAGS + 8];
    size_t n = cli_gen_flags_table(&g, t);
    t[n++] = CLI_F_BOOL("--json", NULL, &json);
    t[n++] = CLI_F_STR("--hub", NULL, &hub_s);
    t[n++] = CLI_F_STR("--retriever", NULL, &retriever);
    t[n++] = CLI_F_STR("--data", NULL, &data);
    t[n++] = CLI_F_STR("--api", NULL, &api);
    t[n++] = CLI_F_LONG("-k", NULL, &k, 1, 100, "needs an integer in [1, 100]");
    t[n++] = CLI_F_STR("--functions", NULL, &functions);
    t[n++] = CLI_F_STR("--fn-mode", NULL, &fn_mode_s);
    cli_positional pos = {&task, 1, 0, "give one task (quote it), not also"};
    int rc = cli_flags_parse("ask", USAGE, argc, argv, t, n, &pos);
    if (rc >= 0) return rc;
    if ((rc = cli_gen_flags_check("ask", &g))) return rc;
    if (!task || !*task) return cli_usage_error("ask", "no task given");
    if (functions || fn_mode_s) return ask_functions(task, functions, fn_mode_s, data, api, hub_s, retriever, &g, json);
    int hub = -1;
    gorilla_asker *asker = NULL;
    rc = cli_asker_open("ask", data, api, hub_s, retriever, k, &g, &hub, &asker);
    if (rc) return rc;
    gorilla_error err = {0};
    gorilla_ask_result r;
    if (gorilla_ask(asker, task, hub, (size_t)k, &r, &err)) {
        gorilla_asker_free(asker);
        return cli_fail("ask", &err);
    }
    if (json) {
        char *s = gorilla_ask_result_json(asker, &r);
        if (s) printf("%s\n", s);
        else fprintf(stderr, "gorilla ask: out of memory\n"), rc = 1;
        free(s);
    } else {
        cli_print_ask(&r, gorilla_asker_model_id(asker));
    }
    gorilla_ask_result_clear(&r);
    gorilla_asker_free(asker);
    return rc;
}
